"""Fan-out of ledger entries to the boards connected to this instance.

Entries arrive a batch at a time (one pub/sub message per applied batch). For each group
of boards watching the same season and team, the batch becomes its update messages once
(``views.py``); those messages are framed once and written to every board of the group
that is where the group is, in one write per board (``sockets.py``). A board never waits
for another: writes do not wait, and a board more than its buffer behind is disconnected
(4408) and resumes with ``since`` when it reconnects.

Every entry advances every board's ``seq`` (filtered ones too), so a gap is noticed — but
only once the messages were built and written: when building fails (the database is
unreachable), the boards of that group are closed with 1013 at the ``seq`` they really
have, and resume from there when they reconnect. Each update also names ``prev``, the
entry before it that the same board was sent, so a filtered board can tell a gap from a
skipped entry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..boards import Boards
from ..directory import Directory
from ..errors import Unavailable
from ..metrics import Metrics
from ..store.leaderboard import LeaderboardStore
from .sockets import BoardSocket, Outgoing
from .views import BoardView, GroupKey, Rows, touches_team

__all__ = ["Client", "Hub"]

log = logging.getLogger(__name__)
CLOSE_SLOW = 4408
CLOSE_REVOKED = 4401
CLOSE_RESTART = 1012  # what uvicorn sends its websockets on shutdown, too
CLOSE_TRY_AGAIN = 1013
CLOSE_TIMEOUT = 10.0  # a board that cannot take its close frame in this long is cut off
# boards written to between two turns of the event loop: ~0.4 ms of fan-out (or of a
# heartbeat round, or of snapshots), so a POST served by the same process waits for a
# slice of it, not for all of it (2,000 boards: POST p99 43.6 ms with 128, 29.0 with 32)
YIELD_EVERY = 32
# boards that keep arriving while a wave is greeted (a building's screens after a deploy)
# are gathered this long before the next wave, so a wave reads the applied seq once for
# ~20 boards rather than for ~5 (2,000 connects: 380 waves -> 80-110, ~10% of a connect's
# CPU); a board that arrives alone is greeted at once
GATHER_SECONDS = 0.005

Built = list[tuple[int, str]]  # a group's messages for one batch: (seq, text)


@dataclass(eq=False)
class Client:
    """One connected board: what it watches, how far it is, and where its frames go."""

    socket: BoardSocket
    token_id: int | None
    season_id: int | None
    team_id: int | None
    seq: int = 0
    touched: int = 0  # the last entry this client was sent an update for
    ready: bool = False
    closed: bool = False
    group: GroupKey = field(init=False)  # the boards that see the same messages

    def __post_init__(self) -> None:
        self.group = (self.season_id, self.team_id)


class Hub:
    def __init__(self, store: LeaderboardStore, directory: Directory | None = None) -> None:
        self.store = store
        self.boards = Boards(store, directory)
        self.clients: set[Client] = set()
        self.views: dict[GroupKey, BoardView] = {}
        self.lock = asyncio.Lock()  # batches are turned into messages one at a time, in order
        self._closing: set[asyncio.Task[None]] = set()
        self.metrics: Metrics | None = None
        # boards waiting for their first snapshot, and the task that sends them
        self._arriving: list[tuple[Client, asyncio.Future[None]]] = []
        self._greeting: asyncio.Task[None] | None = None

    def view(self, group: GroupKey) -> BoardView:
        if group not in self.views:
            self.views[group] = BoardView(self.boards, *group)
        return self.views[group]

    async def join(self, client: Client, since: int | None) -> None:
        """Register a client and bring it up to date: missed updates from the stream when
        ``since`` is still covered, else a snapshot (also when ``since`` is ahead of the
        ledger: a restored backup, a demo reset); entries arriving meanwhile wait. Raises
        when the board cannot be built (the route closes the socket with 1013)."""
        self.clients.add(client)
        if since is not None:
            async with self.lock:
                backlog = await self.store.entries_since(since)
                if backlog is not None:
                    client.seq = since
                    for raw in backlog:
                        if not await self._replay(client, json.loads(raw)):
                            raise Unavailable("the board could not be brought up to date")
                    client.ready = True
                    return
        arrived = asyncio.get_running_loop().create_future()
        self._arriving.append((client, arrived))
        if self._greeting is None:
            self._greeting = asyncio.create_task(self._greet())
        await arrived

    async def _greet(self) -> None:
        """Snapshots for the boards that arrived, a wave at a time (a building's screens
        reconnecting after a deploy arrive together): one look at the applied ``seq`` per
        wave, one snapshot per group (``BoardView.snapshot``), written to each."""
        try:
            first = True
            while self._arriving:
                if not first:  # boards came while the last wave was greeted: more follow
                    await asyncio.sleep(GATHER_SECONDS)
                first = False
                async with self.lock:
                    wave, self._arriving = self._arriving, []
                    try:
                        seq = await self.store.applied_seq() or 0
                    except Exception as exc:
                        for _, arrived in wave:
                            if not arrived.done():
                                arrived.set_exception(exc)
                        continue
                    for turn, (client, arrived) in enumerate(wave, 1):
                        if turn % YIELD_EVERY == 0:
                            await asyncio.sleep(0)
                        if arrived.done():  # the board left while it waited
                            continue
                        try:
                            await self._snapshot(client, seq)
                        except Exception as exc:
                            arrived.set_exception(exc)
                            continue
                        client.ready = True
                        arrived.set_result(None)
        finally:
            self._greeting = None

    def leave(self, client: Client) -> None:
        self.clients.discard(client)
        if not client.closed:
            client.closed = True
            client.socket.stop()
        if not any(c.group == client.group for c in self.clients):
            self.views.pop(client.group, None)

    async def on_batch(self, lines: Sequence[str]) -> None:
        """One applied batch from Redis, its entries in seq order: each group's messages
        are built once, and each board gets the ones it still needs in one write."""
        if not self.clients or not lines:  # no board here: nothing to build
            return
        # batches coalesced by the feed may come out of order (two writers) or with one
        # still missing between them: each run of consecutive entries goes as its own
        # batch, and a board that finds a gap before one catches up from the stream
        runs: list[list[dict[str, Any]]] = []
        for entry in sorted((json.loads(line) for line in lines), key=lambda e: e["seq"]):
            if runs and entry["seq"] == runs[-1][-1]["seq"]:
                continue
            if runs and entry["seq"] == runs[-1][-1]["seq"] + 1:
                runs[-1].append(entry)
            else:
                runs.append([entry])
        async with self.lock:
            for entries in runs:
                await self._send_run(entries)

    async def _send_run(self, entries: list[dict[str, Any]]) -> None:
        """Consecutive entries to every board that is ready: each board gets those it
        still needs in one write, the bytes shared by the boards of a group that are as
        far; its ``seq`` moves only once they are written."""
        first, last = entries[0]["seq"], entries[-1]["seq"]
        built: dict[GroupKey, Built | None] = {}
        shared: dict[tuple[GroupKey, int], Outgoing] = {}
        delivered = 0
        for turn, client in enumerate(list(self.clients), 1):
            if turn % YIELD_EVERY == 0:  # let the requests this loop also serves move on
                await asyncio.sleep(0)
            if not client.ready or client.closed or last <= client.seq:
                continue  # not yet, gone, or a snapshot or the backlog covered these
            # pub/sub lost something before this run: the stream fills the gap first
            gap = first > client.seq + 1
            if gap and (not await self._catch_up(client, first) or last <= client.seq):
                continue
            group = client.group
            if group in built:
                messages = built[group]
            else:
                messages = built[group] = await self._build(group, entries)
            if messages is None:
                await self.drop(client, CLOSE_TRY_AGAIN, "board update failed: reconnect")
                continue
            key = (group, client.seq)
            out = shared.get(key)
            if out is None:
                out = shared[key] = Outgoing([t for seq, t in messages if seq > client.seq])
            if out.texts:
                if not client.socket.write(out):
                    await self.drop(client, CLOSE_SLOW, "too slow: reconnect with since")
                    continue
                client.touched = messages[-1][0]
                delivered += len(out.texts)
            client.seq = last
        if delivered and self.metrics:
            self.metrics.count("huddle_live_deliveries_total", delivered)

    async def _build(self, group: GroupKey, entries: list[dict[str, Any]]) -> Built | None:
        """A group's update messages for a batch, or None when they cannot be built now
        (logged). The rows the batch changed go with its first message for the group:
        Redis applied the batch in one step, so there is no board in between to show."""
        view = self.view(group)
        touched, messages = view.touched, Built()
        try:
            ours = [entry for entry in entries if touches_team(entry, view.team_id)]
            if not ours:
                view.skip(entries)
                return messages
            rows: Rows | None = await view.changes(entries)
            for entry in ours:
                text = await view.update(entry, prev=view.touched, rows=rows)
                rows = None  # the batch's first message carries them
                view.touched = entry["seq"]
                messages.append((entry["seq"], text))
        except Exception as exc:
            log.warning("live update for seq %s not built (%s)", entries[0]["seq"], exc)
            view.reset()  # its last-sent rows may be half-updated: the next one sends all
            view.touched = touched
            return None
        return messages

    async def _replay(self, client: Client, entry: dict[str, Any]) -> bool:
        """One entry for one client catching up, with every row (it cannot rely on the
        group's last-sent rows) and its own chain of ``prev``. False when dropped."""
        seq = entry["seq"]
        if seq <= client.seq:
            return True
        if touches_team(entry, client.team_id):
            view = self.view(client.group)
            try:
                text = await view.update(entry, prev=client.touched, full=True)
            except Exception as exc:
                log.warning("live update for seq %s not built (%s)", seq, exc)
                await self.drop(client, CLOSE_TRY_AGAIN, "board update failed: reconnect")
                return False
            if not client.socket.write(Outgoing([text])):
                await self.drop(client, CLOSE_SLOW, "too slow: reconnect with since")
                return False
            client.touched = seq
            if self.metrics:
                self.metrics.count("huddle_live_deliveries_total")
        client.seq = seq
        return True

    async def _snapshot(self, client: Client, seq: int | None = None) -> None:
        """A fresh board for one client, as of the last applied entry (``seq`` when the
        caller has just read it; raises on failure)."""
        if seq is None:
            seq = await self.store.applied_seq() or 0
        view = self.view(client.group)
        shared = view.shared is not None and view.shared[0] == seq
        client.socket.write(await view.snapshot(seq))
        if self.metrics:
            self.metrics.count("huddle_live_snapshots_total", built="no" if shared else "yes")
        client.seq, client.touched = seq, 0

    async def _catch_up(self, client: Client, upto: int) -> bool:
        """Fill a gap (missed pub/sub messages) from the stream, or send a snapshot; False
        when the client had to be dropped."""
        try:
            backlog = await self.store.entries_since(client.seq)
            if backlog is None:
                await self._snapshot(client)
                return True
        except Exception as exc:
            log.warning("a live board could not catch up (%s)", exc)
            await self.drop(client, CLOSE_TRY_AGAIN, "board update failed: reconnect with since")
            return False
        for raw in backlog:
            entry = json.loads(raw)
            if entry["seq"] >= upto:
                break
            if not await self._replay(client, entry):
                return False
        return True

    async def resync(self) -> None:
        """After the Redis subscription was down: send every board what it missed."""
        async with self.lock:
            applied = await self.store.applied_seq() or 0
            for client in list(self.clients):
                if client.ready and not client.closed and client.seq < applied:
                    await self._catch_up(client, applied + 1)

    async def refresh(self) -> None:
        """Boards were rebuilt from the ledger (the stream is gone): snapshot everyone."""
        async with self.lock:
            for view in self.views.values():
                view.forget_board()  # read before the rebuild, maybe at the same seq
            for client in list(self.clients):
                if client.ready and not client.closed:
                    try:
                        await self._snapshot(client)
                    except Exception as exc:
                        log.warning("a live board could not be refreshed (%s)", exc)
                        await self.drop(client, CLOSE_TRY_AGAIN, "reconnect with since")

    async def heartbeat(self) -> None:
        at = datetime.now(UTC).isoformat()
        beats: dict[int, Outgoing] = {}  # one message per seq, shared
        for turn, client in enumerate(list(self.clients), 1):
            if turn % YIELD_EVERY == 0:  # as the fan-out does: POSTs move on between slices
                await asyncio.sleep(0)
            if not client.ready or client.closed:
                continue
            beat = beats.get(client.seq)
            if beat is None:
                text = json.dumps({"type": "heartbeat", "seq": client.seq, "at": at})
                beat = beats[client.seq] = Outgoing([text])
            if not client.socket.write(beat):
                await self.drop(client, CLOSE_SLOW, "too slow: reconnect with since")

    async def revoke(self, token_id: int) -> None:
        for client in [c for c in self.clients if c.token_id == token_id]:
            await self.drop(client, CLOSE_REVOKED, "token revoked")

    async def drop(self, client: Client, code: int, reason: str) -> None:
        """Disconnect a client without waiting for it: a frozen socket could otherwise
        hold the fan-out of every other board."""
        if code == CLOSE_SLOW and self.metrics:
            self.metrics.count("huddle_live_dropped_total")
        self.leave(client)
        task = asyncio.create_task(self._close(client, code, reason))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close(self, client: Client, code: int, reason: str) -> None:
        try:
            await asyncio.wait_for(client.socket.close(code, reason), CLOSE_TIMEOUT)
        except Exception as exc:  # gone already, or too stuck to take a close frame
            log.debug("closing a dropped client failed: %s", exc)
            client.socket.abort()

    async def close_all(self) -> None:
        for client in list(self.clients):
            await self.drop(client, CLOSE_RESTART, "server restarting")
        await asyncio.gather(*self._closing, return_exceptions=True)
