"""The live workbook: one state per scratchpad, forms and views that follow it, results that
belong to their inputs, and one rule for which value and which identity pool (issue 11)."""

import threading

import pytest

from wildrydes_nb import cli, forms, resolve, state
from wildrydes_nb.errors import NotFoundError
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.scratchpad import Scratchpad
from wildrydes_nb import checks

from test_forms import REGION, click, saved  # noqa: F401 - saved is a fixture


# Item 2: the Identity Pool ID, the scratchpad and amplify-config views follow the state.
def test_after_create_the_id_scratchpad_and_amplify_views_show_the_new_id_by_themselves(saved, session):
    form = forms.IdentityPoolForm(saved)
    views = [forms.identity_pool_id_view(saved), forms.scratchpad_view(saved), forms.amplify_config_view(saved)]
    assert "No Identity Pool ID yet" in views[0].text
    assert "Identity Pool ID" not in views[1].text and "identityPoolId: ''" in views[2].text
    click(form, form.create_button)
    pool_id = saved.get("identity_pool_id")
    assert pool_id and f"Identity Pool ID: {pool_id}" in views[0].text
    assert f"Identity Pool ID: {pool_id}" in views[1].text
    assert f"identityPoolId: '{pool_id}'" in views[2].text
    assert ">Copy</button>" in views[0].view.value  # the live widget has the Copy button


def test_a_view_follows_whichever_form_changed_the_scratchpad(saved, session):
    forms.IdentityPoolForm(saved).create()
    shown = forms.scratchpad_view(saved)
    pool_id = saved.get("identity_pool_id")
    assert pool_id in shown.text
    cleanup = forms.CleanupForm(saved)
    cleanup.submit()  # another form (99) deletes the pool and forgets its id
    assert pool_id not in shown.text and "User Pool ID" in shown.text


def test_a_view_prints_what_it_shows_where_widgets_are_not_rendered(saved):
    bundle = forms.scratchpad_view(saved)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Scratchpad (") and "User Pool ID" in bundle["text/html"]
    assert "<button" not in forms.identity_pool_id_view(saved)._repr_mimebundle_()["text/html"]


# Item 4: an open 02 sees what 01 saves meanwhile; an empty field says where its value comes from.
def test_an_empty_field_says_to_run_01_and_fills_in_when_01_saves(scratchpad, user_pool):
    form = forms.IdentityPoolForm(scratchpad)
    assert "Empty: run 01_user_pool first" in form.messages["user_pool_id"].text
    assert "Empty: run 01_user_pool first" in form.messages["app_client_id"].text
    # 01, in another kernel, saves the ids: this process only sees the file change.
    Scratchpad(scratchpad.path).update(region=REGION, user_pool_id=user_pool.user_pool_id,
                                       app_client_id=user_pool.app_client_id)
    assert state.of(scratchpad).refresh()  # what the watcher thread does
    assert form.fields["user_pool_id"].value == user_pool.user_pool_id
    assert form.fields["app_client_id"].value == user_pool.app_client_id
    assert form.messages["user_pool_id"].text == "" and form.messages["app_client_id"].text == ""


def test_what_the_learner_typed_wins_over_the_scratchpad(saved, user_pool):
    form = forms.IdentityPoolForm(saved)
    form.fields["identity_pool_name"].value = "my_pool"
    saved.update(identity_pool_name="other_pool", app_client_id="b" * 26)
    state.of(saved).refresh()
    assert form.fields["identity_pool_name"].value == "my_pool"  # typed: given
    assert form.fields["app_client_id"].value == "b" * 26 and form.sources["app_client_id"] == resolve.SCRATCHPAD


def test_the_watcher_thread_follows_a_file_written_by_another_process(scratchpad):
    live = state.ScratchpadState(scratchpad)  # its own, so the test's watcher stops with it
    changed = threading.Event()
    live.observe(lambda change: changed.set(), names="values")
    live.watch(every=0.01)
    try:
        Scratchpad(scratchpad.path).update(region="eu-west-1")
        assert changed.wait(10)
        assert live.values == {"region": "eu-west-1"}
    finally:
        live.stop()


# Item 5: a result belongs to the inputs it was made from.
def test_a_changed_field_clears_the_result_made_for_the_old_values(saved, session):
    form = forms.IdentityPoolForm(saved)
    check = forms.VerifyForm(form, proof=False)
    click(form, form.create_button)
    click(check, check.verify_button)
    assert "Identity pool ready" in form.status.text and check.report is not None
    form.fields["user_pool_id"].value = f' "{form.fields["user_pool_id"].value}" '  # the same id, pasted
    assert "Identity pool ready" in form.status.text  # the same value as used: still its result
    form.fields["identity_pool_name"].value = "another_pool"
    assert form.status.text.startswith("[stale] The values changed since the last result")
    assert form.output.text == "" and all(line.text.startswith("[pending]") for line in form.stages.values())
    assert check.report is None and check.output.text == "" and check.status.text.startswith("[stale]")


def test_a_result_is_kept_when_nothing_changed_and_an_error_is_cleared_with_its_input(saved, session):
    form = forms.IdentityPoolForm(saved)
    form.fields["app_client_id"].value = "abcdefghijklmnopqrstuvwxyz"  # well formed, not this pool's
    click(form, form.create_button)
    assert "does not belong to user pool" in form.messages["app_client_id"].text
    form.fields["app_client_id"].value = saved.get("app_client_id")
    assert form.messages["app_client_id"].text == "" and form.status.text.startswith("[stale]")


# Item 6: allowing unauthenticated identities warns live; unticking later says what happened to the role.
def test_ticking_unauthenticated_warns_and_unticking_says_the_role_was_detached(saved, session):
    form = forms.IdentityPoolForm(saved)
    form.allow_unauthenticated.value = True
    assert form.messages["allow_unauthenticated"].text.startswith("[warning] The workshop leaves this off")
    form.create()
    check = forms.VerifyForm(form, proof=False)
    check.verify()
    assert check.status.text.startswith("[warning] All") and "which the workshop leaves off" in check.status.text
    form.allow_unauthenticated.value = False
    assert form.messages["allow_unauthenticated"].text == ""
    form.create()
    line = form.stages["unauthenticated role"].text
    assert line.startswith("[skipped]") and "Cognito_wildrydes_identity_poolUnauth_Role is detached" in line
    assert "cleanup deletes it" in line
    assert "Unauth" not in str(session.client("cognito-identity").get_identity_pool_roles(
        IdentityPoolId=form.result.identity_pool_id)["Roles"])


# Item 10: messages name fields as the form labels them, once; a capitalised region is accepted.
def test_a_region_in_capitals_is_accepted_in_lower_case(saved, session):
    form = forms.IdentityPoolForm(saved)
    form.fields["region"].value = "US-EAST-2"
    assert form.messages["region"].text == ""
    assert form.create().region == REGION and form.fields["region"].value == REGION


def test_a_failure_is_said_once_under_its_field_by_its_label(saved, session):
    form = forms.IdentityPoolForm(saved)
    form.fields["app_client_id"].value = "abcdefghijklmnopqrstuvwxyz"
    with pytest.raises(Exception):
        form.submit()
    shown = [view.text for view in (*form.messages.values(), *form.stages.values(), form.status)]
    assert sum("does not belong to user pool" in text for text in shown) == 1
    assert "app_client_id" not in form.transcript() and "App client ID: " in form.transcript()


def test_the_command_line_names_its_flags(saved, capsys):
    assert cli.main(["identity-pool", "--plan", "--scratchpad", str(saved.path), "--user-pool-id",
                     "abcdefghijklmnopqrstuvwxyz"]) == cli.EXIT_INPUT
    assert capsys.readouterr().err.startswith("error: --user-pool-id: ")
    empty = Scratchpad(saved.path.with_name("empty.json"))
    assert cli.main(["identity-pool", "--plan", "--scratchpad", str(empty.path), "--region", REGION]) == 2
    err = capsys.readouterr().err
    assert "--user-pool-id: is empty" in err and "run 'wildrydes-nb user-pool' first" in err


# One way to resolve inputs.
def test_the_one_precedence_given_scratchpad_configuration_default():
    saved = {"region": "us-east-2", "user_pool_id": "us-east-2_Abc", "app_client_id": "a" * 26,
             "identity_pool_name": "mine", "identity_pool_id": "us-east-2:1a2b3c4d-0000-1111-2222-333344445555"}
    found = resolve.resolve({}, saved, lambda: "eu-west-1")
    assert found.values == saved and set(found.sources.values()) == {resolve.SCRATCHPAD}
    found = resolve.resolve({"user_pool_id": "eu-west-1_Xyz"}, saved)  # an id carries its region
    assert found["region"] == "eu-west-1" and found.sources["region"] == resolve.GIVEN
    assert found["app_client_id"] == "" and found["identity_pool_id"] == ""  # the scratchpad's are for us-east-2
    found = resolve.resolve({}, {}, lambda: "eu-west-1")
    assert (found["region"], found.sources["region"]) == ("eu-west-1", resolve.CONFIGURATION)
    assert (found["identity_pool_name"], found.sources["identity_pool_name"]) == (
        "wildrydes_identity_pool", resolve.DEFAULT)
    found = resolve.resolve({"identity_pool_name": "other"}, saved)
    assert found["identity_pool_id"] == ""  # the scratchpad's pool is the one called 'mine'


def test_a_name_given_with_no_such_pool_fails_in_the_form_and_the_command_alike(saved, session, capsys):
    form = forms.IdentityPoolForm(saved)
    form.create()
    form.fields["identity_pool_name"].value = "nope"
    check = forms.VerifyForm(form, proof=False)
    with pytest.raises(NotFoundError, match="there is no identity pool called 'nope'"):
        check.verify()
    for flag in ("--identity-pool-name", "--name"):  # --name stays as an alias
        assert cli.main(["verify", "--no-proof", "--scratchpad", str(saved.path), flag, "nope"]) == cli.EXIT_INPUT
        assert "there is no identity pool called 'nope'" in capsys.readouterr().err
    assert cli.main(["verify", "--no-proof", "--scratchpad", str(saved.path)]) == 0
    assert find_identity_pools(session, "wildrydes_identity_pool") == [saved.get("identity_pool_id")]


def test_a_notebook_parameter_left_none_takes_the_scratchpads_pool_name(saved):
    saved.update(identity_pool_name="class_pool")
    assert forms.IdentityPoolForm(saved).fields["identity_pool_name"].value == "class_pool"
    assert forms.CleanupForm(saved).fields["identity_pool_name"].value == "class_pool"
    assert forms.IdentityPoolForm(saved, identity_pool_name="given").fields["identity_pool_name"].value == "given"


def test_checks_have_stable_ids(saved, session):
    form = forms.IdentityPoolForm(saved)
    form.create()
    check = forms.VerifyForm(form, proof=False)
    ids = [c.id for c in check.verify().checks]
    assert ids == [checks.APP_CLIENT_EXISTS, checks.APP_CLIENT_NO_SECRET, checks.APP_CLIENT_SRP,
                   checks.IDENTITY_POOL_EXISTS, checks.IDENTITY_POOL_PROVIDER, checks.IDENTITY_POOL_UNAUTHENTICATED,
                   checks.AUTH_ROLE_ATTACHED, checks.AUTH_ROLE_EXISTS, checks.AUTH_ROLE_TRUST_AUD, checks.AUTH_ROLE_TRUST_AMR,
                   checks.PROOF]
