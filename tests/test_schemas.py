"""The machine-readable outputs against the JSON Schemas shipped in the package."""

import json
from importlib import resources

import jsonschema
import pytest

from wildrydes_nb import checks, cli
from wildrydes_nb.apply import ensure
from wildrydes_nb.batch import run_batch
from wildrydes_nb.roster import read_roster
from wildrydes_nb.summary import RunInfo, write_summaries

REGION = "us-east-2"


def schema(name: str) -> dict:
    return json.loads(resources.files("wildrydes_nb").joinpath("schemas", name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["verify.schema.json", "batch-summary.schema.json"])
def test_the_schemas_ship_in_the_package_and_are_valid(name):
    jsonschema.Draft202012Validator.check_schema(schema(name))


def test_verify_json_is_one_object_of_the_schema_for_every_exit_status(session, step, capsys, tmp_path):
    args = ["--region", REGION, "--user-pool-id", step.user_pool_id, "--app-client-id", step.app_client_id,
            "--scratchpad", str(tmp_path / "pad.json"), "--no-proof"]
    assert cli.main(["verify", "--json", *args]) == cli.EXIT_INPUT  # no pool yet: an error, as JSON
    missing = json.loads(capsys.readouterr().out)
    jsonschema.validate(missing, schema("verify.schema.json"))
    assert missing["ok"] is False and missing["error"]["field"] == "identity_pool_name" and missing["error"]["fix"]
    ensure(session, step)
    assert cli.main(["verify", "--json", *args]) == 0
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, schema("verify.schema.json"))
    assert list(report["statuses"]) == list(checks.VERIFY_IDS) and report["statuses"][checks.PROOF] == "not run"


def test_a_grading_summary_follows_the_schema_with_every_check_for_every_learner(session, step, tmp_path):
    other = session.client("cognito-idp").create_user_pool(PoolName="Other")["UserPool"]["Id"]
    client = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=other, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
    ensure(session, step)
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name\n"
                      f"ana,{REGION},{step.user_pool_id},{step.app_client_id},{step.identity_pool_name}\n"
                      f"bo,{REGION},{other},{client},bo_pool\n")
    learners = read_roster(roster)
    outcomes = run_batch(learners, tmp_path / "out", workers=2, verify_only=True, progress=False)
    paths = write_summaries(outcomes, tmp_path / "out", RunInfo("grading", "a", "b", learners))
    summary = json.loads(paths["json"].read_text())
    jsonschema.validate(summary, schema("batch-summary.schema.json"))
    by_name = {row["learner"]: row for row in summary["learners"]}
    assert by_name["ana"]["status"] == "pass" and by_name["ana"]["proof"] == "not run"
    assert by_name["bo"]["status"] == "fail" and "Create it first" in by_name["bo"]["fix"]
    assert all(list(row["checks"]) == list(checks.VERIFY_IDS) for row in summary["learners"])
    page = (tmp_path / "out" / by_name["bo"]["feedback"]).read_text()
    assert "Grading reads only: nothing was created or changed." in page and "Create it first" in page


def test_points_give_a_score_and_grades_csv_and_a_bad_points_file_is_refused_before_anything_runs(
        session, step, tmp_path, capsys):
    from wildrydes_nb.errors import InputError
    from wildrydes_nb.summary import read_points

    ensure(session, step)
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name\n"
                      f"ana,{REGION},{step.user_pool_id},{step.app_client_id},{step.identity_pool_name}\n")
    points = tmp_path / "points.yaml"
    points.write_text(f"{checks.AUTH_ROLE_TRUST_AUD}: 2\n{checks.IDENTITY_POOL_PROVIDER}: 1.5\n{checks.PROOF_ROLE}: 3\n")
    out = tmp_path / "graded"
    assert cli.main(["grade", str(roster), "--out", str(out), "--points", str(points)]) == 0
    assert "grades: " in capsys.readouterr().out
    out = out / (out / "latest-grading").read_text().strip()  # each run in a folder of its own
    summary = json.loads((out / "summary.json").read_text())
    jsonschema.validate(summary, schema("batch-summary.schema.json"))
    assert (summary["learners"][0]["score"], summary["learners"][0]["max"]) == (3.5, 6.5)  # the proof did not run
    assert summary["accounts"] == {"(default)": "123456789012"} and summary["mode"] == "grading"
    assert (out / "grades.csv").read_text().splitlines() == ["learner,score,max", "ana,3.5,6.5"]
    for text, problem in [("nope: 1\n", "is not a check id"), (f"{checks.PROOF}: -1\n", "not a number of 0 or more"),
                          (f"a: &x 1\n{checks.PROOF}: *x\n", "aliases"), ("- 1\n", "not a mapping")]:
        points.write_text(text)
        with pytest.raises(InputError, match=problem):
            read_points(points)
    assert cli.main(["grade", str(roster), "--out", str(tmp_path / "again"), "--points", str(points)]) == cli.EXIT_INPUT
    assert not (tmp_path / "again").exists()
    (tmp_path / "a-file").write_text("")
    assert cli.main(["grade", str(roster), "--out", str(tmp_path / "a-file")]) == cli.EXIT_INPUT
    assert "--out: cannot make the run's folder" in capsys.readouterr().err


def test_grading_names_a_deleted_user_pool_and_a_passed_proof_earns_its_points(session, step, tmp_path):
    ensure(session, step)
    gone = session.client("cognito-idp").create_user_pool(PoolName="Gone")["UserPool"]["Id"]
    gone_client = session.client("cognito-idp").create_user_pool_client(
        UserPoolId=gone, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH"])["UserPoolClient"]["ClientId"]
    session.client("cognito-idp").delete_user_pool(UserPoolId=gone)
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name\n"
                      f"ana,{REGION},{step.user_pool_id},{step.app_client_id},{step.identity_pool_name}\n"
                      f"dan,{REGION},{gone},{gone_client},dan_pool\n")
    points = tmp_path / "points.yaml"
    points.write_text(f"{checks.PROOF}: 5\n{checks.IDENTITY_POOL_EXISTS}: 1\n")
    out = tmp_path / "graded"
    assert cli.main(["grade", str(roster), "--out", str(out), "--prove", "--points", str(points)]) == 1
    out = out / (out / "latest-grading").read_text().strip()
    rows = {row["learner"]: row for row in json.loads((out / "summary.json").read_text())["learners"]}
    assert (rows["ana"]["proof"], rows["ana"]["score"], rows["ana"]["max"]) == ("pass", 6, 6)
    assert rows["dan"]["checks"][checks.APP_CLIENT_EXISTS] == "fail" and "does not exist" in rows["dan"]["message"]
    assert rows["dan"]["checks"][checks.IDENTITY_POOL_EXISTS] == "fail" and rows["dan"]["fix"]
