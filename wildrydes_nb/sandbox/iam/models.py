"""When IAM roles were created or their trust changed, and whether that trust admits Cognito Identity."""

from __future__ import annotations

import json
import math
import time
from fnmatch import fnmatchcase
from typing import Any

from moto.iam.exceptions import NotFoundException
from moto.iam.models import IAMBackend, Role, iam_backends

COGNITO_IDENTITY_PRINCIPAL = "cognito-identity.amazonaws.com"


def cognito_identity_principal(region: str) -> str:
    """The principal (and condition-key prefix) of Cognito Identity in ``region``'s partition: AWS
    GovCloud (US) has its own, and US-East another (AWS GovCloud (US) User Guide, "Amazon Cognito
    in AWS GovCloud (US)"). A trust naming another partition's admits nothing there."""
    if region == "us-gov-east-1":
        return "cognito-identity.us-gov-east-1.amazonaws.com"
    if region.startswith("us-gov-"):
        return "cognito-identity-us-gov.amazonaws.com"
    return COGNITO_IDENTITY_PRINCIPAL

# The clock that propagation is measured with; a test may replace it to move time on.
clock = time.monotonic

# Seconds during which a new role, or a role whose trust changed, cannot be assumed yet.
# Process-wide, like moto's state: every sandbox server and mock_aws() in this process share it.
_propagation_delay = 0.0

# Taken when this module is first imported, which install() does before it copies the
# extension onto moto's class, so these stay moto's own methods.
_moto_create_role = IAMBackend.create_role
_moto_update_assume_role_policy = IAMBackend.update_assume_role_policy


def get_propagation_delay() -> float:
    """The seconds a new or re-trusted role stays unusable (0: usable at once)."""
    return _propagation_delay


def set_propagation_delay(seconds: float) -> float:
    """Make new and re-trusted roles unusable for `seconds`; return the previous delay."""
    global _propagation_delay
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise TypeError(f"the IAM delay must be a number of seconds, not {seconds!r}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"the IAM delay must be 0 or more seconds, not {seconds!r}")
    previous, _propagation_delay = _propagation_delay, float(seconds)
    return previous


class IAMBackendExtension:
    """Methods that `install()` copies onto moto's `IAMBackend`."""

    @property
    def role_changes(self) -> dict[str, float]:
        """`clock()` at the last creation or trust change of each role, by role id."""
        # Created on first use in the instance dict: moto's reset() empties that dict, so
        # /moto-api/reset clears it, and backends built before install() get it too.
        return self.__dict__.setdefault("_role_changes", {})

    def create_role(self, *args: Any, **kwargs: Any) -> Role:
        role = _moto_create_role(self, *args, **kwargs)
        self.role_changes[role.id] = clock()
        return role

    def update_assume_role_policy(self, role_name: str, policy_document: str) -> None:
        _moto_update_assume_role_policy(self, role_name, policy_document)
        self.role_changes[self.get_role(role_name).id] = clock()


def _role(role_arn: str) -> Role | None:
    """The role with this ARN in moto's IAM, or None if there is no such role."""
    parts = role_arn.split(":")
    if len(parts) < 6:
        return None
    try:
        return iam_backends[parts[4]][parts[1]].get_role_by_arn(role_arn)
    except (NotFoundException, KeyError):
        return None


def has_oidc_provider(role_arn: str, issuer: str) -> bool:
    """Whether the role's account has an IAM OpenID Connect provider for this token issuer."""
    parts = role_arn.split(":")
    if len(parts) < 6:
        return False
    backend = iam_backends[parts[4]][parts[1]] if parts[4] in iam_backends else None
    url = issuer.split("://", 1)[-1].rstrip("/")
    return backend is not None and any(
        provider.url.rstrip("/") == url for provider in backend.open_id_providers.values()
    )


def is_propagating(role_arn: str) -> bool:
    """Whether the role was created, or its trust changed, less than the IAM delay ago."""
    role = _role(role_arn)
    if role is None:
        return False
    backend = iam_backends[role.account_id][role.partition]
    changed = backend.role_changes.get(role.id)
    return changed is not None and clock() - changed < _propagation_delay


def trust_admits_cognito(role_arn: str, identity_pool_id: str, amr: list[str]) -> bool:
    """Whether the role's trust lets Cognito Identity assume it for this pool and these `amr`.

    A missing role admits nothing.
    """
    role = _role(role_arn)
    if role is None:
        return False
    try:
        statements = json.loads(role.assume_role_policy_document or "{}").get("Statement", [])
    except (ValueError, AttributeError):
        return False
    if isinstance(statements, dict):
        statements = [statements]
    return any(
        _statement_admits(statement, identity_pool_id, amr)
        for statement in statements
        if isinstance(statement, dict)
    )


def _statement_admits(statement: dict[str, Any], identity_pool_id: str, amr: list[str]) -> bool:
    # The aud condition is what keeps other pools out, so a statement without it does not
    # count (IAM refuses such a trust for this principal; the console's has both conditions).
    principal = statement.get("Principal")
    federated = principal.get("Federated") if isinstance(principal, dict) else None
    cognito = cognito_identity_principal(identity_pool_id.split(":", 1)[0])
    condition = statement.get("Condition") or {}
    audiences = _as_list(condition.get("StringEquals", {}).get(f"{cognito}:aud"))
    amr_patterns = _as_list(condition.get("ForAnyValue:StringLike", {}).get(f"{cognito}:amr"))
    return (
        statement.get("Effect") == "Allow"
        and cognito in _as_list(federated)
        and "sts:AssumeRoleWithWebIdentity" in _as_list(statement.get("Action"))
        and identity_pool_id in audiences
        and any(fnmatchcase(value, pattern) for value in amr for pattern in amr_patterns)
    )


def _as_list(value: Any) -> list[Any]:
    """IAM policies allow a single value wherever a list is allowed."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
