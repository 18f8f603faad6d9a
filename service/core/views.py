"""Entries as people see them: the feed line and the live ``update``'s entry are both
``feed_view`` of the typed entry."""

from __future__ import annotations

from typing import Any

import msgspec

from .entries import PRIVATE_FIELDS, BadgeEarned, Entry, GoalReached
from .points import from_cents

__all__ = ["feed_view"]


def feed_view(entry: Entry) -> dict[str, Any]:
    """A ledger entry as the feed and the live boards show it."""
    names = entry.names
    data = msgspec.to_builtins(entry.payload)
    data.pop("kind", None)
    for private in PRIVATE_FIELDS.get(entry.kind, ()):
        data.pop(private, None)
    events = msgspec.to_builtins(entry.events)
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_at": entry.recorded_at.isoformat(),
        "member_id": entry.member_id,
        "member_name": names.get(entry.member_id) if entry.member_id else None,
        "team_id": entry.team_id,
        "season_id": entry.season_id,
        "by": {
            "role": entry.actor.role,
            "member_id": entry.actor.member_id,
            "name": names.get(entry.actor.member_id) if entry.actor.member_id else None,
        },
        "data": data,
        "awards": [
            {
                "member_id": a.member_id,
                "name": names.get(a.member_id),
                "team_id": a.team_id,
                "category": a.category,
                "points": from_cents(a.cents),
            }
            for a in entry.awards
        ],
        "events": events,
        "celebrate": entry.kind == "deal.won"
        or any(isinstance(e, GoalReached | BadgeEarned) for e in entry.events),
    }
