"""boto3 sessions and clients from the standard configuration chain, and AWS errors made clear."""

from __future__ import annotations

import contextlib
import weakref
from typing import Callable

import boto3
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, ClientError, EndpointConnectionError,
                                 NoCredentialsError, NoRegionError, PartialCredentialsError,
                                 ProfileNotFound)

from .errors import AwsAccessError, WildrydesError

# botocore's "standard" retry mode backs off on throttling and transient errors.
CLIENT_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})

_clients: "weakref.WeakKeyDictionary[boto3.Session, dict]" = weakref.WeakKeyDictionary()

_CREDENTIAL_CODES = {"UnrecognizedClientException", "InvalidClientTokenId",
                     "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
                     "InvalidSignatureException", "AuthFailure"}
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
_THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException",
                   "RequestLimitExceeded", "LimitExceededException"}


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session from the standard chain (profile, environment, ``AWS_ENDPOINT_URL``)."""
    try:
        return boto3.Session(profile_name=profile or None, region_name=region or None)
    except ProfileNotFound as err:
        raise AwsAccessError(f"the AWS profile '{err.kwargs.get('profile')}' is not configured.", field="profile",
                             fix="Run 'aws configure --profile NAME' or leave the profile empty.") from None


def client(session: boto3.Session, service: str):
    """The session's client for ``service``, created once and reused."""
    per_session = _clients.setdefault(session, {})
    if service not in per_session:
        try:
            per_session[service] = session.client(service, config=CLIENT_CONFIG)
        except NoRegionError:
            raise AwsAccessError("no AWS region is set.", field="region",
                                 fix="Give a region, or set AWS_DEFAULT_REGION.") from None
    return per_session[service]


def error_code(err: BaseException) -> str:
    """The AWS error code of a ClientError ('' for anything else)."""
    return err.response.get("Error", {}).get("Code", "") if isinstance(err, ClientError) else ""


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
    """Turn a credentials, permission, throttling or connection error into a clear message.

    Returns ``None`` for errors that the caller should interpret itself (not found, ...).
    """
    if isinstance(err, (NoCredentialsError, PartialCredentialsError)):
        return AwsAccessError(f"no AWS credentials were found while trying to {action}.",
                              field="credentials",
                              fix="Run 'aws configure', choose a profile, or start the local sandbox.")
    if isinstance(err, EndpointConnectionError):
        return AwsAccessError(f"cannot reach the AWS endpoint to {action} ({err.kwargs.get('endpoint_url')}).",
                              field="endpoint",
                              fix="Check your network; for the sandbox, check it is still running.")
    code = error_code(err)
    message = err.response.get("Error", {}).get("Message", "") if isinstance(err, ClientError) else ""
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
    if isinstance(err, BotoCoreError) and not isinstance(err, ClientError):
        return AwsAccessError(f"could not {action}: {err}", field="endpoint",
                              fix="Check the AWS configuration (profile, region, AWS_ENDPOINT_URL).")
    return None


@contextlib.contextmanager
def calling(action: str):
    """Run AWS calls; re-raise credentials/permission/throttling errors as clear messages."""
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
