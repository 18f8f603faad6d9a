"""Improvement as a reward: a newcomer who beats their own week before earns a bonus.

The rule (policy ``improvement_bonus`` and ``improvement_min_gain``; 0 bonus: off):

- A member's **own points** in an ISO week are the points they earned by what they did
  that week: every category except ``team_share`` (a teammate's deal) and ``bonus``
  (goals reached, and this bonus itself). A correction counts in the week of what it
  corrects (a reversed deal in the week it closed, revoked kudos or mentoring in the week
  they were given), so taking a deal back lowers the week that had it.
- A newcomer's week ``W`` qualifies when ``W`` starts within their newcomer period
  (its Monday is before ``joined_on + newcomer_days``) and they were a member for the
  whole week before (``joined_on`` on or before that week's Monday): a first, partial
  week is nobody's baseline.
- The bonus is paid once per member and week, by the entry that brings the week's own
  points to at least the week before's plus ``improvement_min_gain``::

      own(W) >= own(W - 1) + improvement_min_gain   (and own(W) > 0)

  It is an ``improvement`` event on that entry with a ``bonus`` award of
  ``improvement_bonus`` points.
- A correction that takes the week back below that line takes the bonus back
  (``improvement_revoked``, the same award negated); beating it again pays again. Only a
  correction does: a later gift to the week before, or a policy change, never takes back
  a bonus already paid.

The state keeps own points per (member, week) only for the weeks that can matter: those
that start within a member's newcomer period, and the week before each.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from msgspec import Struct

from .calendar import local_date, monday, monday_of, week_name
from .entries import (
    Award,
    DealReversed,
    Entry,
    Improved,
    ImprovementRevoked,
    KudosRevoked,
    MentoringRevoked,
)
from .points import from_cents, to_cents

if TYPE_CHECKING:
    from .state import MemberFacts, State

__all__ = [
    "NOT_OWN",
    "WeekProgress",
    "improvement_changes",
    "own_steps",
    "points_monday",
    "progress",
    "qualifies",
    "tracked",
]

# categories that are not what the member did themselves
NOT_OWN = frozenset({"team_share", "bonus"})

# gifts taken back: their points count in the week they were given (a tuple: faster
# than a union in isinstance, asked of every entry)
_REVOKED = (KudosRevoked, MentoringRevoked)


def points_monday(entry: Entry, state: State) -> date:
    """The Monday of the week an entry's points count in for this rule."""
    p = entry.payload
    if isinstance(p, _REVOKED):
        return monday_of(p.week)
    return monday(
        local_date(p.closed_at if isinstance(p, DealReversed) else entry.occurred_at, state.tz)
    )


def tracked(member: MemberFacts, start: date, newcomer_days: int) -> bool:
    """Whether own points of ``member`` in the week of ``start`` are kept: the weeks that
    start within the newcomer period, and the week before each (a baseline)."""
    return start <= member.joined_on + timedelta(days=newcomer_days) and (
        start + timedelta(days=6) >= member.joined_on
    )


def qualifies(member: MemberFacts, start: date, newcomer_days: int) -> bool:
    """Whether the week of ``start`` can earn the bonus: it starts within the newcomer
    period, and the member was one for the whole week before."""
    return (
        member.active
        and start < member.joined_on + timedelta(days=newcomer_days)
        and member.joined_on <= start - timedelta(days=7)
    )


def own_steps(entry: Entry, state: State) -> list[tuple[int, date, int]]:
    """(member, Monday, hundredths) this entry adds to members' own points, for the weeks
    the state keeps."""
    if not entry.awards:
        return []
    start: date | None = None
    days = state.policy.newcomer_days
    # the day of the moment in its own offset: the org's local date is at most two days
    # from it, so most members (long past their newcomer weeks, or not yet joined) are
    # told apart without a time zone conversion
    p = entry.payload
    near = None
    if not isinstance(p, _REVOKED):
        near = (p.closed_at if isinstance(p, DealReversed) else entry.occurred_at).toordinal()
    out = []
    for award in entry.awards:
        if award.category in NOT_OWN or not award.cents:
            continue
        member = state.members.get(award.member_id)
        if member is None:
            continue
        if near is not None:
            # tracked: joined - 6 <= start <= joined + days, and start (a Monday) is
            # within 8 days before and 2 days after ``near``
            joined = member.joined_on.toordinal()
            if not joined - 8 <= near <= joined + days + 8:
                continue
        if start is None:
            start = points_monday(entry, state)
        if tracked(member, start, days):
            out.append((award.member_id, start, award.cents))
    return out


def improvement_changes(
    entries: Sequence[Entry], state: State
) -> list[tuple[Entry, Improved | ImprovementRevoked, Award]]:
    """The improvement bonuses the entries of one decision pay, and those a correction
    among them takes back (the state is as it was before the entries): each with the
    entry that carries it (the last that moved the week) and its award."""
    policy = state.policy
    cents = to_cents(policy.improvement_bonus)
    if not cents and not state.improved:
        return []
    pending: dict[tuple[int, date], int] = {}
    carrier: dict[tuple[int, date], Entry] = {}
    for entry in entries:
        for member_id, start, add in own_steps(entry, state):
            key = (member_id, start)
            pending[key] = pending.get(key, 0) + add
            carrier[key] = entry
    changes: list[tuple[Entry, Improved | ImprovementRevoked, Award]] = []
    for key, add in pending.items():
        member_id, start = key
        member = state.members[member_id]
        now = state.own_weeks.get(key, 0) + add
        before = state.own_weeks.get((member_id, start - timedelta(days=7)), 0)
        earned = now > 0 and now >= before + to_cents(policy.improvement_min_gain)
        paid = state.improved.get(key)
        if (
            paid is None
            and add > 0
            and earned
            and cents
            and qualifies(member, start, policy.newcomer_days)
        ):
            award = Award(member_id, member.team_id, "bonus", cents)
            event = Improved(
                member_id,
                member.name,
                member.team_id,
                week_name(start),
                from_cents(now),
                from_cents(before),
                (award,),
            )
            changes.append((carrier[key], event, award))
        elif paid is not None and add < 0 and not earned:
            back = Award(paid.member_id, paid.team_id, paid.category, -paid.cents)
            revoked = ImprovementRevoked(member_id, member.name, member.team_id, week_name(start))
            changes.append((carrier[key], revoked, back))
    return changes


class WeekProgress(Struct, frozen=True):
    """Where a member stands this week against the improvement bonus (what ``/board``
    shows a newcomer): ``target`` is the week before's own points plus the margin."""

    member_id: int
    week: str
    eligible: bool  # this week can earn the bonus (newcomer, a whole week before, on)
    points: float  # own points this week so far
    baseline: float  # own points the week before
    target: float
    needed: float  # points still to make (0 once reached)
    bonus: float  # what reaching it pays
    earned: bool  # paid this week
    reason: str | None = None  # why not eligible, in words


def progress(member: MemberFacts, state: State, now: datetime) -> WeekProgress:
    """The member's improvement week as the rule sees it now (read under the write lock,
    from the same state the rule decides with)."""
    policy = state.policy
    week = monday(local_date(now, state.tz))
    points = state.own_weeks.get((member.id, week), 0)
    baseline = state.own_weeks.get((member.id, week - timedelta(days=7)), 0)
    target = max(baseline + to_cents(policy.improvement_min_gain), 1)
    earned = (member.id, week) in state.improved
    reason = None
    if not to_cents(policy.improvement_bonus):
        reason = "The improvement bonus is switched off (improvement_bonus is 0)."
    elif not qualifies(member, week, policy.newcomer_days):
        if not member.active:
            reason = f"{member.name} has left."
        elif week >= member.joined_on + timedelta(days=policy.newcomer_days):
            reason = f"{member.name} is no longer a newcomer (after {policy.newcomer_days} days)."
        else:
            reason = (
                f"{member.name} joined last week or this one: next week is their first to beat."
            )
    return WeekProgress(
        member_id=member.id,
        week=week_name(week),
        eligible=reason is None,
        points=from_cents(points),
        baseline=from_cents(baseline),
        target=from_cents(target),
        needed=0 if earned else from_cents(max(target - points, 0)),
        bonus=policy.improvement_bonus,
        earned=earned,
        reason=reason,
    )
