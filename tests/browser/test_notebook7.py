"""The workbook in Jupyter Notebook 7 (`wildrydes-nb lab --notebook`): the form works, a reload while
the kernel runs brings it back, and reopened after the kernel stopped it shows the saved note, not
"Error displaying widget: model not found"."""

import re
import time

from wildrydes_nb import lab
from wildrydes_nb.scratchpad import Scratchpad

NOTEBOOK = "02_identity_pool.ipynb"
RUN_TIMEOUT = 90_000
ACTION_TIMEOUT = 60_000


def idle_kernel(server, timeout: float = 60) -> None:
    """Wait until the notebook's kernel is started and idle (Notebook 7 shows no status bar text)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(s["kernel"]["execution_state"] == "idle" for s in server.api("GET", "sessions")):
            return
        time.sleep(0.2)  # polling the server's REST API, not the page
    raise AssertionError(f"no idle kernel within {timeout} s")


def test_notebook_7_runs_the_form_and_reopened_without_its_kernel_shows_the_note(page, notebook7, expect,
                                                                                 artifacts, workshop_account):
    Scratchpad(notebook7.scratchpad).update(**workshop_account.scratchpad_values())
    page.goto(f"{notebook7.base_url}/notebooks/{NOTEBOOK}?token={notebook7.token}")
    idle_kernel(notebook7)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    identity = page.locator(".jp-OutputArea-output").filter(has=page.locator("h3", has_text="Create the identity pool"))
    expect(identity).to_be_visible(timeout=RUN_TIMEOUT)
    identity.get_by_role("button", name="Preview").click()
    expect(identity).to_contain_text("Preview ready", timeout=ACTION_TIMEOUT)  # live: the kernel answered
    page.keyboard.press("Control+s")
    saved = notebook7.root / NOTEBOOK
    deadline = time.monotonic() + 30
    while lab.RESTORE_NOTE not in saved.read_text() and time.monotonic() < deadline:
        time.sleep(0.2)  # the save lands on disk
    assert saved.read_text().count(lab.RESTORE_NOTE) >= 5

    page.reload()  # the kernel still runs: the form comes back from it
    expect(identity).to_be_visible(timeout=RUN_TIMEOUT)
    for note in page.get_by_text(lab.RESTORE_NOTE).all():
        expect(note).to_be_hidden()

    for session in notebook7.api("GET", "sessions"):  # the kernel stops
        notebook7.api("DELETE", f"sessions/{session['id']}")
    page.reload()
    notes = page.get_by_text(lab.RESTORE_NOTE)
    expect(notes.first).to_be_visible(timeout=RUN_TIMEOUT)
    expect(notes).to_have_count(5)
    for words in ("Loading widget", "Error displaying widget"):
        for shown in page.get_by_text(words).all():
            expect(shown).to_be_hidden()
    expect(page.locator("h3", has_text="Create the identity pool")).to_have_count(0)
    notes.first.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "notebook7-reopened-after-the-kernel-stopped.png")
