"""Live tickets: a page opens its live board without its token in the URL.

Browsers cannot send an ``Authorization`` header with a websocket, so ``?token=`` was the
only way, and a URL is what proxies and servers log. A page with its token (kept in the
browser since the first load) asks ``POST /api/live/ticket`` for a ticket instead and
opens ``/ws/board?ticket=…``: random, good for one connection, within a minute. Redis
keeps only its hash, with who it was issued to; using it deletes it (``GETDEL``), so
a ticket that leaks from a log has already been spent or has expired.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from redis.asyncio import Redis

from ..auth import Caller

__all__ = ["TICKET_SECONDS", "issue", "redeem"]

TICKET_SECONDS = 60


def _key(prefix: str, ticket: str) -> str:
    return f"{prefix}:ticket:{hashlib.sha256(ticket.encode()).hexdigest()}"


async def issue(redis: Redis, prefix: str, caller: Caller) -> str:
    ticket = "hlt_" + secrets.token_urlsafe(24)
    who = {
        "role": caller.role,
        "token_id": caller.token_id,
        "member_id": caller.member_id,
        "team_id": caller.team_id,
        "name": caller.name,
    }
    await redis.set(_key(prefix, ticket), json.dumps(who), ex=TICKET_SECONDS)
    return ticket


async def redeem(redis: Redis, prefix: str, ticket: str) -> Caller | None:
    """Who the ticket was issued to, once; None when it is unknown, used or expired."""
    if not ticket or len(ticket) > 100:
        return None
    raw = await redis.getdel(_key(prefix, ticket))
    return Caller(**json.loads(raw)) if raw else None
