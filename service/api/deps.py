"""Dependencies shared by the controllers: the caller, the writer, the store, settings.

They form a chain (settings → writer → store → caller, then tokens or boards): Litestar
resolves dependencies that do not depend on each other concurrently in an anyio task
group, which cost ~15% of a worker's CPU per request under load (py-spy, ``make
bench``); chained, each is resolved in turn, and the ones besides the caller are
attribute reads."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter

from ..auth import Caller, TokenCache, authenticate
from ..boards import Boards
from ..engine.writer import Writer
from ..schemas import when_sent
from ..settings import Settings
from ..store.leaderboard import LeaderboardStore

__all__ = ["REPLAYED", "REPLAYED_HEADER", "IdempotencyKey", "dependencies"]

IdempotencyKey = Annotated[
    str | None,
    Parameter(
        header="Idempotency-Key",
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Any unique string (a UUID, say), 1 to 200 visible ASCII characters. "
        "Retrying a request with the same key, from the same token, answers with what the "
        "first one recorded (and the header Idempotent-Replayed: true) and records nothing "
        "again; the same key with a different request is a 422.",
        schema_extra=when_sent(OpenAPIType.STRING),
    ),
]
# the header on an answer given again for an Idempotency-Key
REPLAYED = {"Idempotent-Replayed": "true"}
REPLAYED_HEADER = ResponseHeader(
    name="Idempotent-Replayed",
    value="true",
    documentation_only=True,
    description="true when this answers an earlier request with the same Idempotency-Key",
)


def bearer_token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def provide_caller(request: Request[Any, Any, Any], store: LeaderboardStore) -> Caller:
    state = request.app.state
    return await authenticate(bearer_token(request), state.settings.admin_token, state.tokens)


def provide_tokens(request: Request[Any, Any, Any], caller: Caller) -> TokenCache:
    return request.app.state.tokens  # type: ignore[no-any-return]


def provide_boards(request: Request[Any, Any, Any], caller: Caller) -> Boards:
    state = request.app.state
    return Boards(state.store, state.directory)


def provide_settings(request: Request[Any, Any, Any]) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def provide_writer(request: Request[Any, Any, Any], settings: Settings) -> Writer:
    return request.app.state.writer  # type: ignore[no-any-return]


def provide_store(request: Request[Any, Any, Any], writer: Writer) -> LeaderboardStore:
    return request.app.state.store  # type: ignore[no-any-return]


dependencies = {
    "caller": Provide(provide_caller),
    "tokens": Provide(provide_tokens, sync_to_thread=False),
    "boards": Provide(provide_boards, sync_to_thread=False),
    "writer": Provide(provide_writer, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
    "settings": Provide(provide_settings, sync_to_thread=False),
}
