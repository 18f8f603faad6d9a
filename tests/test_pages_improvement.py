"""The improvement bonus in a real headless Chromium: a newcomer sees on /board what it
takes to beat their own week before, and when they do, the TV celebrates it and /board
says it is done, in each language."""

from datetime import timedelta
from typing import Any

import httpx
import pytest

from service.web.i18n import TEXTS
from tests.conftest import ROOT, Api, org_today

SHOTS = ROOT / "test-output" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("lang", ["en", "nb", "sv"])
async def test_a_newcomer_beats_last_week_on_board_and_tv(browser, start_server: Any, lang):
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season(name="Q4")
        team = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
        joined = (org_today() - timedelta(days=14)).isoformat()  # a whole week before this
        nora = await api.member(team["id"], "Nora Newcomer", joined_on=joined)
        givers = [await api.member(team["id"], f"Mate {n}") for n in range(2)]
        t = TEXTS[lang]
        board = await browser.new_page(viewport={"width": 390, "height": 844})
        await board.goto(f"{server.url}/board?lang={lang}&token={api.tokens[nora['id']]}")
        beat = board.locator("#beat-box")
        await beat.wait_for(state="visible", timeout=10_000)
        assert await board.locator("#beat-box h2").inner_text() == t["beat_title"]
        to_go = t["beat_to_go"].format(needed=10, bonus=10)
        assert to_go in await beat.inner_text()
        page = await browser.new_page(viewport={"width": 1600, "height": 900})
        await page.goto(f"{server.url}/tv?lang={lang}&token={await api.role_token('display')}")
        await page.wait_for_selector("#status.live")
        for giver in givers:  # 5 + 5 own points: 10 over last week's nothing
            body = {"to_member_id": nora["id"], "points": 5, "message": "Thanks!"}
            await api.post("/api/kudos", body, token=api.tokens[giver["id"]], expect=201)
        await page.locator("#celebration").wait_for(state="visible", timeout=10_000)
        assert await page.locator("#cele-title").inner_text() == t["improvement"]
        assert await page.locator("#cele-name").inner_text() == "Nora Newcomer"
        extra = await page.locator("#cele-extra").inner_text()
        assert extra == t["improvement_by"].format(points=10, baseline=0)
        # /board follows live: the week is done
        done = t["beat_done"].format(bonus=10)
        await board.wait_for_function(
            "text => document.getElementById('beat-box').innerText.includes(text)",
            arg=done,
            timeout=15_000,
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        await beat.screenshot(path=str(SHOTS / f"board-beat-last-week-{lang}.png"))
