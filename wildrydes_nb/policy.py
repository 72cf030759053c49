"""The least IAM policy that lets a learner run the step, verify and cleanup (``wildrydes-nb policy``).

The policy ships as ``policies/learner-policy.json``. Its actions are the AWS calls the
identity-pool step, verify and cleanup make with the learner's credentials
(``tests/test_policy.py`` records them against the sandbox and fails when a call is not in
the policy), plus the permissions AWS checks beside a call (:data:`AUTHORIZED_BESIDE`). Calls
AWS answers without a signature need no permission and are not in it (:data:`NO_PERMISSION`).
Its last statement (:data:`USER_POOL_STATEMENT`) is for learners who also make the workshop's
previous step, the user pool, with the package (``01_user_pool``, ``wildrydes-nb user-pool``,
``cleanup --delete-user-pool``); :func:`learner_policy` leaves it out unless asked.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources

USER_POOL_STATEMENT = "CreateTheUserPoolToo"

# Permissions AWS checks beside an operation that the package never calls by that name.
AUTHORIZED_BESIDE = {
    "cognito-identity:TagResource": "CreateIdentityPool and UpdateIdentityPool send the pool's tags "
                                    "(the Service Authorization Reference maps CreateIdentityPool to it)",
    "iam:TagRole": "CreateRole sends the role's managed-by tag",
    "iam:PassRole": "SetIdentityPoolRoles gives the pool roles that may carry more permissions than the "
                    "learner (Cognito developer guide, 'Granting pass role permission')",
}

# Operations made with no IAM permission at all: unsigned (the login token is the proof), or
# allowed to every identity (GetCallerIdentity).
NO_PERMISSION = {
    "cognito-idp:InitiateAuth": "the test user's SRP sign-in: unsigned",
    "cognito-idp:RespondToAuthChallenge": "the test user's SRP sign-in: unsigned",
    "cognito-identity:GetId": "the sign-in proof: unsigned",
    "cognito-identity:GetCredentialsForIdentity": "the sign-in proof: unsigned",
    "sts:GetCallerIdentity": "which role the proof's credentials are, and who 00 signs in as: needs no permission",
}


@functools.lru_cache(maxsize=None)
def _shipped() -> str:
    return resources.files(__package__).joinpath("policies", "learner-policy.json").read_text(encoding="utf-8")


def learner_policy(*, user_pool: bool = False) -> dict:
    """The shipped policy document; with ``user_pool`` also the statement for the previous step."""
    document = copy.deepcopy(json.loads(_shipped()))
    if not user_pool:
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != USER_POOL_STATEMENT]
    return document


def actions(document: dict) -> set[str]:
    """Every action a policy document allows, as ``service:Operation``."""
    found: set[str] = set()
    for statement in document["Statement"]:
        if statement.get("Effect") == "Allow":
            listed = statement["Action"]
            found |= {listed} if isinstance(listed, str) else set(listed)
    return found

