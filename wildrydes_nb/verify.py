"""Verify the step: a read-only checklist of the pool and its role, and a sign-in proof."""

from __future__ import annotations

import dataclasses
import functools
import secrets
import string
import time
from dataclasses import dataclass, field

from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from . import checks, ownership, roles
from .aws import CLIENT_CONFIG, client, partition_config
from .aws_errors import calling, error_code, explain
from .errors import WildrydesError
from .identity_pool import RELINK_HOW, Progress, desired_providers, describe, relinks, wanted_role_kinds
from .inputs import StepInput
from .parallel import attempt, in_parallel
from .redaction import redact
from .report import FAIL, NOT_PROVEN, NOT_RUN, PASS, Report
from .user_pool import UserPoolSettings, describe_app_client

TEST_USER_PREFIX = "wildrydes-verify-"
TEST_USER_DOMAIN = "example.com"
PROOF = checks.wording(checks.PROOF)  # the proof's stage, as progress names it
# How long to wait for IAM to make a new role (or a changed trust) usable: AWS says seconds,
# reports say up to a minute.
IAM_WAIT_SECONDS = 60
_IAM_NOT_READY = {"InvalidIdentityPoolConfigurationException", "AccessDenied", "AccessDeniedException"}
# Values for attributes a user pool may require, so that the test user can be created.
_ATTRIBUTE_VALUES = {"birthdate": "2000-01-01", "gender": "unspecified", "locale": "en-US",
                     "zoneinfo": "Europe/London", "address": "1 Test Street",
                     "website": "https://example.com", "profile": "https://example.com",
                     "picture": "https://example.com/picture.png", "updated_at": "0"}
_AUTOMATIC_ATTRIBUTES = {"sub", "email_verified", "phone_number_verified", "identities"}


def verify(session, step: StepInput, identity_pool_id: str, *, proof: bool = True,
           progress: Progress | None = None, iam_wait: float = IAM_WAIT_SECONDS) -> Report:
    """Check the identity pool against ``step``; changes nothing in the pool or IAM.

    With ``proof`` a throw-away user signs in the way the web app will (SRP, then GetId,
    GetCredentialsForIdentity, STS GetCallerIdentity) and is deleted afterwards. The proof ends
    passed, failed (AWS refused what the web app will do) or not proven (it could not run here,
    e.g. no permission to create users, or a sign-in challenge). While IAM makes a new role
    usable, it waits up to ``iam_wait`` seconds, telling ``progress(stage, "waiting", detail)``.

    The configuration reads and the test user's sign-in, which needs nothing from the identity
    pool, run at the same time; the report reads as if they had run one after another, and an
    error is the one that order would have met first.
    """
    report = Report(f"Verification of identity pool {identity_pool_id}",
                    facts={"region": step.region, "identity_pool_id": identity_pool_id,
                           "user_pool_id": step.user_pool_id, "app_client_id": step.app_client_id},
                    group_ids=checks.VERIFY_IDS)
    progress = progress or (lambda *_: None)
    for service in ("cognito-identity", "iam", "cognito-idp"):
        client(session, service)  # made here, once: the threads below share clients, never the session
    sign_in = _SignIn(session, step) if proof else None
    if sign_in is not None:
        progress(PROOF, "running", "creating a test user and signing it in, while the configuration is read")
    try:
        # The app client is read by the proof's first half when there is a proof, else here.
        pool, attached, app_read = in_parallel(
            lambda: attempt(lambda: describe(session, identity_pool_id)),
            lambda: attempt(lambda: _roles_attached(session, identity_pool_id, wanted_role_kinds(step))),
            sign_in.run if sign_in is not None else
            lambda: attempt(lambda: describe_app_client(session, step.user_pool_id, step.app_client_id)))
        app, app_error = (sign_in.app, sign_in.app_error) if sign_in is not None else app_read
        prerequisites_met = _check_prerequisites(report, app, app_error)
        described, error = pool
        if isinstance(error, WildrydesError):
            report.add(checks.IDENTITY_POOL_EXISTS, FAIL, error.problem, error.fix)
            return report
        if error is not None:
            raise error
        report.add(checks.IDENTITY_POOL_EXISTS, PASS, f"'{described['IdentityPoolName']}' in {step.region}")
        made_by = ownership.tags_of(described).get(ownership.MADE_BY_TAG)
        if made_by:  # the tool made it, not the learner: a grade must say so
            report.facts["made_by"] = made_by
        _check_provider(report, described, step)
        allowed = bool(described.get("AllowUnauthenticatedIdentities"))
        report.add(checks.IDENTITY_POOL_UNAUTHENTICATED, PASS if allowed == step.allow_unauthenticated else FAIL,
                   f"AllowUnauthenticatedIdentities is {allowed}",
                   "Run the identity-pool step again: it sets the flag back.",
                   name=checks.UNAUTHENTICATED_ON_WORDING if step.allow_unauthenticated else None)
        read, error = attached
        if error is not None:
            raise error
        role_arn, just_changed = _check_roles(report, identity_pool_id, step, *read)
        if sign_in is None:
            report.add(checks.PROOF, NOT_RUN, "the sign-in proof was not asked for (it creates a test user)",
                       "Verify with the sign-in proof (the form's checkbox; wildrydes-nb verify without --no-proof; "
                       "grade --prove) to prove a user gets credentials.")
        elif not prerequisites_met:
            report.add(checks.PROOF, NOT_RUN, "the web app could not sign in with this app client: see the "
                                              "failed check above", "Fix the app client first.")
        else:
            # IAM's delay explains a refusal only for a role created, or re-trusted here, minutes ago.
            _prove_sign_in(report, session, step, identity_pool_id, role_arn, sign_in, progress,
                           iam_wait if just_changed else 0.0)
            _one_fix_for_the_provider(report)
        return report
    finally:
        if sign_in is not None:
            sign_in.remove_test_user(report)


def without_pool(session, step: StepInput, missing: WildrydesError) -> Report:
    """The checklist when the learner has no identity pool to check (``missing`` says why): the
    prerequisites are still checked, and the pool's absence is a failed check with its fix."""
    report = Report(f"Verification: no identity pool '{step.identity_pool_name}' of yours in {step.region}",
                    facts={"region": step.region, "user_pool_id": step.user_pool_id,
                           "app_client_id": step.app_client_id}, group_ids=checks.VERIFY_IDS)
    app, app_error = attempt(lambda: describe_app_client(session, step.user_pool_id, step.app_client_id))
    _check_prerequisites(report, app, app_error)
    report.add(checks.IDENTITY_POOL_EXISTS, FAIL, missing.problem, missing.fix)
    return report


def _one_fix_for_the_provider(report: Report) -> None:
    """When the provider check failed, the proof's failures come from it: they point to its fix
    (a repair, or a re-link), so that the checklist never gives two different fixes."""
    provider = next((c for c in report.checks if c.id == checks.IDENTITY_POOL_PROVIDER and c.status == FAIL), None)
    if provider is None:
        return
    report.checks = [dataclasses.replace(c, fix=f"AWS refused because of the provider check above: {provider.fix}")
                     if c.id.startswith("proof.") and c.status == FAIL else c for c in report.checks]


def _check_prerequisites(report: Report, app, error: BaseException | None) -> bool:
    """What the workshop's web app needs of the user pool and app client; whether it has it all."""
    if isinstance(error, WildrydesError):  # the user pool is gone, or the client is not in it
        report.add(checks.APP_CLIENT_EXISTS, FAIL, error.problem, error.fix)
        return False
    if error is not None:
        raise error
    report.add(checks.APP_CLIENT_EXISTS, PASS, f"app client '{app.name}' in user pool {app.user_pool_id}")
    report.add(checks.APP_CLIENT_NO_SECRET, FAIL if app.has_secret else PASS,
               "it has a client secret" if app.has_secret else "GenerateSecret was off",
               "Create an app client without a secret (the workshop unticks 'Generate client secret'), save its "
               "id in 01, then run the identity-pool step and verify with it.")
    report.add(checks.APP_CLIENT_SRP, PASS if app.allows_srp else FAIL,
               "ALLOW_USER_SRP_AUTH is allowed" if app.allows_srp else
               f"it allows {', '.join(sorted(app.flows)) or 'no flow'}, not ALLOW_USER_SRP_AUTH",
               "Allow ALLOW_USER_SRP_AUTH on the app client (Cognito console → App client → Authentication "
               "flows), then verify again.")
    return not app.has_secret and app.allows_srp


def _roles_attached(session, identity_pool_id: str, kinds) -> tuple[dict, dict]:
    """GetIdentityPoolRoles' roles by kind, and the IAM role (or ``None``) of each wanted kind's, by name."""
    identity = client(session, "cognito-identity")
    with calling("read the identity pool's roles"):
        attached = identity.get_identity_pool_roles(IdentityPoolId=identity_pool_id).get("Roles", {})
    names = [roles.name_from_arn(attached[kind]) for kind in kinds if attached.get(kind)]
    found = in_parallel(*(functools.partial(roles.get_role, session, name) for name in names))
    return attached, dict(zip(names, found))


def _check_provider(report: Report, pool: dict, step: StepInput) -> None:
    providers = pool.get("CognitoIdentityProviders", [])
    wanted = desired_providers(step)[0]
    shown = ", ".join(f"{p['ProviderName']} / {p.get('ClientId')}" for p in providers) or "none"
    exact = [(p["ProviderName"], p.get("ClientId")) for p in providers] == [(wanted["ProviderName"], wanted["ClientId"])]
    moved = relinks(step, pool)
    fix = (f"This pool is linked to user pool {', '.join(moved)}, not to yours ({step.user_pool_id}): the "
           f"identity-pool step does not move it on its own. If the pool is yours and should follow user pool "
           f"{step.user_pool_id}, {RELINK_HOW}; if not, verify your own pool (its Identity Pool ID)."
           if moved else
           f"Run the identity-pool step again with user_pool_id {step.user_pool_id} "
           f"and app_client_id {step.app_client_id}; it repairs the provider.")
    report.add(checks.IDENTITY_POOL_PROVIDER, PASS if exact else FAIL, shown, fix)


def _check_roles(report: Report, identity_pool_id: str, step: StepInput, attached: dict,
                 found: dict) -> str | None:
    """Role checks for each wanted kind, from the roles ``attached`` and those ``found`` in IAM by name;
    returns the authenticated role's ARN when it is usable."""
    rerun = "Run the identity-pool step again: it creates the role and attaches it."
    usable, just_changed = None, False
    for kind in wanted_role_kinds(step):
        arn = attached.get(kind)
        report.add(checks.role_check(kind, "attached"), PASS if arn else FAIL, arn or "no role for this kind", rerun)
        if not arn:
            continue
        role = found.get(roles.name_from_arn(arn))
        report.add(checks.role_check(kind, "exists"), PASS if role else FAIL,
                   roles.name_from_arn(arn) + ("" if role else " is not in IAM"), rerun)
        if not role:
            continue
        problems = roles.trust_problems(role["AssumeRolePolicyDocument"], identity_pool_id, kind)
        repair = "Run the identity-pool step again: it rewrites the trust policy."
        report.add(checks.role_check(kind, "trust.aud"), FAIL if {"principal", "aud"} & problems.keys() else PASS,
                   problems.get("principal") or problems.get("aud") or f"aud = {identity_pool_id}", repair)
        report.add(checks.role_check(kind, "trust.amr"), FAIL if {"principal", "amr"} & problems.keys() else PASS,
                   problems.get("principal") or problems.get("amr") or f"amr = {kind}", repair)
        if kind == roles.AUTHENTICATED and not problems:
            usable, just_changed = arn, roles.changed_recently(role)
    if not step.allow_unauthenticated and attached.get(roles.UNAUTHENTICATED):
        report.add(checks.UNAUTH_ROLE_DETACHED, FAIL, attached[roles.UNAUTHENTICATED],
                   "Run the identity-pool step again: it detaches the role.")
    return usable, just_changed


class _NotProven(Exception):
    """The proof cannot run here; ``why`` and ``how`` are shown to the learner."""

    def __init__(self, why: str, how: str):
        super().__init__(why)
        self.why, self.how = why, how


def _test_password() -> str:
    # Satisfies any password policy Cognito allows up to 32 characters: upper, lower, digit, symbol.
    body = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(28))
    return body + "aA1!"


@dataclass(frozen=True)
class ThrowawayUser:
    """The proof's test user, shaped by the user pool's settings."""

    username: str  # what the web app's user types to sign in
    attributes: tuple[tuple[str, str], ...]
    password: str = field(repr=False)


def throwaway_user_for(settings: UserPoolSettings) -> ThrowawayUser:
    """A test user the pool accepts: an email username where email is the username, else a plain
    username (an alias pool refuses an email-shaped one) with a verified email; required
    attributes filled."""
    tag = secrets.token_hex(4)
    email = f"{TEST_USER_PREFIX}{tag}@{TEST_USER_DOMAIN}"
    phone = "+1555" + "".join(secrets.choice(string.digits) for _ in range(7))
    if "email" in settings.username_attributes:
        username = email
    elif "phone_number" in settings.username_attributes:
        username = phone
    else:
        username = f"{TEST_USER_PREFIX}{tag}"
    values = {"email": email, "phone_number": phone}
    wanted = ["email", *(a for a in settings.required_attributes if a not in _AUTOMATIC_ATTRIBUTES)]
    if "phone_number" in settings.username_attributes:
        wanted.append("phone_number")
    attributes = {name: values.get(name) or _ATTRIBUTE_VALUES.get(name, "wildrydes verify") for name in wanted}
    attributes["email_verified"] = "true"
    return ThrowawayUser(username, tuple(attributes.items()), _test_password())


class _SignIn:
    """The proof's first half, which needs nothing from the identity pool: read the app client,
    create a throw-away user shaped by the pool's settings, and sign it in for an ID token.

    :meth:`run` goes beside the configuration reads and never raises: it keeps how it ended
    (``ended``, a check to report; ``error``, an error to raise) for :func:`_prove_sign_in`, which
    tells them in the order of a proof run after the checks.
    """

    def __init__(self, session, step: StepInput):
        self.session, self.step = session, step
        self.idp = client(session, "cognito-idp")
        self.user: ThrowawayUser | None = None
        self.created = False  # the test user exists, so it must be removed
        self.reported = False  # the proof was reported, so its test user's removal is too
        self.stage: str | None = None  # the sign-in's check name, once the user exists
        self.app = None  # the app client, once read (the configuration checks use it too)
        self.app_error: Exception | None = None
        self.id_token: str | None = None
        self.ended: tuple[str, str, str, str | None, str | None] | None = None  # (id, status, detail, fix, name)
        self.error: Exception | None = None

    def run(self) -> None:
        self.app, self.app_error = attempt(
            lambda: describe_app_client(self.session, self.step.user_pool_id, self.step.app_client_id))
        if self.app is None or self.app.has_secret or not self.app.allows_srp:
            return  # the configuration checks say why; the web app could not sign in either
        app = self.app
        try:
            self.user = throwaway_user_for(app.pool)
            _create_test_user(self.idp, self.step.user_pool_id, self.user)
            self.created = True
            self.stage = "sign in as a test user (SRP, as the web app does)"
            self.id_token = _id_token(self.idp, app, self.user)
        except _NotProven as why:
            self.ended = (checks.PROOF, NOT_PROVEN, why.why, why.how, None)
        except Exception as err:  # noqa: BLE001 - kept, then reported or raised in the proof's turn
            beyond = _beyond_the_proof(err) if self.stage is not None else None
            if beyond is not None:  # the user pool's own rules stopped the throw-away user: not the setup
                self.ended = (checks.PROOF, NOT_PROVEN, *beyond, None)
            elif self.stage is not None:  # AWS refused the sign-in: a failed check
                self.ended = (checks.PROOF_SIGN_IN, FAIL, _why(err, self.stage), _fix_for(err), self.stage)
            elif isinstance(err, WildrydesError):  # the user pool or app client, made clear
                self.ended = (checks.PROOF, FAIL, err.problem, err.fix, None)
            else:
                self.error = err

    def remove_test_user(self, report: Report) -> None:
        """Delete the test user, if one was made; the report says so when it told of the proof,
        or when the user could not be deleted."""
        if not self.created:
            return
        try:
            self.idp.admin_delete_user(UserPoolId=self.step.user_pool_id, Username=self.user.username)
            if self.reported:
                report.add(checks.PROOF_TEST_USER_REMOVED, PASS, self.user.username)
        except self.idp.exceptions.UserNotFoundException:  # already gone: a cleanup removed it meanwhile
            if self.reported:
                report.add(checks.PROOF_TEST_USER_REMOVED, PASS, f"{self.user.username} (already removed, by a "
                                                                 "cleanup run meanwhile)")
        except Exception as err:  # noqa: BLE001 - the learner is told; cleanup also removes leftovers
            report.add(checks.PROOF_TEST_USER_REMOVED, FAIL, _why(err, "delete the test user"),
                       "Run 'wildrydes-nb cleanup': it removes leftover test users.")


def _prove_sign_in(report: Report, session, step: StepInput, identity_pool_id: str, role_arn: str | None,
                   sign_in: _SignIn, progress: Progress, iam_wait: float) -> None:
    if role_arn is None:
        report.add(checks.PROOF, NOT_RUN,
                   "the authenticated role is not usable, so the proof would fail for that reason",
                   "Fix the role checks above first.")
        return
    sign_in.reported = True
    if sign_in.error is not None:
        raise sign_in.error
    if sign_in.ended is not None:
        check_id, status, detail, fix, name = sign_in.ended
        report.add(check_id, status, detail, fix, name=name)
        return
    report.add(checks.PROOF_SIGN_IN, PASS, f"ID token received ({len(sign_in.id_token)} characters, not shown)",
               name=sign_in.stage)
    _assume(report, session, step.provider_name, identity_pool_id, role_arn, sign_in.id_token, progress, iam_wait)


def _create_test_user(idp, user_pool_id: str, user: ThrowawayUser) -> None:
    try:
        idp.admin_create_user(UserPoolId=user_pool_id, Username=user.username, MessageAction="SUPPRESS",
                              UserAttributes=[{"Name": k, "Value": v} for k, v in user.attributes])
    except Exception as err:  # noqa: BLE001 - the proof cannot run; that is reported, not raised
        raise _NotProven(f"could not create a test user ({_why(err, 'create a test user')})",
                         "Verify with an identity allowed cognito-idp:AdminCreateUser, AdminSetUserPassword "
                         "and AdminDeleteUser on the user pool, or sign in once in the web app.") from None
    try:
        idp.admin_set_user_password(UserPoolId=user_pool_id, Username=user.username,
                                    Password=user.password, Permanent=True)
    except Exception as err:  # noqa: BLE001 - as above; the user is removed by the caller's finally
        idp.admin_delete_user(UserPoolId=user_pool_id, Username=user.username)
        raise _NotProven(f"could not set the test user's password ({_why(err, 'set a password')})",
                         "Verify with an identity allowed cognito-idp:AdminSetUserPassword, or sign in "
                         "once in the web app.") from None


def _id_token(idp, app, user: ThrowawayUser) -> str:
    """Sign the user in with SRP, as the web app does (through pycognito); the ID token, or
    :class:`_NotProven` on a challenge a throw-away user cannot answer."""
    from pycognito.aws_srp import AWSSRP  # imported here: only the proof needs it
    from pycognito.exceptions import ForceChangePasswordException, MFAChallengeException

    srp = AWSSRP(username=user.username, password=user.password, pool_id=app.user_pool_id,
                 client_id=app.app_client_id, client=idp)
    try:
        answer = srp.authenticate_user()
    except ForceChangePasswordException:
        answer = {"ChallengeName": "NEW_PASSWORD_REQUIRED"}
    except MFAChallengeException as err:
        answer = {"ChallengeName": err.get_tokens().get("ChallengeName", "MFA")}
    except NotImplementedError as err:  # a challenge pycognito does not answer
        answer = {"ChallengeName": str(err)}
    if "AuthenticationResult" not in answer:
        challenge = answer.get("ChallengeName", "an unknown challenge")
        raise _NotProven(f"Cognito asked the test user for a further step ({challenge}), which a "
                         "throw-away user cannot answer",
                         "Sign in once in the web app with a real user (it answers the challenge), "
                         "or verify against a pool without MFA or other sign-in challenges.")
    return answer["AuthenticationResult"]["IdToken"]


def _assume(report: Report, session, provider_name: str, identity_pool_id: str, role_arn: str, id_token: str,
            progress: Progress, iam_wait: float) -> None:
    """The proof's second half: the ID token → an identity → credentials → the authenticated role."""
    step_id = checks.PROOF_GET_ID
    try:
        # GetId and GetCredentialsForIdentity are unsigned: the login token is the proof.
        unsigned = session.client("cognito-identity", config=CLIENT_CONFIG.merge(Config(signature_version=UNSIGNED))
                                  .merge(partition_config("cognito-identity", session.region_name)))
        logins = {provider_name: id_token}
        identity_id = unsigned.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
        report.add(step_id, PASS, identity_id)
        step_id = checks.PROOF_CREDENTIALS

        def credentials_and_caller():
            found = unsigned.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]
            sts = session.client("sts", config=CLIENT_CONFIG, aws_access_key_id=found["AccessKeyId"],
                                 aws_secret_access_key=found["SecretKey"], aws_session_token=found["SessionToken"])
            return found, sts.get_caller_identity()["Arn"]

        (creds, caller), waited = _while_iam_propagates(credentials_and_caller, progress, iam_wait)
        after = f" (after waiting {waited:.0f} s for IAM to make the new role usable)" if waited else ""
        report.add(step_id, PASS, f"access key {redact(creds['AccessKeyId'])}, secret key and session token "
                                         f"present (not shown), expire {creds['Expiration']:%Y-%m-%d %H:%M} UTC{after}")
        step_id = checks.PROOF_ROLE
        wanted = roles.name_from_arn(role_arn)
        ok = f":assumed-role/{wanted}/" in caller
        report.add(step_id, PASS if ok else FAIL, caller,
                   None if ok else f"Attach {role_arn} as the authenticated role (run the step again).")
    except _IamStillPropagating as late:
        if late.limit:
            report.add(step_id, FAIL, f"{_why(late.error, checks.wording(step_id))} — still, after waiting "
                                      f"{late.waited:.0f} s for IAM",
                       "The checks above found the role and its trust right, so IAM is most likely still making "
                       "them usable: wait a minute and verify again.")
        else:  # an old role, its trust unchanged here lately: IAM's delay is not the cause
            report.add(step_id, FAIL, f"{_why(late.error, checks.wording(step_id))} — the role was neither created "
                                      f"nor re-trusted in the last {roles.RECENT_MINUTES} minutes, so IAM's delay "
                                      "is not the cause",
                       "Check the role's trust in IAM (its principal must be the one of this region's partition, "
                       "with aud and amr conditions for this pool), and ask your account's administrator whether a "
                       "service control policy or permissions boundary denies sts:AssumeRoleWithWebIdentity.")
    except Exception as err:  # noqa: BLE001 - each failure becomes a failed check
        report.add(step_id, FAIL, _why(err, checks.wording(step_id)), _fix_for(err))


class _IamStillPropagating(Exception):
    def __init__(self, error: BaseException, waited: float, limit: float):
        super().__init__(str(error))
        self.error, self.waited, self.limit = error, waited, limit


def _while_iam_propagates(call, progress: Progress, limit: float):
    """``(call(), seconds waited)``, retried while IAM has not yet made a new role or trust usable.

    Cognito answers InvalidIdentityPoolConfigurationException (and STS AccessDenied) meanwhile;
    the role checks have already passed when this runs, so waiting is the right answer.
    """
    started = time.monotonic()
    waited = 0.0
    while True:
        # IAM usually needs about 2 s: ask every second at first, then less often.
        pause = 1.0 if waited < 10 else 3.0
        try:
            return call(), waited
        except ClientError as err:
            if error_code(err) not in _IAM_NOT_READY:
                raise
            if waited + pause > limit:
                raise _IamStillPropagating(err, waited, limit) from None
        deadline = time.monotonic() + pause
        while (left := deadline - time.monotonic()) > 0:
            progress(PROOF, "waiting", f"waiting for IAM to make the new role usable: "
                                       f"{time.monotonic() - started:.0f} s")
            time.sleep(min(1.0, left))
        waited = time.monotonic() - started


def _why(err: BaseException, action: str) -> str:
    clear = explain(err, action)
    if clear is not None:
        return clear.problem
    code = error_code(err)
    message = getattr(err, "response", {}).get("Error", {}).get("Message", str(err))
    return f"{code}: {message}" if code else str(err)


_FIXES = {
    "Token is not from a supported provider of this identity pool.":
        "The pool's app client differs from the one that signed the user in: run the step again with the right app_client_id.",
    "Invalid login token. Issuer doesn't match providerName":
        "The pool's provider names another user pool or region: run the step again with the right user_pool_id.",
    "Invalid identity pool configuration. Check assigned IAM roles for this pool.":
        "Run the identity-pool step again: it attaches the role and scopes its trust to this pool.",
}


# Sign-in outcomes the proof cannot control: the user pool's own rules about a new user, not the
# identity pool's setup. Codes and messages: Cognito's InitiateAuth / RespondToAuthChallenge API
# reference (PasswordResetRequiredException, UserNotConfirmedException); the threat-protection
# block's "Unable to login because of security reasons." and the lockout's "Password attempts
# exceeded" are as public issue threads quote them (inferred, no AWS page words them).
_BEYOND_THE_PROOF = {
    "PasswordResetRequiredException": "the user pool requires a password reset before the first sign-in",
    "UserNotConfirmedException": "the user pool left the throw-away user unconfirmed",
}
_BLOCKED_MESSAGES = {
    "Unable to login because of security reasons.": "the user pool's threat protection blocked the sign-in",
    "Password attempts exceeded": "the user pool locked the sign-in after too many attempts",
}
_SIGN_IN_YOURSELF = ("Sign in once in the web app with a real user (the user pool's rules are answered there), then "
                     "verify again; the checks above already show the setup itself.")


def _beyond_the_proof(err: BaseException) -> tuple[str, str] | None:
    """(why, how) when AWS refused the throw-away user's sign-in for a reason of the user pool's own
    rules: the proof then shows nothing about the setup, so it is "not proven", not failed."""
    code = error_code(err)
    message = getattr(err, "response", {}).get("Error", {}).get("Message", "")
    why = _BEYOND_THE_PROOF.get(code) or (_BLOCKED_MESSAGES.get(message) if code == "NotAuthorizedException" else None)
    return (f"{why} ({code}: {message})", _SIGN_IN_YOURSELF) if why else None


def _fix_for(err: BaseException) -> str:
    message = getattr(err, "response", {}).get("Error", {}).get("Message", "")
    return _FIXES.get(message, "Read the detail; after fixing, run verify again (it is safe to re-run).")
