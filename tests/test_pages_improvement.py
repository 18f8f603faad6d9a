"""The improvement bonus on the TV, in a real headless Chromium: a newcomer who beats
their own week before is celebrated, in the TV's language."""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from service.web.i18n import TEXTS
from tests.conftest import Api

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)]


@pytest.mark.parametrize("lang", ["en", "nb", "sv"])
async def test_tv_celebrates_a_newcomer_who_beats_last_week(browser, start_server: Any, lang):
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season(name="Q4")
        team = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
        joined = (date.today() - timedelta(days=14)).isoformat()  # a whole week before this
        nora = await api.member(team["id"], "Nora Newcomer", joined_on=joined)
        givers = [await api.member(team["id"], f"Mate {n}") for n in range(2)]
        page = await browser.new_page(viewport={"width": 1600, "height": 900})
        await page.goto(f"{server.url}/tv?lang={lang}&token={await api.role_token('display')}")
        await page.wait_for_selector("#status.live")
        for giver in givers:  # 5 + 5 own points: 10 over last week's nothing
            body = {"to_member_id": nora["id"], "points": 5, "message": "Thanks!"}
            await api.post("/api/kudos", body, token=api.tokens[giver["id"]], expect=201)
        await page.locator("#celebration").wait_for(state="visible", timeout=10_000)
        t = TEXTS[lang]
        assert await page.locator("#cele-title").inner_text() == t["improvement"]
        assert await page.locator("#cele-name").inner_text() == "Nora Newcomer"
        extra = await page.locator("#cele-extra").inner_text()
        assert extra == t["improvement_by"].format(points=10, baseline=0)
