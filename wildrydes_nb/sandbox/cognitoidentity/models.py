"""Identity pool roles, login checks and real credentials for moto's Cognito Identity backend."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from typing import Any

from joserfc import jwk, jwt
from joserfc.errors import JoseError
from moto.cognitoidentity.models import (
    CognitoIdentityBackend,
    CognitoIdentityPool,
    cognitoidentity_backends,
)
from moto.cognitoidentity.utils import get_random_identity_id
from moto.core.common_models import BaseModel
from moto.core.exceptions import InvalidToken
from moto.core.utils import utcnow
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends
from moto.sts.models import sts_backends
from moto.utilities.paginator import Paginator
from moto.utilities.utils import load_resource

from .exceptions import (
    IdentityAccessForbiddenError,
    IdentityNotFoundError,
    IdentityPoolNotFoundError,
    InvalidIdentityPoolConfigurationError,
    InvalidLoginTokenError,
    InvalidNextTokenError,
    InvalidRoleTypeError,
    LoginsMismatchError,
    RoleAccessForbiddenError,
    UnauthenticatedAccessError,
    UnsupportedProviderError,
)

ROLE_TYPES = ("authenticated", "unauthenticated")
ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
COGNITO_IDENTITY_PRINCIPAL = "cognito-identity.amazonaws.com"
# Cognito names the STS session so; the assumed-role ARN ends in /CognitoIdentityCredentials.
ROLE_SESSION_NAME = "CognitoIdentityCredentials"
CREDENTIALS_DURATION_SECONDS = 3600

# moto signs the tokens of every user pool with one key pair; this is its public half,
# the one moto serves as each pool's jwks.json.
MOTO_USER_POOL_KEYS = jwk.KeySet.import_key_set(
    load_resource("cognitoidp/resources/jwks-public.json")
)


class CognitoIdentity(BaseModel):
    """An identity of an identity pool; `logins` maps provider name to the user's `sub`."""

    def __init__(self, region: str, identity_pool_id: str, logins: dict[str, str]):
        self.identity_id = get_random_identity_id(region)
        self.identity_pool_id = identity_pool_id
        self.logins = dict(logins)
        self.creation_date = utcnow()

    def to_dict(self) -> dict[str, Any]:
        return {
            "IdentityId": self.identity_id,
            "Logins": list(self.logins),
            "CreationDate": _epoch(self.creation_date),
            "LastModifiedDate": _epoch(self.creation_date),
        }


class CognitoIdentityBackendExtension:
    """Methods that `install()` copies onto moto's `CognitoIdentityBackend`."""

    @property
    def identity_pool_roles(self) -> dict[str, dict[str, Any]]:
        """`{"Roles": ..., "RoleMappings": ...}` per identity pool id."""
        # Created on first use in the instance dict: moto's reset() empties that dict, so
        # /moto-api/reset clears it, and backends built before install() get it too.
        return self.__dict__.setdefault("_identity_pool_roles", {})

    @property
    def identities(self) -> dict[str, CognitoIdentity]:
        """The identities of this backend's pools, by identity id."""
        return self.__dict__.setdefault("_identities", {})

    def create_identity_pool(
        self,
        identity_pool_name: str,
        allow_unauthenticated_identities: bool,
        supported_login_providers: dict[str, str],
        developer_provider_name: str,
        open_id_connect_provider_arns: list[str],
        cognito_identity_providers: list[dict[str, Any]],
        saml_provider_arns: list[str],
        tags: dict[str, str],
    ) -> str:
        pool = CognitoIdentityPool(
            self.region_name,
            identity_pool_name,
            allow_unauthenticated_identities=allow_unauthenticated_identities,
            supported_login_providers=supported_login_providers,
            developer_provider_name=developer_provider_name,
            open_id_connect_provider_arns=open_id_connect_provider_arns,
            cognito_identity_providers=cognito_identity_providers,
            saml_provider_arns=saml_provider_arns,
            tags=tags,
        )
        self.identity_pools[pool.identity_pool_id] = pool
        return pool.to_json()

    def describe_identity_pool(self, identity_pool_id: str) -> str:
        return self._get_identity_pool(identity_pool_id).to_json()

    def update_identity_pool(
        self,
        identity_pool_id: str,
        identity_pool_name: str,
        allow_unauthenticated: bool | None,
        login_providers: dict[str, str] | None,
        provider_name: str | None,
        provider_arns: list[str] | None,
        identity_providers: list[dict[str, Any]] | None,
        saml_providers: list[str] | None,
        tags: dict[str, str] | None,
    ) -> str:
        """
        Fields left out keep their value (AWS would clear them). AllowClassicFlow is ignored.
        """
        pool = self._get_identity_pool(identity_pool_id)
        pool.identity_pool_name = identity_pool_name
        if allow_unauthenticated is not None:
            pool.allow_unauthenticated_identities = allow_unauthenticated
        if login_providers is not None:
            pool.supported_login_providers = login_providers
        if provider_name:
            pool.developer_provider_name = provider_name
        if provider_arns is not None:
            pool.open_id_connect_provider_arns = provider_arns
        if identity_providers is not None:
            pool.cognito_identity_providers = identity_providers
        if saml_providers is not None:
            pool.saml_provider_arns = saml_providers
        if tags:
            pool.tags = tags
        return pool.to_json()

    def delete_identity_pool(self, identity_pool_id: str) -> None:
        self._get_identity_pool(identity_pool_id)
        del self.identity_pools[identity_pool_id]
        self.identity_pool_roles.pop(identity_pool_id, None)
        for identity in list(self.identities.values()):
            if identity.identity_pool_id == identity_pool_id:
                del self.identities[identity.identity_id]

    def list_identity_pools(
        self, max_results: int, next_token: str | None = None
    ) -> tuple[list[CognitoIdentityPool], str | None]:
        """One page of the pools, and the NextToken of the next page if there is one."""
        return _page(list(self.identity_pools.values()), "identity_pool_id", max_results, next_token)

    def list_identities(
        self, identity_pool_id: str, max_results: int, next_token: str | None = None
    ) -> tuple[list[CognitoIdentity], str | None]:
        """
        One page of the pool's identities, and the NextToken of the next page if there is one.
        HideDisabled is ignored: identities are never disabled here.
        """
        self._get_identity_pool(identity_pool_id)
        identities = [
            identity
            for identity in self.identities.values()
            if identity.identity_pool_id == identity_pool_id
        ]
        return _page(
            identities, "identity_id", max_results, next_token, identity_pool_id=identity_pool_id
        )

    def set_identity_pool_roles(
        self,
        identity_pool_id: str,
        roles: dict[str, str],
        role_mappings: dict[str, Any] | None,
    ) -> None:
        """
        RoleMappings are stored and returned, but not applied when issuing credentials.
        """
        self._get_identity_pool(identity_pool_id)
        for role_type, role_arn in roles.items():
            if role_type not in ROLE_TYPES:
                raise InvalidRoleTypeError(role_type)
            if not ROLE_ARN_PATTERN.fullmatch(role_arn):
                raise RoleAccessForbiddenError(role_arn)
        self.identity_pool_roles[identity_pool_id] = {
            "Roles": dict(roles),
            "RoleMappings": role_mappings or {},
        }

    def get_identity_pool_roles(self, identity_pool_id: str) -> str:
        self._get_identity_pool(identity_pool_id)
        stored = self.identity_pool_roles.get(identity_pool_id, {})
        response: dict[str, Any] = {
            "IdentityPoolId": identity_pool_id,
            "Roles": stored.get("Roles", {}),
        }
        if stored.get("RoleMappings"):
            response["RoleMappings"] = stored["RoleMappings"]
        return json.dumps(response)

    def get_id(self, identity_pool_id: str, logins: dict[str, str] | None = None) -> str:
        """
        Logins are checked like AWS does for user pool ID tokens (signature, expiry, issuer,
        audience); a user always gets the same IdentityId in a pool. Only Cognito user pools
        are supported as providers.
        """
        backend = self._backend_for(identity_pool_id)
        pool = backend._get_identity_pool(identity_pool_id)
        if logins:
            identity = backend._identity_for_logins(pool, _verify_logins(pool, logins))
        elif pool.allow_unauthenticated_identities:
            identity = backend._add_identity(identity_pool_id, {})
        else:
            raise UnauthenticatedAccessError()
        return json.dumps({"IdentityId": identity.identity_id})

    def get_credentials_for_identity(
        self, identity_id: str, logins: dict[str, str] | None = None
    ) -> str:
        """
        The credentials are those of moto's STS for the pool's role, after the role's trust
        policy is checked. CustomRoleArn and RoleMappings are ignored.
        """
        backend = self._backend_for(identity_id)
        identity = backend.identities.get(identity_id)
        if identity is None:
            raise IdentityNotFoundError(identity_id)
        pool = backend._get_identity_pool(identity.identity_pool_id)
        if logins:
            subjects = _verify_logins(pool, logins)
            if not subjects.items() <= identity.logins.items():
                raise LoginsMismatchError()
            role_type = "authenticated"
            # The values Cognito puts in the web identity token's `amr` claim.
            amr = [role_type, *subjects]
            amr += [f"{provider}:CognitoSignIn:{sub}" for provider, sub in subjects.items()]
        elif not pool.allow_unauthenticated_identities:
            raise UnauthenticatedAccessError()
        elif identity.logins:
            raise IdentityAccessForbiddenError(identity_id)
        else:
            role_type = "unauthenticated"
            amr = [role_type]

        roles = backend.identity_pool_roles.get(pool.identity_pool_id, {}).get("Roles", {})
        role_arn = roles.get(role_type)
        if not role_arn or not _trust_admits(
            _trust_policy(role_arn), pool.identity_pool_id, amr
        ):
            raise InvalidIdentityPoolConfigurationError()

        assumed_role = sts_backends[backend.account_id][
            backend.partition
        ].assume_role_with_web_identity(
            region_name=backend.region_name,
            role_session_name=ROLE_SESSION_NAME,
            role_arn=role_arn,
            policy=None,
            duration=CREDENTIALS_DURATION_SECONDS,
            external_id=None,
        )
        return json.dumps(
            {
                "IdentityId": identity_id,
                "Credentials": {
                    "AccessKeyId": assumed_role.access_key_id,
                    "SecretKey": assumed_role.secret_access_key,
                    "SessionToken": assumed_role.session_token,
                    "Expiration": _epoch(assumed_role.expiration),
                },
            }
        )

    def _get_identity_pool(self, identity_pool_id: str) -> CognitoIdentityPool:
        pool = self.identity_pools.get(identity_pool_id)
        if pool is None:
            raise IdentityPoolNotFoundError(identity_pool_id)
        return pool

    def _backend_for(self, resource_id: str) -> CognitoIdentityBackend:
        """The backend of the region that an identity (pool) id starts with."""
        # GetId and GetCredentialsForIdentity are unsigned, so the request does not tell
        # the region; the id does. dict.get, unlike [], creates no backend.
        backend = cognitoidentity_backends[self.account_id].get(resource_id.split(":")[0])
        return self if backend is None else backend

    def _add_identity(self, identity_pool_id: str, logins: dict[str, str]) -> CognitoIdentity:
        identity = CognitoIdentity(self.region_name, identity_pool_id, logins)
        self.identities[identity.identity_id] = identity
        return identity

    def _identity_for_logins(
        self, pool: CognitoIdentityPool, subjects: dict[str, str]
    ) -> CognitoIdentity:
        """The pool's identity already linked to one of these logins, else a new one."""
        for identity in self.identities.values():
            if (
                identity.identity_pool_id == pool.identity_pool_id
                and subjects.items() & identity.logins.items()
            ):
                identity.logins.update(subjects)
                return identity
        return self._add_identity(pool.identity_pool_id, subjects)


def _page(
    items: list[Any], unique_attribute: str, max_results: int, next_token: str | None, **listing: str
) -> tuple[list[Any], str | None]:
    """A page of `items` with moto's opaque tokens; a token of another listing is refused."""
    try:
        return Paginator(
            max_results=max_results,
            starting_token=next_token,
            unique_attribute=unique_attribute,
            param_values_to_check=listing,
        ).paginate(items)
    except InvalidToken:
        raise InvalidNextTokenError()


def _verify_logins(pool: CognitoIdentityPool, logins: dict[str, str]) -> dict[str, str]:
    """Check each login token; return provider name → the user's `sub`."""
    return {
        provider: _verify_login_token(pool, provider, token)["sub"]
        for provider, token in logins.items()
    }


def _verify_login_token(
    pool: CognitoIdentityPool, provider: str, token: str
) -> dict[str, Any]:
    """The claims of a user pool ID token given under `provider`, once it passes the checks."""
    try:
        claims = jwt.decode(token, MOTO_USER_POOL_KEYS, algorithms=["RS256"]).claims
    except (JoseError, ValueError):
        raise InvalidLoginTokenError("Not a valid OpenId Connect identity token.")
    now = int(time.time())
    if claims.get("exp", 0) <= now:
        raise InvalidLoginTokenError(f"Token expired: {now} >= {claims.get('exp')}")
    if claims.get("iss") != f"https://{provider}":
        raise InvalidLoginTokenError("Issuer doesn't match providerName")
    # Access tokens carry `client_id` instead: this is what catches the wrong token kind.
    if "aud" not in claims:
        raise InvalidLoginTokenError("Missing a required claim: aud")
    if not any(
        configured.get("ProviderName") == provider
        and configured.get("ClientId") == claims["aud"]
        for configured in pool.cognito_identity_providers or []
    ):
        raise UnsupportedProviderError()
    return claims


def _trust_policy(role_arn: str) -> str | None:
    """The role's trust policy document from moto's IAM, or None if there is no such role."""
    partition, account_id = role_arn.split(":")[1], role_arn.split(":")[4]
    try:
        role = iam_backends[account_id][partition].get_role_by_arn(role_arn)
    except NotFoundException:
        return None
    return role.assume_role_policy_document


def _trust_admits(policy_document: str | None, identity_pool_id: str, amr: list[str]) -> bool:
    """Whether a trust policy lets Cognito assume the role for this pool and these `amr`."""
    try:
        statements = json.loads(policy_document or "{}").get("Statement", [])
    except (ValueError, AttributeError):
        return False
    if isinstance(statements, dict):
        statements = [statements]
    return any(
        _statement_admits(statement, identity_pool_id, amr)
        for statement in statements
        if isinstance(statement, dict)
    )


def _statement_admits(statement: dict[str, Any], identity_pool_id: str, amr: list[str]) -> bool:
    # The aud condition is what keeps other pools out, so a statement without it does not
    # count (the console-created trust always has both conditions).
    principal = statement.get("Principal")
    federated = principal.get("Federated") if isinstance(principal, dict) else None
    condition = statement.get("Condition") or {}
    audiences = _as_list(
        condition.get("StringEquals", {}).get(f"{COGNITO_IDENTITY_PRINCIPAL}:aud")
    )
    amr_patterns = _as_list(
        condition.get("ForAnyValue:StringLike", {}).get(f"{COGNITO_IDENTITY_PRINCIPAL}:amr")
    )
    return (
        statement.get("Effect") == "Allow"
        and COGNITO_IDENTITY_PRINCIPAL in _as_list(federated)
        and "sts:AssumeRoleWithWebIdentity" in _as_list(statement.get("Action"))
        and identity_pool_id in audiences
        and any(fnmatchcase(value, pattern) for value in amr for pattern in amr_patterns)
    )


def _as_list(value: Any) -> list[Any]:
    """IAM policies allow a single value wherever a list is allowed."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _epoch(moment: datetime) -> float:
    """Seconds since the epoch of one of moto's naive UTC datetimes, as AWS JSON sends dates."""
    return moment.replace(tzinfo=timezone.utc).timestamp()
