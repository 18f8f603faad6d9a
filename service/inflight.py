"""Lookups that callers asking at the same moment share.

When a building's screens come back after a deploy, hundreds of boards connect within a
second with the same token and the same season: without this, each would run the same
database query before the first answer could be remembered. With it, the first caller
starts the lookup and the others wait for its answer (or its refusal).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["InFlight"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class InFlight(Generic[K, V]):
    """The lookups running now, by key."""

    def __init__(self) -> None:
        self._running: dict[K, asyncio.Task[V]] = {}

    def ask(self, key: K, lookup: Callable[[], Awaitable[V]]) -> Awaitable[V]:
        """The answer of the lookup running for ``key``, started if none is."""
        task = self._running.get(key)
        if task is None:
            task = self._running[key] = asyncio.ensure_future(lookup())

            def done(finished: asyncio.Task[V]) -> None:
                if self._running.get(key) is finished:
                    del self._running[key]
                if not finished.cancelled():
                    finished.exception()  # seen, even when every caller has gone

            task.add_done_callback(done)
        # a caller that goes away (a board closing) does not cancel the others' answer
        return asyncio.shield(task)

    def clear(self) -> None:
        """What is known changed: the next caller starts a lookup of its own rather than
        wait for one that began before the change."""
        self._running.clear()
