"""Bearer tokens: created once, stored only as a SHA-256 hash, checked on every request.

A process remembers the tokens it has checked (``TokenCache``) so that a request or a
board connecting with a known token costs no database round trip. The cache is exact
because every change that could make a remembered answer wrong reaches every process: a
revoked token (forgotten at once where it was revoked, and by the ``token_revoked``
announcement elsewhere) and a changed member (a ``member.updated`` ledger entry: a
member's token acts in the member's current role and team; the process's own writer
hands it over before answering, the feed brings the others'). It is used only while
this process's subscription is up, and emptied whenever it (re)connects, since pub/sub
forgets what it sent while a subscriber was away; without it every request asks the
database, as before.

Requests that bring the same unknown token at the same moment (a building's TVs coming
back after a deploy, all with the office's display token) share one query: the first
asks, the others wait for its answer. A drop (revocation, member change) lets the next
request ask again rather than wait for a query that began before it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .core.entries import Actor
from .db.models import Token
from .errors import Unauthorized, wrong_role
from .inflight import InFlight

__all__ = ["ROLES", "Caller", "TokenCache", "authenticate", "hash_token", "new_token"]

ROLES = ("admin", "manager", "seller", "display", "integration")
# a ledger entry that changes a member, as it appears in a live message
_MEMBER_UPDATED = '"kind":"member.updated"'


@dataclass(frozen=True)
class Caller:
    """Who is asking: the token's role and, for sellers and managers, their member."""

    role: str
    token_id: int | None = None
    member_id: int | None = None
    team_id: int | None = None
    name: str | None = None

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise wrong_role(self.role, roles)

    @property
    def actor(self) -> Actor:
        """The caller as the ledger records who made an entry."""
        return Actor(self.role, self.token_id, self.member_id)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def new_token() -> str:
    """A fresh token: 32 random bytes, URL-safe, with a recognisable prefix."""
    return "hud_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # tokens are 256-bit random strings, so a fast hash is enough (no dictionary to attack)
    return hashlib.sha256(token.encode()).hexdigest()


class TokenCache:
    """Callers by token hash, for one process; see the module's docstring.

    ``live`` says whether the announcements are reaching this process (the live feed's
    subscription is up); while it is False nothing is remembered or answered from memory.
    Entries also expire after ``ttl`` seconds, and the oldest go beyond ``size``."""

    def __init__(self, ttl: float = 60.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self.live: Callable[[], bool] = lambda: False
        self._callers: dict[str, tuple[float, Caller]] = {}
        # the queries running now, by token hash: requests for the same token share one
        self.asking: InFlight[str, Caller] = InFlight()
        # moves on every drop: an answer read from the database before a drop is not
        # remembered after it (it may be the answer the drop was for)
        self.generation = 0

    def get(self, hashed: str) -> Caller | None:
        if not self.live():
            return None
        found = self._callers.get(hashed)
        if found is None:
            return None
        if found[0] < time.monotonic():
            del self._callers[hashed]
            return None
        return found[1]

    def put(self, hashed: str, caller: Caller, generation: int) -> None:
        if generation != self.generation or not self.live():
            return
        if len(self._callers) >= self.size:
            del self._callers[next(iter(self._callers))]
        self._callers[hashed] = (time.monotonic() + self.ttl, caller)

    def drop_token(self, token_id: int) -> None:
        self._drop(lambda c: c.token_id == token_id)

    def drop_member(self, member_id: int) -> None:
        self._drop(lambda c: c.member_id == member_id)

    def on_messages(self, messages: Iterable[str]) -> None:
        """Live messages of ledger entries (from the writer or the feed): a changed
        member's tokens are forgotten (they act in the member's role and team)."""
        for raw in messages:
            if _MEMBER_UPDATED in raw:
                self.drop_member(json.loads(raw)["member_id"])

    def clear(self) -> None:
        self._drop(lambda c: True)

    def _drop(self, matches: Callable[[Caller], bool]) -> None:
        self.generation += 1
        self.asking.clear()  # a query begun before the drop answers only who asked then
        for hashed in [h for h, (_, c) in self._callers.items() if matches(c)]:
            del self._callers[hashed]


async def authenticate(
    token: str | None, admin_token: str | None, cache: TokenCache | None = None
) -> Caller:
    """Resolve a bearer token to a Caller, or raise Unauthorized."""
    if not token:
        raise Unauthorized(
            "This needs a token: send 'Authorization: Bearer <token>' (ask an admin for one)."
        )
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Caller(role="admin", name="admin")
    hashed = hash_token(token)
    if cache is None:
        return await _look_up(hashed, None)
    if (known := cache.get(hashed)) is not None:
        return known
    return await cache.asking.ask(hashed, lambda: _look_up(hashed, cache))


async def _look_up(hashed: str, cache: TokenCache | None) -> Caller:
    """The caller of a token hash, from the database (remembered when a cache is given)."""
    generation = cache.generation if cache is not None else 0
    # one query: the token with its member (a member token acts as the member)
    row = await Token.filter(token_hash=hashed).select_related("member").first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("This token is unknown or has been revoked; ask an admin for a new one.")
    member = row.member
    if member is None:
        caller = Caller(role=row.role, token_id=row.id, name=row.label)
    else:
        # a member's token acts in the member's current role, so a role change applies
        # at once (the cache forgets the member when the change is announced)
        caller = Caller(
            role=member.role,
            token_id=row.id,
            member_id=member.id,
            team_id=member.team_id,
            name=member.name,
        )
    if cache is not None:
        cache.put(hashed, caller, generation)
    return caller
