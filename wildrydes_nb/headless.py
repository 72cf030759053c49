"""Run a workbook notebook headless with papermill, its kernel on private IPC sockets."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from jupyter_client import AsyncKernelManager
from traitlets import default


class PrivateKernelManager(AsyncKernelManager):
    """A kernel reached over IPC sockets in Jupyter's private runtime folder, not TCP ports.

    No other user of the machine can connect to it, and the kernel has no reason to warn that
    it runs "over TCP without encryption" (what ipykernel prints for every TCP kernel).
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    @default("ip")
    def _default_ip(self) -> str:
        # jupyter_client's default, "kernel-ipc" in the current folder, is shared by every kernel
        # started there at once (their messages then fail their signatures): one path per
        # kernel, short enough for a socket address (about 100 characters at most).
        return os.path.join(tempfile.gettempdir(), f"wildrydes-kernel-{uuid.uuid4().hex[:12]}-ipc")


def run_notebook(notebook: str | os.PathLike, output: str | os.PathLike, parameters: dict, *,
                 cwd: str | os.PathLike | None = None, **papermill_kwargs) -> None:
    """papermill's ``execute_notebook`` with :class:`PrivateKernelManager`; raises as papermill does."""
    import papermill

    papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                               cwd=str(cwd or Path(notebook).parent), kernel_name="python3", progress_bar=False,
                               kernel_manager_class=f"{__name__}.PrivateKernelManager", **papermill_kwargs)
