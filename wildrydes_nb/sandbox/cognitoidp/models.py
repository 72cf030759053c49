"""The user-pool behaviour moto lacks: InitiateAuth honours the client's ExplicitAuthFlows."""

from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import InvalidParameterException
from moto.cognitoidp.models import CognitoIdpBackend

# Both the current and the legacy name of the flag let a client use USER_PASSWORD_AUTH.
USER_PASSWORD_AUTH_FLAGS = {"ALLOW_USER_PASSWORD_AUTH", "USER_PASSWORD_AUTH"}

# Taken when this module is first imported, which install() does before it replaces
# CognitoIdpBackend.initiate_auth, so this stays moto's own method.
_moto_initiate_auth = CognitoIdpBackend.initiate_auth


class CognitoIdpBackendExtension:
    """Methods that `install()` copies onto moto's `CognitoIdpBackend`."""

    def initiate_auth(
        self, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
    ) -> dict[str, Any]:
        """
        USER_PASSWORD_AUTH is refused unless the app client's ExplicitAuthFlows allows it;
        other flows are not checked.
        """
        if auth_flow == "USER_PASSWORD_AUTH":
            for pool in self.user_pools.values():
                client = pool.clients.get(client_id)
                if client is None:
                    continue
                flows = client.extended_config.get("ExplicitAuthFlows") or []
                if not USER_PASSWORD_AUTH_FLAGS.intersection(flows):
                    raise InvalidParameterException(
                        "USER_PASSWORD_AUTH flow not enabled for this client"
                    )
        return _moto_initiate_auth(self, client_id, auth_flow, auth_parameters)
