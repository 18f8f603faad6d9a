"""Keeping the Redis boards level with the ledger they are derived from.

Writers apply their own entries (``LeaderboardStore.apply_batch``) and never wait for one
another: an entry that arrives before its predecessor parks in Redis until the gap fills.
``BoardSync`` fills the gaps nobody else will (a writer that died between commit and
apply, a Redis that was unreachable or restarted) and rebuilds a Redis that does not
match the ledger at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.exceptions import RedisError

from .leaderboard import AwardSum, DirectoryRow, LeaderboardStore, PendingEntry

__all__ = ["BoardSync", "LedgerSource"]

log = logging.getLogger(__name__)


class LedgerSource(Protocol):
    async def last_seq(self) -> int: ...

    async def entries_after(self, seq: int, limit: int) -> list[PendingEntry]:
        """Committed entries after ``seq``, in seq order."""
        ...

    async def award_sums(self) -> tuple[int, list[AwardSum]]:
        """The last seq and the award sums, from one snapshot."""
        ...

    async def members(self) -> list[DirectoryRow]:
        """Every member (those who left too) as of now."""
        ...


Progress = Callable[[int, int], None]


def _needs_rebuild(applied: int | None, last: int) -> bool:
    """Nothing applied, a rebuild that never finished (-1), or boards AHEAD of the ledger
    (a foreign or restored Redis): the boards cannot be caught up, only rebuilt."""
    return applied is None or applied < 0 or applied > last


class BoardSync:
    def __init__(self, store: LeaderboardStore, source: LedgerSource, batch: int = 500) -> None:
        self.store = store
        self.source = source
        self.batch = batch
        self._runner: asyncio.Task[None] | None = None
        self._again = False
        self._loop: asyncio.Task[None] | None = None

    async def ensure(self) -> str:
        """Bring the boards level with the ledger: rebuild, catch up, or nothing."""
        # Redis first: it only moves forward, and only with committed entries, so a
        # writer applying between the two reads can make Redis look behind (harmless)
        # but never ahead of the ledger (which would wipe every board).
        applied = await self.store.applied_seq()
        ready = await self.store.directory_ready()
        last = await self.source.last_seq()
        if applied is None and last == 0:
            return "empty"
        # boards without the member directory (written before Redis kept it) are whole
        # for the rest, but only a rebuild brings the directory
        if _needs_rebuild(applied, last) or not ready:
            return f"rebuilt {await self.rebuild(force=False)} entries"
        if applied is not None and applied < last:
            moved = await self.catch_up()
            # 0: the writers applied them meanwhile (a batch on its way to Redis)
            return f"caught up {moved} entries" if moved else "up to date"
        return "up to date"

    async def catch_up(self, limit: int | None = None) -> int:
        """Apply, with publishing, the entries Redis has not seen, ``batch`` per round
        trip. Returns how far the boards moved (other writers' entries included)."""
        limit = limit or self.batch
        applied = await self.store.applied_seq()
        if applied is None or applied < 0:
            return 0  # nothing to build on, or a rebuild under way: that is ensure()'s
        start = applied
        while applied < await self.source.last_seq():
            entries = await self.source.entries_after(applied, limit)
            if not entries:
                break
            moved = await self.store.apply_batch(entries)
            if moved <= applied:
                break  # a rebuild started meanwhile: leave the rest to it
            applied = moved
        return applied - start

    async def rebuild(self, progress: Progress | None = None, force: bool = True) -> int:
        """Replace every board with the ledger's sums, then catch up what was written
        meanwhile. One process rebuilds at a time; with ``force`` off, a process that
        waited for another's rebuild does not repeat it. Returns the entries covered."""
        async with self.store.rebuild_lock():
            if not force:
                applied = await self.store.applied_seq()
                ready = await self.store.directory_ready()
                last = await self.source.last_seq()
                if not _needs_rebuild(applied, last) and ready:
                    return 0
            seq, sums = await self.source.award_sums()
            if progress:
                progress(0, seq)
            # read after the sums: entries after ``seq`` are applied again, and what they
            # change of the directory is absolute, so a later read is right either way
            members = await self.source.members()
            await self.store.load_sums(sums, seq, members)
            if progress:
                progress(seq, seq)
        try:  # the stream's history is gone: live boards must start from a snapshot
            await self.store.announce(json.dumps({"type": "boards_rebuilt"}))
        except RedisError as exc:
            log.warning("could not announce the rebuild (%s)", exc)
        await self.catch_up()
        return seq

    # -- in the background --------------------------------------------------------------
    def request(self) -> None:
        """Catch up soon (``ensure``: a rebuild when Redis lost everything), in the
        background; never blocks and never raises. A request made during a run causes
        one more run after it."""
        if self._runner is not None and not self._runner.done():
            self._again = True
            return
        self._again = False
        self._runner = asyncio.get_running_loop().create_task(
            self._run_requests(), name="huddle-board-catch-up"
        )

    async def _run_requests(self) -> None:
        while True:
            await self._guarded(self.ensure)
            if not self._again:
                return
            self._again = False

    async def _guarded(self, step: Callable[[], Awaitable[object]]) -> None:
        try:
            await step()
        except (RedisError, OSError) as exc:
            log.warning("boards not synced (%s); retrying later", exc)
        except Exception:  # a database error: keep the boards' runner alive all the same
            log.exception("boards not synced; retrying later")

    def start(self, every: float = 5.0) -> None:
        """Reconcile every ``every`` seconds: entries written while Redis was unreachable,
        or by a writer that died between commit and apply, land within seconds even when
        no further write comes along to fill the gap."""
        if self._loop is None or self._loop.done():
            self._loop = asyncio.get_running_loop().create_task(
                self._reconcile(every), name="huddle-board-reconcile"
            )

    async def stop(self) -> None:
        for task in (self._loop, self._runner):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._loop = self._runner = None

    async def _reconcile(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            await self._guarded(self._reconcile_once)

    async def _reconcile_once(self) -> None:
        result = await self.ensure()
        if result not in ("up to date", "empty"):
            log.info("boards: %s", result)
