"""Which dependency an exception says is unreachable: a 503 the client may retry (over
HTTP, see ``service.api.problems``; on a live socket, close code 1013), not a bug."""

from __future__ import annotations

from collections.abc import Iterator

import asyncpg
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from tortoise.exceptions import DBConnectionError

__all__ = ["causes", "outage"]

# a database that is down, restarting, refusing connections or that dropped ours
_DATABASE_DOWN = (
    ConnectionError,  # refused, reset; Tortoise's DBConnectionError is one too
    TimeoutError,
    DBConnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections
    asyncpg.exceptions.ObjectNotInPrerequisiteStateError,  # not accepting connections
    # a pooled connection whose server session was terminated can surface as this
    # (MagicStack/asyncpg#1069; SQLAlchemy treats it as a disconnect too)
    asyncpg.exceptions.InternalClientError,
)


def causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it was raised from or during, innermost last."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def outage(exc: BaseException) -> str | None:
    """Which dependency an exception says is unreachable ("database", "Redis"), if any:
    that is a 503 the client may retry, not a bug."""
    for seen in causes(exc):
        if isinstance(seen, RedisConnectionError | RedisTimeoutError):
            return "Redis"
        if isinstance(seen, _DATABASE_DOWN):
            return "database"
    return None
