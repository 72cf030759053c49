"""The test suite's loopback guard holds in every process it starts, before any connection is tried."""

import configparser
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from wildrydes_nb.roster import Learner
from wildrydes_nb.batch import run_batch

OFF_MACHINE = "10.255.255.1"  # private and unrouted; never contacted: a test's safety net refuses it too
REQUEST_REFUSED = f"refused a request to {OFF_MACHINE}: tests only talk to a loopback sandbox"
CONNECTION_REFUSED = f"refused a connection to {OFF_MACHINE} port 80: tests only talk to a loopback sandbox"

# Run first in every process these tests start: an audit hook (raised by socket.connect just
# before the system call) that records and aborts any connect off loopback the guard let through.
# So the tests fail, without sending anything, when the guard is missing.
SAFETY_NET = """import ipaddress, sys
attempts = []
def _safety_net(event, args):
    if event == "socket.connect" and isinstance(args[1], tuple):
        host = args[1][0]
        try:
            loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            attempts.append(str(host))
            raise RuntimeError(f"safety net: a connection to {host} was attempted")
sys.addaudithook(_safety_net)
"""
BOTO3_CALL = f"""import boto3
boto3.client("sts", endpoint_url="http://{OFF_MACHINE}", region_name="us-east-2").get_caller_identity()
"""


def _notebook(*sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return notebook


def _error(cell) -> str:
    return "\n".join(f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error")


def _stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


@pytest.mark.slow
def test_a_kernel_cannot_reach_an_address_off_this_machine_and_nothing_is_tried(sandbox, tmp_path):
    from nbclient import NotebookClient

    notebook = _notebook(
        SAFETY_NET,
        BOTO3_CALL,
        f"import urllib.request\nurllib.request.urlopen('http://{OFF_MACHINE}/', timeout=2)",
        f"import socket\nsocket.create_connection(('{OFF_MACHINE}', 80), timeout=2)",
        # A proxy set inside the kernel: loopback still goes direct, anything else meets the guard.
        f"import os\nos.environ['HTTP_PROXY'] = 'http://{OFF_MACHINE}:80'\n"
        "print(len(boto3.client('cognito-identity').list_identity_pools(MaxResults=5)['IdentityPools']) >= 0)\n"
        "urllib.request.build_opener().open('http://10.255.255.2/', timeout=2)",  # a new opener reads the proxy
        "print(attempts)")
    start = time.monotonic()
    NotebookClient(notebook, allow_errors=True, kernel_name="python3", timeout=60,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    cells = notebook.cells
    assert _error(cells[0]) == ""
    assert f"NonLoopbackRefused: {REQUEST_REFUSED}" in _error(cells[1])
    assert CONNECTION_REFUSED in _error(cells[2]) and _error(cells[2]).startswith("URLError")
    assert _error(cells[3]).startswith(f"NonLoopbackRefused: {CONNECTION_REFUSED}")
    assert _stdout(cells[4]) == "True\n" and CONNECTION_REFUSED in _error(cells[4])
    assert _stdout(cells[5]) == "[]\n"  # no connect off loopback reached the system call
    assert time.monotonic() - start < 30  # refused at once: no connect timeout was waited out


def test_a_python_process_a_test_starts_is_guarded(tmp_path):
    code = SAFETY_NET + f"""
import socket
for attempt in (lambda: socket.create_connection(("{OFF_MACHINE}", 80), timeout=2),
                lambda: socket.socket().connect_ex(("{OFF_MACHINE}", 80))):
    try:
        attempt()
    except OSError as err:
        print(type(err).__name__, err)
print(attempts)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and lines[2] == "[]", done.stderr
    assert all(line.startswith(f"NonLoopbackRefused {CONNECTION_REFUSED}") for line in lines[:2])


def test_a_batch_learners_kernel_is_guarded(tmp_path):
    notebook = _notebook("region = user_pool_id = app_client_id = identity_pool_name = None\n"
                         "scratchpad_path = None\nauto_submit = False", SAFETY_NET, BOTO3_CALL)
    notebook.cells[0].metadata["tags"] = ["parameters"]
    path = tmp_path / "02_identity_pool.ipynb"
    nbformat.write(notebook, path)
    learner = Learner(1, "ana", "us-east-2", "us-east-2_abc", "abcdefghijklmnopqrstuvwxyz")
    [outcome] = run_batch([learner], tmp_path / "out", timeout=60, notebook=path, progress=False)
    assert outcome.status == "fail" and outcome.message.startswith(f"NonLoopbackRefused: {REQUEST_REFUSED}")


PROBE = """import json, os, urllib.request, boto3
leaks = [k for k in os.environ if k.upper().startswith("AWS_ENDPOINT_URL_")
         or k.upper() == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" or k.lower().endswith("_proxy") and k.lower() != "no_proxy"]
print(json.dumps({"leaks": sorted(leaks), "proxies": urllib.request.getproxies(),
                  "endpoint": boto3.Session().client("cognito-identity").meta.endpoint_url,
                  "config": os.environ["AWS_CONFIG_FILE"]}))
"""


def test_endpoints_proxies_and_profiles_from_outside_never_reach_a_process_the_tests_start(tmp_path):
    hostile_config = tmp_path / "config"
    hostile_config.write_text(f"[default]\nendpoint_url = http://{OFF_MACHINE}\nservices = away\n"
                              f"[services away]\ncognito_identity =\n  endpoint_url = http://{OFF_MACHINE}\n")
    hostile = {"AWS_ENDPOINT_URL_COGNITO_IDENTITY": f"http://{OFF_MACHINE}", "AWS_ENDPOINT_URL_STS": f"http://{OFF_MACHINE}",
               "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_CONFIG_FILE": str(hostile_config),
               **{name: f"http://{OFF_MACHINE}:3128" for name in
                  ("HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "ftp_proxy")},
               "NO_PROXY": "", "no_proxy": ""}
    # conftest as pytest imports it, in an environment set up by a hostile shell, then a process it starts.
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import conftest, subprocess\n"
            f"sys.exit(subprocess.run([sys.executable, '-c', {PROBE!r}]).returncode)")
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, **hostile}, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["leaks"] == [] and seen["proxies"] == {"no": "localhost,127.0.0.1,::1"}
    assert seen["endpoint"] == "https://cognito-identity.us-east-2.amazonaws.com"
    config = configparser.ConfigParser()
    assert config.read(seen["config"]) == [seen["config"]]  # the tests' own config file, written
    assert all("endpoint_url" not in config[s] and "services" not in config[s] for s in config.sections())
    assert not any(s.startswith("services") for s in config.sections())
