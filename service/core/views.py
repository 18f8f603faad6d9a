"""Entries as people see them: the feed line and the live ``update``'s entry are both
``feed_view`` of the typed entry."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import Struct

from .entries import (
    PRIVATE_FIELDS,
    BadgeEarned,
    ContestSettled,
    DealWon,
    Entry,
    GoalReached,
    Improved,
)
from .points import from_cents

__all__ = ["ActorView", "EntryAward", "FeedEntry", "feed_view"]

# a JSON number: the value is written as it is (whole points stay 48, not 48.0), and
# the OpenAPI schema says ``number`` (``int | float`` became oneOf integer/number there,
# which no whole number passes)
Number = float


class ActorView(Struct):
    role: str
    member_id: int | None
    name: str | None


class EntryAward(Struct):
    member_id: int
    name: str | None
    team_id: int
    category: str
    points: Number


class FeedEntry(Struct, omit_defaults=True):
    """One ledger entry: ``data`` depends on ``kind``; ``celebrate`` marks goals and badges;
    ``contests`` (live updates only) the contest standings rows its batch moved."""

    seq: int
    kind: str
    occurred_at: str
    recorded_at: str
    member_id: int | None
    member_name: str | None
    team_id: int | None
    season_id: int | None
    by: ActorView
    data: dict[str, Any]
    awards: list[EntryAward]
    events: list[dict[str, Any]]
    celebrate: bool
    contests: list[dict[str, Any]] | None = None


def _celebrates(entry: Entry) -> bool:
    """A won deal, a goal reached, a badge, a newcomer's improvement: not a correction's
    re-scoring (unless it reaches a goal or earns a badge), never a reversal."""
    p = entry.payload
    if isinstance(p, DealWon) and p.rescores is None:
        return True
    if isinstance(p, ContestSettled):
        return bool(p.winners)
    return any(isinstance(e, GoalReached | BadgeEarned | Improved) for e in entry.events)


def feed_view(entry: Entry) -> FeedEntry:
    """A ledger entry as the feed, the live boards and the CSV export show it."""
    names = entry.names
    data = msgspec.to_builtins(entry.payload)
    data.pop("kind", None)
    for private in PRIVATE_FIELDS.get(entry.kind, ()):
        data.pop(private, None)
    return FeedEntry(
        seq=entry.seq,
        kind=entry.kind,
        occurred_at=entry.occurred_at.isoformat(),
        recorded_at=entry.recorded_at.isoformat(),
        member_id=entry.member_id,
        member_name=names.get(entry.member_id) if entry.member_id else None,
        team_id=entry.team_id,
        season_id=entry.season_id,
        by=ActorView(
            entry.actor.role,
            entry.actor.member_id,
            names.get(entry.actor.member_id) if entry.actor.member_id else None,
        ),
        data=data,
        awards=[
            EntryAward(
                a.member_id, names.get(a.member_id), a.team_id, a.category, from_cents(a.cents)
            )
            for a in entry.awards
        ],
        events=msgspec.to_builtins(entry.events),
        celebrate=_celebrates(entry),
        contests=list(entry.contests) if entry.contests else None,
    )
