"""Benchmark: wall time of `wildrydes-nb --help` against a bare interpreter start, same run.

Run: .venv/bin/python scripts/bench_help.py [runs]
"""

import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    bare = timed([sys.executable, "-c", "pass"], runs)
    helped = timed([sys.executable, "-m", "wildrydes_nb.cli", "--help"], runs)
    print(f"python -c pass          {bare * 1000:7.1f} ms (median of {runs})")
    print(f"wildrydes-nb --help     {helped * 1000:7.1f} ms (median of {runs}; target < 300 ms)")


if __name__ == "__main__":
    main()
