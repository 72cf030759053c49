"""Who the standard AWS configuration signs in as: account, identity, region and endpoint."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import botocore.session

from .aws import client
from .aws_errors import calling
from .redaction import redact

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Caller:
    """The identity behind a session, with its credentials shown redacted only."""

    account: str
    arn: str
    region: str
    endpoint_url: str
    profile: str
    credentials_from: str  # botocore's name for the source: env, shared-credentials-file, sso...
    access_key: str  # redacted

    @property
    def local(self) -> bool:
        """True when the endpoint is on this machine (the sandbox), not AWS."""
        return urlsplit(self.endpoint_url).hostname in _LOCAL_HOSTS


def available_profiles() -> list[str]:
    """The profiles named in the AWS config and credentials files."""
    # botocore's own session: boto3's refuses to start when AWS_PROFILE names a missing profile.
    return sorted(botocore.session.Session().available_profiles)


def who_am_i(session) -> Caller:
    """Ask STS who the session's credentials belong to (GetCallerIdentity changes nothing)."""
    sts = client(session, "sts")
    # The call comes first: it is what loads the credentials (an expired SSO sign-in, missing
    # credentials), and its errors are made clear; reading the key first would not be.
    with calling("check who you are signed in as"):
        identity = sts.get_caller_identity()
        credentials = session.get_credentials()
        access_key = credentials.access_key
    return Caller(account=identity["Account"], arn=identity["Arn"], region=session.region_name,
                  endpoint_url=sts.meta.endpoint_url, profile=session.profile_name,
                  credentials_from=credentials.method, access_key=redact(access_key))
