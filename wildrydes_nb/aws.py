"""boto3 sessions and clients from the standard configuration chain (AWS errors made clear: aws_errors)."""

from __future__ import annotations

import functools
import os
import threading
import weakref
from typing import Callable
from urllib.parse import urlsplit

import boto3
import botocore.loaders
import botocore.session
import botocore.utils
from botocore.config import Config
from botocore.exceptions import (BotoCoreError, InvalidRegionError, NoRegionError,
                                 ProfileNotFound, SSOError,
                                 TokenRetrievalError)

from .errors import AwsAccessError, InputError
from .inputs import check_region

# Cognito and IAM answer in well under a second. botocore's defaults (60 s timeouts, five
# tries) keep a learner waiting six minutes on an endpoint that accepts and never answers;
# these give up after about 30 s: two tries of at most CONNECT_TIMEOUT + READ_TIMEOUT.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 14
CONNECTION_ATTEMPTS = 2
# botocore's "standard" retry mode backs off on throttling and transient errors (five tries
# for those); a failed connection or a silence is tried CONNECTION_ATTEMPTS times only.
CLIENT_CONFIG = Config(connect_timeout=CONNECT_TIMEOUT, read_timeout=READ_TIMEOUT,
                       retries={"mode": "standard", "max_attempts": 5})
_ENDPOINT_FIX = ("Set AWS_ENDPOINT_URL to a URL such as http://127.0.0.1:5000 (the sandbox prints it), "
                 "or unset it to use AWS.")
# Calls that are not idempotent: sent once, never retried after a lost answer (the first may have
# been done). A throttled one is retried: AWS refused it, so nothing was done.
SENT_ONCE = {"cognito-identity": ("CreateIdentityPool",)}

_clients: "weakref.WeakKeyDictionary[boto3.Session, dict]" = weakref.WeakKeyDictionary()
_configs: "weakref.WeakKeyDictionary[boto3.Session, Config]" = weakref.WeakKeyDictionary()
_clients_lock = threading.RLock()

# Answers the retry hooks below weigh (aws_errors.explain words them for the learner).
THROTTLE_CODES = {"Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded"}
# An account quota (Cognito's LimitExceededException, IAM's LimitExceeded): retrying cannot help.
QUOTA_CODES = {"LimitExceededException", "LimitExceeded"}


class _SearchPaths(list):
    """A loader's search paths where a path is added once: boto3 appends its own data folder to
    the loader of every session it makes, and the loader below is shared by all of them."""

    def append(self, path):
        if path not in self:
            super().append(path)


_loaders: dict[str, botocore.loaders.Loader] = {}


def _shared_loader(data_path: str | None) -> botocore.loaders.Loader:
    """One botocore data loader per data path, for every session this process makes.

    Each new session otherwise parses the service models again (about 40 ms of JSON per client);
    a batch, a form and the tests make many sessions. The loader only reads the installed model
    files and caches them, so sharing it changes no answer.
    """
    with _clients_lock:
        if data_path not in _loaders:
            # As botocore.loaders.create_loader reads AWS_DATA_PATH, with the list above.
            extra = _SearchPaths(os.path.expanduser(os.path.expandvars(path))
                                 for path in (data_path or "").split(os.pathsep) if path)
            _loaders[data_path] = botocore.loaders.Loader(extra_search_paths=extra)
        return _loaders[data_path]


def _core_session(profile: str | None = None, *, models_only: bool = False) -> botocore.session.Session:
    core = botocore.session.Session(profile=profile)
    try:
        data_path = core.get_config_variable("data_path")
    except ProfileNotFound:
        if not models_only:
            return core  # botocore's own loader, which raises this again when it is first used
        data_path = os.environ.get("AWS_DATA_PATH")  # reading a model needs no profile
    core.register_component("data_loader", _shared_loader(data_path))
    if not models_only:
        _ask_for_mfa_codes_only_on_a_terminal(core)
    return core


# The AWS CLI keeps the credentials of a role it assumed here (awscli's assumerole customization),
# so a code typed once in a terminal serves this workbook too, until they expire.
CLI_CACHE = os.path.join("~", ".aws", "cli", "cache")
_terminal = False


def ask_on_this_terminal() -> None:
    """The command line on a terminal: botocore asks for a profile's MFA code there (getpass), as
    the AWS CLI does. Elsewhere (a kernel, papermill, batch, a pipe) nobody could answer: the
    step stops at once with :func:`mfa_error`'s message instead of waiting on a hidden prompt."""
    global _terminal
    _terminal = True


def mfa_serial(core: botocore.session.Session) -> tuple[str, str] | None:
    """``(profile, mfa_serial)`` when the session's credentials come from a role that a profile
    assumes with an MFA code (the profile itself, or one it names as ``source_profile``)."""
    explicit = core.instance_variables().get("profile")
    if explicit is None and os.environ.get("AWS_ACCESS_KEY_ID"):
        return None  # environment credentials come first unless a profile is given explicitly
    profiles = core.full_config.get("profiles", {})
    name, seen = core.get_config_variable("profile") or "default", set()
    while name in profiles and name not in seen:
        seen.add(name)
        config = profiles[name]
        if "role_arn" not in config:
            return None
        if config.get("mfa_serial"):
            return name, config["mfa_serial"]
        name = config.get("source_profile")
    return None


def mfa_error(profile: str, serial: str) -> AwsAccessError:
    return AwsAccessError(
        f"the AWS profile '{profile}' assumes its role with an MFA code (mfa_serial {serial}), and there is no "
        "terminal here to ask for it.", field="profile",
        fix=f"In a terminal (JupyterLab: File > New > Terminal) run 'aws sts get-caller-identity --profile {profile}' "
            "and type the code: the AWS CLI keeps the role's credentials for about an hour in ~/.aws/cli/cache, "
            "where this workbook finds them; then run this again. Or use credentials that need no code here: "
            "'aws sso login --profile NAME' (IAM Identity Center), or 'aws configure export-credentials --profile "
            f"{profile} --format env' into the environment Jupyter starts from.")


def _ask_for_mfa_codes_only_on_a_terminal(core: botocore.session.Session) -> None:
    try:
        needs = mfa_serial(core)
    except ProfileNotFound:
        return
    if needs is None:
        return
    provider = core.get_component("credential_provider").get_provider("assume-role")
    provider.cache = botocore.utils.JSONFileCache(os.path.expanduser(CLI_CACHE))
    if not _terminal:
        # botocore takes the prompter only as AssumeRoleProvider's argument; it asks it only when
        # the cache holds no valid credentials. Raising here stops before any request is sent.
        def refuse(_prompt: str, needs=needs):
            raise mfa_error(*needs)

        provider._prompter = refuse


def new_session(**kwargs) -> boto3.Session:
    """``boto3.Session(**kwargs)`` sharing this process's model loader (see :func:`_shared_loader`)."""
    return boto3.Session(botocore_session=_core_session(kwargs.get("profile_name")), **kwargs)


def warm_models(services) -> None:
    """Read the service models and endpoint rules of ``services`` into this process's shared
    loader (no AWS call): processes forked from this one then make their clients without parsing
    them again (about 0.3 s of JSON per process)."""
    session = new_session(region_name="us-east-1", aws_access_key_id="warm", aws_secret_access_key="warm")
    for service in services:
        session.client(service, endpoint_url="http://127.0.0.1:9").exceptions  # noqa: B018 - made now


@functools.lru_cache(maxsize=None)
def service_model(service: str):
    """botocore's model of ``service`` (read once per process)."""
    return _core_session(models_only=True).get_service_model(service)


def make_session(profile: str | None = None, region: str | None = None) -> boto3.Session:
    """A session from the standard chain (profile, environment, ``AWS_ENDPOINT_URL``)."""
    try:
        return new_session(profile_name=profile or None, region_name=region or None)
    except ProfileNotFound as err:
        raise AwsAccessError(f"the AWS profile '{err.kwargs.get('profile')}' is not configured.", field="profile",
                             fix="Run 'aws configure --profile NAME' or leave the profile empty.") from None


_client_hooks: list[Callable] = []


def add_client_hook(hook: Callable) -> None:
    """Call ``hook(client)`` on every client :func:`client` makes from now on, in this process (as
    botocore's event hooks are registered: explicitly, by the driver that needs it)."""
    _client_hooks.append(hook)


def remove_client_hook(hook: Callable) -> None:
    """Stop calling ``hook`` (added with :func:`add_client_hook`) on new clients."""
    _client_hooks.remove(hook)


def set_client_config(session: boto3.Session, config: Config) -> None:
    """Merge ``config`` (e.g. shorter timeouts) over :data:`CLIENT_CONFIG` for the clients
    :func:`client` makes for ``session`` from now on."""
    with _clients_lock:
        _configs[session] = config


def client(session: boto3.Session, service: str, region: str | None = None):
    """The session's client for ``service`` (in ``region``, default the session's), made once and reused."""
    # Locked: verify and the plan make their reads from several threads at once, and a boto3
    # session must not make two clients at the same time.
    with _clients_lock:
        per_session = _clients.setdefault(session, {})
        key = (service, region)
        if key not in per_session:
            try:
                config = CLIENT_CONFIG.merge(_configs[session]) if session in _configs else CLIENT_CONFIG
                config = config.merge(partition_config(service, region or session.region_name))
                made = session.client(service, region_name=region, config=config)
            except NoRegionError:
                raise AwsAccessError("no AWS region is set.", field="region",
                                     fix="Give a region, or set AWS_DEFAULT_REGION.") from None
            except InvalidRegionError:
                check_region(region or session.region_name)  # botocore's refusal, in the words inputs use
                raise
            except ValueError:  # botocore's "Invalid endpoint: ...", or a URL urllib cannot split
                raise _bad_endpoint(service, None, "is not an http:// or https:// URL") from None
            _check_endpoint(service, made.meta.endpoint_url)
            # botocore makes a client's exception classes at its first error, unlocked: two threads
            # failing at once could each make a set, and `except made.exceptions.X` miss one of them.
            made.exceptions  # noqa: B018 - made now, under the lock, once
            events, name = made.meta.events, made.meta.service_model.service_id.hyphenize()
            events.register_first(f"needs-retry.{name}", _bounded_retries)
            for operation in SENT_ONCE.get(service, ()):
                events.register_first(f"needs-retry.{name}.{operation}", _unless_refused)
            events.register(f"before-parse.{name}", functools.partial(_refuse_web_page, made))
            events.register(f"after-call.{name}", functools.partial(_remember_service, made, session))
            events.register(f"after-call-error.{name}",
                            functools.partial(_after_call_error, made, session))
            for hook in _client_hooks:  # e.g. a class run's shared back-off (class_run.py)
                hook(made)
            per_session[key] = made
        return per_session[key]


def partition_config(service: str, region: str | None) -> Config:
    """What a client of ``service`` needs in ``region``'s partition: Cognito in AWS GovCloud (US)
    answers on its FIPS endpoints only (AWS GovCloud (US) User Guide, "Amazon Cognito in AWS
    GovCloud (US)"); botocore's default there is the plain endpoint."""
    if service.startswith("cognito-") and (region or "").startswith("us-gov-"):
        return Config(use_fips_endpoint=True)
    return Config()


def made_clients(session: boto3.Session) -> list:
    """The clients :func:`client` has made for ``session`` so far (calls.recording hooks into them)."""
    with _clients_lock:
        return list(_clients.get(session, {}).values())


def _check_endpoint(service: str, url: str) -> None:
    # botocore accepts any scheme and any port here, and fails later deep inside a request.
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError when the port is out of range
    except ValueError as err:
        raise _bad_endpoint(service, url, "has a port out of range (0-65535)" if "Port" in str(err)
                            else "is not an http:// or https:// URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise _bad_endpoint(service, url, "is not an http:// or https:// URL")


def _bad_endpoint(service: str, url: str | None, why: str) -> AwsAccessError:
    """The endpoint URL configured for ``service`` is malformed: say which setting holds it."""
    service_id = service_model(service).service_id
    for variable in (f"AWS_ENDPOINT_URL_{service_id.upper().replace(' ', '_')}", "AWS_ENDPOINT_URL"):
        if os.environ.get(variable):
            return AwsAccessError(f"the endpoint URL '{os.environ[variable]}' (from {variable}) {why}.",
                                  field="endpoint", fix=_ENDPOINT_FIX.replace("AWS_ENDPOINT_URL", variable))
    return AwsAccessError(f"the endpoint URL '{url}' (from endpoint_url in the AWS config file) {why}.",
                          field="endpoint", fix="Correct endpoint_url in ~/.aws/config, or remove it to use AWS.")


class WebPageError(BotoCoreError):
    """The endpoint answered a web page (a sign-in portal, a proxy, a server error page), not AWS."""

    fmt = "{endpoint_url} answered HTTP {status} with a web page"


def _refuse_web_page(made, response_dict, **_):
    # Real AWS answers JSON (Cognito) or XML (IAM, STS); moto labels JSON text/html, so the body,
    # not the Content-Type, tells a page from an answer. Raised before parsing, so never retried:
    # a web page is not a passing hiccup of AWS.
    if response_dict["body"].lstrip()[:14].lower().startswith((b"<!doctype html", b"<html")):
        raise WebPageError(endpoint_url=made.meta.endpoint_url, status=response_dict["status_code"], client=made)


def _bounded_retries(response=None, caught_exception=None, attempts=0, **_):
    # Returning False (not None) ends botocore's retries.
    if response is not None and response[1].get("Error", {}).get("Code") in QUOTA_CODES:
        return False  # botocore's standard mode counts Cognito's quota as throttling: retrying cannot help
    if caught_exception is not None and attempts >= CONNECTION_ATTEMPTS:
        return False  # no connection, or silence: two tries, not five
    return None


def _unless_refused(response=None, caught_exception=None, **_):
    # No answer, or a server error: the call may have been done, so it is not sent again (False
    # ends botocore's retries). A throttling answer means nothing was done: botocore decides.
    if caught_exception is not None:
        return False
    if response is not None and response[1].get("Error", {}).get("Code") not in THROTTLE_CODES:
        return False
    return None


def _remember_service(made, session, http_response, parsed, model, **_):
    # An error answer does not say which service sent it; aws_errors.explain tells IAM's from STS's by it.
    if http_response is not None and http_response.status_code >= 300:
        metadata = parsed.setdefault("ResponseMetadata", {})
        metadata["ServiceName"] = model.service_model.service_name
        if parsed.get("Error", {}).get("Code") in ("UnrecognizedClientException", "InvalidClientTokenId"):
            enabled_elsewhere = _works_elsewhere(made, session)
            if enabled_elsewhere:  # aws_errors.explain: the region, not the credentials
                metadata.update(CredentialsWorkIn=enabled_elsewhere, RegionName=made.meta.region_name)
            elif metadata["ServiceName"] == "iam":
                user = _user_session(session)
                if user:
                    metadata["SessionTokenOfUser"] = user


def _user_session(session) -> str | None:
    """The IAM user whose session token (GetSessionToken's, as aws-vault makes by default) these
    credentials are: IAM refuses such tokens unless made with MFA (STS API reference,
    GetSessionToken: "You cannot call any IAM API operations unless MFA authentication information
    is included in the request"). ``None`` for other credentials."""
    credentials = session.get_credentials()
    if credentials is None or not credentials.token:
        return None
    try:
        arn = client(session, "sts").get_caller_identity()["Arn"]  # GetSessionToken's tokens may call it
    except Exception:  # noqa: BLE001 - refused too: not this case
        return None
    return arn if ":user/" in arn else None


def _works_elsewhere(made, session) -> str | None:
    """A region where the credentials a regional service refused do work (every account has it
    enabled), or ``None``. Then the region, not the credentials, is the problem: an opt-in region
    the account has not enabled answers UnrecognizedClientException ("Specify which AWS Regions
    your account can use", AWS Account Management guide). One STS call, made only on this error."""
    if made.meta.service_model.service_name in ("iam", "sts"):
        return None  # global, or asked already
    home = home_region(made.meta.region_name)
    if home is None:
        return None
    try:
        client(session, "sts", home).get_caller_identity()
    except Exception:  # noqa: BLE001 - refused there too (or unreachable): the credentials' problem
        return None
    return home


def _after_call_error(made, session, exception, event_name="", **_):
    if not getattr(exception, "operation_name", None):  # a BotoCoreError or botocore's parser error: name the call
        exception.operation_name = event_name.rsplit(".", 1)[-1] or None
    if isinstance(exception, BotoCoreError):
        exception.kwargs.setdefault("client", made)  # aws_errors.explain names the endpoint and region
    # botocore's SSO errors do not name the profile; aws_errors.explain needs it for 'aws sso login'.
    if isinstance(exception, (SSOError, TokenRetrievalError)):
        exception.kwargs.setdefault("profile", session.profile_name)


def home_region(region: str) -> str | None:
    """A region every account of ``region``'s partition has enabled (no opt-in), other than ``region``."""
    partition = _core_session(models_only=True).get_partition_for_region(region)
    home = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1", "aws-cn": "cn-north-1"}.get(partition)
    return home if home != region else ("us-east-2" if partition == "aws" else None)


@functools.lru_cache(maxsize=None)
def known_regions(service: str) -> frozenset[str]:
    """The regions botocore knows ``service`` in, in every partition (empty for a global service)."""
    data = _core_session(models_only=True)
    return frozenset(region for partition in data.get_available_partitions()
                     for region in data.get_available_regions(service, partition))


def unknown_region(made) -> bool:
    known = known_regions(made.meta.service_model.endpoint_prefix)
    return bool(known) and made.meta.region_name not in known


def check_cognito_region(region: str) -> str:
    """The region, in lower case, if it is a region code where AWS offers Cognito Identity and
    Cognito user pools (the workshop's two services); else an :class:`InputError`."""
    region = check_region(region)
    for service, name in (("cognito-identity", "Cognito Identity"), ("cognito-idp", "Cognito user pools")):
        if region not in known_regions(service):
            raise InputError(f"'{region}' is not a region where AWS offers {name}.", field="region",
                             fix="Use a region code where the workshop runs, such as us-east-2.")
    return region


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
