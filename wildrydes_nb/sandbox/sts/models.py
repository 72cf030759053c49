"""Checks that STS makes before AssumeRoleWithWebIdentity hands out credentials."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError

from ..cognitoidentity.models import OPEN_ID_TOKEN_ISSUER, open_id_token_keys
from ..iam.models import is_propagating, trust_admits_cognito
from .exceptions import (
    ExpiredIdentityTokenError,
    InvalidIdentityTokenError,
    WebIdentityAccessDeniedError,
)


class STSBackendExtension:
    """Methods that `install()` copies onto moto's `STSBackend`."""

    def verify_web_identity(self, web_identity_token: str | None, role_arn: str) -> None:
        """Refuse a web identity token, or a role, that AWS would refuse.

        Every token must be a JWT. A token of Cognito Identity (GetOpenIdToken) must carry
        the sandbox's signature, be unexpired, and be admitted by the role's trust (its `aud`
        and `amr`). Tokens of other issuers keep moto's behaviour: the sandbox cannot fetch
        their issuers' keys. Any role must have had time to propagate in IAM.
        """
        if _unverified_claims(web_identity_token or "").get("iss") == OPEN_ID_TOKEN_ISSUER:
            claims = _verified_cognito_claims(web_identity_token)
            amr = claims.get("amr")
            if not trust_admits_cognito(
                role_arn, str(claims.get("aud")), amr if isinstance(amr, list) else [amr]
            ):
                raise WebIdentityAccessDeniedError()
        if is_propagating(role_arn):
            raise WebIdentityAccessDeniedError()


def _unverified_claims(token: str) -> dict[str, Any]:
    """The payload of a compact JWT, read without checking its signature."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidIdentityTokenError()
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:
        raise InvalidIdentityTokenError()
    if not isinstance(claims, dict):
        raise InvalidIdentityTokenError()
    return claims


def _verified_cognito_claims(token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(token, open_id_token_keys(), algorithms=["RS256"]).claims
    except (JoseError, ValueError):
        raise InvalidIdentityTokenError()
    if not isinstance(claims.get("exp"), (int, float)) or claims["exp"] <= time.time():
        raise ExpiredIdentityTokenError()
    return claims
