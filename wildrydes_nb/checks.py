"""The registry of check ids: each check a report can hold, its stable id and its wording.

An id (``auth_role.trust.aud``) is what code, summary columns and tests key on; the wording is
for people. Verify, cleanup, the summaries and the tests import the ids from here, so a check is
named in one place. :meth:`.report.Report.add` refuses an id that is not registered.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTHENTICATED, UNAUTHENTICATED = "authenticated", "unauthenticated"  # the role kinds (as roles.py names them)


@dataclass(frozen=True)
class CheckSpec:
    """One registered check: ``group`` is ``configuration``, ``proof`` or ``cleanup``."""

    id: str
    wording: str
    group: str


REGISTRY: dict[str, CheckSpec] = {}


def _register(check_id: str, wording: str, group: str) -> str:
    REGISTRY[check_id] = CheckSpec(check_id, wording, group)
    return check_id


# The prerequisites of the workshop's web app: what it needs of the user pool and app client.
APP_CLIENT_EXISTS = _register("app_client.exists", "the user pool and its app client exist", "configuration")
APP_CLIENT_NO_SECRET = _register("app_client.no_secret", "the app client has no client secret (a web page cannot "
                                 "keep one)", "configuration")
APP_CLIENT_SRP = _register("app_client.srp", "the app client allows SRP sign-in, as the web app signs in",
                           "configuration")

# The configuration, read back (verify).
IDENTITY_POOL_EXISTS = _register("identity_pool.exists", "the identity pool exists", "configuration")
# Each line says what it means first, then the API's name for it (issue 23).
IDENTITY_POOL_PROVIDER = _register("identity_pool.provider",
                                   "users of your user pool and app client sign in here (provider)", "configuration")
IDENTITY_POOL_UNAUTHENTICATED = _register("identity_pool.unauthenticated",
                                          "guests cannot get credentials (unauthenticated identities off)",
                                          "configuration")
# The same check for a learner who asked for guests on purpose (allow_unauthenticated).
UNAUTHENTICATED_ON_WORDING = "guests can get credentials (unauthenticated identities on)"

_ROLE_PREFIX = {AUTHENTICATED: "auth_role", UNAUTHENTICATED: "unauth_role"}
_ROLE_PARTS = {"attached": "{kind} role attached", "exists": "{kind} role exists",
               "trust.aud": "{kind} role trusts only this pool (aud)",
               "trust.amr": "{kind} role limited to {kind} identities (amr)"}
for _kind, _prefix in _ROLE_PREFIX.items():
    for _part, _words in _ROLE_PARTS.items():
        _register(f"{_prefix}.{_part}", _words.format(kind=_kind), "configuration")


def role_check(kind: str, part: str) -> str:
    """The id of the role check ``part`` (``attached``, ``exists``, ``trust.aud``, ``trust.amr``)
    for the role ``kind``."""
    check_id = f"{_ROLE_PREFIX[kind]}.{part}"
    if check_id not in REGISTRY:
        raise KeyError(check_id)
    return check_id


AUTH_ROLE_ATTACHED = role_check(AUTHENTICATED, "attached")
AUTH_ROLE_EXISTS = role_check(AUTHENTICATED, "exists")
AUTH_ROLE_TRUST_AUD = role_check(AUTHENTICATED, "trust.aud")
AUTH_ROLE_TRUST_AMR = role_check(AUTHENTICATED, "trust.amr")
UNAUTH_ROLE_DETACHED = _register("unauth_role.detached", "no unauthenticated role attached", "configuration")

# The sign-in proof (verify, when asked).
PROOF = _register("proof", "sign-in proof (user → ID token → identity → credentials → role)", "proof")
PROOF_SIGN_IN = _register("proof.sign_in", "sign in as a test user", "proof")
PROOF_GET_ID = _register("proof.get_id", "the signed-in user gets an identity (GetId)", "proof")
PROOF_CREDENTIALS = _register("proof.credentials",
                              "the identity gets temporary AWS credentials (GetCredentialsForIdentity)",
                              "proof")
PROOF_ROLE = _register("proof.role", "the credentials act as the authenticated role (STS GetCallerIdentity)", "proof")
PROOF_TEST_USER_REMOVED = _register("proof.test_user_removed", "the test user is removed", "proof")

# Cleanup: one check per thing deleted, by the kind of thing.
_DELETE_KINDS = ("identity pool", "IAM role", "test user", "user pool")
for _thing in _DELETE_KINDS:
    _register("delete." + _thing.replace(" ", "_"), f"delete {_thing}", "cleanup")


def delete_check(kind: str) -> str:
    """The id of cleanup's check for deleting a thing of ``kind`` (``identity pool``, ``IAM role``...)."""
    check_id = "delete." + kind.replace(" ", "_")
    if check_id not in REGISTRY:
        raise KeyError(check_id)
    return check_id


def wording(check_id: str) -> str:
    """How a check is worded for people."""
    return REGISTRY[check_id].wording


def ids(group: str) -> tuple[str, ...]:
    """The registered ids of ``group``, in the order they are reported."""
    return tuple(spec.id for spec in REGISTRY.values() if spec.group == group)


# Every check a verification reports, in order: a summary's columns and verify --json's statuses.
VERIFY_IDS = ids("configuration") + ids("proof")
