"""``GET /metrics``: Prometheus text for the whole service, not one worker's share.

A scrape reaches one worker of one instance, so the counters live in Redis (one hash,
``{prefix}:metrics``), where every worker of every instance adds what it counted: each
keeps its counts in memory and adds them once a second with one pipeline (nothing is
added to a write's own path). If Redis is flushed the counters start again from zero,
which Prometheus reads as a counter reset. Gauges are read at scrape time: the ledger's
last ``seq``, how far Redis has applied it, and the live boards each process serves
(each process reports its own, with a 30-second expiry, so a dead one drops out).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import Iterable

from redis.asyncio import Redis
from redis.exceptions import RedisError

__all__ = ["BATCH_BUCKETS", "Metrics", "live_boards", "render"]

log = logging.getLogger(__name__)
BATCH_BUCKETS = (1, 4, 16, 64, 256)
FLUSH_SECONDS = 1.0
LIVE_TTL = 30

HELP = {
    "huddle_entries_total": ("counter", "Ledger entries appended, by kind."),
    "huddle_refusals_total": (
        "counter",
        "Commands refused by a rule or a bad input, by status and reason.",
    ),
    "huddle_write_failures_total": ("counter", "Commands answered 503 because their batch failed."),
    "huddle_batches_total": ("counter", "Write batches committed."),
    "huddle_batch_commands_total": ("counter", "Commands decided in committed batches."),
    "huddle_batch_size": ("histogram", "Commands per committed write batch."),
    "huddle_write_lock_wait_seconds_total": (
        "counter",
        "Time write batches waited for the org-wide write lock (another writer held it).",
    ),
    "huddle_write_lock_held_seconds_total": (
        "counter",
        "Time write batches held the org-wide write lock, by step (catch_up, decide, "
        "append, commit); summed over every writer it is the share of time the ledger "
        "was busy.",
    ),
    "huddle_live_deliveries_total": ("counter", "Live board messages queued to a board."),
    "huddle_live_dropped_total": ("counter", "Live boards dropped for being too slow."),
    "huddle_live_snapshots_total": (
        "counter",
        "Snapshots sent to live boards; built=no when one built for the same board and seq "
        "was sent again.",
    ),
    "huddle_ledger_seq": ("gauge", "The ledger's last seq."),
    "huddle_redis_applied_seq": ("gauge", "The last seq applied to the Redis boards."),
    "huddle_redis_lag": ("gauge", "Entries committed but not yet on the Redis boards."),
    "huddle_live_boards": ("gauge", "Live boards connected, all instances."),
}


def _series(name: str, labels: Iterable[tuple[str, str]] = ()) -> str:
    pairs = ",".join(f'{k}="{_escape(v)}"' for k, v in labels)
    return f"{name}{{{pairs}}}" if pairs else name


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Metrics:
    """One process's counts, added to the shared hash once a second."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key = f"{prefix}:metrics"
        self.live_key = f"{prefix}:metrics:live"
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.pending: Counter[str] = Counter()
        self.seconds: dict[str, float] = {}  # counters of seconds (added as floats)
        self.live_boards = lambda: 0  # set by the live hub
        self._task: asyncio.Task[None] | None = None

    def count(self, name: str, n: int = 1, **labels: str) -> None:
        self.pending[_series(name, sorted(labels.items()))] += n

    def add(self, name: str, seconds: float, **labels: str) -> None:
        """A counter of seconds."""
        series = _series(name, sorted(labels.items()))
        self.seconds[series] = self.seconds.get(series, 0.0) + seconds

    def batch(self, size: int) -> None:
        self.count("huddle_batches_total")
        self.count("huddle_batch_commands_total", size)
        for le in BATCH_BUCKETS:
            if size <= le:
                self.count("huddle_batch_size_bucket", le=str(le))
        self.count("huddle_batch_size_bucket", le="+Inf")
        self.count("huddle_batch_size_sum", size)
        self.count("huddle_batch_size_count")

    async def flush(self) -> None:
        counts, self.pending = self.pending, Counter()
        seconds, self.seconds = self.seconds, {}
        pipe = self.redis.pipeline(transaction=False)
        for field, n in counts.items():
            pipe.hincrby(self.key, field, n)
        for field, value in seconds.items():
            pipe.hincrbyfloat(self.key, field, value)
        pipe.hset(self.live_key, self.me, f"{self.live_boards()}:{int(time.time())}")
        try:
            await pipe.execute()
        except (RedisError, OSError):
            self.pending.update(counts)  # kept for the next try
            for field, value in seconds.items():
                self.seconds[field] = self.seconds.get(field, 0.0) + value
            raise

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="huddle-metrics")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(RedisError, OSError):
            await self.flush()
            await self.redis.hdel(self.live_key, self.me)  # type: ignore[misc]

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(FLUSH_SECONDS)
            try:
                await self.flush()
            except (RedisError, OSError) as exc:
                log.debug("metrics not flushed (%s); kept for the next second", exc)


async def live_boards(redis: Redis, key: str) -> int:
    """Live boards of every process that reported within the last 30 seconds."""
    total, now = 0, time.time()
    for value in (await redis.hgetall(key)).values():  # type: ignore[misc]
        count, _, at = str(value).partition(":")
        if at.isdigit() and now - int(at) <= LIVE_TTL:
            total += int(count)
    return total


def render(counters: dict[str, str], gauges: dict[str, float | None]) -> str:
    """Prometheus text exposition (0.0.4) of the shared counters and scrape-time gauges."""
    by_name: dict[str, list[str]] = {}
    for series, value in sorted(counters.items()):
        name = series.split("{", 1)[0]
        family = name.removesuffix("_bucket").removesuffix("_sum").removesuffix("_count")
        family = family if family in HELP else name
        by_name.setdefault(family, []).append(f"{series} {value}")
    for name, number in gauges.items():
        if number is not None:
            by_name.setdefault(name, []).append(f"{name} {number:g}")
    lines: list[str] = []
    for name in sorted(by_name):
        kind, text = HELP.get(name, ("untyped", name))
        lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *by_name[name]]
    return "\n".join(lines) + "\n"
