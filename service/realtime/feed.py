"""One supervised Redis subscription per instance.

Pub/sub forgets what was published while a subscriber was away, and a naive reader dies
silently when Redis restarts (see the project's NOTES). This reader reconnects with
backoff, resubscribes, and then asks the hub to re-sync every board from the stream. It
also keeps the process's token cache exact (``service/auth.py``): emptied on every
(re)subscription, a revoked token or a changed member forgotten as it is announced.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random

from redis.asyncio import Redis
from redis.exceptions import RedisError

from ..auth import TokenCache
from ..directory import Directory
from ..store.leaderboard import LeaderboardStore
from .hub import Hub

__all__ = ["RedisFeed"]

log = logging.getLogger(__name__)


class RedisFeed:
    def __init__(
        self,
        redis: Redis,
        store: LeaderboardStore,
        hub: Hub,
        tokens: TokenCache | None = None,
        directory: Directory | None = None,
    ) -> None:
        self.redis = redis
        self.store = store
        self.hub = hub
        self.tokens = tokens or TokenCache()
        self.directory = directory or Directory()
        self.connected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.task = asyncio.create_task(self._supervise(), name="huddle-redis-feed")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def _supervise(self) -> None:
        delay = 0.2
        first = True
        while True:
            try:
                await self._listen(resync=not first)
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                log.warning("live feed lost Redis (%s); reconnecting in %.1fs", exc, delay)
            except Exception:
                log.exception("live feed failed; restarting it")
            self.connected.clear()
            first = False
            await asyncio.sleep(delay + random.uniform(0, delay / 2))
            delay = min(delay * 2, 5.0)

    async def _listen(self, resync: bool) -> None:
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.store.channel, self.store.control_channel)
            self.tokens.clear()  # what was announced while away is lost
            self.directory.clear()
            self.connected.set()
            if resync:
                log.info("live feed back on Redis; re-syncing boards")
                await self.hub.resync()
            while True:
                # a timeout keeps the loop responsive and surfaces a dead connection
                message = await pubsub.get_message(timeout=5.0)
                if message is None:
                    await pubsub.ping()
                    continue
                if message["channel"] == self.store.channel:
                    # one message per applied batch: its entries, one per line, in seq order
                    lines = message["data"].split("\n")
                    self.directory.on_messages(lines)
                    self.tokens.on_messages(lines)
                    for line in lines:
                        await self.hub.on_entry(line)
                elif message["channel"] == self.store.control_channel:
                    await self._control(message["data"])
        finally:
            try:
                await pubsub.aclose()
            except Exception as exc:  # the connection may be gone already
                log.debug("closing pubsub: %s", exc)

    async def _control(self, raw: str) -> None:
        data = json.loads(raw)
        if data.get("type") == "token_revoked":
            self.tokens.drop_token(int(data["token_id"]))
            await self.hub.revoke(int(data["token_id"]))
        elif data.get("type") == "boards_rebuilt":
            await self.hub.refresh()
