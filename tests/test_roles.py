"""Role names and trust policies (no AWS)."""

import hashlib
import json
import re
from urllib.parse import quote

from wildrydes_nb import roles

POOL = "us-east-2:1a2b3c4d-0000-1111-2222-333344445555"


def test_role_names_follow_the_console():
    assert roles.role_name("wildrydes_identity_pool") == "Cognito_wildrydes_identity_poolAuth_Role"
    assert roles.role_name("wildrydes_identity_pool", "unauthenticated") == "Cognito_wildrydes_identity_poolUnauth_Role"
    long_name = roles.role_name("my pool " * 20)
    assert len(long_name) <= 64 and " " not in long_name and long_name.endswith("Auth_Role")


def test_trust_policy_is_scoped_and_accepted():
    policy = roles.trust_policy(POOL)
    condition = policy["Statement"][0]["Condition"]
    assert condition["StringEquals"]["cognito-identity.amazonaws.com:aud"] == POOL
    assert condition["ForAnyValue:StringLike"]["cognito-identity.amazonaws.com:amr"] == "authenticated"
    assert roles.trust_problems(policy, POOL) == {}
    assert roles.trust_problems(quote(json.dumps(policy)), POOL) == {}


def test_trust_problems_name_what_is_wrong():
    other = roles.trust_policy("us-east-2:ffffffff-0000-1111-2222-333344445555")
    assert set(roles.trust_problems(other, POOL)) == {"aud"}
    unauth = roles.trust_policy(POOL, "unauthenticated")
    assert set(roles.trust_problems(unauth, POOL)) == {"amr"}
    open_trust = roles.trust_policy(POOL)
    del open_trust["Statement"][0]["Condition"]
    assert "any identity pool" in roles.trust_problems(open_trust, POOL)["aud"]
    lambda_trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                   "Action": "sts:AssumeRole"}]}
    assert set(roles.trust_problems(lambda_trust, POOL)) == {"principal"}


def test_a_name_kept_as_it_is_only_when_valid_lower_case_and_fitting():
    fits = "p" * (64 - len("Cognito_") - len("Unauth_Role"))
    assert roles.role_name(fits, "unauthenticated") == f"Cognito_{fits}Unauth_Role"
    assert len(roles.role_name(fits, "unauthenticated")) == 64
    assert roles.role_name("team_a") == "Cognito_team_aAuth_Role"


def test_names_that_must_change_get_a_hash_of_the_exact_name():
    spaced = roles.role_name("team a")
    assert spaced == "Cognito_team_a_" + hashlib.sha256(b"team a").hexdigest()[:8] + "Auth_Role"
    # IAM compares role names ignoring case: these pairs must not meet even then.
    for one, other in [("team a", "team_a"), ("Team", "team"), ("Team", "TEAM"), ("a b", "a+b"),
                       ("x" * 60 + "1", "x" * 60 + "2")]:
        for kind in ("authenticated", "unauthenticated"):
            first, second = roles.role_name(one, kind), roles.role_name(other, kind)
            assert first.lower() != second.lower(), (one, other)
            assert len(first) <= 64 and len(second) <= 64
            assert re.fullmatch(r"[\w+=,.@-]+", first) and re.fullmatch(r"[\w+=,.@-]+", second)
    assert roles.role_name("Team") == "Cognito_Team_" + hashlib.sha256(b"Team").hexdigest()[:8] + "Auth_Role"


def test_trusted_pools_lists_every_aud():
    two = roles.trust_policy(POOL)
    two["Statement"].append(roles.trust_policy("us-east-1:ffffffff-0000-1111-2222-333344445555")["Statement"][0])
    assert roles.trusted_pools(quote(json.dumps(two))) == [POOL, "us-east-1:ffffffff-0000-1111-2222-333344445555"]
    open_trust = roles.trust_policy(POOL)
    del open_trust["Statement"][0]["Condition"]
    assert roles.trusted_pools(open_trust) == []
