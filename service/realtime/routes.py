"""``GET /ws/board``: the live board socket (see docs/live.md for the protocol)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from litestar import Litestar, Request, WebSocket, post, websocket
from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import HTTP_201_CREATED

from ..api.problems import refusals
from ..auth import Caller, authenticate
from ..core.commands import MAX_ID
from ..db.models import Token
from ..errors import HuddleError, Invalid, NotFound, Unauthorized, Unavailable
from ..outages import outage
from ..settings import Settings
from . import tickets
from .feed import RedisFeed
from .hub import CLOSE_REVOKED, CLOSE_TRY_AGAIN, Client, Hub
from .sockets import socket_for

__all__ = ["on_shutdown", "on_startup", "routes"]

log = logging.getLogger(__name__)
HEARTBEAT_SECONDS = 15.0
TOKEN_RECHECK_SECONDS = 60.0


def _int(value: str | None, name: str, top: int) -> int | None:
    if value in (None, ""):
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > top:
        raise Invalid(f"{name} must be a whole number from 0 to {top:,}.", field=name)
    return int(value)


@websocket("/ws/board")
async def board_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """Live board: a ``snapshot``, then one ``update`` per ledger entry, and heartbeats."""
    state = socket.app.state
    hub: Hub = state.hub
    await socket.accept()
    params = socket.query_params
    client: Client | None = None
    try:
        if "ticket" in params:
            caller = await _redeem(socket, params.get("ticket") or "")
        else:
            caller = await authenticate(
                params.get("token"), state.settings.admin_token, state.tokens
            )
        team_id = _int(params.get("team_id"), "team_id", MAX_ID)
        since = _int(params.get("since"), "since", 2**63 - 1)
        if team_id is not None and team_id not in (await state.directory.get())[1]:
            raise NotFound(f"there is no team {team_id}", field="team_id")
        season = await state.seasons.resolve(params.get("season") or "current", state.settings)
        client = Client(
            socket=socket_for(socket, state.settings.live_buffer),
            token_id=caller.token_id,
            season_id=season.id if season else None,
            team_id=team_id,
        )
        await hub.join(client, since)
    except (WebSocketDisconnect, RuntimeError):
        if client is not None:
            hub.leave(client)
        return  # gone while joining
    except Exception as exc:
        if client is not None:
            hub.leave(client)
        down = outage(exc)
        if down:  # the token or the board could not be read: come back later
            exc = Unavailable(f"Huddle cannot reach its {down} right now; try again shortly.")
        elif not isinstance(exc, HuddleError):
            log.warning("a live board could not join (%s)", exc)
            exc = Unavailable("The board cannot be built right now; try again shortly.")
        # the problem details as a last message (a browser cannot read an HTTP status on
        # a websocket), then the close code and a short reason
        problem = {"type": "error", "status": exc.status, "title": exc.title}
        problem.update(detail=exc.detail, **exc.extra)
        await socket.send_text(json.dumps(problem))
        code = {401: CLOSE_REVOKED, 503: CLOSE_TRY_AGAIN}.get(exc.status, 4400)
        await socket.close(code=code, reason=exc.detail[:120])
        return
    try:  # the client sends nothing we need; reading detects that it went away
        while not client.closed:
            await socket.receive_data("text")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.leave(client)


async def _redeem(socket: WebSocket[Any, Any, Any], ticket: str) -> Caller:
    state = socket.app.state
    caller = await tickets.redeem(state.redis, state.settings.redis_prefix, ticket)
    if caller is None:
        raise Unauthorized("This live ticket is unknown, used or expired; ask for a new one.")
    # revoked in the minute since the ticket was issued
    if caller.token_id is not None and not await Token.exists(
        id=caller.token_id, revoked_at__isnull=True
    ):
        raise Unauthorized("This token has been revoked; ask an admin for a new one.")
    return caller


@post("/api/live/ticket", status_code=HTTP_201_CREATED, tags=["live"], **refusals())
async def live_ticket(
    request: Request[Any, Any, Any], caller: Caller, settings: Settings
) -> dict[str, Any]:
    """A one-time ticket to open ``/ws/board?ticket=…`` within a minute, so a page's
    token never travels in a websocket URL (which servers and proxies log)."""
    redis = request.app.state.redis
    ticket = await tickets.issue(redis, settings.redis_prefix, caller)
    return {"ticket": ticket, "expires_in": tickets.TICKET_SECONDS}


async def _housekeeping(hub: Hub) -> None:
    """Heartbeats for stale-marks on screens, and a token re-check in case an instance
    missed a revocation message."""
    beats = 0
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        beats += 1
        try:
            await hub.heartbeat()
            if beats % int(TOKEN_RECHECK_SECONDS / HEARTBEAT_SECONDS) == 0:
                ids = {c.token_id for c in hub.clients if c.token_id is not None}
                revoked = await Token.filter(id__in=list(ids), revoked_at__not_isnull=True)
                for token in revoked:
                    await hub.revoke(token.id)
        except Exception as exc:  # keep beating whatever one round hit
            log.warning("live housekeeping failed: %s", exc)


async def on_startup(app: Litestar) -> None:
    hub = Hub(app.state.store, app.state.directory)
    metrics = app.state.get("metrics")
    if metrics is not None:
        hub.metrics = metrics
        metrics.live_boards = lambda: len(hub.clients)
    feed = RedisFeed(app.state.redis, app.state.store, hub, app.state.tokens, app.state.followers)
    feed.start()
    app.state.update(
        {
            "hub": hub,
            "live_feed": feed,
            "live_housekeeping": asyncio.create_task(_housekeeping(hub)),
        }
    )


async def on_shutdown(app: Litestar) -> None:
    app.state.live_housekeeping.cancel()
    await app.state.live_feed.stop()
    await app.state.hub.close_all()


routes = [board_socket, live_ticket]
