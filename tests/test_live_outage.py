"""Live boards never skip an entry: not when the database drops under a burst (they keep
up while an update needs only Redis and the process's directory, and come back with their
``since`` when one needs the database), not when a board comes back with a ``since`` the
server has not reached.

The outage is real and deterministic: the instance serving the boards reaches
PostgreSQL through a TCP relay the test cuts, while a second instance keeps writing (so
entries keep arriving through Redis while the boards' instance cannot read its database).
Each board is a client that follows the protocol as the pages do (docs/live.md): it
resumes with ``since``, and it counts a gap when an update does not follow what it had
(``seq + 1`` unfiltered, ``prev`` for a team filter).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import replace
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from service.realtime.views import touches_team
from tests.conftest import Api, Server, free_port

pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)


class Relay:
    """A TCP relay to PostgreSQL that can be cut (every connection closed, new ones
    refused) and restored on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()
        self.server = None
        for writer in list(self.writers):
            writer.close()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self.writers |= {writer, up_writer}

        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self.writers -= {writer, up_writer}


class Board:
    """A live board that follows the protocol and records what it was told."""

    def __init__(self, url: str, token: str, team_id: int | None = None) -> None:
        self.url, self.token, self.team_id = url, token, team_id
        self.seq: int | None = None
        self.snapshot = 0  # the seq of the last snapshot
        self.updates: list[int] = []  # update seqs since the last snapshot
        self.closes: list[int] = []
        self.gaps = 0
        self.task = asyncio.create_task(self._run())

    def covers(self, seq: int) -> bool:
        return seq <= self.snapshot or seq in self.updates

    async def _run(self) -> None:
        while True:
            query = f"token={self.token}"
            if self.team_id is not None:
                query += f"&team_id={self.team_id}"
            if self.seq is not None:
                query += f"&since={self.seq}"
            try:
                async with connect(f"{self.url}/ws/board?{query}") as ws:
                    async for raw in ws:
                        if not self._take(json.loads(raw)):
                            break  # a gap: resume from the last seq, as the pages do
            except ConnectionClosed as closed:
                self.closes.append(closed.rcvd.code if closed.rcvd else 1006)
            except OSError:
                pass
            await asyncio.sleep(0.2)

    def _take(self, m: dict[str, Any]) -> bool:
        if m["type"] == "snapshot":
            self.seq = self.snapshot = m["seq"]
            self.updates = []
        elif m["type"] == "update":
            assert self.seq is not None
            if m["seq"] <= self.seq:
                return True
            filtered = self.team_id is not None
            if (m["prev"] > self.seq) if filtered else (m["seq"] != self.seq + 1):
                self.gaps += 1
                return False
            self.seq = m["seq"]
            self.updates.append(m["seq"])
        elif m["type"] == "heartbeat" and self.team_id is not None and self.seq is not None:
            self.seq = max(self.seq, m["seq"])
        return True


async def _ledger(api: Api) -> list[dict[str, Any]]:
    return list(reversed((await api.get("/api/feed?limit=200"))["entries"]))


async def _until(check: Any, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("not within the time")


async def test_a_database_outage_under_a_burst_skips_no_entry(start_server: Any, settings) -> None:
    host, port = settings.db_url.split("@", 1)[1].split("/", 1)[0].split(":")
    relay = Relay(host, int(port))
    await relay.start()
    writer = await asyncio.to_thread(start_server)  # writes straight to PostgreSQL
    via_relay = settings.db_url.replace(f"{host}:{port}", f"127.0.0.1:{relay.port}", 1)
    # started in a thread: the relay runs on this test's event loop
    boards_server = await asyncio.to_thread(Server(replace(settings, database_url=via_relay)).start)
    url = boards_server.url.replace("http://", "ws://")
    boards: list[Board] = []
    try:
        async with httpx.AsyncClient(base_url=writer.url, timeout=30) as client:
            api = Api(client)
            season = await api.season()
            reds, blues = await api.team("Reds"), await api.team("Blues")
            sellers = [await api.member(t["id"]) for t in (reds, blues) for _ in range(2)]
            display = await api.role_token("display")
            boards = [Board(url, display), Board(url, display, team_id=reds["id"])]
            await _until(lambda: _all_ready(boards))

            async def burst(n: int) -> None:
                await asyncio.gather(
                    *(api.deal(sellers[i % len(sellers)]["id"], 1000 + i) for i in range(n))
                )

            await burst(8)
            await relay.cut()  # the boards' instance loses its database mid-burst
            # the other instance keeps writing; entries reach Redis. The boards need no
            # database for these (scores from Redis, names from the process's directory):
            # they keep up, one update after another, and nobody is dropped
            await burst(12)
            ledger = await _ledger(api)
            await _until(lambda: _caught_up(boards, ledger))
            assert all(b.closes == [] and b.gaps == 0 for b in boards)
            # a goal's progress is read from the database: now an update cannot be built,
            # and each board is closed with 1013 to come back with its since
            goal = {"team_id": reds["id"], "season_id": season["id"], "metric": "revenue"}
            await api.post("/api/goals", {**goal, "target": 1e7}, expect=201)
            await burst(12)
            await _until(lambda: _all_closed(boards, 1013))
            # a board connecting now cannot even have its token checked: 503, come back
            async with connect(f"{url}/ws/board?token={display}") as ws:
                problem = json.loads(await asyncio.wait_for(ws.recv(), 10))
                with pytest.raises(ConnectionClosed) as closed:
                    await asyncio.wait_for(ws.recv(), 10)
            assert problem["type"] == "error" and problem["status"] == 503
            assert "database" in problem["detail"]
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
            await relay.start()  # back: the boards resume from where they really were
            ledger = await _ledger(api)
            await _until(lambda: _caught_up(boards, ledger))
            for board in boards:
                assert board.gaps == 0, "the server sent a board an update after a hole"
                assert 1013 in board.closes
    finally:
        for board in boards:
            board.task.cancel()
        boards_server.stop()
        if relay.server is not None:
            await relay.cut()


async def _all_ready(boards: list[Board]) -> bool:
    return all(b.seq is not None for b in boards)


async def _caught_up(boards: list[Board], ledger: list[dict[str, Any]]) -> bool:
    return all(_missing(b, ledger) == [] for b in boards)


async def _all_closed(boards: list[Board], code: int) -> bool:
    return all(code in b.closes for b in boards)


def _missing(board: Board, ledger: list[dict[str, Any]]) -> list[int]:
    """Ledger entries this board should have had and has neither in a snapshot nor as an
    update."""
    return [
        e["seq"] for e in ledger if touches_team(e, board.team_id) and not board.covers(e["seq"])
    ]


async def test_since_ahead_of_the_server_gets_a_snapshot(start_server: Any) -> None:
    """After a restore or a demo reset a screen may remember a later seq than the server
    has: it gets a snapshot, and then the next entries."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        await api.season()
        team = await api.team("Reds")
        seller = await api.member(team["id"], "Red 1")
        display = await api.role_token("display")
        url = server.url.replace("http://", "ws://")
        async with connect(f"{url}/ws/board?token={display}&since=999999") as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert first["type"] == "snapshot"
            last = first["seq"]
            await api.deal(seller["id"], 5000)
            update = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert update["type"] == "update" and update["seq"] == last + 1


async def test_a_restart_closes_boards_with_1012(start_server: Any) -> None:
    """A deploy or shutdown: the board is told the service restarts, and reconnects."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        display = await Api(client).role_token("display")
    url = server.url.replace("http://", "ws://")
    async with connect(f"{url}/ws/board?token={display}") as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "snapshot"
        await asyncio.to_thread(server.stop)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
