"""Cleanup deletes what the package made, copes with half-deleted state, and is safe to re-run."""

import json

from wildrydes_nb import render, roles
from wildrydes_nb.cleanup import cleanup, plan_cleanup
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.apply import ensure


def kinds(targets):
    return sorted((t.kind, t.name.split("/")[-1]) for t in targets)


def test_cleanup_removes_pool_roles_and_test_users(session, step):
    result = ensure(session, step)
    idp = session.client("cognito-idp")
    # The workshop's pool signs in by username, with email as an alias.
    idp.admin_create_user(UserPoolId=step.user_pool_id, Username="wildrydes-verify-left",
                          UserAttributes=[{"Name": "email", "Value": "wildrydes-verify-left@example.com"}],
                          MessageAction="SUPPRESS")
    idp.admin_create_user(UserPoolId=step.user_pool_id, Username="learner", MessageAction="SUPPRESS")
    targets = plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id)
    assert [t.kind for t in targets] == ["identity pool", "IAM role", "test user"]
    assert targets[0].name == result.identity_pool_id
    report = cleanup(session, targets)
    assert report.ok, report.to_text()
    assert report.summary() == "3 deleted, 0 already gone, 0 not deleted: everything listed is gone"
    assert "checks" not in report.to_text()
    assert find_identity_pools(session, step.identity_pool_name) == []
    assert roles.get_role(session, roles.role_name(step.identity_pool_name)) is None
    left = [u for u in idp.list_users(UserPoolId=step.user_pool_id)["Users"]]
    assert len(left) == 1  # the learner's own user is kept
    assert idp.describe_user_pool(UserPoolId=step.user_pool_id)  # kept unless asked


def test_role_with_policies_is_deleted(session, step):
    ensure(session, step)
    iam = session.client("iam")
    name = roles.role_name(step.identity_pool_name)
    document = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]})
    iam.put_role_policy(RoleName=name, PolicyName="api", PolicyDocument=document)
    arn = iam.create_policy(PolicyName="api", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    assert cleanup(session, plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id)).ok
    assert roles.get_role(session, name) is None


def test_half_deleted_state_and_rerun(session, step):
    result = ensure(session, step)
    session.client("cognito-identity").delete_identity_pool(IdentityPoolId=result.identity_pool_id)
    targets = plan_cleanup(session, identity_pool_name=step.identity_pool_name,
                           user_pool_id=step.user_pool_id, saved_id=result.identity_pool_id)
    assert kinds(targets) == [("IAM role", "Cognito_wildrydes_identity_poolAuth_Role")]
    assert cleanup(session, targets).ok
    assert plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id) == []
    again = cleanup(session, targets)
    assert again.ok and "already gone" in again.checks[0].detail


def test_user_pool_only_when_asked(session, step):
    ensure(session, step)
    targets = plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id,
                           delete_user_pool=True)
    assert targets[-1].kind == "user pool"
    assert cleanup(session, targets).ok
    assert session.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []


def test_a_foreign_role_with_the_name_but_not_ours_is_kept(session, step):
    name = roles.role_name(step.identity_pool_name)
    session.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(roles.trust_policy("x:1")))
    assert plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id) == []


def test_a_role_another_regions_live_pool_trusts_is_kept_and_said(session, step):
    from test_identity_pool import other_region

    there, step_there = other_region()
    first = ensure(there, step_there)
    name = roles.role_name(step.identity_pool_name)
    # Here, in us-east-2, there is no pool: the role is the us-east-1 pool's.
    here = plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id)
    assert here == [] and here.kept == [
        f"IAM role {name}: kept, because the identity pool {first.identity_pool_id} (region us-east-1) "
        "still exists and trusts it"]
    # In us-east-1, the pool is deleted with its role.
    targets = plan_cleanup(there, identity_pool_name=step.identity_pool_name, user_pool_id=step_there.user_pool_id)
    assert kinds(targets) == [("IAM role", name), ("identity pool", first.identity_pool_id)] and targets.kept == []
    assert cleanup(there, targets).ok
    assert roles.get_role(session, name) is None


def test_two_names_that_once_shared_a_role_each_have_their_own(session, step):
    from wildrydes_nb.inputs import check_step_input

    spaced, underscored = (check_step_input(step.region, step.user_pool_id, step.app_client_id, name)
                           for name in ("team a", "team_a"))
    first, second = ensure(session, spaced), ensure(session, underscored)
    assert first.authenticated_role_arn != second.authenticated_role_arn
    assert cleanup(session, plan_cleanup(session, identity_pool_name="team a", user_pool_id=step.user_pool_id)).ok
    role = roles.get_role(session, roles.name_from_arn(second.authenticated_role_arn))
    assert roles.trust_problems(role["AssumeRolePolicyDocument"], second.identity_pool_id) == {}
    assert find_identity_pools(session, "team_a") == [second.identity_pool_id]


def refused_fix(report):
    (refused,) = [c for c in report.checks if not c.passed]
    return refused.fix


DELETION_PROTECTED = ("The user pool cannot be deleted because deletion protection is activated. "
                      "Deletion protection must be inactivated first.")


def test_a_deletion_protected_user_pool_is_reported_not_deleted_with_how_to_turn_it_off(session, scratchpad):
    from wildrydes_nb.cleanup import forget
    from wildrydes_nb.inputs import check_step_input

    # The console turns deletion protection on for the pools it makes.
    idp = session.client("cognito-idp")
    user_pool_id = idp.create_user_pool(PoolName="WildRydes", DeletionProtection="ACTIVE")["UserPool"]["Id"]
    app_client_id = idp.create_user_pool_client(UserPoolId=user_pool_id, ClientName="wildrydes-web-app")[
        "UserPoolClient"]["ClientId"]
    step = check_step_input("us-east-2", user_pool_id, app_client_id)
    result = ensure(session, step, scratchpad=scratchpad)
    targets = plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=user_pool_id,
                           delete_user_pool=True)
    # The list shown before Delete already says that AWS will refuse the user pool, and how to fix it.
    protected = next(t for t in targets if t.kind == "user pool")
    assert protected.warning.startswith("deletion protection is on") and "Settings > Deletion protection" in protected.warning
    assert "(warning: deletion protection is on" in render.targets(targets, "Will be deleted").text
    assert all(not t.warning for t in targets if t.kind != "user pool")
    report = cleanup(session, targets)
    assert not report.ok
    assert report.fix() == refused_fix(report)  # the headline fix is the row's, not "run it again"
    *deleted, refused = report.checks
    assert [c.passed for c in deleted] == [True, True]
    assert refused.name == f"delete user pool {user_pool_id}" and refused.status == "fail"
    assert refused.detail == f"not deleted: deletion protection is on ({DELETION_PROTECTED})"
    assert "Settings > Deletion protection" in refused.fix and "resets every setting" in refused.fix
    forget(scratchpad, targets, report)
    saved = scratchpad.read()
    assert saved["user_pool_id"] == user_pool_id and saved.get("identity_pool_id") is None
    assert result.identity_pool_id not in find_identity_pools(session, step.identity_pool_name)
    # Once the learner turns it off, cleanup carries on.
    idp.update_user_pool(UserPoolId=user_pool_id, DeletionProtection="INACTIVE")
    assert cleanup(session, plan_cleanup(session, identity_pool_name=step.identity_pool_name,
                                         user_pool_id=user_pool_id, delete_user_pool=True)).ok


def test_pools_the_workbook_made_under_other_names_are_listed_not_deleted(session, step):
    from wildrydes_nb.inputs import check_step_input

    ensure(session, step)
    renamed = check_step_input(step.region, step.user_pool_id, step.app_client_id, "wildrydes_renamed")
    other = ensure(session, renamed).identity_pool_id
    session.client("cognito-identity").create_identity_pool(IdentityPoolName="not_ours",
                                                            AllowUnauthenticatedIdentities=False)
    # Another learner's pool, made by the workbook too, is never listed as this learner's.
    idp = session.client("cognito-idp")
    theirs = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    their_client = idp.create_user_pool_client(UserPoolId=theirs, ClientName="web")["UserPoolClient"]["ClientId"]
    ensure(session, check_step_input(step.region, theirs, their_client, "wildrydes_theirs"))
    plan = plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id)
    assert other not in [t.name for t in plan]
    assert [line for line in plan.kept if "under another name" in line] == [
        f"identity pool {other} ('wildrydes_renamed'): yours (linked to your user pool) under another name, so not "
        "in this list; to delete it, clean up with that identity pool name"]
