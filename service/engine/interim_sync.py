"""INTERIM (replaced by service.store.sync): keep Redis level with the ledger."""

from __future__ import annotations

import asyncio
import json
import logging

from redis.exceptions import RedisError

from ..store.leaderboard import LeaderboardStore

log = logging.getLogger(__name__)


class BoardSync:
    def __init__(self, store: LeaderboardStore, source) -> None:  # type: ignore[no-untyped-def]
        self.store, self.source = store, source
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.Task[None] | None = None

    async def ensure(self) -> str:
        applied = await self.store.applied_seq()
        last = await self.source.last_seq()
        if applied is None and last == 0:
            return "empty"
        if applied is None or applied > last:
            return f"rebuilt {await self.rebuild()} entries"
        if applied < last:
            return f"caught up {await self.catch_up()} entries"
        return "up to date"

    async def catch_up(self) -> int:
        done = 0
        while True:
            applied = await self.store.applied_seq() or 0
            batch = await self.source.entries_after(applied, 500)
            if not batch:
                return done
            await self.store.apply_batch(batch)
            done += len(batch)

    async def rebuild(self, progress=None) -> int:  # type: ignore[no-untyped-def]
        await self.store.reset()
        done = 0
        while batch := await self.source.entries_after(done, 1000):
            await self.store.apply_many(batch, publish=False)
            done = batch[-1].seq
        await self.store.announce(json.dumps({"type": "boards_rebuilt"}))
        return done

    def request(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._safe())

    async def _safe(self) -> None:
        try:
            await self.ensure()
        except (RedisError, OSError) as exc:
            log.warning("board sync failed (%s)", exc)

    def start(self, every: float = 5.0) -> None:
        async def loop() -> None:
            while True:
                await asyncio.sleep(every)
                try:
                    await self.ensure()
                except Exception as exc:
                    log.warning("reconcile failed (%s)", exc)

        self._loop = asyncio.create_task(loop())

    async def stop(self) -> None:
        for task in (self._loop, self._task):
            if task:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
