"""Read views: how teams, members, seasons, goals, badges and the feed are shown.

Declared apart from the write side: these read the tables the engine writes and never
decide anything. The REST API and the live boards both use them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from tortoise import connections
from tortoise.expressions import Subquery

from .auth import Caller
from .core.achievements import BADGES
from .core.calendar import is_newcomer
from .core.codec import entry_from_row
from .core.commands import MAX_ID
from .core.entries import Award, Entry
from .core.policy import Policy
from .core.views import FeedEntry, feed_view
from .db.models import (
    Badge,
    Deal,
    Goal,
    LossReview,
    Member,
    MemberGoal,
    PointAward,
    Season,
    Story,
    Team,
)
from .db.models import Entry as EntryRow
from .engine.tables import Sql
from .errors import Invalid, NotFound
from .schemas import BadgeOut, MemberOut, MemberTarget, Progress, SeasonOut, TeamOut
from .schemas import Goal as GoalOut
from .settings import Settings

__all__ = [
    "badge_out",
    "feed_entries",
    "goal_out",
    "member_out",
    "pending_reviews",
    "resolve_season",
    "season_out",
    "team_out",
    "typed_entries",
]


def team_out(team: Team) -> TeamOut:
    budget = float(team.reward_budget) if team.reward_budget is not None else None
    return TeamOut(
        team.id, team.name, team.nickname, team.color, team.archived, budget, team.challenge_cap
    )


def may_see_email(caller: Caller, member: Member) -> bool:
    """A member's email is for admins, the member, and the manager of their team."""
    return (
        caller.is_admin
        or caller.member_id == member.id
        or (caller.role == "manager" and caller.team_id == member.team_id)
    )


def member_out(member: Member, policy: Policy, today: date, caller: Caller) -> MemberOut:
    return MemberOut(
        id=member.id,
        name=member.name,
        team_id=member.team_id,
        role=member.role,
        joined_on=member.joined_on.isoformat(),
        newcomer=is_newcomer(member.joined_on, today, policy.newcomer_days),
        email=member.email if may_see_email(caller, member) else None,
        active=member.active,
        external_ids=dict(member.external_ids or {}) if may_see_email(caller, member) else None,
    )


def season_out(season: Season, today: date | None = None) -> SeasonOut:
    return SeasonOut(
        id=season.id,
        name=season.name,
        starts_on=season.starts_on.isoformat(),
        ends_on=season.ends_on.isoformat(),
        current=season.starts_on <= today <= season.ends_on if today is not None else None,
    )


def _progress(value: Decimal, target: Decimal, reached_at: datetime | None) -> Progress:
    return Progress(
        value=_number(value),
        target=_number(target),
        reached_at=reached_at.isoformat() if reached_at else None,
        percent=round(float(value) * 100 / float(target), 1) if target else 100.0,
    )


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


async def goal_out(goal: Goal) -> GoalOut:
    member_goals = await MemberGoal.filter(goal_id=goal.id).order_by("id")
    ids = [g.member_id for g in member_goals]
    names = {m.id: m.name for m in await Member.filter(id__in=ids)} if ids else {}
    return GoalOut(
        id=goal.id,
        team_id=goal.team_id,
        season_id=goal.season_id,
        metric=goal.metric,
        target=_number(goal.target),
        progress=_progress(goal.value, goal.target, goal.reached_at),
        member_targets=[
            MemberTarget(
                member_id=g.member_id,
                name=names.get(g.member_id),
                target=_number(g.target),
                progress=_progress(g.value, g.target, g.reached_at),
            )
            for g in member_goals
        ],
    )


def badge_out(badge: Badge) -> BadgeOut:
    """A badge as the profile shows it; ``seq`` is the feed entry that earned it (fetch
    the badge with ``select_related("entry")``)."""
    info = BADGES[badge.code]
    return BadgeOut(
        code=badge.code,
        title=info.title,
        rule=info.rule,
        season_id=badge.season_key or None,
        awarded_at=badge.awarded_at.isoformat(),
        seq=badge.entry.seq,
    )


async def pending_reviews(
    settings: Settings, due_days: int, member_id: int | None = None, team_id: int | None = None
) -> list[dict[str, Any]]:
    """Lost deals of a member (or of a team's sellers) that still wait for their loss
    review, newest first: how many days each has waited (org-local days since it closed)
    and whether that is more than ``due_days`` (overdue). A reversed deal takes none."""
    query = Deal.filter(outcome="lost", reversed_seq=None).exclude(
        id__in=Subquery(LossReview.all().values("deal_id"))
    )
    if member_id is not None:
        query = query.filter(seller_id=member_id)
    if team_id is not None:  # the sellers on the team now; one who left owes nothing
        query = query.filter(seller__team_id=team_id, seller__active=True)
    deals = await query.order_by("-closed_at").prefetch_related("seller")
    today, out = settings.today(), []
    for d in deals:
        waited = max((today - d.closed_at.astimezone(settings.tz).date()).days, 0)
        out.append(
            {
                "deal_id": d.id,
                "seller_id": d.seller_id,
                "seller_name": d.seller.name,
                "customer": d.customer,
                "amount": float(d.amount),
                "closed_at": d.closed_at.isoformat(),
                "waiting_days": waited,
                "overdue": waited > due_days,
            }
        )
    return out


async def win_stories(team_id: int | None, limit: int) -> list[dict[str, Any]]:
    """The newest win stories that stand (their deal not reversed; a corrected deal keeps
    its story), of one team's deals or everyone's."""
    query = Story.filter(deal__reversed_seq=None)
    if team_id is not None:
        query = query.filter(deal__team_id=team_id)
    stories = await query.order_by("-id").limit(limit).prefetch_related("deal", "entry")
    names = {
        m["id"]: m["name"]
        for m in await Member.filter(id__in=[s.member_id for s in stories]).values("id", "name")
    }
    return [
        {
            "id": s.id,
            "deal_id": s.deal_id,
            "member_id": s.member_id,
            "member_name": names.get(s.member_id, ""),
            "team_id": s.deal.team_id,
            "customer": s.deal.customer,
            "text": s.text,
            "posted_at": s.entry.recorded_at.isoformat(),
        }
        for s in stories
    ]


STORY_DAYS = 30  # won deals this many days back still wait for their story


async def untold_stories(settings: Settings, member_id: int) -> list[dict[str, Any]]:
    """The member's won deals of the last ``STORY_DAYS`` days without a story yet, from
    wherever they were logged (this page, another device, the CRM, an import), newest
    first (at most 20). A reversed deal takes none."""
    since = datetime.combine(settings.today() - timedelta(days=STORY_DAYS), time(), settings.tz)
    deals = (
        await Deal.filter(
            seller_id=member_id, outcome="won", reversed_seq=None, closed_at__gte=since
        )
        .exclude(id__in=Subquery(Story.all().values("deal_id")))
        .order_by("-closed_at", "-id")
        .limit(20)
    )
    return [
        {
            "deal_id": d.id,
            "customer": d.customer,
            "amount": float(d.amount),
            "closed_at": d.closed_at.isoformat(),
        }
        for d in deals
    ]


async def typed_entries(rows: list[EntryRow]) -> list[Entry]:
    """Ledger rows as typed entries, with their awards."""
    awards: dict[int, list[Award]] = {}
    if rows:
        query = PointAward.filter(entry_id__in=[r.id for r in rows]).order_by("id")
        for a in await query:
            awards.setdefault(a.entry_id, []).append(
                Award(a.member_id, a.team_id, a.category, a.cents)
            )
    return [
        entry_from_row(
            id=r.id,
            seq=r.seq,
            kind=r.kind,
            occurred_at=r.occurred_at,
            recorded_at=r.recorded_at,
            week=r.week,
            actor_role=r.actor_role,
            actor_token_id=r.actor_token_id,
            actor_member_id=r.actor_member_id,
            member_id=r.member_id,
            team_id=r.team_id,
            season_id=r.season_id,
            policy_id=r.policy_id,
            data=r.data,
            awards=tuple(awards.get(r.id, ())),
        )
        for r in rows
    ]


async def feed_entries(
    team_id: int | None,
    limit: int,
    before: int | None = None,
    kind: str | None = None,
    but: tuple[str, ...] = (),
) -> list[FeedEntry]:
    """The newest entries (with ``team_id``: those touching that team: its own, or with
    an award to it), newest first; ``but``: leaving out entries of those kinds."""
    where: list[str] = []
    values: list[int | str] = []
    if team_id is not None:
        # walks the ledger back from the newest entry and stops at ``limit``: a list of
        # every entry that ever touched the team would grow with the ledger
        where.append(
            "(e.team_id = ? OR EXISTS (SELECT 1 FROM point_award a "
            "WHERE a.entry_id = e.id AND a.team_id = ?))"
        )
        values += [team_id, team_id]
    if before is not None:
        where.append("e.seq < ?")
        values.append(before)
    if kind:
        where.append("e.kind = ?")
        values.append(kind)
    for other in but:
        where.append("e.kind <> ?")
        values.append(other)
    sql = (
        f"SELECT e.id FROM entry e {'WHERE ' + ' AND '.join(where) if where else ''} "
        "ORDER BY e.seq DESC LIMIT ?"
    )
    found = await Sql(connections.get("default")).rows(sql, [*values, limit])
    rows = await EntryRow.filter(id__in=[r["id"] for r in found]).order_by("-seq")
    return [feed_view(e) for e in await typed_entries(list(rows))]


async def resolve_season(value: str | None, settings: Settings) -> Season | None:
    """The ``season`` query parameter: ``current`` → the season containing today (None if
    there is none), ``all`` → None, an id → that season (404 if unknown)."""
    if value in (None, "", "current"):
        day = settings.today()
        return await Season.filter(starts_on__lte=day, ends_on__gte=day).first()
    if value == "all":
        return None
    # isdigit() is true of '¹' and '٣' too: only ASCII digits, and within the id range
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= MAX_ID:
        raise Invalid(
            f"season must be 'current', 'all' or a season id, not {value!r}.", field="season"
        )
    season = await Season.get_or_none(id=int(value))
    if season is None:
        raise NotFound(f"There is no season {value}.", field="season")
    return season
