"""Bearer tokens: created once, stored only as a SHA-256 hash, checked on every request."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from .core.entries import Actor
from .db.models import Token
from .errors import Unauthorized, wrong_role

__all__ = ["ROLES", "Caller", "authenticate", "hash_token", "new_token"]

ROLES = ("admin", "manager", "seller", "display", "integration")


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


async def authenticate(token: str | None, admin_token: str | None) -> Caller:
    """Resolve a bearer token to a Caller, or raise Unauthorized."""
    if not token:
        raise Unauthorized(
            "This needs a token: send 'Authorization: Bearer <token>' (ask an admin for one)."
        )
    if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
        return Caller(role="admin", name="admin")
    # one query: the token with its member (a member token acts as the member)
    row = await Token.filter(token_hash=hash_token(token)).select_related("member").first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("This token is unknown or has been revoked; ask an admin for a new one.")
    member = row.member
    if member is None:
        return Caller(role=row.role, token_id=row.id, name=row.label)
    # a member's token acts in the member's current role, so a role change applies at once
    return Caller(
        role=member.role,
        token_id=row.id,
        member_id=member.id,
        team_id=member.team_id,
        name=member.name,
    )
