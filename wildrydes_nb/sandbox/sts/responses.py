"""Wire protocol of the STS actions that the extension completes."""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.sts.responses import TokenResponse

# Taken when this module is first imported, which install() does before it copies the
# extension onto moto's class, so this stays moto's own method.
_moto_assume_role_with_web_identity = TokenResponse.assume_role_with_web_identity


class TokenResponseExtension:
    """Methods that `install()` copies onto moto's `TokenResponse`."""

    def assume_role_with_web_identity(self) -> ActionResult:
        # moto's backend method never sees the token, so the check comes first.
        self.backend.verify_web_identity(
            web_identity_token=self._get_param("WebIdentityToken"),
            role_arn=self._get_param("RoleArn"),
        )
        return _moto_assume_role_with_web_identity(self)
