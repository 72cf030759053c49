"""Make independent AWS calls at the same time, and answer as if they had been made one after another."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any, Callable


def in_parallel(*calls: Callable[[], Any]) -> list[Any]:
    """Run each of ``calls`` in a thread of its own; their results, in the order of ``calls``.

    On a network each AWS call is a round trip: calls that do not need each other's answers
    cost one round trip together instead of one each. When some raise, all are let finish and
    the first exception in the order of ``calls`` is raised, so the error a learner sees is the
    one a run of the calls one after another would have met first.

    boto3 clients may be shared between threads, sessions may not: make the clients
    (:func:`wildrydes_nb.aws.client`) before calling this.
    """
    if len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=len(calls), thread_name_prefix="aws-call") as pool:
        futures = [pool.submit(call) for call in calls]
        wait(futures)
    return [future.result() for future in futures]  # re-raises the first failure, in order


def attempt(call: Callable[[], Any]) -> tuple[Any, Exception | None]:
    """``(call(), None)``, or ``(None, the exception)``: for reads made together whose errors the
    caller weighs in its own order (one may be expected, such as a pool that does not exist)."""
    try:
        return call(), None
    except Exception as err:  # noqa: BLE001 - handed to the caller, which raises or reports it
        return None, err
