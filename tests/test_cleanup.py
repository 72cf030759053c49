"""Cleanup deletes what the package made, copes with half-deleted state, and is safe to re-run."""

import json

from wildrydes_nb import roles
from wildrydes_nb.cleanup import cleanup, plan_cleanup
from wildrydes_nb.identity_pool import ensure, find_identity_pools


def kinds(targets):
    return sorted((t.kind, t.name.split("/")[-1]) for t in targets)


def test_cleanup_removes_pool_roles_and_test_users(session, step):
    result = ensure(session, step)
    idp = session.client("cognito-idp")
    idp.admin_create_user(UserPoolId=step.user_pool_id, Username="wildrydes-verify-left@example.com",
                          MessageAction="SUPPRESS")
    idp.admin_create_user(UserPoolId=step.user_pool_id, Username="learner@example.com", MessageAction="SUPPRESS")
    targets = plan_cleanup(session, identity_pool_name=step.identity_pool_name, user_pool_id=step.user_pool_id)
    assert [t.kind for t in targets] == ["identity pool", "IAM role", "test user"]
    assert targets[0].name == result.identity_pool_id
    report = cleanup(session, targets)
    assert report.ok, report.to_text()
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
    assert cleanup(session, plan_cleanup(session, identity_pool_name=step.identity_pool_name)).ok
    assert roles.get_role(session, name) is None


def test_half_deleted_state_and_rerun(session, step):
    result = ensure(session, step)
    session.client("cognito-identity").delete_identity_pool(IdentityPoolId=result.identity_pool_id)
    targets = plan_cleanup(session, identity_pool_name=step.identity_pool_name,
                           identity_pool_id=result.identity_pool_id)
    assert kinds(targets) == [("IAM role", "Cognito_wildrydes_identity_poolAuth_Role")]
    assert cleanup(session, targets).ok
    assert plan_cleanup(session, identity_pool_name=step.identity_pool_name) == []
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
    assert plan_cleanup(session, identity_pool_name=step.identity_pool_name) == []
