"""Which value each input takes: one rule for every driver (which identity pool is the learner's
is :mod:`.ownership`'s rule; :mod:`.steps` applies both).

The precedence, the same for the CLI, the forms, batch and cleanup:

1. **given**: a flag, a notebook parameter, a roster column, or what the learner typed in a field;
2. **scratchpad**: what an earlier step saved;
3. **configuration**: the AWS configuration (the region only);
4. **default**: the workshop's name for the identity pool.

An id carries its region: a given User Pool ID (or Identity Pool ID) sets the region when none is
given, and the scratchpad's ids count only in the region resolved, so that a pool of another
region is never used by accident. The scratchpad's App client ID goes with its User Pool ID: it
is not used beside another, given, user pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import DEFAULT_IDENTITY_POOL_NAME
from .fields import RESOLVED as NAMES
from .inputs import region_of

GIVEN, SCRATCHPAD, CONFIGURATION, DEFAULT = "given", "scratchpad", "configuration", "default"


@dataclass(frozen=True)
class Resolved:
    """The resolved values (``""`` where none was found) and where each came from (``None``: nowhere)."""

    values: dict[str, str]
    sources: dict[str, str | None]

    def __getitem__(self, name: str) -> str:
        return self.values[name]


def _given(value) -> str:
    return "" if value is None else str(value).strip()


def resolve(given: dict, saved: dict, configured_region: Callable[[], str | None] = lambda: None,
            names=NAMES) -> Resolved:
    """Resolve ``names`` from ``given`` (values that are ``None`` or blank count as not given), the
    scratchpad's ``saved`` values, then ``configured_region()`` (called only when needed)."""
    given = {name: _given(given.get(name)) for name in NAMES}
    values, sources = {}, {}

    def take(name: str, *candidates: tuple[str | None, str]) -> None:
        value, source = next(((v, s) for v, s in candidates if v), ("", None))
        values[name], sources[name] = value, source

    take("region", (given["region"], GIVEN), (region_of(given["user_pool_id"]), GIVEN),
         (region_of(given["identity_pool_id"]), GIVEN), (saved.get("region"), SCRATCHPAD),
         (region_of(saved.get("user_pool_id") or ""), SCRATCHPAD))
    if not values["region"]:
        take("region", (configured_region(), CONFIGURATION))
    region = values["region"].lower()

    def here(key: str) -> str | None:
        # A saved id counts only in the region resolved.
        value = saved.get(key)
        return value if value and region_of(value) == region else None

    saved_pool = here("user_pool_id")
    take("user_pool_id", (given["user_pool_id"], GIVEN), (saved_pool, SCRATCHPAD))
    same_pool = values["user_pool_id"] == saved_pool
    take("app_client_id", (given["app_client_id"], GIVEN),
         (saved.get("app_client_id") if same_pool else None, SCRATCHPAD))
    take("identity_pool_name", (given["identity_pool_name"], GIVEN), (saved.get("identity_pool_name"), SCRATCHPAD),
         (DEFAULT_IDENTITY_POOL_NAME, DEFAULT))
    # The scratchpad's pool id is that of the scratchpad's pool name: not of another, given, name.
    same_name = values["identity_pool_name"] == (saved.get("identity_pool_name") or DEFAULT_IDENTITY_POOL_NAME)
    take("identity_pool_id", (given["identity_pool_id"], GIVEN),
         (here("identity_pool_id") if same_name else None, SCRATCHPAD))
    return Resolved({k: values[k] for k in names}, {k: sources[k] for k in names})

