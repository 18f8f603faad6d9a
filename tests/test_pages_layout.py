"""The pages fit the screens they are shown on, in every language, in a real Chromium.

One server, one database and one browser serve the whole module (the pages only read
what the module's scenario seeded, except the last test). Each page is opened at a TV
(1920×1080), a laptop (1366×768) and a phone (390×844) in English, bokmål and Swedish,
and ``tests/js/layout_problems.js`` lists what does not fit: a page that scrolls sideways,
text cut off by a box or the screen, and a deliberately shortened name ("…") that had room
to be shown in full or that does not carry its full text in ``title``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from service.web.i18n import LANGUAGES, TEXTS
from tests.conftest import ROOT, Api, Server, chromium, make_settings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
    pytest.mark.asyncio(loop_scope="module"),
]
SHOTS = ROOT / "test-output" / "screenshots" / "layout"
VIEWPORTS = {"tv": (1920, 1080), "laptop": (1366, 768), "phone": (390, 844)}
SCREENS = {**VIEWPORTS, "hd": (1280, 720)}  # the smallest TV, for the header's tabs
TV_VIEWS = ("teams", "members", "goals", "feed", "activity")
# what shows that a view of the TV has its rows
TV_VIEW_READY = {"activity": "#activity li .name"}
MATES = (
    "Kari Hansen",
    "Kristoffer Johannessen-Berg",
    "Ane-Marthe Strømsnes",
    "Sigurd Bakke",
    "Marius Aas",
    "Nora Lie",
)
# 81 characters: too long for one line on any screen, so it is shortened, with a title
LONG_NAME = "Maximiliane Alexandra Fredrikke Hohenlohe-Langenburg Sørensen-Østergaard Kvalheim"
# four activity metrics, each a tab of the TV's beside its four; they score no points, so
# the boards' points stay as the deals and kudos made them
METRICS = (
    ("calls", "Calls made"),
    ("meetings", "Meetings booked"),
    ("demos", "Product demonstrations held on site"),
    ("linkedin", "LinkedIn messages"),
)

JS = Path(__file__).parent / "js"
# everything on a page that does not fit, as sentences; [] when all is well
LAYOUT_PROBLEMS = (JS / "layout_problems.js").read_text()
# [element, contrast ratio of its text on its background] for each element a selector finds
CONTRAST = (JS / "contrast.js").read_text()


@pytest.fixture(scope="module")
def db_url(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """One migrated SQLite database for the module (it overrides the per-test one)."""
    assert request.param == "sqlite"
    path = tmp_path_factory.mktemp("layout") / "huddle.sqlite3"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite://{path}"


@pytest.fixture(scope="module")
def server(db_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One real ``huddle serve`` for the module."""
    settings = make_settings(db_url, redis_url, tmp_path_factory.mktemp("server"))
    server = Server(settings).start()
    yield server
    server.stop()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    """One headless Chromium for the module (it overrides the per-test one)."""
    async with chromium() as browser:
        yield browser


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(server: Any) -> AsyncIterator[dict[str, Any]]:
    """Four teams with long names among them, fourteen players, five team goals with
    player goals, won deals and kudos, and tokens for each role."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        season = await api.season(name="Q4")
        vikings = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
        gunners = await api.team("Stockholm", nickname="The Gunners", color="#0a5ca8")
        rain = await api.team("Bergen", nickname="The Rainmakers", color="#2e8b57")
        north = await api.team(
            "Trondheim og Trøndelag salgskontor", nickname="Nordlysets salgsmestere"
        )
        manager = await api.member(vikings["id"], "Ingrid Berg", role="manager")
        seller = await api.member(vikings["id"], "Ola Nordmann")
        mates = [await api.member(vikings["id"], name) for name in MATES]
        astrid = await api.member(gunners["id"], "Astrid Lind")
        erik = await api.member(gunners["id"], "Erik Svensson")
        await api.member(gunners["id"], "Lars-Göran Kristersson")
        await api.member(rain["id"], "Henrik Moe")
        solveig = await api.member(north["id"], "Solveig Kristiansen-Østerud")
        long = await api.member(north["id"], LONG_NAME)

        async def goal(team: dict[str, Any], metric: str, target: float, **members: Any) -> None:
            body = {
                "team_id": team["id"],
                "season_id": season["id"],
                "metric": metric,
                "target": target,
                "member_targets": [
                    {"member_id": m["id"], "target": t} for m, t in members.values()
                ],
            }
            await api.post("/api/goals", body, expect=201)

        await goal(
            vikings,
            "revenue",
            400_000,
            a=(seller, 150_000),
            b=(mates[0], 80_000),
            c=(mates[1], 80_000),
            d=(mates[2], 60_000),
        )
        await goal(gunners, "deals", 10, a=(astrid, 5), b=(erik, 3))
        await goal(rain, "revenue", 80_000)
        await goal(north, "revenue", 300_000, a=(solveig, 150_000), b=(long, 100_000))
        await goal(vikings, "deals", 20, a=(seller, 8), b=(mates[3], 4))
        # activities before the news: a board's snapshot holds the 20 newest entries
        for key, name in METRICS:
            metric = {"key": key, "name": name, "points_per_unit": 0}
            await api.post("/api/metrics", metric, expect=201)
        calls = [long, seller, astrid, solveig, *mates]  # ten on the board, the long name first
        items = [
            {"metric": "calls", "member_id": m["id"], "value": 40 - 3 * i}
            for i, m in enumerate(calls)
        ] + [
            {"metric": key, "member_id": m["id"], "value": 2}
            for key, _ in METRICS[1:]
            for m in (seller, erik)
        ]
        await api.post("/api/activities", {"items": items}, expect=200)
        await api.deal(seller["id"], 50_000, assists=[mates[0]["id"]])
        await api.deal(astrid["id"], 30_000)
        await api.deal(solveig["id"], 120_000)
        await api.post(
            "/api/kudos",
            {"to_member_id": seller["id"], "points": 2, "message": "Perfect intro to their CFO"},
            token=api.tokens[mates[0]["id"]],
            expect=201,
        )
        await api.deal(long["id"], 0, outcome="lost")  # a loss review waits on /board
        yield {
            "url": server.url,
            "api": api,
            "display": await api.role_token("display"),
            "seller": seller,
            "manager": manager,
            "mates": mates,
            "long": long,
            "vikings": vikings,
        }


async def open_page(
    browser: Any, url: str, viewport: str, wait_for: str, lang: str = "en"
) -> tuple[Any, Any]:
    """A fresh browser context (its own storage) at one screen size, with the page open."""
    width, height = SCREENS[viewport]
    phone = viewport == "phone"
    context = await browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    page = await context.new_page()
    separator = "&" if "?" in url else "?"
    await page.goto(f"{url}{separator}lang={lang}")
    await page.wait_for_selector(wait_for)
    await page.evaluate("document.fonts.ready")
    return context, page


async def layout_problems(page: Any, shot: str, clip_vertically: bool = False) -> list[str]:
    """What does not fit on the page as shown; a page with problems leaves a screenshot
    (with HUDDLE_LAYOUT_SHOTS=1 every page does)."""
    problems: list[str] = await page.evaluate(LAYOUT_PROBLEMS, clip_vertically)
    if problems or os.environ.get("HUDDLE_LAYOUT_SHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"{shot}.png"))
    return problems


def token_url(site: dict[str, Any], path: str, member: str | None = None) -> str:
    token = site["display"] if member is None else site["api"].tokens[site[member]["id"]]
    return f"{site['url']}{path}?token={token}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
async def test_tv_fits_the_screen(browser, site, viewport, lang):
    """Every view of /tv, every page of its goals, fits the screen: nothing cut off."""
    problems: dict[str, list[str]] = {}
    for view in TV_VIEWS:
        context, page = await open_page(
            browser,
            f"{token_url(site, '/tv')}&view={view}",
            viewport,
            TV_VIEW_READY.get(view, f"section[data-view={view}]:not([hidden]) :is(li, article)"),
            lang,
        )
        pages = await page.evaluate(
            "(document.querySelector('#tabs [data-for=goals] .pages') || {}).textContent"
        )  # "1/2" while the goals take two pages
        for turn in range(int((pages or "1/1").partition("/")[2]) if view == "goals" else 1):
            found = await layout_problems(page, f"tv-{view}-{turn}-{viewport}-{lang}", True)
            if found:
                problems[f"{view} {turn}"] = found
            await page.keyboard.press("ArrowRight")  # the next page of goals
        await context.close()
    assert problems == {}, "\n".join(f"{view}: {p}" for view, ps in problems.items() for p in ps)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
async def test_board_fits_the_screen(browser, site, viewport, lang):
    """/board fits a TV, a laptop and a phone: no sideways scroll, nothing cut off."""
    context, page = await open_page(
        browser, token_url(site, "/board", "seller"), viewport, "#feed li .k", lang
    )
    await page.wait_for_selector("#team-goals .goal-card")
    problems = await layout_problems(page, f"board-{viewport}-{lang}")
    await context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("viewport", VIEWPORTS)
async def test_manage_fits_the_screen(browser, site, viewport, lang):
    """/manage fits a TV, a laptop and a phone: no sideways scroll, nothing cut off."""
    context, page = await open_page(
        browser, token_url(site, "/manage", "manager"), viewport, "#team-table tbody tr", lang
    )
    await page.wait_for_selector("#team-goals .goal-card")
    problems = await layout_problems(page, f"manage-{viewport}-{lang}")
    await context.close()
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("viewport", ["laptop", "phone"])
async def test_deal_forms_fit_the_screen(browser, site, viewport, lang):
    """/manage's recent deals, with the form to reverse a deal and then the one to correct
    it opened inline, fit a laptop and a phone (nothing is sent)."""
    context, page = await open_page(
        browser, token_url(site, "/manage", "manager"), viewport, "#deals li[data-deal]", lang
    )
    await page.wait_for_selector("#team-goals .goal-card")
    problems = []
    for act in ("reverse", "correct"):
        await page.locator(f"#deals li[data-deal] [data-act={act}]").first.click()
        await page.wait_for_selector(f"#deals form[data-form={act}]")
        problems += await layout_problems(page, f"manage-{act}-{viewport}-{lang}")
    await context.close()
    assert problems == [], "\n".join(problems)


VISIBLE_GOALS = """
() => [...document.querySelectorAll("#goals .goal")].filter((card) => {
  const r = card.getBoundingClientRect();
  return card.getClientRects().length > 0 && r.top >= 0 && r.left >= 0
    && r.bottom <= window.innerHeight && r.right <= document.documentElement.clientWidth;
}).map((card) => card.querySelector("header").innerText.replace(/\\s+/g, " ").trim())
"""


@pytest.mark.parametrize("viewport", VIEWPORTS)
async def test_tv_shows_every_goal(browser, site, viewport):
    """All five team goals show on the TV, wholly on screen, on one page or by paging."""
    context, page = await open_page(
        browser, f"{token_url(site, '/tv')}&view=goals", viewport, "#goals .goal"
    )
    goals = await site["api"].get("/api/goals")
    assert len(goals) == 5
    seen: set[str] = set()
    for _ in range(len(goals)):
        seen |= set(await page.evaluate(VISIBLE_GOALS))
        await page.keyboard.press("ArrowRight")
    await context.close()
    assert len(seen) == len(goals), seen


def number_pattern(lang: str) -> re.Pattern[str]:
    """A score as the TV writes it: whole, or with one decimal, grouped the local way."""
    group, decimal = {"en": (",", r"\."), "nb": (r"\s", ","), "sv": (r"\s", ",")}[lang]
    return re.compile(rf"^\d{{1,3}}({group}\d{{3}})*({decimal}\d)?$")


def as_number(text: str, lang: str) -> float:
    text = re.sub(r"[\s,]", "", text) if lang == "en" else re.sub(r"\s", "", text)
    return float(text.replace(",", "."))


@pytest.mark.parametrize("lang", ["en", "nb"])
async def test_tv_scores_are_whole_or_one_decimal(browser, site, lang):
    """Whole scores show no decimals; a team's points per player show at most one, with
    the language's decimal comma."""
    api = site["api"]
    teams = {t["name"]: t for t in (await api.get("/api/leaderboards/teams"))["entries"]}
    members = {m["name"]: m for m in (await api.get("/api/leaderboards/members"))["entries"]}
    assert any(t["score"] != int(t["score"]) for t in teams.values())  # 67 points over 8
    assert any(m["score"] == int(m["score"]) and m["score"] > 0 for m in members.values())
    pattern = number_pattern(lang)
    context, page = await open_page(
        browser, f"{token_url(site, '/tv')}&view=teams", "laptop", "#teams li .score", lang
    )
    rows = await page.eval_on_selector_all(
        "#teams li",
        "rows => rows.map(r => [r.querySelector('.name small').innerText,"
        " r.querySelector('.score').firstChild.textContent.trim()])",
    )
    for label, score in rows:
        team = next(t for name, t in teams.items() if label.lower().startswith(name.lower()))
        assert pattern.match(score), score
        assert abs(as_number(score, lang) - team["score"]) < 0.051, (score, team["score"])
        assert (score.isdigit()) == (team["score"] == int(team["score"])), score
    await page.goto(f"{token_url(site, '/tv')}&view=members&lang={lang}")
    await page.wait_for_selector("#members li .score")
    rows = await page.eval_on_selector_all(
        "#members li",
        "rows => rows.map(r => [r.querySelector('.name b').innerText,"
        " r.querySelector('.score').innerText])",
    )
    await context.close()
    assert len(rows) == 10
    for name, score in rows:
        assert pattern.match(score), score
        assert abs(as_number(score, lang) - members[name]["score"]) < 0.051


async def test_tv_names_are_shortened_only_when_they_do_not_fit(browser, site):
    """On a laptop-sized TV, names show in full; only the one that cannot fit is shortened,
    and every name carries its full text as a title."""
    shortened: dict[str, bool] = {}
    views = (("members", ".name b"), ("goals", ".member-goals .who"), ("activity", ".name b"))
    for view, selector in views:
        context, page = await open_page(
            browser, f"{token_url(site, '/tv')}&view={view}", "laptop", f"#{view} {selector}"
        )
        for text, cut, title in await page.eval_on_selector_all(
            f"#{view} {selector}",
            """els => els.map(e => [e.textContent.trim(), e.scrollWidth > e.clientWidth + 1
              || e.scrollHeight > e.clientHeight + 1, e.title])""",
        ):
            assert title == text
            shortened[text] = shortened.get(text, False) or cut
        await context.close()
    assert "Kristoffer Johannessen-Berg" in shortened and LONG_NAME in shortened
    assert [name for name, cut in shortened.items() if cut] in ([], [LONG_NAME])


# what is wrong with the TV's header: tabs over the brand or the clock, or outside their
# pill, or the shown view's tab shortened (a metric's may be when the view's title names it
# in full); [] when all is well
HEADER_PROBLEMS = """() => {
  const box = (el) => el.getBoundingClientRect();
  const nav = document.getElementById("tabs");
  const tabs = box(nav), brand = box(document.querySelector(".tv-head .brand"));
  const right = box(document.querySelector(".tv-right"));
  const problems = [];
  if (tabs.left < brand.right || tabs.right > right.left) {
    problems.push(`the tabs (${tabs.left}-${tabs.right}) run into the brand or the clock`);
  }
  if (nav.scrollWidth > nav.clientWidth + 1) problems.push("the tabs overflow their pill");
  for (const tab of nav.querySelectorAll(":scope > span:not([hidden])")) {
    const r = box(tab);
    if (r.left < tabs.left - 1 || r.right > tabs.right + 1) problems.push(`outside: ${tab.title}`);
    const title = document.getElementById("activity-title");
    const named = tab.dataset.for.startsWith("metric:") && title.textContent === tab.title
      && title.getClientRects().length > 0 && title.scrollWidth <= title.clientWidth + 1;
    if (tab.classList.contains("on") && tab.scrollWidth > tab.clientWidth + 1 && !named) {
      problems.push(`the shown view's tab is shortened: ${tab.title}`);
    }
    const many = nav.classList.contains("many");
    if (many && tab.classList.contains("next") && tab.scrollWidth > tab.clientWidth + 1) {
      problems.push(`the next view's tab is shortened: ${tab.title}`);
    }
  }
  // many tabs: the shown view's and the next one's keep their names, the others are dots
  if (nav.classList.contains("many")) {
    const worded = [...nav.querySelectorAll(":scope > span:not([hidden])")]
      .filter((tab) => parseFloat(getComputedStyle(tab).fontSize) > 0)
      .map((tab) => ["on", "next"].find((c) => tab.classList.contains(c)) || tab.title);
    if (worded.sort().join() !== "next,on") {
      problems.push(`tabs with words: ${worded.join(", ")}`);
    }
  }
  return problems;
}"""


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("viewport", ["hd", "tv"])
async def test_tv_tabs_fit_the_header(browser, site, viewport, lang):
    """The four views' tabs and four activity metrics' fit the TV's header at 1280×720 and
    1920×1080: eight tabs are too many to name, so the shown view's and the next one's keep
    their names (the shown one shortened only when it is a metric's whose name the view's
    title shows in full, the next one never) and the others are dots."""
    context, page = await open_page(browser, token_url(site, "/tv"), viewport, "#status.live", lang)
    await page.wait_for_function(
        "document.querySelectorAll('#tabs > span:not([hidden])').length === 8"
    )
    problems: dict[str, list[str]] = {}
    # the first view, back to the last metric's and the one before it, then on to members
    turns = (
        ("teams", []),
        ("metric:linkedin", ["ArrowLeft"]),
        ("metric:demos", ["ArrowLeft"]),
        ("members", ["ArrowRight"] * 3),
    )
    for view, keys in turns:
        for key in keys:
            await page.keyboard.press(key)
        await page.wait_for_selector(f"#tabs > [data-for='{view}'].on")
        found = await page.evaluate(HEADER_PROBLEMS)
        found += await layout_problems(
            page, f"tv-tabs-{view.replace(':', '-')}-{viewport}-{lang}", True
        )
        if found:
            problems[view] = found
    await context.close()
    assert problems == {}, "\n".join(f"{view}: {p}" for view, ps in problems.items() for p in ps)


SIGN_IN_TEXT = "#signin h2, #signin p, #signin label, #signin input, #signin button, #signin .brand"


@pytest.mark.parametrize("path", ["/tv", "/board"])
async def test_sign_in_is_readable_and_speaks_the_language(browser, site, path):
    """The sign-in box has readable contrast (WCAG AA, 4.5:1) on the dark TV and the light
    pages, and a refused token is explained in the page's language."""
    for viewport in ("tv", "phone"):
        context, page = await open_page(
            browser, f"{site['url']}{path}?token=not-a-token", viewport, "#signin-message", "nb"
        )
        await page.fill("#signin-token", "still-not-a-token")  # input text is checked too
        assert await page.locator("#signin-message").inner_text() == TEXTS["nb"]["bad_token"]
        for element, ratio in await page.evaluate(CONTRAST, SIGN_IN_TEXT):
            assert ratio >= 4.5, (element, ratio)
        assert await layout_problems(page, f"signin-{path[1:]}-{viewport}") == []
        await context.close()


async def test_role_names_are_translated(browser, site):
    """A seller's token on /manage in bokmål names the role in Norwegian, in the sentence."""
    context, page = await open_page(
        browser, token_url(site, "/manage", "seller"), "phone", "#page-message:not([hidden])", "nb"
    )
    message = await page.locator("#page-message").inner_text()
    await context.close()
    assert "selger" in message and "seller" not in message, message


async def test_coach_table_names_mentoring_in_norwegian(browser, site):
    """The coach's table in bokmål calls the mentoring category by its Norwegian name."""
    context, page = await open_page(
        browser, token_url(site, "/manage", "manager"), "laptop", "#team-table th", "nb"
    )
    headers = await page.locator("#team-table thead").text_content() or ""
    await context.close()
    assert "Mentorering" in headers and "Mentoring" not in headers, headers


async def test_assist_picker_lists_exactly_the_teammates(browser, site):
    """The assists offer every teammate of the seller, all in view, and nobody else."""
    api, seller = site["api"], site["seller"]
    team = await api.get("/api/members", team_id=site["vikings"]["id"])
    expected = sorted(m["name"] for m in team if m["id"] != seller["id"])
    assert len(expected) == 7 and len(await api.get("/api/members")) == 14
    for viewport in ("laptop", "phone"):
        context, page = await open_page(
            browser, token_url(site, "/board", "seller"), viewport, "#assists input"
        )
        chips = await page.eval_on_selector_all(
            "#assists label",
            """labels => labels.map(l => {
              const r = l.getBoundingClientRect(), box = l.parentElement.getBoundingClientRect();
              return [l.innerText.trim(), r.top >= box.top - 1 && r.bottom <= box.bottom + 1
                && r.right <= box.right + 1 && getComputedStyle(l).visibility === 'visible'];
            })""",
        )
        await context.close()
        assert sorted(name for name, _ in chips) == expected
        assert all(in_view for _, in_view in chips), chips


async def test_form_errors_speak_the_language(browser, site):
    """A refused goal on /manage in Swedish and bokmål is explained in that language."""
    for lang in ("sv", "nb"):
        context, page = await open_page(
            browser, token_url(site, "/manage", "manager"), "laptop", "#team-goals .goal-card", lang
        )
        await page.fill("#goal-form [name=target]", "500000")  # a revenue goal exists
        await page.click("#goal-form button[type=submit]")
        await page.wait_for_selector("#goal-result.error")
        text = await page.locator("#goal-result").inner_text()
        await context.close()
        assert text == TEXTS[lang]["goal_exists"], text


async def test_celebration_fits_a_long_name(browser, site):
    """The GOAL! overlay shows a very long name in full on a laptop and a phone."""
    long = site["long"]
    pages = [
        await open_page(browser, token_url(site, "/tv"), viewport, "#status.live")
        for viewport in ("laptop", "phone")
    ]
    await site["api"].deal(long["id"], 10_000)
    for (context, page), viewport in zip(pages, ("laptop", "phone"), strict=True):
        await page.locator("#celebration").wait_for(state="visible", timeout=10_000)
        await page.wait_for_timeout(1000)  # the entrance animation scales the title
        assert await page.locator("#cele-name").inner_text() == LONG_NAME
        assert await layout_problems(page, f"tv-celebration-{viewport}", True) == []
        await context.close()
