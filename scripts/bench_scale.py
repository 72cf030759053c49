"""Benchmark: a class of hundreds on one machine (issue 21). CPU per learner, wall time, peak memory.

Run: .venv/bin/python scripts/bench_scale.py [--learners 200] [--workers 8] [--compare 16] [--serial N]
     [--iam-delay 5]

The sandbox runs in a process of its own (``wildrydes-nb sandbox``), so its CPU is not counted.
``wildrydes-nb batch`` runs as a child of this script; ``os.wait4`` then gives the CPU of the
runner and of every process it started and reaped (learners, kernels, feedback pages), and the
largest resident set among them. In the same run, on ``--compare`` other learners: ``batch`` again,
``xargs -P WORKERS papermill ...`` at the same parallelism, and a serial loop of papermill. Each
learner's notebook creates its pool and verifies it with the sign-in proof (which waits out the
sandbox's IAM delay, as in AWS).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_class import make_roster  # the same learners: a user pool and an SRP app client each

BIN = Path(sys.executable).parent


def start_sandbox(iam_delay: float) -> tuple[subprocess.Popen, dict]:
    sandbox = subprocess.Popen([str(BIN / "wildrydes-nb"), "sandbox", "--iam-delay", str(iam_delay)],
                               stdout=subprocess.PIPE, text=True)
    env = {}
    for line in sandbox.stdout:
        found = re.match(r"export (\w+)=(.*)", line.strip())
        if found:
            env[found[1]] = found[2]
        if "AWS_REGION" in env:
            break
    return sandbox, env


def measured(command: list[str], **kwargs) -> dict:
    """Run ``command``; its wall time, the CPU of it and every descendant it reaped, the largest RSS
    of one process, and the peak of the whole tree's memory (its processes' USS summed, sampled
    every second: forked learners and kernels share their parent's pages, which RSS counts again)."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kwargs)
    peak = {"tree_mb": 0.0}
    done = threading.Event()
    sampler = threading.Thread(target=_sample_tree, args=(child.pid, peak, done), daemon=True)
    sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024,
            "tree_mb": peak["tree_mb"], "status": child.returncode,
            "stderr": child.stderr.read().decode(errors="replace")[-2000:]}


def _sample_tree(pid: int, peak: dict, done: threading.Event) -> None:
    import psutil

    while not done.wait(1.0):
        try:
            root = psutil.Process(pid)
            total = 0
            for proc in [root, *root.children(recursive=True)]:
                try:
                    total += proc.memory_full_info().uss
                except (psutil.Error, OSError):
                    pass
        except psutil.Error:
            return
        peak["tree_mb"] = max(peak["tree_mb"], total / 2**20)


def batch(roster: Path, out: Path, workers: int) -> dict:
    run = measured([str(BIN / "wildrydes-nb"), "batch", str(roster), "--out", str(out), "--workers", str(workers)])
    latest = out / "latest-set-up"  # holds the name of the run's folder
    found = out / latest.read_text().strip() / "summary.json" if latest.is_file() else None
    summary = json.loads(found.read_text()) if found and found.exists() else {"learners": []}
    run["passed"] = sum(1 for row in summary["learners"] if row.get("status") in ("set up", "pass"))
    run["statuses"] = sorted({row.get("status") for row in summary["learners"]})
    run["why"] = sorted({(row.get("message") or "")[:160] for row in summary["learners"]
                         if row.get("status") not in ("set up", "pass")})[:3]
    return run


def papermill_lines(roster: Path, out: Path, notebook: Path) -> list[str]:
    """One `papermill` command line per learner, as an instructor would write them."""
    lines = []
    for row in roster.read_text().splitlines()[1:]:
        learner, region, user_pool_id, app_client_id, name = row.split(",")
        (out / learner).mkdir(parents=True, exist_ok=True)
        lines.append(" ".join([str(BIN / "papermill"), "--no-progress-bar", str(notebook),
                               str(out / learner / "nb.ipynb"), "-p", "region", region, "-p", "user_pool_id",
                               user_pool_id, "-p", "app_client_id", app_client_id, "-p", "identity_pool_name",
                               name, "-p", "scratchpad_path", str(out / learner / "scratchpad.json"),
                               "-p", "auto_submit", "True"]))
    return lines


def xargs_papermill(roster: Path, out: Path, notebook: Path, workers: int) -> dict:
    commands = out / "commands.txt"
    out.mkdir(parents=True, exist_ok=True)
    commands.write_text("\n".join(papermill_lines(roster, out, notebook)) + "\n")
    run = measured(["bash", "-c", f"xargs -P {workers} -I CMD sh -c CMD < {commands}"])
    run["passed"] = sum(1 for p in out.glob("*/scratchpad.json") if "identity_pool_id" in p.read_text())
    return run


def serial_papermill(roster: Path, out: Path, notebook: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    script = "\n".join(papermill_lines(roster, out, notebook))
    run = measured(["bash", "-c", script])
    run["passed"] = sum(1 for p in out.glob("*/scratchpad.json") if "identity_pool_id" in p.read_text())
    return run


def show(name: str, learners: int, run: dict, workers: int) -> None:
    per_minute = learners / run["wall"] * 60
    print(f"{name:<34} {learners:>8} {run['passed']:>7} {run['wall']:>8.1f} {per_minute:>9.1f} "
          f"{run['cpu'] / learners:>9.2f} {run['peak_mb']:>8.0f} {run['tree_mb']:>8.0f} "
          f"{run['tree_mb'] / workers:>9.0f}")
    if run.get("statuses") and run["passed"] < learners:
        print(f"   statuses: {', '.join(run['statuses'])}")
        for why in run.get("why", []):
            print(f"   - {why}")
    if run["status"] != 0 and run["stderr"].strip():
        print("   " + run["stderr"].strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=200, help="the class (0: only the comparisons)")
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--compare", type=int, default=16, help="learners for the comparisons (0: none)")
    parser.add_argument("--serial", type=int, default=0, help="learners for the serial loop (default: compare / 4)")
    parser.add_argument("--iam-delay", type=float, default=5.0)
    args = parser.parse_args()
    from wildrydes_nb.batch import NOTEBOOK

    sandbox, env = start_sandbox(args.iam_delay)
    os.environ.update(env)
    folder = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        print(f"sandbox {env['AWS_ENDPOINT_URL']} (IAM delay {args.iam_delay:g} s), {os.cpu_count()} cores, "
              f"{args.workers} workers")
        print(f"{'run':<34} {'learners':>8} {'passed':>7} {'wall s':>8} {'per min':>9} {'CPU s/l':>9} "
              f"{'peak MB':>8} {'tree MB':>8} {'MB/worker':>9}")
        if args.learners:
            show("wildrydes-nb batch", args.learners,
                 batch(make_roster(folder, args.learners, "c"), folder / "class", args.workers), args.workers)
        if args.compare:
            if args.compare != args.learners:  # else the class above is the batch side of the comparison
                show("wildrydes-nb batch", args.compare,
                     batch(make_roster(folder, args.compare, "b"), folder / "again", args.workers), args.workers)
            show(f"xargs -P {args.workers} papermill", args.compare,
                 xargs_papermill(make_roster(folder, args.compare, "x"), folder / "xargs", NOTEBOOK, args.workers),
                 args.workers)
            few = args.serial or max(2, args.compare // 4)
            show("serial papermill loop", few, serial_papermill(make_roster(folder, few, "s"), folder / "serial",
                                                                 NOTEBOOK), 1)
        print("CPU s/l: CPU seconds per learner, the runner and every learner and kernel counted, the sandbox not. "
              "peak MB: the largest resident set of one process. tree MB: the peak of the run's processes' "
              "unique memory (USS) summed; MB/worker: that over the workers")
    finally:
        sandbox.terminate()
        sandbox.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
