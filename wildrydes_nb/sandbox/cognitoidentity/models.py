"""Identity pool roles and role mappings, login checks, credentials and classic-flow tokens for moto's Cognito Identity."""

from __future__ import annotations

import json
import re
import secrets
import threading
import time
from datetime import datetime, timezone
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
from moto.sts.models import sts_backends
from moto.utilities.paginator import Paginator
from moto.utilities.utils import load_resource

from ..iam.models import is_propagating, trust_admits_cognito
from ..tokens import unverified_parts
from .exceptions import (
    AmbiguousRoleMappingDeniedError,
    ClassicFlowDisabledError,
    IdentityAccessForbiddenError,
    IdentityNotFoundError,
    IdentityPoolNotFoundError,
    InvalidIdentityPoolConfigurationError,
    InvalidLoginTokenError,
    InvalidNextTokenError,
    InvalidRoleMappingError,
    InvalidRoleTypeError,
    LoginsMismatchError,
    RoleAccessForbiddenError,
    UnauthenticatedAccessError,
    UnsupportedProviderError,
)

ROLE_TYPES = ("authenticated", "unauthenticated")
ROLE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")
# Cognito names the STS session so; the assumed-role ARN ends in /CognitoIdentityCredentials.
ROLE_SESSION_NAME = "CognitoIdentityCredentials"
CREDENTIALS_DURATION_SECONDS = 3600
# GetOpenIdToken's tokens: who issues them, and for how long they are valid (AWS: 10 minutes).
OPEN_ID_TOKEN_ISSUER = "https://cognito-identity.amazonaws.com"
OPEN_ID_TOKEN_SECONDS = 600

# moto signs the tokens of every user pool with one key pair; this is its public half,
# the one moto serves as each pool's jwks.json.
MOTO_USER_POOL_KEYS = jwk.KeySet.import_key_set(
    load_resource("cognitoidp/resources/jwks-public.json")
)


_open_id_key: jwk.RSAKey | None = None
_open_id_key_lock = threading.Lock()


def open_id_token_keys() -> jwk.KeySet:
    """The public key that verifies GetOpenIdToken's tokens, as STS would fetch it."""
    return jwk.KeySet([jwk.RSAKey.import_key(_signing_key().as_dict(private=False))])


def _signing_key() -> jwk.RSAKey:
    """The key pair that signs GetOpenIdToken's tokens: one per process, made on first use."""
    global _open_id_key
    with _open_id_key_lock:
        if _open_id_key is None:
            _open_id_key = jwk.RSAKey.generate_key(
                2048, parameters={"kid": f"sandbox-{secrets.token_hex(8)}"}
            )
        return _open_id_key


class CognitoIdentityPoolExtension:
    """What `install()` copies onto moto's `CognitoIdentityPool`: the classic-flow switch."""

    # A class attribute, so that pools made before install() have the default too.
    allow_classic_flow = False

    def to_json(self) -> str:
        return json.dumps(
            {
                "IdentityPoolId": self.identity_pool_id,
                "IdentityPoolName": self.identity_pool_name,
                "AllowUnauthenticatedIdentities": self.allow_unauthenticated_identities,
                "AllowClassicFlow": self.allow_classic_flow,
                "SupportedLoginProviders": self.supported_login_providers,
                "DeveloperProviderName": self.developer_provider_name,
                "OpenIdConnectProviderARNs": self.open_id_connect_provider_arns,
                "CognitoIdentityProviders": self.cognito_identity_providers,
                "SamlProviderARNs": self.saml_provider_arns,
                "IdentityPoolTags": self.tags,
            }
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
        allow_classic_flow: bool = False,
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
        pool.allow_classic_flow = bool(allow_classic_flow)
        self.identity_pools[pool.identity_pool_id] = pool
        return pool.to_json()

    def describe_identity_pool(self, identity_pool_id: str) -> str:
        return self._get_identity_pool(identity_pool_id).to_json()

    def update_identity_pool(
        self,
        identity_pool_id: str,
        identity_pool_name: str,
        allow_unauthenticated: bool,
        login_providers: dict[str, str] | None = None,
        provider_name: str | None = None,
        provider_arns: list[str] | None = None,
        identity_providers: list[dict[str, Any]] | None = None,
        saml_providers: list[str] | None = None,
        tags: dict[str, str] | None = None,
        allow_classic_flow: bool | None = None,
    ) -> str:
        """
        The pool becomes what the request says: as AWS does, a field left out is reset to
        what CreateIdentityPool gives it when left out (AllowClassicFlow: false).
        """
        pool = self._get_identity_pool(identity_pool_id)
        pool.identity_pool_name = identity_pool_name
        pool.allow_unauthenticated_identities = allow_unauthenticated
        pool.allow_classic_flow = bool(allow_classic_flow)
        pool.supported_login_providers = login_providers
        pool.developer_provider_name = provider_name
        pool.open_id_connect_provider_arns = provider_arns
        pool.cognito_identity_providers = identity_providers
        pool.saml_provider_arns = saml_providers
        pool.tags = tags or {}
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
        A RoleMapping is keyed by a provider of the pool (`<user pool provider>:<app client
        id>` for a user pool) and GetCredentialsForIdentity applies it.
        """
        pool = self._get_identity_pool(identity_pool_id)
        for role_type, role_arn in roles.items():
            if role_type not in ROLE_TYPES:
                raise InvalidRoleTypeError(role_type)
            _check_role_arn(role_arn)
        configured = _configured_providers(pool)
        for provider, mapping in (role_mappings or {}).items():
            _check_role_mapping(provider, mapping, configured)
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

    def get_id(self, identity_pool_id: str, logins: dict[str, str] | None = None, region: str | None = None) -> str:
        """
        Logins are checked like AWS does for user pool ID tokens (signature, expiry, issuer,
        audience); a user always gets the same IdentityId in a pool. Only Cognito user pools
        are supported as providers.
        """
        backend = self._backend_for(identity_pool_id, region)
        pool = backend._get_identity_pool(identity_pool_id)
        if logins:
            identity = backend._identity_for_logins(pool, _subjects(_verify_logins(pool, logins)))
        elif pool.allow_unauthenticated_identities:
            identity = backend._add_identity(identity_pool_id, {})
        else:
            raise UnauthenticatedAccessError()
        return json.dumps({"IdentityId": identity.identity_id})

    def get_credentials_for_identity(
        self,
        identity_id: str,
        logins: dict[str, str] | None = None,
        custom_role_arn: str | None = None,
        region: str | None = None,
    ) -> str:
        """
        The credentials are those of moto's STS for the role the pool gives this identity:
        its RoleMappings, else its authenticated or unauthenticated role. That role's trust
        must admit the pool, and IAM must have had time to make it usable (see
        `set_propagation_delay` in the sandbox's IAM models). CustomRoleArn is honoured where
        AWS documents it: for a Token mapping, when it is one of the token's `cognito:roles`.
        """
        backend = self._backend_for(identity_id, region)
        identity, pool = backend._identity_and_pool(identity_id)
        claims = _check_identity_logins(identity, pool, logins)
        role_arn = backend._role_for(pool, claims, custom_role_arn)
        if (
            not role_arn
            or not trust_admits_cognito(role_arn, pool.identity_pool_id, _amr(claims))
            or is_propagating(role_arn)
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

    def get_open_id_token(
        self, identity_id: str, logins: dict[str, str] | None = None, region: str | None = None
    ) -> str:
        """
        The basic (classic) flow's token, signed with the sandbox's key: `aud` is the pool,
        `sub` the identity, `amr` as Cognito puts it. STS AssumeRoleWithWebIdentity verifies it.
        """
        backend = self._backend_for(identity_id, region)
        identity, pool = backend._identity_and_pool(identity_id)
        if not pool.allow_classic_flow:
            raise ClassicFlowDisabledError()
        claims = _check_identity_logins(identity, pool, logins)
        now = int(time.time())
        token = jwt.encode(
            {"alg": "RS256", "kid": _signing_key().kid},
            {
                "iss": OPEN_ID_TOKEN_ISSUER,
                "aud": pool.identity_pool_id,
                "sub": identity_id,
                "amr": _amr(claims),
                "iat": now,
                "exp": now + OPEN_ID_TOKEN_SECONDS,
            },
            _signing_key(),
        )
        return json.dumps({"IdentityId": identity_id, "Token": token})

    def _get_identity_pool(self, identity_pool_id: str) -> CognitoIdentityPool:
        pool = self.identity_pools.get(identity_pool_id)
        if pool is None:
            raise IdentityPoolNotFoundError(identity_pool_id)
        return pool

    def _identity_and_pool(
        self, identity_id: str
    ) -> tuple[CognitoIdentity, CognitoIdentityPool]:
        identity = self.identities.get(identity_id)
        if identity is None:
            raise IdentityNotFoundError(identity_id)
        return identity, self._get_identity_pool(identity.identity_pool_id)

    def _role_for(
        self,
        pool: CognitoIdentityPool,
        claims: dict[str, dict[str, Any]],
        custom_role_arn: str | None,
    ) -> str | None:
        """The role an identity with these verified logins gets: mapped, else the default."""
        stored = self.identity_pool_roles.get(pool.identity_pool_id, {})
        roles = stored.get("Roles", {})
        if not claims:
            return roles.get("unauthenticated")
        mappings = stored.get("RoleMappings") or {}
        for provider, token_claims in claims.items():
            key = f"{provider}:{token_claims['aud']}"
            if key in mappings:
                return _mapped_role(key, mappings[key], token_claims, roles, custom_role_arn)
        return roles.get("authenticated")

    def _backend_for(self, resource_id: str, region: str | None = None) -> CognitoIdentityBackend:
        """The backend of the region the request is for (`regions.region_of`), as at that
        region's endpoint; when nothing says (an unsigned call on the port all regions share),
        the region that an identity (pool) id starts with."""
        if region is not None:
            return cognitoidentity_backends[self.account_id][region]
        # dict.get, unlike [], creates no backend.
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


def _verify_logins(
    pool: CognitoIdentityPool, logins: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Check each login token; return provider name → the token's claims."""
    return {
        provider: _verify_login_token(pool, provider, token) for provider, token in logins.items()
    }


def _subjects(claims: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Provider name → the user's `sub`, which is how an identity remembers its logins."""
    return {provider: token_claims["sub"] for provider, token_claims in claims.items()}


def _check_identity_logins(
    identity: CognitoIdentity, pool: CognitoIdentityPool, logins: dict[str, str] | None
) -> dict[str, dict[str, Any]]:
    """The verified claims of logins that belong to `identity`; {} for a guest identity."""
    if logins:
        claims = _verify_logins(pool, logins)
        if not _subjects(claims).items() <= identity.logins.items():
            raise LoginsMismatchError()
        return claims
    if not pool.allow_unauthenticated_identities:
        raise UnauthenticatedAccessError()
    if identity.logins:
        raise IdentityAccessForbiddenError(identity.identity_id)
    return {}


def _amr(claims: dict[str, dict[str, Any]]) -> list[str]:
    """The `amr` claim Cognito gives an identity with these logins (the trust matches it)."""
    if not claims:
        return ["unauthenticated"]
    return [
        "authenticated",
        *claims,
        *(f"{provider}:CognitoSignIn:{c['sub']}" for provider, c in claims.items()),
    ]


def _check_role_arn(role_arn: Any) -> None:
    if not isinstance(role_arn, str) or not ROLE_ARN_PATTERN.fullmatch(role_arn):
        raise RoleAccessForbiddenError(role_arn)


def _configured_providers(pool: CognitoIdentityPool) -> set[str]:
    """The names a RoleMapping may be keyed by: each provider the pool is configured with."""
    names = {
        f"{provider.get('ProviderName')}:{provider.get('ClientId')}"
        for provider in pool.cognito_identity_providers or []
    }
    names.update(pool.supported_login_providers or {})
    # An OIDC provider is named by its URL, which its IAM ARN ends with.
    names.update(
        arn.split(":oidc-provider/", 1)[-1] for arn in pool.open_id_connect_provider_arns or []
    )
    names.update(pool.saml_provider_arns or [])
    return names


def _check_role_mapping(provider: str, mapping: dict[str, Any], configured: set[str]) -> None:
    """Refuse a RoleMapping AWS refuses; the service model has checked types and enums."""
    if provider not in configured:
        raise InvalidRoleMappingError(
            f"{provider} is not a valid RoleMapping ProviderName or is not a configured provider."
        )
    if not mapping.get("AmbiguousRoleResolution"):
        raise InvalidRoleMappingError(
            "AmbiguousRoleResolution is required when the RoleMapping Type is Token or Rules."
        )
    if mapping.get("Type") == "Rules":
        rules = (mapping.get("RulesConfiguration") or {}).get("Rules")
        if not rules:
            raise InvalidRoleMappingError(
                "RulesConfiguration is required when the RoleMapping Type is Rules."
            )
        for rule in rules:
            _check_role_arn(rule.get("RoleARN"))


def _mapped_role(
    provider: str,
    mapping: dict[str, Any],
    claims: dict[str, Any],
    roles: dict[str, str],
    custom_role_arn: str | None,
) -> str | None:
    """The role a RoleMapping gives a user with these token claims."""
    if mapping["Type"] == "Token":
        # Cognito user pools put a user's group roles in these claims.
        token_roles = claims.get("cognito:roles")
        token_roles = token_roles if isinstance(token_roles, list) else [token_roles]
        if custom_role_arn and custom_role_arn in token_roles:
            role = custom_role_arn
        else:
            role = claims.get("cognito:preferred_role")
    else:
        rules = mapping["RulesConfiguration"]["Rules"]
        role = next((rule["RoleARN"] for rule in rules if _rule_matches(rule, claims)), None)
    if role:
        return role
    if mapping["AmbiguousRoleResolution"] == "AuthenticatedRole":
        return roles.get("authenticated")
    raise AmbiguousRoleMappingDeniedError(provider)


def _rule_matches(rule: dict[str, str], claims: dict[str, Any]) -> bool:
    """Whether a claim of the token matches the rule; a list claim matches by any item."""
    if rule["Claim"] not in claims:
        return False
    claim = claims[rule["Claim"]]
    values = [
        value if isinstance(value, str) else json.dumps(value)
        for value in (claim if isinstance(claim, list) else [claim])
    ]
    expected = rule["Value"]
    match_type = rule["MatchType"]
    if match_type == "NotEqual":
        return all(value != expected for value in values)
    test = {
        "Equals": lambda value: value == expected,
        "Contains": lambda value: expected in value,
        "StartsWith": lambda value: value.startswith(expected),
    }[match_type]
    return any(test(value) for value in values)


def _verify_login_token(
    pool: CognitoIdentityPool, provider: str, token: str
) -> dict[str, Any]:
    """The claims of a user pool ID token given under `provider`, once it passes the checks."""
    if unverified_parts(token) is None:
        raise InvalidLoginTokenError("Not a valid OpenId Connect identity token.")
    try:
        claims = jwt.decode(token, MOTO_USER_POOL_KEYS, algorithms=["RS256"]).claims
    except (JoseError, ValueError):
        # A JWT whose signature is not the user pool's: changed after signing, signed by
        # another key, or not signed at all (alg none).
        raise InvalidLoginTokenError("Couldn't verify signed token.")
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


def _epoch(moment: datetime) -> float:
    """Seconds since the epoch of one of moto's naive UTC datetimes, as AWS JSON sends dates."""
    return moment.replace(tzinfo=timezone.utc).timestamp()
