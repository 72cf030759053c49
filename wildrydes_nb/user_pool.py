"""The prerequisite: the Cognito user pool ``WildRydes`` and its app client ``wildrydes-web-app``."""

from __future__ import annotations

from dataclasses import dataclass

from . import DEFAULT_APP_CLIENT_NAME, DEFAULT_USER_POOL_NAME
from .aws import calling, client, paginate, unless_missing
from .errors import AmbiguousPoolError, NotFoundError, PrerequisiteError

# What the web app and the verification need: password sign-in, SRP and refresh.
AUTH_FLOWS = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@dataclass(frozen=True)
class AppClient:
    """An app client as the identity pool step cares about it."""

    user_pool_id: str
    app_client_id: str
    name: str
    has_secret: bool
    auth_flows: tuple[str, ...]

    @property
    def allows_password_auth(self) -> bool:
        return bool({"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"} & set(self.auth_flows))


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
        try:
            idp.describe_user_pool(UserPoolId=user_pool_id)
        except idp.exceptions.ResourceNotFoundException:
            raise NotFoundError(f"User pool {user_pool_id} does not exist in region {idp.meta.region_name}.",
                                field="user_pool_id",
                                fix="Check the region and copy the User Pool ID again "
                                    "(or create it in 01_user_pool / 'wildrydes-nb user-pool').") from None
        try:
            found = idp.describe_user_pool_client(UserPoolId=user_pool_id, ClientId=app_client_id)
        except idp.exceptions.ResourceNotFoundException:
            raise PrerequisiteError(f"app client {app_client_id} does not belong to user pool {user_pool_id}.",
                                    field="app_client_id",
                                    fix="Copy the App client ID from that user pool's 'App clients' page.") from None
    info = found["UserPoolClient"]
    return AppClient(user_pool_id, app_client_id, info.get("ClientName", ""),
                     bool(info.get("ClientSecret")), tuple(info.get("ExplicitAuthFlows") or ()))


def find_user_pools(session, name: str) -> list[str]:
    """Ids of the user pools called ``name``."""
    idp = client(session, "cognito-idp")
    with calling("list user pools"):
        pools = paginate(idp.list_user_pools, "UserPools", MaxResults=60)
    return [p["Id"] for p in pools if p.get("Name") == name]


def ensure_user_pool(session, name: str = DEFAULT_USER_POOL_NAME,
                     app_client_name: str = DEFAULT_APP_CLIENT_NAME) -> UserPoolResult:
    """Find or create the user pool and its app client (no secret, :data:`AUTH_FLOWS` allowed).

    Re-running reuses what exists; an existing client missing a needed flow gets it added.
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
            user_pool_id = idp.create_user_pool(PoolName=name, AutoVerifiedAttributes=["email"],
                                                UsernameAttributes=["email"])["UserPool"]["Id"]
            created.append("user pool")
        clients = paginate(idp.list_user_pool_clients, "UserPoolClients",
                           UserPoolId=user_pool_id, MaxResults=60)
        matching = [c["ClientId"] for c in clients if c.get("ClientName") == app_client_name]
        if matching:
            app_client_id = matching[0]
            _add_missing_flows(idp, describe_app_client(session, user_pool_id, app_client_id))
        else:
            app_client_id = idp.create_user_pool_client(
                UserPoolId=user_pool_id, ClientName=app_client_name, GenerateSecret=False,
                ExplicitAuthFlows=list(AUTH_FLOWS))["UserPoolClient"]["ClientId"]
            created.append("app client")
    return UserPoolResult(user_pool_id, app_client_id, tuple(created))


def _add_missing_flows(idp, app: AppClient) -> None:
    if set(AUTH_FLOWS) <= set(app.auth_flows):
        return
    # UpdateUserPoolClient resets omitted settings, so carry the current ones over.
    current = idp.describe_user_pool_client(UserPoolId=app.user_pool_id,
                                            ClientId=app.app_client_id)["UserPoolClient"]
    keep = {k: current[k] for k in ("RefreshTokenValidity", "AccessTokenValidity", "IdTokenValidity",
                                    "TokenValidityUnits", "ReadAttributes", "WriteAttributes",
                                    "SupportedIdentityProviders", "CallbackURLs", "LogoutURLs",
                                    "AllowedOAuthFlows", "AllowedOAuthScopes",
                                    "AllowedOAuthFlowsUserPoolClient", "PreventUserExistenceErrors",
                                    "EnableTokenRevocation") if current.get(k)}
    flows = sorted(set(app.auth_flows) | set(AUTH_FLOWS))
    idp.update_user_pool_client(UserPoolId=app.user_pool_id, ClientId=app.app_client_id,
                                ClientName=app.name, ExplicitAuthFlows=flows, **keep)


def user_pool_exists(session, user_pool_id: str) -> bool:
    """Whether the user pool exists in the session's region."""
    idp = client(session, "cognito-idp")
    return unless_missing("read the user pool", lambda: idp.describe_user_pool(UserPoolId=user_pool_id))


def delete_user_pool(session, user_pool_id: str) -> bool:
    """Delete the user pool; ``False`` if it was already gone."""
    idp = client(session, "cognito-idp")
    return unless_missing("delete the user pool", lambda: idp.delete_user_pool(UserPoolId=user_pool_id))

