"""The prerequisite user pool and app client: created once, reused, checked."""

import pytest

from wildrydes_nb.errors import NotFoundError, PrerequisiteError
from wildrydes_nb.user_pool import AUTH_FLOWS, UnprovenUserPoolError, describe_app_client, ensure_user_pool


def test_creates_pool_and_client_as_the_workshop_does(session):
    result = ensure_user_pool(session)
    assert result.created == ("user pool", "app client")
    app = describe_app_client(session, result.user_pool_id, result.app_client_id)
    assert app.name == "wildrydes-web-app" and not app.has_secret
    assert set(app.auth_flows) == set(AUTH_FLOWS) == {"ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}
    assert app.allows_srp and not app.allows_password_auth
    assert app.pool.username_attributes == () and set(app.pool.alias_attributes) == {"email", "phone_number"}
    assert app.pool.auto_verified == ("email",)
    assert app.workshop_differences() == []


def test_the_web_apps_registration_signs_up_and_in_with_srp(session):
    """Amplify 5 registers alice@example.com as the username alice|example|com and signs in with SRP."""
    from pycognito.aws_srp import AWSSRP

    result = ensure_user_pool(session)
    idp = session.client("cognito-idp")
    password = "Wild-Rydes-1234"
    idp.sign_up(ClientId=result.app_client_id, Username="alice|example|com", Password=password,
                UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    idp.admin_confirm_sign_up(UserPoolId=result.user_pool_id, Username="alice|example|com")
    tokens = AWSSRP(username="alice|example|com", password=password, pool_id=result.user_pool_id,
                    client_id=result.app_client_id, client=idp).authenticate_user()
    assert tokens["AuthenticationResult"]["IdToken"].count(".") == 2


def test_an_existing_pool_of_the_learners_is_reused_unchanged_and_its_differences_named(session):
    idp = session.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="WildRydes", UsernameAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="wildrydes-web-app", GenerateSecret=True,
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    result = ensure_user_pool(session, user_pool_id=pool_id)  # the learner's word (or their scratchpad's)
    assert (result.user_pool_id, result.app_client_id, result.created) == (pool_id, client_id, ())
    app = describe_app_client(session, pool_id, client_id)
    assert app.auth_flows == ("ALLOW_USER_PASSWORD_AUTH",)  # nothing was changed
    differences = " | ".join(app.workshop_differences())
    assert "email as the username" in differences and "alice|example|com" in differences
    assert "client secret" in differences and "ALLOW_USER_SRP_AUTH" in differences
    assert "verified automatically" in differences


def test_an_app_client_without_explicit_flows_has_the_apis_defaults(session):
    idp = session.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="WildRydes", AliasAttributes=["email", "phone_number"],
                                   AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="c")["UserPoolClient"]["ClientId"]
    app = describe_app_client(session, pool_id, client_id)
    assert app.allows_srp and not app.allows_password_auth and app.workshop_differences() == []


def test_rerun_with_the_saved_pool_reuses_instead_of_making_a_second(session):
    first = ensure_user_pool(session)
    again = ensure_user_pool(session, user_pool_id=first.user_pool_id, app_client_id=first.app_client_id)
    assert (again.user_pool_id, again.app_client_id, again.created) == (first.user_pool_id, first.app_client_id, ())
    assert len(session.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]) == 1


def test_pools_of_the_name_not_in_the_scratchpad_are_listed_and_never_taken(session):
    idp = session.client("cognito-idp")
    ids = [idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"] for _ in range(2)]
    idp.create_user_pool_client(UserPoolId=ids[0], ClientName="someone-elses-app")
    with pytest.raises(UnprovenUserPoolError) as caught:
        ensure_user_pool(session)
    assert all(i in caught.value.problem for i in ids) and caught.value.field == "user_pool_id"
    assert "someone-elses-app" in caught.value.problem and "created 2" in caught.value.problem
    assert "--user-pool-id" in caught.value.fix and "--new" in caught.value.fix
    assert [c.user_pool_id for c in caught.value.candidates] == ids
    mine = ensure_user_pool(session, new=True)  # the learner's word: none of them is theirs
    assert mine.created == ("user pool", "app client") and mine.user_pool_id not in ids


def test_a_saved_pool_deleted_since_is_as_if_none_were_saved(session):
    gone = ensure_user_pool(session)
    session.client("cognito-idp").delete_user_pool(UserPoolId=gone.user_pool_id)
    made = ensure_user_pool(session, user_pool_id=gone.user_pool_id, app_client_id=gone.app_client_id)
    assert made.created == ("user pool", "app client") and made.user_pool_id != gone.user_pool_id


def test_describe_app_client_errors(session):
    result = ensure_user_pool(session)
    with pytest.raises(NotFoundError, match="does not exist"):
        describe_app_client(session, "us-east-2_Missing1", result.app_client_id)
    other_pool = session.client("cognito-idp").create_user_pool(PoolName="Other")["UserPool"]["Id"]
    with pytest.raises(PrerequisiteError, match="does not belong"):
        describe_app_client(session, other_pool, result.app_client_id)
