"""The learner's view of 99_cleanup.ipynb: what is deleted is exactly what the form shows now.

Tick "Delete the user pool too", list what will be deleted, untick: the list was for other values,
so it is cleared and "Delete these" cannot delete it; the user pool survives.
"""

import re

from wildrydes_nb.identity_pool import find_identity_pools
from wildrydes_nb.apply import ensure
from wildrydes_nb.inputs import check_step_input
from wildrydes_nb.scratchpad import Scratchpad

NOTEBOOK = "99_cleanup.ipynb"
RUN_TIMEOUT = 90_000
ACTION_TIMEOUT = 60_000


def test_unticking_after_the_list_keeps_the_user_pool(page, jupyterlab, expect, artifacts, session, user_pool):
    step = check_step_input(session.region_name, user_pool.user_pool_id, user_pool.app_client_id)
    ensure(session, step, scratchpad=Scratchpad(jupyterlab.scratchpad))
    page.goto(jupyterlab.url(f"lab/tree/{NOTEBOOK}"))
    kernel_status = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| "))
    expect(kernel_status).to_have_text(re.compile(r"\| Idle$"), timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    form = page.locator(".jp-OutputArea-output").filter(has=page.locator("h3", has_text="Clean up"))
    expect(form).to_be_visible(timeout=RUN_TIMEOUT)
    expect(form.get_by_label("User Pool ID")).to_have_value(user_pool.user_pool_id)  # from the scratchpad

    form.get_by_label("Delete the user pool too").check()
    form.get_by_role("button", name="Show what will be deleted").click()
    expect(form).to_contain_text(f"user pool: {user_pool.user_pool_id}", timeout=ACTION_TIMEOUT)
    delete = form.get_by_role("button", name="Delete these")
    expect(delete).to_be_enabled()
    form.screenshot(path=artifacts / "cleanup-list-with-user-pool.png")

    form.get_by_label("Delete the user pool too").uncheck()
    expect(form).to_contain_text("The list was for other values", timeout=ACTION_TIMEOUT)
    expect(delete).to_be_disabled()
    form.screenshot(path=artifacts / "cleanup-list-voided.png")

    idp = session.client("cognito-idp")
    assert idp.describe_user_pool(UserPoolId=user_pool.user_pool_id)["UserPool"]["Id"] == user_pool.user_pool_id
    assert find_identity_pools(session, step.identity_pool_name)  # nothing at all was deleted

    form.get_by_role("button", name="Show what will be deleted").click()  # a new list, for what is shown now
    expect(delete).to_be_enabled(timeout=ACTION_TIMEOUT)
    expect(form).not_to_contain_text(f"user pool: {user_pool.user_pool_id}")
    delete.click()
    expect(form).to_contain_text("nothing is left", timeout=ACTION_TIMEOUT)
    assert idp.describe_user_pool(UserPoolId=user_pool.user_pool_id)  # kept: it was not in the list
    assert find_identity_pools(session, step.identity_pool_name) == []
