"""What Redis needs of committed ledger entries (``LeaderboardStore.apply_batch``): each
entry's awards, its live message and what it changes of the member directory; an import's
consecutive quiet rows as one span with their awards summed. The writer builds them while
its batch commits; the board sync builds them from the ledger."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from ..core.entries import ActivityLogged, Entry, MemberJoined, MemberUpdated
from ..core.points import to_cents
from ..core.views import feed_view
from ..store.leaderboard import (
    COUNT,
    AppliedAward,
    DirectoryChange,
    PendingEntry,
    PendingSpan,
)

__all__ = ["directory_changes", "pending_batch", "pending_entry"]


def pending_entry(entry: Entry, live: bool = True) -> PendingEntry:
    """What Redis needs of an entry: its seq, its live message ('' unless ``live``), its
    awards (and, for an activity, its units on the metric's own board: category
    '#<metric>', which counts toward no total)."""
    message = msgspec.json.encode(feed_view(entry)).decode() if live else ""
    awards = tuple(
        AppliedAward(a.member_id, a.team_id, entry.season_id, a.category, a.cents)
        for a in entry.awards
    )
    if units := _units(entry):
        member, team, category, cents = units
        awards = (*awards, AppliedAward(member, team, entry.season_id, category, cents))
    return PendingEntry(entry.seq, message, awards, directory_changes(entry))


def _units(entry: Entry) -> tuple[int, int, str, int] | None:
    """An activity's units on its metric's own board: member, team, category '#<metric>'
    (which counts toward no total) and hundredths; None for any other entry."""
    p = entry.payload
    if isinstance(p, ActivityLogged) and entry.member_id and entry.team_id:
        return entry.member_id, entry.team_id, COUNT + p.metric, to_cents(p.value)
    return None


def pending_batch(entries: Sequence[Entry], quiet: set[int]) -> list[PendingEntry | PendingSpan]:
    """What Redis needs of a committed batch, in order: each entry, with its live message
    unless its seq is ``quiet``; but consecutive quiet entries that change nothing of the
    member directory (an import's rows) as one span, their awards summed as they come,
    with no ``PendingEntry`` made for each (that was a tenth of an import's time)."""
    pending: list[PendingEntry | PendingSpan] = []
    run: list[Entry] = []
    for entry in entries:
        if entry.seq in quiet and not isinstance(entry.payload, _DIRECTORY):
            if run and entry.seq != run[-1].seq + 1:
                pending.append(_span(run))
                run = []
            run.append(entry)
            continue
        if run:
            pending.append(_span(run))
            run = []
        pending.append(pending_entry(entry, entry.seq not in quiet))
    if run:
        pending.append(_span(run))
    return pending


_DIRECTORY = (MemberJoined, MemberUpdated)  # the entries ``directory_changes`` looks at


def _span(run: list[Entry]) -> PendingEntry | PendingSpan:
    """Consecutive quiet entries as one span: the awards ``pending_entry`` gives each,
    summed (a single entry stays an entry)."""
    if len(run) == 1:
        return pending_entry(run[0], False)
    sums: dict[tuple[int, int, int, str], int] = {}
    get = sums.get
    for entry in run:
        season = entry.season_id or 0
        for a in entry.awards:
            key = (a.member_id, a.team_id, season, a.category)
            sums[key] = get(key, 0) + a.cents
        if units := _units(entry):
            key = (units[0], units[1], season, units[2])
            sums[key] = get(key, 0) + units[3]
    awards = tuple((*key, cents) for key, cents in sums.items())
    return PendingSpan(
        run[0].seq, run[-1].seq, awards, lambda: [pending_entry(e, False) for e in run]
    )


def directory_changes(entry: Entry) -> tuple[DirectoryChange, ...]:
    """What an entry changes of the member directory the boards are ranked with (the
    same entries and fields as the process's ``Directory``)."""
    p = entry.payload
    if isinstance(p, MemberJoined) and entry.member_id and entry.team_id:
        return (DirectoryChange(entry.member_id, entry.team_id, True, p.name),)
    if isinstance(p, MemberUpdated) and entry.member_id:
        team, active, name = (p.changes.get(k) for k in ("team_id", "active", "name"))
        if team is not None or active is not None or name is not None:
            return (DirectoryChange(entry.member_id, team, active, name),)
    return ()
