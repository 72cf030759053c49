"""Benchmark: a class of 50 learners in one account, through `batch`, under Cognito's and IAM's request quotas.

Run: .venv/bin/python scripts/bench_class.py [--learners 50] [--workers 4]

One embedded sandbox stands for the shared account. The batch runs twice in the same run: under
AWS's default quotas (`sandbox.set_quotas(True)`), then under tight ones, 1 request per second
for ListIdentityPools, CreateIdentityPool and IAM's writes, so that the learners do meet
throttling. Each prints the wall time, the AWS calls per learner (counted by the sandbox, the
runner's one listing included), the requests throttled, and whether every learner passed with
exactly one identity pool of their name, linked to their user pool ("set up by this run": batch made
each pool). Listings: the runner's one, then one right after each create (which finds a pool the
learner made meanwhile), so 1 + learners.
"""

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import boto3

from wildrydes_nb.report import SET_UP
from wildrydes_nb.roster import read_roster
from wildrydes_nb.batch import run_batch
from wildrydes_nb.sandbox import request_counts, sandbox_environment, set_quotas

TIGHT = {"ListIdentityPools": 1, "CreateIdentityPool": 1, "IAM write": 1}


def make_roster(folder: Path, count: int, tag: str) -> Path:
    """``count`` learners, each with a user pool and an app client as the workshop makes them."""
    idp = boto3.client("cognito-idp")
    lines = ["learner,region,user_pool_id,app_client_id,identity_pool_name"]
    for i in range(count):
        pool = idp.create_user_pool(PoolName=f"WildRydes-{tag}-{i}")["UserPool"]["Id"]
        client = idp.create_user_pool_client(
            UserPoolId=pool, ClientName="wildrydes-web-app",
            ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        lines.append(f"{tag}{i},{idp.meta.region_name},{pool},{client},pool_{tag}_{i}")
    path = folder / f"roster-{tag}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def correct(learners, outcomes) -> int:
    """How many learners passed with exactly one pool of their name, linked to their user pool."""
    identity = boto3.client("cognito-identity")
    pools, token = [], None
    while True:
        page = identity.list_identity_pools(MaxResults=60, **({"NextToken": token} if token else {}))
        pools += page["IdentityPools"]
        token = page.get("NextToken")
        if not token:
            break
    named = Counter(p["IdentityPoolName"] for p in pools)
    good = 0
    for learner, outcome in zip(learners, outcomes):
        if outcome.status != SET_UP or named[learner.identity_pool_name] != 1:  # batch made each pool
            continue
        pool = identity.describe_identity_pool(IdentityPoolId=outcome.identity_pool_id)
        good += pool["CognitoIdentityProviders"][0]["ProviderName"].endswith("/" + learner.user_pool_id)
    return good


def one_class(folder: Path, count: int, workers: int, tag: str, quotas) -> None:
    learners = read_roster(make_roster(folder, count, tag))
    set_quotas(quotas)
    started = time.perf_counter()
    outcomes = run_batch(learners, folder / tag, workers=workers, progress=False)
    elapsed = time.perf_counter() - started
    counts = request_counts()
    set_quotas(None)
    calls = sum(seen for seen, _ in counts.values())
    throttled = sum(refused for _, refused in counts.values())
    listings = counts.get("cognito-identity.ListIdentityPools", (0, 0))[0]
    failed = [f"{o.learner}: {o.message[:120]}" for o in outcomes if o.status != SET_UP]
    label = "AWS defaults" if quotas is True else "tight (1 RPS: " + ", ".join(quotas) + ")"
    print(f"{label:<62} {elapsed:>6.1f}s {calls / count:>8.1f} {listings:>9} {throttled:>9} "
          f"{correct(learners, outcomes):>4}/{count}")
    for line in failed:
        print(f"  failed {line}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with sandbox_environment(iam_delay=0), tempfile.TemporaryDirectory() as tmp:
        print(f"{args.learners} learners in one account, {args.workers} at a time")
        print(f"{'quotas':<62} {'wall':>7} {'calls/lr':>8} {'listings':>9} {'throttled':>9} {'correct':>9}")
        one_class(Path(tmp), args.learners, args.workers, "d", True)
        one_class(Path(tmp), args.learners, args.workers, "t", TIGHT)


if __name__ == "__main__":
    main()
