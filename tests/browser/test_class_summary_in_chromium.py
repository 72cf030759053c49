"""The instructor's view: a class run's summary.html and a learner's feedback page, in Chromium at 1280 px."""

from wildrydes_nb.batch import run_batch
from wildrydes_nb.roster import read_roster
from wildrydes_nb.summary import RunInfo, write_summaries

REGION = "us-east-2"


def test_the_summary_and_a_feedback_page_read_at_a_laptops_width(browser, expect, artifacts, session, tmp_path):
    idp = session.client("cognito-idp")
    rows = []
    for name in ("ana", "bo", "cy"):
        pool = idp.create_user_pool(PoolName=f"WildRydes-{name}")["UserPool"]["Id"]
        client = idp.create_user_pool_client(UserPoolId=pool, ClientName="wildrydes-web-app", GenerateSecret=name == "bo",
                                             ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
                                             )["UserPoolClient"]["ClientId"]
        rows.append(f"{name},{REGION},{pool},{client},pool_{name}")
    roster = tmp_path / "roster.csv"
    roster.write_text("learner,region,user_pool_id,app_client_id,identity_pool_name\n" + "\n".join(rows) + "\n")
    learners = read_roster(roster)
    out = tmp_path / "class"
    outcomes = run_batch(learners, out, workers=2, progress=False)
    write_summaries(outcomes, out, RunInfo("set-up", "2026-12-05T09:00:00Z", "2026-12-05T09:01:00Z", learners))

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((out / "summary.html").as_uri())
    expect(page.get_by_role("heading", level=1)).to_contain_text("Class set-up")
    expect(page.get_by_role("heading", level=2)).to_have_text("3 learners: 0 passed, 2 set up by this run, 1 failed")
    first = page.locator("tr").nth(1)  # failures first, each with its fix in view
    expect(first).to_contain_text("bo")
    expect(first).to_contain_text("without a secret")
    expect(page.get_by_text("What the statuses mean")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # no sideways scrolling
    page.screenshot(path=artifacts / "class-summary.png", full_page=True)

    page.get_by_role("link", name="ana").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("feedback for ana")
    expect(page.get_by_text("This run created or repaired, in your account:")).to_be_visible()
    expect(page.get_by_text("Your executed notebook, as it ran")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=artifacts / "learner-feedback.png", full_page=True)
    page.get_by_role("link", name="Your executed notebook, as it ran").click()
    expect(page.get_by_text("Creating a Cognito identity pool").first).to_be_visible()
    context.close()
