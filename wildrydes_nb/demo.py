"""A whole run of the step against an embedded sandbox: user pool, identity pool, verification."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def sandbox_environment(region: str = "us-east-2"):
    """Start a sandbox and point the standard AWS environment variables at it meanwhile."""
    from . import sandbox

    with sandbox.start(region=region) as box:
        saved = {k: os.environ.get(k) for k in box.env()}
        saved["AWS_PROFILE"] = os.environ.pop("AWS_PROFILE", None)
        os.environ.update(box.env())
        try:
            yield box
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def run_demo(scratchpad_path: str | None = None) -> int:
    """Run the step end to end in a fresh sandbox, print each stage and the checklist."""
    from .aws import make_session
    from .identity_pool import ensure
    from .inputs import check_step_input
    from .scratchpad import Scratchpad
    from .user_pool import ensure_user_pool
    from .verify import verify

    with contextlib.ExitStack() as stack:
        if scratchpad_path is None:
            scratchpad_path = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "scratchpad.json"
        box = stack.enter_context(sandbox_environment())
        print(f"sandbox   {box.endpoint_url}")
        session = make_session(region=box.region)
        pool = ensure_user_pool(session)
        print(f"user pool {pool.user_pool_id}, app client {pool.app_client_id}")
        step = check_step_input(box.region, pool.user_pool_id, pool.app_client_id)
        pad = Scratchpad(scratchpad_path)
        result = ensure(session, step, scratchpad=pad,
                        progress=lambda stage, state, detail: state != "running"
                        and print(f"{state:>8}  {stage}: {detail}"))
        report = verify(session, step, result.identity_pool_id)
        print()
        print(report.to_text())
        print(f"\nIdentity Pool ID: {result.identity_pool_id}\n\namplify-config.js:\n{pad.amplify_config_js()}")
        return 0 if report.ok else 1
