"""Live boards under two websocket implementations of uvicorn, in-process so the test can
see which path the hub took: frames straight to the connection's transport under the
sans-I/O protocol ``huddle serve`` runs, plain ASGI sends under any other."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import uvicorn
from websockets.asyncio.client import connect

from service.app import create_app
from service.realtime.sockets import DirectSocket, Outgoing, QueuedSocket
from tests.conftest import Api, free_port


async def _recv(ws: Any) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


# uvicorn's legacy websockets protocol is deprecated (and stands here for any other server)
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:.*implementation is deprecated")
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("ws", "kind"), [("websockets-sansio", DirectSocket), ("websockets", QueuedSocket)]
)
async def test_every_board_gets_every_update_in_order(settings, ws, kind) -> None:
    app = create_app(settings)
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=ws, ws_per_message_deflate=False, log_level="error"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            api = Api(client)
            reds, blues = await api.team("Reds"), await api.team("Blues")
            red, blue = await api.member(reds["id"]), await api.member(blues["id"])
            others = [await api.member(t["id"]) for t in (reds, blues) for _ in range(4)]
            token = await api.role_token("display")
            url = f"ws://127.0.0.1:{port}/ws/board?token={token}"
            async with (
                connect(url) as one,
                connect(url) as two,
                connect(f"{url}&team_id={reds['id']}") as red_board,
            ):
                snapshot = await _recv(one)
                start = snapshot["seq"]
                await _recv(two), await _recv(red_board)
                assert {type(c.socket) for c in app.state.hub.clients} == {kind}
                # parallel deals: they reach the hub in batches of several entries, and
                # each batch's rows are re-ranked from the members it awarded alone
                sellers = [red, blue, *others]
                rounds = [[sellers[(i * 7 + r) % len(sellers)] for i in range(6)] for r in (0, 1)]
                for deals in rounds:
                    await asyncio.gather(
                        *(api.deal(s["id"], 1000 + i) for i, s in enumerate(deals))
                    )
                by_reds = sum(s["team_id"] == reds["id"] for deals in rounds for s in deals)
                shown = {r["member_id"]: (r["rank"], r["score"]) for r in snapshot["members"]}
                for board in (one, two):
                    updates = [await _recv(board) for _ in range(12)]
                    assert [m["seq"] for m in updates] == list(range(start + 1, start + 13))
                    rows = dict(shown)
                    for m in updates:
                        rows.update({r["member_id"]: (r["rank"], r["score"]) for r in m["members"]})
                    board_now = await api.get("/api/leaderboards/members", limit=100)
                    assert rows == {
                        r["member_id"]: (r["rank"], r["score"]) for r in board_now["entries"]
                    }
                reds_only = [await _recv(red_board) for _ in range(by_reds)]
                assert all(m["entry"]["team_id"] == reds["id"] for m in reds_only)
                # each names the one before it that this board was sent: no gap to see
                assert [m["prev"] for m in reds_only[1:]] == [m["seq"] for m in reds_only[:-1]]
                scores = {r["member_id"]: r["score"] for m in reds_only for r in m["members"]}
                assert scores[red["id"]] > 0
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


def test_messages_are_framed_once_for_every_board() -> None:
    out = Outgoing(['{"type":"update","seq":1}', "x" * 70_000])
    frames = out.frames
    assert out.frames is frames  # made once, then the same bytes for each board
    assert frames[:2] == bytes([0x81, 25])  # fin + text, unmasked, its length
    second = frames[2 + 25 :]
    assert second[:4] == bytes([0x81, 127, 0, 0]) and len(second) == 2 + 8 + 70_000


async def _refused(url: str) -> tuple[dict[str, Any], int]:
    from websockets.exceptions import ConnectionClosed

    async with connect(url) as ws:
        problem = await _recv(ws)
        with pytest.raises(ConnectionClosed) as closed:
            await _recv(ws)
    assert closed.value.rcvd is not None
    return problem, closed.value.rcvd.code


async def test_a_board_connects_from_memory_that_the_ledger_keeps_exact(start_server) -> None:
    """Teams and seasons a board names are checked without the database, from what the
    process keeps in memory: a team or season made on another instance is known at once,
    a removed season is not."""
    one, two = start_server(), start_server()
    async with (
        httpx.AsyncClient(base_url=one.url, timeout=30) as a,
        httpx.AsyncClient(base_url=two.url, timeout=30) as b,
    ):
        api, other = Api(a), Api(b)
        token = await api.role_token("display")
        url = two.url.replace("http", "ws") + f"/ws/board?token={token}"
        async with connect(url) as ws:  # instance two has read its directory
            assert (await _recv(ws))["season"] is None  # no season yet
        team = await api.team("Late")  # made on instance one
        spare = await api.season("2001-01-01", "2001-12-31", name="Spare")
        current = await api.season("2020-01-01", "2099-12-31", name="Now")
        for _ in range(50):  # the entries reach instance two through Redis
            async with connect(f"{url}&team_id={team['id']}") as ws:
                first = await _recv(ws)
            if first["type"] == "snapshot":
                break
            await asyncio.sleep(0.1)
        assert first["type"] == "snapshot" and first["team_id"] == team["id"]
        async with connect(url) as ws:
            assert (await _recv(ws))["season"]["id"] == current["id"]
        async with connect(f"{url}&season={spare['id']}") as ws:
            assert (await _recv(ws))["season"]["id"] == spare["id"]
        await other.call("DELETE", f"/api/seasons/{spare['id']}", expect=204)
        problem, code = await _refused(f"{url}&season={spare['id']}")
        assert problem["status"] == 404 and code == 4400
        problem, code = await _refused(f"{url}&team_id=999999")
        assert problem["status"] == 404 and "team" in problem["detail"] and code == 4400


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_team_board_follows_a_member_who_moves_away(start_server) -> None:
    """A team's live board, kept up to date batch by batch, drops a member who moves to
    another team and ranks the rest as the API does."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season()
        reds, blues = await api.team("Reds"), await api.team("Blues")
        a, b, c = [await api.member(reds["id"]) for _ in range(3)]
        blue = await api.member(blues["id"])
        token = await api.role_token("display")
        url = server.url.replace("http", "ws") + f"/ws/board?token={token}&team_id={reds['id']}"
        async with connect(url) as ws:
            rows = {r["member_id"]: (r["rank"], r["score"]) for r in (await _recv(ws))["members"]}

            async def follow() -> dict[str, Any]:
                message = await _recv(ws)
                assert message["type"] == "update"
                rows.update({r["member_id"]: (r["rank"], r["score"]) for r in message["members"]})
                for gone in message["gone"]:
                    rows.pop(gone)
                return message

            for seller, amount in ((a, 30_000), (b, 10_000), (c, 20_000)):  # one at a time
                await api.deal(seller["id"], amount)
                await follow()
            await api.deal(blue["id"], 5_000)  # another team's: not sent to this board
            await api.call("PATCH", f"/api/members/{a['id']}", json={"team_id": blues["id"]})
            await api.deal(b["id"], 30_000)
            while a["id"] in rows or rows.get(b["id"], (0, 0))[0] != 1:
                await follow()
            board = await api.get("/api/leaderboards/members", team_id=reds["id"], limit=100)
            assert rows == {r["member_id"]: (r["rank"], r["score"]) for r in board["entries"]}
