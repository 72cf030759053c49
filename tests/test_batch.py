"""Instructor batch runs: roster checking up front, isolated parallel learners, one report."""

import csv
import json
import re
import time

import pytest

from wildrydes_nb import checks
from wildrydes_nb.roster import Learner, read_roster
from wildrydes_nb.batch import Outcome, run_batch
from wildrydes_nb.summary import RunInfo, summary_text, write_summaries
from wildrydes_nb.errors import RosterError
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.roles import role_name

HEADER = "learner,region,user_pool_id,app_client_id,identity_pool_name\n"
# A JWT, an access key id, or a secret key / session token field with its value.
SECRET_SHAPES = re.compile(r"eyJ[\w-]{10,}\.eyJ|\b(AKIA|ASIA)[0-9A-Z]{16}\b|\"(SecretKey|SessionToken|IdToken)\"")


def roster(tmp_path, text, name="roster.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_and_yaml_rosters_are_read(tmp_path):
    learners = read_roster(roster(tmp_path, HEADER + 'ana,us-east-2,"us-east-2_abc",abcdefghijklmnopqrstuvwxyz,\n'))
    assert learners == [Learner(2, "ana", "us-east-2", "us-east-2_abc", "abcdefghijklmnopqrstuvwxyz")]
    yaml_text = ("learners:\n  - {learner: bo, region: us-east-2, user_pool_id: us-east-2_abc,\n"
                 "     app_client_id: abcdefghijklmnopqrstuvwxyz, profile: class}\n")
    [bo] = read_roster(roster(tmp_path, yaml_text, "roster.yaml"))
    assert (bo.profile, bo.row) == ("class", 1)  # a YAML roster's entries count from 1


def test_every_bad_row_is_reported_with_its_number(tmp_path):
    text = (HEADER
            + "ana,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,\n"
            + "ana,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,\n"
            + "bo,us-east-2,,abcdefghijklmnopqrstuvwxyz,\n"
            + "cy,us-east-2,abcdefghijklmnopqrstuvwxyz,us-east-2_abc,\n"
            + "d/e,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,pool_de\n"
            + "d_e,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,pool_de2\n")
    with pytest.raises(RosterError) as caught:
        read_roster(roster(tmp_path, text))
    rows = dict(caught.value.rows)  # the spreadsheet's row numbers: the header is row 1
    assert set(rows) == {3, 4, 5, 7}
    assert "already on row 2" in rows[3] and "missing user_pool_id" in rows[4]
    assert "looks like an App client ID" in rows[5] and "would share the folder 'd_e'" in rows[7]
    assert "row 5:" in str(caught.value)


def test_email_shaped_learner_names_get_a_safe_folder(tmp_path):
    [ana] = read_roster(roster(tmp_path, HEADER + "ana@example.com,us-east-2,us-east-2_abc,"
                                                  "abcdefghijklmnopqrstuvwxyz,\n"))
    assert (ana.learner, ana.folder) == ("ana@example.com", "ana_example.com")


def test_missing_column_is_reported(tmp_path):
    with pytest.raises(RosterError, match="the roster has no column app_client_id"):
        read_roster(roster(tmp_path, "learner,region,user_pool_id\nana,us-east-2,us-east-2_abc\n"))


def test_summaries_hold_one_row_per_learner_with_every_check_and_no_secret(tmp_path):
    outcomes = [Outcome("ana", "pass", "us-east-2:1", {checks.IDENTITY_POOL_EXISTS: "pass"}, "", "ana/02.html",
                        proof="pass", feedback="ana/feedback.html"),
                Outcome("bo", "fail", "", {checks.APP_CLIENT_EXISTS: "fail"}, "app_client_id: does not belong <b>",
                        fix="Copy the App client ID again.", feedback="bo/feedback.html")]
    paths = write_summaries(outcomes, tmp_path, RunInfo("grading", "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"))
    rows = list(csv.DictReader(paths["csv"].open()))
    assert [r["learner"] for r in rows] == ["ana", "bo"] and rows[0][checks.IDENTITY_POOL_EXISTS] == "pass"
    assert rows[0][checks.PROOF_ROLE] == "not run" and list(rows[0]) == list(rows[1])  # the columns never shift
    header = next(csv.reader(paths["csv"].open()))
    assert len(header) == len(set(header)) and rows[0]["sign_in_proof"] == "pass"  # no column named twice
    summary = json.loads(paths["json"].read_text())
    assert summary["mode"] == "grading" and summary["counts"]["fail"] == 1
    assert list(summary["learners"][0]["checks"]) == list(checks.VERIFY_IDS)
    assert summary["learners"][1]["failed"] == [checks.wording(checks.APP_CLIENT_EXISTS)]
    page = paths["html"].read_text()
    # Failures first, the heading counts, each failure's fix in view, links to the feedback pages.
    assert page.index(">bo<") < page.index(">ana<") and "2 learners: 1 passed, 1 failed" in page
    assert "Class grading (read only" in page and "Copy the App client ID again." in page
    assert '<a href="ana/feedback.html">ana</a>' in page and "<b>" not in page
    assert "What the statuses mean" in page
    assert summary_text(outcomes).splitlines() == [
        "2 learners: 1 passed, 0 set up by this run (passed after it created or repaired something), 0 not proven, "
        "1 failed", "  FAIL bo: app_client_id: does not belong <b> Fix: Copy the App client ID again."]


def class_roster(tmp_path, session, count, broken=(), name="roster.csv"):
    """A roster of ``count`` learners, each with a user pool and app client of their own."""
    idp = session.client("cognito-idp")
    lines = [HEADER.strip()]
    for i in range(count):
        pool = idp.create_user_pool(PoolName=f"WildRydes-{i}")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="wildrydes-web-app",
                                             ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                                             )["UserPoolClient"]["ClientId"]
        lines.append(f"learner{i},us-east-2,{pool},{'abcdefghijklmnopqrstuvwxyz' if i in broken else client},pool_{i}")
    return roster(tmp_path, "\n".join(lines) + "\n", name)


def resources(session):
    identity, iam, idp = (session.client(s) for s in ("cognito-identity", "iam", "cognito-idp"))
    pools = identity.list_identity_pools(MaxResults=60)["IdentityPools"]
    users = [u["Username"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]
             for u in idp.list_users(UserPoolId=p["Id"])["Users"]]
    return sorted(p["IdentityPoolId"] for p in pools), sorted(r["RoleName"] for r in iam.list_roles()["Roles"]), users


@pytest.mark.slow
def test_a_class_passes_each_pool_linked_a_broken_learner_fails_alone_and_resume_reruns_only_it(tmp_path, session,
                                                                                               capsys):
    from wildrydes_nb.cli import main

    # One class run for both stories (each learner starts a kernel): learners 0 and 2 pass,
    # learner 1's app client is not in its user pool.
    path = class_roster(tmp_path, session, 3, broken={1})
    learners = read_roster(path)
    out = tmp_path / "out"
    assert main(["batch", str(path), "--out", str(tmp_path / "runs"), "--workers", "2"]) == 1
    out = latest_run(tmp_path / "runs")  # each run in a folder of its own under --out
    summary = {r["learner"]: r for r in csv.DictReader((out / "summary.csv").open())}
    # Batch made their pools: "set up by this run", not the learners' plain pass.
    assert [summary[f"learner{i}"]["status"] for i in range(3)] == ["set up", "fail", "set up"]
    assert summary["learner0"]["changes"].startswith("created the identity pool")
    assert "does not belong to user pool" in summary["learner1"]["message"]
    assert "FAIL learner1: " in capsys.readouterr().out
    identity = session.client("cognito-identity")
    for learner in (learners[0], learners[2]):
        pool_id = summary[learner.learner]["identity_pool_id"]
        pool = identity.describe_identity_pool(IdentityPoolId=pool_id)
        assert pool["IdentityPoolName"] == learner.identity_pool_name
        assert pool["CognitoIdentityProviders"][0]["ProviderName"].endswith("/" + learner.user_pool_id)
        assert pool["CognitoIdentityProviders"][0]["ClientId"] == learner.app_client_id
        folder = out / learner.learner
        assert json.loads((folder / "scratchpad.json").read_text())["identity_pool_id"] == pool_id
        assert (folder / "02_identity_pool.ipynb").exists()
        assert json.loads((folder / "result.json").read_text())["checks"][checks.PROOF_ROLE] == "pass"
    for written in out.rglob("*"):
        if written.is_file():
            assert not SECRET_SHAPES.search(written.read_text(errors="replace")), written
    stamps = {i: (out / f"learner{i}" / "result.json").stat().st_mtime_ns for i in range(3)}
    time.sleep(0.01)
    # --resume continues the latest set-up run, in its folder; a new run gets a folder of its own.
    assert main(["batch", str(path), "--out", str(tmp_path / "runs"), "--workers", "2", "--resume"]) == 1
    assert latest_run(tmp_path / "runs") == out
    after = {i: (out / f"learner{i}" / "result.json").stat().st_mtime_ns for i in range(3)}
    assert after[0] == stamps[0] and after[2] == stamps[2] and after[1] != stamps[1]
    assert main(["grade", str(path), "--out", str(tmp_path / "runs"), "--resume"]) == 2  # no grading run yet
    assert "there is no earlier grading run" in capsys.readouterr().err


def test_verify_only_grades_and_creates_nothing(tmp_path, session):
    path = class_roster(tmp_path, session, 2)
    for learner in read_roster(path):  # the learners' own step, made here without a kernel
        ensure(session, check_step_input(learner.region, learner.user_pool_id, learner.app_client_id,
                                         learner.identity_pool_name))
    before = resources(session)
    outcomes = run_batch(read_roster(path), tmp_path / "graded", workers=2, verify_only=True, progress=False)
    assert [o.status for o in outcomes] == ["pass", "pass"]
    assert outcomes[0].checks[checks.AUTH_ROLE_TRUST_AUD] == "pass"
    assert resources(session) == before


def test_verify_only_without_a_pool_fails_clearly(tmp_path, session):
    outcomes = run_batch(read_roster(class_roster(tmp_path, session, 1)), tmp_path / "out",
                         verify_only=True, progress=False)
    assert outcomes[0].status == "fail" and "there is no identity pool called 'pool_0'" in outcomes[0].message  # the one rule's words


def test_a_learner_does_not_inherit_the_pools_its_runner_process_made(tmp_path, session):
    path = class_roster(tmp_path, session, 1)
    [learner] = read_roster(path)
    made = ensure(session, check_step_input(learner.region, learner.user_pool_id, learner.app_client_id,
                                            learner.identity_pool_name)).identity_pool_id
    session.client("cognito-identity").delete_identity_pool(IdentityPoolId=made)  # deleted elsewhere
    outcomes = run_batch([learner], tmp_path / "graded", verify_only=True, progress=False)
    assert "there is no identity pool called 'pool_0'" in outcomes[0].message


def quick_notebook(tmp_path, code):
    """A stand-in for the step's notebook: its parameters, then ``code``, in one cell."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("region = user_pool_id = app_client_id = identity_pool_name = None\n"
                                       "scratchpad_path = None\nauto_submit = False")
    params.metadata["tags"] = ["parameters"]
    notebook.cells = [params, nbformat.v4.new_code_cell(code)]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "02_identity_pool.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.mark.slow
def test_timeout_and_crashed_kernel_are_recorded_and_the_others_go_on(tmp_path, session):
    path = quick_notebook(tmp_path, "import os, time\n"
                                    "from wildrydes_nb.scratchpad import Scratchpad\n"
                                    "if identity_pool_name == 'pool_0':\n"
                                    "    Scratchpad(scratchpad_path).update(identity_pool_id='us-east-2:"
                                    "00000000-0000-0000-0000-000000000000')\n"
                                    "    time.sleep(60)\n"
                                    "if identity_pool_name == 'pool_1': os._exit(1)")
    start = time.monotonic()
    outcomes = run_batch(read_roster(class_roster(tmp_path, session, 3)), tmp_path / "out", workers=3,
                         timeout=6, notebook=path, progress=False)
    assert time.monotonic() - start < 30
    assert outcomes[0].status == "fail" and "timed out after 6 s" in outcomes[0].message
    # What the timed-out learner had learned is kept: the id it saved, and a page for them.
    assert outcomes[0].identity_pool_id == "us-east-2:00000000-0000-0000-0000-000000000000"
    assert "timed out after 6 s" in (tmp_path / "out" / outcomes[0].feedback).read_text()
    assert outcomes[1].status == "fail" and "Kernel" in outcomes[1].message
    # The third ran to the end but published no report: a fail with that reason, not a crash.
    assert outcomes[2].message == "the notebook ran but published no verification report"


def test_a_learners_profile_is_used_for_that_learner_only(tmp_path, session):
    path = class_roster(tmp_path, session, 2)
    text = path.read_text().splitlines()
    text[0] += ",profile"
    text[1] += ",no-such-profile"
    text[2] += ","
    path.write_text("\n".join(text) + "\n")
    made = run_batch(read_roster(path), tmp_path / "made", workers=2, progress=False)
    assert [o.status for o in made] == ["fail", "set up"]
    assert "no-such-profile" in made[0].message
    outcomes = run_batch(read_roster(path), tmp_path / "graded", verify_only=True, progress=False)
    assert outcomes[0].status == "fail" and "the AWS profile 'no-such-profile' is not configured" in outcomes[0].message
    assert outcomes[1].status == "set up"  # its pool was made by the set-up run above: graded as such, not as a pass


@pytest.mark.parametrize("name, content", [("roster.yaml", b"learners: [unclosed"), ("roster.csv", b"\xff\xfe\x00bad")])
def test_an_unreadable_roster_is_a_clear_error(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(RosterError, match="cannot be read as CSV or YAML"):
        read_roster(path)


# Hostile rosters: read by the csv module (quoted newlines kept, then refused), no two learners
# on one folder or one role, every refusal with its row number and without a raw control character.

ROW = "us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz"


def _bad_rows(tmp_path, text, name="roster.csv"):
    with pytest.raises(RosterError) as caught:
        read_roster(roster(tmp_path, text, name))
    assert all(line.isprintable() for line in str(caught.value).split("\n"))
    assert all(message.isprintable() for _, message in caught.value.rows)
    return dict(caught.value.rows)


def test_a_quoted_newline_stays_in_its_field_and_is_refused_as_a_name(tmp_path):
    rows = _bad_rows(tmp_path, HEADER + f'"ana\nbo",{ROW},\ncy,{ROW},"wild\nrydes"\ndi,{ROW},di_pool\n')
    assert set(rows) == {2, 3}  # a spreadsheet's rows: one per record, the header row 1
    assert rows[2].startswith(r"learner: 'ana\nbo' contains '\n'")
    assert "Identity pool name" in rows[3] and r"'\n'" in rows[3]


def test_line_separators_other_than_newline_do_not_split_a_row(tmp_path):
    rows = _bad_rows(tmp_path, HEADER + f"ana,{ROW},wild\u2028rydes\nbo,{ROW},bo\x1cpool\ncy,{ROW},cy_pool\n")
    assert set(rows) == {2, 3}
    assert r"'\u2028'" in rows[2] and r"'\x1c'" in rows[3]


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (HEADER + f"ana,{ROW},\n").encode())
    assert [learner.learner for learner in read_roster(path)] == ["ana"]


def test_names_that_differ_only_in_case_or_collide_with_the_summary_are_refused(tmp_path):
    text = HEADER + "".join(f"{name},{ROW},pool_{n}\n" for n, name in
                            enumerate(["Ana", "ana", "summary.csv", "Summary.HTML", "summary.json", "bo"]))
    rows = _bad_rows(tmp_path, text)
    assert set(rows) == {3, 4, 5, 6}
    assert "'ana' differs only in case from 'Ana' on row 2" in rows[3]
    assert "'summary.csv' would have the name of a summary file" in rows[4]


def test_a_token_in_any_column_is_refused_without_echo(tmp_path):
    jwt = "eyJraWQiOiJkdW1teSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"
    text = ("learner,region,user_pool_id,app_client_id,identity_pool_name,profile\n"
            f"ana,{ROW},pool_a,{jwt}\nbo,us-east-2,us-east-2_abc,{jwt},pool_b,\n")
    with pytest.raises(RosterError) as caught:
        read_roster(roster(tmp_path, text))
    assert dict(caught.value.rows).keys() == {2, 3} and jwt[:12] not in str(caught.value)
    assert "profile: looks like a token or key" in dict(caught.value.rows)[2]


FIRST = "ana,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,wildrydes_pool"


def test_learners_of_one_account_never_share_a_role_even_in_another_region(tmp_path):
    text = HEADER + FIRST + "\nbo,eu-west-1,eu-west-1_abc,abcdefghijklmnopqrstuvwxyz,wildrydes_pool\n"
    rows = _bad_rows(tmp_path, text)
    assert set(rows) == {3} and "row 2" in rows[3] and f"{role_name('wildrydes_pool')}" in rows[3]
    profiles = text.replace(",identity_pool_name\n", ",identity_pool_name,profile\n").replace("_pool\n", "_pool,{}\n")
    assert len(read_roster(roster(tmp_path, profiles.format("one", "two")))) == 2


@pytest.mark.parametrize("second", ["WildRydes_Pool", "wildrydes pool", "WILDRYDES_POOL", "bo_pool"])
def test_role_names_are_compared_ignoring_case(tmp_path, second):
    text = HEADER + FIRST + f"\nbo,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,{second}\n"
    if role_name(second).lower() != role_name("wildrydes_pool").lower():
        assert len(read_roster(roster(tmp_path, text))) == 2
    else:
        assert set(_bad_rows(tmp_path, text)) == {2}


def test_two_role_names_that_differ_only_in_case_are_one_role(tmp_path, monkeypatch):
    # IAM ignores case: a naming scheme that kept case would still give these two learners one role.
    from wildrydes_nb import roles

    monkeypatch.setattr(roles, "role_name",
                        lambda name, kind=roles.AUTHENTICATED, region=None: f"Cognito_{name}Auth_Role")
    text = HEADER + FIRST + "\nbo,us-east-2,us-east-2_abc,abcdefghijklmnopqrstuvwxyz,WildRydes_Pool\n"
    rows = _bad_rows(tmp_path, text)
    assert set(rows) == {3} and "Cognito_wildrydes_poolAuth_Role" in rows[3] and "ignore case" in rows[3]


# Stops: kill -9 of the runner leaves no learner or kernel behind; one Ctrl-C (SIGINT) stops the
# batch within seconds, records who was running as interrupted, writes the summaries, exits non-zero.

def _sleepy_notebook(tmp_path):
    """A notebook that marks its learner's folder once its kernel runs, then sleeps a minute."""
    return quick_notebook(tmp_path, "import os, time\n"
                                    "open(os.path.join(os.path.dirname(scratchpad_path), 'started'), 'w').close()\n"
                                    "time.sleep(60)")


def _start_runner(tmp_path, code, *args):
    """``code`` run as a script in a process of its own; its output goes to files (a pipe would stay
    open, and be waited for, as long as any learner that inherited it lives)."""
    import subprocess
    import sys

    script = tmp_path / "runner.py"
    script.write_text(code)
    with (tmp_path / "stdout").open("w") as stdout, (tmp_path / "stderr").open("w") as stderr:
        return subprocess.Popen([sys.executable, str(script), *map(str, args)], stdout=stdout, stderr=stderr)


def _output(tmp_path):
    return (tmp_path / "stdout").read_text(), (tmp_path / "stderr").read_text()


def latest_run(out, mode="set-up"):
    """The folder of the latest run of ``mode`` under a batch's --out (``None`` before it is made)."""
    pointer = out / f"latest-{mode}"
    return out / pointer.read_text().strip() if pointer.exists() else None


def _descendants_once_started(runner, run_folder, learners, within=60):
    """Every process under ``runner`` once each learner's kernel has marked its folder in the run's
    folder, ``run_folder()`` (``None`` while it is not made), kernels included."""
    import psutil

    deadline = time.monotonic() + within
    try:
        while not (run_folder() and all((run_folder() / name / "started").exists() for name in learners)):
            assert runner.poll() is None, "the runner ended before its learners' kernels started"
            assert time.monotonic() < deadline, "the learners' kernels did not start"
            time.sleep(0.2)
        procs = psutil.Process(runner.pid).children(recursive=True)
        # Each learner's one child is its kernel (forked from it: headless.ForkedKernelProvisioner).
        kernels = [kernel for learner in psutil.Process(runner.pid).children() for kernel in learner.children()]
        assert len(kernels) == len(learners), [(p.pid, p.ppid(), p.cmdline()) for p in procs]
    except BaseException:
        _left_behind(psutil.Process(runner.pid).children(recursive=True) if runner.poll() is None else [], 0)
        runner.kill()
        raise
    return procs


def _left_behind(procs, within):
    """The processes of ``procs`` still running (zombies count as gone) after up to ``within`` s."""
    import psutil

    def running(proc):
        try:
            return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    deadline = time.monotonic() + within
    while any(map(running, procs)) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [p for p in procs if running(p)]
    for proc in alive:  # the test's own processes: never left running, whatever the outcome
        proc.kill()
    return alive


RUNNER = """import sys
from wildrydes_nb.roster import Learner
from wildrydes_nb.batch import run_batch
learners = [Learner(n, f"learner{n}", "us-east-2", "us-east-2_abc", "abcdefghijklmnopqrstuvwxyz", f"pool_{n}")
            for n in (1, 2)]
run_batch(learners, sys.argv[1], workers=2, timeout=120, notebook=sys.argv[2], progress=False)
"""


@pytest.mark.slow
def test_kill_9_of_the_runner_leaves_no_learner_and_no_kernel_behind(tmp_path):
    import signal

    out = tmp_path / "out"
    runner = _start_runner(tmp_path, RUNNER, out, _sleepy_notebook(tmp_path))
    procs = _descendants_once_started(runner, lambda: out, ["learner1", "learner2"])
    runner.send_signal(signal.SIGKILL)
    runner.wait()
    assert _left_behind(procs, within=5) == []


CLI_WITH_NOTEBOOK = """import sys
from wildrydes_nb import batch, cli
batch.run_batch.__kwdefaults__["notebook"] = sys.argv[1]  # the CLI as it is, on a quick notebook
sys.exit(cli.main(sys.argv[2:]))
"""


@pytest.mark.slow
def test_one_ctrl_c_stops_the_batch_records_the_interrupted_and_writes_the_summaries(tmp_path):
    import signal

    path = roster(tmp_path, HEADER + "".join(f"learner{n},{ROW},pool_{n}\n" for n in (1, 2, 3)))
    out = tmp_path / "out"
    runner = _start_runner(tmp_path, CLI_WITH_NOTEBOOK, _sleepy_notebook(tmp_path), "batch", path,
                           "--out", out, "--workers", "2", "--timeout", "120")
    procs = _descendants_once_started(runner, lambda: latest_run(out), ["learner1", "learner2"])
    runner.send_signal(signal.SIGINT)
    start = time.monotonic()
    try:
        runner.wait(timeout=30)
    finally:
        stopped_in = time.monotonic() - start
        runner.kill()
        left = _left_behind(procs, within=5)
    stdout, stderr = _output(tmp_path)
    assert stopped_in < 5 and runner.returncode == 130 and "Traceback" not in stderr, stderr
    out = latest_run(out)
    summary = {o["learner"]: o for o in json.loads((out / "summary.json").read_text())["learners"]}
    assert [summary[f"learner{n}"]["status"] for n in (1, 2, 3)] == ["interrupted"] * 3
    assert "stopped (SIGINT) while this learner ran" in summary["learner1"]["message"]
    assert "not started" in summary["learner3"]["message"]
    assert json.loads((out / "learner2" / "result.json").read_text())["status"] == "interrupted"
    assert [r["status"] for r in csv.DictReader((out / "summary.csv").open())] == ["interrupted"] * 3
    assert "3 interrupted" in stdout and "INTERRUPTED learner1: " in stdout
    assert "3 interrupted" in (out / "summary.html").read_text()
    assert left == []
