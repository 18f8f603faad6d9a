"""The referee: settles contests when their end comes, on whichever instance sees it first.

Every instance runs one. Each second it looks at its writer's state for a contest whose
end has passed (or a challenge nobody accepted in time) and sends ``SettleContests``.
Every few seconds, if the ledger has entries its state has not seen (another instance
writes: a contest may have been created there), the writer catches up without the
write lock (``Writer.catch_up``): an idle instance never holds up the one writing (an
import's writer used to wait up to a second for it every 5 s). The decision is taken
under the write lock against the state every instance shares, so a contest is settled
once however many instances send it (``core.settlement.decide_settle``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime

from tortoise import connections

from .core.commands import SettleContests
from .core.contests import SYSTEM
from .engine.tables import Sql
from .engine.writer import Writer
from .errors import HuddleError

__all__ = ["Referee"]

log = logging.getLogger(__name__)


class Referee:
    def __init__(self, writer: Writer, tick: float = 1.0, look_around: float = 5.0) -> None:
        self.writer = writer
        self.tick = tick
        self.look_around = look_around  # seconds between looks at the ledger's last seq
        self._task: asyncio.Task[None] | None = None
        self._looked = 0.0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="huddle-referee")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def due(self) -> bool:
        """Whether this process's state knows of a contest to settle now."""
        state = self.writer.state
        if state is None:
            return False
        now = datetime.now(UTC)
        return any(c.ends_at <= now for c in state.open_contests.values())

    async def _behind(self) -> int | None:
        """Every few seconds: the ledger's last seq if it holds entries this state has not
        seen (contests another instance created, another's import)."""
        if time.monotonic() - self._looked < self.look_around:
            return None
        self._looked = time.monotonic()
        state = self.writer.state
        last = await Sql(connections.get("default")).last_seq()
        return last if state is not None and last > state.seq else None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.tick)
            try:
                if (last := await self._behind()) is not None:
                    await self.writer.catch_up(last)
                if self.due():
                    await self.writer.submit(SettleContests(), SYSTEM)
            except asyncio.CancelledError:
                raise
            except HuddleError as exc:  # the database is away: next tick
                log.warning("contests not settled this time: %s", exc.detail)
            except Exception:
                log.exception("settling contests failed")
