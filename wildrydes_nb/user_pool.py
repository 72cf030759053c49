"""The prerequisite: the Cognito user pool ``WildRydes`` and its app client ``wildrydes-web-app``."""

from __future__ import annotations

from dataclasses import dataclass

from . import DEFAULT_APP_CLIENT_NAME, DEFAULT_USER_POOL_NAME
from .aws import calling, client, paginate, unless_missing
from .errors import AmbiguousPoolError, NotFoundError, PrerequisiteError
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


def describe_app_client(session, user_pool_id: str, app_client_id: str) -> AppClient:
    """Check the user pool exists and the app client belongs to it (reads only)."""
    idp = client(session, "cognito-idp")
    with calling("read the user pool"):
        # Both at once (one round trip); the pool's error first, as if asked one after the other.
        (pool, pool_error), (found, client_error) = in_parallel(
            lambda: attempt(lambda: idp.describe_user_pool(UserPoolId=user_pool_id)["UserPool"]),
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
    info = found["UserPoolClient"]
    return AppClient(user_pool_id, app_client_id, info.get("ClientName", ""),
                     bool(info.get("ClientSecret")), tuple(info.get("ExplicitAuthFlows") or ()),
                     UserPoolSettings.from_description(pool))


def find_user_pools(session, name: str) -> list[str]:
    """Ids of the user pools called ``name``."""
    idp = client(session, "cognito-idp")
    with calling("list user pools"):
        pools = paginate(idp.list_user_pools, "UserPools", MaxResults=60)
    return [p["Id"] for p in pools if p.get("Name") == name]


def ensure_user_pool(session, name: str = DEFAULT_USER_POOL_NAME,
                     app_client_name: str = DEFAULT_APP_CLIENT_NAME) -> UserPoolResult:
    """Find or create the user pool and its app client as the workshop makes them.

    The pool: :data:`WORKSHOP_POOL` (username sign-in, email and phone aliases); the client: no
    secret, :data:`AUTH_FLOWS`. Re-running reuses what exists and changes nothing in it: use
    :meth:`AppClient.workshop_differences` to tell the learner how an existing one differs.
    """
    idp = client(session, "cognito-idp")
    created = []
    found = find_user_pools(session, name)
    if len(found) > 1:
        raise AmbiguousPoolError(f"{len(found)} user pools are called '{name}': {', '.join(found)}.",
                                 field="user_pool_id",
                                 fix="Give the one to use with user_pool_id, or delete the extras.")
    with calling("create the user pool"):
        if found:
            user_pool_id = found[0]
        else:
            user_pool_id = idp.create_user_pool(PoolName=name, **WORKSHOP_POOL)["UserPool"]["Id"]
            created.append("user pool")
        clients = paginate(idp.list_user_pool_clients, "UserPoolClients",
                           UserPoolId=user_pool_id, MaxResults=60)
        matching = [c["ClientId"] for c in clients if c.get("ClientName") == app_client_name]
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
    idp = client(session, "cognito-idp")
    return unless_missing("read the user pool", lambda: idp.describe_user_pool(UserPoolId=user_pool_id))


def delete_user_pool(session, user_pool_id: str) -> bool:
    """Delete the user pool; ``False`` if it was already gone."""
    idp = client(session, "cognito-idp")
    return unless_missing("delete the user pool", lambda: idp.delete_user_pool(UserPoolId=user_pool_id))

