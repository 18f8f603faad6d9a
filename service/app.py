"""The Litestar application: wiring of settings, database, Redis, ledger and routes."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import LifeSpanReceive, LifeSpanScope, LifeSpanSend, Receive, Scope, Send
from redis.asyncio import Redis
from redis.exceptions import RedisError
from tortoise.exceptions import OperationalError

from . import __version__, logs
from .api import (
    activities,
    boards,
    connectors,
    contests,
    deals,
    goals,
    imports,
    org,
    peers,
    rewards,
)
from .api.deps import dependencies
from .api.hooks import before_request
from .api.problems import exception_handlers, refusals
from .auth import Caller, TokenCache
from .db.connection import close_db, init_db
from .db.models import Entry
from .directory import Directory, Seasons
from .engine.source import LedgerReader
from .engine.writer import Writer
from .learning import public as learning_public
from .learning import routes as learning_routes
from .metrics import Metrics, live_boards, render
from .outages import outage
from .realtime import routes as live
from .realtime.sockets import RAW_SEND
from .referee import Referee
from .schemas import Health
from .settings import Settings
from .store.embedded import EmbeddedRedis
from .store.leaderboard import LeaderboardStore
from .store.sync import BoardSync
from .web import pages

__all__ = ["Services", "create_app"]

log = logging.getLogger("huddle")


def redis_client(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True, health_check_interval=15)


@dataclass(frozen=True)
class Services:
    """What every process that writes needs: the boards' store, the writer and the sync."""

    store: LeaderboardStore
    writer: Writer
    sync: BoardSync

    @classmethod
    def build(cls, settings: Settings, redis: Redis) -> Services:
        store = LeaderboardStore(redis, settings.redis_prefix, settings.stream_length)
        sync = BoardSync(store, LedgerReader())
        writer = Writer(store, settings.tz, lock_timeout=settings.write_lock_timeout)
        writer.on_redis_trouble = sync.request
        return cls(store, writer, sync)


@asynccontextmanager
async def _lifespan(app: Litestar) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    embedded = None
    url = settings.redis_url
    if not url:
        embedded = EmbeddedRedis(settings.data_dir)
        url = embedded.start()
        log.info("started embedded Redis at %s", url)
    redis = redis_client(url)
    await init_db(settings.db_url)
    try:
        await _check_migrated(settings)
        services = Services.build(settings, redis)
        metrics = Metrics(redis, settings.redis_prefix)
        services.writer.metrics = metrics
        directory, seasons, tokens = Directory(), Seasons(), TokenCache()
        # kept by the ledger's entries (realtime/feed.py)
        followers = (directory, seasons, tokens)

        def committed(messages: list[str]) -> None:  # this process's own writes, at once
            for follower in followers:
                follower.on_messages(messages)

        services.writer.on_committed = committed
        app.state.update(
            {
                "redis": redis,
                "store": services.store,
                "writer": services.writer,
                "sync": services.sync,
                "metrics": metrics,
                "tokens": tokens,
                "directory": directory,
                "seasons": seasons,
                "followers": followers,
            }
        )
        await services.writer.start()
        try:
            await services.store.load_script()
            log.info("boards: %s", await services.sync.ensure())
        except RedisError as exc:
            log.warning("Redis is not reachable yet (%s); boards catch up when it is", exc)
        await live.on_startup(app)
        for hook in app.state.get("startup_hooks", []):
            await hook(app)
        services.sync.start()
        metrics.start()
        referee = Referee(services.writer)
        referee.start()
        try:
            yield
        finally:
            await referee.stop()
            await metrics.stop()
            await services.sync.stop()
            await live.on_shutdown(app)
            await services.writer.stop()
    finally:
        for hook in reversed(app.state.get("shutdown_hooks", [])):
            await hook(app)
        await redis.aclose()
        await close_db()
        if embedded:
            embedded.stop()


async def _check_migrated(settings: Settings) -> None:
    try:
        await Entry.all().limit(1)
    except OperationalError as exc:
        raise RuntimeError(
            f"The database at {settings.db_url} has no Huddle tables yet: run "
            "'huddle migrate' first."
        ) from exc


@get(
    "/api/health",
    tags=["health"],
    security=[{}],  # no token: a load balancer asks
    responses={
        503: ResponseSpec(
            Health, description="The database cannot be reached.", generate_examples=False
        )
    },
)
async def health(state: State) -> Response[Health]:
    """Liveness and readiness: the database and Redis, how far Redis has applied the
    ledger, and how many live boards this instance serves. 503 while the database is
    unreachable (nothing can be written); Redis down is "degraded" (writes still land)."""
    ledger: int | None
    try:
        ledger = await state.sync.source.last_seq()
    except Exception as exc:
        if not outage(exc):
            raise
        ledger = None
    try:
        applied = await state.store.applied_seq()
        redis_ok = True
    except RedisError:
        applied, redis_ok = None, False
    hub = state.get("hub")
    database_ok = ledger is not None
    status: Literal["ok", "degraded", "down"] = (
        "down" if not database_ok else "ok" if redis_ok else "degraded"
    )
    body = Health(
        status=status,
        version=__version__,
        database=database_ok,
        ledger_seq=ledger,
        redis=redis_ok,
        applied_seq=applied,
        live_boards=len(hub.clients) if hub else 0,
    )
    return Response(body, status_code=200 if database_ok else 503)


@get("/metrics", tags=["health"], media_type="text/plain; version=0.0.4", **refusals(403))
async def metrics_text(state: State, caller: Caller) -> str:
    """Prometheus metrics of the whole service (every worker and instance): entries by
    kind, refusals by reason, batch sizes, failed writes, Redis lag, live boards,
    deliveries and dropped boards. For admin and integration tokens."""
    caller.require("admin", "integration")
    redis = state.redis
    ledger = await state.sync.source.last_seq()
    applied = await state.store.applied_seq()
    counters = await redis.hgetall(state.metrics.key)
    gauges = {
        "huddle_ledger_seq": ledger,
        "huddle_redis_applied_seq": applied,
        "huddle_redis_lag": ledger - applied if applied is not None and applied >= 0 else None,
        "huddle_live_boards": await live_boards(redis, state.metrics.live_key),
    }
    return render(counters, gauges)


_FAVICON = "<link rel='icon' type='image/svg+xml' href='/static/img/huddle.svg'>"


class Huddle(Litestar):
    """The Litestar app, keeping each websocket's own ``send`` from the server in its scope:
    Litestar wraps it, and the live fan-out writes frames to the connection behind it
    (``realtime/sockets.py``)."""

    async def __call__(
        self,
        scope: Scope | LifeSpanScope,
        receive: Receive | LifeSpanReceive,
        send: Send | LifeSpanSend,
    ) -> None:
        if scope["type"] == "websocket":
            scope[RAW_SEND] = send  # type: ignore[literal-required]
        await super().__call__(scope, receive, send)


def create_app(settings: Settings | None = None, extra_routes: list[Any] | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    logs.install()
    route_handlers: list[Any] = [
        health,
        metrics_text,
        *org.routes,
        *deals.routes,
        *peers.routes,
        *goals.routes,
        *activities.routes,
        *imports.routes,
        *connectors.routes,
        *rewards.routes,
        *contests.routes,
        *boards.routes,
        *learning_routes.routes,
        *learning_public.routes,
        *live.routes,
        *pages.routes,
        *(extra_routes or []),
    ]
    return Huddle(
        route_handlers=route_handlers,
        dependencies=dependencies,
        before_request=before_request,
        exception_handlers=exception_handlers,
        template_config=pages.template_config,
        lifespan=[_lifespan],
        state=State({"settings": settings}),
        logging_config=logs.app_logging(settings.log_format),
        openapi_config=OpenAPIConfig(
            title="Huddle",
            version=__version__,
            path="/schema",
            description="Live team competition and rewards for sales teams. "
            "Authenticate with 'Authorization: Bearer <token>'.",
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        description="A Huddle token (admin, manager, seller, display or "
                        "integration); ask an admin for one.",
                    )
                }
            ),
            security=[{"BearerToken": []}],
            # the documentation pages load their scripts from Huddle (static/vendor), not a
            # CDN: they work on a network with no internet
            render_plugins=[
                RedocRenderPlugin(
                    path=["/", "/redoc"],
                    js_url="/static/vendor/redoc/redoc.standalone.js",
                    google_fonts=False,
                    favicon=_FAVICON,
                ),
                SwaggerRenderPlugin(
                    js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
                    css_url="/static/vendor/swagger-ui/swagger-ui.css",
                    standalone_preset_js_url="/static/vendor/swagger-ui/swagger-ui-standalone-preset.js",
                    favicon=_FAVICON,
                ),
                JsonRenderPlugin(),
            ],
        ),
    )
