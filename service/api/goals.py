"""Team goals with the member goals nested under them."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import delete, get, patch, post
from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import Meta, Struct

from ..auth import Caller
from ..core.commands import ChangeGoal, RemoveGoal, SetGoal
from ..core.entries import GoalSet
from ..db.models import Goal as GoalRow
from ..engine.writer import Writer
from ..reads import goal_out, resolve_season
from ..schemas import Goal, Id, IdParam, OptionalId, OptionalSeason, when_sent
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


class GoalPatch(Struct, forbid_unknown_fields=True):
    """New targets; ``member_targets``, when sent, replaces the member goals (a member
    left out no longer has one; one kept keeps its progress)."""

    target: Target | None = None
    member_targets: list[MemberTarget] | None = None


@patch("/api/goals/{goal_id:int}", tags=["goals"], **refusals(403, 404, body=True))
async def patch_goal(goal_id: IdParam, data: GoalPatch, caller: Caller, writer: Writer) -> Goal:
    """Change a goal's target or member goals (the team's manager, or an admin). A goal
    the new target makes reached pays its bonus now; a bonus already paid stays."""
    command = ChangeGoal(
        goal_id,
        data.target,
        tuple((m.member_id, m.target) for m in data.member_targets)
        if data.member_targets is not None
        else None,
    )
    await writer.submit(command, caller.actor)
    return await goal_out(await GoalRow.get(id=goal_id))


@delete(
    "/api/goals/{goal_id:int}",
    status_code=HTTP_204_NO_CONTENT,
    tags=["goals"],
    **refusals(403, 404, 422),
)
async def delete_goal(
    goal_id: IdParam,
    caller: Caller,
    writer: Writer,
    reason: Annotated[
        str | None,
        Parameter(
            max_length=500,
            description="why (shown in the feed)",
            schema_extra=when_sent(OpenAPIType.STRING, maxLength=500),
        ),
    ] = None,
) -> None:
    """Remove a goal (the team's manager, or an admin): the bonuses it paid are taken back."""
    await writer.submit(RemoveGoal(goal_id, reason), caller.actor)


routes = [post_goal, list_goals, patch_goal, delete_goal]
