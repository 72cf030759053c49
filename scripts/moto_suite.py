"""Run moto's own Cognito test suites with the sandbox's extensions installed; write the counts into docs/sandbox.md.

moto is not pinned, so its suites change with it: the counts in the docs are this script's, with
the moto version they were measured with. The tests come from the sdist of the installed moto
(``pip download moto==<version> --no-binary :all:``), or from ``--moto-source DIR`` (a moto
checkout or unpacked sdist). Usage::

    .venv/bin/python scripts/moto_suite.py            # measure, then rewrite the block in docs/sandbox.md
    .venv/bin/python scripts/moto_suite.py --dry-run  # measure and print the block only
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ElementTree
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "sandbox.md"
BEGIN, END = "<!-- moto-suite:begin (scripts/moto_suite.py) -->", "<!-- moto-suite:end -->"
SUITES = ("tests/test_cognitoidentity", "tests/test_cognitoidp")
# Loaded into moto's pytest run: the sandbox's extensions, as `mock_aws()` and moto's server use them.
PLUGIN = "from wildrydes_nb import sandbox\n\n\ndef pytest_configure(config):\n    sandbox.install()\n"


def moto_tests(into: Path) -> Path:
    """The tests of the installed moto's sdist, unpacked under `into`; returns the source root."""
    wanted = version("moto")
    subprocess.run([sys.executable, "-m", "pip", "download", f"moto=={wanted}", "--no-deps", "--no-binary",
                    ":all:", "-d", str(into), "-q"], check=True)
    [archive] = into.glob(f"moto-{wanted}.tar.gz")
    root = f"moto-{wanted}/"
    with tarfile.open(archive) as sdist:
        members = [m for m in sdist.getmembers() if m.name.startswith(f"{root}tests/")
                   and (m.name.count("/") == 2 or any(m.name.startswith(f"{root}{s}/") for s in SUITES))]
        sdist.extractall(into, members=members, filter="data")
    return into / root


def run_suite(source: Path, suite: str, plugin_dir: Path) -> dict:
    """Counts of one suite's run, and the names of the tests that failed."""
    report = plugin_dir / f"{suite.replace('/', '_')}.xml"
    env = {"PYTHONPATH": f"{plugin_dir}:{source}", "PATH": "/usr/bin:/bin", "HOME": str(plugin_dir),
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    subprocess.run([sys.executable, "-m", "pytest", suite, "-p", "wildrydes_moto_plugin", "-q", "-n", "0",
                    "-p", "no:cacheprovider", "-o", "addopts=", f"--junitxml={report}", "--rootdir", str(source)],
                   cwd=source, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cases = ElementTree.parse(report).getroot().iter("testcase")
    counts = {"passed": 0, "failed": 0, "skipped": 0, "failing": []}
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
            counts["failing"].append(f"{case.get('classname', '').rsplit('.', 1)[-1]}::{case.get('name')}")
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts


def block(results: dict[str, dict], moto_version: str) -> str:
    lines = [BEGIN, f"Measured with moto {moto_version} (its sdist's tests), the extensions installed:"]
    for suite, counts in results.items():
        total = counts["passed"] + counts["failed"] + counts["skipped"]
        lines.append(f"- `{suite}/`: {counts['passed']} of {total} pass, {counts['failed']} fail"
                     + (f", {counts['skipped']} skipped" if counts["skipped"] else "")
                     + (f" ({', '.join(f'`{name}`' for name in counts['failing'])})" if counts["failing"] else "")
                     + ".")
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto-source", type=Path, help="a moto checkout or unpacked sdist (default: download)")
    parser.add_argument("--dry-run", action="store_true", help="print the block; leave docs/sandbox.md alone")
    args = parser.parse_args(argv)
    try:
        import pyotp  # noqa: F401 - moto's user-pool tests import it
    except ImportError:
        print("moto's tests need pyotp: .venv/bin/pip install -e '.[test]'", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="moto-suite-") as folder:
        work = Path(folder)
        (work / "wildrydes_moto_plugin.py").write_text(PLUGIN)
        source = args.moto_source.resolve() if args.moto_source else moto_tests(work)
        results = {suite: run_suite(source, suite, work) for suite in SUITES}
    text = block(results, version("moto"))
    print(text)
    if not args.dry_run:
        doc = DOC.read_text()
        if BEGIN not in doc or END not in doc:
            print(f"{DOC} has no {BEGIN} ... {END} block to rewrite", file=sys.stderr)
            return 1
        head, rest = doc.split(BEGIN, 1)
        DOC.write_text(head + text + rest.split(END, 1)[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
