"""The live board socket over real websocket connections to real server processes."""

import asyncio
import contextlib
import json
import socket
from dataclasses import replace

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import Api, Server


async def recv(ws, timeout=10.0):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_type(ws, kind, timeout=10.0):
    """The next message of a kind, skipping heartbeats."""
    while True:
        message = await recv(ws, timeout)
        if message["type"] == kind:
            return message
        assert message["type"] == "heartbeat", message


def ws_url(server, token, **params):
    query = "&".join(f"{k}={v}" for k, v in {"token": token, **params}.items())
    return server.url.replace("http", "ws") + f"/ws/board?{query}"


@pytest.fixture
async def live(start_server):
    """A real server and an Api helper over HTTP, with a season, two teams and members."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season()
        reds, blues = await api.team("Reds", nickname="The Foxes"), await api.team("Blues")
        r = [await api.member(reds["id"], f"Red {i}") for i in range(3)]
        b = [await api.member(blues["id"], f"Blue {i}") for i in range(2)]
        display = await api.role_token("display")
        yield server, api, display, reds, blues, r, b


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_snapshot_then_updates_in_order(live):
    """A snapshot first, then one update per entry with seq rising by one and new ranks."""
    server, api, display, reds, blues, r, b = live
    async with connect(ws_url(server, display)) as ws:
        snap = await recv(ws)
        assert snap["type"] == "snapshot" and snap["season"]["name"] == "Season"
        assert {m["name"] for m in snap["members"]} >= {"Red 0", "Blue 1"}
        assert {t["nickname"] for t in snap["teams"]} == {"The Foxes", None}
        seq = snap["seq"]
        await api.deal(r[0]["id"], 50_000, assists=[b[0]["id"]])
        await api.deal(b[1]["id"], 90_000)
        first, second = await recv_type(ws, "update"), await recv_type(ws, "update")
        assert (first["seq"], second["seq"]) == (seq + 1, seq + 2)
        assert first["entry"]["kind"] == "deal.won" and first["entry"]["celebrate"] is True
        rows = {m["member_id"]: m for m in first["members"]}
        assert rows[r[0]["id"]]["score"] == 48 and rows[r[0]["id"]]["rank"] == 1
        assert rows[b[0]["id"]]["score"] == 5
        top = {m["member_id"]: m for m in second["members"]}
        assert top[b[1]["id"]]["rank"] == 1 and top[r[0]["id"]]["rank"] == 2
        teams = {t["team_id"]: t for t in second["teams"]}
        assert teams[blues["id"]]["total"] == 105


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_resume_since_and_snapshot_fallback(start_server, settings):
    """Reconnecting with since gets the missed updates in order; past the kept backlog a
    fresh snapshot comes instead."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        team = await api.team()
        seller = await api.member(team["id"])
        display = await api.role_token("display")
        async with connect(ws_url(server, display)) as ws:
            last = (await recv(ws))["seq"]
        for _ in range(3):
            await api.deal(seller["id"], 1000)
        async with connect(ws_url(server, display, since=last)) as ws:
            got = [await recv_type(ws, "update") for _ in range(3)]
            assert [m["seq"] for m in got] == [last + 1, last + 2, last + 3]
            assert got[-1]["members"][0]["score"] == 33  # full rows when catching up
    server2 = Server(replace(settings, stream_length=2)).start()  # keeps 2 entries
    try:
        async with httpx.AsyncClient(base_url=server2.url, timeout=30) as client:
            api = Api(client)
            for _ in range(4):
                await api.deal(seller["id"], 1000)
            async with connect(ws_url(server2, display, since=last)) as ws:
                snap = await recv(ws)
                assert snap["type"] == "snapshot" and snap["seq"] == last + 7
    finally:
        server2.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_team_filter(live):
    """A team-filtered board gets only its team's updates and its team's member rows."""
    server, api, display, reds, blues, r, b = live
    async with connect(ws_url(server, display, team_id=blues["id"])) as ws:
        snap = await recv(ws)
        assert {m["team_id"] for m in snap["members"]} == {blues["id"]}
        await api.deal(r[0]["id"], 1000)
        await api.deal(b[0]["id"], 1000)
        update = await recv_type(ws, "update")
        assert update["entry"]["member_id"] == b[0]["id"]
        assert update["seq"] == snap["seq"] + 2  # the Reds' entry was skipped
        assert {m["team_id"] for m in update["members"]} == {blues["id"]}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_refused_and_revoked_tokens(live):
    """No or unknown token: closed with 4401; revoking a token closes its open socket."""
    server, api, display, *_ = live
    for url in (ws_url(server, ""), ws_url(server, "nope")):
        async with connect(url) as ws:
            problem = await recv(ws)  # the problem details, then the close
            assert problem["type"] == "error" and problem["status"] == 401
            with pytest.raises(ConnectionClosed) as closed:
                await recv(ws)
            assert closed.value.rcvd.code == 4401
    for params, field in (({"team_id": "x"}, "team_id"), ({"since": str(2**64)}, "since")):
        async with connect(ws_url(server, display, **params)) as ws:
            problem = await recv(ws)
            assert problem["status"] == 422 and problem["field"] == field, problem
            with pytest.raises(ConnectionClosed) as closed:
                await recv(ws)
            assert closed.value.rcvd.code == 4400
    token = (await api.post("/api/tokens", {"role": "display", "label": "TV"}, expect=201)).json()
    async with connect(ws_url(server, token["token"])) as ws:
        assert (await recv(ws))["type"] == "snapshot"
        await api.call("DELETE", f"/api/tokens/{token['id']}", expect=204)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await recv(ws)
        assert closed.value.rcvd.code == 4401


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_instances_share_the_boards(start_server):
    """A deal posted to instance 1 reaches a socket connected to instance 2."""
    one, two = start_server(), start_server()
    async with httpx.AsyncClient(base_url=one.url, timeout=30) as client:
        api = Api(client)
        team = await api.team()
        seller = await api.member(team["id"])
        display = await api.role_token("display")
        async with connect(ws_url(two, display)) as ws:
            snap = await recv(ws)
            await api.deal(seller["id"], 20_000)
            update = await recv_type(ws, "update")
            assert update["seq"] == snap["seq"] + 1
            assert update["entry"]["member_id"] == seller["id"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_slow_client_is_dropped_not_waited_for(settings):
    """A client that stops reading is disconnected (4408) while another gets everything."""
    srv = Server(replace(settings, live_buffer=64 * 1024)).start()
    try:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as client:
            api = Api(client)
            team = await api.team()
            seller = await api.member(team["id"], "S" * 100)
            for i in range(200):  # every deal changes 200 rows: big updates fill buffers fast
                await api.post(
                    "/api/members",
                    {"name": f"{'M' * 90}{i:03d}", "role": "seller", "team_id": team["id"]},
                    expect=201,
                )
            display = await api.role_token("display")
            raw = socket.socket()
            raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            raw.connect(("127.0.0.1", srv.port))
            async with (
                connect(ws_url(srv, display), sock=raw, max_queue=1) as frozen,
                connect(ws_url(srv, display)) as healthy,
            ):
                start = (await recv(healthy))["seq"]
                seen: list[int] = []
                boards = 2
                while boards == 2 and len(seen) < 1500:  # until the server lets go of it
                    for _ in range(20):
                        await api.deal(seller["id"], 1000)
                        seen.append((await recv_type(healthy, "update"))["seq"])
                    boards = (await api.get("/api/health"))["live_boards"]
                assert boards == 1, "the frozen board was never dropped"
                assert seen == list(range(start + 1, start + 1 + len(seen)))
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        await asyncio.wait_for(frozen.recv(), 10)
                assert closed.value.rcvd.code == 4408
    finally:
        srv.stop()


async def _until(ws, predicate, timeout=30.0):
    """Read messages until one satisfies ``predicate`` (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await recv(ws, max(0.1, deadline - loop.time()))
        if predicate(message):
            return message


def _score(message, member_id):
    return next(
        (m["score"] for m in message.get("members", []) if m["member_id"] == member_id), None
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_boards_survive_redis_trouble(settings, tmp_path):
    """The subscription is killed, then Redis restarts empty: boards re-sync by themselves."""
    from service.app import redis_client
    from service.store.embedded import EmbeddedRedis

    private = EmbeddedRedis(tmp_path / "own")
    srv = Server(replace(settings, redis_url=private.start()))
    srv.start()
    try:
        async with httpx.AsyncClient(base_url=srv.url, timeout=30) as client:
            api = Api(client)
            team = await api.team()
            seller = await api.member(team["id"])
            display = await api.role_token("display")
            async with connect(ws_url(srv, display)) as ws:
                await recv(ws)
                admin = redis_client(private.url)
                await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
                await api.deal(seller["id"], 1000)  # published while nobody listens
                got = await _until(ws, lambda m: _score(m, seller["id"]) == 11)
                assert got["type"] in ("update", "snapshot")
                await admin.aclose()
                private.stop()  # Redis goes away and comes back empty
                await api.deal(seller["id"], 1000)  # the ledger keeps it
                private.start()
                back = await _until(ws, lambda m: _score(m, seller["id"]) == 22)
                assert back["type"] == "snapshot"
                await api.deal(seller["id"], 1000)
                live = await _until(ws, lambda m: m["type"] == "update")
                assert _score(live, seller["id"]) == 33 and live["seq"] == back["seq"] + 1
    finally:
        srv.stop()
        private.stop()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_boards_joining_at_the_same_seq_share_one_snapshot(live):
    """Boards of one filter joining while no entry comes (a deploy, a reconnect storm) get
    one snapshot built once; an entry later, the next board gets a new one."""
    server, api, display, reds, blues, r, b = live
    async with connect(ws_url(server, display)) as one, connect(ws_url(server, display)) as two:
        first, second = await recv_type(one, "snapshot"), await recv_type(two, "snapshot")
        assert first == second
        await api.deal(r[0]["id"], 5000)
        await recv_type(one, "update")
        async with connect(ws_url(server, display)) as three:
            third = await recv_type(three, "snapshot")
    assert third["seq"] == first["seq"] + 1 and third["members"] != first["members"]
    assert await snapshots_counted(api, {"yes": 2.0, "no": 1.0}) == {"yes": 2.0, "no": 1.0}


async def snapshots_counted(api: Api, expected: dict[str, float]) -> dict[str, float]:
    """The server's count of snapshots built and shared, once it is ``expected`` (the
    counters reach Redis within a second) or after five seconds."""
    counted: dict[str, float] = {}
    for _ in range(50):
        text = (await api.call("GET", "/metrics", expect=200)).text
        counted = {
            built: float(line.rsplit(" ", 1)[1])
            for built in ("yes", "no")
            for line in text.splitlines()
            if line.startswith(f'huddle_live_snapshots_total{{built="{built}"}}')
        }
        if counted == expected:
            break
        await asyncio.sleep(0.1)
    return counted


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_storm_of_boards_arriving_with_a_new_token_all_get_their_board(live):
    """Two hundred boards of two filters connecting at once with a token never checked
    (screens coming back after a deploy) each get the snapshot of their filter, all at
    the same seq, built once per filter; the next deal reaches every one of them."""
    server, api, display, reds, blues, r, b = live
    token = await api.role_token("display")
    urls = [ws_url(server, token)] * 150 + [ws_url(server, token, team_id=reds["id"])] * 50
    async with contextlib.AsyncExitStack() as stack:
        boards = await asyncio.gather(*(stack.enter_async_context(connect(u)) for u in urls))
        snapshots = await asyncio.gather(*(recv_type(ws, "snapshot") for ws in boards))
        assert len({s["seq"] for s in snapshots}) == 1
        assert len({json.dumps(s, sort_keys=True) for s in snapshots[:150]}) == 1
        assert len({json.dumps(s, sort_keys=True) for s in snapshots[150:]}) == 1
        assert snapshots[0]["team_id"] is None and snapshots[150]["team_id"] == reds["id"]
        await api.deal(r[0]["id"], 5000)
        updates = await asyncio.gather(*(recv_type(ws, "update") for ws in boards))
        assert {u["seq"] for u in updates} == {snapshots[0]["seq"] + 1}
    expected = {"yes": 2.0, "no": 198.0}
    assert await snapshots_counted(api, expected) == expected


async def test_a_board_joining_ahead_of_an_entry_hides_no_rows_from_the_others(api):
    """A board may join (and get a snapshot) after Redis applied an entry and before the
    feed delivered it to the boards already watching: the update they then get still
    carries the rows that entry changed."""
    app = api.client.app

    async def in_app(call, *args):  # the app runs on the test client's own loop
        return await asyncio.to_thread(api.client.blocking_portal.call, call, *args)

    team = await api.team()
    seller = await api.member(team["id"])
    view = app.state.hub.view((None, None))  # all-time, no team filter
    before = await in_app(app.state.store.applied_seq) or 0
    await in_app(view.snapshot, before)  # the group's first board
    await api.deal(seller["id"], 5000)
    after = await in_app(app.state.store.applied_seq)
    await in_app(view.snapshot, after)  # a second board joins, ahead of the entry's update
    entry = {"seq": after, "kind": "deal.won", "events": [], "data": {}}
    update = json.loads(await in_app(view.update, entry, False, before))
    assert seller["id"] in {row["member_id"] for row in update["members"]}
