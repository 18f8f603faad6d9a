"""Leaderboards, the feed and member profiles."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter

from ..auth import Caller
from ..boards import Boards
from ..db.models import Badge, Member, Metric, Season
from ..errors import Invalid, NotFound
from ..learning import insights
from ..reads import badge_out, feed_entries, pending_reviews, resolve_season, season_out
from ..schemas import (
    CategoryParam,
    FeedPage,
    IdParam,
    KindParam,
    MemberBoard,
    MemberRank,
    OptionalId,
    OptionalSeq,
    SeasonParam,
    TeamBoard,
    when_sent,
)
from ..settings import Settings
from ..store.leaderboard import COUNT
from .problems import refusals

__all__ = ["routes"]

Limit = Annotated[int, Parameter(ge=1, le=500)]
MetricParam = Annotated[
    str | None,
    Parameter(
        max_length=40,
        description="an activity metric's key: its board (the units each member logged)",
        schema_extra=when_sent(OpenAPIType.STRING, maxLength=40),
    ),
]
Offset = Annotated[int, Parameter(ge=0)]


@get("/api/leaderboards/members", tags=["boards"], **refusals(404, 422))
async def member_board(
    caller: Caller,
    boards: Boards,
    settings: Settings,
    season: SeasonParam = "current",
    team_id: OptionalId = None,
    category: CategoryParam = None,
    metric: MetricParam = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> MemberBoard:
    """Members ranked by score (competition ranking: 50, 40, 40, 30 → 1, 2, 2, 4; ties by
    name). ``season``: current (default; all-time when no season is running), all, or an id.
    ``metric``: the board of one activity metric, ranked by its count (units logged)."""
    resolved = await resolve_season(season, settings)
    if metric is not None:
        if category is not None:
            raise Invalid("Ask for a category or a metric, not both.", field="metric")
        if not await Metric.exists(key=metric):
            raise NotFound(f"There is no metric {metric!r}; GET /api/metrics lists them.")
    total, entries = await boards.page(
        resolved.id if resolved else None,
        team_id,
        COUNT + metric if metric is not None else category,
        _past(resolved, settings),
        offset,
        limit,
    )
    return MemberBoard(
        season=season_out(resolved, settings.today()) if resolved else None,
        category=category or (f"metric:{metric}" if metric else "total"),
        team_id=team_id,
        total=total,
        offset=offset,
        limit=limit,
        entries=entries,
    )


@get("/api/leaderboards/members/{member_id:int}", tags=["boards"], **refusals(404, 422))
async def member_rank(
    member_id: IdParam,
    caller: Caller,
    boards: Boards,
    settings: Settings,
    season: SeasonParam = "current",
    around: Annotated[int, Parameter(ge=0, le=50)] = 2,
) -> MemberRank:
    """One member's rank, score and breakdown by category, with ``around`` rows either side."""
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    resolved = await resolve_season(season, settings)
    season_id = resolved.id if resolved else None
    board = await boards.around(member_id, season_id, around, _past(resolved, settings))
    me = board.me
    if me is None:  # every member is on the board, with 0 points if need be, but those who left
        raise NotFound(
            f"{member.name} has left, so is on no current board; ask for a past season "
            "(season=<id>) to see where they stood."
        )
    return MemberRank(
        season=season_out(resolved, settings.today()) if resolved else None,
        member_id=member_id,
        name=member.name,
        team_id=member.team_id,
        rank=me.rank,
        score=me.score,
        of=board.total,
        breakdown=await boards.breakdown(member_id, season_id),
        around=board.rows,
    )


def _past(season: Season | None, settings: Settings) -> bool:
    """Whether a board is of a season that is over (members who left are still on it)."""
    return season is not None and season.ends_on < settings.today()


@get("/api/leaderboards/teams", tags=["boards"], **refusals(404, 422))
async def team_board(
    caller: Caller, boards: Boards, settings: Settings, season: SeasonParam = "current"
) -> TeamBoard:
    """Teams ranked by points per member (``score`` = ``total`` ÷ ``members``)."""
    resolved = await resolve_season(season, settings)
    return TeamBoard(
        season=season_out(resolved, settings.today()) if resolved else None,
        entries=await boards.teams(resolved.id if resolved else None),
    )


@get("/api/feed", tags=["boards"], **refusals(422))
async def feed(
    caller: Caller,
    team_id: OptionalId = None,
    limit: Annotated[int, Parameter(ge=1, le=200)] = 20,
    before: OptionalSeq = None,
    kind: KindParam = None,
) -> FeedPage:
    """The newest ledger entries with their awards, newest first. ``before`` (a seq) pages
    back; ``kind`` filters by entry kind, e.g. ``deal.won`` or ``kudos``."""
    return FeedPage(entries=await feed_entries(team_id, limit, before, kind))


@get("/api/members/{member_id:int}/profile", tags=["boards"], **refusals(404, 422))
async def profile(
    member_id: IdParam,
    caller: Caller,
    boards: Boards,
    settings: Settings,
    season: SeasonParam = "current",
) -> dict[str, Any]:
    """A member's points by category, the strengths peers named in kudos (this season and
    all time), badges, and how many lost deals still wait for a loss review."""
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    resolved = await resolve_season(season, settings)
    season_id = resolved.id if resolved else None
    badges = (
        await Badge.filter(member_id=member_id).order_by("awarded_at", "id").select_related("entry")
    )
    return {
        "member": {
            "id": member.id,
            "name": member.name,
            "team_id": member.team_id,
            "role": member.role,
            "joined_on": member.joined_on.isoformat(),
        },
        "season": season_out(resolved, settings.today()) if resolved else None,
        "breakdown": await boards.breakdown(member_id, season_id),
        "strengths": await insights.strengths(member_id, season_id),
        "strengths_all_time": await insights.strengths(member_id, None),
        "badges": [badge_out(b) for b in badges if season_id is None or b.season_key == season_id],
        "badges_all_time": len(badges),
        "pending_reviews": len(await pending_reviews(settings, 0, member_id=member_id)),
        # over all time: ratings, weakest loss questions, mentoring received and given
        **await insights.coaching_profile(member_id),
    }


routes = [member_board, member_rank, team_board, feed, profile]
