"""Benchmark: create, verify and create + verify with 100 ms per AWS call, next to the floor a network allows.

Run: .venv/bin/python scripts/bench_latency.py [runs] [--latency-ms 100]

The embedded sandbox adds the delay to every request (`sandbox.set_latency`), as a network
would; the IAM delay is 0, so verify never waits for IAM and only the network is measured.
Each run starts from an emptied sandbox holding the user pool alone. The floor is the
dependent-call depth (the longest chain of calls that each need the previous one's answer)
times the latency. The aim: wall time with latency minus wall time without it, at most 1.25x
that floor. The chain the code actually ran is measured from botocore's events, beside it.
"""

import argparse
import statistics
import threading
import time


from wildrydes_nb.aws import new_session
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.sandbox import sandbox_environment, set_latency
from wildrydes_nb.user_pool import ensure_user_pool
from wildrydes_nb.verify import verify

# The dependent-call depth of each task, from what each call needs:
# create: the reads (user pool, app client, identity pools by name, the role by name) need
#   nothing from each other: 1; then CreateIdentityPool; ListIdentityPools again (did another
#   run create one of that name at the same moment? then its pool is kept); CreateRole (its
#   trust names the pool kept); SetIdentityPoolRoles (the role's ARN): 5.
# verify: DescribeUserPool (the test user's shape depends on the pool) → AdminCreateUser →
#   AdminSetUserPassword → InitiateAuth → RespondToAuthChallenge (SRP) → GetId →
#   GetCredentialsForIdentity → STS GetCallerIdentity (with those credentials) → AdminDeleteUser:
#   9; the configuration reads (pool, roles attached, role) fit beside the sign-in.
DEPTH = {"create": 5, "verify": 9, "create + verify": 14}
AIM = 1.25


class Chain:
    """Every call's start and end through a session, to find the longest chain of calls run one after another."""

    def __init__(self, session):
        self.spans: list[list[float]] = []
        self._open = threading.local()
        session.events.register("before-call.*.*", self._start)
        session.events.register("after-call.*.*", self._end)

    def _start(self, **_):
        self._open.span = [time.perf_counter(), None]
        self.spans.append(self._open.span)

    def _end(self, **_):
        self._open.span[1] = time.perf_counter()

    @staticmethod
    def depth_of(spans: list[list[float]]) -> int:
        """The longest chain of ``spans`` (start, end) each starting after the previous one ended."""
        spans = sorted((s, e) for s, e in spans if e is not None)
        longest: list[int] = []
        for i, (start, _) in enumerate(spans):
            longest.append(1 + max((longest[j] for j in range(i) if spans[j][1] <= start), default=0))
        return max(longest, default=0)


def one_run(box, session, chain: Chain) -> dict[str, tuple[float, int]]:
    """(seconds, calls chained) of create, verify and both, from a sandbox with only the user pool.

    ``session`` is reused from run to run, as a notebook's kernel reuses its own: its clients
    are made once, so the times are the calls' and not the loading of botocore's service models.
    """
    box.reset()
    pool = ensure_user_pool(new_session(region_name=box.region))
    step = check_step_input(box.region, pool.user_pool_id, pool.app_client_id)
    chain.spans.clear()
    started = time.perf_counter()
    result = ensure(session, step)
    created = time.perf_counter()
    report = verify(session, step, result.identity_pool_id, iam_wait=0)
    done = time.perf_counter()
    assert report.ok, report.to_text()
    create_depth = Chain.depth_of([s for s in chain.spans if s[0] < created])
    verify_depth = Chain.depth_of([s for s in chain.spans if s[0] >= created])
    return {"create": (created - started, create_depth), "verify": (done - created, verify_depth),
            "create + verify": (done - started, create_depth + verify_depth)}


def measure(box, session, chain: Chain, runs: int) -> dict[str, tuple[float, int]]:
    """The median seconds of each task over ``runs``, and the longest chain seen."""
    results = [one_run(box, session, chain) for _ in range(runs)]
    return {task: (statistics.median(r[task][0] for r in results), max(r[task][1] for r in results))
            for task in DEPTH}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", nargs="?", type=int, default=5)
    parser.add_argument("--latency-ms", type=float, default=100)
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    with sandbox_environment(iam_delay=0) as box:
        session = new_session(region_name=box.region)
        chain = Chain(session)
        one_run(box, session, chain)  # warm: clients made, connections open
        set_latency(0)
        quiet = measure(box, session, chain, args.runs)
        set_latency(latency)
        slow = measure(box, session, chain, args.runs)
        set_latency(0)
    print(f"median of {args.runs} runs, {args.latency_ms:g} ms per call")
    print(f"{'task':<16} {'no latency':>10} {'latency':>8} {'added':>7} {'depth':>5} {'floor':>6} "
          f"{'added/floor':>11} {'chain run':>9}")
    worst = 0.0
    for task, depth in DEPTH.items():
        added = slow[task][0] - quiet[task][0]
        floor = depth * latency
        worst = max(worst, added / floor)
        print(f"{task:<16} {quiet[task][0]:>9.2f}s {slow[task][0]:>7.2f}s {added:>6.2f}s {depth:>5} "
              f"{floor:>5.1f}s {added / floor:>10.2f}x {slow[task][1]:>9}")
    print(f"aim: added time at most {AIM}x the floor: {'met' if worst <= AIM else 'NOT met'} "
          f"(worst {worst:.2f}x)")


if __name__ == "__main__":
    main()
