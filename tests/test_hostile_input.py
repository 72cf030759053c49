"""Hostile input through the real drivers: a text "false" is false, a token is never kept or echoed.

The notebooks are built from scripts/build_notebooks.py into a temporary folder, so these runs
test the cells the builder writes now, and run with the ``papermill`` command itself, in process.
Each run starts a kernel, so each flag goes through papermill as text once (``-p``, or ``-r``
raw); every spelling the parser reads is tested on ``inputs.parse_bool`` itself
(tests/test_inputs.py), which is what the notebooks call.
"""

import importlib.util

import nbformat
import pytest

from wildrydes_nb import checks
from click.testing import CliRunner
from papermill.cli import papermill as papermill_command
from papermill.exceptions import PapermillExecutionError

import workbook
from wildrydes_nb import forms
from wildrydes_nb.errors import InputError
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.apply import ensure
from wildrydes_nb.report import report_in_notebook
from wildrydes_nb.scratchpad import Scratchpad

JWT = "eyJraWQiOiJkdW1teSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl"


@pytest.fixture(scope="module")
def notebooks(tmp_path_factory):
    """The four notebooks as the builder writes them now."""
    spec = importlib.util.spec_from_file_location("build_notebooks", workbook.ROOT / "scripts" / "build_notebooks.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    folder = tmp_path_factory.mktemp("built")
    for name in workbook.NOTEBOOKS:
        nbformat.write(builder.build(name), str(folder / f"{name}.ipynb"))
    return folder


def papermill(notebook, out, *options):
    """The ``papermill`` command line, run in process; returns click's result."""
    return CliRunner().invoke(papermill_command, [str(notebook), str(out), "--no-progress-bar", *options])


def _identity_pool_run(notebooks, tmp_path, user_pool, *options):
    out = tmp_path / "out.ipynb"
    run = papermill(notebooks / "02_identity_pool.ipynb", out, "-p", "user_pool_id", user_pool.user_pool_id,
                    "-p", "app_client_id", user_pool.app_client_id, "-p", "scratchpad_path",
                    str(tmp_path / "pad.json"), *options)
    return run, out


def test_delete_user_pool_false_as_text_keeps_the_user_pool(notebooks, tmp_path, session, user_pool):
    pad = tmp_path / "pad.json"
    Scratchpad(pad).update(region="us-east-2", user_pool_id=user_pool.user_pool_id)
    run = papermill(notebooks / "99_cleanup.ipynb", tmp_path / "out.ipynb", "-p", "user_pool_id",
                    user_pool.user_pool_id, "-p", "delete_user_pool", "false", "-p", "auto_submit", "True",
                    "-p", "scratchpad_path", str(pad))
    assert run.exit_code == 0, run.output
    pools = session.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
    assert [p["Id"] for p in pools] == [user_pool.user_pool_id]


def test_auto_submit_false_as_text_creates_nothing(notebooks, tmp_path, session, user_pool):
    run, _ = _identity_pool_run(notebooks, tmp_path, user_pool, "-p", "auto_submit", " no ")
    # Read as False: headless, no one can click the form, so the run fails saying so (and makes nothing).
    assert run.exit_code != 0 and "NoFrontEndError" in str(run.exception), run.output
    assert find_identity_pools(session, "wildrydes_identity_pool") == []
    assert not [r for r in session.client("iam").list_roles()["Roles"] if r["RoleName"].startswith("Cognito_")]


def test_allow_unauthenticated_and_proof_false_as_text_keep_them_off(notebooks, tmp_path, session, user_pool):
    run, out = _identity_pool_run(notebooks, tmp_path, user_pool, "-p", "allow_unauthenticated", "false",
                                  "-p", "auto_submit", "true", "-r", "proof", "OFF")
    assert run.exit_code == 0, run.output
    [pool_id] = find_identity_pools(session, "wildrydes_identity_pool")
    pool = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=pool_id)
    assert pool["AllowUnauthenticatedIdentities"] is False
    report = report_in_notebook(out)
    assert report.ok and report.statuses()[checks.PROOF] == "not run"


@pytest.mark.parametrize("name, value", [("auto_submit", "yes please"), ("allow_unauthenticated", "nope")])
def test_an_unreadable_flag_is_a_clear_error_naming_it_and_creates_nothing(notebooks, tmp_path, session,
                                                                           user_pool, name, value):
    options = ["-p", "auto_submit", "True"] if name != "auto_submit" else []
    run, _ = _identity_pool_run(notebooks, tmp_path, user_pool, *options, "-p", name, value)
    assert isinstance(run.exception, PapermillExecutionError) and run.exception.ename == "InputError"
    assert f"{name}: '{value}' is not true or false." in run.exception.evalue
    assert "Fix: Use one of true/false, yes/no, on/off or 1/0." in run.exception.evalue
    assert find_identity_pools(session, "wildrydes_identity_pool") == []


def test_delete_user_pool_maybe_deletes_nothing(notebooks, tmp_path, session, user_pool, step):
    ensure(session, step)
    run = papermill(notebooks / "99_cleanup.ipynb", tmp_path / "out.ipynb", "-p", "user_pool_id",
                    user_pool.user_pool_id, "-p", "delete_user_pool", "maybe", "-p", "auto_submit", "True",
                    "-p", "scratchpad_path", str(tmp_path / "pad.json"))
    assert isinstance(run.exception, PapermillExecutionError)
    assert "delete_user_pool: 'maybe' is not true or false." in run.exception.evalue
    assert len(find_identity_pools(session, "wildrydes_identity_pool")) == 1
    assert session.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]


def test_a_token_given_as_a_parameter_is_refused_and_not_kept(notebooks, tmp_path, session, user_pool):
    run, out = _identity_pool_run(notebooks, tmp_path, user_pool, "-p", "identity_pool_name", JWT,
                                  "-p", "auto_submit", "True")
    assert isinstance(run.exception, PapermillExecutionError) and run.exception.ename == "InputError"
    assert "Identity pool name: looks like a token or key" in run.exception.evalue
    assert JWT[:12] not in run.exception.evalue
    executed = nbformat.read(str(out), as_version=4)
    executed.metadata.get("papermill", {}).pop("parameters", None)
    executed.cells = [c for c in executed.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    assert JWT[:12] not in nbformat.writes(executed)  # not in outputs, nor in the saved widget state
    assert JWT[:12] not in (tmp_path / "pad.json").read_text() if (tmp_path / "pad.json").exists() else True
    assert find_identity_pools(session, "wildrydes_identity_pool") == []


@pytest.mark.parametrize("form, keyword, value", [
    (forms.IdentityPoolForm, "allow_unauthenticated", "false"),
    (forms.CleanupForm, "delete_user_pool", "false"),
])
def test_form_constructors_read_text_flags_strictly(scratchpad, form, keyword, value):
    made = form(scratchpad, **{keyword: value})
    assert getattr(made, keyword).value is False
    with pytest.raises(InputError, match=f"^{keyword}: 'sure' is not true or false"):
        form(scratchpad, **{keyword: "sure"})


def test_verify_form_reads_proof_strictly(scratchpad):
    identity_form = forms.IdentityPoolForm(scratchpad)
    assert forms.VerifyForm(identity_form, proof="off").proof.value is False
    with pytest.raises(InputError, match="^proof: 'maybe' is not true or false"):
        forms.VerifyForm(identity_form, proof="maybe")


def test_a_token_typed_into_a_field_is_not_kept(scratchpad):
    form = forms.IdentityPoolForm(scratchpad)
    form.fields["app_client_id"].value = f" {JWT} "
    assert form.fields["app_client_id"].value == ""
    assert "token or key" in form.fields["app_client_id"].placeholder
    assert JWT[:12] not in repr(form.widget.get_state()) + "".join(m.text for m in form.messages.values())
