"""Recording won and lost deals: permission, idempotency, scoring and goal progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..auth import Caller
from ..core.calendar import is_newcomer, local_date
from ..core.goals import deal_contribution
from ..core.points import from_cents
from ..core.scoring import DealFacts, score_deal
from ..db.models import Deal, Entry, Goal, Member, PointAward
from ..errors import Forbidden, Invalid, NotFound
from ..ledger import Draft, Ledger, Txn, _Replay
from .goals import advance_goals

__all__ = ["DealRequest", "deal_json", "record_deal"]

CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class DealRequest:
    seller_id: int
    outcome: str
    amount: float
    customer: str
    assists: tuple[int, ...] = ()
    external_id: str | None = None
    closed_at: datetime | None = None


def deal_json(deal: Deal, entry: Entry | None = None) -> dict[str, Any]:
    return {
        "id": deal.id,
        "seq": entry.seq if entry else None,
        "seller_id": deal.seller_id,
        "team_id": deal.team_id,
        "season_id": deal.season_id,
        "outcome": deal.outcome,
        "amount": float(deal.amount),
        "customer": deal.customer,
        "assists": list(deal.assists),
        "external_id": deal.external_id,
        "closed_at": deal.closed_at.isoformat(),
    }


def awards_json(awards: list[PointAward]) -> list[dict[str, Any]]:
    return [
        {"member_id": a.member_id, "category": a.category, "points": from_cents(a.cents)}
        for a in awards
    ]


async def existing_deal(external_id: str | None) -> dict[str, Any] | None:
    """The deal already recorded under this idempotency key, as a response body."""
    if not external_id:
        return None
    deal = await Deal.get_or_none(external_id=external_id)
    if deal is None:
        return None
    entry = await Entry.get(id=deal.entry_id)
    return {"deal": deal_json(deal, entry), "awards": []}


async def record_deal(
    ledger: Ledger, caller: Caller, req: DealRequest
) -> tuple[dict[str, Any], bool]:
    """Record a deal; returns the response body and whether it was new (201) or a replay."""
    caller.require("seller", "manager", "integration", "admin")
    if req.outcome not in ("won", "lost"):
        raise Invalid(f"outcome must be 'won' or 'lost', not {req.outcome!r}.")
    if req.amount < 0:
        raise Invalid("amount must be 0 or more.")
    if not req.customer.strip():
        raise Invalid("customer must name the customer the deal was with.")
    closed_at = req.closed_at or datetime.now(UTC)
    if closed_at.tzinfo is None:
        raise Invalid("closed_at needs a time zone offset, e.g. 2026-11-20T14:00:00+01:00.")
    if closed_at > datetime.now(UTC) + CLOCK_SKEW:
        raise Invalid("closed_at is in the future; give the time the deal was closed.")
    seller = await Member.get_or_none(id=req.seller_id)
    if seller is None:
        raise NotFound(f"There is no member {req.seller_id} to credit this deal to.")
    _check_may_log(caller, seller)
    assists = tuple(req.assists)
    known = {m.id for m in await Member.filter(id__in=assists)} if assists else set()
    unknown = [a for a in assists if a not in known]
    if unknown:
        raise Invalid(f"Assists name unknown member(s): {', '.join(map(str, unknown))}.")
    replay = await existing_deal(req.external_id)
    if replay:
        return replay, False

    async def build(txn: Txn) -> Draft:
        if (
            req.external_id
            and await Deal.filter(external_id=req.external_id).using_db(txn.conn).exists()
        ):
            raise _Replay(None)
        team = await Member.filter(team_id=seller.team_id).using_db(txn.conn)
        team_ids = [m.id for m in team]
        won = req.outcome == "won"
        facts = DealFacts(
            seller_id=seller.id,
            won=won,
            amount=req.amount,
            seller_is_newcomer=is_newcomer(
                seller.joined_on, local_date(closed_at, txn.tz), txn.policy.newcomer_days
            ),
            teammate_ids=tuple(m for m in team_ids if m != seller.id),
            assist_ids=assists,
        )
        awards = list(score_deal(facts, txn.policy))
        season = txn.season_for(closed_at)
        events: list[dict[str, Any]] = []
        if won and season:
            goals = await Goal.filter(team_id=seller.team_id, season_id=season.id).using_db(
                txn.conn
            )
            for goal in goals:
                move = Decimal(str(deal_contribution(goal.metric, req.amount)))
                bonus, goal_events = await advance_goals(txn, [goal], {seller.id: move}, team_ids)
                awards.extend(bonus)
                events.extend(goal_events)
        names = {str(m.id): m.name for m in team}

        async def attach(entry: Entry) -> Deal:
            return await Deal.create(
                entry_id=entry.id,
                seller_id=seller.id,
                team_id=seller.team_id,
                season_id=season.id if season else None,
                outcome=req.outcome,
                amount=Decimal(str(req.amount)),
                customer=req.customer.strip(),
                assists=list(assists),
                external_id=req.external_id,
                closed_at=closed_at,
                using_db=txn.conn,
            )

        return Draft(
            kind=f"deal.{req.outcome}",
            member_id=seller.id,
            team_id=seller.team_id,
            occurred_at=closed_at,
            awards=awards,
            events=events,
            attach=attach,
            data={
                "amount": req.amount,
                "customer": req.customer.strip(),
                "assists": list(assists),
                "external_id": req.external_id,
                "names": names,
            },
        )

    try:
        recorded = await ledger.record(caller, build)
    except _Replay:
        replay = await existing_deal(req.external_id)
        assert replay is not None
        return replay, False
    body = {
        "deal": deal_json(recorded.attached, recorded.entry),
        "awards": awards_json(recorded.awards),
    }
    return body, True


def _check_may_log(caller: Caller, seller: Member) -> None:
    if caller.role == "seller" and caller.member_id != seller.id:
        raise Forbidden("Sellers log their own deals only; use your own member id as seller_id.")
    if caller.role == "manager" and caller.team_id != seller.team_id:
        raise Forbidden("Managers log deals for members of their own team only.")
