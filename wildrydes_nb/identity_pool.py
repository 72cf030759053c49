"""The step itself: plan and ensure the identity pool, its authenticated role and their link."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable


from . import listing, ownership, roles
from .aws import client, service_model
from .aws_errors import calling, unless_missing
from .calls import Call
from .errors import (InputError, NotFoundError, NotYoursError, RelinkError,
                     RoleInUseError)
from .inputs import StepInput, region_of
from .ownership import CREATED_AT_TAG, OWNER_TAG, RUN_TAG
from .parallel import attempt, in_parallel
from .user_pool import describe_app_client

# The stages a learner sees, in order; ``progress(stage, state, detail)`` reports on them.
STAGES = ("input", "identity pool", "authenticated role", "unauthenticated role",
          "roles attached", "scratchpad")
Progress = Callable[[str, str, str], None]

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
            saved_for: str | None = None, relink: bool = False) -> Observed:
    """Read what exists for this step (reads only): the learner's pool by :func:`.ownership.find`
    (``identity_pool_id`` is the learner's word, ``saved_id`` the scratchpad's), or, with
    ``relink``, the one pool of that name that is not provably theirs.

    Reads that need nothing from each other go at once: the pools of that name beside the roles
    by their console names, then the roles attached to the pool. An error is the one a run of the
    reads one after another would have met first.
    """
    kinds = wanted_role_kinds(step)
    default_names = {kind: roles.role_name(step.identity_pool_name, kind, step.region) for kind in kinds}
    owned, *by_default_name = in_parallel(
        lambda: ownership.find(session, step.identity_pool_name, step.user_pool_id, given_id=identity_pool_id,
                               saved_id=saved_id, saved_for=saved_for,
                               named=find_identity_pools(session, step.identity_pool_name)),
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
                                                        f"for {kind} identities{_restrictions(step)}", kind, role_name))
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


def _restrictions(step: StepInput) -> str:
    """What the account's IAM restrictions add to a role the step creates, as the plan says it."""
    said = ([f"under path {step.role_path}"] if step.role_path != "/" else []) + (
        [f"with permissions boundary {step.permissions_boundary}"] if step.permissions_boundary else [])
    return f", {' and '.join(said)}" if said else ""


def _role_map_drifts(observed: Observed) -> bool:
    attached = observed.attached.get("Roles", {})
    wanted = {kind: role["Arn"] for kind, role in observed.roles.items() if role}
    return attached != wanted or len(wanted) != len(observed.roles)


def check_prerequisites(session, step: StepInput) -> None:
    """The user pool exists in the region and the app client belongs to it (reads only)."""
    describe_app_client(session, step.user_pool_id, step.app_client_id)


def plan(session, step: StepInput, *, identity_pool_id: str | None = None, saved_id: str | None = None,
         saved_for: str | None = None, relink: bool = False) -> Plan:
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
        lambda: attempt(lambda: observe(session, step, identity_pool_id, saved_id=saved_id, saved_for=saved_for,
                                        relink=relink)))
    if prerequisite_error is not None or observe_error is not None:
        raise prerequisite_error or observe_error
    return plan_for(session, step, observed, relink)


# The ways out when a pool is not provably the learner's, as every driver offers them.
RELINK_HOW = ("re-link it: --relink on the command line, the form's Re-link button, or relink=True as a "
              "notebook parameter")
OWN_NAME_HOW = ("give your pool a name of its own (--identity-pool-name, or the form's Identity pool name): "
                "IAM role names are account-wide, so two people's pools cannot share one name")


def plan_for(session, step: StepInput, observed: Observed, relink: bool = False) -> Plan:
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
            refuse_to_take_over(session, step, observed.pool["IdentityPoolId"] if observed.pool else None,
                                 observed.roles[action.role_kind], action.role_name)
    return Plan(step, observed, actions)


def refuse_to_take_over(session, step: StepInput, this: str | None, role: dict, role_name: str) -> None:
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
    there = region_of(other)
    identity = client(session, "cognito-identity", there)
    with calling("read the identity pool that trusts the role"):
        described = identity.describe_identity_pool(IdentityPoolId=other)
    linked = ", ".join(ownership.user_pools_of(described)) or "no user pool"
    raise RoleInUseError(
        f"the IAM role {role_name} is trusted by the identity pool {other} in {there}, linked to {linked}, "
        f"which still exists; pointing the role at {here} would take it from that pool. IAM role names "
        "are account-wide, identity pools regional: the same pool name in two regions wants the same role.",
        field="identity_pool_name",
        # Never a command that deletes that pool: it may be someone else's. Its owner's cleanup, run
        # with their own user pool, finds it by the ownership rule.
        fix=f"Give this identity pool a name of its own (--identity-pool-name, or the form's Identity pool name). "
            f"If the pool in {there} is yours and no longer used, clean it up there with your user pool of "
            f"{there} (wildrydes-nb cleanup --region {there} --user-pool-id ...), then run this again.")


def create_pool_request(step: StepInput, created_at: str, run_id: str = "<unique to each run>") -> dict:
    """CreateIdentityPool's parameters: the step's settings, tagged as made by this package at
    ``created_at`` for the step's user pool, by the run ``run_id``."""
    return {"IdentityPoolName": step.identity_pool_name, "AllowUnauthenticatedIdentities": step.allow_unauthenticated,
            "CognitoIdentityProviders": desired_providers(step),
            "IdentityPoolTags": {roles.MANAGED_TAG["Key"]: roles.MANAGED_TAG["Value"], CREATED_AT_TAG: created_at,
                                 OWNER_TAG: step.user_pool_id, RUN_TAG: run_id,
                                 **({ownership.MADE_BY_TAG: ownership.maker()} if ownership.maker() else {})}}


def action_call(action: Action, step: StepInput, pool: dict | None, role_arns: dict[str, str],
                role_names: dict[str, str], created_at: str, run_id: str = "<unique to each run>",
                untagged: frozenset[str] = frozenset()) -> Call:
    """The AWS call that carries out ``action``: what a plan shows and what :func:`ensure` sends.

    ``pool`` is the pool as it is (``None`` before it is created), ``role_arns`` the ARNs known
    so far by role kind, ``role_names`` the name of each wanted role; ``untagged`` the services
    whose tagging the account refused (``iam``, ``cognito-identity``): their creates go untagged.
    """
    pool_id = pool["IdentityPoolId"] if pool else NEW_IDENTITY_POOL_ID
    if action.kind == "create_pool":
        request = create_pool_request(step, created_at, run_id)
        if "cognito-identity" in untagged:
            del request["IdentityPoolTags"]
        return Call("cognito-identity", "CreateIdentityPool", request, step.region)
    if action.kind in ("update_pool", "relink_pool"):
        return Call("cognito-identity", "UpdateIdentityPool", update_request(pool, step), step.region)
    if action.kind == "create_role":
        return Call("iam", "CreateRole", roles.create_role_request(
            action.role_name, pool_id, action.role_kind, permissions_boundary=step.permissions_boundary,
            path=step.role_path, tagged="iam" not in untagged, region=step.region), step.region)
    if action.kind == "repair_trust":
        return Call("iam", "UpdateAssumeRolePolicy",
                    roles.repair_trust_request(action.role_name, pool_id, action.role_kind, step.region), step.region)
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
