"""The shipped notebooks: clean and parameterized, in step with their expected outputs, and run
headless with papermill under the sandbox (success, failure paths, and no secret left behind).

The cell-by-cell nbval runs are collected from tests/notebooks/ (see its conftest.py).
"""

import contextlib
import io
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
import pytest
from papermill.exceptions import PapermillExecutionError

import workbook
from wildrydes_nb.aws import new_session
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.report import REPORT_MIME, Report
from wildrydes_nb.user_pool import ensure_user_pool

IDENTITY_POOL = workbook.SHIPPED_DIR / "02_identity_pool.ipynb"
WRONG_APP_CLIENT_ID = "abcdefghijklmnopqrstuvwxyz"
PARAMETER_LINE = re.compile(r"(\w+): (bool|\"Optional\[str\]\") = (.+?)  # (.+)")  # typed: --help-notebook shows it
# Defaults the issue fixes, wherever the parameter appears.
DEFAULTS = {"region": "None", "user_pool_id": "None", "app_client_id": "None",
            "identity_pool_name": "None", "allow_unauthenticated": "False",
            "scratchpad_path": "None", "auto_submit": "False", "profile": "None"}
JWT = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}")


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", workbook.ROOT / "scripts" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _shipped(name: str) -> nbformat.NotebookNode:
    return nbformat.read(str(workbook.SHIPPED_DIR / f"{name}.ipynb"), as_version=4)


def test_shipped_notebooks_are_what_the_builder_writes():
    assert _load_builder().main(["--check"]) == 0, "run: .venv/bin/python scripts/build_notebooks.py"


@pytest.mark.parametrize("name", workbook.NOTEBOOKS)
def test_each_notebook_is_its_markdown_source_and_carries_no_pairing_of_its_own(name):
    import jupytext

    text = jupytext.read(workbook.SHIPPED_DIR / f"{name}.md")
    shipped = _shipped(name)
    # A copy saved anywhere writes no Markdown twin: the pairing is the folder's, not the notebook's.
    assert "jupytext" not in shipped.metadata
    assert [(c.cell_type, c.source) for c in text.cells] == [(c.cell_type, c.source) for c in shipped.cells]


def test_the_checkouts_notebooks_folder_pairs_its_notebooks_and_a_copy_elsewhere_is_not_paired(tmp_path):
    from jupytext.config import find_jupytext_configuration_file, load_jupytext_config

    config = load_jupytext_config(str(workbook.SHIPPED_DIR))
    assert config is not None and config.formats == ["ipynb,md:myst"]  # JupyterLab on notebooks/ saves both
    (tmp_path / "copy").mkdir()
    assert find_jupytext_configuration_file(str(tmp_path / "copy")) is None


@pytest.mark.parametrize("name", workbook.NOTEBOOKS)
def test_shipped_notebook_is_clean_and_has_one_documented_parameters_cell(name):
    nb = _shipped(name)
    assert nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code), "commit notebooks without outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = tagged[0].source.splitlines()
    assert all(PARAMETER_LINE.fullmatch(line) for line in lines), lines
    documented = papermill.inspect_notebook(str(workbook.SHIPPED_DIR / f"{name}.ipynb"))
    assert {"scratchpad_path", "auto_submit"} <= documented.keys()
    for parameter, info in documented.items():
        assert info["help"], f"{parameter} has no comment"
        assert info["inferred_type_name"] in ("bool", "Optional[str]"), parameter  # not "Unknown type"
        if parameter in DEFAULTS:
            assert info["default"] == DEFAULTS[parameter], parameter
    # Code cells stay short: the work is in the package.
    assert max(len(c.source.splitlines()) for c in code if c is not tagged[0]) <= 6


def test_identity_pool_notebook_takes_the_issue_parameters():
    documented = papermill.inspect_notebook(str(IDENTITY_POOL))
    assert {"region", "user_pool_id", "app_client_id", "identity_pool_name", "allow_unauthenticated",
            "scratchpad_path", "auto_submit"} <= documented.keys()


@pytest.mark.parametrize("name", workbook.NOTEBOOKS)
def test_expected_notebook_is_in_step_with_the_shipped_one(name):
    expected = nbformat.read(str(workbook.EXPECTED_DIR / f"{name}.ipynb"), as_version=4)
    assert workbook.cells(expected) == workbook.cells(_shipped(name)), \
        "the expected outputs are stale: run .venv/bin/python scripts/regen_expected.py"
    assert all(c.execution_count for c in expected.cells if c.cell_type == "code")


@contextlib.contextmanager
def recording_secrets():
    """Record every password, token and secret key the sandbox sees or issues meanwhile.

    The sandbox runs in this process, so its moto backends can be watched directly.
    """
    from moto.cognitoidp.models import CognitoIdpBackend
    from moto.sts.models import STSBackend

    seen = {"password": [], "ID token": [], "access token": [], "refresh token": [],
            "secret key": [], "session token": []}
    set_password = CognitoIdpBackend.admin_set_user_password
    initiate_auth = CognitoIdpBackend.initiate_auth
    respond = CognitoIdpBackend.respond_to_auth_challenge
    assume_role = STSBackend.assume_role_with_web_identity

    def recording_set_password(self, user_pool_id, username, password, permanent):
        seen["password"].append(password)
        return set_password(self, user_pool_id, username, password, permanent)

    def recording(sign_in):
        # The password flow returns tokens from InitiateAuth, SRP from RespondToAuthChallenge.
        def recorded(self, *args, **kwargs):
            answer = sign_in(self, *args, **kwargs)
            tokens = answer.get("AuthenticationResult", {})
            for kind, key in (("ID token", "IdToken"), ("access token", "AccessToken"),
                              ("refresh token", "RefreshToken")):
                if tokens.get(key):
                    seen[kind].append(tokens[key])
            return answer

        return recorded

    def recording_assume_role(self, **kwargs):
        role = assume_role(self, **kwargs)
        seen["secret key"].append(role.secret_access_key)
        seen["session token"].append(role.session_token)
        return role

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(CognitoIdpBackend, "admin_set_user_password", recording_set_password)
        patch.setattr(CognitoIdpBackend, "initiate_auth", recording(initiate_auth))
        patch.setattr(CognitoIdpBackend, "respond_to_auth_challenge", recording(respond))
        patch.setattr(STSBackend, "assume_role_with_web_identity", recording_assume_role)
        yield seen


@dataclass
class HeadlessRun:
    notebook: Path
    scratchpad: Path
    logs: str
    secrets: dict
    identity_pools: list
    user_pool_id: str


@pytest.fixture(scope="module")
def headless_run(sandbox, tmp_path_factory):
    """02_identity_pool run as an instructor would: papermill, ids given as parameters, no clicks."""
    import logging

    sandbox.reset()
    folder = tmp_path_factory.mktemp("headless")
    session = new_session(region_name=sandbox.region)
    pool = ensure_user_pool(session)
    handler_text = []
    handler = logging.Handler()
    handler.emit = lambda record: handler_text.append(handler.format(record))
    logging.getLogger("papermill").addHandler(handler)
    try:
        with recording_secrets() as secrets:
            papermill.execute_notebook(
                str(IDENTITY_POOL), str(folder / "02_identity_pool.ipynb"), progress_bar=False, log_output=True,
                stdout_file=(folder / "stdout.log").open("w"), stderr_file=(folder / "stderr.log").open("w"),
                parameters={"region": sandbox.region, "user_pool_id": pool.user_pool_id,
                            "app_client_id": pool.app_client_id, "auto_submit": True,
                            "scratchpad_path": str(folder / "scratchpad.json")})
    finally:
        logging.getLogger("papermill").removeHandler(handler)
    logs = "\n".join(handler_text + [(folder / f).read_text() for f in ("stdout.log", "stderr.log")])
    return HeadlessRun(folder / "02_identity_pool.ipynb", folder / "scratchpad.json", logs, secrets,
                       find_identity_pools(session, "wildrydes_identity_pool"), pool.user_pool_id)


def _published_report(notebook: Path) -> Report:
    nb = nbformat.read(str(notebook), as_version=4)
    found = [o.data[REPORT_MIME] for c in nb.cells for o in c.get("outputs", []) if REPORT_MIME in o.get("data", {})]
    assert found, "the notebook published no verification report"
    return Report.from_dict(found[-1])


@pytest.mark.slow
def test_headless_run_creates_verifies_and_saves_the_pool(headless_run):
    assert len(headless_run.identity_pools) == 1
    report = _published_report(headless_run.notebook)
    assert report.ok and report.facts["identity_pool_id"] == headless_run.identity_pools[0]
    from wildrydes_nb import checks

    assert {checks.PROOF_ROLE, checks.PROOF_CREDENTIALS} <= {c.id for c in report.checks}
    saved = nbformat.read(str(headless_run.notebook), as_version=4)
    text = nbformat.writes(saved)
    assert f"Identity Pool ID: {headless_run.identity_pools[0]}" in text
    from wildrydes_nb.scratchpad import Scratchpad

    pad = Scratchpad(headless_run.scratchpad).read()
    assert pad["identity_pool_id"] == headless_run.identity_pools[0]
    assert pad["user_pool_id"] == headless_run.user_pool_id


def test_no_secret_in_executed_notebook_scratchpad_or_logs(headless_run):
    for kind in ("password", "ID token", "secret key", "session token"):
        assert headless_run.secrets[kind], f"the run issued no {kind}, so this test would prove nothing"
    places = {"executed notebook": headless_run.notebook.read_text(encoding="utf-8"),
              "scratchpad": headless_run.scratchpad.read_text(encoding="utf-8"),
              "logs": headless_run.logs}
    places.update({f"expected {p.name}": p.read_text(encoding="utf-8")
                   for p in sorted(workbook.EXPECTED_DIR.glob("*.ipynb"))})
    assert "Identity Pool ID" in places["logs"], "papermill's log should hold the cell outputs"
    for place, text in places.items():
        for kind, values in headless_run.secrets.items():
            leaked = [v for v in values if v and v in text]
            assert not leaked, f"a {kind} is in the {place}"
        assert not JWT.search(text), f"something shaped like a token is in the {place}"


def _nothing_created(session) -> None:
    assert find_identity_pools(session, "wildrydes_identity_pool") == []
    roles = session.client("iam").list_roles()["Roles"]
    assert not [r["RoleName"] for r in roles if r["RoleName"].startswith("Cognito_")]


def test_wrong_app_client_id_fails_the_papermill_command_and_creates_nothing(session, user_pool, tmp_path):
    from click.testing import CliRunner
    from papermill.cli import papermill as papermill_command  # the `papermill` command, run in-process

    out, pad = tmp_path / "out.ipynb", tmp_path / "scratchpad.json"
    run = CliRunner().invoke(papermill_command, [
        str(IDENTITY_POOL), str(out), "--no-progress-bar", "-p", "auto_submit", "True",
        "-p", "user_pool_id", user_pool.user_pool_id, "-p", "app_client_id", WRONG_APP_CLIENT_ID,
        "-p", "scratchpad_path", str(pad)])
    assert run.exit_code != 0
    assert isinstance(run.exception, PapermillExecutionError) and run.exception.ename == "PrerequisiteError"
    assert f"app client {WRONG_APP_CLIENT_ID} does not belong to user pool {user_pool.user_pool_id}" in str(run.exception)
    assert "Fix:" in out.read_text(encoding="utf-8")
    _nothing_created(session)
    assert "identity_pool_id" not in (pad.read_text() if pad.exists() else "")


def test_missing_user_pool_fails_the_run_with_the_clear_message_and_creates_nothing(session, tmp_path):
    with pytest.raises(PapermillExecutionError) as failure:
        papermill.execute_notebook(
            str(IDENTITY_POOL), str(tmp_path / "out.ipynb"), progress_bar=False,
            parameters={"auto_submit": True, "user_pool_id": "us-east-2_NoSuchPool1",
                        "app_client_id": WRONG_APP_CLIENT_ID, "scratchpad_path": str(tmp_path / "scratchpad.json")})
    assert failure.value.ename == "NotFoundError"
    assert "User pool us-east-2_NoSuchPool1 does not exist" in failure.value.evalue
    assert "Fix:" in failure.value.evalue
    _nothing_created(session)


@pytest.mark.parametrize("name", workbook.NOTEBOOKS)
def test_the_first_cell_says_how_to_make_the_form_appear_and_instructors_have_their_own_page(name):
    nb = _shipped(name)
    assert "Run All Cells" in nb.cells[0].source
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert "## For instructors" not in headings  # the learners' notebooks are for learners
    assert any("docs/instructors.md" in c.source for c in nb.cells if c.cell_type == "markdown")


def test_the_walk_through_numbers_its_steps_as_the_workshop_page_does():
    walk = next(c.source for c in _shipped("02_identity_pool").cells
                if c.cell_type == "markdown" and "What the console did" in c.source)
    assert [int(n) for n in re.findall(r"^(\d)\. ", walk, re.MULTILINE)] == list(range(1, 10))


def _try_it_yourself_cells() -> list[str]:
    """The code of the identity pool notebook's "Try it yourself" section, as learners run it."""
    cells = _shipped("02_identity_pool").cells
    start = next(i for i, c in enumerate(cells) if c.source.startswith("## Try it yourself"))
    end = next(i for i in range(start + 1, len(cells)) if cells[i].source.startswith("## "))
    return [c.source for c in cells[start:end] if c.cell_type == "code"]


def _run_try_it_yourself(pad) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = {"profile": None, "pad": pad}
        for source in _try_it_yourself_cells():
            exec(compile(source, "try-it-yourself", "exec"), namespace)  # noqa: S102 - the shipped cells
    return out.getvalue()


def test_try_it_yourself_shows_the_pool_its_roles_and_the_trust_policy(session, step, scratchpad):
    from wildrydes_nb.apply import ensure

    result = ensure(session, step)
    scratchpad.update(region=step.region, identity_pool_id=result.identity_pool_id)
    out = _run_try_it_yourself(scratchpad)
    assert '"IdentityPoolName": "wildrydes_identity_pool"' in out and "'authenticated': 'arn:aws:iam::" in out
    assert '"cognito-identity.amazonaws.com:aud": "' + result.identity_pool_id in out


def test_try_it_yourself_says_what_aws_answered_when_the_saved_pool_or_role_is_gone(session, step, scratchpad):
    from wildrydes_nb.apply import ensure

    result = ensure(session, step)
    scratchpad.update(region=step.region, identity_pool_id=result.identity_pool_id)
    iam = session.client("iam")
    iam.delete_role(RoleName=result.authenticated_role_arn.split("/")[-1])
    out = _run_try_it_yourself(scratchpad)
    assert "AWS answered NoSuchEntity: " in out and "which creates the role and attaches it" in out

    session.client("cognito-identity").delete_identity_pool(IdentityPoolId=result.identity_pool_id)
    out = _run_try_it_yourself(scratchpad)
    assert f"AWS answered ResourceNotFoundException: IdentityPool '{result.identity_pool_id}' not found." in out
    assert "No identity pool: create it with the form above" in out
    assert "No role attached yet" in out and "No authenticated role: run the form above" in out


def test_nbconvert_execute_without_auto_submit_fails_and_says_why(session, user_pool, tmp_path):
    """As a CI job runs a notebook: `jupyter nbconvert --execute`, no parameters. No one can click
    the form there, so the run must not pass having checked nothing."""
    import os
    import subprocess
    import sys

    pad = tmp_path / "scratchpad.json"
    env = {**os.environ, "WILDRYDES_SCRATCHPAD": str(pad)}
    run = subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                          "--output-dir", str(tmp_path), str(IDENTITY_POOL)],
                         capture_output=True, text=True, env=env, timeout=240)
    assert run.returncode != 0
    assert "NoFrontEndError: 'Create the identity pool' is a form, and this run has no front-end" in run.stderr
    assert "Fix: Run the notebook with auto_submit=True" in run.stderr
    _nothing_created(session)


@pytest.mark.parametrize("allow_stdin, expected", [(True, True), (False, False), (None, False)])
def test_a_front_end_is_one_whose_requests_allow_input(monkeypatch, allow_stdin, expected):
    import IPython

    from wildrydes_nb import forms

    content = {} if allow_stdin is None else {"allow_stdin": allow_stdin}

    class Kernel:
        def get_parent(self):
            return {"header": {"msg_type": "execute_request"}, "content": content}

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(IPython, "get_ipython", lambda: Shell())
    assert forms.clickable() is expected
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)  # plain Python: no one clicks
    assert forms.clickable() is False
