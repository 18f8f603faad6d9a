"""Seasons are edited, closed and removed as ledger entries; nothing recorded ever moves
from one season to another, so a change that would need that is refused and changes
nothing."""

from datetime import timedelta

import httpx
from websockets.asyncio.client import connect

from tests.conftest import Api, org_today
from tests.test_live import recv, ws_url


async def _season_list(api):
    return {s["id"]: s for s in await api.get("/api/seasons")}


async def test_a_season_is_renamed_extended_and_closed(api):
    today = org_today()
    season = await api.season(str(today - timedelta(days=30)), str(today + timedelta(days=30)))
    later = await api.season(str(today + timedelta(days=60)), str(today + timedelta(days=90)))
    team = await api.team()
    seller = await api.member(team["id"])
    await api.deal(seller["id"], 20_000)  # counts in the season, today
    path = f"/api/seasons/{season['id']}"

    r = await api.call("PATCH", path, json={"name": "  Autumn push "}, expect=200)
    assert r.json()["name"] == "Autumn push" and r.json()["current"] is True
    r = await api.call("PATCH", path, json={"ends_on": str(today + timedelta(days=59))})
    assert r.status_code == 200 and r.json()["ends_on"] == str(today + timedelta(days=59))
    changed = (await api.ledger())[-1]
    assert changed["kind"] == "season.changed"
    assert changed["data"]["was"] == ["Autumn push", season["starts_on"], season["ends_on"]]

    before = (await _season_list(api), len(await api.ledger()))
    refusals = [
        # the deal of today would fall outside it
        ({"starts_on": str(today + timedelta(days=1))}, 409, "already count"),
        ({"ends_on": str(today - timedelta(days=1))}, 409, "already count"),
        ({"ends_on": str(today + timedelta(days=61))}, 409, "overlap"),
        ({"ends_on": str(today - timedelta(days=40))}, 422, "on or after"),
        ({"name": "   "}, 422, "name"),
        ({"colour": "red"}, 422, "colour"),
    ]
    for body, status, words in refusals:
        r = await api.call("PATCH", path, json=body)
        assert r.status_code == status, (body, r.text)
        assert words in r.text, (body, r.text)
    seller_token = api.tokens[seller["id"]]
    await api.call("PATCH", path, seller_token, 403, json={"name": "Mine"})
    await api.call("PATCH", "/api/seasons/999", json={"name": "Nope"}, expect=404)
    assert (await _season_list(api), len(await api.ledger())) == before

    # the same again records nothing
    await api.call("PATCH", path, json={"name": "Autumn push"}, expect=200)
    assert len(await api.ledger()) == before[1]

    r = await api.post(f"{path}/close", {}, expect=200)
    assert r.json()["ends_on"] == str(today) and r.json()["current"] is True
    await api.post(f"/api/seasons/{later['id']}/close", {}, expect=409)  # not started
    await api.post(f"/api/seasons/{later['id']}/close", {}, seller_token, expect=403)
    assert (await api.board(season=season["id"]))[seller["id"]] > 0


async def test_a_season_is_not_moved_over_points_that_count_in_none(api):
    january = await api.season("2026-01-01", "2026-01-31", "January")
    team = await api.team()
    seller = await api.member(team["id"])
    await api.deal(seller["id"], 10_000, closed_at="2026-02-10T12:00:00+01:00")
    assert await api.board(season=january["id"]) == {seller["id"]: 0}
    path = f"/api/seasons/{january['id']}"
    r = await api.call("PATCH", path, json={"ends_on": "2026-02-28"}, expect=409)
    assert "2026-02-10" in r.json()["detail"] and "no season" in r.json()["detail"]
    await api.call("PATCH", path, json={"ends_on": "2026-02-09"}, expect=200)
    # a new season over those days is refused too: points are never moved into it
    r = await api.post(
        "/api/seasons", {"name": "Feb", "starts_on": "2026-02-10", "ends_on": "2026-02-28"}
    )
    assert r.status_code == 409 and "no season" in r.json()["detail"], r.text


async def test_a_season_without_history_is_removed(api):
    today = org_today()
    now = await api.season(str(today - timedelta(days=10)), str(today + timedelta(days=10)))
    future = await api.season("2030-01-01", "2030-03-31", "Q1 2030")
    goal_season = await api.season("2031-01-01", "2031-03-31", "Q1 2031")
    team = await api.team()
    seller = await api.member(team["id"])  # recorded today: in the current season
    goal = await api.post(
        "/api/goals",
        {"team_id": team["id"], "season_id": goal_season["id"], "metric": "deals", "target": 5},
        expect=201,
    )

    await api.call("DELETE", f"/api/seasons/{future['id']}", api.tokens[seller["id"]], 403)
    await api.call("DELETE", f"/api/seasons/{future['id']}", expect=204)
    assert future["id"] not in await _season_list(api)
    assert (await api.ledger())[-1]["kind"] == "season.removed"
    await api.call("DELETE", f"/api/seasons/{future['id']}", expect=404)
    # its dates are free again
    await api.season("2030-01-01", "2030-03-31", "Q1 2030 again")

    r = await api.call("DELETE", f"/api/seasons/{now['id']}", expect=409)
    assert "close it" in r.json()["detail"]
    # a goal was set in it (and removed again): that is its history, in the feed
    await api.call("DELETE", f"/api/goals/{goal.json()['id']}", expect=204)
    r = await api.call("DELETE", f"/api/seasons/{goal_season['id']}", expect=409)
    assert "recorded in 'Q1 2031'" in r.json()["detail"]
    assert sorted(await _season_list(api)) == [now["id"], goal_season["id"], future["id"] + 2]


async def test_closing_the_season_refreshes_live_boards(start_server):
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        today = org_today()
        season = await api.season(str(today - timedelta(days=5)), str(today + timedelta(days=5)))
        team = await api.team()
        await api.member(team["id"])
        display = await api.role_token("display")
        async with connect(ws_url(server, display)) as ws:
            first = await recv(ws)
            assert first["season"]["ends_on"] == season["ends_on"]
            await api.post(f"/api/seasons/{season['id']}/close", {}, expect=200)
            while (message := await recv(ws))["type"] != "snapshot":
                pass
            assert message["season"]["ends_on"] == str(today)


async def test_what_counts_in_a_season_by_reference_does_not_pin_its_dates(api):
    """A reversal counts in the season of the deal it takes back, and a goal set ahead in
    the season it is for: neither happened on the season's days, so neither holds its
    dates; a goal still keeps its season from being removed."""
    spring = await api.season("2026-01-01", "2026-06-30", "Spring")
    today = org_today()
    ahead = await api.season(str(today + timedelta(days=60)), str(today + timedelta(days=90)))
    team = await api.team()
    seller = await api.member(team["id"])
    deal = (await api.deal(seller["id"], 10_000, closed_at="2026-02-10T12:00:00+01:00")).json()
    await api.post(f"/api/deals/{deal['deal']['id']}/reverse", {"reason": "a test"}, expect=201)
    r = await api.call("PATCH", f"/api/seasons/{spring['id']}", json={"ends_on": "2026-02-10"})
    assert r.status_code == 200, r.text
    await api.call(
        "PATCH", f"/api/seasons/{spring['id']}", json={"ends_on": "2026-02-09"}, expect=409
    )

    await api.post(
        "/api/goals",
        {"team_id": team["id"], "season_id": ahead["id"], "metric": "deals", "target": 3},
        expect=201,
    )
    later = str(today + timedelta(days=61))
    r = await api.call("PATCH", f"/api/seasons/{ahead['id']}", json={"starts_on": later})
    assert r.status_code == 200 and r.json()["starts_on"] == later, r.text
    r = await api.call("DELETE", f"/api/seasons/{ahead['id']}", expect=409)
    assert "goal(s) belong to" in r.json()["detail"]
