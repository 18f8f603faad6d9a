"""Awarding badges inside the write transaction, once per member, season and badge."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from ..core.achievements import BADGES, badge_candidates, is_earned
from ..core.calendar import iso_week
from ..db.models import (
    Badge,
    Deal,
    Entry,
    Feedback,
    Kudos,
    LossReview,
    Member,
    Mentoring,
    PointAward,
)
from ..ledger import Draft, Txn

__all__ = ["award_badges", "badge_json"]


def badge_json(badge: Badge) -> dict[str, Any]:
    """A badge as the profile shows it; ``seq`` is the feed entry that earned it (the
    badge's ``entry`` must be fetched with it: ``select_related("entry")``)."""
    info = BADGES[badge.code]
    return {
        "code": badge.code,
        "title": info.title,
        "rule": info.rule,
        "season_id": badge.season_key or None,
        "awarded_at": badge.awarded_at.isoformat(),
        "seq": badge.entry.seq,
    }


def _who(entry: Entry, draft: Draft) -> dict[str, list[int]]:
    """The members of the entry in each role that badges look at."""
    data = entry.data
    return {
        "seller": [entry.member_id] if entry.member_id else [],
        "assists": list(data.get("assists") or []),
        "recipient": [entry.member_id] if entry.member_id else [],
        "giver": [data["from_member_id"]] if data.get("from_member_id") else [],
    }


async def _count(
    conn: BaseDBAsyncClient,
    code: str,
    member_id: int,
    season_id: int | None,
    txn: Txn,
    entry: Entry,
) -> int:
    """What the badge's rule counts for this member this season (this entry included)."""
    if code == "first-goal":
        return (
            await Deal.filter(seller_id=member_id, season_id=season_id, outcome="won")
            .using_db(conn)
            .count()
        )
    if code == "hat-trick":
        week = iso_week(entry.occurred_at, txn.tz)  # the week the deal was closed in
        closed = (
            await Deal.filter(seller_id=member_id, season_id=season_id, outcome="won")
            .using_db(conn)
            .values_list("closed_at", flat=True)
        )
        return Counter(iso_week(c, txn.tz) for c in closed)[week]  # type: ignore[arg-type]
    if code == "playmaker":
        return (
            await PointAward.filter(member_id=member_id, season_id=season_id, category="assists")
            .using_db(conn)
            .count()
        )
    if code == "mentor":
        coach = (
            await Kudos.filter(recipient_id=member_id, strength="coach", entry__season_id=season_id)
            .using_db(conn)
            .count()
        )
        mentored = (
            await Mentoring.filter(member_id=member_id, entry__season_id=season_id)
            .using_db(conn)
            .count()
        )
        return max(coach, mentored)
    if code == "student-of-the-game":
        # the season the review was written in (as its points), not the deal's
        return (
            await LossReview.filter(member_id=member_id, entry__season_id=season_id)
            .using_db(conn)
            .count()
        )
    if code == "team-player":
        member = await Member.get(id=member_id, using_db=conn)
        mates = (
            await Kudos.filter(
                giver_id=member_id, recipient__team_id=member.team_id, entry__season_id=season_id
            )
            .using_db(conn)
            .values_list("recipient_id", flat=True)
        )
        return len(set(mates))
    if code == "voice-of-the-customer":
        return (
            await Feedback.filter(seller_id=member_id, season_id=season_id).using_db(conn).count()
        )
    raise ValueError(code)


async def award_badges(txn: Txn, entry: Entry, draft: Draft) -> list[dict[str, Any]]:
    """Badges this entry unlocks; each (member, season, badge) is awarded once."""
    events: list[dict[str, Any]] = []
    candidates = badge_candidates(entry.kind)
    if not candidates:
        return events
    who = _who(entry, draft)
    season_key = entry.season_id or 0
    for role, codes in candidates.items():
        for member_id in who.get(role, []):
            for code in codes:
                if (
                    await Badge.filter(member_id=member_id, season_key=season_key, code=code)
                    .using_db(txn.conn)
                    .exists()
                ):
                    continue
                count = await _count(txn.conn, code, member_id, entry.season_id, txn, entry)
                if not is_earned(code, count):
                    continue
                await Badge.create(
                    entry_id=entry.id,
                    member_id=member_id,
                    season_key=season_key,
                    code=code,
                    awarded_at=txn.now,
                    using_db=txn.conn,
                )
                member = await Member.get(id=member_id, using_db=txn.conn)
                events.append(
                    {
                        "type": "badge",
                        "badge": code,
                        "title": BADGES[code].title,
                        "member_id": member_id,
                        "name": member.name,
                        "team_id": member.team_id,
                    }
                )
    return events
