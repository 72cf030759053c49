"""The step itself against the sandbox: create, re-run without writes, repair drift, plan."""

import json

import pytest

from wildrydes_nb import roles
from wildrydes_nb.aws import client, count_calls, new_session
from wildrydes_nb.errors import NotFoundError, NotYoursError, PrerequisiteError, RoleInUseError
from wildrydes_nb.identity_pool import Observed, desired_providers, diff, find_identity_pools, plan
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input

WRITES = ("Create", "Update", "Set", "Delete", "Put", "Attach", "Detach", "Add", "Remove", "Tag")


def writes(counts):
    return {k: v for k, v in counts.items() if k.split(".")[1].removeprefix("Admin").startswith(WRITES)}


def fresh(session):
    """A new session on the same sandbox, so call counters see every client it creates."""
    return new_session(region_name=session.region_name)


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


def test_several_pools_of_the_name_none_yours_stop_and_say_which(session, step):
    identity = session.client("cognito-identity")
    ids = [identity.create_identity_pool(IdentityPoolName=step.identity_pool_name,
                                         AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
           for _ in range(2)]
    with pytest.raises(NotYoursError) as caught:
        ensure(session, step)
    assert all(i in caught.value.problem for i in ids) and "none is provably yours" in caught.value.problem
    assert "a name of its own" in caught.value.fix
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


# --- One account, several regions, roles named in today's console ---

def other_region(region="us-east-1"):
    """The same learner's account in another region, with the workshop's user pool there too."""
    from wildrydes_nb.user_pool import ensure_user_pool

    there = new_session(region_name=region)
    made = ensure_user_pool(there)
    return there, check_step_input(region, made.user_pool_id, made.app_client_id)


def test_a_role_trusted_by_the_same_name_in_another_region_stops_the_plan(session, step):
    there, step_there = other_region()
    first = ensure(there, step_there)
    counted = fresh(session)
    counts = count_calls(counted)
    with pytest.raises(RoleInUseError) as caught:
        ensure(counted, step)
    err = caught.value
    assert writes(counts) == {}
    assert err.field == "identity_pool_name"
    assert err.problem.startswith(
        f"the IAM role Cognito_wildrydes_identity_poolAuth_Role is trusted by the identity pool "
        f"{first.identity_pool_id} in us-east-1, linked to {step_there.user_pool_id}, which still exists; pointing "
        f"the role at the new pool 'wildrydes_identity_pool' in us-east-2 would take it from that pool.")
    assert "a name of its own" in err.fix
    # Never a command that would delete that pool (it may be someone else's): its owner's cleanup finds it.
    assert first.identity_pool_id not in err.fix and "cleanup --region us-east-1 --user-pool-id" in err.fix
    role = roles.get_role(session, "Cognito_wildrydes_identity_poolAuth_Role")
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], first.identity_pool_id) == {}
    # Another name is a way out: its role is its own.
    renamed = check_step_input(step.region, step.user_pool_id, step.app_client_id, "wildrydes_identity_pool_ohio")
    assert ensure(session, renamed).authenticated_role_arn.endswith(":role/Cognito_wildrydes_identity_pool_ohioAuth_Role")


def test_a_role_trusted_by_a_deleted_pool_in_another_region_is_re_pointed(session, step):
    there, step_there = other_region()
    stale = ensure(there, step_there).identity_pool_id
    there.client("cognito-identity").delete_identity_pool(IdentityPoolId=stale)
    assert [a.kind for a in plan(session, step).actions] == ["create_pool", "repair_trust", "set_roles"]
    result = ensure(session, step)
    role = roles.get_role(session, "Cognito_wildrydes_identity_poolAuth_Role")
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], result.identity_pool_id) == {}


CONSOLE_ROLE = "wildrydes-identity-pool-authenticated"


def console_pool(session, step, trusted: str | None = None) -> tuple[str, str]:
    """The pool as today's console makes it: its role named by the learner, with the S3 step's policy."""
    identity, iam = session.client("cognito-identity"), session.client("iam")
    pool_id = identity.create_identity_pool(IdentityPoolName=step.identity_pool_name,
                                            AllowUnauthenticatedIdentities=False,
                                            CognitoIdentityProviders=desired_providers(step))["IdentityPoolId"]
    arn = iam.create_role(RoleName=CONSOLE_ROLE, Path="/service-role/",
                          AssumeRolePolicyDocument=json.dumps(roles.trust_policy(trusted or pool_id)))["Role"]["Arn"]
    iam.put_role_policy(RoleName=CONSOLE_ROLE, PolicyName="WildRydes-S3Access", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": arn})
    return pool_id, arn


def role_names(session):
    return sorted(r["RoleName"] for r in session.client("iam").list_roles()["Roles"])


def test_a_right_console_role_with_its_own_name_is_kept(session, step):
    pool_id, arn = console_pool(session, step)
    assert plan(session, step).up_to_date
    counted = fresh(session)
    counts = count_calls(counted)
    result = ensure(counted, step)
    assert writes(counts) == {}
    assert result.identity_pool_id == pool_id and result.authenticated_role_arn == arn
    assert role_names(session) == [CONSOLE_ROLE]
    # Any other change leaves the role as it is, and the plan says so.
    session.client("cognito-identity").update_identity_pool(
        IdentityPoolId=pool_id, IdentityPoolName=step.identity_pool_name, AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[{"ProviderName": step.provider_name, "ClientId": step.app_client_id,
                                   "ServerSideTokenCheck": False}])
    planned = plan(session, step)
    assert [a.kind for a in planned.actions] == ["update_pool"]
    assert planned.kept == [f"authenticated role {CONSOLE_ROLE}: already right, kept"]
    assert f"- authenticated role {CONSOLE_ROLE}: already right, kept" in planned.to_text()


def test_a_console_role_with_a_wrong_trust_is_repaired_not_replaced(session, step):
    pool_id, arn = console_pool(session, step, trusted="us-east-2:00000000-1111-2222-3333-444444444444")
    planned = plan(session, step)
    assert [(a.kind, a.role_name) for a in planned.actions] == [("repair_trust", CONSOLE_ROLE)]
    result = ensure(session, step)
    assert result.authenticated_role_arn == arn
    assert role_names(session) == [CONSOLE_ROLE]
    role = roles.get_role(session, CONSOLE_ROLE)
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], pool_id) == {}
    assert session.client("iam").list_role_policies(RoleName=CONSOLE_ROLE)["PolicyNames"] == ["WildRydes-S3Access"]


def test_an_attached_role_gone_from_iam_is_replaced_by_the_conventional_one(session, step):
    pool_id, _ = console_pool(session, step)
    roles.delete_role(session, CONSOLE_ROLE)
    assert [(a.kind, a.role_name) for a in plan(session, step).actions] == [
        ("create_role", "Cognito_wildrydes_identity_poolAuth_Role"), ("set_roles", None)]
    result = ensure(session, step)
    assert result.authenticated_role_arn.endswith(":role/Cognito_wildrydes_identity_poolAuth_Role")
    assert session.client("cognito-identity").get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {
        "authenticated": result.authenticated_role_arn}


def test_update_sends_the_whole_pool_with_classic_flow_off(session, step):
    identity = session.client("cognito-identity")
    other_client = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=step.user_pool_id, ClientName="other")["UserPoolClient"]["ClientId"]
    pool_id = identity.create_identity_pool(
        IdentityPoolName=step.identity_pool_name, AllowUnauthenticatedIdentities=False,
        SupportedLoginProviders={"graph.facebook.com": "7346241598935552"}, DeveloperProviderName="login.wildrydes",
        CognitoIdentityProviders=[{"ProviderName": step.provider_name, "ClientId": other_client}],
        IdentityPoolTags={"course": "serverless-auth"})["IdentityPoolId"]
    sent = []
    client(session, "cognito-identity").meta.events.register(
        "before-parameter-build.cognito-identity.UpdateIdentityPool", lambda params, **_: sent.append(dict(params)))
    ensure(session, step)
    assert sent == [{"IdentityPoolId": pool_id, "IdentityPoolName": step.identity_pool_name,
                     "AllowUnauthenticatedIdentities": False, "AllowClassicFlow": False,
                     "SupportedLoginProviders": {"graph.facebook.com": "7346241598935552"},
                     "DeveloperProviderName": "login.wildrydes",
                     "CognitoIdentityProviders": desired_providers(step),
                     "IdentityPoolTags": {"course": "serverless-auth"}}]
    assert identity.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolTags"] == {
        "course": "serverless-auth"}


def test_classic_flow_on_is_drift(step):
    pool = {"IdentityPoolId": "us-east-2:1a2b3c4d-0000-1111-2222-333344445555",
            "IdentityPoolName": step.identity_pool_name, "AllowUnauthenticatedIdentities": False,
            "AllowClassicFlow": True, "CognitoIdentityProviders": desired_providers(step)}
    role = {"RoleName": "r", "Arn": "arn:aws:iam::123456789012:role/r",
            "AssumeRolePolicyDocument": roles.trust_policy(pool["IdentityPoolId"])}
    observed = Observed(pool, {"authenticated": role}, {"Roles": {"authenticated": role["Arn"]}},
                        {"authenticated": "r"})
    [action] = diff(step, observed)
    assert action.kind == "update_pool" and "basic (classic) flow → off" in action.detail
