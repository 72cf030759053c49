"""A back-off shared by the processes of one class run: when AWS throttles one learner, all of them wait.

The learners of a class share one account, and AWS's request-rate quotas are per account: when
one learner is throttled, the others' next calls of that operation would be too. So `batch`
gives every learner's process (and its notebook kernel) one folder (:mod:`.class_run` registers
:func:`hook` for it with :func:`.aws.add_client_hook`). A throttled call writes there, per operation, a time before which nobody sends that operation
again and the window over which they then spread out; every client made by `aws.client()`
waits for it before sending, and retries a throttled call (for up to :data:`GIVE_UP_AFTER`
seconds, with a back-off of its own) instead of failing after botocore's five tries.
"""

from __future__ import annotations

import functools
import json
import os
import random
import time
from pathlib import Path

THROTTLE_CODES = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException",
                            "RequestLimitExceeded"})
FIRST_WINDOW = 1.0  # seconds: the class's pause after a throttle, as AWS refills its buckets every second
LARGEST_WINDOW = 8.0  # seconds: the most one call waits of its own, doubling with each throttle it meets
GIVE_UP_AFTER = 120.0  # seconds a call keeps being retried while throttled


def hook(shared: Path):
    """A client hook (:func:`.aws.add_client_hook`) that puts every client on the back-off shared in ``shared``."""
    return functools.partial(install, shared=Path(shared))


def install(made, shared: Path) -> None:
    """Make the client ``made`` wait for the back-off shared in the folder ``shared``, and feed it
    when throttled."""
    shared.mkdir(parents=True, exist_ok=True)
    name = made.meta.service_model.service_id.hyphenize()
    made.meta.events.register(f"before-call.{name}", _name_the_operation)
    made.meta.events.register(f"before-send.{name}", lambda request, **_: _wait(shared, request))
    # First (after aws.py's own), so that its answer is taken before botocore's standard retries.
    made.meta.events.register_first(f"needs-retry.{name}", lambda **kwargs: _throttled(shared, **kwargs))


def _name_the_operation(model, context, **_):
    # The request's context travels with each of its tries, to before-send and needs-retry.
    context["wildrydes_operation"] = f"{model.service_model.service_name}.{model.name}"


def _wait(shared: Path, request) -> None:
    operation = request.context.get("wildrydes_operation")
    if operation is None:
        return
    not_before, window = _read(shared / operation)
    pause = not_before - time.time()
    if pause > 0:
        # Spread over the window, so that the waiting learners do not all send at the same instant.
        time.sleep(pause + random.uniform(0, window))


def _throttled(shared: Path, response=None, request_dict=None, **_):
    context = (request_dict or {}).get("context", {})
    throttled = response is not None and response[1].get("Error", {}).get("Code") in THROTTLE_CODES
    if not throttled or "wildrydes_operation" not in context:
        return None  # not throttled: botocore's own retry rules decide
    now = time.time()
    first = context.setdefault("wildrydes_throttled_since", now)
    if now - first > GIVE_UP_AFTER:
        return None
    tries = context["wildrydes_throttles"] = context.get("wildrydes_throttles", 0) + 1
    path = shared / context["wildrydes_operation"]
    not_before, _ = _read(path)
    # The class pauses this operation for one refill of AWS's bucket, then spreads out over the next.
    _write(path, max(not_before, now + FIRST_WINDOW), FIRST_WINDOW)
    # This call waits as well ("full jitter", growing with its own throttles); before-send then
    # holds it until the class's pause is over.
    return random.uniform(0, min(LARGEST_WINDOW, FIRST_WINDOW * 2 ** (tries - 1)))


def _read(path: Path) -> tuple[float, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return float(data["not_before"]), float(data["window"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0, 0.0


def _write(path: Path, not_before: float, window: float) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"not_before": not_before, "window": window}), encoding="utf-8")
    tmp.replace(path)  # atomic: a reader sees the old time or the new one, never half of it
