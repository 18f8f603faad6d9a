"""Deciding the reward shop: coins, rewards, redemptions.

Coins are a spendable balance beside the score: every point earned earns
``coins_per_point`` coins (the policy's; a point taken back takes its coins back, so a
balance may go below zero), contest prizes may add some. Spending never lowers a score.

A member redeems a reward: its cost is held from their balance at once, the stock goes
down by one, and the redemption waits for their manager (or an admin) to approve it (the
coins are spent), decline it (coins, stock and limits come back) or mark it fulfilled.
Every rule — the balance, the stock, the member's limit, the team's monthly budget — is
checked under the write lock against the state every instance shares, so parallel
redemptions never overspend or take the stock below zero.
"""

from __future__ import annotations

from typing import Any

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .calendar import local_date
from .commands import (
    ChangeReward,
    Context,
    CreateReward,
    DecideRedemption,
    Decision,
    Redeem,
    SetRewardBudget,
    WalletOf,
    new_entry,
    require,
)
from .deals import actor_team
from .entries import (
    Actor,
    RedemptionDecided,
    RedemptionRequested,
    RewardChanged,
    RewardCreated,
    TeamUpdated,
)
from .points import from_cents, to_cents
from .state import RedemptionFacts, State, Wallet

__all__ = [
    "decide_budget",
    "decide_redeem",
    "decide_redemption",
    "decide_reward",
    "decide_reward_change",
    "decide_wallet",
]

MAX_COST = 1_000_000
MAX_STOCK = 1_000_000
MAX_NAME = 100
MAX_TEXT = 500
_ACTIONS = {"approve": "approved", "decline": "declined", "fulfil": "fulfilled"}


def _name(value: Any) -> str:
    name = str(value or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"name must be 1 to {MAX_NAME} characters.", field="name")
    return name


def _cost(value: Any) -> float:
    """Coins to the hundredth: a cost that rounds to nothing (0.004) is refused, not free."""
    ok = isinstance(value, int | float) and not isinstance(value, bool) and value <= MAX_COST
    if not ok or to_cents(value) < 1:
        raise Invalid(f"cost must be a number of coins from 0.01 to {MAX_COST:,}.", field="cost")
    return from_cents(to_cents(value))


def _count(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_STOCK:
        raise Invalid(f"{what} must be a whole number from 0 to {MAX_STOCK:,}.", field=what)
    return value


def _name_free(name: str, state: State, but: int | None = None) -> None:
    """Two rewards in the shop never share a name (in any letter case)."""
    folded = name.casefold()
    if any(
        r.active and r.id != but and r.name.casefold() == folded for r in state.rewards.values()
    ):
        raise Conflict(f"There is a reward {name!r} in the shop already.")


def decide_reward(cmd: CreateReward, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    name = _name(cmd.name)
    _name_free(name, state)
    payload = RewardCreated(
        ctx.ids.take("reward"),
        name,
        _cost(cmd.cost),
        _count(cmd.stock, "stock"),
        _count(cmd.per_member_limit, "per_member_limit"),
        (cmd.description or "").strip()[:MAX_TEXT] or None,
    )
    return Decision([new_entry(state, ctx, actor, payload)])


def decide_reward_change(cmd: ChangeReward, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    reward = state.rewards.get(cmd.reward_id)
    if reward is None:
        raise NotFound(f"There is no reward {cmd.reward_id}.")
    changes: dict[str, Any] = {}
    for key, value in cmd.changes.items():
        if key == "name":
            changes[key] = _name(value)
        elif key == "cost":
            changes[key] = _cost(value)
        elif key in ("stock", "per_member_limit"):
            changes[key] = _count(value, key)
        elif key == "description":
            changes[key] = (str(value or "")).strip()[:MAX_TEXT] or None
        elif key == "active":
            if not isinstance(value, bool):
                raise Invalid("active must be true or false.", field="active")
            changes[key] = value
        else:
            raise Invalid(f"A reward has no field {key!r}.")
    if not changes:
        raise Invalid("Send at least one field to change.")
    if changes.get("active", reward.active) and ("name" in changes or not reward.active):
        # renamed, or back in the shop: under a name no other reward there has
        _name_free(changes.get("name", reward.name), state, but=reward.id)
    payload = RewardChanged(reward.id, changes)
    return Decision([new_entry(state, ctx, actor, payload)])


def decide_redeem(cmd: Redeem, actor: Actor, state: State, ctx: Context) -> Decision:
    """Hold the cost from the caller's balance, if every rule allows it."""
    require(actor, "seller", "manager")
    member = state.members.get(actor.member_id or 0)
    if member is None or not member.active:
        raise Forbidden("Only a member of the team can redeem rewards.")
    reward = state.rewards.get(cmd.reward_id)
    if reward is None or not reward.active:
        raise NotFound(f"There is no reward {cmd.reward_id} in the shop.")
    note = (cmd.note or "").strip()
    if len(note) > MAX_TEXT:
        raise Invalid(f"note must be at most {MAX_TEXT} characters.", field="note")
    if reward.stock is not None and reward.stock <= 0:
        raise Conflict(f"{reward.name} is out of stock.")
    taken = state.redeemed.get((member.id, reward.id), 0)
    if reward.per_member_limit is not None and taken >= reward.per_member_limit:
        raise Conflict(
            f"You have redeemed {reward.name} {taken} time(s): the limit is "
            f"{reward.per_member_limit} per member."
        )
    wallet = state.wallets.get(member.id) or Wallet()  # a read: the state stays as it is
    if wallet.balance < reward.cost:
        raise Conflict(
            f"{reward.name} costs {from_cents(reward.cost):g} coins and your balance is "
            f"{from_cents(wallet.balance):g}"
            + (
                f" ({from_cents(wallet.held):g} held by redemptions waiting)."
                if wallet.held
                else "."
            )
        )
    team = state.teams.get(member.team_id)
    month = local_date(ctx.now, state.tz).isoformat()[:7]
    if team is not None and team.reward_budget is not None:
        used = state.team_redeemed.get((team.id, month), 0)
        if used + reward.cost > team.reward_budget:
            raise Conflict(
                f"{team.name}'s reward budget this month is {from_cents(team.reward_budget):g} "
                f"coins and {from_cents(used):g} are redeemed already: {reward.name} "
                f"({from_cents(reward.cost):g}) would go over it."
            )
    stock_left = reward.stock - 1 if reward.stock is not None else None
    payload = RedemptionRequested(
        ctx.ids.take("redemption"),
        reward.id,
        reward.name,
        from_cents(reward.cost),
        note or None,
        stock_left,
    )
    entry = new_entry(state, ctx, actor, payload, member_id=member.id, team_id=member.team_id)
    return Decision([entry])


def _may_decide(actor: Actor, state: State, redemption: RedemptionFacts) -> None:
    require(actor, "manager", "admin")
    if actor.role == "manager":
        if actor_team(state, actor) != redemption.team_id:
            raise Forbidden("Managers decide the redemptions of their own team only.")
        if actor.member_id == redemption.member_id:
            raise Forbidden("A manager's own redemption is decided by an admin.")


def decide_redemption(cmd: DecideRedemption, actor: Actor, state: State, ctx: Context) -> Decision:
    state_to = _ACTIONS.get(cmd.action)
    if state_to is None:
        raise Invalid("action must be approve, decline or fulfil.")
    redemption = state.redemptions.get(cmd.redemption_id)
    if redemption is None:
        raise NotFound(f"There is no redemption {cmd.redemption_id}.")
    _may_decide(actor, state, redemption)
    allowed = {
        "approved": ("pending",),
        "declined": ("pending", "approved"),
        "fulfilled": ("pending", "approved"),
    }[state_to]
    if redemption.state not in allowed:
        raise Conflict(
            f"Redemption {redemption.id} is {redemption.state}: it cannot be {state_to} now."
        )
    reward = state.rewards.get(redemption.reward_id)
    stock_left = reward.stock if reward is not None else None
    if state_to == "declined" and stock_left is not None:
        stock_left += 1
    note = (cmd.note or "").strip()[:MAX_TEXT] or None
    payload = RedemptionDecided(
        redemption.id, redemption.reward_id, state_to, from_cents(redemption.cost), note, stock_left
    )
    entry = new_entry(
        state, ctx, actor, payload, member_id=redemption.member_id, team_id=redemption.team_id
    )
    return Decision([entry])


def decide_budget(cmd: SetRewardBudget, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    team = state.teams.get(cmd.team_id)
    if team is None:
        raise NotFound(f"There is no team {cmd.team_id}.")
    monthly = None
    if cmd.monthly is not None:
        number = isinstance(cmd.monthly, int | float) and not isinstance(cmd.monthly, bool)
        if not number or not 0 <= cmd.monthly <= 1e9:
            raise Invalid("monthly must be a number of coins from 0 (or null: no budget).")
        monthly = from_cents(to_cents(cmd.monthly))
    was = from_cents(team.reward_budget) if team.reward_budget is not None else None
    if was == monthly:
        return Decision([])
    payload = TeamUpdated({"reward_budget": monthly}, {"reward_budget": was})
    return Decision([new_entry(state, ctx, actor, payload, team_id=team.id)])


def decide_wallet(cmd: WalletOf, actor: Actor, state: State, ctx: Context) -> Decision:
    """A member's coins: for the member, their team's manager and admins."""
    member = state.members.get(cmd.member_id)
    if member is None:
        raise NotFound(f"There is no member {cmd.member_id}.")
    own = actor.role == "admin" or actor.member_id == member.id
    coach = actor.role == "manager" and actor_team(state, actor) == member.team_id
    if not (own or coach):
        raise Forbidden("A wallet is for its member, their manager and admins.")
    wallet = state.wallets.get(member.id) or Wallet()  # a read: the state stays as it is
    return Decision(
        answer={
            "member_id": member.id,
            "balance": from_cents(wallet.balance),
            "earned": from_cents(wallet.earned),
            "spent": from_cents(wallet.spent),
            "held": from_cents(wallet.held),
        }
    )
