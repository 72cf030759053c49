"""AWS's errors made clear: each credentials, permission, throttling, quota or endpoint error becomes
one message with the field at fault and the fix (:func:`explain`, :func:`calling`)."""

from __future__ import annotations

import contextlib
import json
import os
import re
from typing import Callable

from botocore.parsers import ResponseParserError
from botocore.exceptions import (BotoCoreError, ClientError, ConnectTimeoutError, EndpointConnectionError,
                                 NoCredentialsError, PartialCredentialsError, ReadTimeoutError, SSOError,
                                 TokenRetrievalError)

from .aws import CLIENT_CONFIG, CONNECTION_ATTEMPTS, QUOTA_CODES, THROTTLE_CODES, WebPageError, unknown_region
from .errors import AwsAccessError, AwsCallError, InputError, QuotaError, WildrydesError

_CREDENTIAL_CODES = {"UnrecognizedClientException", "InvalidClientTokenId",
                     "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch",
                     "InvalidSignatureException", "AuthFailure"}
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
# The quota each create call of the step runs into, by operation.
_QUOTAS = {"CreateIdentityPool": "identity pools per account in a region (1,000 by default)",
           "CreateRole": "IAM roles per account",
           "CreateUserPool": "user pools per account in a region (1,000 by default)",
           "CreateUserPoolClient": "app clients per user pool"}
_ENDPOINT_CHECK = "Check AWS_ENDPOINT_URL (unset it to use AWS, or give the sandbox's URL) and any proxy"



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
    endpoint_problem = _endpoint_problem(err, action)
    if endpoint_problem is not None:
        return endpoint_problem
    code = error_code(err)
    message = err.response.get("Error", {}).get("Message", "") if isinstance(err, ClientError) else ""
    if code == "InvalidClientTokenId" and service_of(err) == "iam" and in_cloud9():
        return _cloud9_credentials(action, code, message)
    user = err.response.get("ResponseMetadata", {}).get("SessionTokenOfUser") if code else None
    if user:
        return AwsAccessError(
            f"IAM refused the credentials while trying to {action} ({code}: {message}). They are a session token "
            f"of the IAM user {user} made without MFA (GetSessionToken, as aws-vault makes by default), and IAM "
            "takes such tokens only when they were made with an MFA code.", field="credentials",
            fix="Use credentials IAM accepts: with aws-vault, 'aws-vault exec --no-session PROFILE' or give the "
                "profile its mfa_serial; or a role or IAM Identity Center (SSO) profile. Then run this again.")
    works_in = err.response.get("ResponseMetadata", {}).get("CredentialsWorkIn") if code else None
    if works_in:
        region = err.response["ResponseMetadata"].get("RegionName") or "this region"
        return InputError(
            f"'{region}' is not enabled for this AWS account: AWS refused the credentials there while trying to "
            f"{action} ({code}), though they work in {works_in}.", field="region",
            fix=f"Enable the region (AWS console: account menu > Account > AWS Regions > Enable; or 'aws account "
                f"enable-region --region-name {region}'; it can take a few minutes), or use a region every account "
                "has, such as us-east-2. If it is enabled already, your session token may come from STS's global "
                "endpoint, whose tokens work only in regions enabled by default: set sts_regional_endpoints = "
                "regional in your AWS config and get new credentials.")
    if code in _CREDENTIAL_CODES:
        return AwsAccessError(f"AWS rejected the credentials while trying to {action} ({code}: {message}).",
                              field="credentials",
                              fix="Refresh your credentials (aws configure / aws sso login) and retry.")
    if code in _DENIED_CODES:
        return denied(action, message)
    if code in THROTTLE_CODES:
        return AwsAccessError(f"AWS kept throttling the request to {action}, even after retries.",
                              field="throttling", fix="Wait a minute and run it again; it is safe to re-run.")
    if code in QUOTA_CODES:
        quota = _QUOTAS.get(err.operation_name, "an account quota")
        return QuotaError(f"could not {action}: the account has reached its quota of {quota} "
                          f"({code}: {message}).", field="quota",
                          fix="Delete identity pools and roles you no longer use (wildrydes-nb cleanup, or the "
                              "console), or request a higher quota in the Service Quotas console. "
                              "Retrying does not help.")
    if code.isdigit():  # botocore found no AWS error in the answer, only its HTTP status
        return AwsAccessError(f"the endpoint answered HTTP {code} without an AWS error when asked to {action}.",
                              field="endpoint", fix=f"{_ENDPOINT_CHECK}.")
    if isinstance(err, ClientError) and err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500:
        return AwsAccessError(f"AWS kept failing with {code} ({message}) when asked to {action}, even after "
                              "retries.", fix="This is on AWS's side: wait a minute and run it again; it is safe "
                                              "to re-run.")
    if isinstance(err, BotoCoreError) and not isinstance(err, ClientError):
        return AwsAccessError(f"could not {action}: {err}", field="endpoint",
                              fix="Check the AWS configuration (profile, region, AWS_ENDPOINT_URL).")
    return None


# How AWS words a refusal (IAM user guide, "Troubleshoot access denied error messages"): the caller,
# the action, the resource when there is one, and which kind of policy refused it.
_DENIED_RE = re.compile(r"not authorized to perform: (?P<action>[\w-]+:\w+)(?: on resource: (?P<resource>\S+?))?"
                        r"(?:\s+(?:because|with) (?P<why>.*?))?\.?$", re.DOTALL)


def denied(action: str, message: str) -> AwsAccessError:
    """AccessDenied made clear: the refused action, and the policy statement that would allow it
    (or, for an explicit deny or a control policy, who can lift it). ``denied_action`` on the error
    names the refused action (``iam:TagRole``...) for callers that can do without it."""
    found = _DENIED_RE.search(message or "")
    if found is None:
        error = AwsAccessError(f"access denied while trying to {action}: {message}", field="permissions",
                               fix="Use an identity allowed to manage Cognito and IAM (wildrydes-nb policy prints "
                                   "the least the step needs), or ask your account's administrator.")
        error.denied_action = None
        return error
    refused, resource, why = found["action"], found["resource"] or "*", found["why"] or ""
    if "explicit deny" in why or "control policy" in why or "permissions boundary" in why:
        fix = (f"A policy of your account ({why}) refuses {refused}; no statement you add overrides it. Ask your "
               "account's administrator, or use an account where the workshop is allowed.")
    else:
        statement = json.dumps({"Effect": "Allow", "Action": refused, "Resource": resource})
        fix = f"Add this statement to a policy of yours (or ask your administrator): {statement}."
    if refused == "iam:CreateRole":  # a deny that names a condition is often one a boundary or path meets
        fix += (" If your account allows roles only with a permissions boundary or under a path, give them: "
                "--permissions-boundary / --role-path (the form's IAM restrictions, the notebook's parameters).")
    error = AwsAccessError(f"access denied while trying to {action}: AWS refused {refused}"
                           + (f" on {resource}" if resource != "*" else "") + (f" ({why})" if why else "") + ".",
                           field="permissions", fix=fix)
    error.denied_action = refused
    return error


def _endpoint_problem(err: BaseException, action: str) -> WildrydesError | None:
    """The endpoint or region is wrong, cannot be reached, stays silent or answers a web page."""
    if not isinstance(err, (WebPageError, EndpointConnectionError, ReadTimeoutError, ConnectTimeoutError)):
        return None
    made = err.kwargs.get("client")
    url = made.meta.endpoint_url if made else err.kwargs.get("endpoint_url")
    config = made.meta.config if made else CLIENT_CONFIG
    if isinstance(err, WebPageError):
        seen = f"the endpoint {url} answered HTTP {err.kwargs['status']}"
    elif isinstance(err, EndpointConnectionError):
        seen = f"{err.kwargs.get('endpoint_url')} cannot be reached"
    else:
        seen = None
    if seen and made is not None and unknown_region(made):
        region = made.meta.region_name
        return InputError(f"'{region}' is not a region where AWS offers {made.meta.service_model.service_id} "
                          f"({seen} when asked to {action}).", field="region",
                          fix="Use a region code where your user pool is, such as us-east-2; the workshop uses "
                              "us-east-1, us-east-2, us-west-2, eu-west-1 or ap-southeast-1.")
    retry_fix = ("Check your network or proxy; for the sandbox, check it is still running "
                 "(restart it if it hangs). Running again is safe.")
    if isinstance(err, WebPageError):
        return AwsAccessError(f"{seen} with a web page (HTML), not AWS, when asked to {action}.", field="endpoint",
                              fix=f"{_ENDPOINT_CHECK}; a sign-in page means the network wants you to sign in first.")
    if isinstance(err, ReadTimeoutError):
        return AwsAccessError(f"the endpoint {url} accepted the connection but did not answer within "
                              f"{config.read_timeout:g} s ({CONNECTION_ATTEMPTS} tries) when asked to "
                              f"{action}.", field="endpoint", fix=retry_fix)
    if isinstance(err, ConnectTimeoutError):
        return AwsAccessError(f"could not connect to the endpoint {url} within {config.connect_timeout:g} s "
                              f"({CONNECTION_ATTEMPTS} tries) when asked to {action}.", field="endpoint",
                              fix=retry_fix)
    return AwsAccessError(f"cannot reach the AWS endpoint to {action} ({err.kwargs.get('endpoint_url')}).",
                          field="endpoint", fix="Check your network; for the sandbox, check it is still running.")


def in_cloud9() -> bool:
    """Whether this runs in an AWS Cloud9 environment (its shells set C9_PROJECT and C9_USER)."""
    return bool(os.environ.get("C9_PROJECT") or os.environ.get("C9_USER"))


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


def unexpected(err: BaseException) -> WildrydesError:
    """Any AWS or botocore error as one message: :func:`explain`'s when it knows the error, else the
    call, AWS's code and AWS's message as they came (a code this package, or botocore, never saw)."""
    operation = getattr(err, "operation_name", None) or "the AWS call"
    clear = explain(err, f"call {operation}")
    if clear is not None:
        return clear
    if isinstance(err, ClientError):
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = err.response.get("Error", {}).get("Message") or "(no message)"
        return AwsCallError(f"AWS refused {operation} with {error_code(err) or f'HTTP {status}'}: {message}",
                            fix="AWS's own words above say what it refused; correct that (in the AWS console or "
                                "the values given) and run this again: it is safe to re-run.")
    if isinstance(err, ResponseParserError):  # its text goes on with the raw answer: the first line says it
        why = str(err).split("\n", 1)[0].replace(" Further retries may succeed:", "").rstrip(".")
        return AwsCallError(f"the answer to {operation} could not be read ({why}), so it is not known "
                            "whether AWS did it.", field="endpoint",
                            fix=f"{_ENDPOINT_CHECK}; then run this again: it is safe to re-run.")
    return AwsCallError(f"{operation} failed: {err}",
                        fix="Check the AWS configuration (profile, region, AWS_ENDPOINT_URL) and run this again.")


# Everything botocore raises for a call: its errors, and its parser's (not a BotoCoreError).
AWS_FAILURES = (ClientError, BotoCoreError, ResponseParserError)


@contextlib.contextmanager
def one_line():
    """Let no AWS or botocore error out as a traceback: each becomes :func:`unexpected`'s message."""
    try:
        yield
    except AWS_FAILURES as err:
        raise unexpected(err) from None


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
