"""Seed a sandbox as the workshop's earlier steps leave a learner's real account.

The workshop's console steps make a user pool whose users sign in with a username, with email
and phone number as aliases and deletion protection on (the console's default), and an app
client without a secret that keeps the console's default flows, SRP and refresh only. Today's
console may also have made the identity pool already, with an authenticated role named as the
learner chose, which later steps give policies. :func:`seed` makes the same through the API.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import DEFAULT_APP_CLIENT_NAME, DEFAULT_IDENTITY_POOL_NAME, DEFAULT_USER_POOL_NAME

# What the console leaves, as CreateUserPool / CreateUserPoolClient parameters.
CONSOLE_USER_POOL = {"PoolName": DEFAULT_USER_POOL_NAME, "AliasAttributes": ["email", "phone_number"],
                     "AutoVerifiedAttributes": ["email"], "MfaConfiguration": "OFF",
                     "DeletionProtection": "ACTIVE"}
CONSOLE_APP_CLIENT = {"ClientName": DEFAULT_APP_CLIENT_NAME, "GenerateSecret": False,
                      "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
                      # The console selects "Prevent user existence errors" (AWS guide, "Managing user
                      # existence error responses"); the API defaults to LEGACY.
                      "PreventUserExistenceErrors": "ENABLED"}
# A name a learner could type in today's console: not the old Cognito_<pool>Auth_Role.
CONSOLE_AUTH_ROLE = "wildrydes-identity-pool-authenticated"
# The inline policy the workshop's S3 step adds to the authenticated role.
S3_POLICY_NAME = "WildRydes-S3Access"


@dataclass(frozen=True)
class WorkshopAccount:
    """The ids of what :func:`seed` made."""

    region: str
    user_pool_id: str
    app_client_id: str
    identity_pool_id: str | None = None
    authenticated_role_arn: str | None = None

    def scratchpad_values(self) -> dict[str, str]:
        """What a learner would have copied into the scratchpad by now."""
        values = {"region": self.region, "user_pool_id": self.user_pool_id, "app_client_id": self.app_client_id}
        if self.identity_pool_id:
            values["identity_pool_id"] = self.identity_pool_id
        return values


def seed(session, *, console_identity_pool: bool = False) -> WorkshopAccount:
    """Make, in the session's region, the user pool and app client the workshop's console makes.

    With ``console_identity_pool`` also the identity pool ``wildrydes_identity_pool`` as today's
    console makes it: linked to that client, unauthenticated identities off, and an
    authenticated role named :data:`CONSOLE_AUTH_ROLE` carrying the S3 step's inline policy.
    Meant for an empty sandbox: each call makes new resources.
    """
    region = session.region_name
    idp = session.client("cognito-idp")
    user_pool_id = idp.create_user_pool(**CONSOLE_USER_POOL)["UserPool"]["Id"]
    app_client_id = idp.create_user_pool_client(UserPoolId=user_pool_id,
                                                **CONSOLE_APP_CLIENT)["UserPoolClient"]["ClientId"]
    if not console_identity_pool:
        return WorkshopAccount(region, user_pool_id, app_client_id)
    identity = session.client("cognito-identity")
    provider = f"cognito-idp.{region}.amazonaws.com/{user_pool_id}"
    pool_id = identity.create_identity_pool(
        IdentityPoolName=DEFAULT_IDENTITY_POOL_NAME, AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": app_client_id,
                                   "ServerSideTokenCheck": False}])["IdentityPoolId"]
    iam = session.client("iam")
    trust = {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                            "Action": "sts:AssumeRoleWithWebIdentity",
                            "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                                          "ForAnyValue:StringLike": {
                                              "cognito-identity.amazonaws.com:amr": "authenticated"}}}]}
    role_arn = iam.create_role(RoleName=CONSOLE_AUTH_ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    s3_access = {"Version": "2012-10-17",
                 "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
                                "Resource": "arn:aws:s3:::wildrydes-*/private/${cognito-identity.amazonaws.com:sub}/*"}]}
    iam.put_role_policy(RoleName=CONSOLE_AUTH_ROLE, PolicyName=S3_POLICY_NAME, PolicyDocument=json.dumps(s3_access))
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role_arn})
    return WorkshopAccount(region, user_pool_id, app_client_id, pool_id, role_arn)
