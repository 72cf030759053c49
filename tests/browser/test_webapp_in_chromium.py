"""The workshop's web app against the sandbox, in Chromium: sign up, confirm, sign in with SRP, credentials.

A learner runs ``wildrydes-nb sandbox --workshop --console-identity-pool --allow-origin <their page>``,
copies into amplify-config.js what ``wildrydes-nb scratchpad`` prints, and reads the emailed code
with ``wildrydes-nb sandbox codes``. This test does the same with a small page bundled here, at
test time, from the npm packages the web app uses (amazon-cognito-identity-js and the AWS SDK v3
identity client; ``webapp/``), served on localhost.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import boto3
import pytest

WEBAPP = Path(__file__).resolve().parent / "webapp"
EMAIL = "alice@example.com"
PASSWORD = "Wild-Rydes-1234"


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "wildrydes_nb.cli", *argv], capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def bundle() -> Path:
    """webapp/dist/app.js, built now from the locked npm packages (installed with npm ci when missing)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("node and npm are missing: this test bundles the page with them. Run `make test-browser` "
                    "(it installs Debian's nodejs and npm) or `apt-get install -y nodejs npm`.", pytrace=False)
    if not (WEBAPP / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEBAPP, check=True, timeout=600)
    subprocess.run([npm, "run", "--silent", "build"], cwd=WEBAPP, check=True, timeout=120)
    return WEBAPP / "dist" / "app.js"


@pytest.fixture
def page_server(tmp_path):
    """An HTTP server on loopback for the page; its origin is http://localhost:<port>."""
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tmp_path, f"http://localhost:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the test's output is the page's outcome, not the request log
        pass


@pytest.fixture
def learners_sandbox(page_server, tmp_path):
    """``wildrydes-nb sandbox --workshop --console-identity-pool --allow-origin <page>``, as a learner starts it."""
    _, origin = page_server
    process = subprocess.Popen([sys.executable, "-m", "wildrydes_nb.cli", "sandbox", "--workshop",
                                "--console-identity-pool", "--iam-delay", "0", "--allow-origin", origin],
                               stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    exports = {}
    try:
        for line in process.stdout:
            found = re.match(r"export (\w+)=(.*)", line)
            if found:
                exports[found.group(1)] = found.group(2)
            if "WILDRYDES_SCRATCHPAD" in exports:
                break
        yield exports
    finally:
        process.terminate()
        process.wait(timeout=30)


def amplify_config(exports: dict[str, str]) -> dict[str, str]:
    """The values `wildrydes-nb scratchpad` prints for amplify-config.js."""
    done = _cli("scratchpad", env={"WILDRYDES_SCRATCHPAD": exports["WILDRYDES_SCRATCHPAD"]})
    assert done.returncode == 0, done.stderr
    block = done.stdout.split("amplify-config.js:", 1)[1]
    return dict(re.findall(r"(\w+): '([^']*)'", block))


def test_the_web_app_signs_up_confirms_signs_in_and_gets_credentials(browser, expect, artifacts, bundle, page_server,
                                                                      learners_sandbox):
    folder, origin = page_server
    endpoint = learners_sandbox["AWS_ENDPOINT_URL"]
    values = amplify_config(learners_sandbox)
    assert set(values) == {"identityPoolId", "region", "userPoolId", "userPoolWebClientId"}
    # amplify-config.js as a learner edits it for the sandbox: Amplify 5's Auth `endpoint`, and the
    # identity client's endpoint (set in code: Amplify 5 has no setting for it; docs/sandbox.md).
    config = {"Auth": {**values, "endpoint": endpoint, "identityEndpoint": endpoint}}
    (folder / "config.js").write_text(f"window.awsConfig = {json.dumps(config)};\n")
    shutil.copy(WEBAPP / "index.html", folder / "index.html")
    shutil.copy(bundle, folder / "app.js")

    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{origin}/index.html")
        page.wait_for_load_state("load")
        assert not errors, errors  # the bundle ran in the browser
        expect(page.locator("#status")).to_have_text("ready")

        signed_up = page.evaluate("([email, password]) => wildrydes.signUp(email, password)", [EMAIL, PASSWORD])
        assert signed_up == {"userConfirmed": False, "codeDeliveryDetails": {
            "AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": "a***@e***"}}, signed_up

        codes = _cli("sandbox", "codes", "--endpoint-url", endpoint)
        [code] = re.findall(r"^(\d{6})  for alice\|example\|com ", codes.stdout, re.M)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        refused = page.evaluate("([email, code]) => wildrydes.confirm(email, code)", [EMAIL, wrong])
        assert refused["error"] == "CodeMismatchException", refused
        confirmed = page.evaluate("([email, code]) => wildrydes.confirm(email, code)", [EMAIL, code])
        assert confirmed == {"result": "SUCCESS"}, confirmed

        signed_in = page.evaluate("([email, password]) => wildrydes.signInAndGetCredentials(email, password)",
                                  [EMAIL, PASSWORD])
        assert "error" not in signed_in, signed_in
        assert signed_in["username"] == "alice|example|com"
        assert signed_in["identityId"].startswith(f"{values['region']}:")

        # The credentials are the authenticated role's, as AWS's STS would say.
        sts = boto3.client("sts", region_name=values["region"], endpoint_url=endpoint,
                           aws_access_key_id=signed_in["accessKeyId"], aws_secret_access_key=signed_in["secretKey"],
                           aws_session_token=signed_in["sessionToken"])
        arn = sts.get_caller_identity()["Arn"]
        assert re.fullmatch(r"arn:aws:sts::\d{12}:assumed-role/wildrydes-identity-pool-authenticated/"
                            r"CognitoIdentityCredentials", arn), arn

        # The allowed origin reaches the Cognito APIs only: moto's API and the codes stay closed to it.
        for path in ("/moto-api/data.json", "/wildrydes-sandbox/codes"):
            answer = page.evaluate("(path) => wildrydes.tryToRead(path)", path)
            assert answer.get("error") == "TypeError" and "status" not in answer, (path, answer)
        page.screenshot(path=artifacts / "webapp-signed-in.png")
    finally:
        context.close()
