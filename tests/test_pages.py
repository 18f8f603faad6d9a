"""The pages in a real headless Chromium (Debian's), against real server processes."""

import os

import httpx
import pytest

from tests.conftest import IN_CI, ROOT, Api, Server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "test-output" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.fixture
async def browser():
    """Debian's Chromium, driven by Playwright (never a downloaded browser)."""
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("Chromium is required in CI: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        await browser.close()


@pytest.fixture
async def site(settings):
    """A server with a season, two teams with nicknames and colours, and their tokens."""
    server = Server(settings).start()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season(name="Q4")
        vikings = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
        gunners = await api.team("Stockholm", nickname="The Gunners", color="#0a5ca8")
        manager = await api.member(vikings["id"], "Ingrid Berg", role="manager")
        seller = await api.member(vikings["id"], "Ola Nordmann")
        mate = await api.member(vikings["id"], "Kari Hansen")
        rival = await api.member(gunners["id"], "Astrid Lind")
        await api.post("/api/goals", {"team_id": vikings["id"], "season_id": 1,
                                      "metric": "revenue", "target": 200_000,
                                      "member_targets": [{"member_id": seller["id"],
                                                          "target": 100_000}]}, expect=201)
        await api.deal(rival["id"], 30_000)
        site = {"server": server, "api": api, "display": await api.role_token("display"),
                "seller": seller, "mate": mate, "manager": manager, "rival": rival,
                "vikings": vikings}
        try:
            yield site
        finally:
            server.stop()


async def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    await page.screenshot(path=str(path))
    return path


async def test_tv_shows_a_deal_and_its_celebration(browser, site):
    """A deal posted through the API shows on the TV, with its GOAL! overlay, no reload."""
    page = await browser.new_page(viewport={"width": 1600, "height": 900})
    await page.goto(f"{site['server'].url}/tv?token={site['display']}")
    await page.wait_for_selector("#teams li")
    assert "token=" not in page.url  # the token is kept, not left in the address bar
    await page.wait_for_selector("#status.live")
    await site["api"].deal(site["seller"]["id"], 50_000, assists=[site["mate"]["id"]])
    overlay = page.locator("#celebration")
    await overlay.wait_for(state="visible", timeout=10_000)
    assert await page.locator("#cele-title").inner_text() == "GOAL!"
    assert await page.locator("#cele-name").inner_text() == "Ola Nordmann"
    assert await page.locator("#cele-team").inner_text() == "The Vikings"
    assert "Kari Hansen" in await page.locator("#cele-extra").inner_text()
    path = await shot(page, "tv-goal")
    await overlay.wait_for(state="hidden", timeout=15_000)
    assert "The Vikings" in await page.locator("#teams").inner_text()
    await shot(page, "tv")
    assert path.exists()


async def test_tv_marks_stale_and_recovers(browser, site, settings):
    """When the server goes away the TV says so; when it returns the TV catches up alone."""
    server = site["server"]
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    await page.goto(f"{server.url}/tv?token={site['display']}")
    await page.wait_for_selector("#status.live")
    server.stop()
    await page.wait_for_selector("#status.stale", timeout=15_000)
    assert "Reconnecting" in await page.locator("#status").inner_text()
    await shot(page, "tv-stale")
    again = Server(settings, port=server.port).start()
    try:
        await page.wait_for_selector("#status.live", timeout=40_000)
        await site["api"].deal(site["seller"]["id"], 10_000)
        await page.locator("#celebration").wait_for(state="visible", timeout=10_000)
    finally:
        again.stop()


async def test_seller_logs_a_deal_and_gives_kudos(browser, site):
    """The seller's forms work end to end, with the allowance shown and errors in words."""
    api, seller, mate = site["api"], site["seller"], site["mate"]
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{site['server'].url}/board?token={api.tokens[seller['id']]}")
    await page.wait_for_selector("#team-board li")
    await page.fill("#deal-form [name=amount]", "40000")
    await page.fill("#deal-form [name=customer]", "Equinor")
    await page.select_option("#assists", [str(mate["id"])])
    await page.click("#deal-form button[type=submit]")
    await page.wait_for_selector("#deal-result.ok")
    feed = (await api.get("/api/feed", kind="deal.won"))["entries"]
    assert feed[0]["data"]["customer"] == "Equinor" and feed[0]["data"]["assists"] == [mate["id"]]
    await page.wait_for_function("document.querySelector('#my-rank').textContent === '1'")
    await page.select_option("#kudos-to", str(mate["id"]))
    await page.fill("#kudos-form [name=points]", "3")
    await page.fill("#kudos-form [name=message]", "Great demo prep")
    await page.select_option("#strength", "coach")
    await page.click("#kudos-form button[type=submit]")
    await page.wait_for_selector("#kudos-result.ok")
    await page.wait_for_function("document.querySelector('#allowance').textContent.startsWith('7')")
    profile = await api.get(f"/api/members/{mate['id']}/profile")
    assert profile["strengths"] == {"coach": 1}
    await page.select_option("#kudos-to", str(mate["id"]))
    await page.fill("#kudos-form [name=points]", "5")
    await page.fill("#kudos-form [name=message]", "Again")
    await page.click("#kudos-form button[type=submit]")
    await page.wait_for_selector("#kudos-result.error")
    assert "same teammate" in await page.locator("#kudos-result").inner_text()
    await shot(page, "board")


async def test_manager_awards_mentoring_and_sets_a_goal(browser, site):
    """The coach's forms award mentoring (budget shown) and set a goal with member goals."""
    api, manager, seller = site["api"], site["manager"], site["seller"]
    page = await browser.new_page(viewport={"width": 1280, "height": 1100})
    await page.goto(f"{site['server'].url}/manage?token={api.tokens[manager['id']]}")
    await page.wait_for_selector("#team-table tbody tr")
    await page.select_option("#mentee", str(seller["id"]))
    await page.fill("#mentoring-form [name=points]", "15")
    await page.fill("#mentoring-form [name=note]", "Ran the pricing clinic")
    await page.click("#mentoring-form button[type=submit]")
    await page.wait_for_selector("#mentoring-result.ok")
    await page.wait_for_function("document.querySelector('#budget').textContent.startsWith('35')")
    assert (await api.board(category="mentoring"))[seller["id"]] == 15
    await page.select_option("#goal-form [name=metric]", "deals")
    await page.fill("#goal-form [name=target]", "10")
    await page.fill(f"#goal-form [name=target-{seller['id']}]", "4")
    await page.click("#goal-form button[type=submit]")
    await page.wait_for_selector("#goal-result.ok")
    goals = await api.get("/api/goals", team_id=site["vikings"]["id"])
    deals_goal = next(g for g in goals if g["metric"] == "deals")
    assert deals_goal["member_targets"][0]["member_id"] == seller["id"]
    await shot(page, "manage")


async def test_wrong_token_and_languages(browser, site):
    """A wrong token shows a clear message; ?lang=nb and ?lang=sv translate the page."""
    page = await browser.new_page()
    await page.goto(f"{site['server'].url}/tv?token=not-a-token")
    await page.wait_for_selector("#signin:not([hidden])")
    assert "revoked" in await page.locator("#signin-message").inner_text()
    seller_token = site["api"].tokens[site["seller"]["id"]]
    await page.goto(f"{site['server'].url}/board?lang=nb&token={seller_token}")
    await page.wait_for_selector("#team-board li")
    assert "Registrer en avtale" in await page.content()
    await page.goto(f"{site['server'].url}/board?lang=sv")
    assert "Registrera en affär" in await page.content()

