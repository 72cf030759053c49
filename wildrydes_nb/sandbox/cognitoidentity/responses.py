"""Wire protocol of the Cognito Identity actions that the extension adds or completes."""

from __future__ import annotations


class CognitoIdentityResponseExtension:
    """Methods that `install()` copies onto moto's `CognitoIdentityResponse`."""

    def set_identity_pool_roles(self) -> str:
        self.backend.set_identity_pool_roles(
            identity_pool_id=self._get_param("IdentityPoolId"),
            roles=self._get_param("Roles"),
            role_mappings=self._get_param("RoleMappings"),
        )
        return ""

    def get_identity_pool_roles(self) -> str:
        return self.backend.get_identity_pool_roles(self._get_param("IdentityPoolId"))

    def get_id(self) -> str:
        return self.backend.get_id(
            identity_pool_id=self._get_param("IdentityPoolId"),
            logins=self._get_param("Logins"),
        )

    def get_credentials_for_identity(self) -> str:
        return self.backend.get_credentials_for_identity(
            identity_id=self._get_param("IdentityId"),
            logins=self._get_param("Logins"),
        )
