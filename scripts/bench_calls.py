"""Benchmark: count the AWS API calls of a fresh ensure, a re-run with nothing to change, and verify.

Run: .venv/bin/python scripts/bench_calls.py   (uses an embedded sandbox; never real AWS)
"""


from wildrydes_nb.aws import count_calls, new_session
from wildrydes_nb.sandbox import sandbox_environment
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.user_pool import ensure_user_pool
from wildrydes_nb.verify import verify

WRITE_PREFIXES = ("Create", "Update", "Set", "Delete", "Put", "Attach", "Detach", "Add", "Remove", "Tag")


def summary(label: str, counts: dict[str, int]) -> str:
    writes = sum(n for op, n in counts.items() if op.split(".")[1].removeprefix("Admin").startswith(WRITE_PREFIXES))
    return f"{label:<32} {sum(counts.values()):>5} {writes:>7}   " + ", ".join(f"{k}×{v}" for k, v in counts.items())


def main() -> None:
    with sandbox_environment() as box:
        pool = ensure_user_pool(new_session(region_name=box.region))
        step = check_step_input(box.region, pool.user_pool_id, pool.app_client_id)
        print(f"{'run':<32} {'calls':>5} {'writes':>7}   operations")
        for label, work in (("ensure, fresh", lambda s: ensure(s, step)),
                            ("ensure, nothing to change", lambda s: ensure(s, step))):
            session = new_session(region_name=box.region)
            counts = count_calls(session)
            result = work(session)
            print(summary(label, counts))
        # The proof's writes are the throw-away test user's (user pool only), never the pool or IAM.
        for label, proof in (("verify, checks only", False), ("verify, with sign-in proof", True)):
            session = new_session(region_name=box.region)
            counts = count_calls(session)
            verify(session, step, result.identity_pool_id, proof=proof)
            print(summary(label, counts))


if __name__ == "__main__":
    main()
