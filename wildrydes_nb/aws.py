"""boto3 sessions and clients from the standard configuration chain, and AWS errors made clear."""

from __future__ import annotations

import contextlib
import functools
import weakref
from typing import Callable

import boto3
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, EndpointConnectionError,
                                 NoCredentialsError, NoRegionError, PartialCredentialsError,
                                 ProfileNotFound, SSOError, TokenRetrievalError)

from .errors import AwsAccessError, QuotaError, WildrydesError

# botocore's "standard" retry mode backs off on throttling and transient errors.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})

_clients: "weakref.WeakKeyDictionary[boto3.Session, dict]" = weakref.WeakKeyDictionary()

_CREDENTIAL_CODES = {"UnrecognizedClientException", "InvalidClientTokenId",
                     "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
                     "InvalidSignatureException", "AuthFailure"}
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
# An account quota (Cognito's LimitExceededException, IAM's LimitExceeded): retrying cannot help.
_QUOTA_CODES = {"LimitExceededException", "LimitExceeded"}
# The quota each create call of the step runs into, by operation.
_QUOTAS = {"CreateIdentityPool": "identity pools per account in a region (1,000 by default)",
           "CreateRole": "IAM roles per account",
           "CreateUserPool": "user pools per account in a region (1,000 by default)",
           "CreateUserPoolClient": "app clients per user pool"}


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session from the standard chain (profile, environment, ``AWS_ENDPOINT_URL``)."""
    try:
        return boto3.Session(profile_name=profile or None, region_name=region or None)
    except ProfileNotFound as err:
        raise AwsAccessError(f"the AWS profile '{err.kwargs.get('profile')}' is not configured.", field="profile",
                             fix="Run 'aws configure --profile NAME' or leave the profile empty.") from None


def client(session: boto3.Session, service: str, region: str | None = None):
    """The session's client for ``service`` (in ``region``, default the session's), made once and reused."""
    per_session = _clients.setdefault(session, {})
    key = (service, region)
    if key not in per_session:
        try:
            made = session.client(service, region_name=region, config=CLIENT_CONFIG)
        except NoRegionError:
            raise AwsAccessError("no AWS region is set.", field="region",
                                 fix="Give a region, or set AWS_DEFAULT_REGION.") from None
        events, name = made.meta.events, made.meta.service_model.service_id.hyphenize()
        events.register_first(f"needs-retry.{name}", _no_retry_on_quota)
        events.register(f"after-call.{name}", _remember_service)
        events.register(f"after-call-error.{name}", functools.partial(_remember_profile, session.profile_name))
        per_session[key] = made
    return per_session[key]


def _no_retry_on_quota(response=None, **_):
    # botocore's standard mode counts LimitExceededException as throttling; for Cognito it is a
    # quota, so five attempts only make the learner wait. False (not None) ends the retries.
    if response is not None and response[1].get("Error", {}).get("Code") in _QUOTA_CODES:
        return False
    return None


def _remember_service(http_response, parsed, model, **_):
    # An error answer does not say which service sent it; explain() tells IAM's from STS's by it.
    if http_response is not None and http_response.status_code >= 300:
        parsed.setdefault("ResponseMetadata", {})["ServiceName"] = model.service_model.service_name


def _remember_profile(profile, exception, **_):
    # botocore's SSO errors do not name the profile; explain() needs it for 'aws sso login'.
    if isinstance(exception, (SSOError, TokenRetrievalError)):
        exception.kwargs.setdefault("profile", profile)


def error_code(err: BaseException) -> str:
    """The AWS error code of a ClientError ('' for anything else)."""
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""


def service_of(err: BaseException) -> str:
    """The service (``iam``, ``cognito-identity``...) that sent a ClientError ('' if unknown)."""
    return err.response.get("ResponseMetadata", {}).get("ServiceName", "") if isinstance(err, ClientError) else ""


def is_not_found(err: BaseException) -> bool:
    """True for the not-found answers of Cognito and IAM."""
    return error_code(err) in ("ResourceNotFoundException", "UserNotFoundException",
                               "NoSuchEntity", "NoSuchEntityException")


def unless_missing(action: str, call: Callable[[], object]) -> bool:
    """Make AWS call(s) to ``action``; ``False`` if AWS answers that the thing is not there.

    Other errors are made clear as :func:`calling` does, or raised as they are.
    """
    with calling(action):
        try:
            call()
        except ClientError as err:
            if is_not_found(err):
                return False
            raise
    return True


def explain(err: BaseException, action: str) -> WildrydesError | None:
    """Turn a credentials, permission, throttling, quota or connection error into a clear message.

    Returns ``None`` for errors that the caller should interpret itself (not found, ...).
    """
    if isinstance(err, (NoCredentialsError, PartialCredentialsError)):
        return AwsAccessError(f"no AWS credentials were found while trying to {action}.",
                              field="credentials",
                              fix="Run 'aws configure', choose a profile, or start the local sandbox.")
    if isinstance(err, (SSOError, TokenRetrievalError)):
        profile = err.kwargs.get("profile") or "NAME"
        return AwsAccessError(f"the AWS SSO sign-in of profile '{profile}' is missing or has expired, "
                              f"so AWS could not {action}.", field="profile",
                              fix=f"Run 'aws sso login --profile {profile}', then run this again.")
    if isinstance(err, EndpointConnectionError):
        return AwsAccessError(f"cannot reach the AWS endpoint to {action} ({err.kwargs.get('endpoint_url')}).",
                              field="endpoint",
                              fix="Check your network; for the sandbox, check it is still running.")
    code = error_code(err)
    message = err.response.get("Error", {}).get("Message", "") if isinstance(err, ClientError) else ""
    if code == "InvalidClientTokenId" and service_of(err) == "iam":
        return _cloud9_credentials(action, code, message)
    if code in _CREDENTIAL_CODES:
        return AwsAccessError(f"AWS rejected the credentials while trying to {action} ({code}: {message}).",
                              field="credentials",
                              fix="Refresh your credentials (aws configure / aws sso login) and retry.")
    if code in _DENIED_CODES:
        return AwsAccessError(f"access denied while trying to {action}: {message}",
                              field="permissions",
                              fix="Use an identity allowed to manage Cognito and IAM (e.g. an admin role).")
    if code in _THROTTLE_CODES:
        return AwsAccessError(f"AWS kept throttling the request to {action}, even after retries.",
                              field="throttling", fix="Wait a minute and run it again; it is safe to re-run.")
    if code in _QUOTA_CODES:
        quota = _QUOTAS.get(err.operation_name, "an account quota")
        return QuotaError(f"could not {action}: the account has reached its quota of {quota} "
                          f"({code}: {message}).", field="quota",
                          fix="Delete identity pools and roles you no longer use (wildrydes-nb cleanup, or the "
                              "console), or request a higher quota in the Service Quotas console. "
                              "Retrying does not help.")
    if isinstance(err, BotoCoreError) and not isinstance(err, ClientError):
        return AwsAccessError(f"could not {action}: {err}", field="endpoint",
                              fix="Check the AWS configuration (profile, region, AWS_ENDPOINT_URL).")
    return None


def _cloud9_credentials(action: str, code: str, message: str) -> AwsAccessError:
    # Cognito accepts the credentials of AWS Cloud9's managed temporary credentials, IAM does not:
    # the step reads Cognito before IAM, so by now Cognito has accepted them.
    return AwsAccessError(f"IAM rejected the credentials while trying to {action} ({code}: {message}). "
                          "This is what AWS Cloud9's managed temporary credentials do: they cannot call IAM, "
                          "though Cognito accepts them.", field="credentials",
                          fix="In Cloud9, open Preferences > AWS Settings > Credentials, turn off 'AWS managed "
                              "temporary credentials' and configure an access key (aws configure); or run this "
                              "in AWS CloudShell or on your own computer. Outside Cloud9, refresh your "
                              "credentials. Running again continues from what exists.")


@contextlib.contextmanager
def calling(action: str):
    """Run AWS calls; re-raise credentials/permission/throttling/quota errors as clear messages."""
    try:
        yield
    except (ClientError, BotoCoreError) as err:
        clear = explain(err, action)
        if clear is None:
            raise
        raise clear from None


def paginate(method, key: str, **kwargs) -> list:
    """All items under ``key`` of a NextToken-paginated list call."""
    items, token = [], None
    while True:
        page = method(**kwargs, **({"NextToken": token} if token else {}))
        items += page.get(key, [])
        token = page.get("NextToken")
        if not token:
            return items


def count_calls(session: boto3.Session) -> dict[str, int]:
    """Count API calls made through ``session`` from now on: ``{"Service.Operation": n}``."""
    counts: dict[str, int] = {}

    def on_call(model, **_):
        name = f"{model.service_model.service_name}.{model.name}"
        counts[name] = counts.get(name, 0) + 1

    session.events.register("before-call.*.*", on_call)
    return counts
