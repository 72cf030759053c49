"""Headless runs: kernels on private IPC sockets, so nothing is reachable over TCP and nothing warns."""

import nbformat
import pytest

from wildrydes_nb.headless import run_notebook


def test_a_headless_kernel_uses_ipc_and_prints_no_warning(tmp_path, capfd):
    notebook = tmp_path / "n.ipynb"
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import json, sys\nfrom ipykernel.kernelapp import IPKernelApp\nprint(IPKernelApp.instance().transport)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(notebook))
    run_notebook(notebook, tmp_path / "out.ipynb", {})
    ran = nbformat.read(str(tmp_path / "out.ipynb"), as_version=4)
    assert ran.cells[0].outputs[0]["text"].strip() == "ipc"
    assert "WARNING" not in capfd.readouterr().err
    assert not list(tmp_path.glob("kernel-*"))  # no socket files left beside the notebook


@pytest.mark.slow
def test_two_headless_kernels_at_once_do_not_share_sockets(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import time; time.sleep(0.5); print('ok')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "n.ipynb"))
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda i: run_notebook(tmp_path / "n.ipynb", tmp_path / f"out{i}.ipynb", {}), range(2)))
    for i in range(2):
        assert nbformat.read(str(tmp_path / f"out{i}.ipynb"), as_version=4).cells[0].outputs[0]["text"] == "ok\n"


def test_a_forked_kernel_starts_warm_is_a_process_of_its_own_and_ends_with_the_run(tmp_path):
    import multiprocessing
    import os

    import psutil

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import os, sys\nprint('wildrydes_nb.forms' in sys.modules, os.getppid(), os.getpid(), "
                                  "os.getpgid(0) == os.getpid(), os.environ['MARK'])"),
        nbformat.v4.new_code_cell("x = 1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "n.ipynb"))

    def learner(queue):  # as batch's learners: forked from a process that imported the workbook
        from wildrydes_nb import headless

        headless.preload()
        os.environ["MARK"] = "the learner's environment"
        try:
            headless.run_notebook(tmp_path / "n.ipynb", tmp_path / "out.ipynb", {}, forked=True)
        except Exception as err:  # noqa: BLE001 - the second cell fails, as a learner's may
            queue.put((os.getpid(), type(err).__name__, [c.pid for c in psutil.Process().children()]))

    queue = multiprocessing.get_context("fork").Queue()
    process = multiprocessing.get_context("fork").Process(target=learner, args=(queue,))
    process.start()
    learner_pid, error, children = queue.get(timeout=120)
    process.join(30)
    assert error == "PapermillExecutionError" and children == []  # the kernel is gone when the run ends
    first = next(c for c in nbformat.read(str(tmp_path / "out.ipynb"), as_version=4).cells if c.cell_type == "code")
    warm, parent, kernel, own_session, mark = first.outputs[0]["text"].split(" ", 4)
    assert warm == "True" and int(parent) == learner_pid and int(kernel) != learner_pid
    assert own_session == "True" and mark.strip() == "the learner's environment"
