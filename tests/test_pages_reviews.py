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


async def test_the_coach_sees_what_customers_said(browser, site):  # noqa: F811
    """/manage: per seller the average rating of their customers and the newest comments,
    following live as a customer answers."""
    api, url, seller, manager = site["api"], site["server"].url, site["seller"], site["manager"]

    async def link(customer):
        body = {"seller_id": seller["id"], "customer": customer}
        r = await api.post("/api/feedback-requests", body, token=api.tokens[seller["id"]])
        return "/f/" + r.json()["url"].rsplit("/f/", 1)[1]

    await api.client.post(await link("Equinor"), json={"rating": 3, "comment": "Too long"})
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    # the coach makes a link for one of the team's sellers, here in Norwegian
    await page.select_option("#ask-seller", str(site["mate"]["id"]))
    await page.fill("#ask-form [name=customer]", "Telenor")
    await page.select_option("#ask-lang", "nb")
    await page.click("#ask-form button[type=submit]")
    await page.locator("#ask-link").wait_for()
    assert (await page.locator("#ask-url").input_value()).endswith("?lang=nb")
    mail = await page.locator("#ask-mail").get_attribute("href")
    assert "Kari%20Hansen" in mail  # signed by the seller the meeting was
    row = page.locator(f"#said li[data-seller='{seller['id']}']")
    await row.wait_for()
    assert "Ola Nordmann" in await row.inner_text() and "★ 3" in await row.inner_text()
    assert "Too long" in await page.locator("#said-comments").inner_text()
    await api.client.post(await link("Kiwi"), json={"rating": 5, "comment": "Spot on"})
    await page.wait_for_function(
        "document.querySelector('#said-comments').innerText.includes('Spot on')"
    )
    assert "★ 4" in await row.inner_text() and "2 ratings" in await row.inner_text()


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


async def test_profiles_show_strengths_customers_and_what_to_work_on(browser, site):  # noqa: F811
    """/board: my profile (what teammates thanked me for, what customers said, the loss
    questions I answer worst, mentoring, badges); /manage: any player's of the team."""
    api, url = site["api"], site["server"].url
    seller, mate, manager = site["seller"], site["mate"], site["manager"]
    weak = ["yes"] * 12
    weak[8], weak[2] = "no", "no"
    for n in range(2):
        deal = (await api.deal(seller["id"], 1_000 + n, "lost")).json()["deal"]
        body = {"answers": weak}
        token = api.tokens[seller["id"]]
        await api.post(f"/api/deals/{deal['id']}/loss-review", body, token=token, expect=201)
    body = {"seller_id": seller["id"], "customer": "Acme"}
    link = (await api.post("/api/feedback-requests", body, token=api.tokens[seller["id"]])).json()
    await api.client.post("/f/" + link["url"].rsplit("/f/", 1)[1], json={"rating": 4})
    body = {"member_id": seller["id"], "points": 5, "note": "Ran the onboarding"}
    await api.post("/api/mentoring", body, token=api.tokens[manager["id"]], expect=201)

    board = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await board.goto(f"{url}/board?token={api.tokens[seller['id']]}")
    profile = board.locator("#profile .profile")
    await profile.wait_for()
    text = await profile.inner_text()
    assert "Closer × 1" in text  # Kari thanked Ola as a closer
    assert "★ 4 · 1 rating" in text and "5 received · 0 given" in text
    assert "3. " in text  # question 3, answered "no" in both reviews
    await profile.scroll_into_view_if_needed()
    await shot(board, "board-profile")

    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    await page.locator("#profile .profile").wait_for()
    await page.select_option("#profile-of", str(seller["id"]))
    await page.wait_for_function(
        "document.querySelector('#profile').innerText.includes('5 received')"
    )
    await page.select_option("#profile-of", str(mate["id"]))
    await page.wait_for_function(
        "document.querySelector('#profile').innerText.includes('nothing yet')"
    )
