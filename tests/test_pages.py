"""The pages in a real headless Chromium (Debian's), against real ``huddle serve`` processes.

Waits are bounded and nothing asserts on timing. Screenshots of the three pages land in
test-output/screenshots/; the TV one is copied to docs/tv.png for the README.
"""

import json
import os
import shutil
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT, Api

SHOTS = ROOT / "test-output" / "screenshots"
pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.fixture
async def site(start_server: Any) -> Any:
    """A server with a season, three teams with nicknames and colours, players, a goal
    with member goals, some history, and tokens for each role."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        season = await api.season(name="Q4")
        vikings = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
        gunners = await api.team("Stockholm", nickname="The Gunners", color="#0a5ca8")
        rain = await api.team("Bergen", nickname="The Rainmakers", color="#2e8b57")
        manager = await api.member(vikings["id"], "Ingrid Berg", role="manager")
        seller = await api.member(vikings["id"], "Ola Nordmann")
        mate = await api.member(vikings["id"], "Kari Hansen")
        rival = await api.member(gunners["id"], "Astrid Lind")
        await api.member(gunners["id"], "Erik Svensson")
        await api.member(rain["id"], "Henrik Moe")
        await api.post(
            "/api/goals",
            {
                "team_id": vikings["id"],
                "season_id": season["id"],
                "metric": "revenue",
                "target": 200_000,
                "member_targets": [{"member_id": seller["id"], "target": 100_000}],
            },
            expect=201,
        )
        await api.deal(rival["id"], 30_000)
        await api.post(
            "/api/kudos",
            {
                "to_member_id": seller["id"],
                "points": 2,
                "message": "Perfect intro to their CFO",
                "strength": "closer",
            },
            token=api.tokens[mate["id"]],
            expect=201,
        )
        yield {
            "server": server,
            "start_server": start_server,
            "api": api,
            "display": await api.role_token("display"),
            "season": season,
            "seller": seller,
            "mate": mate,
            "manager": manager,
            "rival": rival,
            "vikings": vikings,
        }


async def shot(page: Any, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if full_page:
        await page.evaluate("window.scrollTo(0, 0)")  # the sticky header belongs on top
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


async def test_tv_shows_a_deal_and_its_celebration(browser, site):
    """A deal posted through the API shows on the TV with its GOAL! overlay, no reload."""
    page = await browser.new_page(viewport={"width": 1600, "height": 900})
    await page.goto(f"{site['server'].url}/tv?token={site['display']}")
    await page.wait_for_selector("#status.live")
    assert "token=" not in page.url  # kept in the browser, not left in the address bar
    teams = await page.locator("#teams").inner_text()
    assert "The Gunners" in teams and "The Vikings" in teams
    await site["api"].deal(site["seller"]["id"], 50_000, assists=[site["mate"]["id"]])
    overlay = page.locator("#celebration")
    await overlay.wait_for(state="visible", timeout=10_000)
    assert await page.locator("#cele-title").inner_text() == "GOAL!"
    assert await page.locator("#cele-name").inner_text() == "Ola Nordmann"
    assert await page.locator("#cele-team").inner_text() == "THE VIKINGS"  # shown in capitals
    assert "Kari Hansen" in await page.locator("#cele-extra").inner_text()
    assert "+65 points" in await page.locator("#cele-points").inner_text()
    await page.wait_for_timeout(900)  # let the entrance animation settle for the picture
    await shot(page, "tv-goal")
    await overlay.wait_for(state="hidden", timeout=20_000)
    await page.wait_for_function(
        "document.querySelector('#teams li').innerText.includes('The Vikings')"
    )
    await shot(page, "tv")
    readme_shot = ROOT / "docs" / "tv.png"
    if os.environ.get("HUDDLE_DOCS_SCREENSHOT") or not readme_shot.exists():
        shutil.copyfile(SHOTS / "tv.png", readme_shot)  # not every run: it is committed
    for view in ("members", "goals", "feed"):
        await page.goto(f"{site['server'].url}/tv?view={view}")
        await page.wait_for_selector(f"section[data-view={view}]:not([hidden])")
        await page.wait_for_selector("#status.live")
        await shot(page, f"tv-{view}")
    assert "Ola Nordmann" in await page.locator("#feed").inner_text()


async def test_tv_marks_stale_and_recovers(browser, site):
    """When the server goes away the TV says so; when it returns the TV catches up alone,
    with one socket open at a time."""
    server = site["server"]
    page = await browser.new_page(viewport={"width": 1280, "height": 720})
    sockets: list[Any] = []
    page.on("websocket", lambda ws: sockets.append(ws))
    await page.goto(f"{server.url}/tv?token={site['display']}")
    await page.wait_for_selector("#status.live")
    server.stop()
    await page.wait_for_selector("#status.stale", timeout=15_000)
    status = await page.locator("#status").inner_text()
    assert "Reconnecting" in status and "last update" in status
    await shot(page, "tv-stale")
    site["start_server"](port=server.port)
    await page.wait_for_selector("#status.live", timeout=45_000)
    await site["api"].deal(site["seller"]["id"], 10_000)
    await page.locator("#celebration").wait_for(state="visible", timeout=10_000)
    assert sum(not ws.is_closed() for ws in sockets) == 1
    # every socket, the first and each reconnect, opened with a one-time ticket, never
    # with the token (a websocket URL is what servers and proxies log)
    assert len(sockets) >= 2
    assert all("ticket=hlt_" in ws.url and "token=" not in ws.url for ws in sockets)


async def test_seller_logs_a_deal_tells_its_story_and_gives_kudos(browser, site):
    """The seller's forms work end to end; the allowance is shown and errors are in words."""
    api, seller, mate = site["api"], site["seller"], site["mate"]
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{site['server'].url}/board?token={api.tokens[seller['id']]}")
    await page.wait_for_selector("#team-board li")
    assert await page.locator(f"#assists input[value='{seller['id']}']").count() == 0  # never me
    await page.fill("#deal-form [name=customer]", "Equinor")
    await page.fill("#deal-form [name=amount]", "40000")
    await page.check(f"#assists input[value='{mate['id']}']")
    await page.click("#deal-form button[type=submit]")
    await page.wait_for_selector("#deal-result.ok")
    won = (await api.get("/api/feed", kind="deal.won"))["entries"][0]
    assert won["data"]["customer"] == "Equinor" and won["data"]["assists"] == [mate["id"]]
    await page.wait_for_function("document.querySelector('#my-rank').textContent === '#1'")
    # its story, next: the deal waits in "Stories to tell", its form open and focused
    item = page.locator(f"#stories li[data-deal='{won['data']['deal_id']}']")
    await item.locator("details[open] textarea:focus").wait_for()
    await page.keyboard.type("We ran a pilot with their field team first.")
    await item.locator("button[type=submit]").click()
    await item.wait_for(state="detached")
    story = (await api.get("/api/feed", kind="story.posted"))["entries"][0]
    assert story["member_id"] == seller["id"]
    assert await page.locator("#stories-card").is_hidden()

    assert await page.locator("#allowance").inner_text() == "10 / 10"
    await page.select_option("#kudos-to", str(mate["id"]))
    await page.fill("#kudos-form [name=points]", "3")
    await page.fill("#kudos-form [name=message]", "Great demo prep")
    await page.select_option("#strength", "coach")
    await page.click("#kudos-form button[type=submit]")
    await page.wait_for_selector("#kudos-result.ok")
    await page.wait_for_function("document.querySelector('#allowance').textContent === '7 / 10'")
    assert (await api.get(f"/api/members/{mate['id']}/profile"))["strengths"] == {"coach": 1}
    await page.fill("#kudos-form [name=points]", "5")
    await page.fill("#kudos-form [name=message]", "Again")
    await page.click("#kudos-form button[type=submit]")
    await page.wait_for_selector("#kudos-result.error")
    assert "same teammate" in await page.locator("#kudos-result").inner_text()
    await page.wait_for_function("document.querySelector('#feed').innerText.includes('Equinor')")
    await shot(page, "board", full_page=True)


async def test_assists_are_capped_at_three(browser, site):
    """The deal form lets a seller pick at most three assists."""
    api, seller = site["api"], site["seller"]
    for name in ("Sigurd Bakke", "Nora Lie"):  # four teammates to choose from
        await api.member(site["vikings"]["id"], name)
    page = await browser.new_page()
    await page.goto(f"{site['server'].url}/board?token={api.tokens[seller['id']]}")
    await page.wait_for_selector("#assists input")
    boxes = page.locator("#assists input")
    for i in range(3):
        await boxes.nth(i).check()
    assert await boxes.nth(3).is_disabled()


async def test_manager_awards_mentoring_and_sets_a_goal(browser, site):
    """The coach's forms award mentoring (budget shown) and set a goal with member goals."""
    api, manager, seller = site["api"], site["manager"], site["seller"]
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{site['server'].url}/manage?token={api.tokens[manager['id']]}")
    await page.wait_for_selector("#team-table tbody tr")
    # the budget loads beside the table, not before it: wait for it, not for the table
    await page.wait_for_function("document.querySelector('#budget').textContent === '50 / 50'")
    await page.select_option("#mentee", str(seller["id"]))
    await page.fill("#mentoring-form [name=points]", "15")
    await page.fill("#mentoring-form [name=note]", "Ran the pricing clinic")
    await page.click("#mentoring-form button[type=submit]")
    await page.wait_for_selector("#mentoring-result.ok")
    await page.wait_for_function("document.querySelector('#budget').textContent === '35 / 50'")
    assert (await api.board(category="mentoring"))[seller["id"]] == 15
    await page.select_option("#goal-form [name=metric]", "deals")
    await page.fill("#goal-form [name=target]", "10")
    await page.fill(f"#goal-form [name=target-{seller['id']}]", "4")
    await page.click("#goal-form button[type=submit]")
    await page.wait_for_selector("#goal-result.ok")
    goals = await api.get("/api/goals", team_id=site["vikings"]["id"])
    deals_goal = next(g for g in goals if g["metric"] == "deals")
    assert deals_goal["target"] == 10
    assert [(m["member_id"], m["target"]) for m in deals_goal["member_targets"]] == [
        (seller["id"], 4)
    ]
    await page.wait_for_function("document.querySelectorAll('#team-goals .goal-card').length === 2")
    await shot(page, "manage", full_page=True)


async def test_an_admin_picks_the_team_in_view_at_the_top(browser, site):
    """An admin's /manage shows every team's deals until a team is picked in the header;
    the team's view follows, and "All teams" goes back."""
    api, url, vikings = site["api"], site["server"].url, site["vikings"]
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(f"{url}/manage?token={api.token}")
    pick = page.locator("#who select#team-pick")
    await pick.wait_for()
    assert await page.locator("#page-message").inner_text() == (
        "Every team's deals, contests and rewards, the seasons and the CRM connections. "
        "Pick a team at the top for its players, goals and losses."
    )
    assert await pick.locator("option").all_inner_texts() == [
        "All teams",
        "The Gunners",
        "The Rainmakers",
        "The Vikings",
    ]
    assert await page.locator("#team-table").is_hidden()
    await pick.select_option(str(vikings["id"]))
    await page.wait_for_url(f"**/manage?team_id={vikings['id']}")
    await page.wait_for_selector("#team-table tbody tr")
    assert await page.locator("#page-message").is_hidden()
    assert await page.locator("#team-pick").input_value() == str(vikings["id"])
    await page.locator("#team-pick").select_option("")
    await page.wait_for_url("**/manage")
    await page.locator("#page-message:not([hidden])").wait_for()
    await page.close()


# counts every time the TV's celebration overlay is shown, from now on
WATCH_CELEBRATIONS = """() => {
  window.celebrations = 0;
  const box = document.getElementById("celebration");
  new MutationObserver(() => { if (!box.hidden) window.celebrations += 1; })
    .observe(box, { attributes: true, attributeFilter: ["hidden", "class"] });
}"""
TV_SCORE = """([name, score]) => [...document.querySelectorAll('#members li')].some((li) =>
  li.querySelector('.name b').textContent === name
  && Number(li.querySelector('.score').textContent.replace(/,/g, '')) === score)"""


async def test_manager_corrects_and_reverses_deals_and_the_tv_does_not_cheer(browser, site):
    """On /manage a manager corrects a deal's amount (the boards re-score it) and reverses
    another with a reason: the open TV takes the points off its board and says so in its
    feed, without a celebration. A refusal shows the API's reason in the form."""
    api, manager, seller = site["api"], site["manager"], site["seller"]
    url = site["server"].url
    telenor = (await api.deal(seller["id"], 20_000, customer="Telenor")).json()["deal"]
    equinor = (await api.deal(seller["id"], 40_000, customer="Equinor")).json()["deal"]
    statoil = (await api.deal(seller["id"], 15_000, outcome="lost", customer="Statoil")).json()
    statoil = statoil["deal"]

    tv = await browser.new_page(viewport={"width": 1600, "height": 900})
    await tv.goto(f"{url}/tv?token={site['display']}&view=feed")
    await tv.wait_for_selector("#status.live")
    await tv.evaluate(WATCH_CELEBRATIONS)
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    rows = page.locator("#deals li[data-deal]")
    await rows.first.wait_for()
    assert await rows.count() == 3  # the team's deals only, newest first
    assert "Statoil" in await rows.first.inner_text()

    # a correction: 20 000 → 50 000 is 30 points more, 80 % of them the seller's (and the
    # seller's goal of 100 000 stays out of reach: nothing to celebrate)
    before = (await api.board())[seller["id"]]
    row = page.locator(f"#deals li[data-deal='{telenor['id']}']")
    await row.locator("[data-act=correct]").click()
    assert await row.locator("[name=seller_id]").input_value() == str(seller["id"])
    await row.locator("[name=amount]").fill("50000")
    await row.locator("[name=reason]").fill("A typo in the amount")
    await row.locator("button[type=submit]").click()
    await page.wait_for_selector("#deals-result.ok")
    assert "Telenor" in await page.locator("#deals-result").inner_text()
    assert (await api.board())[seller["id"]] == before + 24
    fix = (await api.get("/api/feed", kind="deal.reversed", limit=1))["entries"][0]
    assert fix["data"]["correction"] is True and fix["data"]["reason"] == "A typo in the amount"
    assert fix["data"]["amount"] == 20_000  # only the amount was sent: the rest stands
    rescore = (await api.get("/api/feed", kind="deal.won", limit=1))["entries"][0]
    assert rescore["data"]["rescores"] == fix["seq"] and rescore["member_id"] == seller["id"]
    await page.wait_for_function(
        f"document.querySelector(\"#deals li[data-deal='{telenor['id']}']\").innerText"
        ".includes('50,000')"
    )
    assert "Corrected" in await row.inner_text()
    await tv.wait_for_function("document.querySelector('#feed').innerText.includes('Corrected:')")
    assert (
        "Ingrid Berg corrected Ola Nordmann's deal with Telenor"
        in await tv.locator("#feed").inner_text()
    )

    # a reversal, with its reason
    row = page.locator(f"#deals li[data-deal='{equinor['id']}']")
    await row.locator("[data-act=reverse]").click()
    await row.locator("[name=reason]").fill("Logged twice")
    await row.locator("button[type=submit]").click()
    await page.wait_for_selector(f"#deals li.reversed[data-deal='{equinor['id']}']")
    assert "Equinor" in await page.locator("#deals-result").inner_text()
    reversed_row = page.locator(f"#deals li[data-deal='{equinor['id']}']")
    assert "Logged twice" in await reversed_row.inner_text()
    assert await reversed_row.locator("button").count() == 0  # nothing more to do with it
    after = (await api.board())[seller["id"]]
    assert after == before + 24 - 40
    await tv.wait_for_function(
        "document.querySelector('#feed').innerText"
        '.includes("Ingrid Berg reversed Ola Nordmann\'s deal with Equinor: Logged twice")'
    )
    await tv.wait_for_function(TV_SCORE, arg=["Ola Nordmann", after])
    # the update was handled (the feed shows it): a celebration would have started with it
    assert await tv.evaluate("window.celebrations") == 0
    assert await tv.locator("#celebration").is_hidden()
    await shot(tv, "tv-reversal")

    # refused: reversed meanwhile elsewhere; the form says why, the list then shows it
    row = page.locator(f"#deals li[data-deal='{statoil['id']}']")
    await row.locator("[data-act=reverse]").click()
    await api.post(f"/api/deals/{statoil['id']}/reverse", {"reason": "Duplicate"}, expect=201)
    await row.locator("[name=reason]").fill("Not ours")
    await row.locator("button[type=submit]").click()
    await row.locator(".deal-form .result.error").wait_for()
    assert "already reversed" in await row.locator(".deal-form .result").inner_text()
    await row.locator("[data-act=cancel]").click()
    await page.wait_for_selector(f"#deals li.reversed[data-deal='{statoil['id']}']")
    await shot(page, "manage-deals", full_page=True)


async def test_wrong_and_revoked_tokens_ask_again(browser, site):
    """A wrong token shows a clear message and the token field; a good one then works;
    revoking it closes the TV's socket and asks again."""
    api, url = site["api"], site["server"].url
    page = await browser.new_page()
    await page.goto(f"{url}/tv?token=not-a-token")
    await page.wait_for_selector("#signin:not([hidden])")
    assert "revoked" in await page.locator("#signin-message").inner_text()
    created = (
        await api.post("/api/tokens", {"role": "display", "label": "lobby"}, expect=201)
    ).json()
    await page.fill("#signin-token", created["token"])
    await page.click("#signin-form button[type=submit]")
    await page.wait_for_selector("#status.live")
    assert await page.locator("#signin").is_hidden()
    await api.call("DELETE", f"/api/tokens/{created['id']}", expect=204)
    await page.wait_for_selector("#signin:not([hidden])", timeout=15_000)
    assert "revoked" in await page.locator("#signin-message").inner_text()
    board = await browser.new_page()
    await board.goto(f"{url}/board?token=nope")
    await board.wait_for_selector("#signin:not([hidden])")
    assert await board.locator("#signin-message").inner_text()


async def test_languages(browser, site):
    """?lang=nb and Accept-Language: sv translate the pages and format numbers locally."""
    url, api = site["server"].url, site["api"]
    page = await browser.new_page()
    await page.goto(f"{url}/tv?lang=nb&token={site['display']}")
    await page.wait_for_selector("#status.live")
    assert await page.locator("#status").inner_text() == "Direkte"
    assert "Lagtabellen" in await page.locator("#tabs").inner_text()
    assert "PER SPILLER" in await page.locator("#teams").inner_text()
    activity = {
        "kind": "activity",
        "member_name": "Ann",
        "data": {"metric": "calls", "value": 3, "points": 6},
        "awards": [],
    }
    describe = "([e, names]) => Huddle.describe(e, new Map(), new Map(names))"
    line = await page.evaluate(describe, [activity, [["calls", "Samtaler"]]])
    assert line == "<b>Ann</b> registrerte 3 × Samtaler (+6)"
    await page.goto(f"{url}/board?lang=nb&token={api.tokens[site['seller']['id']]}")
    await page.wait_for_selector("#team-board li")
    assert "Registrer en avtale" in await page.content()
    assert "Gi skryt" in await page.content()
    vikings = next(
        t
        for t in (await api.get("/api/leaderboards/teams"))["entries"]
        if t["team_id"] == site["vikings"]["id"]
    )
    score = f"{vikings['score']:g}".replace(".", ",")  # 2 kudos points over 3: a decimal comma
    assert "," in score
    await page.wait_for_function(f"document.querySelector('#teams').innerText.includes('{score}')")
    swedish = await browser.new_page(extra_http_headers={"Accept-Language": "sv-SE,sv;q=0.9"})
    await swedish.goto(f"{url}/manage")
    assert "Ge mentorpoäng" in await swedish.content()
    line = await swedish.evaluate(describe, [activity, []])  # a metric not known by name
    assert line == "<b>Ann</b> registrerade 3 × calls (+6)"
    assert await swedish.get_attribute("html", "lang") == "sv"


async def test_api_documentation_works_offline(browser, start_server):
    """Redoc at /schema and Swagger UI at /schema/swagger render with every request to
    anything but Huddle itself refused: their scripts are served from static/vendor."""
    server = start_server()
    page = await browser.new_page(viewport={"width": 1366, "height": 768})
    outside: list[str] = []

    async def only_huddle(route: Any) -> None:
        if route.request.url.startswith(server.url):
            await route.continue_()
        else:
            outside.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_huddle)
    await page.goto(f"{server.url}/schema/swagger")
    await page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)
    assert "/api/deals" in await page.locator(".swagger-ui").inner_text()
    await page.goto(f"{server.url}/schema")
    await page.wait_for_selector("[data-section-id]", timeout=20_000)
    assert "Huddle" in await page.title() or "Huddle" in await page.content()
    assert outside == []


async def test_seller_logs_activities_on_the_board(browser, site):
    """With activity metrics defined, /board shows the team's metric boards and a form to
    log activities; the points and the daily cap are said in words, and a teammate's
    activity from elsewhere moves the board live."""
    api, seller, mate = site["api"], site["seller"], site["mate"]
    page = await browser.new_page(viewport={"width": 1280, "height": 1000})
    await page.goto(f"{site['server'].url}/board?token={api.tokens[seller['id']]}")
    await page.wait_for_selector("#team-board li")
    assert await page.locator("#activity-card").is_hidden()  # no metrics: no card
    metric = {"key": "calls", "name": "Calls made", "points_per_unit": 1, "daily_cap": 5}
    await api.post("/api/metrics", metric, expect=201)
    await page.reload()
    await page.wait_for_selector("#activity-card:not([hidden])")
    await page.fill("#activity-form [name=value]", "4")
    await page.click("#activity-form button[type=submit]")
    await page.wait_for_selector("#activity-result.ok")
    assert "+4" in await page.locator("#activity-result").inner_text()
    await page.click("#activity-form button[type=submit]")  # 4 more: 1 point left today
    await page.wait_for_function(
        "document.querySelector('#activity-result').innerText.includes('+1')"
    )
    await page.click("#activity-form button[type=submit]")
    await page.wait_for_function(
        "document.querySelector('#activity-result').innerText.includes('used up')"
    )
    await page.wait_for_function(
        "document.querySelector('#metric-boards li.me .score').textContent === '12'"
    )
    await api.post("/api/activities", {"metric": "calls", "value": 20}, api.tokens[mate["id"]])
    scores = "[...document.querySelectorAll('#metric-boards li .score')]"
    await page.wait_for_function(f"{scores}.some((s) => s.textContent === '20')")
    # the feed says what was logged, in words, and keeps only the three newest of the four
    await page.wait_for_function("document.querySelector('#feed').innerText.includes('Kari')")
    lines = await page.eval_on_selector_all(
        "#feed li:has(.k-activity) span", "spans => spans.map((s) => s.textContent)"
    )
    assert lines == [
        "Kari Hansen logged 20 × Calls made (+5)",
        "Ola Nordmann logged 4 × Calls made",  # over the daily cap: no points
        "Ola Nordmann logged 4 × Calls made (+1)",
    ]
    assert "Perfect intro" in await page.locator("#feed").inner_text()


METRICS = (
    {"key": "calls", "name": "Calls made", "points_per_unit": 1, "daily_cap": 10},
    {"key": "meetings", "name": "Meetings booked", "points_per_unit": 5},
    {"key": "demos", "name": "Demos held", "points_per_unit": 3},
)
# the activity view's title and its rows as [name, team, count]
TV_ACTIVITY = """() => [document.querySelector('#activity-title').textContent,
  [...document.querySelectorAll('#activity li:not(.empty)')].map((li) => [
    li.querySelector('.name b').textContent, li.querySelector('.name small').textContent,
    li.querySelector('.score').textContent])]"""
# whether the activity view shows exactly this (a metric's name and rows); call with the value
SHOWS_ACTIVITY = f"((want) => JSON.stringify(({TV_ACTIVITY})()) === JSON.stringify(want))"


async def test_tv_shows_activity_boards_live(browser, site):
    """With activity metrics, ?view=activity turns through one board per metric that has
    counts (one without is skipped), fetched with the TV's token; an activity logged while
    the TV is open moves its count, one fetch for a burst, and neither the TV's feed nor
    its celebrations take any notice. ?team_id= shows the team's players only."""
    api, url = site["api"], site["server"].url
    seller, mate, rival = site["seller"], site["mate"], site["rival"]
    for metric in METRICS:
        await api.post("/api/metrics", metric, expect=201)
    for member, metric, value in ((seller, "calls", 7), (rival, "calls", 3), (mate, "meetings", 2)):
        body = {"metric": metric, "value": value}
        await api.post("/api/activities", body, api.tokens[member["id"]], expect=201)

    tv = await browser.new_page(viewport={"width": 1600, "height": 900})
    fetched: list[str] = []
    tv.on(
        "request",
        lambda r: fetched.append(r.url) if "metric=calls" in r.url else None,
    )
    await tv.goto(f"{url}/tv?token={site['display']}&view=activity&rotate=5")
    await tv.wait_for_selector("#status.live")
    await tv.evaluate(WATCH_CELEBRATIONS)
    await tv.wait_for_function(f"({TV_ACTIVITY})()[0] === 'Calls made'")
    assert await tv.evaluate(TV_ACTIVITY) == [
        "Calls made",
        [["Ola Nordmann", "The Vikings", "7"], ["Astrid Lind", "The Gunners", "3"]],
    ]
    tabs = await tv.eval_on_selector_all(
        "#tabs > span:not([hidden])", "tabs => tabs.map((t) => t.textContent)"
    )
    assert tabs == ["Calls made", "Meetings booked"]  # no demos yet, and only the metrics
    await shot(tv, "tv-activity")
    # the rotation moves on to the next metric with counts
    meetings = ["Meetings booked", [["Kari Hansen", "The Vikings", "2"]]]
    await tv.wait_for_function(f"{SHOWS_ACTIVITY}({json.dumps(meetings)})")

    # a burst of activities while the TV is open: the counts move, for one fetch or two
    before = len(fetched)
    items = [{"metric": "calls", "member_id": rival["id"]} for _ in range(6)]
    await api.post("/api/activities", {"items": items}, expect=200)
    calls = [
        "Calls made",
        [["Astrid Lind", "The Gunners", "9"], ["Ola Nordmann", "The Vikings", "7"]],
    ]
    await tv.wait_for_function(f"{SHOWS_ACTIVITY}({json.dumps(calls)})", timeout=20_000)
    await tv.wait_for_timeout(1000)
    assert 1 <= len(fetched) - before <= 2, fetched[before:]
    # a metric's first count adds it to the rotation
    await api.post("/api/activities", {"metric": "demos", "value": 4}, api.tokens[mate["id"]])
    await tv.wait_for_selector("#tabs > [data-for='metric:demos']:not([hidden])", timeout=15_000)
    feed = await tv.locator("#feed").text_content() or ""
    assert "logged" not in feed and "activity" not in feed
    assert await tv.evaluate("window.celebrations") == 0

    team = await browser.new_page(viewport={"width": 1600, "height": 900})
    gunners = rival["team_id"]
    await team.goto(f"{url}/tv?token={site['display']}&view=activity&team_id={gunners}")
    await team.wait_for_function(f"({TV_ACTIVITY})()[0] === 'Calls made'")
    assert await team.evaluate(TV_ACTIVITY) == ["Calls made", [["Astrid Lind", "The Gunners", "9"]]]
