"""Checks that STS makes before AssumeRoleWithWebIdentity hands out credentials."""

from __future__ import annotations

import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from ..cognitoidentity.models import OPEN_ID_TOKEN_ISSUER, open_id_token_keys
from ..iam.models import has_oidc_provider, is_propagating, trust_admits_cognito
from ..tokens import unverified_parts
from .exceptions import (
    ExpiredIdentityTokenError,
    InvalidIdentityTokenError,
    NoOpenIdConnectProviderError,
    WebIdentityAccessDeniedError,
)


class STSBackendExtension:
    """Methods that `install()` copies onto moto's `STSBackend`."""

    def verify_web_identity(self, web_identity_token: str | None, role_arn: str) -> None:
        """Refuse a web identity token, or a role, that AWS would refuse.

        Every token must be a JWT. STS trusts an issuer only through an IAM OpenID Connect
        provider of the account, or Cognito Identity itself: a token of any other issuer (a user
        pool's ID token, say) is refused as AWS refuses it. A token of Cognito Identity
        (GetOpenIdToken) must carry the sandbox's signature, be unexpired, and be admitted by the
        role's trust (its `aud` and `amr`). Any role must have had time to propagate in IAM.
        """
        parts = unverified_parts(web_identity_token or "")
        if parts is None:
            raise InvalidIdentityTokenError()
        issuer = parts[1].get("iss")
        if issuer != OPEN_ID_TOKEN_ISSUER:
            if isinstance(issuer, str) and issuer and not has_oidc_provider(role_arn, issuer):
                raise NoOpenIdConnectProviderError(issuer)
            # The sandbox cannot fetch another issuer's keys, so it cannot verify the token:
            # it refuses it rather than trust what it cannot check.
            raise InvalidIdentityTokenError()
        claims = _verified_cognito_claims(web_identity_token)
        amr = claims.get("amr")
        if not trust_admits_cognito(role_arn, str(claims.get("aud")), amr if isinstance(amr, list) else [amr]):
            raise WebIdentityAccessDeniedError()
        if is_propagating(role_arn):
            raise WebIdentityAccessDeniedError()


def _verified_cognito_claims(token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, open_id_token_keys(), algorithms=["RS256"]).claims
    except (JoseError, ValueError):
        raise InvalidIdentityTokenError()
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
        raise ExpiredIdentityTokenError()
    return claims
