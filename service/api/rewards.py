"""The reward shop: wallets, rewards, redemptions and a team's monthly budget.

Every change goes through the write path and is decided under its lock (``core.rewards``):
parallel redemptions, on any number of instances, never spend more than a balance nor take
a stock below zero. Lists are read from the tables the ledger's entries write."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import get, patch, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import UNSET, Meta, Struct, UnsetType

from ..auth import Caller
from ..core import commands as cmd
from ..db.models import Member, Redemption, Reward
from ..engine.writer import Writer
from ..errors import Invalid
from ..schemas import IdParam, Number, OptionalId
from .problems import refusals

__all__ = ["routes"]

Coins = Annotated[float, Meta(ge=0.01, le=1_000_000, description="coins")]
Count = Annotated[int, Meta(ge=0, le=1_000_000)]
Text = Annotated[str, Meta(max_length=500)]
RewardName = Annotated[str, Meta(min_length=1, max_length=100)]


class Wallet(Struct):
    """A member's coins: ``earned`` with points (and prizes; less what reversals took
    back), ``held`` by redemptions waiting for a decision, ``spent``; ``balance`` is what
    can be spent now (it may be below zero after a reversal)."""

    member_id: int
    balance: Number
    earned: Number
    spent: Number
    held: Number


class RewardIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: RewardName
    cost: Coins
    stock: Count | None = None  # how many are left to redeem; left out: no limit
    per_member_limit: Count | None = None  # left out: no limit
    description: Text | None = None


class RewardPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    name: RewardName | None = None
    cost: Coins | None = None
    # null: no limit from now on; left out: as it is
    stock: Count | UnsetType | None = UNSET
    per_member_limit: Count | UnsetType | None = UNSET
    description: Text | None = None
    active: bool | None = None  # false: off the shop (redemptions made stay)


class RewardOut(Struct):
    id: int
    name: str
    cost: Number
    stock: int | None
    per_member_limit: int | None
    description: str | None
    active: bool


class RedemptionIn(Struct, forbid_unknown_fields=True, kw_only=True):
    reward_id: Annotated[int, Meta(ge=1, le=2**31 - 1)]
    note: Text | None = None


class DecisionIn(Struct, forbid_unknown_fields=True, kw_only=True):
    note: Text | None = None


class RedemptionOut(Struct):
    id: int
    state: str  # pending | approved | declined | fulfilled
    member_id: int
    member_name: str | None
    team_id: int
    reward_id: int
    reward_name: str | None
    cost: Number
    note: str | None
    requested_at: str
    decided_at: str | None
    decision_note: str | None


class BudgetIn(Struct, forbid_unknown_fields=True):
    monthly: Annotated[float, Meta(ge=0, le=1e9)] | None  # null: no budget


class BudgetOut(Struct):
    team_id: int
    monthly: Number | None


def _reward_out(r: Reward) -> RewardOut:
    return RewardOut(
        r.id, r.name, float(r.cost), r.stock, r.per_member_limit, r.description, r.active
    )


async def _redemption_out(rows: list[Redemption]) -> list[RedemptionOut]:
    names = {m.id: m.name for m in await Member.filter(id__in={r.member_id for r in rows})}
    rewards = {w.id: w.name for w in await Reward.filter(id__in={r.reward_id for r in rows})}
    return [
        RedemptionOut(
            r.id,
            r.state,
            r.member_id,
            names.get(r.member_id),
            r.team_id,
            r.reward_id,
            rewards.get(r.reward_id),
            float(r.cost),
            r.note,
            r.requested_at.isoformat(),
            r.decided_at.isoformat() if r.decided_at else None,
            r.decision_note,
        )
        for r in rows
    ]


@get("/api/members/{member_id:int}/wallet", tags=["rewards"], **refusals(403, 404, 422))
async def wallet(member_id: IdParam, caller: Caller, writer: Writer) -> Wallet:
    """A member's coins (the member, their team's manager, admins), read under the write
    lock: what every instance agrees on."""
    decision = await writer.submit(cmd.WalletOf(member_id), caller.actor)
    return msgspec.convert(decision.answer, Wallet)


@post(
    "/api/rewards", status_code=HTTP_201_CREATED, tags=["rewards"], **refusals(403, 409, body=True)
)
async def create_reward(data: RewardIn, caller: Caller, writer: Writer) -> RewardOut:
    """Put a reward in the shop (admin): its cost in coins, the stock (left out: no
    limit) and how many one member may redeem (left out: no limit)."""
    command = cmd.CreateReward(
        data.name, data.cost, data.stock, data.per_member_limit, data.description
    )
    decision = await writer.submit(command, caller.actor)
    reward_id = decision.entries[0].payload.reward_id  # type: ignore[union-attr]
    return _reward_out(await Reward.get(id=reward_id))


@get("/api/rewards", tags=["rewards"], **refusals(422))
async def list_rewards(
    caller: Caller,
    include_inactive: Annotated[
        bool, Parameter(query="all", description="admins: also rewards taken off the shop")
    ] = False,
) -> list[RewardOut]:
    """The shop: its rewards, cheapest first."""
    query = Reward.all() if include_inactive and caller.is_admin else Reward.filter(active=True)
    return [_reward_out(r) for r in await query.order_by("cost", "name")]


@patch("/api/rewards/{reward_id:int}", tags=["rewards"], **refusals(403, 404, 409, body=True))
async def change_reward(
    reward_id: IdParam, data: RewardPatch, caller: Caller, writer: Writer
) -> RewardOut:
    """Change a reward (admin): its name, cost, stock left, per-member limit (``null``:
    no limit from now on), text, or take it off the shop (``active: false``)."""
    limits = ("stock", "per_member_limit")  # null sent: no limit
    changes = {
        f: getattr(data, f)
        for f in data.__struct_fields__
        if getattr(data, f) is not UNSET and (f in limits or getattr(data, f) is not None)
    }
    if not changes:
        raise Invalid("Send at least one field to change.")
    await writer.submit(cmd.ChangeReward(reward_id, changes), caller.actor)
    return _reward_out(await Reward.get(id=reward_id))


@post(
    "/api/redemptions",
    status_code=HTTP_201_CREATED,
    tags=["rewards"],
    **refusals(403, 404, 409, body=True),
)
async def redeem(data: RedemptionIn, caller: Caller, writer: Writer) -> RedemptionOut:
    """Spend coins on a reward (a seller or manager, for themselves): the cost is held
    until the member's manager approves or declines. Too few coins, no stock, the
    member's limit or the team's monthly budget reached → 409."""
    decision = await writer.submit(cmd.Redeem(data.reward_id, data.note), caller.actor)
    redemption_id = decision.entries[0].payload.redemption_id  # type: ignore[union-attr]
    return (await _redemption_out([await Redemption.get(id=redemption_id)]))[0]


async def _decide(
    redemption_id: int, action: str, data: DecisionIn | None, caller: Caller, writer: Writer
) -> RedemptionOut:
    note = data.note if data else None
    await writer.submit(cmd.DecideRedemption(redemption_id, action, note), caller.actor)
    return (await _redemption_out([await Redemption.get(id=redemption_id)]))[0]


_DECIDE = {"status_code": HTTP_200_OK, "tags": ["rewards"], **refusals(403, 404, 409, body=True)}


@post("/api/redemptions/{redemption_id:int}/approve", **_DECIDE)
async def approve(
    redemption_id: IdParam, caller: Caller, writer: Writer, data: DecisionIn | None = None
) -> RedemptionOut:
    """Approve a pending redemption (the member's manager, admin): the held coins are spent."""
    return await _decide(redemption_id, "approve", data, caller, writer)


@post("/api/redemptions/{redemption_id:int}/decline", **_DECIDE)
async def decline(
    redemption_id: IdParam, caller: Caller, writer: Writer, data: DecisionIn | None = None
) -> RedemptionOut:
    """Decline a pending or approved redemption (the member's manager, admin): the coins,
    the stock and the limits come back."""
    return await _decide(redemption_id, "decline", data, caller, writer)


@post("/api/redemptions/{redemption_id:int}/fulfil", **_DECIDE)
async def fulfil(
    redemption_id: IdParam, caller: Caller, writer: Writer, data: DecisionIn | None = None
) -> RedemptionOut:
    """Mark a redemption handed over (the member's manager, admin); a pending one is
    approved by it."""
    return await _decide(redemption_id, "fulfil", data, caller, writer)


@get("/api/redemptions", tags=["rewards"], **refusals(403, 422))
async def list_redemptions(
    caller: Caller,
    wanted: Annotated[
        Literal["pending", "approved", "declined", "fulfilled"] | None,
        Parameter(query="state", required=False),
    ] = None,
    member_id: OptionalId = None,
) -> list[RedemptionOut]:
    """Redemptions, newest first: an admin's all, a manager's their team's, a seller's
    their own (display and integration tokens have none)."""
    caller.require("admin", "manager", "seller")
    query = Redemption.all()
    if caller.role == "manager":
        query = query.filter(team_id=caller.team_id or 0)
    elif not caller.is_admin:
        query = query.filter(member_id=caller.member_id or 0)
    if wanted:
        query = query.filter(state=wanted)
    if member_id:
        query = query.filter(member_id=member_id)
    return await _redemption_out(await query.order_by("-id").limit(500))


@put("/api/teams/{team_id:int}/reward-budget", tags=["rewards"], **refusals(403, 404, body=True))
async def set_budget(team_id: IdParam, data: BudgetIn, caller: Caller, writer: Writer) -> BudgetOut:
    """What a team's members may redeem a month, in coins (admin); null: no budget.
    Redemptions over it are refused until the next month (in the org's time zone)."""
    await writer.submit(cmd.SetRewardBudget(team_id, data.monthly), caller.actor)
    return BudgetOut(team_id, data.monthly)


routes = [
    wallet,
    create_reward,
    list_rewards,
    change_reward,
    redeem,
    approve,
    decline,
    fulfil,
    list_redemptions,
    set_budget,
]
