"""Benchmark: wall and CPU time of the whole test suite, as `make test` runs it, warm.

This machine is shared and its speed drifts, so each run is framed by a fixed CPU-bound loop
(`calibration`): compare suite times only between runs whose calibration is alike.

Run: .venv/bin/python scripts/bench_suite.py [runs]      (default 3; one warm-up run first)
"""

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def calibration() -> float:
    """Seconds for a fixed loop of pure Python in a fresh interpreter (about 0.45 s here)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "sum(i * i for i in range(10 ** 7))"], check=True)
    return time.perf_counter() - start


def suite() -> tuple[float, float, str]:
    """One `make test`: wall seconds, CPU seconds of it and everything it started, pytest's last line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(["make", "test"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "MAKEFLAGS": ""})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    last = lines[-1].strip("= ") if lines else "(no output)"
    if done.returncode:
        log = ROOT / "runs" / "bench_suite_failure.txt"
        log.parent.mkdir(exist_ok=True)
        log.write_text(done.stdout + done.stderr, encoding="utf-8")
        sys.exit(f"make test failed: {last} (its output: {log})")
    return wall, cpu, last


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    suite()  # warm: the venv's and the tests' compiled modules are written on a first run
    walls = []
    for number in range(1, runs + 1):
        before = calibration()
        wall, cpu, last = suite()
        after = calibration()
        walls.append(wall)
        print(f"run {number}: {wall:5.1f} s wall, {cpu:5.1f} s CPU  (calibration {before:.2f} / {after:.2f} s)"
              f"  [{last}]")
    print(f"make test, warm: median {statistics.median(walls):.1f} s wall over {runs} runs (target < 60 s)")


if __name__ == "__main__":
    main()
