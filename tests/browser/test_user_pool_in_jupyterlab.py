"""The learner's view of 01_user_pool.ipynb in a shared account: a WildRydes pool that is not provably
theirs is listed, never taken, and "create my own" makes theirs; at a laptop's width too."""

import re

from wildrydes_nb.scratchpad import Scratchpad

NOTEBOOK = "01_user_pool.ipynb"
RUN_TIMEOUT = 90_000
ACTION_TIMEOUT = 60_000


def test_someone_elses_wildrydes_pool_is_listed_not_taken_and_the_learner_makes_their_own(
        page, jupyterlab, expect, artifacts, session):
    idp = session.client("cognito-idp")
    theirs = idp.create_user_pool(PoolName="WildRydes")["UserPool"]["Id"]
    idp.create_user_pool_client(UserPoolId=theirs, ClientName="someone-elses-web-app")
    page.set_viewport_size({"width": 900, "height": 1400})  # a laptop's JupyterLab with the file browser open
    page.goto(jupyterlab.url(f"lab/tree/{NOTEBOOK}"))
    kernel_status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| "))
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    form = page.locator(".jp-OutputArea-output").filter(
        has=page.locator("h3", has_text="The user pool and app client"))
    expect(form).to_be_visible(timeout=RUN_TIMEOUT)

    form.get_by_role("button", name="Create or reuse WildRydes").click()
    message = form.locator(".widget-html-content", has_text="none is provably yours")
    expect(message).to_contain_text(theirs, timeout=ACTION_TIMEOUT)
    expect(message).to_contain_text("someone-elses-web-app")
    own = form.get_by_role("button", name="None of them is mine: create my own")
    expect(own).to_be_visible()
    form.screenshot(path=artifacts / "user-pool-form-not-yours-900px.png")
    assert len(idp.list_user_pools(MaxResults=60)["UserPools"]) == 1  # nothing was made, nothing taken

    own.click()
    expect(form).to_contain_text("Created the user pool and app client", timeout=ACTION_TIMEOUT)
    expect(own).to_be_hidden()
    mine = Scratchpad(jupyterlab.scratchpad).get("user_pool_id")
    assert mine and mine != theirs
    form.screenshot(path=artifacts / "user-pool-form-own-created-900px.png")
