"""The reward shop on the pages, in a real headless Chromium: a seller sees their coins,
redeems a reward and sees it pending with the balance lowered; the manager approves it on
/manage and the seller's page shows it approved; a second try over the per-member limit
shows the shop's reason in the reward's row. An admin adds, changes and takes rewards off
the shop and sets a team's monthly budget. Both pages' shop parts fit a phone and a
laptop in every language."""

import asyncio
from typing import Any

import pytest

from service.web.i18n import LANGUAGES, TEXTS
from tests.conftest import Api
from tests.test_pages import shot, site  # noqa: F401 - the fixture
from tests.test_pages_layout import layout_problems

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}


async def reward(api: Api, name: str, cost: float, **body: Any) -> dict[str, Any]:
    return (await api.post("/api/rewards", {"name": name, "cost": cost, **body}, expect=201)).json()


async def wallet(api: Api, member: dict[str, Any]) -> dict[str, Any]:
    return await api.get(f"/api/members/{member['id']}/wallet")


async def stocked(api: Api) -> dict[str, dict[str, Any]]:
    """A shop: one reward to redeem once per person, one far too dear, one sold out."""
    return {
        "cinema": await reward(
            api,
            "Cinema tickets",
            10,
            stock=3,
            per_member_limit=1,
            description="Two tickets for any film",
        ),
        "trip": await reward(api, "Weekend trip to Lofoten", 100_000),
        "mug": await reward(api, "Huddle mug", 1, stock=0),
    }


async def text_of(page: Any, selector: str) -> str:
    return " ".join((await page.locator(selector).inner_text()).split())


async def test_a_seller_redeems_and_the_manager_approves(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    seller, manager = site["seller"], site["manager"]
    await api.deal(seller["id"], 50_000)
    shop = await stocked(api)
    before = await wallet(api, seller)
    assert before["balance"] > 10 and before["held"] == 0

    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/board?token={api.tokens[seller['id']]}")
    cinema = page.locator(f"#rewards li[data-reward='{shop['cinema']['id']}']")
    await cinema.wait_for()
    fmt = "(n) => Huddle.fmt(n)"
    assert await page.locator("#coins").inner_text() == await page.evaluate(fmt, before["balance"])
    assert "spent 0" in await page.locator("#wallet-line").inner_text()
    # the cheapest first; what cannot be redeemed says why beside a disabled button
    names = await page.locator("#rewards .reward-name").all_inner_texts()
    assert names == ["Huddle mug", "Cinema tickets", "Weekend trip to Lofoten"]
    mug = page.locator(f"#rewards li[data-reward='{shop['mug']['id']}']")
    assert await mug.locator("[data-act=redeem]").is_disabled()
    assert await mug.locator(".why").inner_text() == "Out of stock"
    trip = page.locator(f"#rewards li[data-reward='{shop['trip']['id']}']")
    assert await trip.locator("[data-act=redeem]").is_disabled()
    assert "more coins" in await trip.locator(".why").inner_text()
    text = " ".join((await cinema.inner_text()).split())
    assert "10 coins" in text and "3 left" in text and "Two tickets for any film" in text
    assert "at most 1 per person" in text
    assert await page.locator("#my-redemptions").inner_text() == "Nothing redeemed yet."

    # redeemed: pending, the coins held, one fewer left
    await cinema.locator("[data-act=redeem]").click()
    await cinema.locator(".redeem-form [name=note]:focus").wait_for()
    await page.keyboard.type("For the team night")
    await cinema.locator(".redeem-form button[type=submit]").click()
    await cinema.locator(".result.ok").wait_for()
    assert "waits for your manager" in await cinema.locator(".result").inner_text()
    (mine,) = await api.get("/api/redemptions", member_id=seller["id"])
    assert mine["state"] == "pending" and mine["note"] == "For the team night"
    row = page.locator(f"#my-redemptions li[data-redemption='{mine['id']}']")
    await row.wait_for()
    assert "Pending" in await row.inner_text()
    assert "Your note: For the team night" in await row.inner_text()
    balance = await page.evaluate(fmt, before["balance"] - 10)
    assert await page.locator("#coins").inner_text() == balance
    assert "held 10" in await page.locator("#wallet-line").inner_text()
    assert "2 left" in await cinema.inner_text()
    await shot(page, "board-shop")

    # the manager approves it with a note
    coach = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await coach.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    waiting = coach.locator(f"#redemptions-open li[data-redemption='{mine['id']}']")
    await waiting.wait_for()
    assert await coach.locator("#shop-admin").is_hidden()  # the shop is the admin's
    text = " ".join((await waiting.inner_text()).split())
    assert "Cinema tickets" in text and "Ola Nordmann" in text and "Pending" in text
    assert "Note: For the team night" in text
    await waiting.locator("[name=note]").fill("Enjoy the film!")
    await waiting.scroll_into_view_if_needed()
    await shot(coach, "manage-rewards-pending")
    await waiting.locator("[data-act=approve]").click()
    await coach.locator("#rewards-result.ok").wait_for()
    assert "approved" in await coach.locator("#rewards-result").inner_text()
    await waiting.locator("[data-act=fulfil]").wait_for()  # approved: still to hand over
    assert "Approved" in await waiting.inner_text()
    assert (await wallet(api, seller))["spent"] == 10

    # the seller's page follows, live
    await page.wait_for_function(
        f"document.querySelector(\"#my-redemptions li[data-redemption='{mine['id']}']\")"
        ".innerText.includes('Approved')",
        timeout=15_000,
    )
    assert "Reply: Enjoy the film!" in await row.inner_text()
    await page.wait_for_function(
        "document.querySelector('#wallet-line').textContent.includes('spent 10')"
    )
    assert await page.locator("#coins").inner_text() == balance

    # a second one is over the per-member limit: the shop's reason, in the reward's row
    await cinema.locator("[data-act=redeem]").click()
    await cinema.locator(".redeem-form button[type=submit]").click()
    await cinema.locator(".result.error").wait_for()
    assert "the limit is 1 per member" in await cinema.locator(".result").inner_text()
    assert await cinema.locator(".redeem-form").count() == 0
    assert len(await api.get("/api/redemptions", member_id=seller["id"])) == 1
    assert await page.locator("#coins").inner_text() == balance

    # handed over: into the recent decisions; the seller's page says so
    await waiting.locator("[data-act=fulfil]").click()
    done = coach.locator(f"#redemptions-done li[data-redemption='{mine['id']}']")
    await done.wait_for()
    assert "Fulfilled" in await done.inner_text()
    assert "No redemptions are waiting." in await coach.locator("#redemptions-open").inner_text()
    await page.wait_for_function(
        f"document.querySelector(\"#my-redemptions li[data-redemption='{mine['id']}']\")"
        ".innerText.includes('Fulfilled')",
        timeout=15_000,
    )
    # the limit's refusal stays in its row through the reloads
    assert "the limit is 1 per member" in await cinema.locator(".result").inner_text()

    # a manager's own redemption is an admin's to decide: no buttons for it on /manage
    await api.deal(manager["id"], 50_000)
    own = (
        await api.post(
            "/api/redemptions",
            {"reward_id": shop["cinema"]["id"]},
            token=api.tokens[manager["id"]],
            expect=201,
        )
    ).json()
    mine_too = coach.locator(f"#redemptions-open li[data-redemption='{own['id']}']")
    await mine_too.wait_for(timeout=15_000)  # live
    assert "an admin decides it" in await mine_too.inner_text()
    assert await mine_too.locator("button").count() == 0
    await shot(coach, "manage-rewards", full_page=True)


async def test_a_refused_decision_shows_in_its_row(browser, site):  # noqa: F811
    """Declined elsewhere while the manager's page still showed it pending (its reload
    failed): Approve is refused in the redemption's row, which then shows it declined."""
    api, url = site["api"], site["server"].url
    seller, manager = site["seller"], site["manager"]
    await api.deal(seller["id"], 50_000)
    shop = await stocked(api)
    redemption = (
        await api.post(
            "/api/redemptions",
            {"reward_id": shop["cinema"]["id"]},
            token=api.tokens[seller["id"]],
            expect=201,
        )
    ).json()
    coach = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await coach.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    row = coach.locator(f"#redemptions-open li[data-redemption='{redemption['id']}']")
    await row.wait_for()
    await coach.wait_for_selector("#status.live")
    # the reload the decline's live update asks for fails: the page still shows it pending
    hold = {"on": True}
    failed = asyncio.Event()

    async def list_fails(route: Any) -> None:
        if hold["on"] and route.request.method == "GET":
            failed.set()
            await route.abort()
        else:
            await route.continue_()

    await coach.route("**/api/redemptions", list_fails)
    await api.post(f"/api/redemptions/{redemption['id']}/decline", {"note": "No budget"})
    await asyncio.wait_for(failed.wait(), 15)
    hold["on"] = False
    assert "Pending" in await row.inner_text()
    await row.locator("[data-act=approve]").click()
    done = coach.locator(f"#redemptions-done li[data-redemption='{redemption['id']}']")
    await done.locator(".result.error").wait_for()
    assert "declined: it cannot be approved now" in await done.locator(".result").inner_text()
    assert "Declined" in await done.inner_text()
    assert "Reply: No budget" in await done.inner_text()
    assert (await wallet(api, seller))["spent"] == 0


async def test_an_admin_keeps_the_shop_and_a_team_budget(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    vikings = site["vikings"]
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.token}&team_id={vikings['id']}")
    await page.locator("#shop-rewards li.empty").wait_for()
    await page.wait_for_selector("#status.live")  # the team's view follows it live for an admin too
    assert await page.locator("#page-message").is_hidden()
    assert await page.locator("#reward-budget-form").is_visible()
    assert await page.locator("#reward-budget-form [name=monthly]").input_value() == ""

    form = page.locator("#reward-form")
    await form.locator("[name=name]").fill("Team lunch")
    await form.locator("[name=cost]").fill("25")
    await form.locator("[name=stock]").fill("4")
    await form.locator("[name=per_member_limit]").fill("2")
    await form.locator("[name=description]").fill("At the place by the harbour")
    await form.locator("button[type=submit]").click()
    await page.locator("#reward-result.ok").wait_for()
    assert await page.locator("#reward-result").inner_text() == "Team lunch is saved."
    (lunch,) = await api.get("/api/rewards")
    assert (lunch["cost"], lunch["stock"], lunch["per_member_limit"]) == (25, 4, 2)
    assert lunch["description"] == "At the place by the harbour"
    # the same name again is refused, in words
    await form.locator("[name=name]").fill("Team lunch")
    await form.locator("[name=cost]").fill("5")
    await form.locator("button[type=submit]").click()
    await page.locator("#reward-result.error").wait_for()
    assert "already" in await page.locator("#reward-result").inner_text()

    row = page.locator(f"#shop-rewards li[data-reward='{lunch['id']}']")
    await row.locator("[name=stock]").fill("9")
    await row.locator("[name=cost]").fill("30")
    await row.locator("button[type=submit]").click()
    await row.locator(".result.ok").wait_for()
    (lunch,) = await api.get("/api/rewards")
    assert (lunch["cost"], lunch["stock"]) == (30, 9)
    await row.locator("button[type=submit]").click()  # nothing changed: said so
    await row.locator(".result.error").wait_for()
    assert "Nothing to save" in await row.locator(".result").inner_text()

    await row.locator("[data-act=off]").click()
    await row.locator("[data-act=on]").wait_for()
    assert "off the shop" in await row.inner_text()
    assert await api.get("/api/rewards") == []
    await row.locator("[data-act=on]").click()
    await row.locator("[data-act=off]").wait_for()
    assert len(await api.get("/api/rewards")) == 1

    budget = page.locator("#reward-budget-form")
    await budget.locator("[name=monthly]").fill("150")
    await budget.locator("button[type=submit]").click()
    await page.locator("#reward-budget-result.ok").wait_for()
    assert (await api.get(f"/api/teams/{vikings['id']}"))["reward_budget"] == 150
    await budget.locator("[name=monthly]").fill("")
    # the page says "saved" again, as it did for 150: wait for this PUT's own answer
    async with page.expect_response(
        lambda r: r.url.endswith("/reward-budget") and r.request.method == "PUT"
    ) as answer:
        await budget.locator("button[type=submit]").click()
    assert (await answer.value).ok
    assert (await api.get(f"/api/teams/{vikings['id']}"))["reward_budget"] is None
    await shot(page, "manage-shop", full_page=True)

    # every team's view: the redemptions of all teams, named by team; no budget there
    rival = site["rival"]
    await api.deal(rival["id"], 80_000)
    asked = (
        await api.post(
            "/api/redemptions",
            {"reward_id": lunch["id"], "note": "Friday?"},
            token=api.tokens[rival["id"]],
            expect=201,
        )
    ).json()
    await page.goto(f"{url}/manage?token={api.token}")
    waiting = page.locator(f"#redemptions-open li[data-redemption='{asked['id']}']")
    await waiting.wait_for()
    assert await page.locator("#rewards-card").is_visible()
    assert await page.locator("#reward-budget-form").is_hidden()
    assert await page.locator("#shop-admin").is_visible()
    assert "The Gunners" in await waiting.inner_text()
    assert "· all teams" in await page.locator("#rewards-scope").inner_text()
    await waiting.locator("[data-act=decline]").click()
    done = page.locator(f"#redemptions-done li[data-redemption='{asked['id']}']")
    await done.wait_for()
    assert "Declined" in await done.inner_text()
    assert (await wallet(api, rival))["held"] == 0


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("screen", SCREENS)
async def test_the_shop_fits_the_screen(browser, site, screen, lang):  # noqa: F811
    """On a phone (390 px) and a laptop, in every language: the seller's shop with a
    reward too dear, one sold out, a redeem form open and a refusal in a row; the coach's
    redemptions to decide and decided; the admin's shop with its forms. Nothing cut off,
    no sideways scroll."""
    api, url = site["api"], site["server"].url
    seller, manager, vikings = site["seller"], site["manager"], site["vikings"]
    await api.deal(seller["id"], 50_000)
    shop = await stocked(api)
    upgrade = await reward(
        api,
        "Produktdemonstrasjonsutstyrsoppgradering for hele salgsavdelingen",
        20,
        per_member_limit=3,
        description="Oppgraderingsmuligheter for salgsavdelingens demonstrasjonsutstyr",
    )
    token = api.tokens[seller["id"]]
    first = (
        await api.post(
            "/api/redemptions",
            {"reward_id": shop["cinema"]["id"], "note": "Til kinokvelden med hele laget"},
            token=token,
            expect=201,
        )
    ).json()
    await api.post(
        f"/api/redemptions/{first['id']}/decline",
        {"note": "Budsjettet for denne måneden er brukt opp"},
        expect=200,
    )
    await api.post("/api/redemptions", {"reward_id": shop["cinema"]["id"]}, token, expect=201)
    problems: dict[str, list[str]] = {}

    context = await browser.new_context(**SCREENS[screen])
    page = await context.new_page()
    await page.goto(f"{url}/board?token={token}&lang={lang}")
    cinema = page.locator(f"#rewards li[data-reward='{shop['cinema']['id']}']")
    await cinema.wait_for()
    await cinema.locator("[data-act=redeem]").click()
    await cinema.locator(".redeem-form button[type=submit]").click()  # over the limit
    await cinema.locator(".result.error").wait_for()
    if lang != "en":
        assert await cinema.locator(".result").inner_text() == TEXTS[lang]["shop_refused"]
    mug = page.locator(f"#rewards li[data-reward='{shop['mug']['id']}']")
    assert await mug.locator(".why").inner_text() == TEXTS[lang]["out_of_stock"]
    trip = page.locator(f"#rewards li[data-reward='{shop['trip']['id']}']")
    await trip.locator(".why").wait_for()
    long = page.locator(f"#rewards li[data-reward='{upgrade['id']}']")
    await long.locator("[data-act=redeem]").click()
    await long.locator(".redeem-form").wait_for()
    await page.locator("#my-redemptions li[data-redemption]").nth(1).wait_for()
    await page.locator("#shop-card").scroll_into_view_if_needed()
    problems["board"] = await layout_problems(page, f"board-shop-{screen}-{lang}")
    await context.close()

    for who, path in (
        ("manager", f"/manage?token={api.tokens[manager['id']]}"),
        ("admin", f"/manage?token={api.token}&team_id={vikings['id']}"),
    ):
        context = await browser.new_context(**SCREENS[screen])
        page = await context.new_page()
        await page.goto(f"{url}{path}&lang={lang}")
        await page.locator("#redemptions-open li[data-redemption]").wait_for()
        await page.locator("#redemptions-done li[data-redemption]").wait_for()
        if who == "admin":
            await page.locator("#shop-rewards li[data-reward]").first.wait_for()
            row = page.locator("#shop-rewards li[data-reward]").first
            await row.locator("button[type=submit]").click()  # nothing changed: said in the row
            await row.locator(".result.error").wait_for()
            # the CRM card is not this test's (wide, its owner-id rows' labels but the
            # first's are hidden for screen readers only, which the check counts as cut)
            await page.evaluate("document.getElementById('crm-card').hidden = true")
        await page.locator("#rewards-card").scroll_into_view_if_needed()
        problems[who] = await layout_problems(page, f"manage-rewards-{who}-{screen}-{lang}")
        await context.close()
    assert problems == {"board": [], "manager": [], "admin": []}, problems
