"""Run a workbook notebook headless with papermill, its kernel on private IPC sockets."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import traceback
import uuid
from pathlib import Path

from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
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


class ForkedKernelProvisioner(LocalProvisioner):
    """The kernel as a fork of this process, which has imported what a kernel and the workbook need.

    A kernel started from its command is a fresh interpreter that imports ipykernel, IPython,
    boto3 and the workbook again: about half a second of CPU, which a class of hundreds pays
    hundreds of times. A batch learner's process (itself forked from a runner that imported them,
    :func:`preload`) forks its kernel instead. The kernel is still a process of its own, in a session
    of its own as jupyter_client starts kernels (``start_new_session``), given its parent's pid
    (``JPY_PARENT_PID``) so that it ends with the learner, and run by ipykernel's own entry point
    with the connection file jupyter_client wrote: the same kernel, started sooner.
    """

    async def launch_kernel(self, cmd: list[str], **kwargs) -> dict:
        if not hasattr(os, "fork") or "ipykernel_launcher" not in cmd:
            return await super().launch_kernel(cmd, **kwargs)
        # ipykernel reads JPY_PARENT_PID when it is imported, which here was before the fork: say it.
        argv = [*cmd[cmd.index("ipykernel_launcher") + 1:], f"--IPKernelApp.parent_handle={os.getpid()}"]
        env = {**(kwargs.get("env") or os.environ), "JPY_PARENT_PID": str(os.getpid())}
        cwd = kwargs.get("cwd")
        pid = os.fork()
        if pid == 0:  # the kernel: never returns
            _run_forked_kernel(argv, env, cwd)
        self.process = _ForkedProcess(pid)
        self.pid, self.pgid, self.cwd = pid, pid, cwd or Path.cwd()
        return self.connection_info


def _run_forked_kernel(argv: list[str], env: dict, cwd) -> None:
    code = 1
    try:
        os.setsid()  # as jupyter_client's launcher: signals for the kernel reach the kernel only
        if cwd:
            os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        # The fork happened inside this process's running event loop: the kernel runs its own.
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(asyncio.new_event_loop())
        sys.argv = [sys.executable, "-m", "ipykernel_launcher", *argv]
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance(argv=argv)
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else 0
    except BaseException:  # noqa: BLE001 - said on the kernel's stderr, as a kernel's crash is
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


class _ForkedProcess:
    """What jupyter_client asks of a kernel's ``Popen``, for a forked kernel (this process's child)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                done, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                done, status = self.pid, 0
            if done:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = 0
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class ForkedKernelManager(PrivateKernelManager):
    """:class:`PrivateKernelManager` whose kernel is forked (:class:`ForkedKernelProvisioner`)."""

    async def _async_pre_start_kernel(self, **kw):
        self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
        if self.provisioner is None:
            self.provisioner = ForkedKernelProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                       parent=self)
        return await super()._async_pre_start_kernel(**kw)


def preload() -> None:
    """Import what a kernel of the workbook's notebooks imports, so that kernels forked from this
    process (:class:`ForkedKernelProvisioner`) start with it."""
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401
    import ipywidgets  # noqa: F401
    import pycognito.aws_srp  # noqa: F401 - the sign-in proof

    from . import aws, forms, steps, verify  # noqa: F401

    aws.warm_models(("cognito-idp", "cognito-identity", "iam", "sts"))


def run_notebook(notebook: str | os.PathLike, output: str | os.PathLike, parameters: dict, *,
                 cwd: str | os.PathLike | None = None, forked: bool = False, **papermill_kwargs) -> None:
    """papermill's ``execute_notebook`` with :class:`PrivateKernelManager` (``forked``:
    :class:`ForkedKernelManager`, for a process that :func:`preload` warmed); raises as papermill does."""
    import papermill

    manager = "ForkedKernelManager" if forked else "PrivateKernelManager"
    papermill.execute_notebook(str(notebook), str(output), parameters=parameters,
                               cwd=str(cwd or Path(notebook).parent), kernel_name="python3", progress_bar=False,
                               kernel_manager_class=f"{__name__}.{manager}", **papermill_kwargs)
