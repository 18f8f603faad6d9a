"""Team goals with the member goals nested under them."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import get, post
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta, Struct

from ..auth import Caller
from ..core.commands import SetGoal
from ..core.entries import GoalSet
from ..db.models import Goal as GoalRow
from ..engine.writer import Writer
from ..reads import goal_out, resolve_season
from ..schemas import Goal, Id, OptionalId, OptionalSeason
from ..settings import Settings
from .problems import refusals

__all__ = ["routes"]

Target = Annotated[float, Meta(ge=0.01, le=1e12, description="at least 0.01")]


class MemberTarget(Struct, forbid_unknown_fields=True):
    member_id: Id
    target: Target


class GoalIn(Struct, forbid_unknown_fields=True):
    team_id: Id
    season_id: Id
    metric: Literal["revenue", "deals"]
    target: Target
    member_targets: list[MemberTarget] = []


@post(
    "/api/goals",
    status_code=HTTP_201_CREATED,
    tags=["goals"],
    **refusals(403, 404, 409, body=True),
)
async def post_goal(data: GoalIn, caller: Caller, writer: Writer) -> Goal:
    """Set a team goal for a season (the team's manager, or an admin), with member goals."""
    command = SetGoal(
        data.team_id,
        data.season_id,
        data.metric,
        data.target,
        tuple((m.member_id, m.target) for m in data.member_targets),
    )
    payload = (await writer.submit(command, caller.actor)).entries[0].payload
    assert isinstance(payload, GoalSet)
    return await goal_out(await GoalRow.get(id=payload.goal_id))


@get("/api/goals", tags=["goals"], **refusals(404, 422))
async def list_goals(
    caller: Caller,
    settings: Settings,
    team_id: OptionalId = None,
    season: OptionalSeason = None,
) -> list[Goal]:
    """Goals with progress; ``season`` is ``current``, ``all`` (default) or a season id."""
    query = GoalRow.all()
    if team_id is not None:
        query = query.filter(team_id=team_id)
    if season and season != "all":
        resolved = await resolve_season(season, settings)
        if resolved is None:
            return []
        query = query.filter(season_id=resolved.id)
    return [await goal_out(g) for g in await query.order_by("id")]


routes = [post_goal, list_goals]
