"""Errors of the Cognito user pool extension, with the codes and messages AWS sends."""

from moto.core.exceptions import JsonRESTError


class AuthFlowNotEnabledError(JsonRESTError):
    """InitiateAuth with a flow that the app client's ExplicitAuthFlows does not allow."""

    def __init__(self, auth_flow: str):
        super().__init__(
            "InvalidParameterException", f"{auth_flow} flow not enabled for this client"
        )


class MissingParameterError(JsonRESTError):
    """An AuthParameters entry the flow needs (USERNAME, SRP_A, PASSWORD) is missing."""

    def __init__(self, name: str):
        super().__init__("InvalidParameterException", f"Missing required parameter {name}")


class IncorrectPasswordError(JsonRESTError):
    """A wrong password, given in the clear or proven wrong by the SRP password claim."""

    def __init__(self) -> None:
        super().__init__("NotAuthorizedException", "Incorrect username or password.")


class InvalidSessionError(JsonRESTError):
    """A challenge answered with a session (secret block) that is unknown or already used."""

    def __init__(self) -> None:
        super().__init__("NotAuthorizedException", "Invalid session for the user.")


class EmailUsernameInAliasPoolError(JsonRESTError):
    """An email-shaped username in a pool where email is an alias (AliasAttributes)."""

    def __init__(self) -> None:
        super().__init__(
            "InvalidParameterException",
            "Username cannot be of email format, since user pool is configured for email alias.",
        )


class UsernameFormatError(JsonRESTError):
    """A username that is not one of the pool's UsernameAttributes (email, phone number)."""

    MESSAGES = {
        ("email",): "Username should be an email.",
        ("phone_number",): "Username should be a phone number.",
    }

    def __init__(self, username_attributes: list[str]):
        super().__init__(
            "InvalidParameterException",
            self.MESSAGES.get(
                tuple(username_attributes), "Username should be either an email or a phone number."
            ),
        )


class DeletionProtectionError(JsonRESTError):
    """DeleteUserPool on a pool whose DeletionProtection is ACTIVE."""

    def __init__(self) -> None:
        super().__init__(
            "InvalidParameterException",
            "The user pool cannot be deleted because deletion protection is activated. "
            "Deletion protection must be inactivated first.",
        )


class UnknownUserError(JsonRESTError):
    """A confirmation or recovery call for a user the pool does not have (existence errors shown)."""

    def __init__(self) -> None:
        super().__init__("UserNotFoundException", "Username/client id combination not found.")


class CodeMismatchError(JsonRESTError):
    """A confirmation code that is not the one sent (or a user that does not exist, hidden)."""

    def __init__(self) -> None:
        super().__init__("CodeMismatchException", "Invalid verification code provided, please try again.")


class ExpiredCodeError(JsonRESTError):
    """ConfirmSignUp for a user that does not exist, when existence errors are hidden."""

    def __init__(self) -> None:
        super().__init__("ExpiredCodeException", "Invalid code provided, please request a code again.")


class UserPoolClientNotFoundError(JsonRESTError):
    """An app client id this region does not have (a typo, or another region's client)."""

    def __init__(self, client_id: str) -> None:
        super().__init__("ResourceNotFoundException", f"User pool client {client_id} does not exist.")


class AlreadyConfirmedError(JsonRESTError):
    """ResendConfirmationCode for a user who confirmed already."""

    def __init__(self) -> None:
        super().__init__("InvalidParameterException", "User is already confirmed.")


class NoCodeDestinationError(JsonRESTError):
    """ResendConfirmationCode where the pool verifies nothing the user has (inferred wording)."""

    def __init__(self) -> None:
        super().__init__("InvalidParameterException",
                         "Cannot resend codes. Auto verification not turned on.")


class NotUnconfirmedError(JsonRESTError):
    """ConfirmSignUp for a user who is not waiting for confirmation (keboola/developer-portal#186)."""

    def __init__(self) -> None:
        super().__init__("NotAuthorizedException", "User cannot confirm because user status is not UNCONFIRMED.")
