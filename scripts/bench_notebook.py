"""Benchmark: one headless run of 02_identity_pool.ipynb next to a plain script doing the same calls.

Run: .venv/bin/python scripts/bench_notebook.py [runs]

Every run starts from an emptied sandbox with only the user pool, creates the identity pool
and verifies it (with the sign-in proof). The floor is a plain Python process making the same
library calls; the notebook is run with the papermill API (warm caller), as `batch` runs it (its
kernel forked from a warmed process, headless.py) and with the papermill CLI. Then the breakdown of
the `batch` run, from papermill's own metadata: the kernel's start (until the first cell starts),
each cell, and papermill's own time (the rest).
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


from wildrydes_nb import NOTEBOOKS_DIR, STEP_NOTEBOOK
from wildrydes_nb.aws import new_session
from wildrydes_nb.sandbox import sandbox_environment
from wildrydes_nb.user_pool import ensure_user_pool

NOTEBOOK = NOTEBOOKS_DIR / f"{STEP_NOTEBOOK}.ipynb"

FLOOR = """
import sys
from wildrydes_nb.aws import make_session, new_session
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.scratchpad import Scratchpad
from wildrydes_nb.verify import verify
region, user_pool_id, app_client_id, pad = sys.argv[1:5]
step = check_step_input(region, user_pool_id, app_client_id)
session = make_session(region=region)
result = ensure(session, step, scratchpad=Scratchpad(pad))
assert verify(session, step, result.identity_pool_id).ok
"""


def fresh_user_pool(box):
    box.reset()
    return ensure_user_pool(new_session(region_name=box.region))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    import papermill

    from wildrydes_nb import headless

    headless.preload()  # as batch's runner does: the forked kernels start warm
    times = {"floor: plain script (own process)": [], "notebook: papermill API": [],
             "notebook: as batch (forked kernel)": [], "notebook: papermill CLI": []}
    breakdowns = []
    with sandbox_environment() as box, tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            pool = fresh_user_pool(box)
            pad = str(Path(tmp) / f"floor{i}.json")
            start = time.perf_counter()
            subprocess.run([sys.executable, "-c", FLOOR, box.region, pool.user_pool_id, pool.app_client_id, pad],
                           check=True)
            times["floor: plain script (own process)"].append(time.perf_counter() - start)

            params = {"region": box.region, "user_pool_id": pool.user_pool_id,
                      "app_client_id": pool.app_client_id, "auto_submit": True}
            pool = fresh_user_pool(box)
            params.update(user_pool_id=pool.user_pool_id, app_client_id=pool.app_client_id,
                          scratchpad_path=str(Path(tmp) / f"api{i}.json"))
            start = time.perf_counter()
            papermill.execute_notebook(str(NOTEBOOK), str(Path(tmp) / f"api{i}.ipynb"), parameters=params,
                                       cwd=str(NOTEBOOKS_DIR), progress_bar=False,
                                       request_save_on_cell_execute=False)  # as `batch` runs it
            times["notebook: papermill API"].append(time.perf_counter() - start)

            pool = fresh_user_pool(box)
            params.update(user_pool_id=pool.user_pool_id, app_client_id=pool.app_client_id,
                          scratchpad_path=str(Path(tmp) / f"batch{i}.json"))
            start = time.perf_counter()
            headless.run_notebook(NOTEBOOK, Path(tmp) / f"batch{i}.ipynb", params, forked=True,
                                  request_save_on_cell_execute=False)
            times["notebook: as batch (forked kernel)"].append(time.perf_counter() - start)
            breakdowns.append(breakdown(Path(tmp) / f"batch{i}.ipynb"))

            pool = fresh_user_pool(box)
            cli = [str(Path(sys.executable).with_name("papermill")), "--no-progress-bar", "--cwd", str(NOTEBOOKS_DIR),
                   str(NOTEBOOK), str(Path(tmp) / f"cli{i}.ipynb"), "-p", "region", box.region,
                   "-p", "user_pool_id", pool.user_pool_id, "-p", "app_client_id", pool.app_client_id,
                   "-p", "scratchpad_path", str(Path(tmp) / f"cli{i}.json"), "-p", "auto_submit", "True"]
            start = time.perf_counter()
            subprocess.run(cli, check=True, capture_output=True)
            times["notebook: papermill CLI"].append(time.perf_counter() - start)
    floor = statistics.median(times["floor: plain script (own process)"])
    for label, samples in times.items():
        median = statistics.median(samples)
        print(f"{label:<36} {median:6.2f} s median of {runs}  ({median / floor:.1f}x the floor)")
    print("\nThe batch run, median of each part (s):")
    for part in breakdowns[0]:
        print(f"  {statistics.median(b[part] for b in breakdowns):6.3f}  {part}")


def breakdown(executed: Path) -> dict[str, float]:
    """From papermill's metadata: the kernel's start, each code cell (by its first line), the rest."""
    import datetime

    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    parse = datetime.datetime.fromisoformat
    started, total = parse(nb.metadata.papermill.start_time), nb.metadata.papermill.duration
    code = [c for c in nb.cells if c.cell_type == "code"]
    parts = {"kernel start (until the first cell)": (parse(code[0].metadata.papermill.start_time)
                                                     - started).total_seconds()}
    for n, cell in enumerate(code, 1):
        first = (cell.source.splitlines() or [""])[0][:50]
        parts[f"cell {n}: {first}"] = cell.metadata.papermill.duration or 0.0
    parts["papermill's own (the rest)"] = total - sum(parts.values())
    parts["total"] = total
    return parts


if __name__ == "__main__":
    main()
