"""Wire protocol of the Cognito Identity actions that the extension adds or completes."""

from __future__ import annotations

import json
from typing import Any

from botocore.model import OperationNotFoundError
from moto.core.common_types import TYPE_RESPONSE
from moto.core.responses import BaseResponse

from ..regions import region_of
from .exceptions import ValidationError
from .validation import service_model
from .validation import validation_message, validation_problems


class CognitoIdentityResponseExtension:
    """Methods that `install()` copies onto moto's `CognitoIdentityResponse`."""

    def call_action(self) -> TYPE_RESPONSE:
        """Refuse a request that breaks the service model before any action runs, as AWS does.

        Every action passes here, moto's own and the extension's, signed or not.
        """
        problems = self._validation_problems()
        if not problems:
            return BaseResponse.call_action(self)
        error = ValidationError(validation_message(problems))
        response = error.description, {**dict(error.get_headers()), "status": error.code}
        status, headers, body = self._transform_response(self.response_headers, response)
        return (status, *self._enrich_response(headers, body))

    def _validation_problems(self) -> list[str]:
        try:
            operation = service_model("cognito-identity").operation_model(self._get_action())
            params = json.loads(self.body or "{}")
        except (OperationNotFoundError, ValueError):
            # Unknown actions and unreadable bodies are moto's to answer.
            return []
        return validation_problems(operation, params) if isinstance(params, dict) else []

    def list_identity_pools(self) -> str:
        pools, next_token = self.backend.list_identity_pools(
            max_results=self._get_param("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
        return json.dumps(
            _without_none(
                {
                    "IdentityPools": [
                        {"IdentityPoolId": p.identity_pool_id, "IdentityPoolName": p.identity_pool_name}
                        for p in pools
                    ],
                    "NextToken": next_token,
                }
            )
        )

    def list_identities(self) -> str:
        identity_pool_id = self._get_param("IdentityPoolId")
        identities, next_token = self.backend.list_identities(
            identity_pool_id=identity_pool_id,
            max_results=self._get_param("MaxResults"),
            next_token=self._get_param("NextToken"),
        )
        return json.dumps(
            _without_none(
                {
                    "IdentityPoolId": identity_pool_id,
                    "Identities": [identity.to_dict() for identity in identities],
                    "NextToken": next_token,
                }
            )
        )

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
            region=region_of(self),
            identity_pool_id=self._get_param("IdentityPoolId"),
            logins=self._get_param("Logins"),
        )

    def get_credentials_for_identity(self) -> str:
        return self.backend.get_credentials_for_identity(
            region=region_of(self),
            identity_id=self._get_param("IdentityId"),
            logins=self._get_param("Logins"),
            custom_role_arn=self._get_param("CustomRoleArn"),
        )

    def get_open_id_token(self) -> str:
        return self.backend.get_open_id_token(
            region=region_of(self),
            identity_id=self._get_param("IdentityId"),
            logins=self._get_param("Logins"),
        )

    def create_identity_pool(self) -> str:
        return self.backend.create_identity_pool(
            identity_pool_name=self._get_param("IdentityPoolName"),
            allow_unauthenticated_identities=self._get_param("AllowUnauthenticatedIdentities"),
            allow_classic_flow=self._get_param("AllowClassicFlow"),
            supported_login_providers=self._get_param("SupportedLoginProviders"),
            developer_provider_name=self._get_param("DeveloperProviderName"),
            open_id_connect_provider_arns=self._get_param("OpenIdConnectProviderARNs"),
            cognito_identity_providers=self._get_param("CognitoIdentityProviders"),
            saml_provider_arns=self._get_param("SamlProviderARNs"),
            tags=self._get_param("IdentityPoolTags"),
        )

    def update_identity_pool(self) -> str:
        return self.backend.update_identity_pool(
            identity_pool_id=self._get_param("IdentityPoolId"),
            identity_pool_name=self._get_param("IdentityPoolName"),
            allow_unauthenticated=self._get_param("AllowUnauthenticatedIdentities"),
            allow_classic_flow=self._get_param("AllowClassicFlow"),
            login_providers=self._get_param("SupportedLoginProviders"),
            provider_name=self._get_param("DeveloperProviderName"),
            provider_arns=self._get_param("OpenIdConnectProviderARNs"),
            identity_providers=self._get_param("CognitoIdentityProviders"),
            saml_providers=self._get_param("SamlProviderARNs"),
            tags=self._get_param("IdentityPoolTags"),
        )


def _without_none(response: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in response.items() if value is not None}
