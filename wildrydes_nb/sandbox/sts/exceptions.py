"""Errors of the STS extension, with the codes, messages and HTTP statuses AWS sends."""

# moto's XML error class, which moto's own AccessDeniedError uses: it carries the HTTP status,
# which a ServiceException would take from the service model, where AccessDenied is missing.
from moto.core.exceptions import _RESTError


class WebIdentityAccessDeniedError(_RESTError):
    """The role's trust does not admit the token, or IAM has not made the role usable yet."""

    code = 403

    def __init__(self) -> None:
        super().__init__(
            "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        )


class InvalidIdentityTokenError(_RESTError):
    """The web identity token is not a JWT, or its signature does not verify."""

    code = 400

    def __init__(self) -> None:
        super().__init__(
            "InvalidIdentityToken",
            "The web identity token that was passed could not be validated by Amazon Web "
            "Services. Get a new identity token from the identity provider and then retry "
            "the request.",
        )


class NoOpenIdConnectProviderError(_RESTError):
    """A token of an issuer for which the account has no IAM OpenID Connect provider.

    The message is the one public reports quote (aws-actions/configure-aws-credentials#721,
    mozilla-iam/mozilla-aws-cli#127).
    """

    code = 400

    def __init__(self, issuer: str) -> None:
        super().__init__("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {issuer}")


class ExpiredIdentityTokenError(_RESTError):
    """The web identity token has expired."""

    code = 400

    def __init__(self) -> None:
        super().__init__(
            "ExpiredTokenException",
            "The web identity token that was passed is expired or is not valid. Get a new "
            "identity token from the identity provider and then retry the request.",
        )
