"""The step itself against the sandbox: create, re-run without writes, repair drift, plan."""

import json

import pytest

from wildrydes_nb import roles
from wildrydes_nb.aws import count_calls
from wildrydes_nb.errors import AmbiguousPoolError, NotFoundError, PrerequisiteError
from wildrydes_nb.identity_pool import ensure, find_identity_pools, plan
from wildrydes_nb.inputs import check_step_input

WRITES = ("Create", "Update", "Set", "Delete", "Put", "Attach", "Detach", "Add", "Remove", "Tag")


def writes(counts):
    return {k: v for k, v in counts.items() if k.split(".")[1].removeprefix("Admin").startswith(WRITES)}


def fresh(session):
    """A new session on the same sandbox, so call counters see every client it creates."""
    import boto3

    return boto3.Session(region_name=session.region_name)


def test_fresh_ensure_creates_pool_role_and_link(session, step, scratchpad):
    result = ensure(session, step, scratchpad=scratchpad)
    identity = session.client("cognito-identity")
    pool = identity.describe_identity_pool(IdentityPoolId=result.identity_pool_id)
    assert pool["IdentityPoolName"] == "wildrydes_identity_pool"
    assert pool["AllowUnauthenticatedIdentities"] is False
    assert pool["CognitoIdentityProviders"] == [{
        "ProviderName": f"cognito-idp.us-east-2.amazonaws.com/{step.user_pool_id}",
        "ClientId": step.app_client_id, "ServerSideTokenCheck": False}]
    attached = identity.get_identity_pool_roles(IdentityPoolId=result.identity_pool_id)["Roles"]
    assert attached == {"authenticated": result.authenticated_role_arn}
    assert result.authenticated_role_arn.endswith(":role/Cognito_wildrydes_identity_poolAuth_Role")
    role = session.client("iam").get_role(RoleName="Cognito_wildrydes_identity_poolAuth_Role")["Role"]
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], result.identity_pool_id) == {}
    saved = scratchpad.read()
    assert saved["identity_pool_id"] == result.identity_pool_id
    assert saved["authenticated_role_arn"] == result.authenticated_role_arn
    assert saved["user_pool_id"] == step.user_pool_id and saved["region"] == "us-east-2"


def test_rerun_makes_no_write_and_fresh_run_stays_within_eight_calls(session, step):
    counted = fresh(session)
    counts = count_calls(counted)
    first = ensure(counted, step)
    assert 0 < sum(counts.values()) <= 8, counts
    assert set(writes(counts)) == {"cognito-identity.CreateIdentityPool", "iam.CreateRole",
                                   "cognito-identity.SetIdentityPoolRoles"}
    counts.clear()
    second = ensure(counted, step)
    assert writes(counts) == {} and second.actions == ()
    assert second.identity_pool_id == first.identity_pool_id
    assert plan(counted, step).up_to_date


def test_plan_writes_nothing_and_lists_actions(session, step):
    counted = fresh(session)
    counts = count_calls(counted)
    planned = plan(counted, step)
    assert writes(counts) == {}
    assert [a.kind for a in planned.actions] == ["create_pool", "create_role", "set_roles"]
    assert "create identity pool 'wildrydes_identity_pool'" in planned.to_text()
    assert find_identity_pools(session, "wildrydes_identity_pool") == []


def test_repairs_drift(session, step, user_pool):
    result = ensure(session, step)
    identity, iam = session.client("cognito-identity"), session.client("iam")
    other_client = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=step.user_pool_id, ClientName="other")["UserPoolClient"]["ClientId"]
    identity.update_identity_pool(
        IdentityPoolId=result.identity_pool_id, IdentityPoolName=step.identity_pool_name,
        AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[{"ProviderName": step.provider_name, "ClientId": other_client}])
    iam.update_assume_role_policy(RoleName=roles.name_from_arn(result.authenticated_role_arn),
                                  PolicyDocument=json.dumps(roles.trust_policy("us-east-2:0000-1111")))
    identity.set_identity_pool_roles(IdentityPoolId=result.identity_pool_id, Roles={})
    kinds = [a.kind for a in plan(session, step).actions]
    assert kinds == ["update_pool", "repair_trust", "set_roles"]
    repaired = ensure(session, step)
    assert repaired.identity_pool_id == result.identity_pool_id
    assert plan(session, step).up_to_date


def test_recreates_a_deleted_role(session, step):
    result = ensure(session, step)
    roles.delete_role(session, roles.name_from_arn(result.authenticated_role_arn))
    assert [a.kind for a in plan(session, step).actions] == ["create_role", "set_roles"]
    ensure(session, step)
    assert plan(session, step).up_to_date


def test_allow_unauthenticated_adds_and_removes_the_unauth_role(session, step):
    with_guests = check_step_input(step.region, step.user_pool_id, step.app_client_id,
                                   allow_unauthenticated=True)
    result = ensure(session, with_guests)
    identity = session.client("cognito-identity")
    assert set(identity.get_identity_pool_roles(IdentityPoolId=result.identity_pool_id)["Roles"]) == {
        "authenticated", "unauthenticated"}
    role = roles.get_role(session, roles.role_name(step.identity_pool_name, "unauthenticated"))
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], result.identity_pool_id, "unauthenticated") == {}
    ensure(session, step)
    assert identity.describe_identity_pool(IdentityPoolId=result.identity_pool_id)[
        "AllowUnauthenticatedIdentities"] is False
    assert set(identity.get_identity_pool_roles(IdentityPoolId=result.identity_pool_id)["Roles"]) == {
        "authenticated"}


def test_several_pools_with_the_name_stop_and_say_which(session, step):
    identity = session.client("cognito-identity")
    ids = [identity.create_identity_pool(IdentityPoolName=step.identity_pool_name,
                                         AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
           for _ in range(2)]
    with pytest.raises(AmbiguousPoolError) as caught:
        ensure(session, step)
    assert all(i in caught.value.problem for i in ids) and caught.value.fix
    assert len(find_identity_pools(session, step.identity_pool_name)) == 2


def test_missing_user_pool_and_foreign_client_create_nothing(session, step, sandbox):
    missing = check_step_input("us-east-2", "us-east-2_Missing1", step.app_client_id)
    with pytest.raises(NotFoundError) as caught:
        ensure(session, missing)
    assert caught.value.field == "user_pool_id" and "does not exist" in caught.value.problem
    foreign = check_step_input("us-east-2", step.user_pool_id, "abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(PrerequisiteError) as caught:
        ensure(session, foreign)
    assert caught.value.field == "app_client_id" and "does not belong" in caught.value.problem
    assert find_identity_pools(session, step.identity_pool_name) == []
    assert session.client("iam").list_roles()["Roles"] == []


def test_progress_reports_every_stage_in_order(session, step, scratchpad):
    seen = []
    ensure(session, step, scratchpad=scratchpad, progress=lambda *event: seen.append(event))
    finals = [(stage, state) for stage, state, _ in seen if state != "running"]
    assert finals == [("input", "done"), ("identity pool", "done"), ("authenticated role", "done"),
                      ("unauthenticated role", "skipped"), ("roles attached", "done"), ("scratchpad", "done")]
