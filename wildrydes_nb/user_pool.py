"""The prerequisite: the Cognito user pool ``WildRydes`` and its app client ``wildrydes-web-app``."""

from __future__ import annotations

from dataclasses import dataclass

from . import DEFAULT_APP_CLIENT_NAME, DEFAULT_USER_POOL_NAME
from .aws import client, paginate
from .aws_errors import calling, unless_missing
from .errors import AwsAccessError, NotFoundError, NotYoursError, PrerequisiteError
from .parallel import attempt, in_parallel

# The workshop's app client keeps the console's default flows: the web app signs in with SRP.
AUTH_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
# The user pool as the workshop's console steps make it: a username to sign in with, email and
# phone number as aliases, email verified automatically, no MFA.
WORKSHOP_POOL = {"AliasAttributes": ["email", "phone_number"], "AutoVerifiedAttributes": ["email"],
                 "MfaConfiguration": "OFF"}
# When ExplicitAuthFlows is left out, Cognito allows these (the API's default).
_DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_CUSTOM_AUTH")
_LEGACY_FLOWS = {"USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH": "ALLOW_ADMIN_USER_PASSWORD_AUTH",
                 "CUSTOM_AUTH_FLOW_ONLY": "ALLOW_CUSTOM_AUTH"}


@dataclass(frozen=True)
class UserPoolSettings:
    """The user pool's settings that decide how a user is named and signs in."""

    username_attributes: tuple[str, ...] = ()  # ("email",): the email is the username
    alias_attributes: tuple[str, ...] = ()     # ("email", "phone_number"): sign in with these too
    auto_verified: tuple[str, ...] = ()
    required_attributes: tuple[str, ...] = ()
    mfa: str = "OFF"
    deletion_protection: str = "INACTIVE"

    @classmethod
    def from_description(cls, pool: dict) -> "UserPoolSettings":
        """From DescribeUserPool's ``UserPool``."""
        required = tuple(a["Name"] for a in pool.get("SchemaAttributes", []) if a.get("Required"))
        return cls(tuple(pool.get("UsernameAttributes") or ()), tuple(pool.get("AliasAttributes") or ()),
                   tuple(pool.get("AutoVerifiedAttributes") or ()), required,
                   pool.get("MfaConfiguration") or "OFF", pool.get("DeletionProtection") or "INACTIVE")


@dataclass(frozen=True)
class AppClient:
    """An app client, and its user pool's settings, as the identity pool step cares about them."""

    user_pool_id: str
    app_client_id: str
    name: str
    has_secret: bool
    auth_flows: tuple[str, ...]
    pool: UserPoolSettings = UserPoolSettings()

    @property
    def flows(self) -> frozenset[str]:
        """The allowed flows in today's ``ALLOW_...`` names, the API's default when none are set."""
        given = self.auth_flows or _DEFAULT_FLOWS
        return frozenset(_LEGACY_FLOWS.get(flow, flow) for flow in given)

    @property
    def allows_srp(self) -> bool:
        return "ALLOW_USER_SRP_AUTH" in self.flows

    @property
    def allows_password_auth(self) -> bool:
        return "ALLOW_USER_PASSWORD_AUTH" in self.flows

    def workshop_differences(self) -> list[str]:
        """How this user pool and app client differ from the workshop's, in words (empty: none).

        Only differences that change what the learner meets are listed; the step works with all
        of them except a client secret and the lack of SRP, which the web app needs.
        """
        found = []
        if self.pool.username_attributes:
            found.append(f"users sign in with their {' or '.join(self.pool.username_attributes)} as the "
                         "username (the workshop: a username, with email and phone number as aliases); "
                         "the web app's sign-up form sends a username such as alice|example|com, "
                         "which this pool refuses")
        elif set(self.pool.alias_attributes) != {"email", "phone_number"}:
            aliases = ", ".join(self.pool.alias_attributes) or "none"
            found.append(f"sign-in aliases are {aliases} (the workshop: email and phone number)")
        if "email" not in self.pool.auto_verified:
            found.append("email is not verified automatically (the workshop verifies it)")
        if self.pool.mfa != "OFF":
            found.append(f"MFA is {self.pool.mfa} (the workshop: off)")
        if self.has_secret:
            found.append("the app client has a client secret, which the web app cannot use "
                         "(the workshop unticks 'Generate client secret')")
        if not self.allows_srp:
            found.append("the app client does not allow ALLOW_USER_SRP_AUTH, the flow the web app signs in with")
        return found


@dataclass(frozen=True)
class UserPoolResult:
    """What :func:`ensure_user_pool` found or made."""

    user_pool_id: str
    app_client_id: str
    created: tuple[str, ...]  # what this run created, e.g. ("user pool", "app client")


class UnprovenUserPoolError(NotYoursError):
    """User pools of the workshop's name exist, and none is provably the learner's: the step
    neither reuses one nor makes another without their word. ``candidates`` describes each."""

    def __init__(self, problem: str, *, candidates: tuple["Candidate", ...], fix: str):
        super().__init__(problem, field="user_pool_id", fix=fix,
                         identity_pool_ids=())
        self.candidates = candidates


@dataclass(frozen=True)
class Candidate:
    """A user pool of the workshop's name that may be the learner's: what they need to recognise it."""

    user_pool_id: str
    created: str  # e.g. 2026-12-05 09:14 UTC
    clients: tuple[str, ...]  # its app clients' names

    def describe(self) -> str:
        return (f"{self.user_pool_id} (created {self.created}; app clients: "
                f"{', '.join(self.clients) or 'none'})")


def _member(answer: dict, key: str) -> dict:
    """``answer[key]``, or a clear error when the endpoint answered without it (a sandbox or proxy
    stopped halfway through its answer)."""
    if not isinstance(answer.get(key), dict):
        raise AwsAccessError(f"the endpoint answered without the {key} it was asked for.", field="endpoint",
                             fix="Check that the endpoint (the sandbox, if you use one) is still running, then run "
                                 "this again: it carries on from what exists.")
    return answer[key]


def describe_app_client(session, user_pool_id: str, app_client_id: str) -> AppClient:
    """Check the user pool exists and the app client belongs to it (reads only)."""
    idp = client(session, "cognito-idp")
    with calling("read the user pool"):
        # Both at once (one round trip); the pool's error first, as if asked one after the other.
        (pool, pool_error), (found, client_error) = in_parallel(
            lambda: attempt(lambda: _member(idp.describe_user_pool(UserPoolId=user_pool_id), "UserPool")),
            lambda: attempt(lambda: idp.describe_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id)))
        if isinstance(pool_error, idp.exceptions.ResourceNotFoundException):
            raise NotFoundError(f"User pool {user_pool_id} does not exist in region {idp.meta.region_name}.",
                                field="user_pool_id",
                                fix="Check the region and copy the User Pool ID again "
                                    "(or create it in 01_user_pool / 'wildrydes-nb user-pool').")
        if pool_error is not None:
            raise pool_error
        if isinstance(client_error, idp.exceptions.ResourceNotFoundException):
            raise PrerequisiteError(f"app client {app_client_id} does not belong to user pool {user_pool_id}.",
                                    field="app_client_id",
                                    fix="Copy the App client ID from that user pool's 'App clients' page.")
        if client_error is not None:
            raise client_error
    info = _member(found, "UserPoolClient")
    return AppClient(user_pool_id, app_client_id, info.get("ClientName", ""),
                     bool(info.get("ClientSecret")), tuple(info.get("ExplicitAuthFlows") or ()),
                     UserPoolSettings.from_description(pool))


def find_user_pools(session, name: str) -> list[str]:
    """Ids of the user pools called ``name``."""
    return [p["Id"] for p in _pools_named(session, name)]


def _pools_named(session, name: str) -> list[dict]:
    idp = client(session, "cognito-idp")
    with calling("list user pools"):
        pools = paginate(idp.list_user_pools, "UserPools", MaxResults=60)
    return [p for p in pools if p.get("Name") == name]


def candidates(session, name: str) -> list[Candidate]:
    """The user pools called ``name``, each with its creation date and its app clients' names."""
    idp = client(session, "cognito-idp")
    found = []
    for pool in _pools_named(session, name):
        with calling("list the user pool's app clients"):
            clients = paginate(idp.list_user_pool_clients, "UserPoolClients", UserPoolId=pool["Id"], MaxResults=60)
        created = pool.get("CreationDate")
        found.append(Candidate(pool["Id"], f"{created:%Y-%m-%d %H:%M} UTC" if created else "at an unknown time",
                               tuple(c.get("ClientName", "") for c in clients)))
    return found


# The ways out when a user pool of the name exists that is not provably the learner's.
REUSE_HOW = ("If one is yours, reuse it by its id: --user-pool-id ID on the command line, or paste it in 01's "
             "User Pool ID and click 'Check and use these IDs'")
NEW_HOW = ("to make your own beside them, --new on the command line, the form's 'None of them is mine: create my own' button, or "
           "new_user_pool=True as a notebook parameter (or a name of its own: --user-pool-name)")


def ensure_user_pool(session, name: str = DEFAULT_USER_POOL_NAME,
                     app_client_name: str = DEFAULT_APP_CLIENT_NAME, *, user_pool_id: str | None = None,
                     app_client_id: str | None = None, new: bool = False) -> UserPoolResult:
    """Find or create the learner's user pool and its app client as the workshop makes them.

    The learner's pool is ``user_pool_id`` (their word, or their scratchpad's) when it exists;
    else a pool is made, unless pools called ``name`` exist: they are not provably the learner's,
    so an :class:`UnprovenUserPoolError` lists them (id, creation date, app clients) and nothing is
    made, unless ``new`` (their word that none is theirs). In the learner's pool the app client is
    ``app_client_id`` when it belongs to it, else the one called ``app_client_name``, else a new one.

    The pool: :data:`WORKSHOP_POOL` (username sign-in, email and phone aliases); the client: no
    secret, :data:`AUTH_FLOWS`. Re-running reuses what exists and changes nothing in it: use
    :meth:`AppClient.workshop_differences` to tell the learner how an existing one differs.
    """
    idp = client(session, "cognito-idp")
    created = []
    if user_pool_id and not user_pool_exists(session, user_pool_id):
        user_pool_id = app_client_id = None  # the scratchpad's pool was deleted since: as if none were saved
    if not user_pool_id and not new:
        found = candidates(session, name)
        if found:
            raise UnprovenUserPoolError(
                f"{len(found)} user pool(s) called '{name}' exist in {idp.meta.region_name}, and none is provably "
                f"yours (none is in your scratchpad): {'; '.join(c.describe() for c in found)}. Nothing was made.",
                candidates=tuple(found), fix=f"{REUSE_HOW}; {NEW_HOW}.")
    with calling("create the user pool"):
        if not user_pool_id:
            user_pool_id = idp.create_user_pool(PoolName=name, **WORKSHOP_POOL)["UserPool"]["Id"]
            created.append("user pool")
            app_client_id = None
        clients = paginate(idp.list_user_pool_clients, "UserPoolClients",
                           UserPoolId=user_pool_id, MaxResults=60)
        matching = [c["ClientId"] for c in clients if c["ClientId"] == app_client_id]
        matching += [c["ClientId"] for c in clients if c.get("ClientName") == app_client_name]
        if matching:
            app_client_id = matching[0]
        else:
            app_client_id = idp.create_user_pool_client(
                UserPoolId=user_pool_id, ClientName=app_client_name, GenerateSecret=False,
                ExplicitAuthFlows=list(AUTH_FLOWS))["UserPoolClient"]["ClientId"]
            created.append("app client")
    return UserPoolResult(user_pool_id, app_client_id, tuple(created))


def user_pool_exists(session, user_pool_id: str) -> bool:
    """Whether the user pool exists in the session's region."""
    return read_user_pool_settings(session, user_pool_id) is not None


def read_user_pool_settings(session, user_pool_id: str) -> UserPoolSettings | None:
    """The user pool's settings (:class:`UserPoolSettings`), or ``None`` if it is not there."""
    idp = client(session, "cognito-idp")
    found = []
    unless_missing("read the user pool", lambda: found.append(idp.describe_user_pool(UserPoolId=user_pool_id)))
    return UserPoolSettings.from_description(found[0]["UserPool"]) if found else None


def delete_user_pool(session, user_pool_id: str) -> bool:
    """Delete the user pool; ``False`` if it was already gone."""
    idp = client(session, "cognito-idp")
    return unless_missing("delete the user pool", lambda: idp.delete_user_pool(UserPoolId=user_pool_id))

