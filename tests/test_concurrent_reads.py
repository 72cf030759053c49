"""Independent reads at once: fewer round trips on a network, every call still counted, errors in plan order."""

import sys
import threading
import time

import pytest
from botocore.awsrequest import AWSResponse

from wildrydes_nb.aws import client, count_calls, new_session
from wildrydes_nb.errors import AwsAccessError
from wildrydes_nb.apply import ensure
from wildrydes_nb.parallel import attempt, in_parallel
from wildrydes_nb.report import FAIL
from wildrydes_nb.sandbox import network
from wildrydes_nb import checks

LATENCY = 0.05


@pytest.fixture
def latency():
    """Every request to the sandbox takes LATENCY seconds, as on a network."""
    before = network.set_latency(LATENCY)
    yield LATENCY
    network.set_latency(before)


def fresh():
    return new_session(region_name="us-east-2")


class Timeline:
    """Each call's start and end through a session; the longest chain of calls made one after another."""

    def __init__(self, session):
        self.spans, self._open = [], threading.local()
        session.events.register("before-call.*.*", self._start)
        session.events.register("after-call.*.*", self._end)

    def _start(self, model, **_):
        self._open.span = [model.name, time.monotonic(), None]
        self.spans.append(self._open.span)

    def _end(self, **_):
        self._open.span[2] = time.monotonic()

    def depth(self) -> int:
        spans = sorted((start, end) for _, start, end in self.spans)
        chain = []
        for i, (start, _) in enumerate(spans):
            chain.append(1 + max((chain[j] for j in range(i) if spans[j][1] <= start), default=0))
        return max(chain, default=0)


def refuse(session, operation, code, message, after=0.0):
    """Make ``operation`` (``service.Operation``) answer an AWS error, ``after`` seconds."""

    def answer(**_):
        time.sleep(after)
        return (AWSResponse("https://sandbox", 400, {}, None),
                {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}})

    session.events.register(f"before-call.{operation}", answer)


def test_in_parallel_answers_in_order_and_raises_the_first_error_in_that_order():
    def late_failure():
        time.sleep(0.2)
        raise KeyError("first in order")

    def early_failure():
        raise ValueError("first in time")

    assert in_parallel(lambda: 1, lambda: 2) == [1, 2]
    with pytest.raises(KeyError, match="first in order"):
        in_parallel(late_failure, early_failure)


def test_verify_reads_beside_the_sign_in_and_counts_every_call(session, step, latency):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    counted = fresh()
    counts, timeline = count_calls(counted), Timeline(counted)
    report = verify(counted, step, result.identity_pool_id)
    assert report.ok, report.to_text()
    assert sum(counts.values()) == 13 and counts["iam.GetRole"] == 1
    # One after another that is 13 round trips; the configuration reads fit beside the sign-in.
    assert timeline.depth() == 9


def test_a_failed_read_is_reported_as_in_plan_order_not_as_first_in_time(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    counted = fresh()
    refuse(counted, "cognito-identity.DescribeIdentityPool", "AccessDeniedException",
           "not allowed to describe", after=0.3)
    refuse(counted, "cognito-identity.GetIdentityPoolRoles", "AccessDeniedException", "not allowed to read roles")
    report = verify(counted, step, result.identity_pool_id)
    assert [(c.id, c.status) for c in report.checks][3:] == [(checks.IDENTITY_POOL_EXISTS, FAIL)]
    assert "not allowed to describe" in report.checks[3].detail
    # The test user the sign-in made meanwhile is gone.
    assert session.client("cognito-idp").list_users(UserPoolId=step.user_pool_id)["Users"] == []


def test_a_failed_role_read_ends_verify_with_its_clear_error(session, step):
    from wildrydes_nb.verify import verify

    result = ensure(session, step)
    counted = fresh()
    refuse(counted, "iam.GetRole", "AccessDenied", "User is not authorized to perform: iam:GetRole")
    with pytest.raises(AwsAccessError, match="access denied while trying to read the IAM role"):
        verify(counted, step, result.identity_pool_id)
    assert session.client("cognito-idp").list_users(UserPoolId=step.user_pool_id)["Users"] == []


def test_a_session_makes_each_client_once_from_many_threads(session):
    shared = fresh()
    made = in_parallel(*(lambda: client(shared, "cognito-identity") for _ in range(8)))
    assert len({id(c) for c in made}) == 1


@pytest.fixture
def eager_thread_switches():
    """Python switches threads every 5 ms; far more often here, so a race shows in every run."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_errors_raised_at_the_same_moment_in_two_threads_are_the_clients_own_classes(session, eager_thread_switches):
    """botocore makes a client's exception classes on the first error; two threads failing at once
    each made a set of their own, so ``except client.exceptions.X`` missed one of them and a
    learner saw a raw ResourceNotFoundException instead of "User pool ... does not exist"."""
    for _ in range(20):
        shared = fresh()
        idp = client(shared, "cognito-idp")
        both = threading.Barrier(2)
        idp.meta.events.register("before-parse.cognito-identity-provider.*", lambda **_: both.wait(5))
        errors = in_parallel(*(lambda: attempt(lambda: idp.describe_user_pool(UserPoolId="us-east-2_NoSuchPool1"))[1]
                               for _ in range(2)))
        assert all(isinstance(error, idp.exceptions.ResourceNotFoundException) for error in errors)


def test_a_missing_user_pool_is_told_clearly_however_the_two_reads_end(session, step, eager_thread_switches):
    from wildrydes_nb.errors import NotFoundError
    from wildrydes_nb.user_pool import describe_app_client

    for _ in range(10):
        shared = fresh()
        both = threading.Barrier(2)
        shared.events.register("before-parse.cognito-identity-provider.*", lambda **_: both.wait(5))
        with pytest.raises(NotFoundError, match="User pool us-east-2_NoSuchPool1 does not exist"):
            describe_app_client(shared, "us-east-2_NoSuchPool1", step.app_client_id)
