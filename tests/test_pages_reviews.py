"""Loss reviews still owed, in a real headless Chromium: the coach's /manage lists the
team's with their age and marks the overdue ones, and the list follows live as a review
is written; the seller's /board marks an overdue one too."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.test_pages import shot, site  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

ANSWERS = ["yes"] * 12


async def test_the_coach_sees_overdue_loss_reviews_and_they_clear_live(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    seller, mate, manager = site["seller"], site["mate"], site["manager"]
    days_ago = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    old = await api.deal(seller["id"], 9_000, "lost", customer="Statoil", closed_at=days_ago)
    old = old.json()["deal"]
    await api.deal(mate["id"], 4_000, "lost", customer="Kiwi")

    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    rows = page.locator("#reviews-waiting li[data-review]")
    await rows.first.wait_for()
    assert await rows.count() == 2
    first = await rows.first.inner_text()  # the overdue one first
    assert "Statoil" in first and "Overdue" in first and "waiting 5 days" in first
    assert "lost today" in await rows.nth(1).inner_text()
    assert "1 overdue" in await page.locator("#reviews-overdue").inner_text()
    await shot(page, "manage-reviews", full_page=True)

    board = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await board.goto(f"{url}/board?token={api.tokens[seller['id']]}")
    await board.locator("#pending li").first.wait_for()
    assert "Overdue" in await board.locator("#pending").inner_text()

    await api.post(
        f"/api/deals/{old['id']}/loss-review",
        {"answers": ANSWERS, "lesson": "Meet the CFO"},
        token=api.tokens[seller["id"]],
        expect=201,
    )
    await page.wait_for_function(
        "document.querySelectorAll('#reviews-waiting li[data-review]').length === 1"
    )
    assert await page.locator("#reviews-overdue").inner_text() == ""


async def test_the_coach_sees_who_to_ask(browser, site):  # noqa: F811
    """/manage pairs a seller's weakest loss question with the teammate strongest on it,
    in the page's language."""
    api, url = site["api"], site["server"].url
    seller, mate, manager = site["seller"], site["mate"], site["manager"]
    good = ["yes"] * 12
    good[8] = "no"  # question 9 is the inverted one
    weak = list(good)
    weak[2] = "no"
    for who, answers in ((seller, weak), (mate, good)):
        for n in range(2):
            deal = (await api.deal(who["id"], 1_000 + n, "lost")).json()["deal"]
            body = {"answers": answers}
            token = api.tokens[who["id"]]
            await api.post(f"/api/deals/{deal['id']}/loss-review", body, token=token, expect=201)
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.tokens[manager['id']]}&lang=nb")
    row = page.locator(f"#who-to-ask li[data-member='{seller['id']}']")
    await row.wait_for()
    text = await row.inner_text()
    assert "Ola Nordmann" in text and "3." in text and "spør Kari Hansen" in text
