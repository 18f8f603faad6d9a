"""Contests on the pages, in a real headless Chromium against a real server: the TV shows a
running race, moves it live and celebrates its winner by name when a deal posted through
the API wins it, and shows a "most improved" score from nothing as the score; a seller
challenges a colleague on /board, the colleague (in bokmål, in a browser of their own)
accepts on theirs and both see it run; a manager starts "Meetings booked this week" from
its template on /manage, finds it in the list with the team's week in the org's time zone,
cancels it and caps the team's challenges. The contests parts of the three pages fit a TV,
a laptop and a phone in every language.

The browsers run in the org's time zone: the pages count days and weeks in the browser's
zone until the page config names the org's (``config.timezone``)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from service.web.i18n import LANGUAGES, TEXTS
from tests.conftest import ORG_TIMEZONE, Api, org_today
from tests.test_pages import shot, site  # noqa: F401 - the fixture
from tests.test_pages_layout import HEADER_PROBLEMS, LONG_NAME, layout_problems

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]

ZONE = ZoneInfo(ORG_TIMEZONE)
SCREENS = {"tv": (1920, 1080), "laptop": (1366, 768), "phone": (390, 844)}
TV_TURNS = ("teams", "members", "goals", "contests")


def at(moment: datetime) -> str:
    return moment.isoformat()


def this_week() -> tuple[datetime, datetime]:
    """Monday 00:00 of the org's ISO week, and the next Monday's."""
    monday = org_today() - timedelta(days=org_today().weekday())
    return (
        datetime.combine(monday, time(), ZONE),
        datetime.combine(monday + timedelta(days=7), time(), ZONE),
    )


async def contest(api: Api, name: str, format: str, days: float = 3, **body: Any) -> dict[str, Any]:
    """A contest running from a minute ago for ``days``."""
    now = datetime.now(ZONE)
    body = {
        "name": name,
        "format": format,
        "metric": "points",
        "starts_at": at(now - timedelta(minutes=1)),
        "ends_at": at(now + timedelta(days=days)),
        **body,
    }
    return (await api.post("/api/contests", body, expect=201)).json()


async def browser_page(browser: Any, screen: str = "laptop") -> tuple[Any, Any]:
    """A browser of its own (its own token in storage) in the org's time zone."""
    width, height = SCREENS[screen]
    phone = screen == "phone"
    context = await browser.new_context(
        viewport={"width": width, "height": height},
        timezone_id=ORG_TIMEZONE,
        is_mobile=phone,
        has_touch=phone,
    )
    return context, await context.new_page()


async def text_of(locator: Any) -> str:
    return " ".join((await locator.inner_text()).split())


async def test_tv_shows_a_race_live_and_celebrates_its_winner(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    seller, mate, vikings = site["seller"], site["mate"], site["vikings"]
    race = await contest(
        api,
        "Race to 50",
        "race",
        days=2,
        participants={"team_ids": [vikings["id"]], "by": "member"},
        target=50,
        prizes=[{"coins": 100, "description": "Cinema tickets"}],
    )
    assert race["state"] == "running"
    context, page = await browser_page(browser)
    await page.goto(f"{url}/tv?token={site['display']}&view=contests")
    head = page.locator("#contest .contest-head h2")
    await head.wait_for()
    await page.wait_for_selector("#status.live")
    assert await head.inner_text() == "Race to 50"
    assert await text_of(page.locator("#contest .about")) == "RACE · POINTS · TARGET 50"
    assert re.fullmatch(
        r"1 day \d\d:\d\d:\d\d", await page.locator("#contest .countdown b").inner_text()
    )
    rows = page.locator("#contest .contest-rows li")
    assert await rows.count() == 3  # the team's three players
    assert "Prize: 100 coins + Cinema tickets" in await text_of(
        page.locator("#contest .contest-prizes")
    )

    # thanks from Ola move the race live (kudos count as points): Kari leads
    kudos = {"to_member_id": mate["id"], "points": 5, "message": "Great demo"}
    await api.post("/api/kudos", kudos, token=api.tokens[seller["id"]], expect=201)
    await page.wait_for_function(
        "document.querySelector('#contest .contest-rows li .name').innerText"
        ".includes('Kari Hansen')",
        timeout=15_000,
    )
    assert await text_of(rows.first.locator(".score")) == "5 / 50"
    assert await rows.first.locator(".meter i").get_attribute("style") == "width:10%"
    await shot(page, "tv-contest-race")

    # Ola's deal takes him past 50: the race is won, and the TV says by whom
    await api.deal(seller["id"], 99_000)
    title = page.locator("#cele-title")
    await page.wait_for_function(
        "document.querySelector('#cele-title').textContent === 'WINNER!'", timeout=30_000
    )  # after the GOAL! of the deal itself
    assert await page.locator("#cele-name").inner_text() == "Ola Nordmann"
    assert await page.locator("#cele-team").inner_text() == "RACE TO 50"
    assert await page.locator("#cele-points").inner_text() == "100 coins + Cinema tickets"
    assert await title.is_visible()
    await page.wait_for_timeout(900)  # the entrance animation, for the picture
    await shot(page, "tv-contest-won")
    won = await api.get(f"/api/contests/{race['id']}")
    assert won["state"] == "settled" and [w["name"] for w in won["winners"]] == ["Ola Nordmann"]
    # over: the contests view has nothing running left to show
    await page.locator("#contest .empty").wait_for()
    assert await page.locator("#contest .empty").inner_text() == "No contest is running."
    await context.close()


async def test_an_improvement_shows_a_score_from_nothing_as_the_score(browser, site):  # noqa: F811
    """In a "most improved" contest, a participant with nothing in the period before
    ranks by its score against one point: the TV shows that score ("… (from 0)"), not
    thousands of percent; one with a score before shows its ratio."""
    api, url = site["api"], site["server"].url
    seller, vikings = site["seller"], site["vikings"]
    yesterday = datetime.now(ZONE) - timedelta(hours=12)  # in the day before the contest
    await api.deal(seller["id"], 20_000, closed_at=at(yesterday))
    newcomer = await api.member(vikings["id"], "Nora Dahl")  # joined after it
    found = await contest(
        api,
        "Most improved today",
        "improvement",
        days=1,
        participants={"member_ids": [seller["id"], newcomer["id"]]},
    )
    await api.deal(seller["id"], 40_000)
    await api.deal(newcomer["id"], 10_000)
    rows = {r["name"]: r for r in (await api.get(f"/api/contests/{found['id']}"))["standings"]}
    ola, nora = rows["Ola Nordmann"], rows["Nora Dahl"]
    assert ola["baseline"] > 0 and nora["baseline"] == 0 and nora["score"] == nora["value"]
    context, page = await browser_page(browser, "tv")
    await page.goto(f"{url}/tv?token={site['display']}&view=contests")
    await page.locator("#contest .contest-rows li").first.wait_for()
    shown = {}
    for row in await page.locator("#contest .contest-rows li").all():
        shown[await text_of(row.locator(".name b"))] = await text_of(row.locator(".score"))
    one_decimal = f"{nora['value']:.1f}".removesuffix(".0")  # as the TV writes scores
    assert shown["Nora Dahl"] == f"{one_decimal} (from 0)"
    expected = round(ola["score"] * 100)
    assert shown["Ola Nordmann"] == f"{expected:,} %" or shown["Ola Nordmann"] == f"{expected:,}%"
    await context.close()


async def test_a_challenge_is_sent_and_accepted_on_the_boards(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    seller, mate = site["seller"], site["mate"]
    # the colleague's board is open first, in bokmål: the challenge reaches it live
    kari_context, kari = await browser_page(browser, "phone")
    await kari.goto(f"{url}/board?token={api.tokens[mate['id']]}&lang=nb")
    await kari.locator("#my-contests li.empty").wait_for()
    await kari.wait_for_selector("#status.live")
    nb = TEXTS["nb"]
    assert await kari.locator("#my-contests li.empty").inner_text() == nb["no_contests_mine"]

    ola_context, ola = await browser_page(browser)
    await ola.goto(f"{url}/board?token={api.tokens[seller['id']]}")
    await ola.wait_for_selector("#status.live")
    form = ola.locator("#challenge-form")
    await form.locator("[name=opponent_id]").select_option(label="Kari Hansen")
    await form.locator("[name=metric]").select_option("deals_won")
    await form.locator("[name=ends]").select_option("week")
    await form.locator("[name=prize]").fill("The loser buys lunch")
    await form.locator("button[type=submit]").click()
    await ola.locator("#challenge-result.ok").wait_for()
    assert await ola.locator("#challenge-result").inner_text() == (
        "Challenge sent: it starts once Kari Hansen accepts."
    )
    (sent,) = await api.get("/api/contests", state="proposed", member_id=seller["id"])
    assert sent["challenge"] and sent["format"] == "head_to_head" and sent["metric"] == "deals_won"
    assert datetime.fromisoformat(sent["ends_at"]) == this_week()[1]  # the org's Monday
    assert [p["description"] for p in sent["prizes"]] == ["The loser buys lunch"]
    mine = ola.locator(f"#my-contests li[data-contest='{sent['id']}']")
    assert "Waiting for Kari Hansen to answer." in await text_of(mine)

    # Kari's page: the challenge, with Accept and Decline, in her language
    theirs = kari.locator(f"#my-contests li[data-contest='{sent['id']}']")
    await theirs.wait_for(timeout=15_000)
    text = await text_of(theirs)
    assert "Ola Nordmann utfordrer deg!" in text and "Premie: The loser buys lunch" in text
    assert nb["contest_state_proposed"] in text and nb["format_head_to_head"] in text
    assert await theirs.locator("[data-act=decline]").inner_text() == nb["decline"]
    await shot(kari, "board-challenge-to-answer")
    await theirs.locator("[data-act=accept]").click()
    await kari.locator("#contests-result.ok").wait_for()
    assert "Lykke til!" in await kari.locator("#contests-result").inner_text()
    await theirs.locator(".tug-line").wait_for()
    assert nb["contest_state_running"] in await text_of(theirs)
    assert "Du: nr. 1 av 2 · 0" in await text_of(theirs)

    # Ola's page follows live: it runs, the rope between the two
    await ola.wait_for_function(
        f"document.querySelector(\"#my-contests li[data-contest='{sent['id']}']\")"
        ".innerText.includes('Running')",
        timeout=15_000,
    )
    await mine.locator(".tug-line").wait_for()
    assert "You: #1 of 2 · 0" in await text_of(mine)
    assert (await api.get(f"/api/contests/{sent['id']}"))["state"] == "running"
    await shot(ola, "board-challenge-running")
    # a deal moves it on both pages: Ola leads the head-to-head by one deal won
    await api.deal(seller["id"], 10_000)
    for page, line in ((ola, "You: #1 of 2 · 1"), (kari, "Du: nr. 2 av 2 · 0")):
        await page.wait_for_function(
            f"document.querySelector(\"#my-contests li[data-contest='{sent['id']}'] .contest-me\")"
            f".innerText.includes({line!r})",
            timeout=15_000,
        )
    await kari_context.close()
    await ola_context.close()


async def test_a_manager_starts_a_contest_from_a_template(browser, site):  # noqa: F811
    api, url = site["api"], site["server"].url
    manager, mate, vikings = site["manager"], site["mate"], site["vikings"]
    meetings = {"key": "meetings", "name": "Meetings booked", "points_per_unit": 1}
    await api.post("/api/metrics", meetings, expect=201)
    item = {"member_id": mate["id"], "metric": "meetings", "value": 3}
    await api.post("/api/activities", item, expect=201)
    context, page = await browser_page(browser)
    await page.goto(f"{url}/manage?token={api.tokens[manager['id']]}")
    await page.locator("#contests-open li.empty").wait_for()
    await page.wait_for_selector("#status.live")
    assert await page.locator("#contest-templates [data-template=versus]").is_hidden()  # an admin's

    await page.locator("#contest-templates [data-template=meetings]").click()
    form = page.locator("#contest-form")
    assert await form.locator("[name=name]").input_value() == "Meetings booked this week"
    assert await form.locator("[name=format]").input_value() == "ranking"
    assert await form.locator("[name=metric]").input_value() == "activity:meetings"
    assert (
        await page.locator("#contest-format-hint").inner_text()
        == TEXTS["en"]["format_ranking_hint"]
    )
    assert await page.locator("#contest-filled").is_visible()
    await form.locator("[name=place1-coins]").fill("50")
    await form.locator("[name=place1-description]").fill("A team breakfast")
    assert await form.locator("[name=place3-coins]").is_visible()
    assert await form.locator("[name=target]").is_hidden()  # a ranking has no target
    await form.locator("button[type=submit]").click()
    await page.locator("#contest-result.ok").wait_for()
    assert (
        await page.locator("#contest-result").inner_text()
        == "Meetings booked this week is created."
    )

    (made,) = await api.get("/api/contests", state="running")
    start, end = this_week()  # the org's ISO week
    assert datetime.fromisoformat(made["starts_at"]) == start
    assert datetime.fromisoformat(made["ends_at"]) == end
    assert (made["format"], made["metric"]) == ("ranking", "activity:meetings")
    assert made["participants"] == {"team_ids": [vikings["id"]], "member_ids": [], "by": "member"}
    assert made["prizes"] == [{"coins": 50, "reward_id": None, "description": "A team breakfast"}]
    row = page.locator(f"#contests-open li[data-contest='{made['id']}']")
    await row.wait_for()
    text = await text_of(row)
    assert "Meetings booked this week" in text and "Running" in text
    assert "Ranking · Meetings booked" in text and "#1 Kari Hansen 3" in text  # counted already
    assert "Prize: 50 coins + A team breakfast" in text
    await shot(page, "manage-contests", full_page=True)

    # cancelled: off the running ones, among the ended as cancelled; nothing is paid
    await row.locator("[data-act=cancel]").click()
    await row.locator(".cancel-form [name=reason]").fill("Wrong week")
    await row.locator(".cancel-form button[type=submit]").click()
    await page.locator("#contests-result.ok").wait_for()
    assert await page.locator("#contests-open li.empty").is_visible()
    gone = page.locator(f"#contests-ended li[data-contest='{made['id']}']")
    await gone.wait_for()
    assert "Cancelled" in await text_of(gone)
    assert (await api.get(f"/api/contests/{made['id']}"))["state"] == "cancelled"

    # the team's cap on open challenges
    cap = page.locator("#cap-form")
    await cap.locator("[name=max_open]").fill("2")
    await cap.locator("button[type=submit]").click()
    await page.locator("#cap-result.ok").wait_for()
    assert await page.locator("#cap-result").inner_text() == "Saved: at most 2 open challenges."
    assert (await api.get(f"/api/teams/{vikings['id']}"))["challenge_cap"] == 2

    # an admin's contests: one over the whole org is the team's too (its players play in
    # it), one for another team is not
    everyone = await contest(api, "Org-wide sprint", "ranking")
    others = await contest(
        api, "Stockholm only", "ranking", participants={"team_ids": [site["rival"]["team_id"]]}
    )
    await page.locator(f"#contests-open li[data-contest='{everyone['id']}']").wait_for()
    assert await page.locator(f"#contests-open li[data-contest='{others['id']}']").count() == 0
    await context.close()


async def test_an_admin_pits_two_teams_in_swedish(browser, site):  # noqa: F811
    """The admin's team vs team template in Swedish: the form, the sides, the list."""
    api, url = site["api"], site["server"].url
    vikings = site["vikings"]
    gunners = next(t for t in await api.get("/api/teams") if t["nickname"] == "The Gunners")
    context, page = await browser_page(browser)
    await page.goto(f"{url}/manage?token={api.token}&team_id={vikings['id']}&lang=sv")
    await page.locator("#contests-open li.empty").wait_for()
    sv = TEXTS["sv"]
    versus = page.locator("#contest-templates [data-template=versus]")
    assert sv["tpl_versus"] in await versus.inner_text()
    await versus.click()
    form = page.locator("#contest-form")
    assert await form.locator("[name=name]").input_value() == sv["tpl_versus"]
    assert await form.locator("[name=side_a]").is_visible()
    await form.locator("[name=side_b]").select_option(str(gunners["id"]))
    await form.locator("[name=place1-coins]").fill("200")
    await form.locator("button[type=submit]").click()
    await page.locator("#contest-result.ok").wait_for()
    assert await page.locator("#contest-result").inner_text() == f"{sv['tpl_versus']} är skapad."
    (made,) = await api.get("/api/contests", state="running")
    assert made["format"] == "head_to_head" and made["metric"] == "revenue"
    assert [s["team_ids"] for s in made["sides"]] == [[vikings["id"]], [gunners["id"]]]
    assert [s["name"] for s in made["sides"]] == ["The Vikings", "The Gunners"]
    row = page.locator(f"#contests-open li[data-contest='{made['id']}']")
    await row.wait_for()
    text = await text_of(row)
    assert sv["contest_state_running"] in text and "Duell · Omsättning" in text
    assert "Pris: 200 mynt" in text
    await context.close()


async def seed_contests(api: Api, people: dict[str, Any]) -> dict[str, Any]:
    """A head-to-head of two teams with long names, tiers with long prizes, a race, the
    manager's upcoming ranking, a challenge waiting for the seller and one running, and a
    race won."""
    seller, mate, vikings = people["seller"], people["mate"], people["vikings"]
    teams = {t["nickname"]: t for t in await api.get("/api/teams")}
    gunners, rain = teams["The Gunners"], teams["The Rainmakers"]
    long = await api.member(vikings["id"], LONG_NAME)
    await api.deal(long["id"], 40_000)
    await api.deal(seller["id"], 25_000)
    cinema = (
        await api.post("/api/rewards", {"name": "Cinema tickets", "cost": 10}, expect=201)
    ).json()
    versus = await contest(
        api,
        "The Vikings against The Gunners and their friends: revenue all through November",
        "head_to_head",
        metric="revenue",
        sides=[
            {"name": "Nordlysets salgsmestere fra Trøndelag", "team_ids": [vikings["id"]]},
            {"name": "Stockholms bästa försäljare i hela Norden", "team_ids": [gunners["id"]]},
        ],
        prizes=[{"coins": 500, "reward_id": cinema["id"]}],
    )
    tiers = await contest(
        api,
        "Everybody can climb",
        "tiers",
        participants={"team_ids": [vikings["id"], rain["id"]], "by": "member"},
        tiers=[
            {"target": 10, "prize": {"coins": 10}},
            {"target": 40, "prize": {"coins": 40, "description": "Lunch with the whole team"}},
            {"target": 100, "prize": {"reward_id": cinema["id"], "description": "And a day off"}},
        ],
    )
    race = await contest(
        api,
        "First to 400",
        "race",
        participants={"team_ids": [vikings["id"]], "by": "member"},
        target=400,
        prizes=[{"coins": 100}],
    )
    now = datetime.now(ZONE)
    upcoming = {
        "name": "Next week's ranking",
        "format": "ranking",
        "metric": "deals_won",
        "starts_at": at(now + timedelta(days=2)),
        "ends_at": at(now + timedelta(days=9)),
        "participants": {"team_ids": [vikings["id"]], "by": "member"},
        "prizes": [{"coins": 30}, {"coins": 20}, {"coins": 10}],
    }
    await api.post("/api/contests", upcoming, token=api.tokens[people["manager"]["id"]], expect=201)
    won = await contest(
        api,
        "A race already won",
        "race",
        metric="deals_won",
        participants={"member_ids": [mate["id"], people["manager"]["id"]], "by": "member"},
        target=1,
        prizes=[{"coins": 5, "description": "Bragging rights"}],
    )
    await api.deal(mate["id"], 1_000)  # wins it
    ends = at(datetime.now(ZONE) + timedelta(days=2))
    mates = api.tokens[mate["id"]]
    waiting = (
        await api.post(
            "/api/challenges",
            {"opponent_id": seller["id"], "metric": "revenue", "ends_at": ends,
             "prize": {"description": "Kanelbullar åt hela kontoret på fredag morgon"}},
            token=mates,
            expect=201,
        )
    ).json()  # fmt: skip
    running = (
        await api.post(
            "/api/challenges",
            {"opponent_id": mate["id"], "metric": "points", "ends_at": ends},
            token=api.tokens[seller["id"]],
            expect=201,
        )
    ).json()
    await api.post(f"/api/challenges/{running['id']}/accept", {}, token=mates, expect=200)
    return {"versus": versus, "tiers": tiers, "race": race, "won": won, "waiting": waiting}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_contests_fit_the_screens(browser, site, lang):  # noqa: F811
    """The TV's contests (a head-to-head, tiers, a race; each a page), the seller's contests
    with a challenge to answer, and the coach's contests card with its form, lists and
    winners fit a TV, a laptop and a phone: nothing cut off, no sideways scroll."""
    api, url = site["api"], site["server"].url
    seeded = await seed_contests(api, site)
    won = await api.get(f"/api/contests/{seeded['won']['id']}")
    assert won["state"] == "settled" and won["winners"]
    problems: dict[str, list[str]] = {}
    running = await api.get("/api/contests", state="running")
    turns = sorted(running, key=lambda c: (datetime.fromisoformat(c["ends_at"]), c["id"]))
    assert len(turns) == 4  # the challenge, the head-to-head, the tiers, the race
    for screen in SCREENS:
        context, page = await browser_page(browser, screen)
        await page.goto(f"{url}/tv?token={site['display']}&view=contests&lang={lang}")
        for turn in turns:  # a page each, the soonest to end first
            await page.wait_for_selector(f"#contest[data-contest='{turn['id']}'] .contest-head")
            await page.evaluate("document.fonts.ready")
            found = await layout_problems(page, f"tv-contest-{turn['id']}-{screen}-{lang}", True)
            if found:
                problems[f"tv {turn['format']} {screen}"] = found
            await page.keyboard.press("ArrowRight")
        await context.close()
        if screen != "phone":  # a phone-sized TV shows no tabs
            context, page = await browser_page(browser, screen)
            await page.goto(f"{url}/tv?token={site['display']}&lang={lang}")
            tab = page.locator("#tabs [data-for=contests]")
            await page.wait_for_function(
                "document.querySelector('#tabs [data-for=contests] .pages').textContent === '1/4'"
            )
            for _ in range(len(TV_TURNS)):  # teams, members, goals, then contests
                if await tab.evaluate("(tab) => tab.classList.contains('on')"):
                    break
                await page.keyboard.press("ArrowRight")
            await page.wait_for_selector("#contest .contest-head")
            assert await tab.inner_text() == f"{TEXTS[lang]['contests']}1/4"
            found = await page.evaluate(HEADER_PROBLEMS)
            found += await layout_problems(page, f"tv-contests-tab-{screen}-{lang}", True)
            if found:
                problems[f"tv tabs {screen}"] = found
            await context.close()

        if screen == "tv":
            continue  # /board and /manage are for laptops and phones
        context, page = await browser_page(browser, screen)
        await page.goto(f"{url}/board?token={api.tokens[site['seller']['id']]}&lang={lang}")
        await page.locator(
            f"#my-contests li[data-contest='{seeded['waiting']['id']}'] [data-act=accept]"
        ).wait_for()
        await page.locator("#my-contests .tug-line").first.wait_for()
        await page.locator("#contests-card").scroll_into_view_if_needed()
        found = await layout_problems(page, f"board-contests-{screen}-{lang}")
        if found:
            problems[f"board {screen}"] = found
        await context.close()

        context, page = await browser_page(browser, screen)
        await page.goto(f"{url}/manage?token={api.tokens[site['manager']['id']]}&lang={lang}")
        await page.locator("#contests-ended .winners").first.wait_for()
        await page.locator("#contests-open li[data-contest] [data-act=cancel]").first.wait_for()
        await page.locator("#contest-format").select_option("tiers")
        # the other cards are other tests' (the team table scrolls within its box, by
        # design, with the long name on this team)
        await page.evaluate(
            "document.querySelectorAll('#app > .card:not(#contests-card)')"
            ".forEach((card) => { card.hidden = true; })"
        )
        await page.locator("#contests-card").scroll_into_view_if_needed()
        found = await layout_problems(page, f"manage-contests-{screen}-{lang}")
        if found:
            problems[f"manage {screen}"] = found
        await context.close()
    assert problems == {}, "\n".join(f"{where}: {p}" for where, ps in problems.items() for p in ps)
