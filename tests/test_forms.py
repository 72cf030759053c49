"""The forms, driven in plain Python as a learner would: fill in, click, read the status values."""

import threading

import pytest

from wildrydes_nb import apply, forms
from wildrydes_nb.errors import NotFoundError, PrerequisiteError, WildrydesError
from wildrydes_nb.identity_pool import find_identity_pools

REGION = "us-east-2"


def click(form, button):
    """Click as in JupyterLab (the action runs in the form's worker) and wait for it to end."""
    button.click()
    form.wait()


@pytest.fixture
def saved(scratchpad, user_pool):
    """A scratchpad holding what 01_user_pool saves."""
    scratchpad.update(region=REGION, user_pool_id=user_pool.user_pool_id, app_client_id=user_pool.app_client_id)
    return scratchpad


@pytest.fixture
def identity_form(saved):
    return forms.IdentityPoolForm(saved)


def test_identity_pool_form_is_filled_in_from_the_scratchpad(identity_form, user_pool):
    assert identity_form.values() == {"identity_pool_name": "wildrydes_identity_pool", "region": REGION,
                                      "user_pool_id": user_pool.user_pool_id,
                                      "app_client_id": user_pool.app_client_id, "allow_unauthenticated": False,
                                      "permissions_boundary": "", "role_path": ""}  # none: the roles as the console makes them
    assert all(message.value == "" for message in identity_form.messages.values())


def test_parameters_win_over_the_scratchpad_and_the_region_follows_a_given_user_pool(saved):
    form = forms.IdentityPoolForm(saved, user_pool_id="eu-west-1_AbC123xyz", identity_pool_name="other")
    assert form.fields["region"].value == "eu-west-1"
    assert form.fields["identity_pool_name"].value == "other"


def test_input_is_checked_as_the_learner_types(identity_form, user_pool):
    identity_form.fields["user_pool_id"].value = user_pool.app_client_id  # the two ids swapped
    assert "looks like an App client ID" in identity_form.messages["user_pool_id"].value
    identity_form.fields["user_pool_id"].value = f'"{user_pool.user_pool_id}"'  # quotes copied along
    assert identity_form.messages["user_pool_id"].value == ""
    identity_form.fields["region"].value = "eu-west-1"
    assert "differs from the region of the user pool" in identity_form.messages["region"].value
    identity_form.fields["region"].value = REGION
    identity_form.fields["identity_pool_name"].value = "wild/rydes"
    assert "which Cognito does not allow" in identity_form.messages["identity_pool_name"].value


def test_preview_shows_the_plan_and_creates_nothing(identity_form, session):
    click(identity_form, identity_form.preview_button)
    assert "create identity pool 'wildrydes_identity_pool'" in identity_form.output.value
    assert "nothing was changed" in identity_form.status.value
    assert find_identity_pools(session, "wildrydes_identity_pool") == []


def test_create_reports_each_stage_and_saves_the_id(identity_form, saved, session):
    click(identity_form, identity_form.create_button)
    states = {stage: line.text for stage, line in identity_form.stages.items()}
    assert states["input"].startswith("[done]")
    assert states["identity pool"].startswith("[done]") and states["authenticated role"].startswith("[done]")
    assert states["unauthenticated role"].startswith("[skipped]")
    assert states["roles attached"].startswith("[done]") and states["scratchpad"].startswith("[done]")
    pool_id = saved.get("identity_pool_id")
    assert find_identity_pools(session, "wildrydes_identity_pool") == [pool_id]
    assert pool_id in identity_form.output.value and "Identity pool ready" in identity_form.status.value
    assert not any(button.disabled for button in identity_form._buttons)


def test_quotes_pasted_with_the_ids_are_removed_and_said_so(saved, user_pool, session):
    form = forms.IdentityPoolForm(saved, user_pool_id=f"'{user_pool.user_pool_id}'",
                                  app_client_id=f" {user_pool.app_client_id} ")
    result = form.create()
    assert result.user_pool_id == user_pool.user_pool_id
    assert "removed the surrounding quotes" in form.stages["input"].value


def test_preview_says_which_pasted_quotes_and_spaces_it_removed(saved, user_pool, session):
    form = forms.IdentityPoolForm(saved, user_pool_id=f"'{user_pool.user_pool_id}'")
    form.fields["app_client_id"].value = f" {user_pool.app_client_id} "  # pasted with spaces
    click(form, form.preview_button)
    assert "nothing was changed" in form.status.value
    assert "User Pool ID: removed the surrounding quotes" in form.status.value
    assert "App client ID: removed the surrounding spaces" in form.status.value
    assert user_pool.user_pool_id in form.output.value and f"'{user_pool.user_pool_id}'" not in form.output.value


def test_the_button_is_disabled_while_running_and_a_second_click_does_nothing(identity_form, monkeypatch):
    started, release, calls = threading.Event(), threading.Event(), []

    def slow_ensure(session, step, **kwargs):
        calls.append(step)
        started.set()
        release.wait(10)
        raise NotFoundError("stopped by the test.")

    monkeypatch.setattr(apply, "ensure", slow_ensure)
    identity_form.create_button.click()
    assert started.wait(10)
    assert identity_form.create_button.disabled and identity_form.preview_button.disabled
    assert identity_form.running
    identity_form.create_button.click()  # while the first one runs
    release.set()
    identity_form.wait()
    assert len(calls) == 1
    assert not identity_form.create_button.disabled and not identity_form.running


def test_a_wrong_app_client_id_shows_the_library_message_and_creates_nothing(identity_form, session):
    identity_form.fields["app_client_id"].value = "abcdefghijklmnopqrstuvwxyz"
    click(identity_form, identity_form.create_button)
    message = identity_form.messages["app_client_id"].value  # said once, under the field at fault
    assert "does not belong to user pool" in message and "Fix:" in message
    assert "Traceback" not in message
    assert identity_form.stages["input"].text == "[failed] input — see the message under App client ID"
    assert identity_form.status.text == "[failed] See the message under App client ID."
    assert find_identity_pools(session, "wildrydes_identity_pool") == []
    with pytest.raises(PrerequisiteError):  # the headless path raises the same error
        identity_form.submit()


def test_bad_input_fails_at_the_input_stage_without_calling_aws(identity_form, monkeypatch):
    monkeypatch.setattr(apply, "ensure", lambda *a, **k: pytest.fail("AWS was called"))
    identity_form.fields["user_pool_id"].value = ""
    click(identity_form, identity_form.create_button)
    assert "see the message under User Pool ID" in identity_form.stages["input"].value
    assert "Empty: run 01_user_pool first" in identity_form.messages["user_pool_id"].value
    assert "User Pool ID" in identity_form.status.value


def test_a_bug_is_shown_as_one_and_the_form_recovers(identity_form, monkeypatch):
    monkeypatch.setattr(apply, "ensure", lambda *a, **k: 1 / 0)
    click(identity_form, identity_form.create_button)
    assert "Unexpected error (ZeroDivisionError" in identity_form.status.value
    assert not identity_form.create_button.disabled


def test_verify_after_create_passes_and_shows_credentials_redacted(identity_form, session):
    identity_form.create()
    check = forms.VerifyForm(identity_form)
    click(check, check.verify_button)
    assert check.report.ok, check.report.to_text()
    assert "All" in check.status.value and "checks passed" in check.status.value
    assert "GetCredentialsForIdentity" in check.output.value
    assert "secret key and session token present (not shown)" in check.output.value
    assert "eyJ" not in check.output.value


def test_verify_failures_show_their_fix_and_raise_when_submitted(identity_form, session):
    identity_form.create()
    pool_id = identity_form.result.identity_pool_id
    session.client("iam").delete_role(RoleName="Cognito_wildrydes_identity_poolAuth_Role")
    check = forms.VerifyForm(identity_form, proof=False)
    with pytest.raises(WildrydesError, match="did not pass"):
        check.submit()
    assert "authenticated role exists" in check.status.value
    assert "Fix:" in check.output.value and pool_id in check.output.value


def test_verify_before_create_says_to_create_first(identity_form):
    check = forms.VerifyForm(identity_form)
    click(check, check.verify_button)
    assert "02's 'Create identity pool' button" in check.status.value


def test_user_pool_form_creates_then_reuses(scratchpad, session):
    form = forms.UserPoolForm(scratchpad, region=REGION)
    click(form, form.create_button)
    first = scratchpad.read()
    assert "Created the user pool and app client" in form.output.value
    assert form.fields["user_pool_id"].value == first["user_pool_id"]
    again = forms.UserPoolForm(scratchpad)
    click(again, again.create_button)
    assert scratchpad.read() == first and "Reused" in again.output.value


def test_user_pool_form_checks_pasted_ids(scratchpad, user_pool):
    form = forms.UserPoolForm(scratchpad, region=REGION)
    form.fields["user_pool_id"].value = user_pool.app_client_id
    assert "looks like an App client ID" in form.messages["user_pool_id"].value
    form.fields["user_pool_id"].value = user_pool.user_pool_id
    form.fields["app_client_id"].value = "abcdefghijklmnopqrstuvwxyz"
    click(form, form.use_button)
    assert "does not belong to user pool" in form.messages["app_client_id"].value and scratchpad.read() == {}
    form.fields["app_client_id"].value = user_pool.app_client_id
    form.submit()  # ids filled in: submit checks them rather than creating
    assert scratchpad.read()["app_client_id"] == user_pool.app_client_id
    assert "wildrydes-web-app" in form.output.value


def test_target_form_checks_the_credentials_and_saves_the_region(scratchpad, sandbox):
    form = forms.TargetForm(scratchpad, region="Ohio")
    assert "not an AWS region code" in form.region_message.value
    form.region.value = REGION
    click(form, form.check_button)
    assert form.caller.local and form.caller.account == "123456789012"
    assert sandbox.endpoint_url in form.output.value
    assert "testing" not in form.output.value  # the access key is shown redacted
    assert scratchpad.read() == {"region": REGION}


def test_cleanup_deletes_only_a_list_it_showed_and_shows_what_is_left(identity_form, saved, session):
    identity_form.create()
    form = forms.CleanupForm(saved)
    assert form.delete_button.disabled
    click(form, form.plan_button)
    assert "Cognito_wildrydes_identity_poolAuth_Role" in form.output.value
    assert not form.delete_button.disabled
    click(form, form.delete_button)
    assert "nothing is left" in form.status.value and "Still there: nothing" in form.output.text
    assert find_identity_pools(session, "wildrydes_identity_pool") == []
    assert "identity_pool_id" not in saved.read() and "user_pool_id" in saved.read()
    assert form.delete_button.disabled


@pytest.mark.parametrize("change", ["untick", "rename"])
def test_cleanup_list_is_voided_by_any_change_so_the_user_pool_survives(identity_form, saved, session, change):
    """Tick "delete the user pool", list, then untick (or change a field), then Delete: the list
    shown was for other values, so nothing is deleted, and the user pool survives."""
    identity_form.create()
    form = forms.CleanupForm(saved)
    form.delete_user_pool.value = True
    click(form, form.plan_button)
    assert "user pool" in form.output.text and not form.delete_button.disabled
    if change == "untick":
        form.delete_user_pool.value = False
    else:
        form.fields["identity_pool_name"].value = "another_pool"
    assert form.delete_button.disabled and "cleared" in form.output.text
    with pytest.raises(WildrydesError, match="no list of things to delete"):
        form.delete()
    user_pool_id = saved.read()["user_pool_id"]
    assert session.client("cognito-idp").describe_user_pool(UserPoolId=user_pool_id)
    assert find_identity_pools(session, "wildrydes_identity_pool")  # nothing deleted at all
    click(form, form.plan_button)  # a new list, for the values shown now
    assert ("user pool" in form.output.text) is (change == "rename")


def test_cleanup_of_a_protected_user_pool_warns_first_and_its_headline_fix_is_the_rows(session, saved):
    """The console's pools have deletion protection on: the list says so before Delete, and
    after it the headline's fix is the row's (turn it off), not "run the cleanup again"."""
    idp = session.client("cognito-idp")
    user_pool_id = idp.create_user_pool(PoolName="WildRydes", DeletionProtection="ACTIVE")["UserPool"]["Id"]
    saved.update(region=REGION, user_pool_id=user_pool_id)
    form = forms.CleanupForm(saved, delete_user_pool=True)
    click(form, form.plan_button)
    assert f"user pool: {user_pool_id} (warning: deletion protection is on" in form.output.text
    assert "⚠" in form.output.value  # not told by colour alone
    click(form, form.delete_button)
    assert "Settings &gt; Deletion protection" in form.status.value
    assert "carries on from where it stopped" not in form.status.value
    assert idp.describe_user_pool(UserPoolId=user_pool_id)


def test_the_form_shows_as_a_widget_with_a_stable_text(identity_form):
    bundle = identity_form._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Create the identity pool")


def test_pasted_ids_of_a_pool_unlike_the_workshops_are_used_and_the_differences_named(scratchpad, session):
    idp = session.client("cognito-idp")
    pool_id = idp.create_user_pool(PoolName="Mine", UsernameAttributes=["email"])["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="mine",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    form = forms.UserPoolForm(scratchpad, region=REGION, user_pool_id=pool_id, app_client_id=client_id)
    form.use_pasted()
    assert scratchpad.read()["user_pool_id"] == pool_id  # used as it is
    assert "Differs from the workshop's" in form.output.text and "alice|example|com" in form.output.text
    assert "ALLOW_USER_SRP_AUTH" in form.output.text
