"""Activity metrics: defined by an admin, logged singly or in batches, idempotent by
external_id, points under a daily cap, and a board per metric (its count)."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from websockets.asyncio.client import connect

from tests.conftest import Api
from tests.test_live import recv, ws_url

CALLS = {"key": "calls", "name": "Calls made", "points_per_unit": 1, "daily_cap": 10}


async def _setup(api):
    await api.season()
    team = await api.team()
    a, b = [await api.member(team["id"], email=f"m{i}@example.com") for i in range(2)]
    manager = await api.member(team["id"], role="manager")
    await api.post("/api/metrics", CALLS, expect=201)
    return team, a, b, manager


async def test_metrics_are_defined_by_an_admin(api):
    team, a, *_ = await _setup(api)
    assert await api.get("/api/metrics") == [
        {"key": "calls", "name": "Calls made", "points_per_unit": 1, "daily_cap": 10}
    ]
    again = await api.post("/api/metrics", CALLS, expect=409)
    assert "already" in again.json()["detail"]
    await api.post("/api/metrics", {**CALLS, "key": "Bad Key"}, expect=422)
    await api.post("/api/metrics", {**CALLS, "key": "demos"}, token=api.tokens[a["id"]], expect=403)
    meetings = {"key": "meetings", "name": "Meetings booked", "points_per_unit": 5}
    out = (await api.post("/api/metrics", meetings, expect=201)).json()
    assert out["daily_cap"] is None


async def test_activities_score_under_the_daily_cap_and_count_on_their_board(api):
    team, a, b, manager = await _setup(api)
    token = api.tokens[a["id"]]
    r = await api.post("/api/activities", {"metric": "calls", "value": 6}, token, expect=201)
    assert (r.json()["value"], r.json()["points"]) == (6, 6)
    # 6 more: only 4 points are left of today's cap of 10
    r = await api.post("/api/activities", {"metric": "calls", "value": 6}, token, expect=201)
    assert r.json()["points"] == 4
    r = await api.post("/api/activities", {"metric": "calls"}, token, expect=201)
    assert r.json()["points"] == 0
    # another day has its own cap
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    body = {"metric": "calls", "value": 3, "occurred_at": yesterday}
    assert (await api.post("/api/activities", body, token, expect=201)).json()["points"] == 3
    # but not every day of the past years: a seller dates an activity a week back at most
    # (each day's cap would be theirs to fill); an import or an admin may date any day
    seq = (await api.ledger())[-1]["seq"]
    old = {**body, "occurred_at": (datetime.now(UTC) - timedelta(days=9)).isoformat()}
    refused = await api.post("/api/activities", old, token, expect=422)
    assert "7 day(s)" in refused.json()["detail"] and refused.json()["field"] == "occurred_at"
    assert (await api.ledger())[-1]["seq"] == seq
    await api.post("/api/activities", {**old, "member_id": a["id"], "value": 1}, expect=201)
    assert (await api.board(category="activity"))[a["id"]] == 14
    assert (await api.board())[a["id"]] == 14
    counts = await api.get("/api/leaderboards/members", metric="calls", season="all")
    assert counts["category"] == "metric:calls"
    assert {e["member_id"]: e["score"] for e in counts["entries"]}[a["id"]] == 17
    # counts are not points: the team board counts only the 14 points
    teams = (await api.get("/api/leaderboards/teams", season="all"))["entries"]
    assert teams[0]["total"] == 14
    await api.call("GET", "/api/leaderboards/members", params={"metric": "nope"}, expect=404)


async def test_activity_rules_and_refusals(api):
    team, a, b, manager = await _setup(api)
    other = await api.team()
    x = await api.member(other["id"])
    seq = (await api.ledger())[-1]["seq"]
    cases = [
        ({"metric": "calls", "member_id": b["id"]}, api.tokens[a["id"]], 403),
        ({"metric": "calls", "member_id": x["id"]}, api.tokens[manager["id"]], 403),
        ({"metric": "nope"}, api.tokens[a["id"]], 404),
        ({"metric": "calls", "value": 0}, api.tokens[a["id"]], 422),
        ({"metric": "calls", "member_email": "who@example.com"}, None, 404),
        ({"metric": "calls"}, None, 422),  # an admin must name the member
        ({"metric": "calls", "occurred_at": "2999-01-01T00:00:00+00:00"}, api.tokens[a["id"]], 422),
    ]
    for body, token, status in cases:
        r = await api.post("/api/activities", body, token)
        assert r.status_code == status and r.json()["detail"], (body, r.text)
    assert (await api.ledger())[-1]["seq"] == seq
    by_email = {"metric": "calls", "member_email": "M1@example.com", "external_id": "c-1"}
    r = await api.post("/api/activities", by_email, expect=201)
    assert r.json()["member_id"] == b["id"]
    again = await api.post("/api/activities", by_email, expect=200)
    assert again.json()["id"] == r.json()["id"]
    assert (await api.board())[b["id"]] == 1


async def test_a_batch_answers_each_item_and_the_cap_holds_under_parallel_requests(api):
    team, a, b, manager = await _setup(api)
    items = [
        {"metric": "calls", "member_id": a["id"], "external_id": f"call-{i}"} for i in range(12)
    ] + [
        {"metric": "nope", "member_id": a["id"]},
        {"metric": "calls", "member_id": 99999},
        {"metric": "calls", "member_id": a["id"], "external_id": "call-0"},
    ]
    r = await api.post("/api/activities", {"items": items}, expect=200)
    statuses = [x["status"] for x in r.json()["results"]]
    assert statuses == [201] * 12 + [404, 404, 200]
    assert all(x["detail"] for x in r.json()["results"][12:14])
    assert (await api.board())[a["id"]] == 10  # the daily cap
    # the same batch again adds nothing
    r = await api.post("/api/activities", {"items": items[:12]}, expect=200)
    assert [x["status"] for x in r.json()["results"]] == [200] * 12
    # parallel single calls for b: never more than the cap
    token = api.tokens[b["id"]]
    await asyncio.gather(
        *(api.post("/api/activities", {"metric": "calls", "value": 3}, token) for _ in range(8))
    )
    assert (await api.board())[b["id"]] == 10
    counts = await api.get("/api/leaderboards/members", metric="calls")
    assert {e["member_id"]: e["score"] for e in counts["entries"]}[b["id"]] == 24
    await api.post("/api/activities", {"items": []}, expect=422)


async def test_activities_leave_the_snapshot_feed_to_deals_and_thanks(start_server):
    """A board's first snapshot carries the 20 newest entries of its team: activities come
    by the hundred a day and would push every deal out, so they are left out of it (live
    activities still arrive one by one, and the feed API lists them)."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season()
        team = await api.team()
        seller = await api.member(team["id"])
        await api.post("/api/metrics", {"key": "calls", "name": "Calls", "points_per_unit": 1})
        await api.deal(seller["id"], 10_000)
        items = [{"member_id": seller["id"], "metric": "calls"} for _ in range(30)]
        await api.post("/api/activities", {"items": items}, expect=200)
        display = await api.role_token("display")
        async with connect(ws_url(server, display, team_id=team["id"])) as ws:
            snapshot = await recv(ws)
        kinds = [e["kind"] for e in snapshot["feed"]]
        assert "activity" not in kinds and "deal.won" in kinds
        feed = await api.get("/api/feed", team_id=team["id"], limit=50)
        assert [e["kind"] for e in feed["entries"]].count("activity") == 30
