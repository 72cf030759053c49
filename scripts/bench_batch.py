"""Benchmark: a class of learners through `batch` against the sandbox, next to a shell loop of papermill.

Run: .venv/bin/python scripts/bench_batch.py [--sizes 4,16,64] [--workers 2]

Both sides run the same notebook with the same parameters against one embedded sandbox, in
the same run. The shell loop is the obvious alternative: one `papermill` command per learner.
Peak memory is the largest resident set of one learner's process or its kernel (ru_maxrss).
"""

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import boto3

from wildrydes_nb.batch import NOTEBOOK, run_batch
from wildrydes_nb.roster import read_roster
from wildrydes_nb.sandbox import sandbox_environment


def make_roster(folder: Path, count: int, tag: str) -> Path:
    idp = boto3.client("cognito-idp")
    lines = ["learner,region,user_pool_id,app_client_id,identity_pool_name"]
    for i in range(count):
        pool = idp.create_user_pool(PoolName=f"WildRydes-{tag}-{i}")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="wildrydes-web-app",
                                             ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
        lines.append(f"{tag}{i},us-east-2,{pool},{client},pool_{tag}_{i}")
    path = folder / f"roster-{tag}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def shell_loop(roster: Path, out: Path) -> float:
    """The obvious alternative: a shell loop calling the papermill CLI once per learner."""
    papermill = Path(sys.executable).with_name("papermill")
    script = (f'tail -n +2 "{roster}" | while IFS=, read learner region user_pool_id app_client_id name; do\n'
              f'  mkdir -p "{out}/$learner"\n'
              f'  "{papermill}" --no-progress-bar --cwd "{NOTEBOOK.parent}" "{NOTEBOOK}" "{out}/$learner/nb.ipynb" '
              '-p region "$region" -p user_pool_id "$user_pool_id" -p app_client_id "$app_client_id" '
              '-p identity_pool_name "$name" -p scratchpad_path "' + str(out) + '/$learner/scratchpad.json" '
              '-p auto_submit True >/dev/null 2>&1 || echo "failed: $learner"\n'
              'done\n')
    start = time.perf_counter()
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.stdout.strip():
        print(result.stdout.strip())
    return elapsed


def batch(roster: Path, out: Path, workers: int) -> tuple[float, int]:
    start = time.perf_counter()
    outcomes = run_batch(read_roster(roster), out, workers=workers, progress=False)
    elapsed = time.perf_counter() - start
    failed = [o.learner for o in outcomes if o.status != "pass"]
    if failed:
        print(f"failed: {failed}")
    return elapsed, len(outcomes) - len(failed)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="4,16,64")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with sandbox_environment(), tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'learners':>8} {'batch s':>8} {'passed':>7} {'per learner s':>14}")
        for size in sizes:
            elapsed, passed = batch(make_roster(folder, size, f"b{size}x"), folder / f"batch{size}", args.workers)
            print(f"{size:>8} {elapsed:>8.1f} {passed:>7} {elapsed / size:>14.2f}")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of one learner process or kernel: {peak_mb:.0f} MB")
        compare = 16 if 16 in sizes else sizes[0]
        loop = shell_loop(make_roster(folder, compare, f"s{compare}x"), folder / "loop")
        again, _ = batch(make_roster(folder, compare, f"c{compare}x"), folder / "batch-again", args.workers)
        print(f"\n{compare} learners: shell loop of papermill {loop:.1f} s, batch with {args.workers} workers "
              f"{again:.1f} s: {loop / again:.1f}x faster")


if __name__ == "__main__":
    main()
