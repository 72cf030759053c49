"""The step itself: plan and ensure the identity pool, its authenticated role and their link."""

from __future__ import annotations

import contextlib
import datetime
import functools
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from . import listing, locks, ownership, roles
from .aws import calling, client, service_model, unless_missing
from .calls import Call
from .errors import (BusyError, InputError, NotFoundError, NotYoursError, RelinkError,
                     RoleInUseError, WildrydesError)
from .inputs import StepInput, region_of
from .ownership import CREATED_AT_TAG, OWNER_TAG, RUN_TAG
from .parallel import attempt, in_parallel
from .user_pool import describe_app_client

# The stages a learner sees, in order; ``progress(stage, state, detail)`` reports on them.
STAGES = ("input", "identity pool", "authenticated role", "unauthenticated role",
          "roles attached", "scratchpad")
Progress = Callable[[str, str, str], None]

# How long a run whose CreateIdentityPool got no answer (a slow network) looks for the pool its
# request may still have made, before it gives up; it never sends a second create (seconds).
STALLED_CREATE_WAIT = 30.0
# How long a run waits for another run on this machine working on the same pool (seconds).
LOCK_WAIT = 120.0
# In a plan's calls, what AWS tells only once the pool exists, and the moment of the call.
NEW_IDENTITY_POOL_ID = "<IdentityPoolId of the new pool>"
AT_THE_TIME = "<the time of the call, UTC>"


def role_arn_placeholder(role_name: str) -> str:
    """What stands, in a plan's calls, for the ARN of a role not created yet."""
    return f"<Arn of {role_name}>"


@dataclass(frozen=True)
class Action:
    """One write the plan needs: ``stage`` it belongs to and what it does, in words."""

    stage: str
    kind: str  # create_pool | update_pool | relink_pool | create_role | repair_trust | set_roles
    detail: str
    role_kind: str | None = None
    role_name: str | None = None


@dataclass
class Observed:
    """What exists now: the pool (described), the roles by kind, the roles attached to the pool.

    ``role_names`` says which role each kind means: the one attached to the pool when it exists
    in IAM (today's console lets the learner name it), else ``Cognito_<name>Auth_Role``.
    """

    pool: dict | None
    roles: dict[str, dict | None]
    attached: dict = field(default_factory=dict)  # GetIdentityPoolRoles' answer, {} if no pool
    role_names: dict[str, str] = field(default_factory=dict)
    owned: ownership.Ownership = field(default_factory=lambda: ownership.Ownership(None))


@dataclass
class Plan:
    """The writes that would make AWS match the step; empty when all is already right."""

    step: StepInput
    observed: Observed
    actions: list[Action]

    @property
    def identity_pool_id(self) -> str | None:
        return self.observed.pool["IdentityPoolId"] if self.observed.pool else None

    @property
    def up_to_date(self) -> bool:
        return not self.actions

    @property
    def kept(self) -> list[str]:
        """The roles that exist and are already right, so the plan keeps them as they are."""
        changed = {a.role_kind for a in self.actions}
        return [f"{kind} role {self.observed.role_names[kind]}: already right, kept"
                for kind, role in self.observed.roles.items() if role and kind not in changed]

    def role_trust_policy(self, kind: str) -> dict:
        """The trust policy the ``kind`` role has once the plan is carried out."""
        return roles.trust_policy(self.identity_pool_id or NEW_IDENTITY_POOL_ID, kind)

    def calls(self) -> list[Call]:
        """The write calls :func:`ensure` makes for this plan, in order (it makes them from
        :func:`action_call` too); ``<...>`` stands for what AWS tells only once made."""
        role_arns = {k: r["Arn"] for k, r in self.observed.roles.items() if r}
        return [action_call(a, self.step, self.observed.pool, role_arns, self.observed.role_names, AT_THE_TIME)
                for a in self.actions]

    @property
    def left_alone(self) -> list[str]:
        """The other pools of the name that the plan leaves as they are, and why, one line each."""
        owned = self.observed.owned
        lines = [f"also yours, left by an earlier run: {ownership.described_as(p)}; kept as it is "
                 "(cleanup deletes it when you confirm)" for p in owned.extra]
        lines += [f"not yours, left alone: {ownership.described_as(p)}" for p in owned.others
                  if p["IdentityPoolId"] != self.identity_pool_id]
        return lines

    def to_text(self) -> str:
        owned = self.observed.owned
        whose = [f"identity pool {self.identity_pool_id} is yours: {owned.why}"] if owned.pool else []
        if not self.actions:
            return "\n".join([f"Nothing to do: '{self.step.identity_pool_name}' ({self.identity_pool_id}) is "
                              "already right."] + [f"- {line}" for line in whose + self.left_alone])
        return "\n".join([f"- {a.detail}" for a in self.actions]
                         + [f"- {line}" for line in whose + self.kept + self.left_alone])


@dataclass(frozen=True)
class Result:
    """The ids a successful :func:`ensure` leaves behind, and what it wrote."""

    region: str
    user_pool_id: str
    app_client_id: str
    identity_pool_name: str
    identity_pool_id: str
    authenticated_role_arn: str
    unauthenticated_role_arn: str | None
    actions: tuple[Action, ...]

    @property
    def changes(self) -> list[str]:
        """What this run wrote in AWS, one line each (empty: nothing was changed)."""
        return [action.detail for action in self.actions]

    def scratchpad_values(self) -> dict[str, str | None]:
        """The values the workshop asks the learner to keep, by scratchpad key."""
        return {"region": self.region, "user_pool_id": self.user_pool_id,
                "app_client_id": self.app_client_id, "identity_pool_name": self.identity_pool_name,
                "identity_pool_id": self.identity_pool_id,
                "authenticated_role_arn": self.authenticated_role_arn,
                "unauthenticated_role_arn": self.unauthenticated_role_arn}


def desired_providers(step: StepInput) -> list[dict]:
    """The only Cognito provider the pool should have: this user pool and this app client."""
    return [{"ProviderName": step.provider_name, "ClientId": step.app_client_id,
             "ServerSideTokenCheck": False}]


def find_identity_pools(session, name: str) -> list[str]:
    """Ids of the identity pools called ``name`` (Cognito allows duplicates): whoever made them."""
    known = listing.known(client(session, "cognito-identity").meta.region_name, name)  # batch: the class's listing
    return known if known is not None else ownership.list_pool_ids(session, name)


def pool_exists(session, identity_pool_id: str) -> bool:
    """Whether the identity pool exists, asked in the region its id starts with."""
    region = region_of(identity_pool_id)
    if region is None:  # not an identity pool id (e.g. a hand-written trust): no pool can match
        return False
    identity = client(session, "cognito-identity", region)
    return unless_missing(f"read the identity pool {identity_pool_id}",
                          lambda: identity.describe_identity_pool(IdentityPoolId=identity_pool_id))


def live_other_pools(session, role: dict, keep: set[str]) -> list[str]:
    """The identity pools, other than those in ``keep``, that ``role`` trusts and that still exist.

    IAM role names are account-wide and identity pools regional: the same pool name in two
    regions wants the same role, and the role must not be taken from a pool still using it.
    """
    return [pool_id for pool_id in roles.trusted_pools(role["AssumeRolePolicyDocument"])
            if pool_id not in keep and pool_exists(session, pool_id)]


def oldest(pools: list[dict]) -> str:
    """The id of the pool every racing run keeps (:func:`.ownership.oldest`)."""
    return ownership.oldest(pools)["IdentityPoolId"]


def _keeper(session, step: StepInput, mine: dict) -> str:
    """Which pool to keep right after creating ``mine``: list the pools of that name again, now
    (never from a listing taken before: the learner may have made one meanwhile), and take the
    :func:`oldest` of the learner's (another run's, or one made in the console at the same time)."""
    others = [pool_id for pool_id in ownership.list_pool_ids(session, mine["IdentityPoolName"])
              if pool_id != mine["IdentityPoolId"]]
    described = [p for p in ownership.describe_pools(session, others).values() if p is not None]
    learners = [p for p in described if ownership.proof_of_ownership(p, step.user_pool_id)]
    return oldest([mine, *learners])


def lock_path(session, step: StepInput) -> Path | None:
    """The lock file of this account, region and pool name on this machine (``None``: no lock folder).

    The account is told by the endpoint URL and the access key id, which needs no AWS call.
    """
    folder = locks.lock_folder()
    if folder is None:
        return None
    with calling("read the AWS credentials"):
        credentials = session.get_credentials()
    key = "\n".join([client(session, "cognito-identity").meta.endpoint_url,
                     credentials.access_key if credentials else "", step.region, step.identity_pool_name])
    return folder / f"identity-pool-{hashlib.sha256(key.encode()).hexdigest()[:20]}.lock"


@contextlib.contextmanager
def identity_pool_lock(session, step: StepInput, waiting: Callable[[str], None]) -> Iterator[None]:
    """Let one run at a time on this machine create or repair this pool; ``waiting(text)`` is
    told when another run holds it. Raises :class:`BusyError` after :data:`LOCK_WAIT` seconds."""
    path = lock_path(session, step)
    if path is None:
        yield
        return
    where = f"'{step.identity_pool_name}' in {step.region}"
    held = locks.acquire(
        path, wait=LOCK_WAIT,
        waiting=lambda: waiting(f"waiting for another run on this machine that is creating or repairing {where}"),
        refused=lambda: BusyError(f"another run on this machine has been creating or repairing the identity pool "
                                  f"{where} for over {LOCK_WAIT:g} s.", field="identity_pool_name",
                                  fix="Wait for that run (another notebook, terminal or batch learner) to finish, "
                                      "then run this again."))
    try:
        yield
    finally:
        held.release()


def describe(session, identity_pool_id: str) -> dict:
    """DescribeIdentityPool, with a clear message when the pool does not exist."""
    identity = client(session, "cognito-identity")
    with calling("read the identity pool"):
        try:
            pool = identity.describe_identity_pool(IdentityPoolId=identity_pool_id)
        except identity.exceptions.ResourceNotFoundException:
            raise NotFoundError(f"IdentityPool '{identity_pool_id}' not found in {identity.meta.region_name}.",
                                field="identity_pool_id",
                                fix="Check the region, or create the pool again (it may have been deleted).") from None
    pool.pop("ResponseMetadata", None)
    return pool


def attached_roles(session, identity_pool_id: str) -> dict:
    """GetIdentityPoolRoles without the response metadata."""
    identity = client(session, "cognito-identity")
    with calling("read the identity pool's roles"):
        answer = identity.get_identity_pool_roles(IdentityPoolId=identity_pool_id)
    answer.pop("ResponseMetadata", None)
    return answer


def wanted_role_kinds(step: StepInput) -> tuple[str, ...]:
    return (roles.AUTHENTICATED, roles.UNAUTHENTICATED) if step.allow_unauthenticated else (roles.AUTHENTICATED,)


def observe(session, step: StepInput, identity_pool_id: str | None = None, *, saved_id: str | None = None,
            relink: bool = False) -> Observed:
    """Read what exists for this step (reads only): the learner's pool by :func:`.ownership.find`
    (``identity_pool_id`` is the learner's word, ``saved_id`` the scratchpad's), or, with
    ``relink``, the one pool of that name that is not provably theirs.

    Reads that need nothing from each other go at once: the pools of that name beside the roles
    by their console names, then the roles attached to the pool. An error is the one a run of the
    reads one after another would have met first.
    """
    kinds = wanted_role_kinds(step)
    default_names = {kind: roles.role_name(step.identity_pool_name, kind) for kind in kinds}
    owned, *by_default_name = in_parallel(
        lambda: ownership.find(session, step.identity_pool_name, step.user_pool_id, given_id=identity_pool_id,
                               saved_id=saved_id, named=find_identity_pools(session, step.identity_pool_name)),
        *(functools.partial(attempt, functools.partial(roles.get_role, session, name))
          for name in default_names.values()))
    pool = owned.pool
    if pool is None and relink and len(owned.others) == 1:
        pool = owned.others[0]  # the learner's word: that pool is theirs, to be re-linked
    if pool is not None and pool.get("IdentityPoolName") != step.identity_pool_name:
        raise InputError(f"the identity pool {pool['IdentityPoolId']} is called '{pool.get('IdentityPoolName')}', "
                         f"not '{step.identity_pool_name}'.", field="identity_pool_name",
                         fix=f"Give the name '{pool.get('IdentityPoolName')}', or leave the Identity Pool ID out.")
    attached = attached_roles(session, pool["IdentityPoolId"]) if pool else {}
    # The roles attached under other names than the console's (today's console lets the learner name them).
    attached_names = {kind: roles.name_from_arn(arn) for kind, arn in attached.get("Roles", {}).items()
                      if kind in kinds}
    others = list(dict.fromkeys(n for n in attached_names.values() if n not in default_names.values()))
    by_other_name = dict(zip(others, in_parallel(*(functools.partial(roles.get_role, session, n) for n in others))))
    found_roles, names = {}, {}
    for kind, (by_default, error) in zip(kinds, by_default_name):
        role = by_other_name.get(attached_names.get(kind))
        if role is None:  # none attached, the console's name, or the attached one was deleted from IAM
            if error is not None:
                raise error
            role = by_default
        found_roles[kind] = role
        names[kind] = role["RoleName"] if role else default_names[kind]
    return Observed(pool, found_roles, attached, names, owned)


def relinks(step: StepInput, pool: dict | None) -> list[str]:
    """The user pools ``pool`` is linked to, when pointing it at the step's user pool is a re-link
    (it names user pools, none of them the step's); ``[]`` when it is a repair or nothing."""
    linked = ownership.user_pools_of(pool) if pool else []
    return [] if not linked or step.user_pool_id in linked else linked


def diff(step: StepInput, observed: Observed) -> list[Action]:
    """The writes that take ``observed`` to what ``step`` asks for, in the order to make them."""
    actions = []
    pool = observed.pool
    name = step.identity_pool_name
    if pool is None:
        actions.append(Action("identity pool", "create_pool",
                              f"create identity pool '{name}' for {step.provider_name} "
                              f"(app client {step.app_client_id}), unauthenticated identities "
                              f"{'on' if step.allow_unauthenticated else 'off'}"))
    else:
        changes = []
        moved = relinks(step, pool)
        if pool.get("CognitoIdentityProviders", []) != desired_providers(step) and not moved:
            changes.append(f"provider → {step.provider_name} / {step.app_client_id}")
        if bool(pool.get("AllowUnauthenticatedIdentities")) != step.allow_unauthenticated:
            changes.append(f"unauthenticated identities → {'on' if step.allow_unauthenticated else 'off'}")
        if pool.get("AllowClassicFlow"):
            changes.append("basic (classic) flow → off (the web app uses the enhanced flow)")
        if moved:
            actions.append(Action("identity pool", "relink_pool",
                                  f"re-link identity pool {pool['IdentityPoolId']} from user pool {', '.join(moved)} "
                                  f"to user pool {step.user_pool_id} (app client {step.app_client_id})"
                                  + "".join(f"; {change}" for change in changes)))
        elif changes:
            actions.append(Action("identity pool", "update_pool",
                                  f"update identity pool {pool['IdentityPoolId']}: {'; '.join(changes)}"))
    pool_id = pool["IdentityPoolId"] if pool else "the new pool"
    for kind, role in observed.roles.items():
        stage = f"{kind} role"
        role_name = observed.role_names[kind]
        if role is None:
            actions.append(Action(stage, "create_role", f"create IAM role {role_name} trusted by {pool_id} "
                                                        f"for {kind} identities", kind, role_name))
            continue
        # A role left over from an earlier pool of the same name trusts that pool: re-scope it.
        problems = (roles.trust_problems(role["AssumeRolePolicyDocument"], pool_id, kind) if pool
                    else {"aud": "the pool is new"})
        if problems:
            actions.append(Action(stage, "repair_trust", f"rewrite the trust policy of {role_name} to trust "
                                                         f"{pool_id} ({'; '.join(problems.values())})",
                                  kind, role_name))
    if pool is None or _role_map_drifts(observed):
        actions.append(Action("roles attached", "set_roles",
                              "attach " + " and ".join(f"{observed.role_names[k]} as {k}" for k in observed.roles)
                              + f" to {pool_id}"))
    return actions


def _role_map_drifts(observed: Observed) -> bool:
    attached = observed.attached.get("Roles", {})
    wanted = {kind: role["Arn"] for kind, role in observed.roles.items() if role}
    return attached != wanted or len(wanted) != len(observed.roles)


def check_prerequisites(session, step: StepInput) -> None:
    """The user pool exists in the region and the app client belongs to it (reads only)."""
    describe_app_client(session, step.user_pool_id, step.app_client_id)


def plan(session, step: StepInput, *, identity_pool_id: str | None = None, saved_id: str | None = None,
         relink: bool = False) -> Plan:
    """What :func:`ensure` would write, without writing anything, for the learner's pool
    (:func:`.ownership.find`: ``identity_pool_id`` given, ``saved_id`` from the scratchpad).

    Raises, with nothing written: :class:`NotYoursError` when pools of that name exist and none
    is provably the learner's; :class:`RelinkError` when the learner's pool is linked to another
    user pool and ``relink`` was not asked for; :class:`RoleInUseError` when it would re-point a
    role that another identity pool, one that still exists, trusts.
    """
    for service in ("cognito-idp", "cognito-identity", "iam"):
        client(session, service)  # made here, once: the reads below share clients, never the session
    # The prerequisites beside what exists: one round trip; the prerequisites' error comes first.
    (_, prerequisite_error), (observed, observe_error) = in_parallel(
        lambda: attempt(lambda: check_prerequisites(session, step)),
        lambda: attempt(lambda: observe(session, step, identity_pool_id, saved_id=saved_id, relink=relink)))
    if prerequisite_error is not None or observe_error is not None:
        raise prerequisite_error or observe_error
    return _plan(session, step, observed, relink)


# The ways out when a pool is not provably the learner's, as every driver offers them.
RELINK_HOW = ("re-link it: --relink on the command line, the form's Re-link button, or relink=True as a "
              "notebook parameter")
OWN_NAME_HOW = ("give your pool a name of its own (--identity-pool-name, or the form's Identity pool name): "
                "IAM role names are account-wide, so two people's pools cannot share one name")


def _plan(session, step: StepInput, observed: Observed, relink: bool = False) -> Plan:
    owned = observed.owned
    where = f"'{step.identity_pool_name}' in {step.region}"
    if observed.pool is None and len(owned.others) > 1:
        raise NotYoursError(
            f"{len(owned.others)} identity pools are called {where}, and none is provably yours (linked to user "
            f"pool {step.user_pool_id}, or in your scratchpad): "
            + "; ".join(ownership.described_as(p) for p in owned.others) + ". Nothing was changed.",
            field="identity_pool_name", identity_pool_ids=tuple(p["IdentityPoolId"] for p in owned.others),
            fix=f"To make your own, {OWN_NAME_HOW}. If one of them is yours, give its Identity Pool ID "
                "(--identity-pool-id) and re-link it (--relink).")
    if observed.pool is None and owned.others:
        other = owned.others[0]
        raise RelinkError(
            f"the identity pool called {where} is not provably yours: {ownership.described_as(other)}. "
            "Nothing was changed.", field="identity_pool_name", identity_pool_id=other["IdentityPoolId"],
            from_user_pools=tuple(ownership.user_pools_of(other)), to_user_pool=step.user_pool_id,
            fix=f"To make your own, {OWN_NAME_HOW}. Only if that pool really is yours, {RELINK_HOW}.")
    moved = relinks(step, observed.pool)
    if moved and not relink:
        pool_id = observed.pool["IdentityPoolId"]
        why = f" ({owned.why})" if owned.pool else ""
        raise RelinkError(
            f"the identity pool {pool_id}{why} is linked to user pool {', '.join(moved)}, not to user pool "
            f"{step.user_pool_id}: pointing it at {step.user_pool_id} is a re-link, and the web app of "
            f"{', '.join(moved)} would stop working with it. Nothing was changed.", field="identity_pool_name",
            identity_pool_id=pool_id, from_user_pools=tuple(moved), to_user_pool=step.user_pool_id,
            fix=f"If you mean to move it to user pool {step.user_pool_id}, {RELINK_HOW}. To keep it as it is, "
                f"{OWN_NAME_HOW}.")
    actions = diff(step, observed)
    for action in actions:
        if action.kind == "repair_trust":
            _refuse_to_take_over(session, step, observed.pool["IdentityPoolId"] if observed.pool else None,
                                 observed.roles[action.role_kind], action.role_name)
    return Plan(step, observed, actions)


def _refuse_to_take_over(session, step: StepInput, this: str | None, role: dict, role_name: str) -> None:
    others = live_other_pools(session, role, {this})
    if not others:
        return  # the pools it trusts are gone: re-pointing it takes nothing from anyone
    other = others[0]
    here = f"{this} ({step.region})" if this else f"the new pool '{step.identity_pool_name}' in {step.region}"
    if region_of(other) == step.region:
        # Two pools of one name in one region: another learner's, or one made at the same moment.
        raise RoleInUseError(
            f"the IAM role {role_name} is trusted by another identity pool in {step.region}, {other}, which "
            f"still exists; pointing the role at {here} would take it from that pool. IAM role names are "
            "account-wide: two pools of one name want the same role.", field="identity_pool_name",
            fix=f"Give this identity pool a name of its own (--identity-pool-name, or the form's Identity pool "
                f"name), then run this again. {other} is left as it is.")
    raise RoleInUseError(
        f"the IAM role {role_name} is trusted by the identity pool {other} (region {region_of(other)}), "
        f"which still exists; pointing the role at {here} would take it from that pool. IAM role names "
        "are account-wide, identity pools regional: the same pool name in two regions wants the same role.",
        field="identity_pool_name",
        fix=f"Give this identity pool another name. Only if the pool in {region_of(other)} is yours and "
            f"no longer used, delete it (wildrydes-nb cleanup --region {region_of(other)} --identity-pool-id "
            f"{other}) and run this again.")


def ensure(session, step: StepInput, *, scratchpad=None, progress: Progress | None = None,
           identity_pool_id: str | None = None, relink: bool = False,
           stalled_create_wait: float = STALLED_CREATE_WAIT) -> Result:
    """Create or repair the learner's identity pool, its role(s) and their link; idempotent and convergent.

    The pool is the learner's by :func:`.ownership.find`: ``identity_pool_id`` (their word), the
    scratchpad's id, or one of that name linked to (or made for) their user pool. A pool linked to
    another user pool is re-linked only with ``relink``; pools of the name that are not provably
    theirs are never changed (see :func:`plan`). Makes no write call when everything is already
    right. When ``scratchpad`` is given the resulting ids are saved to it. ``progress(stage,
    state, detail)`` is told ``running``, ``done`` or ``failed`` for each of :data:`STAGES`.

    Never two pools for one learner: on one machine a second run waits for the first
    (:func:`identity_pool_lock`); CreateIdentityPool is sent once, never retried, and when its
    answer is lost the run looks for the pool its request made (by a tag unique to the run) for
    up to ``stalled_create_wait`` seconds before it gives up; right after creating, a run that
    finds an older pool of the learner's deletes its own and carries on with that one.
    """
    report = progress or (lambda *_: None)
    stage, state = "input", None
    try:
        report(stage, "running", "checking the user pool and app client")
        with identity_pool_lock(session, step, lambda waiting: report("input", "running", waiting)):
            current = plan(session, step, identity_pool_id=identity_pool_id,
                           saved_id=saved_identity_pool_id(scratchpad, step), relink=relink)
            report(stage, "done", "; ".join(step.notes) or "user pool and app client found")
            state = _Applying(session, step, current.observed, stalled_create_wait)
            for stage in STAGES[1:-1]:
                mine = [a for a in current.actions if a.stage == stage]
                if stage == "unauthenticated role" and not step.allow_unauthenticated:
                    report(stage, "skipped", _unauthenticated_off(current.observed))
                    continue
                report(stage, "running", "; ".join(a.detail for a in mine) or "checking")
                for action in mine:
                    state.apply(action)
                while state.kept_instead:  # another run made the pool at the same moment: go on with its
                    current, state = _join(session, step, state)
                    joined = [a for a in current.actions if a.stage == stage]
                    for action in joined:
                        state.apply(action)
                    mine += joined
                report(stage, "done", state.describe(stage, mine))
            result = state.result()
        stage = "scratchpad"
        if scratchpad is not None:
            report(stage, "running", f"saving to {scratchpad.path}")
            scratchpad.update(**result.scratchpad_values())
            report(stage, "done", f"saved to {scratchpad.path}")
        else:
            report(stage, "skipped", "no scratchpad given")
        return result
    except Exception as err:
        if isinstance(err, WildrydesError) and state is not None and state.applied:
            err.problem += f" Already done before this: {state.done_text()}; running again continues from there."
        report(stage, "failed", str(err))
        raise


def _unauthenticated_off(observed: Observed) -> str:
    """The unauthenticated stage when they are off: and what happens to a role attached before."""
    arn = observed.attached.get("Roles", {}).get(roles.UNAUTHENTICATED)
    if not arn:
        return "unauthenticated identities are off"
    return (f"unauthenticated identities are off, so the role {roles.name_from_arn(arn)} is detached from the "
            "pool (it stays in IAM, unused; cleanup deletes it)")


def saved_identity_pool_id(scratchpad, step: StepInput) -> str | None:
    """The scratchpad's Identity Pool ID for this step: saved in the step's region, with its name."""
    if scratchpad is None:
        return None
    from .resolve import resolve  # resolve imports this module

    saved = resolve({"region": step.region, "identity_pool_name": step.identity_pool_name}, scratchpad.read())
    return saved["identity_pool_id"] or None


def _join(session, step: StepInput, lost: _Applying) -> tuple[Plan, _Applying]:
    """Plan again for the pool another run kept, carrying over what this run did."""
    current = _plan(session, step, observe(session, step, lost.kept_instead))
    state = _Applying(session, step, current.observed, lost.stalled_create_wait)
    state.applied, state.done_as = lost.applied, lost.done_as
    return current, state


_DONE = {"create_pool": "created", "update_pool": "updated", "relink_pool": "re-linked", "create_role": "created",
         "repair_trust": "trust policy rewritten", "set_roles": "attached"}
_SAME_MOMENT = "made at the same moment by another run"


class _Applying:
    """Carries the pool id and role ARNs through the writes of one :func:`ensure`."""

    def __init__(self, session, step: StepInput, observed: Observed, stalled_create_wait: float):
        self.session, self.step = session, step
        self.stalled_create_wait = stalled_create_wait
        self.run_id = secrets.token_hex(8)  # tags the pool this run creates, to find it if the answer is lost
        self.pool = observed.pool
        self.role_arns = {k: r["Arn"] for k, r in observed.roles.items() if r}
        self.role_names = observed.role_names
        self.applied: list[Action] = []
        self.done_as: dict[Action, str] = {}  # what an action came to when it was not a plain _DONE
        self.kept_instead: str | None = None  # the pool another run made, when this run's was deleted

    @property
    def pool_id(self) -> str:
        return self.pool["IdentityPoolId"]

    def apply(self, action: Action) -> None:
        getattr(self, action.kind)(action)
        self.applied.append(action)

    def done_text(self) -> str:
        """What this run wrote so far, with the ids a learner would look for."""
        said = []
        for action in self.applied:
            done = self.done_as.get(action, _DONE[action.kind])
            if action.stage == "identity pool":
                said.append(f"identity pool {self.pool_id} {done}")
            elif action.role_name:
                said.append(f"IAM role {action.role_name}: {done}")
            else:
                said.append(f"roles {done}")
        return ", ".join(said)

    def call(self, action: Action) -> Call:
        """The call for ``action`` now, from the same function as the plan's (roles.py's for roles)."""
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return action_call(action, self.step, self.pool, self.role_arns, self.role_names, now, self.run_id)

    def create_pool(self, action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("create the identity pool"):
            try:
                self.pool = identity.create_identity_pool(**self.call(action).params)
            except (ReadTimeoutError, ConnectionClosedError):
                # Sent, and maybe done by AWS: find what this run's request made; never send it twice.
                self.pool = self._made_by_this_run()
        listing.created(identity.meta.region_name, self.pool["IdentityPoolName"], self.pool["IdentityPoolId"])
        keeper = _keeper(self.session, self.step, self.pool)
        if keeper != self.pool_id:  # only the pool this run made is ever deleted here
            delete_identity_pool(self.session, self.pool_id)
            self.done_as[action] = f"{_SAME_MOMENT}; this run's own pool {self.pool_id} was deleted"
            self.kept_instead = keeper

    def _made_by_this_run(self) -> dict:
        """The pool this run's CreateIdentityPool made though its answer was lost: listed again,
        every second or two, for up to ``stalled_create_wait`` seconds. Of several, the oldest is
        kept and the rest, this run's own, are deleted."""
        deadline = time.monotonic() + self.stalled_create_wait
        while True:
            named = ownership.list_pool_ids(self.session, self.step.identity_pool_name)
            ours = [p for p in ownership.describe_pools(self.session, named).values()
                    if p is not None and ownership.tags_of(p).get(RUN_TAG) == self.run_id]
            if ours:
                kept = ownership.oldest(ours)
                for extra in ours:
                    if extra is not kept:
                        delete_identity_pool(self.session, extra["IdentityPoolId"])
                return kept
            if time.monotonic() >= deadline:
                raise WildrydesError(
                    f"AWS did not answer the request to create the identity pool '{self.step.identity_pool_name}', "
                    f"and no pool made by it appeared within {self.stalled_create_wait:g} s.",
                    field="identity_pool_name",
                    fix="Check your network, then run this again: it finds a pool that request made later (by "
                        "its link to your user pool) instead of creating a second one.")
            time.sleep(min(2.0, max(0.2, deadline - time.monotonic())))

    def update_pool(self, action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("update the identity pool"):
            self.pool = identity.update_identity_pool(**self.call(action).params)

    relink_pool = update_pool  # the same call; only the learner's word made it allowed

    def create_role(self, action: Action) -> None:
        arn = roles.create_role(self.session, action.role_name, self.pool_id, action.role_kind)
        self.role_arns[action.role_kind] = arn or self._adopt_role(action)

    def _adopt_role(self, action: Action) -> str:
        """Another run created the role between this run's look and its create: use it, re-trusted
        if need be, unless it is trusted by another identity pool that still exists."""
        role = roles.get_role(self.session, action.role_name)
        if role is None:
            raise WildrydesError(f"another run created the IAM role {action.role_name} at the same moment, "
                                 "and it is already gone again.", field="identity_pool_name",
                                 fix="Run this again once the other run is done; it continues from what exists.")
        if roles.trust_problems(role["AssumeRolePolicyDocument"], self.pool_id, action.role_kind):
            _refuse_to_take_over(self.session, self.step, self.pool_id, role, action.role_name)
            roles.repair_trust(self.session, action.role_name, self.pool_id, action.role_kind)
            self.done_as[action] = f"{_SAME_MOMENT}; trust policy rewritten"
        else:
            self.done_as[action] = f"{_SAME_MOMENT}; its trust is already right"
        return role["Arn"]

    def repair_trust(self, action: Action) -> None:
        roles.repair_trust(self.session, action.role_name, self.pool_id, action.role_kind)

    def set_roles(self, action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("attach the roles to the identity pool"):
            identity.set_identity_pool_roles(**self.call(action).params)

    def describe(self, stage: str, applied: list[Action]) -> str:
        """One line on a finished stage: what it is now, and what this run did to it."""
        verb = ", ".join(self.done_as.get(a, _DONE[a.kind]) for a in applied) or "already right"
        if stage == "identity pool":
            return f"{self.pool_id} ({verb})"
        if stage.endswith(" role"):
            return f"{self.role_arns.get(stage.split()[0], '')} ({verb})"
        kinds = " and ".join(f"{kind} role" for kind in self.role_arns)
        return f"{kinds} attached to the pool" + ("" if applied else " (already right)")

    def result(self) -> Result:
        s = self.step
        return Result(s.region, s.user_pool_id, s.app_client_id, s.identity_pool_name, self.pool_id,
                      self.role_arns[roles.AUTHENTICATED], self.role_arns.get(roles.UNAUTHENTICATED),
                      tuple(self.applied))


def create_pool_request(step: StepInput, created_at: str, run_id: str = "<unique to each run>") -> dict:
    """CreateIdentityPool's parameters: the step's settings, tagged as made by this package at
    ``created_at`` for the step's user pool, by the run ``run_id``."""
    return {"IdentityPoolName": step.identity_pool_name, "AllowUnauthenticatedIdentities": step.allow_unauthenticated,
            "CognitoIdentityProviders": desired_providers(step),
            "IdentityPoolTags": {roles.MANAGED_TAG["Key"]: roles.MANAGED_TAG["Value"], CREATED_AT_TAG: created_at,
                                 OWNER_TAG: step.user_pool_id, RUN_TAG: run_id}}


def action_call(action: Action, step: StepInput, pool: dict | None, role_arns: dict[str, str],
                role_names: dict[str, str], created_at: str, run_id: str = "<unique to each run>") -> Call:
    """The AWS call that carries out ``action``: what a plan shows and what :func:`ensure` sends.

    ``pool`` is the pool as it is (``None`` before it is created), ``role_arns`` the ARNs known
    so far by role kind, ``role_names`` the name of each wanted role.
    """
    pool_id = pool["IdentityPoolId"] if pool else NEW_IDENTITY_POOL_ID
    if action.kind == "create_pool":
        return Call("cognito-identity", "CreateIdentityPool", create_pool_request(step, created_at, run_id),
                    step.region)
    if action.kind in ("update_pool", "relink_pool"):
        return Call("cognito-identity", "UpdateIdentityPool", update_request(pool, step), step.region)
    if action.kind == "create_role":
        return Call("iam", "CreateRole", roles.create_role_request(action.role_name, pool_id, action.role_kind),
                    step.region)
    if action.kind == "repair_trust":
        return Call("iam", "UpdateAssumeRolePolicy",
                    roles.repair_trust_request(action.role_name, pool_id, action.role_kind), step.region)
    arns = {kind: role_arns.get(kind) or role_arn_placeholder(name) for kind, name in role_names.items()}
    return Call("cognito-identity", "SetIdentityPoolRoles", {"IdentityPoolId": pool_id, "Roles": arns}, step.region)


def _update_members() -> set[str]:
    return set(service_model("cognito-identity").operation_model("UpdateIdentityPool").input_shape.members)


def update_request(pool: dict, step: StepInput) -> dict:
    """UpdateIdentityPool's parameters: the step's settings over everything else the pool has.

    UpdateIdentityPool resets what it is not sent, so the pool's other settings (tags, other
    providers) are carried over as they are, and the classic flow is sent as off explicitly.
    """
    accepted = _update_members()
    request = {k: v for k, v in pool.items() if k in accepted and v not in (None, "")}  # "" cannot be sent
    request.update(IdentityPoolName=step.identity_pool_name, AllowUnauthenticatedIdentities=step.allow_unauthenticated,
                   AllowClassicFlow=False, CognitoIdentityProviders=desired_providers(step))
    if OWNER_TAG in (request.get("IdentityPoolTags") or {}):  # re-linked: the owner tag follows the provider
        request["IdentityPoolTags"] = {**request["IdentityPoolTags"], OWNER_TAG: step.user_pool_id}
    return request


def delete_identity_pool(session, identity_pool_id: str) -> bool:
    """Delete the identity pool; ``False`` if it was already gone."""
    identity = client(session, "cognito-identity")
    deleted = unless_missing("delete the identity pool",
                             lambda: identity.delete_identity_pool(IdentityPoolId=identity_pool_id))
    listing.deleted(identity_pool_id)
    return deleted
