"""The learner's actions, one function each, under every driver: resolve, check, session, call, save.

The command line's commands, the forms' buttons and batch's learners call these and only
present what they return, so a rule the learner meets (which value wins, which identity pool is
theirs, which input is wrong) is decided here once. Each takes the values as given (``None`` or
blank: not given; they then come from the scratchpad, the AWS configuration or the default, by
:func:`.resolve.resolve`), the scratchpad, and where the driver keeps its sessions
(``session_for(region)``; default: a session of ``profile`` from the standard chain).

    >>> from wildrydes_nb import steps
    >>> result = steps.identity_pool({"user_pool_id": "us-east-2_AbC123xyz"}, scratchpad=pad)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Mapping

from . import DEFAULT_APP_CLIENT_NAME, DEFAULT_USER_POOL_NAME
from . import apply as _apply
from . import cleanup as _cleanup
from . import identity_pool as _identity_pool
from . import ownership, resolve
from . import user_pool as _user_pool
from .aws import make_session
from .aws_errors import one_line
from .calls import recording
from .errors import InputError, NotFoundError, NotYoursError, WildrydesError
from .inputs import (StepInput, check_identity_pool_id, check_identity_pool_name, check_plain, check_region,
                     check_step_input, check_step_region, check_user_pool_id, parse_bool, region_of, shown,
                     text_or_none)

SessionFor = Callable[[str], object]


def _in_one_line(action):
    """A learner's action whose every AWS error reaches the driver as one message (the call, AWS's
    code and message), never as a traceback: the CLI's exit 2, the form's message, batch's row."""

    @functools.wraps(action)
    def run(*args, **kwargs):
        with one_line():
            return action(*args, **kwargs)

    return run


def configured_region(profile: str | None = None) -> str:
    """The region the standard AWS configuration gives for ``profile`` (empty when there is none)."""
    try:
        return make_session(profile).region_name or ""
    except WildrydesError:
        return ""  # an unknown profile is reported when the step first calls AWS


def values(given: Mapping[str, object], scratchpad=None, profile: str | None = None,
           names: tuple[str, ...] = resolve.NAMES) -> resolve.Resolved:
    """The values a step uses, by the one precedence (given > scratchpad > configuration > default).

    A given token or control character is refused before it goes anywhere (never echoed).
    """
    text_or_none(profile, "profile")
    for name in names:
        value = given.get(name)
        if value not in (None, "") and name != "allow_unauthenticated":
            check_plain(text_or_none(value, name).strip(), name)
    saved = scratchpad.read() if scratchpad is not None else {}
    return resolve.resolve(dict(given), saved, lambda: configured_region(profile), names=names)


def _sessions(profile: str | None, session_for: SessionFor | None) -> SessionFor:
    return session_for or (lambda region: make_session(profile, region))


def step_input(given: Mapping[str, object], scratchpad=None, profile: str | None = None) -> tuple[StepInput,
                                                                                                  resolve.Resolved]:
    """The step's values resolved and checked (raises :class:`InputError` naming the field).

    A region problem is named first: the scratchpad's ids count only in the region resolved, so a
    mistyped region, or one that is not the saved user pool's, would otherwise read as a missing id.
    """
    found = values(given, scratchpad, profile)
    if found.sources["region"] == resolve.GIVEN:
        check_region(found["region"])
        saved_pool = (scratchpad.read() if scratchpad is not None else {}).get("user_pool_id") or ""
        if not found["user_pool_id"] and saved_pool:
            # Name what set the region: the region given, or the region of a given Identity Pool ID.
            by_id = not str(given.get("region") or "").strip() and found.sources["identity_pool_id"] == resolve.GIVEN
            what = (f"the Identity Pool ID's region, {shown(found['region'])}," if by_id
                    else shown(found["region"]))
            raise InputError(f"{what} is not the region of your User Pool ID {saved_pool} "
                             f"({region_of(saved_pool)}), so the scratchpad's ids are not used there.",
                             field="identity_pool_id" if by_id else "region",
                             fix=f"Use the identity pool of {region_of(saved_pool)}, or give the User Pool ID and "
                                 f"App client ID of {found['region']}." if by_id else
                                 f"Leave the region out (the user pool's, {region_of(saved_pool)}, is used), or give "
                                 f"the User Pool ID and App client ID of {found['region']}.")
    step = check_step_input(region=found["region"], user_pool_id=found["user_pool_id"],
                            app_client_id=found["app_client_id"], identity_pool_name=found["identity_pool_name"],
                            allow_unauthenticated=parse_bool(given.get("allow_unauthenticated") or False,
                                                             "allow_unauthenticated"),
                            permissions_boundary=given.get("permissions_boundary"), role_path=given.get("role_path"))
    if found.sources["identity_pool_id"] == resolve.GIVEN:
        check_identity_pool_id(found["identity_pool_id"], step.region)
    return step, found


def _given_id(found: resolve.Resolved) -> str | None:
    return found["identity_pool_id"] if found.sources["identity_pool_id"] == resolve.GIVEN else None


def _saved_for(found: resolve.Resolved, scratchpad) -> str | None:
    """The user pool the scratchpad's Identity Pool ID was saved for (its link), when that id is used."""
    if scratchpad is None or found.sources["identity_pool_id"] != resolve.SCRATCHPAD:
        return None
    return scratchpad.read().get("identity_pool_user_pool_id")


def _saved_id(found: resolve.Resolved) -> str | None:
    return found["identity_pool_id"] if found.sources["identity_pool_id"] == resolve.SCRATCHPAD else None


@_in_one_line
def user_pool(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None, new: bool = False,
              user_pool_name: str | None = None, app_client_name: str | None = None,
              session_for: SessionFor | None = None) -> tuple[_user_pool.UserPoolResult, list[str]]:
    """Find (the given or saved one) or create the learner's user pool and app client; save their
    ids. Returns the result and, for a reused pool, how it differs from the workshop's.

    A pool of the workshop's name that the scratchpad does not name is not the learner's until
    they say so (:class:`.user_pool.UnprovenUserPoolError`): ``new`` makes their own beside it.
    """
    found = values(given, scratchpad, profile, names=("region", "user_pool_id", "app_client_id"))
    region = check_step_region(found["region"])
    user_pool_id = found["user_pool_id"] or None
    if user_pool_id:
        check_user_pool_id(user_pool_id, region)
    for name, value in (("user_pool_name", user_pool_name), ("app_client_name", app_client_name)):
        if value is not None:
            check_plain(str(value), name)
    session = _sessions(profile, session_for)(region)
    if user_pool_id and found.sources["app_client_id"] == resolve.GIVEN:
        # A given app client is used as given, or refused clearly: never replaced by another.
        _user_pool.describe_app_client(session, user_pool_id, found["app_client_id"])
    result = _user_pool.ensure_user_pool(session, user_pool_name or DEFAULT_USER_POOL_NAME,
                                         app_client_name or DEFAULT_APP_CLIENT_NAME, user_pool_id=user_pool_id,
                                         app_client_id=found["app_client_id"] or None, new=parse_bool(new, "new"))
    if scratchpad is not None:
        scratchpad.update(region=region, user_pool_id=result.user_pool_id, app_client_id=result.app_client_id)
    differences = [] if result.created else _user_pool.describe_app_client(
        session, result.user_pool_id, result.app_client_id).workshop_differences()
    return result, differences


@_in_one_line
def use_user_pool(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None,
                  session_for: SessionFor | None = None) -> tuple[StepInput, _user_pool.AppClient, list[str]]:
    """Check that the learner's user pool and app client (pasted or given) exist and belong
    together; save them. Creates nothing. Returns the checked values, the app client, and how it
    differs from the workshop's."""
    step = check_step_input(**{name: given.get(name) for name in ("region", "user_pool_id", "app_client_id")})
    app = _user_pool.describe_app_client(_sessions(profile, session_for)(step.region), step.user_pool_id,
                                         step.app_client_id)
    if scratchpad is not None:
        scratchpad.update(region=step.region, user_pool_id=step.user_pool_id, app_client_id=step.app_client_id)
    return step, app, app.workshop_differences()


@_in_one_line
def identity_pool_plan(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None,
                       relink: bool = False, session_for: SessionFor | None = None) -> _identity_pool.Plan:
    """What :func:`identity_pool` would write for these values, without writing (Preview, ``--plan``)."""
    step, found = step_input(given, scratchpad, profile)
    session = _sessions(profile, session_for)(step.region)
    return _identity_pool.plan(session, step, identity_pool_id=_given_id(found), saved_id=_saved_id(found),
                               saved_for=_saved_for(found, scratchpad),
                               relink=parse_bool(relink, "relink"))


@_in_one_line
def identity_pool(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None,
                  relink: bool = False, progress=None, session_for: SessionFor | None = None,
                  stalled_create_wait: float = _apply.STALLED_CREATE_WAIT) -> _apply.Result:
    """Create or repair the learner's identity pool and its role, then save the ids to the scratchpad."""
    step, found = step_input(given, scratchpad, profile)
    session = _sessions(profile, session_for)(step.region)
    return _apply.ensure(session, step, scratchpad=scratchpad, progress=progress,
                                 identity_pool_id=_given_id(found), relink=parse_bool(relink, "relink"),
                                 stalled_create_wait=stalled_create_wait)


@_in_one_line
def which_identity_pool(session, step: StepInput, found: resolve.Resolved, scratchpad=None) -> str:
    """The one identity pool the learner means, by :func:`.ownership.find` (verify, the forms, batch).

    Their given id; else the scratchpad's; else their pool of the step's name (linked to, or made
    for, their user pool). Pools of that name that are not provably theirs never stand in: that is
    a :class:`NotYoursError` listing them. A scratchpad id whose pool is gone is returned as it is
    (verify then says what is wrong with it); no pool at all is a :class:`NotFoundError`.
    """
    if _given_id(found):
        return _given_id(found)  # the learner's word; verify says what is wrong with it, if anything
    owned = ownership.find(session, step.identity_pool_name, step.user_pool_id, saved_id=_saved_id(found),
                           saved_for=_saved_for(found, scratchpad),
                           named=_identity_pool.find_identity_pools(session, step.identity_pool_name)
                           if not _saved_id(found) else None, complete=False)
    if owned.pool is not None:
        return owned.pool_id
    if _saved_id(found):
        return _saved_id(found)
    where = f"'{step.identity_pool_name}' in {step.region}"
    if owned.others:
        raise NotYoursError(
            f"no identity pool called {where} is provably yours (linked to user pool {step.user_pool_id}, or in "
            "your scratchpad): " + "; ".join(ownership.described_as(p) for p in owned.others) + ".",
            field="identity_pool_name", identity_pool_ids=tuple(p["IdentityPoolId"] for p in owned.others),
            fix="Give the Identity Pool ID of yours (--identity-pool-id, or the roster's column), or create your "
                "own with a name of its own (02's Identity pool name; wildrydes-nb identity-pool "
                "--identity-pool-name).")
    raise NotFoundError(f"there is no identity pool called {where}.", field="identity_pool_name",
                        fix="Create it first: 02's 'Create identity pool' button, or 'wildrydes-nb identity-pool'.")


@_in_one_line
def verify(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None, proof: bool = True,
           progress=None, session_for: SessionFor | None = None, missing_pool_fails: bool = False):
    """The checklist (and sign-in proof) of the learner's identity pool; the calls made are in its ``calls``.

    With ``missing_pool_fails`` (grading), having no pool of one's own is a failed check in the
    report, beside the prerequisites; otherwise it is the error it is (the command line's exit 2)."""
    from .verify import verify as _verify
    from .verify import without_pool

    step, found = step_input(given, scratchpad, profile)
    session = _sessions(profile, session_for)(step.region)
    with recording(session) as log:
        try:
            pool_id = which_identity_pool(session, step, found, scratchpad)
        except (NotFoundError, NotYoursError) as missing:
            if not missing_pool_fails:
                raise
            report = without_pool(session, step, missing)
        else:
            report = _verify(session, step, pool_id, proof=parse_bool(proof, "proof"), progress=progress)
    report.calls = log.to_list()
    return report


@dataclass
class PoolCheck:
    """What :func:`check_my_pool` found: the pool, whether its id was saved to the scratchpad and
    why (or why not), and the checklist."""

    identity_pool_id: str
    saved: bool
    note: str
    report: object


@_in_one_line
def check_my_pool(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None, proof: bool = True,
                  progress=None, session_for: SessionFor | None = None) -> PoolCheck:
    """Find the learner's identity pool made elsewhere (today's console), save its id, verify it.

    Nothing is changed in the pool or IAM (the sign-in proof, when asked, makes a test user and
    deletes it, as :func:`verify` does). The pool is the one :func:`which_identity_pool` means (the
    scratchpad's id; else a pool of the step's name linked to, or made for, the learner's user
    pool; never one of that name alone). Its ids are saved to the scratchpad only when the pool is
    linked to the learner's user pool and app client: a pool linked elsewhere is checked, not adopted.
    """
    from .verify import verify as _verify

    step, found = step_input(given, scratchpad, profile)
    session = _sessions(profile, session_for)(step.region)
    with recording(session) as log:
        pool_id = which_identity_pool(session, step, found, scratchpad)
        pool = ownership.describe_pools(session, [pool_id])[pool_id]
        linked = pool is not None and any(
            p.get("ProviderName") == step.provider_name and p.get("ClientId") == step.app_client_id
            for p in pool.get("CognitoIdentityProviders") or [])
        if linked and scratchpad is not None:
            roles = _identity_pool.attached_roles(session, pool_id).get("Roles") or {}
            scratchpad.update(region=step.region, user_pool_id=step.user_pool_id, app_client_id=step.app_client_id,
                              identity_pool_name=step.identity_pool_name, identity_pool_id=pool_id,
                              identity_pool_user_pool_id=step.user_pool_id,
                              identity_pool_app_client_id=step.app_client_id,
                              authenticated_role_arn=roles.get("authenticated"),
                              unauthenticated_role_arn=roles.get("unauthenticated"))
        report = _verify(session, step, pool_id, proof=parse_bool(proof, "proof"), progress=progress)
    report.calls = log.to_list()
    if pool is None:
        note = f"Your scratchpad names the identity pool {pool_id}, which is gone: nothing was saved."
    elif linked:
        note = (f"Found your identity pool {pool_id}, linked to your user pool {step.user_pool_id} and app client "
                f"{step.app_client_id}" + (": its ids are saved to the scratchpad." if scratchpad is not None
                                             else "."))
    else:
        note = (f"Found the identity pool {pool_id}, but it is not linked to your user pool {step.user_pool_id} and "
                f"app client {step.app_client_id}, so its id was not saved: the checklist says what to fix.")
    return PoolCheck(pool_id, linked and scratchpad is not None, note, report)


@_in_one_line
def cleanup_plan(given: Mapping[str, object], *, scratchpad=None, profile: str | None = None,
                 delete_user_pool: bool = False, session_for: SessionFor | None = None) -> _cleanup.CleanupPlan:
    """What :func:`cleanup` would delete (reads only): only what is provably the learner's.

    Cleanup may be pointed at another region than the scratchpad's (a stale pool left there):
    the region follows what is given, and the scratchpad's ids count only there. An empty User
    Pool ID is fine (no test users are looked for), unless the user pool is to be deleted.
    """
    found = values(given, scratchpad, profile)
    region = check_region(found["region"])
    user_pool_id = found["user_pool_id"] or None
    if user_pool_id:
        check_user_pool_id(user_pool_id, region)
    elif parse_bool(delete_user_pool, "delete_user_pool"):
        raise InputError(f"there is no User Pool ID for {region} to delete.", field="user_pool_id",
                         fix="Give it with --user-pool-id (or in the form's User Pool ID).")
    name = check_identity_pool_name(found["identity_pool_name"])
    if found["identity_pool_id"]:
        check_identity_pool_id(found["identity_pool_id"], region)
    session = _sessions(profile, session_for)(region)
    return _cleanup.plan_cleanup(session, identity_pool_name=name, user_pool_id=user_pool_id,
                                 given_id=_given_id(found), saved_id=_saved_id(found),
                                 saved_for=_saved_for(found, scratchpad),
                                 delete_user_pool=parse_bool(delete_user_pool, "delete_user_pool"))


@_in_one_line
def cleanup(targets: _cleanup.CleanupPlan, *, scratchpad=None, profile: str | None = None,
            session_for: SessionFor | None = None) -> _cleanup.CleanupReport:
    """Delete exactly the ``targets`` a :func:`cleanup_plan` listed, then forget their ids in the scratchpad."""
    report = _cleanup.cleanup(_sessions(profile, session_for)(targets.region), targets)
    if scratchpad is not None:
        _cleanup.forget(scratchpad, targets, report)
    return report
