"""The IAM roles the console's "Allow" created: names, trust policies, create/repair/delete."""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from urllib.parse import unquote

from .aws import client
from .aws_errors import calling, unless_missing
from .inputs import region_of

# The federated principal of Cognito identity pools, whose name is also the prefix of the trust's
# condition keys (…:aud, …:amr): the commercial partition's. AWS GovCloud (US) has its own (AWS
# GovCloud (US) User Guide, "Amazon Cognito in AWS GovCloud (US)"): :func:`cognito_principal`.
FEDERATED_PRINCIPAL = "cognito-identity.amazonaws.com"
AUD_KEY = "cognito-identity.amazonaws.com:aud"
AMR_KEY = "cognito-identity.amazonaws.com:amr"
_GOVCLOUD_PRINCIPAL = "cognito-identity-us-gov.amazonaws.com"
_GOVCLOUD_EAST_PRINCIPAL = "cognito-identity.us-gov-east-1.amazonaws.com"
KNOWN_PRINCIPALS = (FEDERATED_PRINCIPAL, _GOVCLOUD_PRINCIPAL, _GOVCLOUD_EAST_PRINCIPAL)
# GovCloud (US-East): "role name plus role session name" longer than 24 characters may keep identity
# pools from assuming the role; the guide advises names of at most 20 characters (same page).
GOVCLOUD_EAST = "us-gov-east-1"
_SHORT_ROLE_NAME_MAX = 20


def cognito_principal(region: str | None) -> str:
    """The principal a role's trust must name for identity pools of ``region`` (its partition's)."""
    if region == GOVCLOUD_EAST:
        return _GOVCLOUD_EAST_PRINCIPAL
    if region and region.startswith("us-gov-"):
        return _GOVCLOUD_PRINCIPAL
    return FEDERATED_PRINCIPAL


AUTHENTICATED = "authenticated"
UNAUTHENTICATED = "unauthenticated"
MANAGED_TAG = {"Key": "managed-by", "Value": "wildrydes-nb"}

_ROLE_NAME_BAD = re.compile(r"[^\w+=,.@-]")
_ROLE_NAME_MAX = 64


def role_name(identity_pool_name: str, kind: str = AUTHENTICATED, region: str | None = None) -> str:
    """``Cognito_<name>Auth_Role`` / ``Cognito_<name>Unauth_Role``, as the console named them.

    That exact name is kept when the pool name is a valid role name as it is, in lower case, and
    fits in IAM's 64 characters. Otherwise the name must change (IAM allows no spaces, and ignores
    case when it compares role names), and two pool names could then share a role: ``team a`` and
    ``team_a``, or ``Team`` and ``team``. So other characters become ``_``, the name is cut to
    fit, and 8 hex digits of the SHA-256 of the exact pool name are added.
    """
    if region == GOVCLOUD_EAST:  # at most 20 characters there: the pool name is told by its digest only
        digest = hashlib.sha256(identity_pool_name.encode()).hexdigest()[:8]
        return f"wr_{digest}_{'auth' if kind == AUTHENTICATED else 'unauth'}"  # 14 and 16 characters
    prefix, suffix = "Cognito_", "Auth_Role" if kind == AUTHENTICATED else "Unauth_Role"
    room = _ROLE_NAME_MAX - len(prefix) - len(suffix)
    if (len(identity_pool_name) <= room and not _ROLE_NAME_BAD.search(identity_pool_name)
            and identity_pool_name == identity_pool_name.lower()):
        return f"{prefix}{identity_pool_name}{suffix}"
    digest = hashlib.sha256(identity_pool_name.encode()).hexdigest()[:8]
    stem = _ROLE_NAME_BAD.sub("_", identity_pool_name)[: room - len(digest) - 1]
    return f"{prefix}{stem}_{digest}{suffix}"


def trust_policy(identity_pool_id: str, kind: str = AUTHENTICATED, region: str | None = None) -> dict:
    """The trust policy that lets only this identity pool's ``kind`` identities assume the role, in
    the partition of ``region`` (default: the pool id's)."""
    principal = cognito_principal(region or region_of(identity_pool_id))
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": "Allow",
                           "Principal": {"Federated": principal},
                           "Action": "sts:AssumeRoleWithWebIdentity",
                           "Condition": {"StringEquals": {f"{principal}:aud": identity_pool_id},
                                         "ForAnyValue:StringLike": {f"{principal}:amr": kind}}}]}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def parse_policy(document) -> dict:
    """A policy document as a dict (IAM returns it URL-encoded text or already decoded)."""
    if isinstance(document, dict):
        return document
    return json.loads(unquote(document or "{}"))


def _cognito_statements(document, principals=KNOWN_PRINCIPALS) -> list[tuple[str, dict]]:
    # Only a statement that lets a Cognito federated principal assume the role counts.
    found = []
    for s in _as_list(parse_policy(document).get("Statement", [])):
        named = _as_list((s.get("Principal") or {}).get("Federated", []))
        principal = next((p for p in principals if p in named), None)
        if principal and s.get("Effect") == "Allow" and "sts:AssumeRoleWithWebIdentity" in _as_list(
                s.get("Action", [])):
            found.append((principal, s))
    return found


def trusted_pools(document) -> list[str]:
    """The identity pool ids a trust policy's ``aud`` conditions name, in order, without repeats."""
    pools: list[str] = []
    for principal, statement in _cognito_statements(document):
        condition = (statement.get("Condition") or {}).get("StringEquals") or {}
        for pool in _as_list(condition.get(f"{principal}:aud", [])):
            if pool not in pools:
                pools.append(pool)
    return pools


def trust_problems(document, identity_pool_id: str, kind: str = AUTHENTICATED) -> dict[str, str]:
    """What keeps a trust policy from being the one :func:`trust_policy` makes.

    Keys: ``principal``, ``aud``, ``amr``; an empty dict means the trust is right. A
    statement only counts if it allows the Cognito federated principal to assume the role.
    """
    region = region_of(identity_pool_id)
    wanted = cognito_principal(region)
    statements = _cognito_statements(document, (wanted,))
    if not statements:
        other = [p for p, _ in _cognito_statements(document)]
        if other:  # written for another partition: STS refuses it, and no wait for IAM helps
            return {"principal": f"it trusts {other[0]}, which is not the Cognito principal of {region}'s "
                                 f"partition ({wanted})"}
        return {"principal": f"no statement lets {wanted} call sts:AssumeRoleWithWebIdentity"}
    best: dict[str, str] = {}
    for principal, statement in statements:
        condition = statement.get("Condition") or {}
        aud = _as_list(condition.get("StringEquals", {}).get(f"{principal}:aud", []))
        amr = _as_list(condition.get("ForAnyValue:StringLike", {}).get(f"{principal}:amr", []))
        found = {}
        if aud != [identity_pool_id]:
            found["aud"] = (f"trusts {', '.join(aud)} instead of {identity_pool_id}" if aud
                            else "no aud condition: any identity pool in any account could assume it")
        if amr != [kind]:
            found["amr"] = (f"amr is {', '.join(amr)} instead of '{kind}'" if amr
                            else f"no amr condition limiting it to {kind} identities")
        if not found:
            return {}
        if not best or len(found) < len(best):
            best = found
    return best


def get_role(session, name: str) -> dict | None:
    """The IAM role called ``name``, or ``None``."""
    iam = client(session, "iam")
    with calling(f"read the IAM role {name}"):
        try:
            return iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            return None


def create_role_request(name: str, identity_pool_id: str, kind: str, *, permissions_boundary: str | None = None,
                        path: str = "/", tagged: bool = True, region: str | None = None) -> dict:
    """CreateRole's parameters: the role with the trust policy scoped to this pool and ``kind``, under
    ``path``, with the ``permissions_boundary`` an account may require, tagged as ours unless not ``tagged``."""
    request = {"RoleName": name, "AssumeRolePolicyDocument": json.dumps(trust_policy(identity_pool_id, kind, region)),
               "Description": f"Cognito identity pool {identity_pool_id}, {kind} identities"}
    if path != "/":
        request["Path"] = path
    if permissions_boundary:
        request["PermissionsBoundary"] = permissions_boundary
    if tagged:
        request["Tags"] = [MANAGED_TAG]
    return request


def repair_trust_request(name: str, identity_pool_id: str, kind: str, region: str | None = None) -> dict:
    """UpdateAssumeRolePolicy's parameters: the trust policy scoped to this pool and ``kind``."""
    return {"RoleName": name, "PolicyDocument": json.dumps(trust_policy(identity_pool_id, kind, region))}


def create_role(session, request: dict) -> str | None:
    """Create the role :func:`create_role_request` describes; returns its ARN, or ``None`` when a
    role of that name already exists (another run created it at the same moment)."""
    iam = client(session, "iam")
    with calling(f"create the IAM role {request['RoleName']}"):
        try:
            return iam.create_role(**request)["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            return None


def repair_trust(session, name: str, identity_pool_id: str, kind: str) -> None:
    """Replace the role's trust policy with the scoped one (and note when, for :func:`changed_recently`)."""
    iam = client(session, "iam")
    with calling(f"update the trust policy of {name}"):
        iam.update_assume_role_policy(**repair_trust_request(name, identity_pool_id, kind))
    _record_trust_change(name)


# IAM needs seconds, now and then a minute, to make a new role or trust usable ("changes that I make
# are not always immediately visible", IAM user guide, Troubleshooting IAM): a refusal for an older
# role is something else. IAM keeps no date of a trust change: this package notes its own.
RECENT_MINUTES = 5


def _trust_record(name: str) -> Path:
    return Path.home() / ".wildrydes" / "trust-changes" / hashlib.sha256(name.lower().encode()).hexdigest()[:24]


def _record_trust_change(name: str) -> None:
    try:
        path = _trust_record(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        pass  # a read-only home: verify then waits only for roles created lately


def changed_recently(role: dict) -> bool:
    """Whether ``role`` (GetRole's) was created, or re-trusted by this package, in the last few minutes."""
    limit = time.time() - RECENT_MINUTES * 60
    created = role.get("CreateDate")
    if created is not None and created.timestamp() >= limit:
        return True
    try:
        return _trust_record(role["RoleName"]).stat().st_mtime >= limit
    except OSError:
        return False


def delete_role(session, name: str) -> bool:
    """Delete a role with its inline and attached policies and instance profiles.

    Returns ``False`` when the role was already gone; copes with a half-deleted role.
    """
    iam = client(session, "iam")

    def delete() -> None:
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            iam.delete_role_policy(RoleName=name, PolicyName=policy)
        for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
        for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
            iam.remove_role_from_instance_profile(RoleName=name, InstanceProfileName=profile["InstanceProfileName"])
        iam.delete_role(RoleName=name)

    return unless_missing(f"delete the IAM role {name}", delete)


def name_from_arn(arn: str) -> str:
    """The role name at the end of a role ARN (paths included in the ARN are dropped)."""
    return arn.rsplit("/", 1)[-1]
