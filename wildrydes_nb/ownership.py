"""Which identity pool is the learner's: one rule for the step, verify, cleanup, the forms and batch.

Cognito allows any number of identity pools of one name, and an account is often shared (a
class, or a learner's second attempt). So a pool is the learner's only when it can be proven,
never because of its name. In order:

1. **given**: the Identity Pool ID the learner gives (a flag, a parameter, a roster column);
2. **scratchpad**: the id the learner's scratchpad holds (same region, still there), linked to
   their user pool, to the user pool the scratchpad saved it for (an older one of theirs), or to
   none; linked to any other, it is someone's else now (re-linked since), and is not theirs;
3. **provider**: a pool of the name whose provider is the learner's user pool (any app client);
4. **tag**: a pool of the name that this package made for the learner's user pool (its owner tag).

Every other pool of that name is someone else's until the learner says otherwise: it is shown with
what it is linked to and when it was made, and never changed or deleted without their word.
Among several pools of the learner's (left by earlier or racing runs) the one kept is the given
or saved one, else the :func:`oldest`, so two runs racing on one name agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .aws import client, paginate
from .aws_errors import calling
from .errors import NotFoundError
from .parallel import attempt, in_parallel

# Tags this package puts on the pools it makes (Cognito gives pools no creation date or owner).
MANAGED_TAG_KEY, MANAGED_TAG_VALUE = "managed-by", "wildrydes-nb"
CREATED_AT_TAG = "wildrydes-nb:created-at"  # when; the oldest of racing runs' pools is kept
OWNER_TAG = "wildrydes-nb:owner"  # the user pool the pool was made for: proof it is that learner's
RUN_TAG = "wildrydes-nb:run"  # unique per create: finds what a create whose answer was lost made
MADE_BY_TAG = "wildrydes-nb:made-by"  # who ran the create, when not the learner: a class set-up run

_maker: str | None = None  # this process's maker (set_maker), tagged on every pool it creates


def set_maker(label: str | None) -> None:
    """Tag every pool this process creates from now on as made by ``label`` (a batch learner's
    process registers "class set-up run"): a grade then says the tool did that work, not the learner."""
    global _maker
    _maker = label


def maker() -> str | None:
    """Who this process creates pools for, when not the learner (:func:`set_maker`)."""
    return _maker

GIVEN, SCRATCHPAD, PROVIDER, TAG = "given", "scratchpad", "provider", "tag"
_WHY = {GIVEN: "you gave its Identity Pool ID", SCRATCHPAD: "your scratchpad holds its id",
        PROVIDER: "it is linked to your user pool", TAG: "wildrydes-nb made it for your user pool"}


def user_pools_of(pool: dict) -> list[str]:
    """The user pool ids a pool's Cognito providers name (``cognito-idp.<region>.amazonaws.com/<id>``)."""
    return [p["ProviderName"].rsplit("/", 1)[-1] for p in pool.get("CognitoIdentityProviders") or []
            if p.get("ProviderName", "").startswith("cognito-idp.")]


def tags_of(pool: dict) -> dict:
    return pool.get("IdentityPoolTags") or {}


def proof_of_ownership(pool: dict, user_pool_id: str) -> str | None:
    """How ``pool`` is provably the learner's of ``user_pool_id`` (:data:`PROVIDER`, :data:`TAG`), or ``None``."""
    if user_pool_id in user_pools_of(pool):
        return PROVIDER
    if tags_of(pool).get(OWNER_TAG) == user_pool_id:
        return TAG
    return None


def oldest(pools: list[dict]) -> dict:
    """The pool every racing run keeps: one without :data:`CREATED_AT_TAG` (made by the console or
    an older version) before any tagged one, then the earliest tag, then the id."""
    def age(pool: dict) -> tuple:
        created = tags_of(pool).get(CREATED_AT_TAG)
        return (created is not None, created or "", pool["IdentityPoolId"])

    return min(pools, key=age)


def described_as(pool: dict) -> str:
    """One line on a pool that is not the learner's: what it is linked to, and when it was made."""
    providers = ", ".join(f"user pool {p['ProviderName'].rsplit('/', 1)[-1]} (app client {p.get('ClientId')})"
                          for p in pool.get("CognitoIdentityProviders") or []) or "no user pool"
    created = tags_of(pool).get(CREATED_AT_TAG)
    made = (f"made by wildrydes-nb on {created[:10]} at {created[11:16]} UTC" if created
            else "made outside wildrydes-nb (Cognito keeps no date)")
    return f"{pool['IdentityPoolId']}: linked to {providers}; {made}"


@dataclass
class Ownership:
    """The answer of :func:`find`: the learner's pool and how that is proven, their other pools of
    the name (``extra``), and the pools of the name that are not provably theirs (``others``)."""

    pool: dict | None
    how: str | None = None
    extra: list[dict] = field(default_factory=list)
    others: list[dict] = field(default_factory=list)

    @property
    def pool_id(self) -> str | None:
        return self.pool["IdentityPoolId"] if self.pool else None

    @property
    def why(self) -> str:
        """Why the pool is the learner's, in words."""
        return _WHY.get(self.how, "")


def list_pool_ids(session, name: str) -> list[str]:
    """Ids of the identity pools called ``name`` in the session's region, listed now (every page)."""
    identity = client(session, "cognito-identity")
    with calling("list identity pools"):
        pools = paginate(identity.list_identity_pools, "IdentityPools", MaxResults=60)
    return [p["IdentityPoolId"] for p in pools if p["IdentityPoolName"] == name]


def describe_pools(session, ids: list[str]) -> dict[str, dict | None]:
    """DescribeIdentityPool for each id at once; ``None`` for a pool that is gone."""
    identity = client(session, "cognito-identity")

    def one(pool_id: str) -> dict | None:
        with calling("read the identity pools of that name"):
            try:
                pool = identity.describe_identity_pool(IdentityPoolId=pool_id)
            except identity.exceptions.ResourceNotFoundException:
                return None
        pool.pop("ResponseMetadata", None)
        return pool

    found = in_parallel(*(lambda pool_id=pool_id: attempt(lambda: one(pool_id)) for pool_id in ids))
    out = {}
    for pool_id, (pool, error) in zip(ids, found):
        if error is not None:
            raise error
        out[pool_id] = pool
    return out


def find(session, name: str, user_pool_id: str | None, *, given_id: str | None = None,
         saved_id: str | None = None, saved_for: str | None = None, named: list[str] | None = None,
         complete: bool = True) -> Ownership:
    """The learner's identity pool called ``name`` by the rule above (reads only).

    ``named`` is the ids of the pools called ``name`` when the caller has them (batch's shared
    listing); otherwise they are listed now. With ``complete`` the learner's other pools and
    everyone else's of that name are found too (a plan shows them); without it, a given or saved
    pool that exists is the answer at once. A given id that does not exist is a
    :class:`NotFoundError`; a saved id that no longer exists is passed over.
    """
    first = [i for i in dict.fromkeys((given_id, saved_id)) if i]
    if complete and named is None:  # the listing beside the reads of the given and saved pools
        pools, named = in_parallel(lambda: describe_pools(session, first), lambda: list_pool_ids(session, name))
    else:
        pools = describe_pools(session, first) if first else {}
    if given_id and pools.get(given_id) is None:
        identity = client(session, "cognito-identity")
        raise NotFoundError(f"IdentityPool '{given_id}' not found in {identity.meta.region_name}.",
                            field="identity_pool_id",
                            fix="Check the region and the id, or leave the Identity Pool ID out to use "
                                "your pool of that name.")
    chosen, how = None, None
    if given_id:
        chosen, how = pools[given_id], GIVEN
    elif saved_id and pools.get(saved_id) is not None:
        linked = user_pools_of(pools[saved_id])
        if not linked or {user_pool_id, saved_for} & set(linked):
            chosen, how = pools[saved_id], SCRATCHPAD
    if chosen is not None and not complete:
        return Ownership(chosen, how)
    if named is None:
        named = list_pool_ids(session, name)
    pools.update(describe_pools(session, [i for i in named if i not in pools]))
    same_name = [pools[i] for i in named if pools.get(i) is not None]
    mine = [p for p in same_name if user_pool_id and proof_of_ownership(p, user_pool_id)]
    if chosen is None and mine:
        chosen = oldest(mine)
        how = proof_of_ownership(chosen, user_pool_id)
    chosen_id = chosen["IdentityPoolId"] if chosen else None
    extra = [p for p in mine if p["IdentityPoolId"] != chosen_id]
    others = [p for p in same_name if p not in mine and p["IdentityPoolId"] != chosen_id]
    return Ownership(chosen, how, extra, others)
