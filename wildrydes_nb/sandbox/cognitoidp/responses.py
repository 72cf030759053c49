"""Wire protocol of the user-pool actions that the extension completes."""

from __future__ import annotations

from moto.core.responses import ActionResult, EmptyResult


class CognitoIdpResponseExtension:
    """Methods that `install()` copies onto moto's `CognitoIdpResponse`."""

    def confirm_sign_up(self) -> ActionResult:
        # moto's never hands the code to its backend, which confirms any.
        client_id = self._get_param("ClientId")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        backend.confirm_sign_up(client_id, self._get_param("Username"), self._get_param("ConfirmationCode") or "")
        return EmptyResult()
