"""Members who leave (``active: false``): off current boards and head counts, excluded from
shares, assists, kudos, mentoring and goals from then on; their history stays."""

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import Api
from tests.test_live import recv, recv_type, ws_url


async def _leave(api, member, active=False, expect=200):
    r = await api.call(
        "PATCH", f"/api/members/{member['id']}", json={"active": active}, expect=expect
    )
    return r.json()


async def test_a_member_who_leaves_is_off_current_boards_and_head_counts(api):
    past = await api.season("2020-01-01", "2020-12-31", "Last year")
    await api.season("2021-01-01", "2099-12-31", "Now")
    team = await api.team()
    a, b, c = [await api.member(team["id"]) for _ in range(3)]
    old = "2020-06-01T12:00:00+00:00"
    await api.deal(a["id"], 50_000, closed_at=old)
    await api.deal(a["id"], 40_000)  # 50 points: a 40, b and c 5 each
    teams = (await api.get("/api/leaderboards/teams"))["entries"]
    assert (teams[0]["members"], teams[0]["total"], teams[0]["score"]) == (3, 50, 16.67)

    out = await _leave(api, a)
    assert out["active"] is False
    board = await api.board()
    assert set(board) == {b["id"], c["id"]}
    # the team's points stay; it is now two players
    teams = (await api.get("/api/leaderboards/teams"))["entries"]
    assert (teams[0]["members"], teams[0]["total"], teams[0]["score"]) == (2, 50, 25)
    # history stays: last season's board, the feed, the profile
    assert (await api.board(season=past["id"]))[a["id"]] == 48
    assert any(e["member_id"] == a["id"] for e in await api.ledger())
    r = await api.call("GET", f"/api/leaderboards/members/{a['id']}", expect=404)
    assert "has left" in r.json()["detail"]
    assert (await api.get(f"/api/leaderboards/members/{a['id']}", season=past["id"]))["score"] == 48

    # a share of b's deal goes to c alone now
    await api.deal(b["id"], 0)  # 10 points: b 8, c 2
    assert (await api.board())[c["id"]] == 5 + 2

    # back again: on the board with the points earned before leaving
    assert (await _leave(api, a, active=True))["active"] is True
    assert (await api.board())[a["id"]] == 40
    assert (await api.get("/api/leaderboards/teams"))["entries"][0]["members"] == 3


async def test_a_member_who_left_gets_and_gives_nothing(api):
    season = await api.season()
    team = await api.team()
    a, b = [await api.member(team["id"]) for _ in range(2)]
    manager = await api.member(team["id"], role="manager")
    await _leave(api, a)
    seq = (await api.ledger())[-1]["seq"]
    refusals = [
        (await api.deal(a["id"], 10, expect=409), "has left"),
        (await api.deal(b["id"], 10, assists=[a["id"]], expect=422), "have left"),
        (
            await api.post(
                "/api/kudos",
                {"to_member_id": a["id"], "points": 1, "message": "x"},
                api.tokens[b["id"]],
                expect=409,
            ),
            "has left",
        ),
        (
            await api.post(
                "/api/kudos",
                {"to_member_id": b["id"], "points": 1, "message": "x"},
                api.tokens[a["id"]],
                expect=403,
            ),
            "left",
        ),
        (
            await api.post(
                "/api/mentoring",
                {"member_id": a["id"], "points": 1, "note": "x"},
                api.tokens[manager["id"]],
                expect=409,
            ),
            "has left",
        ),
        (
            await api.post(
                "/api/goals",
                {
                    "team_id": team["id"],
                    "season_id": season["id"],
                    "metric": "deals",
                    "target": 2,
                    "member_targets": [{"member_id": a["id"], "target": 1}],
                },
                expect=422,
            ),
            "active members",
        ),
    ]
    for response, words in refusals:
        assert words in response.json()["detail"], response.text
    assert (await api.ledger())[-1]["seq"] == seq
    # a team goal's bonus goes to those still here
    await api.post(
        "/api/goals",
        {"team_id": team["id"], "season_id": season["id"], "metric": "deals", "target": 1},
        expect=201,
    )
    await api.deal(b["id"], 0)
    board = await api.board(category="bonus")
    assert board == {b["id"]: 25, manager["id"]: 25}
    again = await _leave(api, a, expect=409)
    assert "already left" in again["detail"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_live_boards_drop_a_member_who_leaves(start_server):
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season()
        team = await api.team()
        a, b = [await api.member(team["id"]) for _ in range(2)]
        await api.deal(a["id"], 40_000)  # 50 points
        display = await api.role_token("display")
        async with connect(ws_url(server, display)) as ws:
            snap = await recv(ws)
            assert {m["member_id"] for m in snap["members"]} == {a["id"], b["id"]}
            await _leave(api, a)
            update = await recv_type(ws, "update")
            assert update["entry"]["kind"] == "member.updated"
            assert update["gone"] == [a["id"]]
            row = next(t for t in update["teams"] if t["team_id"] == team["id"])
            assert (row["members"], row["score"]) == (1, 50)


async def test_a_team_with_no_active_members_can_be_archived(api):
    await api.season()
    team, other = await api.team(), await api.team()
    a = await api.member(team["id"])
    await api.member(other["id"])
    await api.deal(a["id"], 0)
    path = f"/api/teams/{team['id']}"
    r = await api.call("PATCH", path, json={"archived": True}, expect=409)
    assert "active members" in r.json()["detail"]
    await _leave(api, a)
    r = await api.call("PATCH", path, json={"archived": True}, expect=200)
    assert r.json()["archived"] is True
    teams = (await api.get("/api/leaderboards/teams"))["entries"]
    assert [t["team_id"] for t in teams] == [other["id"]]
    body = {"name": "Late", "team_id": team["id"], "role": "seller"}
    assert "archived" in (await api.post("/api/members", body, expect=409)).json()["detail"]
    await api.call("PATCH", path, json={"archived": False}, expect=200)
    assert len((await api.get("/api/leaderboards/teams"))["entries"]) == 2
