"""The learner's view: 02_identity_pool.ipynb in JupyterLab, in Chromium, its forms filled and clicked.

Each test starts from an empty scratchpad and a fresh kernel, with the user pool and app client
of the previous step in the sandbox, and does what a learner does: Run > Run All Cells, paste
the ids, click. It waits on what the page shows, never on time. Screenshots of each stage go
to tests/artifacts/browser/.
"""

import re

from wildrydes_nb import DEFAULT_IDENTITY_POOL_NAME
from wildrydes_nb.identity_pool import STAGES
from wildrydes_nb.scratchpad import Scratchpad

NOTEBOOK = "02_identity_pool.ipynb"
REGION = "us-east-2"
RUN_TIMEOUT = 90_000  # ms: a new kernel, the imports, every cell
ACTION_TIMEOUT = 60_000  # ms: one click's work against the sandbox
POOL_ID = re.compile(rf"^{REGION}:[0-9a-f-]{{36}}$")


def run_all(page, jupyterlab, expect):
    """Open the notebook and run all its cells from the Run menu."""
    page.goto(jupyterlab.url(f"lab/tree/{NOTEBOOK}"))
    # As a learner waits for the status bar's "Idle": Run All before the kernel is connected runs nothing.
    kernel_status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| "))
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def open_and_run_all(page, jupyterlab, expect):
    """Open the notebook and run all its cells from the Run menu; returns the two forms' outputs."""
    run_all(page, jupyterlab, expect)
    identity = form_output(page, "Create the identity pool")
    check = form_output(page, "Verify the identity pool")
    expect(check).to_be_visible(timeout=RUN_TIMEOUT)
    # The cells after the forms ran too (they have nothing to show until the pool exists).
    expect(page.get_by_text("No Identity Pool ID yet")).to_be_visible(timeout=RUN_TIMEOUT)
    return identity, check


def form_output(page, title: str):
    """The output area of the cell that shows the form titled ``title``."""
    return page.locator(".jp-OutputArea-output").filter(has=page.locator("h3", has_text=title))


def line(form, text: str):
    """The status line of ``form`` whose bold word is exactly ``text`` (a stage, or the field at fault)."""
    return form.locator(".widget-html-content").filter(has=form.page.get_by_text(text, exact=True))


def fill_in(form, expect, user_pool_id: str, app_client_id: str) -> None:
    """Paste the two ids, and wait until the kernel has checked them (its messages go away)."""
    # The scratchpad is empty, so the form says where both ids come from.
    expect(form.get_by_text("Empty: run 01_user_pool first")).to_have_count(2)
    expect(form.get_by_label("Region")).to_have_value(REGION)  # from the AWS configuration
    expect(form.get_by_label("Identity pool name")).to_have_value(DEFAULT_IDENTITY_POOL_NAME)
    form.get_by_label("User Pool ID").fill(user_pool_id)
    form.get_by_label("App client ID").fill(app_client_id)
    # A message goes away only once the kernel has the value: then a click cannot overtake it.
    expect(form.locator(".widget-html-content", has_text="✘")).to_have_count(0)


def snap(locator, artifacts, name: str) -> None:
    """Screenshot one element (a form) to the test artifacts. Scrolled to first, and given a moment:
    JupyterLab lays out a notebook's cells as they come into view, and a shot taken while it moves
    them caught another cell."""
    locator.scroll_into_view_if_needed()
    locator.page.wait_for_timeout(300)
    locator.screenshot(path=artifacts / f"{name}.png", animations="disabled")


def test_a_learner_creates_and_verifies_the_identity_pool(page, jupyterlab, expect, artifacts, session,
                                                        workshop_account, iam_delay):
    # The learner's real account: the console's alias user pool and SRP-only client, and IAM that
    # keeps a new role unusable for a few seconds.
    user_pool = workshop_account
    iam_delay(4)
    identity, check = open_and_run_all(page, jupyterlab, expect)
    for stage in STAGES:
        expect(line(identity, stage).locator("i")).to_have_text("pending")

    # The User Pool ID pasted with the quotes of the workshop's scratchpad around it.
    fill_in(identity, expect, f'"{user_pool.user_pool_id}"', user_pool.app_client_id)
    snap(identity, artifacts, "identity-pool-form-before")
    identity.get_by_role("button", name="Create identity pool").click()
    snap(identity, artifacts, "identity-pool-form-during")  # best effort: the sandbox answers fast

    for stage in STAGES:
        expected = "skipped" if stage == "unauthenticated role" else "done"
        expect(line(identity, stage).locator("i")).to_have_text(expected, timeout=ACTION_TIMEOUT)
    expect(identity).to_contain_text("Identity pool ready", timeout=ACTION_TIMEOUT)
    expect(line(identity, "input")).to_contain_text("removed the surrounding quotes")
    pool_id_shown = identity.locator("code").filter(has_text=POOL_ID)
    expect(pool_id_shown).to_have_count(1)
    pool_id = pool_id_shown.inner_text()
    expect(identity.get_by_role("button", name="Create identity pool")).to_be_enabled()
    snap(identity, artifacts, "identity-pool-form-after")
    the_views_below_show_the_new_id(page, jupyterlab, expect, artifacts, pool_id)

    check.get_by_role("button", name="Verify").click()
    expect(check).to_contain_text("waiting for IAM to make the new role usable", timeout=ACTION_TIMEOUT)
    snap(check, artifacts, "verify-waiting-for-iam")
    expect(check).to_contain_text("all checks passed", timeout=ACTION_TIMEOUT)
    expect(check).to_contain_text("sign in as a test user (SRP, as the web app does)")
    expect(check).to_contain_text("after waiting")
    expect(check).to_contain_text(re.compile(r"All \d+ checks passed"))
    expect(check).to_contain_text(pool_id)
    expect(check.get_by_text("✘")).to_have_count(0)
    snap(check, artifacts, "verify-checklist")

    # The pool really exists in the sandbox, linked to that user pool and app client.
    cognito = session.client("cognito-identity")
    pools = cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
    assert [(p["IdentityPoolId"], p["IdentityPoolName"]) for p in pools] == [(pool_id, DEFAULT_IDENTITY_POOL_NAME)]
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    assert [(p["ProviderName"], p["ClientId"]) for p in pool["CognitoIdentityProviders"]] == [
        (f"cognito-idp.{REGION}.amazonaws.com/{user_pool.user_pool_id}", user_pool.app_client_id)]
    assert pool["AllowUnauthenticatedIdentities"] is False
    role_arn = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"]["authenticated"]
    role = session.client("iam").get_role(RoleName=role_arn.rsplit("/", 1)[-1])["Role"]
    assert pool_id in str(role["AssumeRolePolicyDocument"])  # its trust policy names this pool (aud)
    assert Scratchpad(jupyterlab.scratchpad).get("identity_pool_id") == pool_id


def the_views_below_show_the_new_id(page, jupyterlab, expect, artifacts, pool_id: str) -> None:
    """After Create, with no cell run again: the Identity Pool ID, the scratchpad and amplify-config
    views show the new id, and the Copy button puts it on the clipboard."""
    outputs = page.locator(".jp-OutputArea-output").filter(has_not=page.locator("h3"))  # not the forms
    id_view = outputs.filter(has_text="Copy it as shown")
    expect(id_view.locator("code")).to_have_text(pool_id, timeout=ACTION_TIMEOUT)
    scratchpad_view = outputs.filter(has_text="Scratchpad (").filter(has_text="Identity Pool ID")
    expect(scratchpad_view).to_contain_text(pool_id)
    amplify_view = outputs.filter(has_text="const awsConfig")
    expect(amplify_view).to_contain_text(f"identityPoolId: '{pool_id}'")
    expect(page.get_by_text("No Identity Pool ID yet")).to_have_count(0)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=jupyterlab.base_url)
    id_view.scroll_into_view_if_needed()
    id_view.get_by_role("button", name="Copy").click()
    expect(id_view.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == pool_id
    id_view.locator("code").dblclick()  # selects the whole id, ':' and '-' included
    assert page.evaluate("getSelection().toString()") == pool_id
    snap(id_view, artifacts, "identity-pool-id-view")
    snap(amplify_view, artifacts, "amplify-config-view")


def test_a_mistyped_app_client_id_is_named_and_nothing_is_created(page, jupyterlab, expect, artifacts, session,
                                                                  user_pool):
    identity, _check = open_and_run_all(page, jupyterlab, expect)
    right = user_pool.app_client_id
    mistyped = right[:-1] + ("x" if right[-1] != "x" else "y")  # well formed, one character off

    fill_in(identity, expect, user_pool.user_pool_id, mistyped)
    identity.get_by_role("button", name="Create identity pool").click()

    expect(line(identity, "input").locator("i")).to_have_text("failed", timeout=ACTION_TIMEOUT)
    # Said once, under the field at fault; the stage and the status line point there.
    message = identity.locator(".widget-html-content", has_text="does not belong to user pool")
    expect(message).to_have_count(1)
    expect(message).to_contain_text(f"app client {mistyped} does not belong to user pool {user_pool.user_pool_id}")
    expect(message).to_contain_text("Fix: Copy the App client ID")
    expect(line(identity, "input")).to_contain_text("see the message under App client ID")
    for stage in STAGES[1:]:
        expect(line(identity, stage).locator("i")).to_have_text("pending")
    expect(identity.get_by_role("button", name="Create identity pool")).to_be_enabled()
    snap(identity, artifacts, "identity-pool-form-wrong-app-client-id")

    assert session.client("cognito-identity").list_identity_pools(MaxResults=60)["IdentityPools"] == []
    assert session.client("iam").list_roles()["Roles"] == []
    assert Scratchpad(jupyterlab.scratchpad).get("identity_pool_id") is None


def test_try_it_yourself_says_what_aws_answered_for_a_pool_deleted_since_it_was_saved(
        page, jupyterlab, expect, artifacts, session, step):
    from wildrydes_nb.apply import ensure

    pool_id = ensure(session, step).identity_pool_id
    Scratchpad(jupyterlab.scratchpad).update(region=REGION, user_pool_id=step.user_pool_id,
                                             app_client_id=step.app_client_id, identity_pool_id=pool_id)
    session.client("cognito-identity").delete_identity_pool(IdentityPoolId=pool_id)
    run_all(page, jupyterlab, expect)

    answer = page.locator(".jp-OutputArea-output", has_text="AWS answered ResourceNotFoundException")
    expect(answer).to_have_text(f"AWS answered ResourceNotFoundException: IdentityPool '{pool_id}' not found.",
                                timeout=RUN_TIMEOUT)
    outputs = page.locator(".jp-OutputArea-output")
    expect(outputs.filter(has_text="No identity pool: create it with the form above")).to_have_count(1)
    expect(outputs.filter(has_text="No authenticated role: run the form above")).to_have_count(1)
    expect(page.locator(".jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr']")).to_have_count(0)
    viewport(page, page.get_by_role("heading", name="Try it yourself"), artifacts, "try-it-yourself-pool-gone")


def test_saving_writes_the_learners_copy_a_reload_brings_the_forms_back_and_a_restart_says_so(
        page, jupyterlab, expect, artifacts, workshop_account):
    import subprocess

    from wildrydes_nb import NOTEBOOKS_DIR, lab, render

    Scratchpad(jupyterlab.scratchpad).update(**workshop_account.scratchpad_values())
    open_and_run_all(page, jupyterlab, expect)
    expect(page.get_by_text("Identity Pool ID: ")).to_have_count(0)  # no pool yet: the live views drew
    page.keyboard.press("Control+s")
    saved = jupyterlab.root / NOTEBOOK
    expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=ACTION_TIMEOUT)  # JupyterLab says saved
    text = saved.read_text()
    assert text.count(lab.RESTORE_NOTE) >= 5 and lab.WIDGET_VIEW in text  # 2 forms and 3 live views
    # The checkout's notebooks are untouched.
    status = subprocess.run(["git", "status", "--porcelain", "--", str(NOTEBOOKS_DIR)], capture_output=True,
                            text=True, cwd=NOTEBOOKS_DIR, check=True).stdout
    assert status == ""

    # A reload while the kernel runs: the forms come back from it, live, and the notes stay hidden.
    page.reload()
    identity = form_output(page, "Create the identity pool")
    expect(identity).to_be_visible(timeout=RUN_TIMEOUT)
    expect(form_output(page, "Verify the identity pool")).to_be_visible(timeout=RUN_TIMEOUT)
    expect(page.get_by_text(lab.RESTORE_NOTE)).to_have_count(5)
    for note in page.get_by_text(lab.RESTORE_NOTE).all():
        expect(note).to_be_hidden()
    identity.get_by_role("button", name="Preview").click()
    expect(identity).to_contain_text("Preview ready", timeout=ACTION_TIMEOUT)  # the kernel answered
    stopped = page.get_by_text(render.STOPPED)
    for note in stopped.all():
        expect(note).to_be_hidden()
    identity.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "reloaded-with-the-kernel-running.png")

    # A kernel restart: every form and live view says it is no longer live.
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Restart Kernel…")).click()
    page.locator(".jp-Dialog .jp-mod-accept", has_text="Restart").click()
    expect(identity.get_by_text(render.STOPPED)).to_be_visible(timeout=RUN_TIMEOUT)
    expect(stopped).to_have_count(5)
    for note in stopped.all():
        expect(note).to_be_visible()
    identity.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "after-a-kernel-restart.png")

    # Reopened without the kernel that made the forms: the saved note, not "model not found".
    page.reload()
    notes = page.get_by_text(lab.RESTORE_NOTE)
    expect(notes.first).to_be_visible(timeout=RUN_TIMEOUT)
    expect(notes).to_have_count(5)
    for note in notes.all():
        expect(note).to_be_visible()
    for words in ("Loading widget", "Error displaying widget"):  # ipywidgets' own words are hidden
        for shown in page.get_by_text(words).all():
            expect(shown).to_be_hidden()
    expect(page.locator("h3", has_text="Create the identity pool")).to_have_count(0)
    notes.first.scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "reopened-after-save.png")


def test_preview_shows_the_calls_and_the_trust_policy_and_create_what_was_sent(page, jupyterlab, expect, artifacts,
                                                                                 session, user_pool, iam_delay):
    iam_delay(0)
    identity, _check = open_and_run_all(page, jupyterlab, expect)
    identity.get_by_label("User Pool ID").fill(user_pool.user_pool_id)
    identity.get_by_label("App client ID").fill(user_pool.app_client_id)
    expect(identity.locator(".widget-html-content", has_text="✘")).to_have_count(0)
    identity.get_by_role("button", name="Preview").click()
    calls = identity.locator("details", has_text="The AWS calls it will make, in order (3 calls)")
    expect(calls).to_be_visible(timeout=ACTION_TIMEOUT)
    for method in ("cognito_identity.create_identity_pool(", "iam.create_role(",
                   "cognito_identity.set_identity_pool_roles("):
        expect(calls).to_contain_text(method)
    cli_form = calls.locator("details", has_text="as an AWS CLI command").first
    expect(cli_form.get_by_text("aws cognito-identity create-identity-pool")).to_be_hidden()
    cli_form.locator("summary").click()  # the CLI form is on a toggle
    expect(cli_form.get_by_text(re.compile("aws cognito-identity create-identity-pool"))).to_be_visible()
    expect(identity).to_contain_text("Trust policy of the authenticated role")
    expect(identity).to_contain_text('"cognito-identity.amazonaws.com:aud": "<IdentityPoolId of the new pool>"')
    expect(identity).to_contain_text("only THIS identity pool")
    # The form is taller than the window: shown as a learner scrolls to each part.
    viewport(page, calls.locator("summary").first, artifacts, "identity-pool-preview-calls")
    viewport(page, identity.get_by_text("Trust policy of the authenticated role"), artifacts,
             "identity-pool-preview-trust-policy")

    identity.get_by_role("button", name="Create identity pool").click()
    sent = identity.locator("details", has_text="What was sent to AWS (8 calls)")
    expect(sent).to_be_visible(timeout=ACTION_TIMEOUT)
    expect(sent.get_by_text("cognito_identity.create_identity_pool(")).to_be_hidden()  # collapsed at first
    sent.locator("summary").first.click()
    expect(sent).to_contain_text("cognito_identity.create_identity_pool(")
    expect(sent).to_contain_text(re.compile(rf"IdentityPoolId = {REGION}:[0-9a-f-]{{36}}"))
    viewport(page, sent.locator("summary").first, artifacts, "identity-pool-what-was-sent")


def viewport(page, top, artifacts, name: str) -> None:
    """Scroll ``top`` to the top of the notebook's window and screenshot the window."""
    top.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.screenshot(path=artifacts / f"{name}.png", animations="disabled")


def test_another_learners_pool_of_the_name_is_left_alone_until_the_learner_relinks_it(page, jupyterlab, expect,
                                                                                      artifacts, session, user_pool):
    from wildrydes_nb.apply import ensure
    from wildrydes_nb.inputs import check_step_input

    # Learner A, in the same account, made the step first; this learner (B) has a user pool of their own.
    idp = session.client("cognito-idp")
    a_pool = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    a_client = idp.create_user_pool_client(UserPoolId=a_pool, ClientName="web")["UserPoolClient"]["ClientId"]
    theirs = ensure(session, check_step_input(REGION, a_pool, a_client)).identity_pool_id
    identity, _check = open_and_run_all(page, jupyterlab, expect)
    fill_in(identity, expect, user_pool.user_pool_id, user_pool.app_client_id)
    identity.get_by_role("button", name="Create identity pool").click()

    message = identity.locator(".widget-html-content", has_text="is not provably yours")
    expect(message).to_have_count(1, timeout=ACTION_TIMEOUT)
    expect(message).to_contain_text(f"{theirs}: linked to user pool {a_pool}")
    relink = identity.get_by_role("button", name="Re-link it: this pool is mine")
    expect(relink).to_be_visible()
    expect(identity.locator(".widget-html-content", has_text="Only if the identity pool")).to_contain_text(
        f"re-link it from user pool {a_pool} to user pool {user_pool.user_pool_id}")
    snap(identity, artifacts, "identity-pool-form-not-yours")
    pool = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=theirs)
    assert pool["CognitoIdentityProviders"][0]["ProviderName"].endswith(a_pool)  # nothing was changed

    relink.click()  # the learner's word: that pool is theirs
    expect(line(identity, "identity pool")).to_contain_text(f"{theirs} (re-linked)", timeout=ACTION_TIMEOUT)
    expect(relink).to_be_hidden()
    pool = session.client("cognito-identity").describe_identity_pool(IdentityPoolId=theirs)
    assert pool["CognitoIdentityProviders"][0]["ProviderName"].endswith(user_pool.user_pool_id)


def test_the_forms_fit_a_laptops_width_and_two_notebooks_side_by_side(page, jupyterlab, expect, artifacts, session,
                                                                     user_pool):
    from wildrydes_nb.apply import ensure
    from wildrydes_nb.inputs import check_step_input

    scratchpad = Scratchpad(jupyterlab.scratchpad)
    ensure(session, check_step_input(REGION, user_pool.user_pool_id, user_pool.app_client_id), scratchpad=scratchpad)
    run_all(page, jupyterlab, expect)
    identity = form_output(page, "Create the identity pool")
    check = form_output(page, "Verify the identity pool")
    expect(check).to_be_visible(timeout=RUN_TIMEOUT)
    # 1280 and 900 px windows with the file browser open (JupyterLab's default on a laptop); then a
    # notebook panel of about 590 px, as two notebooks side by side in a 1280 px window give: a
    # 640 px window with the side bar closed.
    for width in (1280, 900, 640):
        page.set_viewport_size({"width": width, "height": 1400})
        if width == 640:  # JupyterLab's "toggle the left side bar": Ctrl+B, in command mode
            page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
            page.keyboard.press("Escape")
            page.keyboard.press("Control+b")
            expect(page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")).to_have_count(0)
        if width == 1280:
            check.get_by_role("checkbox", name="Sign-in proof (creates a test user, then deletes it)").uncheck()
            check.get_by_role("button", name="Verify").click()
            expect(check).to_contain_text("checks passed", timeout=ACTION_TIMEOUT)
        page.wait_for_timeout(300)  # the layout follows the new width
        for output in (identity, check):
            overflow = output.evaluate("node => node.scrollWidth - node.clientWidth")
            assert overflow <= 1, (width, overflow)  # no sideways scrolling: everything wraps
        snap(identity, artifacts, f"identity-pool-form-{width}px")
        snap(check, artifacts, f"verify-checklist-{width}px")


def test_a_pool_made_in_the_console_is_found_saved_and_verified_by_check_my_pool(page, jupyterlab, expect, artifacts,
                                                                               session, console_account):
    # After 01 the scratchpad holds the user pool and app client; the pool was made in today's console.
    Scratchpad(jupyterlab.scratchpad).update(region=REGION, user_pool_id=console_account.user_pool_id,
                                             app_client_id=console_account.app_client_id)
    _identity, check = open_and_run_all(page, jupyterlab, expect)
    check.get_by_role("checkbox", name="Sign-in proof (creates a test user, then deletes it)").uncheck()
    check.get_by_role("button", name="Check my pool (made in the console)").click()
    expect(check).to_contain_text(f"Found your identity pool {console_account.identity_pool_id}",
                                  timeout=ACTION_TIMEOUT)
    expect(check).to_contain_text(re.compile(r"All \d+ checks passed"))
    expect(check.get_by_text("✘")).to_have_count(0)
    # Saved: the views below follow the scratchpad, with no cell run again.
    id_view = page.locator(".jp-OutputArea-output").filter(has_text="Copy it as shown")
    expect(id_view.locator("code")).to_have_text(console_account.identity_pool_id, timeout=ACTION_TIMEOUT)
    assert Scratchpad(jupyterlab.scratchpad).get("identity_pool_id") == console_account.identity_pool_id
    snap(check, artifacts, "check-my-pool-console")
    # Nothing was changed in AWS: the console's role is still the one attached.
    roles = session.client("cognito-identity").get_identity_pool_roles(IdentityPoolId=console_account.identity_pool_id)
    assert roles["Roles"] == {"authenticated": console_account.authenticated_role_arn}
