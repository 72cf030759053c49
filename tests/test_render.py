"""HTML views: the id highlighted, fixes shown, secrets never."""

from wildrydes_nb import render
from wildrydes_nb.errors import InputError
from wildrydes_nb.report import FAIL, NOT_PROVEN, PASS, Report
from wildrydes_nb import checks

POOL_ID = "us-east-2:1a2b3c4d-0000-4000-8000-123456789abc"


def test_amplify_config_highlights_the_identity_pool_id():
    js = f"const awsConfig = {{ Auth: {{ identityPoolId: '{POOL_ID}', region: 'us-east-2' }} }};"
    shown = render.amplify_config(js, POOL_ID)
    assert f'<span style="color:#cf222e;font-weight:bold">{POOL_ID}</span>' in shown.html
    assert shown.text == js


def test_identity_pool_id_is_shown_without_quotes():
    shown = render.identity_pool_id(POOL_ID)
    assert f"Identity Pool ID: {POOL_ID}" in shown.text and f'"{POOL_ID}"' not in shown.html


def test_a_double_click_selects_the_whole_identity_pool_id_and_the_copy_button_copies_it():
    # ':' and '-' end a word, so a plain double-click would select a third of the id.
    assert f'user-select:all">{POOL_ID}</code>' in render.identity_pool_id(POOL_ID).html
    assert "<button" not in render.identity_pool_id(POOL_ID).html  # a saved output would show a dead button
    live = render.identity_pool_id(POOL_ID, copy_button=True).html
    assert "<button" in live and "navigator.clipboard.writeText" in live and "execCommand('copy')" in live
    assert '"' not in live.split('onclick="', 1)[1].split('">Copy', 1)[0]  # the handler stays one attribute


def test_report_shows_each_fix_and_the_verdict():
    report = Report("Verification", facts={"identity_pool_id": POOL_ID})
    report.add(checks.IDENTITY_POOL_EXISTS, PASS, "found")
    report.add(checks.AUTH_ROLE_ATTACHED, FAIL, "no role", "Run the step again.")
    shown = render.report(report)
    assert "Fix: Run the step again." in shown.html and POOL_ID in shown.html
    assert "1 passed, 1 failed: some checks did not pass" in shown.html and shown.text == report.to_text()


def test_a_proof_not_proven_is_amber_with_how_to_prove_it_and_not_a_failure():
    report = Report("Verification")
    report.add(checks.IDENTITY_POOL_EXISTS, PASS, "found")
    report.add(checks.PROOF, NOT_PROVEN, "no permission to create users", "Use an admin identity.")
    shown = render.report(report)
    assert report.ok and report.verdict == NOT_PROVEN
    assert "To prove it: Use an admin identity." in shown.html and "#9a6700" in shown.html
    assert "1 passed, 0 failed, 1 not proven: the setup is right, but the sign-in was not proven" in shown.text
    assert "[NOT PROVEN] sign-in proof" in shown.text


def test_errors_show_field_problem_and_fix_escaped():
    shown = render.error(InputError("'<x>' is not a User Pool ID.", field="user_pool_id", fix="Copy it again."))
    assert "<b>User Pool ID</b>: '&lt;x&gt;' is not a User Pool ID." in shown.html  # as the form labels it
    assert "Fix: Copy it again." in shown.html


def test_secrets_are_redacted_wherever_they_appear():
    # Built at run time, so the repository holds nothing shaped like a real token or key.
    token = ".".join(["eyJ" + "raWQiOiJhYmMiLCJhbGciOiJSUzI1NiJ9", "eyJ" + "zdWIiOiIxMjM0NTY3ODkwIn0", "c2lnbmF0dXJl"])
    access_key = "ASIA" + "ABCDEFGHIJKLMNOP"
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    shown = render.status("failed", f"token {token} key {access_key} secret {secret}")
    for value in (token, access_key, secret):
        assert value not in shown.html and value not in shown.text
    assert "ASIA…(20 chars)" in shown.text


def test_scratchpad_uses_the_workshop_names_in_order():
    shown = render.scratchpad({"identity_pool_id": POOL_ID, "region": "us-east-2"}, "/tmp/pad.json")
    assert shown.text.splitlines()[1:] == ["  Region: us-east-2", f"  Identity Pool ID: {POOL_ID}"]
    assert "is empty" in render.scratchpad({}).text
