"""Team goals with nested member goals: progress from won deals, bonuses paid once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..auth import Caller
from ..core.goals import deal_contribution, is_reached
from ..core.scoring import Award, goal_bonus_awards
from ..db.models import Deal, Entry, Goal, Member, MemberGoal, Season, Team
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..ledger import Draft, Ledger, Txn

__all__ = ["advance_goals", "create_goal", "goal_json", "progress_json"]


def progress_json(value: Decimal, target: Decimal, reached_at: datetime | None) -> dict[str, Any]:
    return {
        "value": _number(value),
        "target": _number(target),
        "reached_at": reached_at.isoformat() if reached_at else None,
        "percent": round(float(value) * 100 / float(target), 1) if target else 100.0,
    }


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


async def goal_json(goal: Goal, conn: Any = None) -> dict[str, Any]:
    member_goals = await MemberGoal.filter(goal_id=goal.id).using_db(conn).order_by("id")
    names = {
        m.id: m.name
        for m in await Member.filter(id__in=[g.member_id for g in member_goals]).using_db(conn)
    }
    return {
        "id": goal.id,
        "team_id": goal.team_id,
        "season_id": goal.season_id,
        "metric": goal.metric,
        "target": _number(goal.target),
        "progress": progress_json(goal.value, goal.target, goal.reached_at),
        "member_targets": [
            {
                "member_id": g.member_id,
                "name": names.get(g.member_id),
                "target": _number(g.target),
                "progress": progress_json(g.value, g.target, g.reached_at),
            }
            for g in member_goals
        ],
    }


async def advance_goals(
    txn: Txn, goals: list[Goal], moves: dict[int | None, Decimal], team_ids: list[int]
) -> tuple[list[Award], list[dict[str, Any]]]:
    """Add ``moves`` (member_id → amount; None → team only) to goals; pay bonuses once.

    Runs under the write lock; the ``reached_at IS NULL`` condition on the update makes
    the once-only rule hold even so.
    """
    awards: list[Award] = []
    events: list[dict[str, Any]] = []
    for goal in goals:
        delta = sum(moves.values(), Decimal(0))
        if delta:
            goal.value += delta
            await Goal.filter(id=goal.id).using_db(txn.conn).update(value=goal.value)
            events.append(_progress_event(goal, None, goal.value, goal.target))
        if goal.reached_at is None and is_reached(float(goal.value), float(goal.target)):
            claimed = (
                await Goal.filter(id=goal.id, reached_at=None)
                .using_db(txn.conn)
                .update(reached_at=txn.now)
            )
            if claimed:
                goal.reached_at = txn.now
                # team goal bonus: every member of the team, once
                awards.extend(goal_bonus_awards(tuple(team_ids), txn.policy.team_goal_bonus))
                events.append(_reached_event(goal, None))
        for mg in await MemberGoal.filter(goal_id=goal.id).using_db(txn.conn):
            member_delta = moves.get(mg.member_id, Decimal(0))
            if member_delta:
                mg.value += member_delta
                await MemberGoal.filter(id=mg.id).using_db(txn.conn).update(value=mg.value)
                events.append(_progress_event(goal, mg.member_id, mg.value, mg.target))
            if mg.reached_at is None and is_reached(float(mg.value), float(mg.target)):
                claimed = (
                    await MemberGoal.filter(id=mg.id, reached_at=None)
                    .using_db(txn.conn)
                    .update(reached_at=txn.now)
                )
                if claimed:
                    awards.extend(goal_bonus_awards((mg.member_id,), txn.policy.member_goal_bonus))
                    events.append(_reached_event(goal, mg.member_id))
    return awards, events


async def deal_moves(goal: Goal, deals: list[Deal]) -> dict[int | None, Decimal]:
    """What already-recorded won deals contribute to a new goal, per member."""
    moves: dict[int | None, Decimal] = {}
    for deal in deals:
        delta = Decimal(str(deal_contribution(goal.metric, float(deal.amount))))
        moves[deal.seller_id] = moves.get(deal.seller_id, Decimal(0)) + delta
    return moves


def _progress_event(goal: Goal, member_id: int | None, value: Decimal, target: Decimal) -> dict:
    return {
        "type": "goal_progress",
        "goal_id": goal.id,
        "team_id": goal.team_id,
        "metric": goal.metric,
        "member_id": member_id,
        "value": _number(value),
        "target": _number(target),
    }


def _reached_event(goal: Goal, member_id: int | None) -> dict:
    return {
        "type": "goal_reached",
        "goal_id": goal.id,
        "team_id": goal.team_id,
        "metric": goal.metric,
        "scope": "member" if member_id else "team",
        "member_id": member_id,
    }


async def create_goal(
    ledger: Ledger,
    caller: Caller,
    team_id: int,
    season_id: int,
    metric: str,
    target: float,
    member_targets: list[tuple[int, float]],
) -> Goal:
    """Set a team goal with member goals under it; deals already won count at once."""
    caller.require("manager", "admin")
    if metric not in ("revenue", "deals"):
        raise Invalid("metric must be 'revenue' or 'deals'.")
    if target <= 0 or any(t <= 0 for _, t in member_targets):
        raise Invalid("Every target must be greater than 0.")
    team = await Team.get_or_none(id=team_id)
    if team is None:
        raise NotFound(f"There is no team {team_id}.")
    if caller.role == "manager" and caller.team_id != team_id:
        raise Forbidden("Managers set goals for their own team only.")
    if await Season.get_or_none(id=season_id) is None:
        raise NotFound(f"There is no season {season_id}; create it first.")
    ids = [m for m, _ in member_targets]
    if len(set(ids)) != len(ids):
        raise Invalid("Each member may have only one target in a goal.")
    members = {m.id: m for m in await Member.filter(id__in=ids)}
    strangers = [m for m in ids if m not in members or members[m].team_id != team_id]
    if strangers:
        raise Invalid(
            f"Member goals must be for members of team {team.name!r}; not: "
            f"{', '.join(map(str, strangers))}."
        )

    async def build(txn: Txn) -> Draft:
        if (
            await Goal.filter(team_id=team_id, season_id=season_id, metric=metric)
            .using_db(txn.conn)
            .exists()
        ):
            raise Conflict(f"Team {team.name!r} already has a {metric} goal for this season.")
        goal = await Goal.create(
            team_id=team_id,
            season_id=season_id,
            metric=metric,
            target=Decimal(str(target)),
            using_db=txn.conn,
        )
        for member_id, member_target in member_targets:
            await MemberGoal.create(
                goal_id=goal.id,
                member_id=member_id,
                target=Decimal(str(member_target)),
                using_db=txn.conn,
            )
        won = await Deal.filter(team_id=team_id, season_id=season_id, outcome="won").using_db(
            txn.conn
        )
        team_ids = [m.id for m in await Member.filter(team_id=team_id).using_db(txn.conn)]
        awards, events = await advance_goals(txn, [goal], await deal_moves(goal, won), team_ids)

        async def attach(entry: Entry) -> Goal:
            return goal

        return Draft(
            kind="goal.set",
            team_id=team_id,
            awards=awards,
            events=events,
            attach=attach,
            data={
                "goal_id": goal.id,
                "season_id": season_id,
                "metric": metric,
                "target": target,
                "team_name": team.name,
                "member_targets": [{"member_id": m, "target": t} for m, t in member_targets],
                "names": {str(m.id): m.name for m in members.values()},
            },
        )

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]
