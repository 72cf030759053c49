"""The step itself: plan and ensure the identity pool, its authenticated role and their link."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import roles
from .aws import calling, client, paginate, unless_missing
from .errors import AmbiguousPoolError, NotFoundError
from .inputs import StepInput, check_identity_pool_id
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


@dataclass
class Observed:
    """What exists now: the pool (described), the roles by kind, the roles attached to the pool."""

    pool: dict | None
    roles: dict[str, dict | None]
    attached: dict = field(default_factory=dict)  # GetIdentityPoolRoles' answer, {} if no pool


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

    def to_text(self) -> str:
        if not self.actions:
            return f"Nothing to do: '{self.step.identity_pool_name}' ({self.identity_pool_id}) is already right."
        return "\n".join(f"- {a.detail}" for a in self.actions)


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
    found_roles = {kind: roles.get_role(session, roles.role_name(step.identity_pool_name, kind))
                   for kind in wanted_role_kinds(step)}
    return Observed(pool, found_roles, attached_roles(session, ids[0]) if pool else {})


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
        if changes:
            actions.append(Action("identity pool", "update_pool",
                                  f"update identity pool {pool['IdentityPoolId']}: {'; '.join(changes)}"))
    pool_id = pool["IdentityPoolId"] if pool else "the new pool"
    for kind, role in observed.roles.items():
        stage = f"{kind} role"
        role_name = roles.role_name(name, kind)
        if role is None:
            actions.append(Action(stage, "create_role", f"create IAM role {role_name} trusted by {pool_id} "
                                                        f"for {kind} identities", kind))
            continue
        # A role left over from an earlier pool of the same name trusts that pool: re-scope it.
        problems = (roles.trust_problems(role["AssumeRolePolicyDocument"], pool_id, kind) if pool
                    else {"aud": "the pool is new"})
        if problems:
            actions.append(Action(stage, "repair_trust", f"rewrite the trust policy of {role_name} to trust "
                                                         f"{pool_id} ({'; '.join(problems.values())})", kind))
    if pool is None or _role_map_drifts(observed):
        actions.append(Action("roles attached", "set_roles",
                              "attach " + " and ".join(f"{roles.role_name(name, k)} as {k}" for k in observed.roles)
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
    """What :func:`ensure` would write, without writing anything."""
    check_prerequisites(session, step)
    observed = observe(session, step)
    return Plan(step, observed, diff(step, observed))


def ensure(session, step: StepInput, *, scratchpad=None, progress: Progress | None = None) -> Result:
    """Create or repair the identity pool, its role(s) and their link; idempotent and convergent.

    Makes no write call when everything is already right. When ``scratchpad`` is given the
    resulting ids are saved to it. ``progress(stage, state, detail)`` is told ``running``,
    ``done`` or ``failed`` for each of :data:`STAGES` as it happens.
    """
    report = progress or (lambda *_: None)
    stage = "input"
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

    @property
    def pool_id(self) -> str:
        return self.pool["IdentityPoolId"]

    def apply(self, action: Action) -> None:
        getattr(self, action.kind)(action)

    def create_pool(self, _action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        with calling("create the identity pool"):
            self.pool = identity.create_identity_pool(
                IdentityPoolName=self.step.identity_pool_name,
                AllowUnauthenticatedIdentities=self.step.allow_unauthenticated,
                CognitoIdentityProviders=desired_providers(self.step))

    def update_pool(self, _action: Action) -> None:
        identity = client(self.session, "cognito-identity")
        # UpdateIdentityPool replaces the whole configuration: carry the other settings over.
        keep = {k: v for k, v in self.pool.items()
                if k in ("SupportedLoginProviders", "DeveloperProviderName", "OpenIdConnectProviderARNs",
                         "SamlProviderARNs", "IdentityPoolTags", "AllowClassicFlow") and v}
        with calling("update the identity pool"):
            self.pool = identity.update_identity_pool(
                IdentityPoolId=self.pool_id, IdentityPoolName=self.step.identity_pool_name,
                AllowUnauthenticatedIdentities=self.step.allow_unauthenticated,
                CognitoIdentityProviders=desired_providers(self.step), **keep)

    def create_role(self, action: Action) -> None:
        name = roles.role_name(self.step.identity_pool_name, action.role_kind)
        self.role_arns[action.role_kind] = roles.create_role(self.session, name, self.pool_id, action.role_kind)

    def repair_trust(self, action: Action) -> None:
        roles.repair_trust(self.session, roles.role_name(self.step.identity_pool_name, action.role_kind),
                           self.pool_id, action.role_kind)

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


def delete_identity_pool(session, identity_pool_id: str) -> bool:
    """Delete the identity pool; ``False`` if it was already gone."""
    identity = client(session, "cognito-identity")
    return unless_missing("delete the identity pool",
                          lambda: identity.delete_identity_pool(IdentityPoolId=identity_pool_id))
