"""A whole class in one account: one shared listing of identity pools, a shared back-off, every learner done."""

import json
import time
from collections import Counter

import pytest

from wildrydes_nb import aws, backoff, listing
from wildrydes_nb.aws import client, count_calls, new_session
from wildrydes_nb.roster import read_roster
from wildrydes_nb.batch import run_batch
from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.sandbox import network

from test_batch import class_roster


@pytest.fixture
def quotas():
    """Set the sandbox's quotas for one test: ``quotas({...})``; off again afterwards."""
    before = network.get_quotas()
    yield network.set_quotas
    network.set_quotas(before)


@pytest.fixture
def shared_backoff(tmp_path, monkeypatch):
    """This process as one learner of a class run: the shared back-off folder is set."""
    folder = tmp_path / "backoff"
    hook = backoff.hook(folder)
    aws.add_client_hook(hook)
    yield folder
    aws.remove_client_hook(hook)


def learner_session():
    return new_session(region_name="us-east-2")


@pytest.mark.slow
def test_a_throttled_learner_retries_until_done_and_tells_the_others_to_wait(session, quotas, shared_backoff):
    quotas({"ListIdentityPools": 1})
    first = client(learner_session(), "cognito-identity")
    started = time.monotonic()
    for _ in range(3):  # 1 per second: the 2nd and 3rd are throttled, waited for, and retried
        first.list_identity_pools(MaxResults=60)
    assert time.monotonic() - started >= 1.5
    assert network.request_counts()["cognito-identity.ListIdentityPools"][1] >= 2
    shared = json.loads((shared_backoff / "cognito-identity.ListIdentityPools").read_text())
    assert shared["not_before"] > time.time() - 5 and shared["window"] >= backoff.FIRST_WINDOW
    # Another learner's process, told by the shared file, waits instead of being throttled first.
    (shared_backoff / "cognito-identity.ListIdentityPools").write_text(
        json.dumps({"not_before": time.time() + 1.0, "window": 0.1}))
    refused_before = network.request_counts()["cognito-identity.ListIdentityPools"][1]
    started = time.monotonic()
    client(learner_session(), "cognito-identity").list_identity_pools(MaxResults=60)
    assert time.monotonic() - started >= 1.0
    assert network.request_counts()["cognito-identity.ListIdentityPools"][1] == refused_before


def test_a_snapshot_answers_for_its_name_and_region_with_this_processs_own_changes(tmp_path, monkeypatch):
    path = tmp_path / "listing.json"
    listing.write_snapshot(path, "us-east-2", "pool_a", ["us-east-2:1"])
    monkeypatch.setattr(listing, "_snapshot", None)  # restored after the test
    listing.use_snapshot(path)
    monkeypatch.setattr(listing, "_created", {})
    monkeypatch.setattr(listing, "_deleted", set())
    assert listing.known("us-east-2", "pool_a") == ["us-east-2:1"]
    assert listing.known("us-east-2", "pool_b") is None and listing.known("eu-west-1", "pool_a") is None
    listing.created("us-east-2", "pool_a", "us-east-2:2")
    listing.deleted("us-east-2:1")
    assert listing.known("us-east-2", "pool_a") == ["us-east-2:2"]


def test_find_identity_pools_answers_from_the_snapshot_without_listing(session, tmp_path, monkeypatch):
    path = tmp_path / "listing.json"
    listing.write_snapshot(path, "us-east-2", "pool_a", ["us-east-2:00000000-1111-2222-3333-444444444444"])
    monkeypatch.setattr(listing, "_snapshot", None)  # restored after the test
    listing.use_snapshot(path)
    monkeypatch.setattr(listing, "_created", {})
    monkeypatch.setattr(listing, "_deleted", set())
    counted = learner_session()
    counts = count_calls(counted)
    assert find_identity_pools(counted, "pool_a") == ["us-east-2:00000000-1111-2222-3333-444444444444"]
    assert counts == {}
    assert find_identity_pools(counted, "pool_b") == []  # another name: listed as usual
    assert counts == {"cognito-identity.ListIdentityPools": 1}


@pytest.mark.slow
def test_a_class_under_tight_quotas_all_pass_with_one_pool_each(tmp_path, session, quotas):
    learners = read_roster(class_roster(tmp_path, session, 3))
    quotas({"ListIdentityPools": 1, "CreateIdentityPool": 1})
    outcomes = run_batch(learners, tmp_path / "out", workers=3, progress=False)
    counts = network.request_counts()
    assert [o.status for o in outcomes] == ["set up"] * 3, [o.message for o in outcomes]  # batch made the pools
    pools = session.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"]
    assert Counter(p["IdentityPoolName"] for p in pools) == {learner.identity_pool_name: 1 for learner in learners}
    assert sorted(o.identity_pool_id for o in outcomes) == sorted(p["IdentityPoolId"] for p in pools)
    # One listing for the class (the runner's), and one right after each create, made then (never
    # from the class's listing), which finds a pool the learner made meanwhile: 1 + 3.
    assert counts["cognito-identity.ListIdentityPools"][0] == 1 + len(learners)
