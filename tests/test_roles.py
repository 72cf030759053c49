"""Role names and trust policies (no AWS)."""

import json
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
