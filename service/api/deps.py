"""Dependencies shared by the controllers: the caller, the writer, the store, settings.

They form a chain (settings → writer → store → caller): Litestar resolves dependencies
that do not depend on each other concurrently in an anyio task group, which cost ~15% of
a worker's CPU per request under load (py-spy, ``make bench``); chained, each is
resolved in turn, and the ones before the caller are attribute reads."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import Provide

from ..auth import Caller, authenticate
from ..engine.writer import Writer
from ..settings import Settings
from ..store.leaderboard import LeaderboardStore

__all__ = ["dependencies"]


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def provide_caller(request: Request[Any, Any, Any], store: LeaderboardStore) -> Caller:
    return await authenticate(bearer_token(request), request.app.state.settings.admin_token)


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def provide_writer(request: Request[Any, Any, Any], settings: Settings) -> Writer:
    return request.app.state.writer  # type: ignore[no-any-return]


def provide_store(request: Request[Any, Any, Any], writer: Writer) -> LeaderboardStore:
    return request.app.state.store  # type: ignore[no-any-return]


dependencies = {
    "caller": Provide(provide_caller),
    "writer": Provide(provide_writer, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}
