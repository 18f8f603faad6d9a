"""One supervised Redis subscription per instance.

Pub/sub forgets what was published while a subscriber was away, and a naive reader dies
silently when Redis restarts (see the project's NOTES). This reader reconnects with
backoff, resubscribes, and then asks the hub to re-sync every board from the stream. It
also keeps the process's followers of the ledger exact — the token cache
(``service/auth.py``) and the directory (``service/directory.py``): emptied on every
(re)subscription, given every entry's message, and a revoked token forgotten as it is
announced.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from ..auth import TokenCache
from ..store.leaderboard import LeaderboardStore
from .hub import Hub

__all__ = ["RedisFeed"]

log = logging.getLogger(__name__)
COALESCE_LINES = 1000  # at most this many entries go to the boards as one batch


class Follower(Protocol):
    """What a process keeps in memory and keeps exact by the ledger's entries (its own
    writer's, then the feed's): used only while ``live`` says the feed is subscribed."""

    live: Callable[[], bool]

    def on_messages(self, messages: Iterable[str]) -> None: ...

    def clear(self) -> None: ...


class RedisFeed:
    def __init__(
        self,
        redis: Redis,
        store: LeaderboardStore,
        hub: Hub,
        tokens: TokenCache | None = None,
        followers: Sequence[Follower] = (),
    ) -> None:
        self.redis = redis
        self.store = store
        self.hub = hub
        self.tokens = tokens or TokenCache()  # for revocations, which are not entries
        self.followers = followers
        self.connected = asyncio.Event()
        for follower in followers:  # exact only while the announcements reach us
            follower.live = self.connected.is_set
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
            for follower in self.followers:  # what was announced while away is lost
                follower.clear()
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
                while message is not None:
                    if message["channel"] != self.store.channel:
                        if message["channel"] == self.store.control_channel:
                            await self._control(message["data"])
                        message = None
                        continue
                    lines, message = await self._coalesce(pubsub, message)
                    for follower in self.followers:
                        follower.on_messages(lines)
                    await self.hub.on_batch(lines)
        finally:
            try:
                await pubsub.aclose()
            except Exception as exc:  # the connection may be gone already
                log.debug("closing pubsub: %s", exc)

    async def _coalesce(self, pubsub: PubSub, message: dict[str, Any]) -> tuple[list[str], Any]:
        """The entries of one applied batch (one per line, in seq order) and of the batches
        that arrived after it while the boards were being sent the last ones: they go out
        together when the fan-out is behind, and nothing is held back when it is not. The
        message that ended the run (another channel's), if any, comes back unhandled."""
        lines = message["data"].split("\n")
        while len(lines) < COALESCE_LINES:
            message = await pubsub.get_message(timeout=0)
            if message is None or message["channel"] != self.store.channel:
                return lines, message
            lines.extend(message["data"].split("\n"))
        return lines, None

    async def _control(self, raw: str) -> None:
        data = json.loads(raw)
        if data.get("type") == "token_revoked":
            self.tokens.drop_token(int(data["token_id"]))
            await self.hub.revoke(int(data["token_id"]))
        elif data.get("type") in ("boards_rebuilt", "boards_refresh"):
            await self.hub.refresh()
