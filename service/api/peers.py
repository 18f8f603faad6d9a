"""Kudos between teammates and mentoring points from managers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import get, post
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta, Struct

from ..actions import peers
from ..auth import Caller
from ..ledger import Ledger
from .schemas import KudosResult, MentoringResult, out

__all__ = ["routes"]

Points = Annotated[float, Meta(gt=0, le=1000)]
Strength = Literal[
    "communicator", "big-picture", "closer", "coach", "product-expert", "listener", "organizer"
]


class KudosIn(Struct, forbid_unknown_fields=True):
    to_member_id: int
    points: Points
    message: Annotated[str, Meta(min_length=1, max_length=1000)]
    strength: Strength | None = None


class MentoringIn(Struct, forbid_unknown_fields=True):
    member_id: int
    points: Points
    note: Annotated[str, Meta(min_length=1, max_length=1000)]


@post("/api/kudos", status_code=HTTP_201_CREATED, tags=["peers"])
async def give_kudos(data: KudosIn, caller: Caller, ledger: Ledger) -> KudosResult:
    """Thank a teammate with peer-help points, from the caller's own allowance."""
    req = peers.KudosRequest(data.to_member_id, data.points, data.message, data.strength)
    return out(await peers.give_kudos(ledger, caller, req), KudosResult)


@get("/api/kudos/allowance", tags=["peers"])
async def kudos_allowance(caller: Caller, ledger: Ledger) -> dict[str, Any]:
    """How many kudos points the caller may still give this ISO week."""
    caller.require("seller", "manager")
    return await peers.kudos_left(caller, ledger)


@post("/api/mentoring", status_code=HTTP_201_CREATED, tags=["peers"])
async def award_mentoring(data: MentoringIn, caller: Caller, ledger: Ledger) -> MentoringResult:
    """A manager rewards a member of their team for sharing knowledge or lifting others."""
    req = peers.MentoringRequest(data.member_id, data.points, data.note)
    return out(await peers.award_mentoring(ledger, caller, req), MentoringResult)


@get("/api/mentoring/budget", tags=["peers"])
async def mentoring_budget(caller: Caller, ledger: Ledger) -> dict[str, Any]:
    """How many mentoring points the calling manager may still award this ISO week."""
    caller.require("manager")
    return await peers.mentoring_left(caller, ledger)


routes = [give_kudos, kudos_allowance, award_mentoring, mentoring_budget]
