"""Instructor batch runs: roster checking up front, isolated parallel learners, one report."""

import csv
import json
import time

import pytest

from wildrydes_nb.batch import Learner, Outcome, read_roster, run_batch, summary_text, write_summaries
from wildrydes_nb.errors import RosterError

HEADER = "learner,region,user_pool_id,app_client_id,identity_pool_name\n"


def roster(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_and_yaml_rosters_are_read(tmp_path):
    learners = read_roster(roster(tmp_path, HEADER + 'ana,us-east-2,"us-east-2_abc",abcdefghijklmnopqrstuvwxyz,\n'))
    assert learners == [Learner(1, "ana", "us-east-2", "us-east-2_abc", "abcdefghijklmnopqrstuvwxyz")]
    yaml_text = ("learners:\n  - {learner: bo, region: us-east-2, user_pool_id: us-east-2_abc,\n"
                 "     app_client_id: abcdefghijklmnopqrstuvwxyz, profile: class}\n")
    assert read_roster(roster(tmp_path, yaml_text, "roster.yaml"))[0].profile == "class"


def test_every_bad_row_is_reported_with_its_number(tmp_path):
    text = (HEADER
            + "ana,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,\n"
            + "ana,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,\n"
            + "bo,us-east-2,,abcdefghijklmnopqrstuvwxyz,\n"
            + "cy,us-east-2,abcdefghijklmnopqrstuvwxyz,us-east-2_abc,\n"
            + "d/e,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,\n")
    with pytest.raises(RosterError) as caught:
        read_roster(roster(tmp_path, text))
    rows = dict(caught.value.rows)
    assert set(rows) == {2, 3, 4, 5}
    assert "already on row 1" in rows[2] and "missing user_pool_id" in rows[3]
    assert "looks like an App client ID" in rows[4] and "names a folder" in rows[5]
    assert "row 4:" in str(caught.value)


def test_missing_column_is_reported(tmp_path):
    with pytest.raises(RosterError, match="missing app_client_id"):
        read_roster(roster(tmp_path, "learner,region,user_pool_id\nana,us-east-2,us-east-2_abc\n"))


def test_summaries_hold_one_row_per_learner_and_no_secret(tmp_path):
    outcomes = [Outcome("ana", "pass", "us-east-2:1", {"identity pool exists": "pass"}, "", "ana/02.ipynb"),
                Outcome("bo", "fail", "", {}, "app_client_id: does not belong <b>", "bo/02.ipynb")]
    paths = write_summaries(outcomes, tmp_path)
    rows = list(csv.DictReader(paths["csv"].open()))
    assert [r["learner"] for r in rows] == ["ana", "bo"] and rows[0]["identity pool exists"] == "pass"
    assert json.loads(paths["json"].read_text())[1]["message"].startswith("app_client_id")
    page = paths["html"].read_text()
    assert '<a href="ana/02.ipynb">' in page and "&lt;b&gt;" in page and "1 of 2 learners passed" in page
    assert summary_text(outcomes).splitlines() == ["2 learners: 1 passed, 1 failed",
                                                   "  FAIL bo: app_client_id: does not belong <b>"]
