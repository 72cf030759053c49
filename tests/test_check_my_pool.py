"""A learner who made the identity pool in today's console: "Check my pool" (steps.check_my_pool,
the form's button, `wildrydes-nb check-pool`) finds it by the one rule, changes nothing in the pool or IAM, saves
its id only when it is linked to the learner's user pool and app client, and verifies it."""

import pytest

from wildrydes_nb import forms, steps
from wildrydes_nb.apply import ensure
from wildrydes_nb.cli import EXIT_INPUT, main
from wildrydes_nb.errors import NotFoundError, NotYoursError
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.report import PASS

READS = ("Describe", "List", "Get")


def written(report) -> list[str]:
    """The calls of ``report`` that are not reads."""
    return [c["operation"] for c in report.calls if not c["operation"].startswith(READS)]


@pytest.fixture
def learners_pad(scratchpad, console_account):
    """The scratchpad after 01: the user pool and app client, no Identity Pool ID (made in the console)."""
    scratchpad.update(region=console_account.region, user_pool_id=console_account.user_pool_id,
                      app_client_id=console_account.app_client_id)
    return scratchpad


def test_the_console_made_pool_is_found_saved_and_verified_and_nothing_is_written(learners_pad, console_account,
                                                                                 session):
    found = steps.check_my_pool({}, scratchpad=learners_pad, proof=False)
    assert found.identity_pool_id == console_account.identity_pool_id
    assert found.saved and "its ids are saved to the scratchpad" in found.note
    assert found.report.ok and found.report.verdict == PASS, found.report.to_text()
    assert written(found.report) == []  # no write call at all: not to the pool, not to IAM
    saved = learners_pad.read()
    assert saved["identity_pool_id"] == console_account.identity_pool_id
    assert saved["identity_pool_user_pool_id"] == console_account.user_pool_id
    assert saved["authenticated_role_arn"] == console_account.authenticated_role_arn
    assert learners_pad.mixed(saved) is None  # the amplify-config view can show it
    # Verify now finds it by the scratchpad's id.
    assert steps.verify({}, scratchpad=learners_pad, proof=False).ok


def test_with_the_proof_the_console_pool_signs_a_user_in(learners_pad, console_account):
    found = steps.check_my_pool({}, scratchpad=learners_pad, proof=True)
    assert found.report.ok, found.report.to_text()
    assert found.report.verdict == PASS


def test_a_pool_of_the_name_linked_to_someone_elses_user_pool_is_not_saved(scratchpad, session, workshop_account):
    idp = session.client("cognito-idp")
    theirs = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    their_client = idp.create_user_pool_client(UserPoolId=theirs, ClientName="web")["UserPoolClient"]["ClientId"]
    ensure(session, check_step_input(workshop_account.region, theirs, their_client))
    scratchpad.update(region=workshop_account.region, user_pool_id=workshop_account.user_pool_id,
                      app_client_id=workshop_account.app_client_id)
    with pytest.raises(NotYoursError, match="is provably yours"):
        steps.check_my_pool({}, scratchpad=scratchpad, proof=False)
    assert scratchpad.get("identity_pool_id") is None


def test_a_scratchpad_pool_linked_to_another_app_client_is_checked_not_saved_again(learners_pad, console_account,
                                                                                   session):
    idp = session.client("cognito-idp")
    other = idp.create_user_pool_client(UserPoolId=console_account.user_pool_id,
                                        ClientName="another")["UserPoolClient"]["ClientId"]
    learners_pad.update(app_client_id=other)  # the learner switched app client since the console step
    found = steps.check_my_pool({}, scratchpad=learners_pad, proof=False)
    assert found.identity_pool_id == console_account.identity_pool_id  # theirs: linked to their user pool
    assert not found.saved and "not linked to your user pool" in found.note
    assert not found.report.ok  # the checklist names the provider to fix
    assert learners_pad.get("identity_pool_id") is None
    assert written(found.report) == []


def test_no_pool_at_all_is_one_clear_error(scratchpad, workshop_account):
    scratchpad.update(region=workshop_account.region, user_pool_id=workshop_account.user_pool_id,
                      app_client_id=workshop_account.app_client_id)
    with pytest.raises(NotFoundError, match="there is no identity pool called 'wildrydes_identity_pool'"):
        steps.check_my_pool({}, scratchpad=scratchpad, proof=False)


def test_the_forms_button_checks_the_console_pool(learners_pad, console_account):
    identity = forms.IdentityPoolForm(learners_pad)
    check = forms.VerifyForm(identity, proof=False)
    check.check_my_pool()
    assert "Found your identity pool" in check.output.text
    assert "checks passed" in check.status.text
    assert learners_pad.get("identity_pool_id") == console_account.identity_pool_id
    assert any(c.operation == "DescribeIdentityPool" for c in check.sent_calls)


def test_the_forms_button_says_what_is_wrong_without_a_traceback(scratchpad, workshop_account):
    scratchpad.update(region=workshop_account.region, user_pool_id=workshop_account.user_pool_id,
                      app_client_id=workshop_account.app_client_id)
    check = forms.VerifyForm(forms.IdentityPoolForm(scratchpad), proof=False)
    assert check._start(check.check_my_pool)
    check.wait()
    assert "there is no identity pool called" in check.status.text
    assert "Create it first" in check.status.text


def test_the_command_line_checks_the_console_pool(learners_pad, console_account, capsys):
    code = main(["check-pool", "--no-proof", "--scratchpad", str(learners_pad.path)])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert f"Found your identity pool {console_account.identity_pool_id}" in out
    assert learners_pad.get("identity_pool_id") == console_account.identity_pool_id


def test_the_command_line_without_a_pool_exits_2_with_one_line(scratchpad, workshop_account, capsys):
    scratchpad.update(region=workshop_account.region, user_pool_id=workshop_account.user_pool_id,
                      app_client_id=workshop_account.app_client_id)
    code = main(["check-pool", "--no-proof", "--scratchpad", str(scratchpad.path)])
    out, err = capsys.readouterr()
    assert code == EXIT_INPUT
    assert err.startswith("error: ") and "Traceback" not in err
