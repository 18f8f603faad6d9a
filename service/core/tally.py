"""What a contest counts: which entries, for whom, how much.

A contest counts one metric — ``points`` (every award), one award category (``deals``,
``help``, ``mentoring``, …), ``deals_won`` (one per won deal), ``revenue`` (a won deal's
amount) or ``activity:<key>`` (a metric's units) — for its participants: members
("m<id>"), whole teams ("t<id>") or the two sides of a head-to-head ("s0", "s1"). Its
tally is kept in hundredths per participant key, as ``evolve`` folds each entry in:

- an entry counts by when it happened (``occurred_at``; a deal's reversal by when the
  deal closed, so taking back a deal from before the contest never lowers a score in it);
- it counts if that moment is inside ``[starts_at, ends_at)`` and the contest is not
  settled yet when the entry is recorded: once settled, a contest never changes;
- an ``improvement`` contest also keeps each participant's tally of the equal period
  before it (its ``baseline``), and a recurring contest the entries that already belong
  to its next period (``carry``), which the next contest starts from.

Nothing here does I/O: the same functions count a contest's past when it is created
(outside the lock, from the ledger) and every entry after (in ``evolve``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .entries import (
    ActivityLogged,
    Actor,
    ContestCreated,
    DealReversed,
    DealWon,
    Entry,
    KudosRevoked,
    MentoringRevoked,
    Prize,
    Side,
    Tier,
    Winner,
)
from .points import to_cents
from .scoring import CATEGORIES

__all__ = [
    "CATEGORIES",
    "ContestFacts",
    "attributions",
    "count",
    "count_past",
    "counting_time",
    "participant_keys",
]


@dataclass
class ContestFacts:
    id: int
    name: str
    format: str
    metric: str
    starts_at: datetime
    ends_at: datetime
    team_ids: frozenset[int]
    member_ids: frozenset[int]
    by: str
    sides: tuple[Side, ...]
    target: int | None  # hundredths
    tiers: tuple[Tier, ...]
    prizes: tuple[Prize, ...]
    min_score: int | None  # hundredths
    recurrence: str | None
    challenge: bool
    series: int
    created_by: Actor
    team_id: int | None  # the team of the manager who created it
    created_seq: int
    # proposed (a challenge not yet accepted) | open | settled | cancelled | declined
    state: str = "open"
    tally: dict[str, int] = field(default_factory=dict)
    baseline: dict[str, int] = field(default_factory=dict)
    carry: dict[str, int] = field(default_factory=dict)
    next_ends_at: datetime | None = None  # a recurring contest's next period's end
    winners: tuple[Winner, ...] = ()
    standings: tuple[dict[str, Any], ...] = ()  # final, once settled
    settled_at: datetime | None = None
    reason: str | None = None  # why it was cancelled

    @property
    def before_start(self) -> datetime:
        return self.starts_at - (self.ends_at - self.starts_at)

    @property
    def counts_from(self) -> datetime:
        """The earliest moment the contest counts anything of."""
        return self.before_start if self.format == "improvement" else self.starts_at

    @property
    def counting(self) -> bool:
        return self.state == "open"

    @classmethod
    def of(cls, p: ContestCreated, entry: Entry) -> ContestFacts:
        return cls(
            p.contest_id,
            p.name,
            p.format,
            p.metric,
            p.starts_at.astimezone(UTC),  # compared in UTC: a local hour may come twice
            p.ends_at.astimezone(UTC),
            frozenset(p.team_ids),
            frozenset(p.member_ids),
            p.by,
            tuple(p.sides),
            to_cents(p.target) if p.target is not None else None,
            tuple(p.tiers),
            tuple(p.prizes),
            to_cents(p.min_score) if p.min_score is not None else None,
            p.recurrence,
            p.challenge,
            p.series or p.contest_id,
            entry.actor,
            entry.team_id,
            entry.seq,
            "proposed" if p.challenge else "open",
            dict(p.tally),
            dict(p.baseline),
        )


def counting_time(entry: Entry) -> datetime:
    """When an entry counts: a reversal when the deal it takes back closed, a revocation
    when the kudos or mentoring it takes back was given."""
    p = entry.payload
    if isinstance(p, DealReversed):
        return p.closed_at
    if isinstance(p, KudosRevoked | MentoringRevoked) and p.given_at is not None:
        return p.given_at
    return entry.occurred_at


def attributions(entry: Entry, metric: str) -> list[tuple[int, int, int]]:
    """(member, team, hundredths) an entry adds to ``metric``."""
    p = entry.payload
    if metric == "points":
        return [(a.member_id, a.team_id, a.cents) for a in entry.awards]
    if metric in ("deals_won", "revenue"):
        if isinstance(p, DealWon) and entry.member_id and entry.team_id:
            cents = 100 if metric == "deals_won" else to_cents(p.amount)
            return [(entry.member_id, entry.team_id, cents)]
        if isinstance(p, DealReversed) and p.outcome == "won":
            cents = 100 if metric == "deals_won" else to_cents(p.amount)
            return [(p.seller_id, entry.team_id or 0, -cents)]
        return []
    if metric.startswith("activity:"):
        if isinstance(p, ActivityLogged) and p.metric == metric[9:] and entry.member_id:
            return [(entry.member_id, entry.team_id or 0, to_cents(p.value))]
        return []
    return [(a.member_id, a.team_id, a.cents) for a in entry.awards if a.category == metric]


def participant_keys(c: ContestFacts, member_id: int, team_id: int) -> list[str]:
    """The participant keys a member's points (earned for ``team_id``) count for."""
    if c.sides:
        return [
            f"s{i}"
            for i, side in enumerate(c.sides)
            if member_id in side.member_ids or team_id in side.team_ids
        ]
    if c.by == "team":
        return [f"t{team_id}"] if team_id in c.team_ids else []
    if (not c.team_ids and not c.member_ids) or member_id in c.member_ids or team_id in c.team_ids:
        return [f"m{member_id}"]
    return []


def _add(into: dict[str, int], c: ContestFacts, found: list[tuple[int, int, int]]) -> list[str]:
    moved = []
    for member_id, team_id, cents in found:
        for key in participant_keys(c, member_id, team_id):
            into[key] = into.get(key, 0) + cents
            moved.append(key)
    return moved


def count(c: ContestFacts, entry: Entry) -> list[str]:
    """Fold one entry into a contest that is counting: the participant keys whose score
    it moved."""
    found = attributions(entry, c.metric)
    if not found:
        return []
    at = counting_time(entry)
    if c.starts_at <= at < c.ends_at:
        return _add(c.tally, c, found)
    if c.format == "improvement" and c.before_start <= at < c.starts_at:
        return _add(c.baseline, c, found)
    if c.next_ends_at is not None and c.ends_at <= at < c.next_ends_at:
        _add(c.carry, c, found)
    return []


def count_past(c: ContestFacts, entries: list[Entry]) -> None:
    """Count entries recorded before the contest existed (its creation's look-back)."""
    for entry in entries:
        count(c, entry)
