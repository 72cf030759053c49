"""Carry out the identity-pool step: the plan's writes in order, under a lock, converging when runs race.

:func:`ensure` plans (:mod:`.identity_pool`), then applies each action, stage by stage, telling a
``progress`` callback. It is the only module that writes the pool and its roles for the step.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from botocore.exceptions import ConnectionClosedError, ReadTimeoutError

from . import listing, locks, ownership, roles
from .aws import client
from .aws_errors import AWS_FAILURES, calling, unexpected
from .calls import Call
from .errors import AwsAccessError, BusyError, WildrydesError
from .identity_pool import (STAGES, Action, Observed, Plan, Progress, action_call, delete_identity_pool, observe,
                            oldest, plan, plan_for, refuse_to_take_over)
from .inputs import StepInput
from .ownership import RUN_TAG
from .resolve import resolve


# How long a run whose CreateIdentityPool got no answer (a slow network) looks for the pool its
# request may still have made, before it gives up; it never sends a second create (seconds).
STALLED_CREATE_WAIT = 30.0


# How long a run waits for another run on this machine working on the same pool (seconds).
LOCK_WAIT = 120.0


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
        """What this run wrote in AWS, one short line each (empty: nothing was changed)."""
        said = []
        for action in self.actions:
            if action.kind == "create_pool":
                said.append(f"created the identity pool {self.identity_pool_id}")
            elif action.kind in ("update_pool", "relink_pool"):
                said.append(action.detail.replace("update identity pool", "repaired the identity pool", 1)
                            .replace("re-link identity pool", "re-linked the identity pool", 1))
            elif action.kind == "create_role":
                said.append(f"created the {action.role_kind} role {action.role_name}")
            elif action.kind == "repair_trust":
                said.append(f"rewrote the trust policy of {action.role_name}")
            else:
                said.append("attached the role(s) to the pool")
        return said

    def scratchpad_values(self) -> dict[str, str | None]:
        """The values the workshop asks the learner to keep, by scratchpad key."""
        return {"region": self.region, "user_pool_id": self.user_pool_id,
                "app_client_id": self.app_client_id, "identity_pool_name": self.identity_pool_name,
                "identity_pool_id": self.identity_pool_id, "identity_pool_user_pool_id": self.user_pool_id,
                "identity_pool_app_client_id": self.app_client_id,
                "authenticated_role_arn": self.authenticated_role_arn,
                "unauthenticated_role_arn": self.unauthenticated_role_arn}


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
            saved_id, saved_for = saved_identity_pool_id(scratchpad, step)
            current = plan(session, step, identity_pool_id=identity_pool_id, saved_id=saved_id, saved_for=saved_for,
                           relink=relink)
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
        clear = unexpected(err) if isinstance(err, AWS_FAILURES) else err
        if isinstance(clear, WildrydesError) and state is not None and state.applied:
            clear.problem += f" Already done before this: {state.done_text()}; running again continues from there."
        report(stage, "failed", str(clear))
        if clear is err:
            raise
        raise clear from None


def _unauthenticated_off(observed: Observed) -> str:
    """The unauthenticated stage when they are off: and what happens to a role attached before."""
    arn = observed.attached.get("Roles", {}).get(roles.UNAUTHENTICATED)
    if not arn:
        return "unauthenticated identities are off"
    return (f"unauthenticated identities are off, so the role {roles.name_from_arn(arn)} is detached from the "
            "pool (it stays in IAM, unused; cleanup deletes it)")


def saved_identity_pool_id(scratchpad, step: StepInput) -> tuple[str | None, str | None]:
    """The scratchpad's Identity Pool ID for this step (saved in the step's region, with its name),
    and the user pool it was saved for."""
    if scratchpad is None:
        return None, None
    saved = scratchpad.read()
    found = resolve({"region": step.region, "identity_pool_name": step.identity_pool_name}, saved)
    return (found["identity_pool_id"] or None,
            saved.get("identity_pool_user_pool_id") if found["identity_pool_id"] else None)


def _join(session, step: StepInput, lost: _Applying) -> tuple[Plan, _Applying]:
    """Plan again for the pool another run kept, carrying over what this run did."""
    current = plan_for(session, step, observe(session, step, lost.kept_instead))
    state = _Applying(session, step, current.observed, lost.stalled_create_wait)
    state.applied, state.done_as = lost.applied, lost.done_as
    return current, state


_DONE = {"create_pool": "created", "update_pool": "updated", "relink_pool": "re-linked", "create_role": "created",
         "repair_trust": "trust policy rewritten", "set_roles": "attached"}


_SAME_MOMENT = "made at the same moment by another run"

# The permission that tagging at create time needs, and what creating untagged costs the learner.
_TAGGING = {"iam": "iam:TagRole", "cognito-identity": "cognito-identity:TagResource"}
_UNTAGGED_COST = {
    "iam": "cleanup deletes it only while it is attached to your identity pool (the tag is how a detached "
           "one is known to be yours)",
    "cognito-identity": "it is known as yours by your scratchpad and its link to your user pool only; among "
                        "pools made at the same moment the one kept is chosen by its id, not its age",
}


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
        self.untagged: set[str] = set()  # services whose tagging the account refused: their creates go untagged

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
        return action_call(action, self.step, self.pool, self.role_arns, self.role_names, now, self.run_id,
                           frozenset(self.untagged))

    def _tagged_or_not(self, action: Action, service: str, send: Callable[[], object]):
        """``send()``; when the account refuses only the tagging of the create (``iam:TagRole``,
        ``cognito-identity:TagResource``), once more without tags, saying what that costs."""
        try:
            return send()
        except AwsAccessError as err:
            if getattr(err, "denied_action", None) != _TAGGING[service] or service in self.untagged:
                raise
        self.untagged.add(service)
        made = send()
        self.done_as[action] = f"created without tags ({_TAGGING[service]} was refused): {_UNTAGGED_COST[service]}"
        return made

    def create_pool(self, action: Action) -> None:
        identity = client(self.session, "cognito-identity")

        def send():
            with calling("create the identity pool"):
                try:
                    return identity.create_identity_pool(**self.call(action).params)
                except (ReadTimeoutError, ConnectionClosedError):
                    # Sent, and maybe done by AWS: find what this run's request made; never send it twice.
                    return self._made_by_this_run()

        self.pool = self._tagged_or_not(action, "cognito-identity", send)
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
            # Untagged (the account refused tags), the pool is told by its link to the learner's user pool.
            ours = [p for p in ownership.describe_pools(self.session, named).values()
                    if p is not None and (ownership.tags_of(p).get(RUN_TAG) == self.run_id
                                          or "cognito-identity" in self.untagged
                                          and ownership.proof_of_ownership(p, self.step.user_pool_id))]
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
        try:
            arn = self._tagged_or_not(action, "iam", lambda: roles.create_role(self.session, self.call(action).params))
        except AwsAccessError as err:
            made = next((a for a in self.applied if a.kind == "create_pool"), None)
            if made is not None and err.field == "permissions":
                # Never a pool left without its role: the pool this run made goes again.
                delete_identity_pool(self.session, self.pool_id)
                self.applied.remove(made)
                err.problem += (f" The identity pool {self.pool_id} this run had just created was deleted again, "
                                "so no pool is left without its role.")
            raise
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
            refuse_to_take_over(self.session, self.step, self.pool_id, role, action.role_name)
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
