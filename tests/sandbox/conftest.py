"""The sandbox's tests, one file per service as moto keeps its own (``tests/test_<service>/``).

Every behaviour is tested through the session's sandbox server (``tests/conftest.py``) with plain
boto3; the extensions in process (``mock_aws``) are shown by the tests named "in process". The
helpers they share are in ``sandbox_testing.py``.
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox_testing import Workshop, build_workshop, kept_clients


@pytest.fixture
def aws(sandbox: Any) -> Any:
    """A client factory for the session's sandbox server, emptied first (clients are kept)."""
    sandbox.reset()
    return kept_clients(sandbox.endpoint_url)


@pytest.fixture
def workshop(aws: Any) -> Workshop:
    return build_workshop(aws)
