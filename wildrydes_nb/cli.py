"""The ``wildrydes-nb`` command: a thin layer over the library (heavy imports happen lazily)."""

from __future__ import annotations

import argparse
import errno
import math
import os
import re
import signal
import sys
import threading

from . import DEFAULT_IDENTITY_POOL_NAME, SANDBOX_IAM_DELAY
from .fields import FLAGS, RESOLVED, example

EXIT_FAILED = 1   # verification or a step failed
EXIT_INPUT = 2    # a clear, expected error (bad input, missing prerequisite, AWS refusal)
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C: 128 + SIGINT, as a shell reports it


def _add_common(parser: argparse.ArgumentParser, *, identity_pool_id: bool = False) -> None:
    group = parser.add_argument_group("values (taken from the scratchpad when not given)")
    group.add_argument("--profile", help="AWS profile (default: the standard boto3 chain)")
    group.add_argument("--region", help=f"AWS region, e.g. {example('region')}")
    group.add_argument("--user-pool-id", help=f"User Pool ID, e.g. {example('user_pool_id')}")
    group.add_argument("--app-client-id", help="App client ID of that user pool")
    group.add_argument("--identity-pool-name", "--name", dest="identity_pool_name",
                       help=f"identity pool name (default: {DEFAULT_IDENTITY_POOL_NAME})")
    group.add_argument("--allow-unauthenticated", action="store_true",
                       help="allow unauthenticated identities (the workshop leaves them off)")
    if identity_pool_id:
        group.add_argument("--identity-pool-id", help=f"Identity Pool ID, e.g. {example('identity_pool_id')}")
    group.add_argument("--scratchpad", metavar="PATH",
                       help="scratchpad file (default: $WILDRYDES_SCRATCHPAD or ~/.wildrydes/scratchpad.json)")


def _port(text: str) -> int:
    """A ``--port`` value: a TCP port (1 to 65535), or 0 for any free one."""
    if re.fullmatch(r"\d{1,5}", text, re.ASCII) and int(text) <= 65535:
        return int(text)
    from .inputs import shown

    raise argparse.ArgumentTypeError(f"{shown(text)} is not a port: give a number from 1 to 65535, "
                                     "or 0 for any free port")


def _seconds(text: str) -> float:
    """A number of seconds, 0 or more (finite)."""
    try:
        seconds = float(text) if text.isascii() else math.nan
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    from .inputs import shown

    raise argparse.ArgumentTypeError(f"{shown(text)} is not a number of seconds: give 0 or more, e.g. 5")


def _positive_seconds(text: str) -> float:
    """A number of seconds above 0 (finite)."""
    from .inputs import shown

    try:
        seconds = _seconds(text)
    except argparse.ArgumentTypeError:
        seconds = 0.0
    if seconds > 0:
        return seconds

    raise argparse.ArgumentTypeError(f"{shown(text)} is not a time limit: give a number of seconds above 0, e.g. 300")


def _count(text: str) -> int:
    """A whole number of 1 or more."""
    if re.fullmatch(r"\d{1,4}", text, re.ASCII) and int(text) >= 1:
        return int(text)
    from .inputs import shown

    raise argparse.ArgumentTypeError(f"{shown(text)} is not a number of learners at once: give 1 or more, e.g. 4")


def _region_port(text: str) -> tuple[str, int]:
    """A ``--region-port`` value: ``REGION`` or ``REGION=PORT`` (PORT as ``--port``; none: any free port)."""
    region, _, port = text.partition("=")
    try:
        from .sandbox import check_region

        return check_region(region), _port(port) if port else 0
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{error}: give REGION or REGION=PORT, e.g. us-west-2=4567") from None


def _origin(text: str) -> str:
    """An ``--allow-origin`` value: a web page's origin, scheme://host[:port]."""
    from .sandbox.guard import check_origin

    try:
        return check_origin(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _milliseconds(text: str) -> float:
    """A number of milliseconds, 0 or more (finite)."""
    try:
        return _seconds(text)
    except argparse.ArgumentTypeError:
        from .inputs import shown

        raise argparse.ArgumentTypeError(f"{shown(text)} is not a number of milliseconds: give 0 or more, "
                                         "e.g. 100") from None


def _add_iam_delay(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--iam-delay", type=_seconds, default=SANDBOX_IAM_DELAY, metavar="SECONDS",
                        help="sandbox: a new or changed IAM role is unusable for this long, as in AWS "
                             f"(default {SANDBOX_IAM_DELAY:g})")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (importing nothing heavy, so ``--help`` is instant)."""
    parser = argparse.ArgumentParser(
        prog="wildrydes-nb",
        description="Create and verify the Wild Rydes Cognito identity pool, against AWS or a local sandbox.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("sandbox", help="serve a local AWS endpoint (moto) on loopback; 'sandbox codes' prints the "
                                       "confirmation codes it sent")
    p.add_argument("action", nargs="?", choices=["codes"],
                   help="codes: print the sign-up codes the running sandbox (--endpoint-url, default "
                        "$AWS_ENDPOINT_URL) sent, as a mailbox would show them")
    p.add_argument("--endpoint-url", help="with 'codes': the sandbox's URL (default: $AWS_ENDPOINT_URL)")
    p.add_argument("--port", type=_port, default=0, help="port to listen on (default: any free port)")
    p.add_argument("--region", default="us-east-2",
                   help="region to print in the environment: one where AWS offers Cognito")
    _add_iam_delay(p)
    p.add_argument("--latency", type=_milliseconds, default=0, metavar="MS",
                   help="add this many milliseconds to every request, as a network would (default 0)")
    p.add_argument("--quotas", action="store_true",
                   help="enforce AWS's request-rate quotas for Cognito and IAM: a request over its rate is "
                        "throttled as AWS throttles it")
    p.add_argument("--region-port", type=_region_port, action="append", default=[], metavar="REGION[=PORT]",
                   help="also serve REGION on a port of its own (repeatable): there every call is for that region, "
                        "unsigned ones (GetId, InitiateAuth) too, as at its AWS endpoint")
    p.add_argument("--allow-origin", type=_origin, action="append", default=[], metavar="ORIGIN",
                   help="let the web page of this origin (e.g. http://localhost:8080, your copy of the workshop's "
                        "web app) call the Cognito APIs, as AWS's endpoints allow a browser to (repeatable; none by "
                        "default); nothing else of the sandbox is opened to it")
    p.add_argument("--workshop", action="store_true",
                   help="start with the user pool and app client that the workshop's console steps make "
                        "(username sign-in with aliases, SRP-only client hiding user existence errors, deletion "
                        "protection on)")
    p.add_argument("--console-identity-pool", action="store_true",
                   help="with --workshop: also the identity pool as today's console makes it "
                        "(its own role name, with a policy)")

    p = sub.add_parser("user-pool", help="create or reuse your WildRydes user pool and its app client")
    p.add_argument("--profile")
    p.add_argument("--region")
    p.add_argument("--user-pool-id", help="reuse this user pool: yours (default: the scratchpad's)")
    p.add_argument("--app-client-id", help="reuse this app client of it (default: the one called --app-client-name)")
    p.add_argument("--new", action="store_true",
                   help="make your own user pool even where pools of that name exist (they are not yours)")
    p.add_argument("--user-pool-name", help="the user pool's name (default: WildRydes): one per learner in a "
                                            "shared account")
    p.add_argument("--app-client-name", help="the app client's name (default: wildrydes-web-app)")
    p.add_argument("--scratchpad", metavar="PATH")

    p = sub.add_parser("identity-pool", help="create or repair your identity pool and its role")
    _add_common(p, identity_pool_id=True)
    group = p.add_argument_group("accounts that restrict IAM (every role the step creates gets them)")
    group.add_argument("--permissions-boundary", metavar="ARN",
                       help=f"a managed policy's ARN set as the roles' permissions boundary, e.g. "
                            f"{example('permissions_boundary')}")
    group.add_argument("--role-path", metavar="PATH", help=f"the roles' IAM path, e.g. {example('role_path')} "
                                                            "(default: /)")
    p.add_argument("--relink", action="store_true",
                   help="you confirm the pool is yours: point it at this user pool even where it is linked to "
                        "another one (without it, a terminal asks and a script stops)")
    p.add_argument("--plan", action="store_true",
                   help="only show what would be created or changed, and the AWS calls that would do it")
    p.add_argument("--format", choices=("text", "cli", "sh"), default="text",
                   help="with --plan: the calls as boto3 code (text), as AWS CLI commands (cli), or a "
                        "runnable shell script of AWS CLI commands that does the step by hand (sh)")

    p = sub.add_parser("verify", help="check the identity pool; exit 0 unless a check failed (not proven and "
                                      "not run do not fail), 1 if one did, 2 on an input or AWS error")
    _add_common(p, identity_pool_id=True)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--no-proof", dest="proof", action="store_false",
                   help="skip the sign-in proof (it creates and deletes a test user)")

    p = sub.add_parser("check-pool", help="for a pool made in the console: find yours (changes nothing in the pool "
                                          "or IAM), save its id to the scratchpad if it is linked to your user pool "
                                          "and app client, then verify it; exit status as verify's")
    _add_common(p)
    p.add_argument("--no-proof", dest="proof", action="store_false",
                   help="skip the sign-in proof (it creates and deletes a test user)")

    p = sub.add_parser("cleanup", help="delete the identity pool, its roles and leftover test users")
    _add_common(p, identity_pool_id=True)
    p.add_argument("--delete-user-pool", action="store_true", help="delete the user pool too")
    p.add_argument("--plan", action="store_true", help="only list what would be deleted")
    p.add_argument("--yes", action="store_true", help="delete what is listed without asking (scripts)")

    p = sub.add_parser("scratchpad", help="show the scratchpad and the amplify-config.js values of the next step")
    p.add_argument("--scratchpad", metavar="PATH")
    p.add_argument("--json", action="store_true", help="print the values as JSON")

    for name, summary in (("batch", "set up every learner of a roster: run the identity-pool notebook, which "
                                    "CREATES OR REPAIRS each learner's pool and role, then verifies"),
                          ("grade", "grade every learner of a roster: read only, nothing is created or changed")):
        p = sub.add_parser(name, help=summary, description=summary)
        p.add_argument("roster", help="CSV or YAML: learner, region, user_pool_id, app_client_id "
                                      "[, identity_pool_name, profile, identity_pool_id]")
        p.add_argument("--out", required=True, metavar="DIR", help="folder for the learners' runs and the summary")
        p.add_argument("--workers", type=_count, default=None, help="learners run at once (default: number of cores)")
        p.add_argument("--resume", action="store_true",
                       help="continue the latest run of this job in DIR: skip its learners that passed, were set up "
                            "or are not proven")
        p.add_argument("--timeout", type=_positive_seconds, default=300,
                       help="seconds allowed per learner (default 300)")
        p.add_argument("--points", metavar="FILE", help="YAML of points per check id (e.g. 'auth_role.trust.aud: 2'): "
                                                        "adds a score and writes grades.csv (learner, score, max)")
        if name == "batch":
            p.add_argument("--verify-only", action="store_true",
                           help="the old spelling of 'wildrydes-nb grade': create or change nothing")
        else:
            p.add_argument("--prove", action="store_true",
                           help="also run the sign-in proof (it creates a throw-away test user in each learner's "
                                "user pool, and deletes it); without it the proof is 'not run'")

    p = sub.add_parser("policy", help="print the least IAM policy the identity-pool step, verify and cleanup need")
    p.add_argument("--user-pool", action="store_true",
                   help="also what the previous step needs: making (and cleanup deleting) the user pool with this "
                        "package")

    p = sub.add_parser("demo", help="run the workbook notebooks headless against an embedded sandbox")
    p.add_argument("--out", default="runs/demo", metavar="DIR",
                   help="folder for the executed notebooks, their HTML and the scratchpad (default runs/demo)")
    p.add_argument("--serve", action="store_true",
                   help="keep the sandbox running afterwards (until Ctrl-C) to inspect what was made")

    p = sub.add_parser("lab", help="open JupyterLab on the workbook notebooks")
    p.add_argument("--sandbox", action="store_true",
                   help="wire JupyterLab to a local sandbox, started for the session and stopped with it")
    p.add_argument("--port", type=_port, default=None,
                   help="JupyterLab's port on 127.0.0.1 (default: 8888, or the next free one)")
    p.add_argument("--working-copy", metavar="DIR",
                   help="your own folder of the workbook's notebooks, made from notebooks/ when missing, "
                        "never overwritten (default: $WILDRYDES_WORKBOOK or ~/wildrydes-workbook)")
    p.add_argument("--notebook", dest="front_end", action="store_const", const="notebook", default="jupyterlab",
                   help="open Jupyter Notebook 7 instead of JupyterLab (pip install 'notebook>=7')")
    _add_iam_delay(p)
    p.add_argument("lab_args", nargs=argparse.REMAINDER,
                   help="after '--': arguments for JupyterLab as they are (e.g. -- --allow-root --no-browser)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    from .errors import WildrydesError

    if sys.stdin.isatty():  # someone can type a profile's MFA code here, as the AWS CLI asks for it
        from .aws import ask_on_this_terminal

        ask_on_this_terminal()

    try:
        return _COMMANDS[args.command](args)
    except WildrydesError as err:
        print(f"error: {_for_the_command_line(err)}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _for_the_command_line(err) -> str:
    """The error with its field named by its flag (:mod:`.fields`); a missing value says which
    flag or command gives it."""
    from .errors import MissingValueError
    from .fields import FIELDS

    if isinstance(err, MissingValueError) and err.field in FIELDS:
        err.fix = FIELDS[err.field].command_line_fix() or err.fix
    return err.named(FLAGS)


def _scratchpad(args):
    from .scratchpad import Scratchpad

    return Scratchpad(args.scratchpad)


def _given(args) -> dict:
    """The values the command was given (its flags); the step layer resolves the rest."""
    given = {name: getattr(args, name, None) for name in (*RESOLVED, "permissions_boundary", "role_path")}
    return {**given, "allow_unauthenticated": getattr(args, "allow_unauthenticated", False)}


def _print_notes(step) -> None:
    for note in step.notes:
        print(f"note: {note}")


def _serve(box, scratchpad=None) -> None:
    """Print the environment that points at ``box`` and wait for Ctrl-C or SIGTERM."""
    from .scratchpad import ENV_VAR

    print(f"# Local AWS sandbox on {box.endpoint_url} (Ctrl-C to stop). In another shell:")
    env = {**box.env(), **({ENV_VAR: str(scratchpad)} if scratchpad else {})}
    for key, value in env.items():
        print(f"export {key}={value}")
    for region, url in box.region_endpoints.items():
        print(f"# {region} on a port of its own (every call there is for {region}): {url}")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("\nsandbox stopped")


def cmd_sandbox(args) -> int:
    if args.action == "codes":
        return cmd_sandbox_codes(args)
    import tempfile
    from pathlib import Path

    from . import sandbox
    from .aws import check_cognito_region
    from .scratchpad import Scratchpad

    try:
        box = sandbox.start(port=args.port, region=check_cognito_region(args.region), iam_delay=args.iam_delay,
                            latency_ms=args.latency, quotas=args.quotas, region_ports=dict(args.region_port),
                            allow_origins=args.allow_origin)
    except OSError as error:
        region = getattr(error, "region", None)
        raise _port_error(getattr(error, "port", args.port), error,
                          flag=f"--region-port {region}=PORT" if region else "--port") from error
    # Its own scratchpad: ids of a throw-away sandbox must not overwrite a real account's.
    with box, tempfile.TemporaryDirectory(prefix="wildrydes-sandbox-") as folder:
        pad = Scratchpad(Path(folder) / "scratchpad.json")
        if args.workshop or args.console_identity_pool:
            _seed_workshop(box, pad, console_identity_pool=args.console_identity_pool)
        _serve(box, pad.path)
    return 0


def cmd_sandbox_codes(args) -> int:
    """Print the confirmation codes a running sandbox sent, newest last."""
    from .errors import UnsafeEndpointError
    from .sandbox.outbox import read_codes

    endpoint = args.endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
    fix = ("Give the URL that 'wildrydes-nb sandbox' printed (its AWS_ENDPOINT_URL) with --endpoint-url, "
           "or export it.")
    if not endpoint:
        raise UnsafeEndpointError("no sandbox to ask: no --endpoint-url and no AWS_ENDPOINT_URL.",
                                  field="--endpoint-url", fix=fix)
    try:
        codes = read_codes(endpoint)
    except ValueError as error:
        raise UnsafeEndpointError(f"{error}.", field="--endpoint-url", fix=fix) from None
    except OSError as error:
        raise UnsafeEndpointError(f"no sandbox answered at {endpoint} ({error}).", field="--endpoint-url",
                                  fix="Start one with 'wildrydes-nb sandbox', or give its URL.") from None
    if not codes:
        print("No confirmation codes waiting: none was sent, or each was used.")
    for sent in codes:
        print(f"{sent['code']}  for {sent['username']} in {sent['user_pool_id']} "
              f"(sent by {sent['delivery_medium']} to {sent['sent_to']})")
    return 0


def _port_error(port: int, error: OSError, who: str = "the sandbox", flag: str = "--port"):
    from .errors import PortError

    leave_out = "leave --port out" if flag == "--port" else "leave =PORT out"
    field = "port" if flag == "--port" else None  # a region's port is named in the fix
    if error.errno == errno.EADDRINUSE:
        return PortError(f"port {port} on 127.0.0.1 is taken: another program listens there.", field=field,
                         fix=f"Stop that program, choose another port with {flag}, or {leave_out} "
                             "to take any free port.")
    why = os.strerror(error.errno) if error.errno else str(error)
    return PortError(f"{who} cannot listen on port {port} of 127.0.0.1: {why}.",
                     field=field, fix=f"Choose a port from 1024 to 65535 with {flag}, or {leave_out} "
                                       "to take any free port.")


def _seed_workshop(box, pad, *, console_identity_pool: bool) -> None:
    from .aws import new_session
    from .sandbox import patched_environ
    from .workshop import seed

    with patched_environ({**box.env(), "AWS_PROFILE": None}):
        account = seed(new_session(), console_identity_pool=console_identity_pool)
    pad.update(**account.scratchpad_values())
    print("# The workshop's account so far (also in the scratchpad below):")
    for key, value in account.scratchpad_values().items():
        print(f"#   {key:<17} {value}")


def cmd_user_pool(args) -> int:
    from . import steps
    from .user_pool import UnprovenUserPoolError

    pad = _scratchpad(args)
    before = pad.read().get("user_pool_id")
    given = {"region": args.region, "user_pool_id": args.user_pool_id, "app_client_id": args.app_client_id}

    def run(**choice):
        return steps.user_pool({**given, **choice.pop("given", {})}, scratchpad=pad, profile=args.profile,
                               user_pool_name=args.user_pool_name, app_client_name=args.app_client_name, **choice)

    try:
        result, differences = run(new=args.new)
    except UnprovenUserPoolError as err:
        if not sys.stdin.isatty():
            raise
        # On a terminal the learner says which is theirs; the default is neither, and nothing was made.
        print(f"note: {_for_the_command_line(err)}", file=sys.stderr)
        answer = input("Type the User Pool ID of yours to reuse it, 'new' to make your own, or Enter for neither: ")
        answer = answer.strip()
        if answer.lower() == "new":
            result, differences = run(new=True)
        elif answer in {c.user_pool_id for c in err.candidates}:
            result, differences = run(new=False, given={"user_pool_id": answer})
        else:
            print("Nothing was made.")
            return EXIT_INPUT
    made = ", ".join(result.created) or "nothing (reused yours)"
    print(f"user_pool_id   {result.user_pool_id}\napp_client_id  {result.app_client_id}\n"
          f"created        {made}\nsaved to       {pad.path}")
    for difference in differences:
        print(f"note: differs from the workshop's: {difference}")
    if before and before != result.user_pool_id:
        print(f"note: the scratchpad named user pool {before}; it now names {result.user_pool_id} ({before} is left "
              "as it is). An identity pool made for the old one is not used with the new one.")
    return 0


def cmd_identity_pool(args) -> int:
    from . import steps
    from .errors import InputError, RelinkError

    pad = _scratchpad(args)
    step, _ = steps.step_input(_given(args), pad, args.profile)
    _print_notes(step)
    if args.format != "text" and not args.plan:
        raise InputError(f"--format {args.format} shows a plan.", field="--format",
                         fix=f"Add --plan: wildrydes-nb identity-pool --plan --format {args.format}.")

    def progress(stage, state, detail):
        if state != "running":
            print(f"{state:>8}  {stage}: {detail}")

    def run(relink: bool):
        if args.plan:
            return _print_plan(steps.identity_pool_plan(_given(args), scratchpad=pad, profile=args.profile,
                                                        relink=relink), args.format)
        result = steps.identity_pool(_given(args), scratchpad=pad, profile=args.profile, relink=relink,
                                     progress=progress)
        print(f"\nIdentity Pool ID: {result.identity_pool_id}")

    try:
        run(args.relink)
    except RelinkError as err:
        if args.relink or not sys.stdin.isatty():
            raise
        # On a terminal the learner is asked; the default is no, and nothing was changed yet.
        print(f"note: {_for_the_command_line(err)}", file=sys.stderr)
        question = (f"Is identity pool {err.identity_pool_id} yours? Re-link it from user pool "
                    f"{', '.join(err.from_user_pools) or 'none'} to user pool {err.to_user_pool}? [y/N] ")
        if input(question).strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return EXIT_INPUT
        run(True)
    return 0


def _print_plan(current, form: str) -> None:
    """The plan in words, then the calls it would make (``form``: text, cli), or the step as a script (sh)."""
    if form == "sh":
        from .script import shell_script

        print(shell_script(current), end="")
        return
    print(current.to_text())
    calls = current.calls()
    if calls:
        print(f"\nThe AWS calls it would make, in order ({len(calls)}):")
    for number, call in enumerate(calls, 1):
        print(f"\n# {number}.\n{call.cli() if form == 'cli' else call.boto3()}")


def cmd_verify(args) -> int:
    import json

    from . import steps
    from .errors import WildrydesError

    try:
        report = steps.verify(_given(args), scratchpad=_scratchpad(args), profile=args.profile, proof=args.proof,
                              progress=_waiting_printer())
    except WildrydesError as err:
        if args.json:  # a pipeline reads one JSON object on stdout, whatever the exit status
            message = _for_the_command_line(err)  # first: it gives a missing value the command line's fix
            fields = {**err.to_dict(), "field": err.field, "message": message}
            print(json.dumps({"ok": False, "verdict": "error", "error": fields}, indent=2))
        raise
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.ok else EXIT_FAILED


def cmd_check_pool(args) -> int:
    from . import steps

    found = steps.check_my_pool(_given(args), scratchpad=_scratchpad(args), profile=args.profile, proof=args.proof,
                                progress=_waiting_printer())
    print(found.note)
    print(found.report.to_text())
    return 0 if found.report.ok else EXIT_FAILED


def _waiting_printer(every: float = 5.0):
    """A verify ``progress`` that shows waits on stderr: one live line on a terminal, else a
    line every ``every`` seconds (stdout stays the report)."""
    import time

    live = sys.stderr.isatty()
    last = [0.0]

    def show(_stage, state, detail):
        if state != "waiting":
            return
        if live:
            print(f"\r{detail} ", end="", file=sys.stderr, flush=True)
        elif time.monotonic() - last[0] >= every:
            last[0] = time.monotonic()
            print(detail, file=sys.stderr, flush=True)

    return show


def cmd_cleanup(args) -> int:
    from . import steps

    pad = _scratchpad(args)
    targets = steps.cleanup_plan(_given(args), scratchpad=pad, profile=args.profile,
                                 delete_user_pool=args.delete_user_pool)
    for line in targets.kept:
        print(f"kept: {line}")
    if not targets:
        print("Nothing to delete.")
        return 0
    print("Will be deleted:\n" + "\n".join(f"- {t.describe()}" for t in targets))
    if args.plan:
        return 0
    if not args.yes and not _confirmed(f"Delete these {len(targets)}? [y/N] "):
        print("Nothing was deleted.")
        return EXIT_FAILED
    report = steps.cleanup(targets, scratchpad=pad, profile=args.profile)
    print(report.to_text())
    return 0 if report.ok else EXIT_FAILED


def _confirmed(question: str) -> bool:
    """Ask on the terminal; without one (a script, CI) the answer is no: --yes says it instead."""
    from .errors import InputError

    if not sys.stdin.isatty():
        raise InputError("cleanup deletes only what you confirmed, and there is no terminal to ask on.",
                         field="--yes", fix="Check the list above, then run the same command with --yes.")
    return input(question).strip().lower() in ("y", "yes")


def cmd_scratchpad(args) -> int:
    import json

    from .fields import FIELDS, KEPT

    pad = _scratchpad(args)
    values = pad.read()
    if args.json:
        print(json.dumps(values, indent=2))
        return 0
    print(f"Scratchpad {pad.path}" + ("" if values else " (empty: run user-pool, then identity-pool)"))
    for key, why in pad.ignored().items():  # edited by hand: said, not silently dropped
        print(f"  note: {key} is ignored: {why}")
    for key in KEPT:
        if values.get(key):
            print(f"  {FIELDS[key].label:<26} {values[key]}")
    if pad.mixed(values):
        print(f"\nnote: {pad.mixed(values)}")
    elif values.get("identity_pool_id"):
        print("\nFor the next step, amplify-config.js:\n" + pad.amplify_config_js())
    return 0


def cmd_batch(args) -> int:
    from .report import INTERRUPTED
    from .roster import read_roster
    from .batch import run_batch
    from .summary import RunInfo, accounts_of, read_points, run_folder, summary_text, write_summaries

    grading = args.command == "grade" or args.verify_only
    mode = "grading" if grading else "set-up"
    learners = read_roster(args.roster)
    points = read_points(args.points) if args.points else None  # checked before anything runs
    started = _now()
    # Each run in a folder of its own under --out (never over the last); --resume takes the latest.
    out = run_folder(args.out, mode, started, resume=args.resume)
    print(f"run folder: {out}")
    outcomes = run_batch(learners, out, workers=args.workers, verify_only=grading,
                         prove=getattr(args, "prove", False), resume=args.resume, timeout=args.timeout)
    run = RunInfo(mode=mode, started=started, ended=_now(), learners=learners, accounts=accounts_of(learners))
    paths = write_summaries(outcomes, out, run, points)
    print(summary_text(outcomes, run))
    print(f"summary: {paths['html']} (also .csv, .json" + (f"; grades: {paths['grades']})" if "grades" in paths else ")"))
    if any(o.status == INTERRUPTED for o in outcomes):
        return EXIT_INTERRUPTED
    # "not proven": the learner's setup is right; the proof could not run in that account.
    return 0 if all(o.status != "fail" for o in outcomes) else EXIT_FAILED


def cmd_policy(args) -> int:
    import json

    from .policy import learner_policy

    print(json.dumps(learner_policy(user_pool=args.user_pool), indent=2))
    return 0


def cmd_demo(args) -> int:
    from .demo import run_demo

    return run_demo(args.out, serve=_serve if args.serve else None)


def cmd_lab(args) -> int:
    from .lab import run_lab

    extra = args.lab_args[1:] if args.lab_args[:1] == ["--"] else args.lab_args
    if args.port:  # JupyterLab, told not to try another port, would end with a log line in its start-up noise
        import socket

        try:
            socket.create_server(("127.0.0.1", args.port)).close()
        except OSError as error:
            raise _port_error(args.port, error, "JupyterLab") from error
    return run_lab(args.sandbox, args.port, extra, iam_delay=args.iam_delay, working_copy=args.working_copy,
                   front_end=args.front_end)


def _now() -> str:
    import datetime

    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_COMMANDS = {"sandbox": cmd_sandbox, "user-pool": cmd_user_pool, "identity-pool": cmd_identity_pool,
             "verify": cmd_verify, "check-pool": cmd_check_pool, "cleanup": cmd_cleanup, "scratchpad": cmd_scratchpad,
             "batch": cmd_batch, "grade": cmd_batch, "policy": cmd_policy,
             "demo": cmd_demo, "lab": cmd_lab}


if __name__ == "__main__":
    sys.exit(main())
