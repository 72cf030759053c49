"""Errors of the Cognito Identity extension, with the codes and messages AWS sends."""

from moto.core.exceptions import JsonRESTError


class IdentityPoolNotFoundError(JsonRESTError):
    """The identity pool does not exist in this account and region."""

    def __init__(self, identity_pool_id: str):
        super().__init__(
            "ResourceNotFoundException", f"IdentityPool '{identity_pool_id}' not found."
        )


class IdentityNotFoundError(JsonRESTError):
    """The identity does not exist (never issued, or its pool was deleted)."""

    def __init__(self, identity_id: str):
        super().__init__(
            "ResourceNotFoundException", f"Identity '{identity_id}' not found."
        )


class InvalidRoleTypeError(JsonRESTError):
    """A key of the Roles map is neither `authenticated` nor `unauthenticated`."""

    def __init__(self, role_type: str):
        super().__init__(
            "ValidationException",
            f"1 validation error detected: Value '{role_type}' at 'roles' failed to "
            "satisfy constraint: Map keys must satisfy constraint: "
            "[Member must satisfy regular expression pattern: (un)?authenticated]",
        )


class RoleAccessForbiddenError(JsonRESTError):
    """A Roles value is not an IAM role ARN (AWS answers this for a bare role name)."""

    def __init__(self, role: str):
        super().__init__("NotAuthorizedException", f"Access to Role '{role}' is forbidden.")


class UnauthenticatedAccessError(JsonRESTError):
    """No Logins were given and the pool does not allow unauthenticated identities."""

    def __init__(self) -> None:
        super().__init__(
            "NotAuthorizedException",
            "Unauthenticated access is not supported for this identity pool.",
        )


class InvalidLoginTokenError(JsonRESTError):
    """A Logins token is not a valid ID token for the provider it is given under."""

    def __init__(self, reason: str):
        super().__init__("NotAuthorizedException", f"Invalid login token. {reason}")


class UnsupportedProviderError(JsonRESTError):
    """The token's provider or app client is not configured on the identity pool."""

    def __init__(self) -> None:
        super().__init__(
            "NotAuthorizedException",
            "Token is not from a supported provider of this identity pool.",
        )


class LoginsMismatchError(JsonRESTError):
    """The Logins belong to another identity than the one credentials are asked for."""

    def __init__(self) -> None:
        super().__init__(
            "NotAuthorizedException",
            "Logins don't match. Please include at least one valid login for this "
            "identity or identity pool.",
        )


class IdentityAccessForbiddenError(JsonRESTError):
    """Credentials were asked without Logins for an authenticated identity."""

    def __init__(self, identity_id: str):
        super().__init__(
            "NotAuthorizedException", f"Access to Identity '{identity_id}' is forbidden."
        )


class InvalidIdentityPoolConfigurationError(JsonRESTError):
    """The pool has no usable role for this kind of identity."""

    def __init__(self) -> None:
        super().__init__(
            "InvalidIdentityPoolConfigurationException",
            "Invalid identity pool configuration. Check assigned IAM roles for this pool.",
        )


class ValidationError(JsonRESTError):
    """The request breaks constraints of the service model (length, pattern, range...)."""

    def __init__(self, message: str):
        super().__init__("ValidationException", message)


class InvalidNextTokenError(JsonRESTError):
    """A NextToken that no earlier page of this listing returned."""

    def __init__(self) -> None:
        super().__init__("InvalidParameterException", "Invalid pagination token.")


class ClassicFlowDisabledError(JsonRESTError):
    """GetOpenIdToken on a pool whose basic (classic) flow is off."""

    def __init__(self) -> None:
        super().__init__(
            "InvalidParameterException",
            "Basic (classic) flow is not enabled, please use enhanced flow.",
        )


class InvalidRoleMappingError(JsonRESTError):
    """A RoleMapping of SetIdentityPoolRoles that the service refuses."""

    def __init__(self, message: str):
        super().__init__("InvalidParameterException", message)


class AmbiguousRoleMappingDeniedError(JsonRESTError):
    """A RoleMapping chose no role and its AmbiguousRoleResolution is Deny."""

    def __init__(self, provider: str):
        super().__init__(
            "NotAuthorizedException",
            f"The ambiguous role mapping rules for: {provider} denied this request.",
        )
