"""The second hostile round (issue 22): each case once met a traceback, a hang or a broken state."""

import json
import os
import time

import pytest

from wildrydes_nb import WORKBOOK, cli, forms, lab, steps
from wildrydes_nb.batch import Outcome, _read_result, _write_result
from wildrydes_nb.errors import InputError, RosterError, ScratchpadError, WildrydesError
from wildrydes_nb.report import FAIL, Report
from wildrydes_nb.roster import read_roster
from wildrydes_nb.scratchpad import Scratchpad

from sandbox.test_service import FROM_A_WEB_PAGE, assert_refused, send

REGION = "us-east-2"
ROW = "us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz"


# --- rosters: no traceback, no hang --------------------------------------------------------------

def test_a_yaml_roster_whose_keys_are_not_text_is_a_clear_error(tmp_path):
    path = tmp_path / "roster.yaml"
    path.write_text("- {learner: ana, region: us-east-2, 1: x, yes: y}\n")
    with pytest.raises(RosterError, match="the column name 1 is not text"):
        read_roster(path)


def test_a_billion_laughs_roster_is_refused_at_once(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]"
              for i in range(8)]
    path = tmp_path / "roster.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.monotonic()
    with pytest.raises(RosterError, match="aliases"):
        read_roster(path)
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_roster_that_is_not_a_regular_file_is_refused_without_reading_it(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "roster.csv"
        os.mkfifo(path)  # reading it would block for ever
    else:
        path = "/dev/zero"  # reading it would fill the memory
    with pytest.raises(InputError, match="is not a regular file"):
        read_roster(path)


# --- the working copy -----------------------------------------------------------------------------

def shipped_notebooks(tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for name in WORKBOOK:
        (shipped / f"{name}.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}))
    return shipped


def test_a_working_copy_in_the_shipped_notebooks_or_in_a_symlink_loop_is_one_clear_error(tmp_path):
    shipped = shipped_notebooks(tmp_path)
    with pytest.raises(WildrydesError, match="cannot be in the shipped notebooks folder"):
        lab.prepare_working_copy(shipped / "sub", shipped)
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(WildrydesError, match="cannot be resolved"):
        lab.prepare_working_copy(loop / "copy", shipped)


def test_a_broken_manifest_or_an_empty_notebook_is_repaired_not_kept_for_ever(tmp_path):
    shipped = shipped_notebooks(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / ".wildrydes-workbook.json").write_text("[]")
    (mine / "02_identity_pool.ipynb").write_text("")  # left by a full disk
    (mine / "00_start_here.ipynb").write_text(json.dumps({"cells": [{"the learner's": "work"}]}))
    copy = lab.prepare_working_copy(mine, shipped)
    assert "02_identity_pool" in copy.copied and "00_start_here" not in copy.copied
    assert json.loads((mine / "02_identity_pool.ipynb").read_text())["cells"] == []
    assert "the learner's" in (mine / "00_start_here.ipynb").read_text()  # a readable notebook is theirs


# --- parameters of the wrong type -------------------------------------------------------------------

def test_parameters_of_the_wrong_type_are_named(tmp_path):
    with pytest.raises(InputError, match=r"^profile: list '\['a'\]' is not text"):
        forms.IdentityPoolForm(Scratchpad(tmp_path / "pad.json"), profile=["a"])
    with pytest.raises(ScratchpadError, match="is not a path"):
        Scratchpad(123)
    with pytest.raises(InputError, match="User Pool ID: list"):
        steps.step_input({"user_pool_id": ["us-east-2_abc"]})


# --- files the package wrote earlier are checked when read back -------------------------------------

@pytest.mark.parametrize("forged", [{"notebook": "javascript:alert(1)"}, {"feedback": "../../etc/passwd"},
                                    {"identity_pool_id": "=cmd|' /C calc'!A0"}, {"status": "passed!"}])
def test_a_forged_result_is_not_trusted_and_the_learner_runs_again(tmp_path, forged):
    folder = tmp_path / "ana"
    folder.mkdir()
    (folder / "result.json").write_text(json.dumps({"learner": "ana", "status": "pass", **forged}))
    assert _read_result(folder) is None
    (folder / "result.json").write_text(json.dumps({"learner": "ana", "status": "pass",
                                                    "feedback": "ana/feedback.html"}))
    assert _read_result(folder).status == "pass"


def test_a_full_disk_leaves_no_half_written_result_and_no_traceback(tmp_path, monkeypatch):
    from pathlib import Path

    def full(self, *args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_text", full)
    outcome = Outcome("ana", FAIL, message="a check failed")
    _write_result(tmp_path / "ana", outcome)
    assert "could not be written" in outcome.message and "No space left" in outcome.message
    assert list((tmp_path / "ana").iterdir()) == []


# --- text that reaches a terminal or a web app -------------------------------------------------------

def test_aws_messages_reach_the_terminal_with_their_control_characters_escaped():
    report = Report("Verification")
    report.add("identity_pool.exists", FAIL, "denied\x1b]52;c;ZXZpbA==\x07\u202e", "retry\x1b[2J")
    text = report.to_text()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b]52;c;ZXZpbA==\\x07" in text


def test_hand_edited_scratchpad_values_are_checked_when_read_and_never_become_javascript(tmp_path, capsys):
    pad = Scratchpad(tmp_path / "pad.json")
    pad.path.write_text(json.dumps({"region": "us-east-2", "user_pool_id": "us-east-2_abc\x1b[2J",
                                    "identity_pool_id": "us-east-2:1'}); alert(1); ({'",
                                    "app_client_id": "abcdefghijklmnopqrstuvwxyz",
                                    "authenticated_role_arn": "javascript:alert(1)"}))
    assert pad.read() == {"region": "us-east-2", "app_client_id": "abcdefghijklmnopqrstuvwxyz"}
    assert "alert" not in pad.amplify_config_js()
    assert cli.main(["scratchpad", "--scratchpad", str(pad.path)]) == 0
    assert "\x1b" not in capsys.readouterr().out


# --- values that are refused -----------------------------------------------------------------------

@pytest.mark.parametrize("flag, value", [("--timeout", "nan"), ("--timeout", "-5"), ("--timeout", "0"),
                                         ("--timeout", "inf"), ("--workers", "0"), ("--workers", "-3")])
def test_a_batch_number_that_makes_no_sense_is_refused(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit) as caught:
        cli.main(["batch", str(tmp_path / "roster.csv"), "--out", str(tmp_path / "out"), flag, value])
    assert caught.value.code == 2 and flag in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_the_sandbox_refuses_a_request_with_only_a_cross_site_referer(sandbox):
    assert_refused(send(sandbox, "POST", "/moto-api/reset", headers={"Referer": "https://evil.example/page"}),
                   FROM_A_WEB_PAGE)
    assert send(sandbox, "GET", "/moto-api/", headers={"Referer": f"{sandbox.endpoint_url}/moto-api/"})[0] == 200


def test_a_demo_out_that_is_a_file_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    assert cli.main(["demo", "--out", str(tmp_path / "a-file" / "sub")]) == cli.EXIT_INPUT
    assert "--out: cannot write the demo's results" in capsys.readouterr().err


# --- messages that point the right way ----------------------------------------------------------------

def test_a_region_problem_is_named_before_the_ids_it_sets_aside(tmp_path):
    pad = Scratchpad(tmp_path / "pad.json")
    pad.update(region="us-east-2", user_pool_id="us-east-2_abc", app_client_id="abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(InputError) as caught:
        steps.step_input({"region": "Ohio"}, pad)
    assert caught.value.field == "region" and "not an AWS region code" in caught.value.problem
    with pytest.raises(InputError) as caught:
        steps.step_input({"region": "us-west-2"}, pad)
    assert caught.value.field == "region" and "us-east-2_abc" in caught.value.problem
    assert "Leave the region out" in caught.value.fix


def test_an_answer_cut_short_is_one_clear_error_not_a_key_error(session, step, monkeypatch):
    import botocore.client

    from wildrydes_nb.errors import AwsAccessError
    from wildrydes_nb.user_pool import describe_app_client

    real = botocore.client.BaseClient._make_api_call

    def cut_short(self, operation, params):
        return {} if operation == "DescribeUserPool" else real(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", cut_short)
    with pytest.raises(AwsAccessError, match="answered without the UserPool it was asked for"):
        describe_app_client(session, step.user_pool_id, step.app_client_id)


def test_a_test_user_a_cleanup_removed_meanwhile_is_not_a_failure_asking_for_cleanup(session, step, monkeypatch):
    from wildrydes_nb import checks
    from wildrydes_nb.apply import ensure
    from wildrydes_nb.verify import _SignIn, verify

    pool_id = ensure(session, step).identity_pool_id
    real = _SignIn.remove_test_user

    def cleanup_first(self, report):  # cleanup deletes the throw-away user just before verify does
        if self.created:
            session.client("cognito-idp").admin_delete_user(UserPoolId=step.user_pool_id,
                                                            Username=self.user.username)
        real(self, report)

    monkeypatch.setattr(_SignIn, "remove_test_user", cleanup_first)
    report = verify(session, step, pool_id)
    removed = next(c for c in report.checks if c.id == checks.PROOF_TEST_USER_REMOVED)
    assert removed.status == "pass" and "already removed" in removed.detail and not removed.fix


def test_the_field_named_is_the_one_given(tmp_path, capsys):
    pad = Scratchpad(tmp_path / "pad.json")
    pad.update(region="us-east-2", user_pool_id="us-east-2_abc", app_client_id="abcdefghijklmnopqrstuvwxyz")
    with pytest.raises(InputError) as caught:  # the region came from the Identity Pool ID given, not --region
        steps.step_input({"identity_pool_id": "us-west-2:00000000-0000-0000-0000-000000000000"}, pad)
    assert caught.value.field == "identity_pool_id" and "the Identity Pool ID's region" in caught.value.problem
    pad.path.write_text(json.dumps({"region": "Ohio", "user_pool_id": "us-east-2_abc", "colour": "blue"}))
    assert cli.main(["scratchpad", "--scratchpad", str(pad.path)]) == 0
    out = capsys.readouterr().out
    assert "note: region is ignored: 'Ohio' is not a well-formed value" in out
    assert "note: colour is ignored: not a key of the scratchpad" in out
