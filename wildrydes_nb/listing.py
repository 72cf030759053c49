"""One listing of an account's identity pools, shared by a whole class instead of one per learner.

Finding a pool by name means listing every identity pool of the account and region, page by
page. When a class shares one account, that is a listing per learner, each as long as the class
is big. So `batch` lists once per account and region, and gives each learner's process a
snapshot of the pools with that learner's pool name (a JSON file, registered in the learner's
process and kernel with :func:`use_snapshot` by :mod:`.class_run`).
:func:`identity_pool.find_identity_pools` answers from it, together with the pools this process
created or deleted since. The roster allows one learner per pool name in an account, so nobody
else in the class makes or deletes pools of that name; a pool the learner makes meanwhile is
found by the fresh listing that follows every create (:mod:`.apply`).
"""

from __future__ import annotations

import json
from pathlib import Path

_snapshot: Path | None = None  # this process's snapshot (use_snapshot), if any

# This process's own changes since the snapshot: ids created, by (region, name); ids deleted.
_created: dict[tuple[str, str], list[str]] = {}
_deleted: set[str] = set()


def by_name(pools: list[dict]) -> dict[str, list[str]]:
    """ListIdentityPools' answers grouped: pool name → ids, in the order listed."""
    found: dict[str, list[str]] = {}
    for pool in pools:
        found.setdefault(pool["IdentityPoolName"], []).append(pool["IdentityPoolId"])
    return found


def write_snapshot(path: Path, region: str, identity_pool_name: str, identity_pool_ids: list[str]) -> None:
    """Write one learner's snapshot: the ids of the pools called ``identity_pool_name`` in ``region``."""
    path.write_text(json.dumps({"region": region, "identity_pool_name": identity_pool_name,
                                "identity_pool_ids": identity_pool_ids}), encoding="utf-8")


def known(region: str, identity_pool_name: str) -> list[str] | None:
    """The ids of the pools called ``identity_pool_name`` in ``region``, from this process's
    snapshot and its own changes since; ``None`` when no snapshot covers that name and region."""
    path = _snapshot
    if path is None:
        return None
    try:
        snapshot = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None  # unreadable: list as usual
    if (snapshot.get("region"), snapshot.get("identity_pool_name")) != (region, identity_pool_name):
        return None
    ids = list(snapshot.get("identity_pool_ids") or []) + _created.get((region, identity_pool_name), [])
    return [pool_id for pool_id in dict.fromkeys(ids) if pool_id not in _deleted]


def use_snapshot(path: str | Path | None) -> None:
    """Answer :func:`known` from the snapshot file ``path`` from now on in this process (``None``: none)."""
    global _snapshot
    _snapshot = Path(path) if path else None


def created(region: str, identity_pool_name: str, identity_pool_id: str) -> None:
    """Note a pool this process created, so that :func:`known` includes it."""
    _created.setdefault((region, identity_pool_name), []).append(identity_pool_id)


def deleted(identity_pool_id: str) -> None:
    """Note a pool this process deleted, so that :func:`known` leaves it out."""
    _deleted.add(identity_pool_id)


def forget_changes() -> None:
    """Forget this process's changes: a learner's process, forked from a runner that may have
    made or deleted pools itself, starts from its fresh snapshot alone."""
    _created.clear()
    _deleted.clear()


def take(session) -> dict[str, list[str]]:
    """List the identity pools of the session's account and region, every page: name → ids."""
    from .aws import client, paginate  # here: aws imports what every process needs first
    from .aws_errors import calling

    identity = client(session, "cognito-identity")
    with calling("list identity pools"):
        return by_name(paginate(identity.list_identity_pools, "IdentityPools", MaxResults=60))
