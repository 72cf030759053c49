"""The prerequisite user pool and app client: created once, reused, checked."""

import pytest

from wildrydes_nb.errors import AmbiguousPoolError, NotFoundError, PrerequisiteError
from wildrydes_nb.user_pool import AUTH_FLOWS, describe_app_client, ensure_user_pool


def test_creates_pool_and_client_without_secret_with_the_flows(session):
    result = ensure_user_pool(session)
    assert result.created == ("user pool", "app client")
    app = describe_app_client(session, result.user_pool_id, result.app_client_id)
    assert app.name == "wildrydes-web-app" and not app.has_secret
    assert set(AUTH_FLOWS) <= set(app.auth_flows) and app.allows_password_auth


def test_rerun_reuses_instead_of_making_a_second(session):
    first = ensure_user_pool(session)
    again = ensure_user_pool(session)
    assert (again.user_pool_id, again.app_client_id, again.created) == (first.user_pool_id, first.app_client_id, ())
    assert len(session.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]) == 1


def test_existing_client_gets_the_missing_flows(session):
    idp = session.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="wildrydes-web-app",
                                            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
    result = ensure_user_pool(session)
    assert (result.user_pool_id, result.app_client_id, result.created) == (pool_id, client_id, ())
    assert describe_app_client(session, pool_id, client_id).allows_password_auth


def test_two_pools_with_the_name_stop_and_say_which(session):
    idp = session.client("cognito-idp")
    ids = [idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"] for _ in range(2)]
    with pytest.raises(AmbiguousPoolError) as caught:
        ensure_user_pool(session)
    assert all(i in caught.value.problem for i in ids) and caught.value.field == "user_pool_id"


def test_describe_app_client_errors(session):
    result = ensure_user_pool(session)
    with pytest.raises(NotFoundError, match="does not exist"):
        describe_app_client(session, "us-east-2_Missing1", result.app_client_id)
    other_pool = session.client("cognito-idp").create_user_pool(PoolName="Other")["UserPool"]["Id"]
    with pytest.raises(PrerequisiteError, match="does not belong"):
        describe_app_client(session, other_pool, result.app_client_id)
