"""Every learner can use the forms: axe-core's WCAG 2 A and AA rules find no serious or critical
violation in them, and the whole step can be done with the keyboard alone.

axe-core comes from the npm registry (tests/browser/package-lock.json; `make test-browser` runs
`npm ci`) and is injected into JupyterLab's page. It checks the forms' output areas only: the
rest of the page is JupyterLab's own.
"""

import re

from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.scratchpad import Scratchpad

from test_identity_pool_in_jupyterlab import (ACTION_TIMEOUT, NOTEBOOK, REGION, RUN_TIMEOUT, fill_in, form_output,
                                              open_and_run_all)

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# What a learner's screen reader says the focused control is: its label, else its own name.
FOCUSED = """() => { const a = document.activeElement;
  const label = a.labels && a.labels.length ? a.labels[0] : null;
  return (label ? label.innerText : (a.getAttribute('aria-label') || a.innerText || a.title || a.tagName)).trim(); }"""


def kernel_has_caught_up(page, jupyterlab, within: float = 30) -> None:
    """Wait until the kernel has every keystroke typed so far. ipywidgets sends a field's later
    keystrokes only once the kernel has answered the earlier ones, while a button's click goes at
    once: typed fast, a value and then Tab, Tab, Enter can reach the kernel after the click. (A
    learner types slower than the test; the form then says the values changed since the result.)
    Idle three times in a row, a quarter of a second apart, means nothing is left on the way."""
    import time

    deadline, idle = time.monotonic() + within, 0
    while idle < 3:
        assert time.monotonic() < deadline, "the kernel stayed busy"
        page.wait_for_timeout(250)
        sessions = jupyterlab.api("GET", "sessions") or []
        idle = idle + 1 if all(s["kernel"]["execution_state"] == "idle" for s in sessions) else 0


def axe_violations(page, axe, form) -> list[str]:
    """The serious and critical violations of WCAG 2 A/AA that axe-core finds in ``form``, one line each."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe))
        # JupyterLab's body is 0 px high (its shell is positioned over it), so axe would take every
        # element of the notebook for clipped and skip the colour-contrast rule.
        page.evaluate("document.body.style.height = '100vh'")
    form.scroll_into_view_if_needed()  # a cell scrolled out of the notebook's window counts as clipped
    found = form.evaluate("""async (node, tags) => {
        const result = await axe.run(node, {runOnly: {type: 'tag', values: tags}});
        return {checked: result.passes.reduce((n, rule) => n + rule.nodes.length, 0),
                violations: result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                  .flatMap(v => v.nodes.map(n => `${v.id} (${v.impact}): ${n.html.slice(0, 120)} :: `
                                                  + n.failureSummary))};
    }""", WCAG_A_AA)
    assert found["checked"] > 20, found  # axe really looked at the form
    return found["violations"]


def test_the_forms_pass_axe_cores_wcag_2_a_and_aa_rules(page, jupyterlab, expect, artifacts, session, user_pool,
                                                       iam_delay, axe):
    iam_delay(0)
    # Another learner's pool of the name: Create stops and offers Re-link (the form's warning button).
    idp = session.client("cognito-idp")
    a_pool = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    a_client = idp.create_user_pool_client(UserPoolId=a_pool, ClientName="web")["UserPoolClient"]["ClientId"]
    ensure(session, check_step_input(REGION, a_pool, a_client))
    identity, check = open_and_run_all(page, jupyterlab, expect)

    assert axe_violations(page, axe, identity) == []  # empty fields, each with its message
    fill_in(identity, expect, user_pool.user_pool_id, user_pool.app_client_id)
    identity.get_by_role("button", name="Create identity pool").click()
    relink = identity.get_by_role("button", name="Re-link it: this pool is mine")
    expect(relink).to_be_visible(timeout=ACTION_TIMEOUT)
    assert axe_violations(page, axe, identity) == []  # a failed stage, the note, the warning button
    relink.click()
    expect(identity).to_contain_text("Identity pool ready", timeout=ACTION_TIMEOUT)
    check.get_by_role("button", name="Verify").click()
    expect(check).to_contain_text("checks passed", timeout=ACTION_TIMEOUT)
    for form in (identity, check):  # stages done, the id and its Copy button, the checklist
        assert axe_violations(page, axe, form) == []

    # The rules are live: an input with no label, planted in the form, is reported.
    identity.locator("h3").evaluate("h3 => h3.after(Object.assign(document.createElement('input'), {type: 'text'}))")
    assert any(line.startswith("label (critical)") for line in axe_violations(page, axe, identity))


def test_cleanup_forms_delete_button_passes_axe_core(page, jupyterlab, expect, session, user_pool, axe):
    ensure(session, check_step_input(REGION, user_pool.user_pool_id, user_pool.app_client_id),
           scratchpad=Scratchpad(jupyterlab.scratchpad))
    form = run_all_of(page, jupyterlab, expect, "99_cleanup.ipynb", "Clean up")
    form.get_by_role("button", name="Show what will be deleted").click()
    expect(form.get_by_role("button", name="Delete these")).to_be_enabled(timeout=ACTION_TIMEOUT)
    assert axe_violations(page, axe, form) == []


def tab_to(page, name: str, most: int) -> int:
    """Press Tab until the control a screen reader calls ``name`` has the focus; returns how many presses."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == name:
            return presses
    raise AssertionError(f"{name!r} not reached with {most} Tabs; the focus is on {page.evaluate(FOCUSED)!r}")


def test_the_whole_step_can_be_done_with_the_keyboard_alone(page, jupyterlab, expect, artifacts, session,
                                                           workshop_account, iam_delay):
    iam_delay(0)
    page.goto(jupyterlab.url(f"lab/tree/{NOTEBOOK}"))
    kernel_status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| "))
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=RUN_TIMEOUT)
    # Run All Cells from JupyterLab's command palette.
    page.keyboard.press("Control+Shift+c")
    page.keyboard.type("Run All Cells")
    page.keyboard.press("Enter")
    identity = form_output(page, "Create the identity pool")
    check = form_output(page, "Verify the identity pool")
    expect(page.get_by_text("No Identity Pool ID yet")).to_be_visible(timeout=RUN_TIMEOUT)

    # Tab to a field, type; Tab to the next, type; Tab to Create, Enter. Every control is named.
    tab_to(page, "Identity pool name", most=40)
    assert tab_to(page, "User Pool ID", most=1) == 1
    page.keyboard.type(workshop_account.user_pool_id)
    assert tab_to(page, "App client ID", most=1) == 1
    page.keyboard.type(workshop_account.app_client_id)
    kernel_has_caught_up(page, jupyterlab)
    expect(identity.locator(".widget-html-content", has_text="✘")).to_have_count(0)
    assert tab_to(page, "Region", most=1) == 1
    assert tab_to(page, "Allow unauthenticated identities", most=1) == 1
    assert tab_to(page, "My account restricts IAM roles", most=1) == 1
    assert tab_to(page, "Preview", most=1) == 1  # the boundary and path fields are hidden until it is ticked
    assert tab_to(page, "Create identity pool", most=1) == 1
    page.keyboard.press("Enter")
    expect(identity).to_contain_text("Identity pool ready", timeout=ACTION_TIMEOUT)
    pool_id = Scratchpad(jupyterlab.scratchpad).get("identity_pool_id")
    assert pool_id and pool_id.startswith(f"{REGION}:")

    # On to Verify: the proof's box (Space unticks it), then the button (Enter).
    tab_to(page, "Sign-in proof (creates a test user, then deletes it)", most=6)
    page.keyboard.press("Space")
    expect(check.get_by_role("checkbox")).not_to_be_checked()
    assert tab_to(page, "Verify", most=1) == 1
    page.keyboard.press("Enter")
    expect(check).to_contain_text(re.compile(r"All \d+ checks passed"), timeout=ACTION_TIMEOUT)
    expect(check).to_contain_text(pool_id)
    check.screenshot(path=artifacts / "verify-by-keyboard.png")


def run_all_of(page, jupyterlab, expect, notebook: str, title: str):
    """Open ``notebook``, run all its cells, and return the output of its form titled ``title``."""
    page.goto(jupyterlab.url(f"lab/tree/{notebook}"))
    kernel_status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| "))
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    form = form_output(page, title)
    expect(form).to_be_visible(timeout=RUN_TIMEOUT)
    return form


def test_the_start_and_user_pool_forms_pass_axe_core(page, jupyterlab, expect, session, axe):
    start = run_all_of(page, jupyterlab, expect, "00_start_here.ipynb", "Where this workbook talks to AWS")
    start.get_by_role("button", name="Check credentials").click()
    expect(start).to_contain_text("Credentials work", timeout=ACTION_TIMEOUT)
    assert axe_violations(page, axe, start) == []  # the profile list, the region, the caller's table

    # Someone else's WildRydes pool: the form lists it and offers its warning button.
    idp = session.client("cognito-idp")
    idp.create_user_pool_client(UserPoolId=idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"],
                                ClientName="someone-elses-web-app")
    form = run_all_of(page, jupyterlab, expect, "01_user_pool.ipynb", "The user pool and app client")
    form.get_by_role("button", name="Create or reuse WildRydes").click()
    expect(form.get_by_role("button", name="None of them is mine: create my own")).to_be_visible(
        timeout=ACTION_TIMEOUT)
    assert axe_violations(page, axe, form) == []
