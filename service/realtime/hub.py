"""Fan-out of ledger entries to the sockets of this instance.

Each client has a bounded queue drained by its own writer task, so a slow or frozen
screen never delays the others and never grows memory without bound: when its queue is
full the client is disconnected (4408) and resumes with ``since`` when it reconnects.
Every entry advances every client's ``seq`` (filtered ones too), so a gap is noticed —
but only once the entry's message was built and queued: when that fails (the database is
unreachable), the client is closed with 1013 at the ``seq`` it really has, and resumes
from there when it reconnects. Each update also names ``prev``, the entry before it that
the same board was sent, so a filtered board can tell a gap from a skipped entry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..boards import Boards
from ..directory import Directory
from ..errors import Unavailable
from ..metrics import Metrics
from ..store.leaderboard import LeaderboardStore
from .views import BoardView, GroupKey, touches_team

__all__ = ["QUEUE_SIZE", "Client", "Hub"]

log = logging.getLogger(__name__)
QUEUE_SIZE = 256
CLOSE_SLOW = 4408
CLOSE_REVOKED = 4401
CLOSE_RESTART = 1012  # what uvicorn sends its websockets on shutdown, too
CLOSE_TRY_AGAIN = 1013


@dataclass(eq=False)
class Client:
    """One connected board: what it watches, how far it is, and its outgoing queue."""

    send: Callable[[str], Awaitable[None]]
    close: Callable[[int, str], Awaitable[None]]
    token_id: int | None
    season_id: int | None
    team_id: int | None
    seq: int = 0
    touched: int = 0  # the last entry this client was sent an update for
    ready: bool = False
    queue_size: int = QUEUE_SIZE
    closed: bool = False
    queue: asyncio.Queue[str | None] = field(init=False)

    def __post_init__(self) -> None:
        self.queue = asyncio.Queue(self.queue_size)

    @property
    def group(self) -> GroupKey:
        return (self.season_id, self.team_id)

    def push(self, message: str | None) -> bool:
        """Queue a message; False when the client is too far behind (it gets disconnected)."""
        try:
            self.queue.put_nowait(message)
            return True
        except asyncio.QueueFull:
            return False

    async def run_writer(self) -> None:
        while (message := await self.queue.get()) is not None:
            await self.send(message)


class Hub:
    def __init__(self, store: LeaderboardStore, directory: Directory | None = None) -> None:
        self.store = store
        self.boards = Boards(store, directory)
        self.clients: set[Client] = set()
        self.views: dict[GroupKey, BoardView] = {}
        self.lock = asyncio.Lock()  # entries are turned into messages one at a time, in order
        self._closing: set[asyncio.Task[None]] = set()
        self.metrics: Metrics | None = None

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
        async with self.lock:
            backlog = await self.store.entries_since(since) if since is not None else None
            if backlog is None:
                await self._snapshot(client)
            else:
                client.seq = since or 0
                for raw in backlog:
                    if not await self._deliver(client, json.loads(raw), {}, full=True):
                        raise Unavailable("the board could not be brought up to date")
            client.ready = True

    def leave(self, client: Client) -> None:
        self.clients.discard(client)
        client.closed = True
        client.push(None)  # ends the writer; with a full queue the route cancels it instead
        if not any(c.group == client.group for c in self.clients):
            self.views.pop(client.group, None)

    async def on_entry(self, raw: str) -> None:
        """One entry from Redis: build each group's update once and queue it."""
        if not self.clients:  # no board here: nothing to build (a joining one snapshots)
            return
        entry = json.loads(raw)
        async with self.lock:
            built: dict[GroupKey, str | None] = {}
            for client in list(self.clients):
                if client.ready:
                    await self._deliver(client, entry, built)

    async def _deliver(
        self,
        client: Client,
        entry: dict[str, Any],
        built: dict[GroupKey, str | None],
        full: bool = False,
    ) -> bool:
        """Send one entry to one client, in seq order; ``full`` sends every row (a client
        catching up cannot rely on the group's last-sent rows). The client's ``seq`` moves
        only once the message is queued; False when the client had to be dropped."""
        seq = entry["seq"]
        if seq <= client.seq:
            return True  # already seen (a snapshot or the backlog covered it)
        if seq > client.seq + 1:
            if not await self._catch_up(client, seq):
                return False
            if seq <= client.seq:
                return True
        if not touches_team(entry, client.team_id):
            client.seq = seq
            return True
        if full:  # this client's own replay: its own chain of prev
            message = await self._build(client, entry, full=True, prev=client.touched)
        else:  # built once for the group: the group's chain
            if client.group not in built:
                view = self.view(client.group)
                built[client.group] = await self._build(client, entry, prev=view.touched)
            message = built[client.group]
        if message is None:
            await self.drop(client, CLOSE_TRY_AGAIN, "board update failed: reconnect with since")
            return False
        if not client.push(message):
            await self.drop(client, CLOSE_SLOW, "too slow: reconnect with since")
            return False
        client.seq = client.touched = seq
        if self.metrics:
            self.metrics.count("huddle_live_deliveries_total")
        return True

    async def _build(
        self, client: Client, entry: dict[str, Any], prev: int, full: bool = False
    ) -> str | None:
        """One update message, or None when it cannot be built now (logged)."""
        view = self.view(client.group)
        try:
            message = await view.update(entry, full, prev)
        except Exception as exc:
            log.warning("live update for seq %s not built (%s)", entry["seq"], exc)
            view.reset()  # its last-sent rows may be half-updated: the next one sends all
            return None
        view.touched = max(view.touched, entry["seq"])
        return message

    async def _snapshot(self, client: Client) -> None:
        """A fresh board for one client, as of the last applied entry (raises on failure)."""
        seq = await self.store.applied_seq() or 0
        view = self.view(client.group)
        shared = view.shared is not None and view.shared[0] == seq
        client.push(await view.snapshot(seq))
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
            if not await self._deliver(client, entry, {}, full=True):
                return False
        return True

    async def resync(self) -> None:
        """After the Redis subscription was down: send every board what it missed."""
        async with self.lock:
            applied = await self.store.applied_seq() or 0
            for client in list(self.clients):
                if client.ready and client.seq < applied:
                    await self._catch_up(client, applied + 1)

    async def refresh(self) -> None:
        """Boards were rebuilt from the ledger (the stream is gone): snapshot everyone."""
        async with self.lock:
            for view in self.views.values():
                view.shared = None  # built before the rebuild, maybe at the same seq
            for client in list(self.clients):
                if client.ready:
                    try:
                        await self._snapshot(client)
                    except Exception as exc:
                        log.warning("a live board could not be refreshed (%s)", exc)
                        await self.drop(client, CLOSE_TRY_AGAIN, "reconnect with since")

    async def heartbeat(self) -> None:
        at = datetime.now(UTC).isoformat()
        for client in list(self.clients):
            if client.ready and not client.push(
                json.dumps({"type": "heartbeat", "seq": client.seq, "at": at})
            ):
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
            await asyncio.wait_for(client.close(code, reason), 10)
        except Exception as exc:  # gone already, or too stuck to take a close frame
            log.debug("closing a dropped client failed: %s", exc)

    async def close_all(self) -> None:
        for client in list(self.clients):
            await self.drop(client, CLOSE_RESTART, "server restarting")
        await asyncio.gather(*self._closing, return_exceptions=True)
