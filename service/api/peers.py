"""Kudos between teammates and mentoring points from managers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from litestar import Response, delete, get, post
from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import Meta, Struct

from ..auth import Caller
from ..core.calendar import iso_week
from ..core.commands import (
    AllowanceLeft,
    AwardMentoring,
    Decision,
    GiveKudos,
    RevokeKudos,
    RevokeMentoring,
)
from ..core.entries import KudosGiven, MentoringAwarded
from ..core.points import from_cents
from ..engine.writer import Writer
from ..schemas import Id, IdParam, KudosResult, MentoringResult, when_sent
from .deps import REPLAYED, REPLAYED_HEADER, IdempotencyKey
from .problems import refusals

__all__ = ["routes"]

Points = Annotated[
    float,
    Meta(
        ge=1,
        le=1000,
        description="1 up to the policy's kudos_max_points or mentoring_max_points, "
        "with at most 2 decimals",
    ),
]
Strength = Literal[
    "communicator", "big-picture", "closer", "coach", "product-expert", "listener", "organizer"
]


class KudosIn(Struct, forbid_unknown_fields=True):
    to_member_id: Id
    points: Points
    message: Annotated[str, Meta(min_length=1, max_length=1000)]
    strength: Strength | None = None


class MentoringIn(Struct, forbid_unknown_fields=True):
    member_id: Id
    points: Points
    note: Annotated[str, Meta(min_length=1, max_length=1000)]


@post(
    "/api/kudos",
    status_code=HTTP_201_CREATED,
    tags=["peers"],
    response_headers=[REPLAYED_HEADER],
    **refusals(403, 404, 409, body=True),
)
async def give_kudos(
    data: KudosIn, caller: Caller, writer: Writer, idempotency_key: IdempotencyKey = None
) -> Response[KudosResult]:
    """Thank a teammate with peer-help points, from the caller's own allowance."""
    command = GiveKudos(data.to_member_id, data.points, data.message, data.strength)
    decision = await writer.submit(command, caller.actor, idempotency_key)
    entry = decision.entries[0]
    p = entry.payload
    assert isinstance(p, KudosGiven) and p.kudos_id is not None
    result = KudosResult(
        id=p.kudos_id,
        seq=entry.seq,
        from_member_id=p.from_member_id,
        to_member_id=p.to_member_id,
        points=p.points,
        message=p.message,
        strength=p.strength,
        week=entry.week,
        allowance_left=from_cents(decision.remaining or 0),
    )
    return Response(result, status_code=HTTP_201_CREATED, headers=_replayed(decision))


def _replayed(decision: Decision) -> dict[str, str] | None:
    return REPLAYED if decision.replayed else None


async def _weekly_left(writer: Writer, caller: Caller, what: str) -> dict[str, Any]:
    decision = await writer.submit(AllowanceLeft(what), caller.actor)
    left = decision.remaining or 0
    used = (decision.answer or {}).get("used", 0)
    policy = writer.policy
    name, limit = (
        ("allowance", policy.kudos_weekly_allowance)
        if what == "kudos"
        else ("budget", policy.mentoring_weekly_budget)
    )
    return {
        "week": iso_week(datetime.now(UTC), writer.tz),
        name: limit,
        "used": from_cents(used),
        "left": from_cents(left),
    }


@get("/api/kudos/allowance", tags=["peers"], **refusals(403))
async def kudos_allowance(caller: Caller, writer: Writer) -> dict[str, Any]:
    """How many kudos points the caller may still give this ISO week."""
    caller.require("seller", "manager")
    return await _weekly_left(writer, caller, "kudos")


@post(
    "/api/mentoring",
    status_code=HTTP_201_CREATED,
    tags=["peers"],
    response_headers=[REPLAYED_HEADER],
    **refusals(403, 404, 409, body=True),
)
async def award_mentoring(
    data: MentoringIn, caller: Caller, writer: Writer, idempotency_key: IdempotencyKey = None
) -> Response[MentoringResult]:
    """A manager rewards a member of their team for sharing knowledge or lifting others."""
    command = AwardMentoring(data.member_id, data.points, data.note)
    decision = await writer.submit(command, caller.actor, idempotency_key)
    entry = decision.entries[0]
    p = entry.payload
    assert isinstance(p, MentoringAwarded) and p.mentoring_id is not None
    result = MentoringResult(
        id=p.mentoring_id,
        seq=entry.seq,
        member_id=p.member_id,
        points=p.points,
        note=p.note,
        week=entry.week,
        awarded_by_member_id=p.awarded_by_member_id,
        budget_left=from_cents(decision.remaining) if decision.remaining is not None else None,
    )
    return Response(result, status_code=HTTP_201_CREATED, headers=_replayed(decision))


@get("/api/mentoring/budget", tags=["peers"], **refusals(403))
async def mentoring_budget(caller: Caller, writer: Writer) -> dict[str, Any]:
    """How many mentoring points the calling manager may still award this ISO week."""
    caller.require("manager")
    return await _weekly_left(writer, caller, "mentoring")


ReasonParam = Annotated[
    str | None,
    Parameter(
        query="reason",
        min_length=1,
        max_length=500,
        description="why it is taken back (shown in the feed)",
        schema_extra=when_sent(OpenAPIType.STRING, minLength=1, maxLength=500),
    ),
]


@delete(
    "/api/kudos/{kudos_id:int}",
    status_code=HTTP_204_NO_CONTENT,
    tags=["peers"],
    **refusals(403, 404, 409, 422),
)
async def revoke_kudos(
    kudos_id: IdParam, caller: Caller, writer: Writer, reason: ReasonParam = None
) -> None:
    """Revoke kudos (admin): the recipient loses the points, and the giver gets them back
    in the allowance of the week they were given in. Again → 409."""
    await writer.submit(RevokeKudos(kudos_id, reason), caller.actor)


@delete(
    "/api/mentoring/{mentoring_id:int}",
    status_code=HTTP_204_NO_CONTENT,
    tags=["peers"],
    **refusals(403, 404, 409, 422),
)
async def revoke_mentoring(
    mentoring_id: IdParam, caller: Caller, writer: Writer, reason: ReasonParam = None
) -> None:
    """Revoke a mentoring award (admin): the member loses the points, and the manager's
    budget of that week gets them back. Again → 409."""
    await writer.submit(RevokeMentoring(mentoring_id, reason), caller.actor)


routes = [
    give_kudos,
    kudos_allowance,
    award_mentoring,
    mentoring_budget,
    revoke_kudos,
    revoke_mentoring,
]
