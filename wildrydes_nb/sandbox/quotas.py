"""Request-rate quotas of Cognito and IAM as data, and the token buckets that enforce them.

AWS measures each quota per account and region (IAM: per account) and refuses a request over
it with a throttling error. Sources, per figure:

- Cognito user pools: "Quotas in Amazon Cognito", table "Amazon Cognito user pools per-category
  request rate quotas" (https://docs.aws.amazon.com/cognito/latest/developerguide/quotas.html).
  Operations share their category's rate; in the categories marked there with note 3 each
  operation is also held to 5 RPS per user pool; RespondToAuthChallenge and
  AdminRespondToAuthChallenge have a quota of their own, three times UserAuthentication's.
- Cognito identity pools: same page, table "Amazon Cognito identity pools (federated identities)
  API operation request rate quotas", per operation. It gives no figure for the pool management
  operations (CreateIdentityPool, ListIdentityPools, DescribeIdentityPool, ...): those are
  ASSUMED at 5 RPS, the page's figure for the other management operations (ListIdentities,
  TagResource, UntagResource).
- IAM: AWS publishes no per-operation rates (its support says they are internal). ASSUMED:
  20 RPS for reads (Get*, List*), 10 RPS for writes, per account.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from typing import Mapping

# The clock the buckets fill with; a test may replace it to move time on.
clock = time.monotonic

# Cognito user pools, by category: (default RPS, operations). AWS's figures.
USER_POOL_CATEGORIES: dict[str, tuple[float, tuple[str, ...]]] = {
    "UserAuthentication": (120, ("InitiateAuth", "AdminInitiateAuth", "GetTokensFromRefreshToken")),
    "UserCreation": (50, ("SignUp", "ConfirmSignUp", "AdminCreateUser", "AdminConfirmSignUp")),
    "UserAccountRecovery": (30, ("ChangePassword", "ConfirmForgotPassword", "ForgotPassword",
                                 "AdminResetUserPassword", "AdminSetUserPassword")),
    "UserRead": (120, ("AdminGetUser", "AdminGetUserAuthFactors", "GetUser")),
    "UserUpdate": (25, ("AdminAddUserToGroup", "AdminDeleteUserAttributes", "AdminUpdateUserAttributes",
                        "AdminDeleteUser", "AdminDisableUser", "AdminEnableUser", "AdminLinkProviderForUser",
                        "AdminDisableProviderForUser", "VerifyUserAttribute", "DeleteUser",
                        "DeleteUserAttributes", "UpdateUserAttributes", "AdminUserGlobalSignOut",
                        "GlobalSignOut", "AdminRemoveUserFromGroup")),
    "UserToken": (120, ("RevokeToken",)),
    "UserResourceRead": (50, ("AdminGetDevice", "AdminListGroupsForUser", "AdminListDevices", "GetDevice",
                              "ListDevices", "GetUserAttributeVerificationCode", "ResendConfirmationCode",
                              "AdminListUserAuthEvents")),
    "UserResourceUpdate": (25, ("AdminForgetDevice", "AdminUpdateAuthEventFeedback",
                                "AdminSetUserMFAPreference", "AdminDeleteSoftwareToken", "AdminSetUserSettings",
                                "AdminUpdateDeviceStatus", "UpdateDeviceStatus", "UpdateAuthEventFeedback",
                                "ConfirmDevice", "SetUserMFAPreference", "SetUserSettings",
                                "VerifySoftwareToken", "AssociateSoftwareToken", "ForgetDevice")),
    "UserList": (30, ("ListUsers", "ListUsersInGroup")),
    "UserPoolRead": (15, ("DescribeUserPool", "ListUserPools")),
    "UserPoolUpdate": (15, ("CreateUserPool", "UpdateUserPool", "DeleteUserPool")),
    "UserPoolResourceRead": (20, ("DescribeIdentityProvider", "DescribeResourceServer",
                                  "DescribeUserImportJob", "DescribeUserPoolDomain", "GetCSVHeader", "GetGroup",
                                  "GetSigningCertificate", "GetIdentityProviderByIdentifier",
                                  "GetUserPoolMfaConfig", "ListGroups", "ListIdentityProviders",
                                  "ListResourceServers", "ListTagsForResource", "ListUserImportJobs",
                                  "DescribeRiskConfiguration", "GetUICustomization")),
    "UserPoolResourceUpdate": (15, ("AddCustomAttributes", "CreateGroup", "CreateIdentityProvider",
                                    "CreateResourceServer", "CreateUserImportJob", "CreateUserPoolDomain",
                                    "DeleteGroup", "DeleteIdentityProvider", "DeleteResourceServer",
                                    "DeleteUserPoolDomain", "SetUserPoolMfaConfig", "StartUserImportJob",
                                    "StopUserImportJob", "UpdateGroup", "UpdateIdentityProvider",
                                    "UpdateResourceServer", "UpdateUserPoolDomain", "SetRiskConfiguration",
                                    "SetUICustomization", "TagResource", "UntagResource")),
    "UserPoolClientRead": (15, ("DescribeUserPoolClient", "ListUserPoolClients")),
    "UserPoolClientUpdate": (15, ("CreateUserPoolClient", "DeleteUserPoolClient", "UpdateUserPoolClient")),
}
# Note 3 of AWS's table: each operation of these categories also at most 5 RPS per user pool.
PER_USER_POOL_RPS = 5
PER_USER_POOL_CATEGORIES = frozenset({"UserPoolResourceRead", "UserPoolResourceUpdate",
                                      "UserPoolClientRead", "UserPoolClientUpdate"})
# AWS's special handling: challenge responses have three times UserAuthentication's rate.
CHALLENGE_RESPONSES = ("RespondToAuthChallenge", "AdminRespondToAuthChallenge")
CHALLENGE_CATEGORY = "UserAuthenticationChallenges"

# Cognito identity pools, by operation. AWS's figures.
IDENTITY_POOL_OPERATIONS: dict[str, float] = {
    "GetId": 25, "GetOpenIdToken": 200, "GetCredentialsForIdentity": 200,
    "GetOpenIdTokenForDeveloperIdentity": 50, "ListIdentities": 5, "DeleteIdentities": 10,
    "TagResource": 5, "UntagResource": 5, "ListTagsForResource": 10,
}
# ASSUMED: any other identity pool operation (CreateIdentityPool, ListIdentityPools, ...).
IDENTITY_POOL_OTHER_RPS = 5

# ASSUMED: IAM publishes no rates.
IAM_READ_RPS = 20
IAM_WRITE_RPS = 10

# The service names used here, as in the request's credential scope.
COGNITO_IDENTITY, COGNITO_IDP, IAM = "cognito-identity", "cognito-idp", "iam"


@dataclass(frozen=True)
class Bucket:
    """One quota a request counts against: its name, its rate and what it is kept per."""

    name: str  # a category (UserCreation, IAM read) or an operation (GetId)
    rps: float
    scope: tuple[str, ...]  # (account, region) or (account, region, user pool id)


def buckets_for(service: str, operation: str, account: str, region: str, user_pool_id: str = "",
                overrides: Mapping[str, float] | None = None) -> list[Bucket]:
    """The quotas a request to ``service``'s ``operation`` counts against ([] when none applies).

    ``overrides`` maps an operation or a category name to another rate: an operation given
    there is held to that rate on its own, instead of sharing its category's.
    """
    overrides = overrides or {}
    if operation in overrides:
        return [Bucket(operation, overrides[operation], (account, region))]
    category, rps = _default(service, operation)
    if category is None:
        return []
    found = [Bucket(category, overrides.get(category, rps), (account, region))]
    if category in PER_USER_POOL_CATEGORIES and user_pool_id:
        found.append(Bucket(operation, PER_USER_POOL_RPS, (account, region, user_pool_id)))
    return found


def _default(service: str, operation: str) -> tuple[str | None, float]:
    if service == COGNITO_IDENTITY:
        return operation, IDENTITY_POOL_OPERATIONS.get(operation, IDENTITY_POOL_OTHER_RPS)
    if service == COGNITO_IDP:
        if operation in CHALLENGE_RESPONSES:
            return CHALLENGE_CATEGORY, 3 * USER_POOL_CATEGORIES["UserAuthentication"][0]
        for category, (rps, operations) in USER_POOL_CATEGORIES.items():
            if operation in operations:
                return category, rps
        return None, 0
    if service == IAM:
        if operation.startswith(("Get", "List")):
            return "IAM read", IAM_READ_RPS
        return "IAM write", IAM_WRITE_RPS
    return None, 0


class TokenBuckets:
    """Token buckets by quota and scope: each holds up to one second's worth of requests and
    refills at its rate, as AWS describes its throttling. Thread-safe (the server is threaded)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._levels: dict[tuple, tuple[float, float]] = {}  # key -> (tokens, clock() then)

    def take(self, buckets: list[Bucket]) -> bool:
        """Take one token from every bucket, or none and ``False`` if one of them is empty."""
        now = clock()
        with self._lock:
            levels = {}
            for bucket in buckets:
                key = (bucket.name, *bucket.scope)
                tokens, then = self._levels.get(key, (_capacity(bucket.rps), now))
                tokens = min(_capacity(bucket.rps), tokens + (now - then) * bucket.rps)
                if tokens < 1:
                    return False
                levels[key] = tokens
            for key, tokens in levels.items():
                self._levels[key] = (tokens - 1, now)
            return True

    def clear(self) -> None:
        """Forget every bucket: all full again."""
        with self._lock:
            self._levels.clear()


def _capacity(rps: float) -> float:
    # At least one request, or a rate under 1 RPS would never let one through.
    return max(1.0, math.floor(rps))
