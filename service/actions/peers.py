"""Peer-help kudos and managers' mentoring points, with their weekly allowances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..auth import Caller
from ..core.calendar import iso_week
from ..core.points import from_cents, to_cents
from ..core.rules import KudosUsage, check_kudos, check_mentoring
from ..core.scoring import score_flat
from ..db.models import Entry, Kudos, Member, Mentoring
from ..db.queries import current_policy, sum_cents
from ..errors import Forbidden, Invalid, NotFound
from ..ledger import Draft, Ledger, Txn

__all__ = ["STRENGTHS", "award_mentoring", "give_kudos", "kudos_left", "mentoring_left"]

STRENGTHS = (
    "communicator",
    "big-picture",
    "closer",
    "coach",
    "product-expert",
    "listener",
    "organizer",
)


@dataclass(frozen=True)
class KudosRequest:
    to_member_id: int
    points: float
    message: str
    strength: str | None = None


@dataclass(frozen=True)
class MentoringRequest:
    member_id: int
    points: float
    note: str


async def kudos_usage(conn: Any, giver_id: int, recipient_id: int, week: str) -> KudosUsage:
    given = Kudos.filter(giver_id=giver_id, week=week).using_db(conn)
    return KudosUsage(
        given_total=await sum_cents(given),
        given_to_recipient=await sum_cents(given.filter(recipient_id=recipient_id)),
        received_from_recipient=await sum_cents(
            Kudos.filter(giver_id=recipient_id, recipient_id=giver_id, week=week).using_db(conn)
        ),
    )


async def give_kudos(ledger: Ledger, caller: Caller, req: KudosRequest) -> dict[str, Any]:
    caller.require("seller", "manager")
    assert caller.member_id is not None
    if req.strength is not None and req.strength not in STRENGTHS:
        raise Invalid(f"strength must be one of: {', '.join(STRENGTHS)}.")
    if not req.message.strip():
        raise Invalid("Say thanks in a few words: message must not be empty.")
    recipient = await Member.get_or_none(id=req.to_member_id)
    if recipient is None:
        raise NotFound(f"There is no member {req.to_member_id} to thank.")
    giver_id = caller.member_id

    async def build(txn: Txn) -> Draft:
        usage = await kudos_usage(txn.conn, giver_id, recipient.id, txn.week)
        cents = check_kudos(giver_id, recipient.id, req.points, usage, txn.policy)

        async def attach(entry: Entry) -> Kudos:
            return await Kudos.create(
                entry_id=entry.id,
                giver_id=giver_id,
                recipient_id=recipient.id,
                cents=cents,
                message=req.message.strip(),
                strength=req.strength,
                week=txn.week,
                using_db=txn.conn,
            )

        return Draft(
            kind="kudos",
            member_id=recipient.id,
            team_id=recipient.team_id,
            awards=list(score_flat(recipient.id, "help", from_cents(cents))),
            attach=attach,
            data={
                "from_member_id": giver_id,
                "to_member_id": recipient.id,
                "points": from_cents(cents),
                "message": req.message.strip(),
                "strength": req.strength,
                "names": {str(giver_id): caller.name, str(recipient.id): recipient.name},
            },
        )

    recorded = await ledger.record(caller, build)
    kudos: Kudos = recorded.attached
    left = await kudos_left(caller, ledger)
    return {
        "id": kudos.id,
        "seq": recorded.entry.seq,
        "from_member_id": giver_id,
        "to_member_id": recipient.id,
        "points": from_cents(kudos.cents),
        "message": kudos.message,
        "strength": kudos.strength,
        "week": kudos.week,
        "allowance_left": left["left"],
    }


async def _weekly_left(
    model: Any, giver: dict[str, Any], limit_key: str, name: str, ledger: Ledger
) -> dict[str, Any]:
    """What is left this ISO week of a weekly limit on points given."""
    limit = getattr(await current_policy(), limit_key)
    week = iso_week(datetime.now(UTC), ledger.tz)
    used = await sum_cents(model.filter(week=week, **giver))
    return {
        "week": week,
        name: limit,
        "used": from_cents(used),
        "left": from_cents(max(to_cents(limit) - used, 0)),
    }


async def kudos_left(caller: Caller, ledger: Ledger) -> dict[str, Any]:
    """The caller's remaining kudos allowance this week."""
    return await _weekly_left(
        Kudos, {"giver_id": caller.member_id}, "kudos_weekly_allowance", "allowance", ledger
    )


async def award_mentoring(ledger: Ledger, caller: Caller, req: MentoringRequest) -> dict[str, Any]:
    caller.require("manager", "admin")
    if not req.note.strip():
        raise Invalid("Add a note saying what the mentoring was for.")
    member = await Member.get_or_none(id=req.member_id)
    if member is None:
        raise NotFound(f"There is no member {req.member_id}.")
    if caller.role == "manager" and member.team_id != caller.team_id:
        raise Forbidden("Managers award mentoring points to members of their own team only.")
    manager_id = caller.member_id

    async def build(txn: Txn) -> Draft:
        used = 0
        if manager_id is not None:  # admins have no budget of their own
            used = await sum_cents(
                Mentoring.filter(awarded_by_member_id=manager_id, week=txn.week).using_db(txn.conn)
            )
        cents = check_mentoring(manager_id, member.id, req.points, used, txn.policy)

        async def attach(entry: Entry) -> Mentoring:
            return await Mentoring.create(
                entry_id=entry.id,
                awarded_by_member_id=manager_id,
                member_id=member.id,
                cents=cents,
                note=req.note.strip(),
                week=txn.week,
                using_db=txn.conn,
            )

        names = {str(member.id): member.name}
        if manager_id is not None:
            names[str(manager_id)] = caller.name or ""
        return Draft(
            kind="mentoring",
            member_id=member.id,
            team_id=member.team_id,
            awards=list(score_flat(member.id, "mentoring", from_cents(cents))),
            attach=attach,
            data={
                "member_id": member.id,
                "points": from_cents(cents),
                "note": req.note.strip(),
                "awarded_by_member_id": manager_id,
                "names": names,
            },
        )

    recorded = await ledger.record(caller, build)
    row: Mentoring = recorded.attached
    body: dict[str, Any] = {
        "id": row.id,
        "seq": recorded.entry.seq,
        "member_id": member.id,
        "points": from_cents(row.cents),
        "note": row.note,
        "week": row.week,
        "awarded_by_member_id": manager_id,
    }
    if manager_id is not None:
        body["budget_left"] = (await mentoring_left(caller, ledger))["left"]
    return body


async def mentoring_left(caller: Caller, ledger: Ledger) -> dict[str, Any]:
    """The calling manager's remaining mentoring budget this week."""
    return await _weekly_left(
        Mentoring,
        {"awarded_by_member_id": caller.member_id},
        "mentoring_weekly_budget",
        "budget",
        ledger,
    )
