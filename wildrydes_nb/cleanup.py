"""Delete what the package made: identity pool, its roles, leftover test users, the user pool if asked."""

from __future__ import annotations

from dataclasses import dataclass, field

from . import checks, ownership, roles
from .aws import client, paginate
from .aws_errors import calling, error_code, is_not_found, unless_missing
from .identity_pool import delete_identity_pool, find_identity_pools, pool_exists
from .inputs import region_of
from .report import FAIL, PASS, Report
from .user_pool import delete_user_pool, read_user_pool_settings
from .verify import TEST_USER_PREFIX


@dataclass(frozen=True)
class Target:
    """One thing cleanup would delete."""

    kind: str  # identity pool | IAM role | test user | user pool
    name: str
    warning: str = field(default="", compare=False)  # what will stop its deletion, said before Delete

    def describe(self) -> str:
        """One line for the list shown before Delete: ``user pool: us-east-2_… (warning)``."""
        return f"{self.kind}: {self.name}" + (f" (warning: {self.warning})" if self.warning else "")


_HOW_TO_TURN_PROTECTION_OFF = ("in the Amazon Cognito console, open the user pool, then Settings > Deletion "
                               "protection > Edit, deactivate it and save. (The console is safer than 'aws "
                               "cognito-idp update-user-pool --deletion-protection INACTIVE', which resets every "
                               "setting it is not given.)")
TURN_PROTECTION_OFF = "Turn deletion protection off, then run cleanup again: " + _HOW_TO_TURN_PROTECTION_OFF
PROTECTED_WARNING = ("deletion protection is on, so AWS will refuse to delete it; the rest is deleted. "
                     "Turn deletion protection off first: " + _HOW_TO_TURN_PROTECTION_OFF)
RUN_AGAIN = "Run the cleanup again; it carries on from where it stopped."


class CleanupPlan(list):
    """What :func:`cleanup` would delete: a list of :class:`Target`, in order, in ``region``.

    ``kept`` says, one line each, what it leaves on purpose and why (a pool of that name that is
    not provably the learner's, a role that another identity pool still trusts).
    """

    def __init__(self, targets=(), kept=(), region: str | None = None):
        super().__init__(targets)
        self.kept: list[str] = list(kept)
        self.region = region


def plan_cleanup(session, *, identity_pool_name: str, user_pool_id: str | None = None,
                 given_id: str | None = None, saved_id: str | None = None, saved_for: str | None = None,
                 delete_user_pool: bool = False) -> CleanupPlan:
    """What :func:`cleanup` would delete (reads only): only what is provably the learner's.

    The pools: the learner's by :func:`.ownership.find` (``given_id``, the scratchpad's
    ``saved_id``, or linked to or made for ``user_pool_id``) and their other pools of that name;
    every other pool of the name is kept, with why. A role: only when its trust names no pool but
    those being deleted or gone (so a re-run after a half-finished cleanup still finishes) and it
    is in no instance profile; else it is kept, with why.
    """
    targets, kept = [], []
    owned = ownership.find(session, identity_pool_name, user_pool_id, given_id=given_id, saved_id=saved_id,
                           saved_for=saved_for,
                           named=find_identity_pools(session, identity_pool_name))
    pool_ids = [p["IdentityPoolId"] for p in ([owned.pool] if owned.pool else []) + owned.extra]
    kept += [f"identity pool {ownership.described_as(p)}: not yours (not linked to your user pool, not in your "
             "scratchpad), so not deleted" for p in owned.others]
    identity = client(session, "cognito-identity")
    role_names = set()
    for pool_id in pool_ids:
        with calling("read the identity pool's roles"):
            try:
                attached = identity.get_identity_pool_roles(IdentityPoolId=pool_id).get("Roles", {})
            except Exception as err:  # noqa: BLE001 - a pool already deleted is fine
                if not is_not_found(err):
                    raise
                continue
        targets.append(Target("identity pool", pool_id))
        role_names |= {roles.name_from_arn(arn) for arn in attached.values()}
    deleted_pools = {t.name for t in targets}
    # The conventional names too: a half-finished run may have created a role it never attached.
    conventional = {roles.role_name(identity_pool_name, kind, session.region_name)
                    for kind in (roles.AUTHENTICATED, roles.UNAUTHENTICATED)}
    for name in sorted(role_names | conventional):
        role = roles.get_role(session, name)
        if role is None or (name not in role_names and not _is_ours(session, name)):
            continue
        why = _role_kept_because(session, role, deleted_pools)
        if why:
            kept.append(f"IAM role {name}: kept, because {why}")
        else:
            targets.append(Target("IAM role", name))
    settings = read_user_pool_settings(session, user_pool_id) if user_pool_id else None
    if settings is not None:
        targets += [Target("test user", u) for u in _test_users(session, user_pool_id)]
        if delete_user_pool:
            protected = settings.deletion_protection == "ACTIVE"
            targets.append(Target("user pool", user_pool_id, warning=PROTECTED_WARNING if protected else ""))
    kept += [f"identity pool {pool_id} ('{name}'): yours (linked to your user pool) under another name, so not in "
             f"this list; to delete it, clean up with that identity pool name"
             for pool_id, name in yours_named_otherwise(session, identity_pool_name, user_pool_id)]
    return CleanupPlan(targets, kept, client(session, "cognito-identity").meta.region_name)


def _role_kept_because(session, role: dict, deleted_pools: set[str]) -> str | None:
    """Why ``role`` must stay (``None``: it may go): its trust names a pool that is not being
    deleted and still exists, or it is in an instance profile (an EC2 instance uses it)."""
    for pool_id in roles.trusted_pools(role["AssumeRolePolicyDocument"]):
        if pool_id not in deleted_pools and pool_exists(session, pool_id):
            here = "" if region_of(pool_id) == client(session, "cognito-identity").meta.region_name else \
                f" (region {region_of(pool_id)})"
            return f"the identity pool {pool_id}{here} still exists and trusts it"
    iam = client(session, "iam")
    with calling(f"read the instance profiles of {role['RoleName']}"):
        profiles = iam.list_instance_profiles_for_role(RoleName=role["RoleName"]).get("InstanceProfiles", [])
    if profiles:
        return f"it is in the instance profile {profiles[0]['InstanceProfileName']} (an EC2 instance may use it)"
    return None


def yours_named_otherwise(session, identity_pool_name: str, user_pool_id: str | None) -> list[tuple[str, str]]:
    """``(id, name)`` of the region's identity pools that the package made (its tag) and that are
    provably the learner's of ``user_pool_id`` (:func:`.ownership.proof_of_ownership`), under another
    name than ``identity_pool_name``: a learner who changed the name meanwhile. Other people's
    pools are never listed as the learner's."""
    if not user_pool_id:
        return []
    identity = client(session, "cognito-identity")
    with calling("list identity pools"):
        pools = paginate(identity.list_identity_pools, "IdentityPools", MaxResults=60)
    found = []
    for pool in pools:
        if pool["IdentityPoolName"] == identity_pool_name:
            continue
        with calling("read an identity pool's tags"):
            try:
                described = identity.describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"])
            except Exception as err:  # noqa: BLE001 - a pool deleted meanwhile is not listed
                if not is_not_found(err):
                    raise
                continue
        ours = ownership.tags_of(described).get(roles.MANAGED_TAG["Key"]) == roles.MANAGED_TAG["Value"]
        if ours and ownership.proof_of_ownership(described, user_pool_id):
            found.append((pool["IdentityPoolId"], pool["IdentityPoolName"]))
    return found


class CleanupReport(Report):
    """A cleanup's report: one line per deletion, summed up in deletions, not checks."""

    def summary(self) -> str:
        deleted = sum(c.passed and c.detail == DELETED for c in self.checks)
        gone = sum(c.passed and c.detail != DELETED for c in self.checks)
        left = len(self.checks) - deleted - gone
        words = "nothing was left to delete" if not self.checks else (
            "everything listed is gone" if not left else "some things are still there")
        return f"{deleted} deleted, {gone} already gone, {left} not deleted: {words}"

    def fix(self) -> str:
        """What to do about what is left: the failed rows' own fixes (deletion protection, ...),
        so that the headline says what the rows below it say; else :data:`RUN_AGAIN`."""
        fixes = list(dict.fromkeys(c.fix for c in self.checks if not c.passed and c.fix))
        return " ".join(fixes) or RUN_AGAIN


DELETED = "deleted"


def cleanup(session, targets: list[Target]) -> CleanupReport:
    """Delete ``targets`` in a safe order; a thing already gone counts as deleted."""
    report = CleanupReport("Cleanup")
    idp = client(session, "cognito-idp")
    for target in targets:
        check_id = checks.delete_check(target.kind)
        name = f"delete {target.kind} {target.name}"
        try:
            if target.kind == "identity pool":
                gone = delete_identity_pool(session, target.name)
            elif target.kind == "IAM role":
                gone = roles.delete_role(session, target.name)
            elif target.kind == "test user":
                pool_id, username = target.name.split("/", 1)
                gone = _delete_user(idp, pool_id, username)
            else:
                gone = delete_user_pool(session, target.name)
            report.add(check_id, PASS, DELETED if gone else "was already gone", name=name)
        except Exception as err:  # noqa: BLE001 - keep going; the report says what is left
            if _deletion_protected(target, err):
                report.add(check_id, FAIL,
                           f"not deleted: deletion protection is on ({err.response['Error'].get('Message', '')})",
                           TURN_PROTECTION_OFF, name=name)
                continue
            report.add(check_id, FAIL, str(err), RUN_AGAIN, name=name)
    return report


def forget(scratchpad, targets: list[Target], report: Report) -> None:
    """Remove from the scratchpad the ids of the targets that ``report`` (from :func:`cleanup`
    on ``targets``, one check per target) says are deleted or already gone."""
    gone = {t.kind for t, check in zip(targets, report.checks) if check.passed}
    keys = {}
    if "identity pool" in gone:
        keys.update(identity_pool_id=None, identity_pool_user_pool_id=None, identity_pool_app_client_id=None,
                    authenticated_role_arn=None, unauthenticated_role_arn=None)
    if "user pool" in gone:
        keys.update(user_pool_id=None, app_client_id=None)
    if keys:
        scratchpad.update(**keys)


def _deletion_protected(target: Target, err: Exception) -> bool:
    # Cognito refuses with InvalidParameterException and says why only in the message.
    return (target.kind == "user pool" and error_code(err) == "InvalidParameterException"
            and "deletion protection" in err.response["Error"].get("Message", "").lower())


def _is_ours(session, role_name: str) -> bool:
    iam = client(session, "iam")
    with calling(f"read the tags of {role_name}"):
        tags = iam.list_role_tags(RoleName=role_name).get("Tags", [])
    return roles.MANAGED_TAG in tags


def _test_users(session, user_pool_id: str) -> list[str]:
    idp = client(session, "cognito-idp")
    with calling("list the user pool's users"):
        try:
            users = paginate(idp.list_users, "Users", UserPoolId=user_pool_id)
        except idp.exceptions.ResourceNotFoundException:
            return []
    found = []
    for user in users:
        email = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"), "")
        if user["Username"].startswith(TEST_USER_PREFIX) or email.startswith(TEST_USER_PREFIX):
            found.append(f"{user_pool_id}/{user['Username']}")
    return found


def _delete_user(idp, user_pool_id: str, username: str) -> bool:
    return unless_missing("delete a test user",
                          lambda: idp.admin_delete_user(UserPoolId=user_pool_id, Username=username))
