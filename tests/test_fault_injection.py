"""Each write of the identity-pool ensure fails in turn; a re-run must converge, never duplicate."""

import json

import botocore.client
import pytest

from wildrydes_nb import roles
from wildrydes_nb.identity_pool import find_identity_pools, plan
from wildrydes_nb.apply import ensure
from wildrydes_nb.verify import verify

from test_identity_pool import fresh

FRESH_WRITES = ["CreateIdentityPool", "CreateRole", "SetIdentityPoolRoles"]
REPAIR_WRITES = ["UpdateIdentityPool", "UpdateAssumeRolePolicy", "SetIdentityPoolRoles"]


class Injected(Exception):
    pass


@pytest.fixture
def fail_once(monkeypatch):
    """Make the next call of one operation fail, before it is sent or after AWS did the work."""
    real = botocore.client.BaseClient._make_api_call

    def arm(operation, when):
        armed = {"on": True}

        def call(self, name, params):
            if armed["on"] and name == operation:
                armed["on"] = False
                if when == "after":
                    real(self, name, params)  # the write happens, the answer is lost
                raise Injected(f"{operation} failed ({when})")
            return real(self, name, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", call)
        return armed

    return arm


def assert_converged(session, step):
    pools = find_identity_pools(session, step.identity_pool_name)
    assert len(pools) == 1
    role_names = [r["RoleName"] for r in session.client("iam").list_roles()["Roles"]]
    assert role_names == ["Cognito_wildrydes_identity_poolAuth_Role"]
    assert plan(session, step).up_to_date
    assert verify(session, step, pools[0], proof=False).ok  # the configuration; test_verify proves sign-ins


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("operation", FRESH_WRITES)
def test_fresh_ensure_converges_after_any_write_fails(session, step, fail_once, operation, when):
    armed = fail_once(operation, when)
    with pytest.raises(Injected):
        ensure(fresh(session), step)
    assert not armed["on"]
    ensure(fresh(session), step)
    assert_converged(session, step)


def drift(session, step, pool_id):
    other = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=step.user_pool_id, ClientName="other")["UserPoolClient"]["ClientId"]
    identity = session.client("cognito-identity")
    identity.update_identity_pool(IdentityPoolId=pool_id, IdentityPoolName=step.identity_pool_name,
                                  AllowUnauthenticatedIdentities=True,
                                  CognitoIdentityProviders=[{"ProviderName": step.provider_name,
                                                             "ClientId": other}])
    session.client("iam").update_assume_role_policy(
        RoleName=roles.role_name(step.identity_pool_name),
        PolicyDocument=json.dumps(roles.trust_policy("us-east-2:00000000-1111-2222-3333-444444444444")))
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={})


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("operation", REPAIR_WRITES)
def test_repair_converges_after_any_write_fails(session, step, fail_once, operation, when):
    pool_id = ensure(session, step).identity_pool_id
    drift(session, step, pool_id)
    fail_once(operation, when)
    with pytest.raises(Injected):
        ensure(fresh(session), step)
    ensure(fresh(session), step)
    assert_converged(session, step)
