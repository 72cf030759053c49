"""Wire protocol of the user-pool actions that the extension completes."""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.models import RegionAgnosticBackend, cognitoidp_backends
from moto.core.responses import ActionResult, EmptyResult

from ..regions import region_of


class OneRegionBackend(RegionAgnosticBackend):
    """moto's finder of the backend for an unsigned call, kept to the one region the call is for."""

    def _find_backend_for_clientid(self, client_id: str) -> Any:
        return cognitoidp_backends[self.account_id][self.region_name]

    def _find_backend_by_access_token(self, access_token: str) -> Any:
        return cognitoidp_backends[self.account_id][self.region_name]

    def _find_backend_by_access_token_or_session(self, access_token: str, session: str) -> Any:
        return cognitoidp_backends[self.account_id][self.region_name]


class CognitoIdpResponseExtension:
    """Methods that `install()` copies onto moto's `CognitoIdpResponse`."""

    def _get_region_agnostic_backend(self) -> RegionAgnosticBackend:
        """moto looks for an unsigned call's pool in every region; AWS only in the endpoint's. When
        the request says its region (its port's, or a signature's), only that region is searched."""
        region = region_of(self)
        if region is None:
            return RegionAgnosticBackend(self.current_account, self.region)
        return OneRegionBackend(self.current_account, region)

    def confirm_sign_up(self) -> ActionResult:
        # moto's never hands the code to its backend, which confirms any.
        client_id = self._get_param("ClientId")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        backend.confirm_sign_up(client_id, self._get_param("Username"), self._get_param("ConfirmationCode") or "")
        return EmptyResult()

    def resend_confirmation_code(self) -> ActionResult:
        # moto has no ResendConfirmationCode: the web app's "resend code" would fail there.
        client_id = self._get_param("ClientId")
        backend = self._get_region_agnostic_backend()._find_backend_for_clientid(client_id)
        return ActionResult(backend.resend_confirmation_code(client_id, self._get_param("Username")))
