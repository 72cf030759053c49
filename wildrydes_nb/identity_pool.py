"""The step itself: plan and ensure the identity pool, its authenticated role and their link."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import roles
from .aws import calling, client, paginate, unless_missing
from .errors import AmbiguousPoolError, NotFoundError, RoleInUseError, WildrydesError
from .inputs import StepInput, check_identity_pool_id, region_of
from .user_pool import describe_app_client

# The stages a learner sees, in order; ``progress(stage, state, detail)`` reports on them.
STAGES = ("input", "identity pool", "authenticated role", "unauthenticated role",
          "roles attached", "scratchpad")
Progress = Callable[[str, str, str], None]


@dataclass(frozen=True)
class Action:
    """One write the plan needs: ``stage`` it belongs to and what it does, in words."""

    stage: str
    kind: str  # create_pool | update_pool | create_role | repair_trust | set_roles
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

    def to_text(self) -> str:
        if not self.actions:
            return f"Nothing to do: '{self.step.identity_pool_name}' ({self.identity_pool_id}) is already right."
        return "\n".join([f"- {a.detail}" for a in self.actions] + [f"- {line}" for line in self.kept])


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
    """Ids of the identity pools called ``name`` (Cognito allows duplicates)."""
    identity = client(session, "cognito-identity")
    with calling("list identity pools"):
        pools = paginate(identity.list_identity_pools, "IdentityPools", MaxResults=60)
    return [p["IdentityPoolId"] for p in pools if p["IdentityPoolName"] == name]


def resolve_identity_pool_id(session, step: StepInput, *, given: str | None = None,
                             saved: str | None = None) -> str:
    """The identity pool the step refers to: ``given`` if any, else the one pool with the
    step's name, else ``saved`` (e.g. the scratchpad's) when no pool has that name."""
    if given:
        return check_identity_pool_id(given, step.region)
    found = find_identity_pools(session, step.identity_pool_name)
    if len(found) == 1:
        return found[0]
    if found:
        raise AmbiguousPoolError(f"{len(found)} identity pools are called '{step.identity_pool_name}': "
                                 f"{', '.join(found)}.", field="identity_pool_id",
                                 fix="Name the one to use (identity_pool_id), or delete the extras with cleanup.")
    if saved:
        return check_identity_pool_id(saved, step.region)
    raise NotFoundError(f"there is no identity pool called '{step.identity_pool_name}' in {step.region}.",
                        field="identity_pool_name",
                        fix="Create it first: click 'Create identity pool' above (02), or run wildrydes-nb identity-pool.")


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


def observe(session, step: StepInput) -> Observed:
    """Read what exists for this step (reads only)."""
    ids = find_identity_pools(session, step.identity_pool_name)
    if len(ids) > 1:
        raise AmbiguousPoolError(f"{len(ids)} identity pools are called '{step.identity_pool_name}': "
                                 f"{', '.join(ids)}.", field="identity_pool_name",
                                 fix="Delete the extra pools (wildrydes-nb cleanup --identity-pool-id ID) "
                                     "or choose another name.")
    pool = describe(session, ids[0]) if ids else None
    attached = attached_roles(session, ids[0]) if pool else {}
    found_roles, names = {}, {}
    for kind in wanted_role_kinds(step):
        arn = attached.get("Roles", {}).get(kind)
        role = roles.get_role(session, roles.name_from_arn(arn)) if arn else None
        if role is None:  # none attached, or the attached one was deleted from IAM
            role = roles.get_role(session, roles.role_name(step.identity_pool_name, kind))
        found_roles[kind] = role
        names[kind] = role["RoleName"] if role else roles.role_name(step.identity_pool_name, kind)
    return Observed(pool, found_roles, attached, names)


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
        if pool.get("CognitoIdentityProviders", []) != desired_providers(step):
            changes.append(f"provider → {step.provider_name} / {step.app_client_id}")
        if bool(pool.get("AllowUnauthenticatedIdentities")) != step.allow_unauthenticated:
            changes.append(f"unauthenticated identities → {'on' if step.allow_unauthenticated else 'off'}")
        if pool.get("AllowClassicFlow"):
            changes.append("basic (classic) flow → off (the web app uses the enhanced flow)")
        if changes:
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


def plan(session, step: StepInput) -> Plan:
    """What :func:`ensure` would write, without writing anything.

    Raises :class:`RoleInUseError` when it would re-point a role that another identity pool,
    one that still exists, trusts: nothing is written then.
    """
    check_prerequisites(session, step)
    observed = observe(session, step)
    actions = diff(step, observed)
    for action in actions:
        if action.kind == "repair_trust":
            _refuse_to_take_over(session, step, observed, action)
    return Plan(step, observed, actions)


def _refuse_to_take_over(session, step: StepInput, observed: Observed, action: Action) -> None:
    this = observed.pool["IdentityPoolId"] if observed.pool else None
    others = live_other_pools(session, observed.roles[action.role_kind], {this})
    if not others:
        return  # the pools it trusts are gone: re-pointing it takes nothing from anyone
    other = others[0]
    here = f"{this} ({step.region})" if this else f"the new pool '{step.identity_pool_name}' in {step.region}"
    raise RoleInUseError(
        f"the IAM role {action.role_name} is trusted by the identity pool {other} (region {region_of(other)}), "
        f"which still exists; pointing the role at {here} would take it from that pool. IAM role names "
        "are account-wide, identity pools regional: the same pool name in two regions wants the same role.",
        field="identity_pool_name",
        fix=f"Give this identity pool another name, or, if the pool in {region_of(other)} is a stale one, "
            f"delete it (wildrydes-nb cleanup --region {region_of(other)} --identity-pool-id {other}) "
            "and run this again.")


def ensure(session, step: StepInput, *, scratchpad=None, progress: Progress | None = None) -> Result:
    """Create or repair the identity pool, its role(s) and their link; idempotent and convergent.

    Makes no write call when everything is already right. When ``scratchpad`` is given the
    resulting ids are saved to it. ``progress(stage, state, detail)`` is told ``running``,
    ``done`` or ``failed`` for each of :data:`STAGES` as it happens.
    """
    report = progress or (lambda *_: None)
    stage, state = "input", None
    try:
        report(stage, "running", "checking the user pool and app client")
        current = plan(session, step)
        report(stage, "done", "; ".join(step.notes) or "user pool and app client found")
        state = _Applying(session, step, current.observed)
        for stage in STAGES[1:-1]:
            mine = [a for a in current.actions if a.stage == stage]
            if stage == "unauthenticated role" and not step.allow_unauthenticated:
                report(stage, "skipped", "unauthenticated identities are off")
                continue
            report(stage, "running", "; ".join(a.detail for a in mine) or "checking")
            for action in mine:
                state.apply(action)
            report(stage, "done", state.describe(stage, mine))
        result = state.result(tuple(current.actions))
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


_DONE = {"create_pool": "created", "update_pool": "updated", "create_role": "created",
         "repair_trust": "trust policy rewritten", "set_roles": "attached"}


class _Applying:
    """Carries the pool id and role ARNs through the writes of one :func:`ensure`."""

    def __init__(self, session, step: StepInput, observed: Observed):
        self.session, self.step = session, step
        self.pool = observed.pool
        self.role_arns = {k: r["Arn"] for k, r in observed.roles.items() if r}
        self.applied: list[Action] = []

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
            if action.stage == "identity pool":
                said.append(f"identity pool {self.pool_id} {_DONE[action.kind]}")
            elif action.role_name:
                said.append(f"IAM role {action.role_name}: {_DONE[action.kind]}")
            else:
                said.append(f"roles {_DONE[action.kind]}")
        return ", ".join(said)

    def create_pool(self, _action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("create the identity pool"):
            self.pool = identity.create_identity_pool(
                IdentityPoolName=self.step.identity_pool_name,
                AllowUnauthenticatedIdentities=self.step.allow_unauthenticated,
                CognitoIdentityProviders=desired_providers(self.step))

    def update_pool(self, _action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("update the identity pool"):
            self.pool = identity.update_identity_pool(**update_request(identity, self.pool, self.step))

    def create_role(self, action: Action) -> None:
        self.role_arns[action.role_kind] = roles.create_role(self.session, action.role_name, self.pool_id,
                                                             action.role_kind)

    def repair_trust(self, action: Action) -> None:
        roles.repair_trust(self.session, action.role_name, self.pool_id, action.role_kind)

    def set_roles(self, _action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("attach the roles to the identity pool"):
            identity.set_identity_pool_roles(IdentityPoolId=self.pool_id, Roles=dict(self.role_arns))

    def describe(self, stage: str, applied: list[Action]) -> str:
        """One line on a finished stage: what it is now, and what this run did to it."""
        verb = ", ".join(_DONE[a.kind] for a in applied) or "already right"
        if stage == "identity pool":
            return f"{self.pool_id} ({verb})"
        if stage.endswith(" role"):
            return f"{self.role_arns.get(stage.split()[0], '')} ({verb})"
        kinds = " and ".join(f"{kind} role" for kind in self.role_arns)
        return f"{kinds} attached to the pool" + ("" if applied else " (already right)")

    def result(self, actions: tuple[Action, ...]) -> Result:
        s = self.step
        return Result(s.region, s.user_pool_id, s.app_client_id, s.identity_pool_name, self.pool_id,
                      self.role_arns[roles.AUTHENTICATED], self.role_arns.get(roles.UNAUTHENTICATED), actions)


def update_request(identity, pool: dict, step: StepInput) -> dict:
    """UpdateIdentityPool's parameters: the step's settings over everything else the pool has.

    UpdateIdentityPool resets what it is not sent, so the pool's other settings (tags, other
    providers) are carried over as they are, and the classic flow is sent as off explicitly.
    """
    accepted = identity.meta.service_model.operation_model("UpdateIdentityPool").input_shape.members
    request = {k: v for k, v in pool.items() if k in accepted and v not in (None, "")}  # "" cannot be sent
    request.update(IdentityPoolName=step.identity_pool_name, AllowUnauthenticatedIdentities=step.allow_unauthenticated,
                   AllowClassicFlow=False, CognitoIdentityProviders=desired_providers(step))
    return request


def delete_identity_pool(session, identity_pool_id: str) -> bool:
    """Delete the identity pool; ``False`` if it was already gone."""
    identity = client(session, "cognito-identity")
    return unless_missing("delete the identity pool",
                          lambda: identity.delete_identity_pool(IdentityPoolId=identity_pool_id))
