"""The reward shop's deciders (service/core/rewards.py) with no I/O: coins, rewards,
redemptions held and decided, a team's monthly budget (the Org helper of test_core_decide:
a State evolved by the decisions, each checked not to touch the state it was given)."""

from __future__ import annotations

from datetime import UTC, datetime

from service.core.commands import (
    ChangePolicy,
    ChangeReward,
    CreateReward,
    DecideRedemption,
    Redeem,
    ReverseDeal,
    SetRewardBudget,
    UpdateMember,
    WalletOf,
)
from service.core.entries import (
    Actor,
    RedemptionDecided,
    RedemptionRequested,
    RewardChanged,
    RewardCreated,
    TeamUpdated,
)
from service.core.state import RedemptionFacts, RewardFacts
from service.errors import Conflict, Forbidden, Invalid, NotFound
from tests.test_core_decide import Org, cents, manager_actor, seller_actor

ADMIN = Actor("admin")


def _shop(org: Org, sellers: int = 2) -> tuple[int, list[int], int]:
    """Team share off (a seller keeps every point of their deal, so coins are easy to
    count): a team of sellers and its manager."""
    org.decide(ChangePolicy({"team_share": 0}))
    team, members = org.squad(sellers)
    return team, members, org.member(team, "manager")


def _earn(org: Org, member: int, coins: int) -> None:
    """A won deal worth ``coins`` points (10 + 1 per 1 000, 11 to 100), so as many coins."""
    org.deal(member, (coins - 10) * 1000)


def _reward(org: Org, name: str = "Lunch", cost: float = 10, **extra: object) -> int:
    entry = org.decide(CreateReward(name, cost, **extra)).entries[0]  # type: ignore[arg-type]
    return entry.payload.reward_id  # type: ignore[union-attr]


def _redeem(org: Org, member: int, reward_id: int, actor: Actor | None = None) -> int:
    entry = org.decide(Redeem(reward_id), actor or seller_actor(member)).entries[0]
    return entry.payload.redemption_id  # type: ignore[union-attr]


def _wallet(org: Org, member: int) -> dict[str, object]:
    return org.decide(WalletOf(member)).answer


def _coins(balance: float, earned: float, spent: float, held: float) -> dict[str, float]:
    return {"balance": balance, "earned": earned, "spent": spent, "held": held}


def _money(org: Org, member: int) -> dict[str, object]:
    answer = dict(_wallet(org, member))
    assert answer.pop("member_id") == member
    return answer


# -- coins and wallets -----------------------------------------------------------------------


def test_coins_follow_points_and_reversals():
    """Each point earns coins_per_point coins; a reversal takes them back at the current rate."""
    org = Org()
    _, (seller, _), _ = _shop(org)
    deal = org.deal(seller, 50_000)
    assert cents(deal) == {(seller, "deals"): 6000}
    assert org.decide(WalletOf(seller)).entries == []  # a read appends nothing
    assert _wallet(org, seller) == {"member_id": seller, **_coins(60, 60, 0, 0)}
    org.decide(ChangePolicy({"coins_per_point": 2}))
    _earn(org, seller, 20)
    assert _money(org, seller) == _coins(100, 100, 0, 0)
    deal_id = deal.payload.deal_id  # type: ignore[union-attr]
    org.decide(ReverseDeal(deal_id, "entered twice"))  # -60 points at 2 coins each
    assert _money(org, seller) == _coins(-20, -20, 0, 0)
    org.decide(ChangePolicy({"coins_per_point": 0}))  # points without coins
    _earn(org, seller, 30)
    assert _money(org, seller) == _coins(-20, -20, 0, 0)


def test_wallet_is_for_its_member_their_manager_and_admins():
    """A wallet is read by its member, their team's manager and admins only."""
    org = Org()
    _, (seller, mate), boss = _shop(org)
    other_team, _ = org.squad(1)
    stranger_boss = org.member(other_team, "manager")
    for member in (seller, mate):
        _earn(org, member, 30)
    for actor in (seller_actor(seller), manager_actor(boss), ADMIN):
        assert org.decide(WalletOf(seller), actor).answer["balance"] == 30
    org.refuse(Forbidden, WalletOf(seller), seller_actor(mate))
    org.refuse(Forbidden, WalletOf(seller), manager_actor(stranger_boss))
    org.refuse(Forbidden, WalletOf(seller), Actor("integration"))
    org.refuse(NotFound, WalletOf(999))


def test_reading_an_empty_wallet_changes_nothing():
    """Reading or redeeming from a never-used wallet leaves the state untouched."""
    org = Org()
    _, (seller, _), _ = _shop(org)
    lunch = _reward(org)
    org.refuse(Conflict, Redeem(lunch), seller_actor(seller))
    assert _wallet(org, seller) == {"member_id": seller, **_coins(0, 0, 0, 0)}


# -- rewards ---------------------------------------------------------------------------------


def test_admin_creates_a_reward():
    """An admin creates a reward: text trimmed, cost rounded to the hundredth."""
    org = Org()
    entry = org.decide(
        CreateReward("  Cinema tickets ", 12.345, 4, 1, "  Two seats  "), ADMIN
    ).entries[0]
    assert entry.kind == "reward.created" and entry.awards == ()
    reward_id = entry.payload.reward_id  # type: ignore[union-attr]
    assert entry.payload == RewardCreated(reward_id, "Cinema tickets", 12.35, 4, 1, "Two seats")
    assert org.state.rewards[reward_id] == RewardFacts(reward_id, "Cinema tickets", 1235, 4, 1)
    coffee = org.decide(CreateReward("Coffee", 3)).entries[0].payload
    assert coffee == RewardCreated(coffee.reward_id, "Coffee", 3)  # type: ignore[union-attr]


def test_create_reward_refusals():
    """Only admins create rewards; a live duplicate name is 409, bad values are Invalid."""
    org = Org()
    _, (seller,), boss = _shop(org, 1)
    org.refuse(Forbidden, CreateReward("Lunch", 10), seller_actor(seller))
    org.refuse(Forbidden, CreateReward("Lunch", 10), manager_actor(boss))
    lunch = _reward(org, "Lunch")
    org.refuse(Conflict, CreateReward(" LUNCH ", 5))
    for bad in (
        CreateReward("   ", 10),
        CreateReward("x" * 101, 10),
        CreateReward("Nul\x00l", 10),
        CreateReward("Free", 0),
        CreateReward("Owed", -5),
        CreateReward("Huge", 1_000_001),
        CreateReward("Yes", True),
        CreateReward("Text", "10"),  # type: ignore[arg-type]
        CreateReward("Stock", 10, stock=-1),
        CreateReward("Stock", 10, stock=1_000_001),
        CreateReward("Stock", 10, stock=1.5),  # type: ignore[arg-type]
        CreateReward("Limit", 10, per_member_limit=-1),
        CreateReward("Limit", 10, per_member_limit=True),
    ):
        org.refuse(Invalid, bad)
    org.decide(ChangeReward(lunch, {"active": False}))
    org.decide(CreateReward("lunch", 8))  # the name is free again


def test_a_cost_that_rounds_to_nothing_is_refused():
    """A cost that rounds to 0 coins (0.004) is Invalid, as costs start at 0.01."""
    org = Org()
    lunch = _reward(org)
    org.refuse(Invalid, ChangeReward(lunch, {"cost": 0.004}))
    org.refuse(Invalid, CreateReward("Tiny", 0.004))


def test_admin_changes_a_reward():
    """An admin changes any field of a reward (None: no limit); the state follows."""
    org = Org()
    lunch = _reward(org, "Lunch", 10, stock=5, per_member_limit=1)
    changes = {"name": " Long lunch ", "cost": 7.5, "stock": None, "description": " Pizza "}
    entry = org.decide(ChangeReward(lunch, changes)).entries[0]
    assert entry.kind == "reward.changed" and entry.awards == ()
    assert entry.payload == RewardChanged(
        lunch, {"name": "Long lunch", "cost": 7.5, "stock": None, "description": "Pizza"}
    )
    assert org.state.rewards[lunch] == RewardFacts(lunch, "Long lunch", 750, None, 1)
    org.decide(ChangeReward(lunch, {"per_member_limit": None, "stock": 2, "active": False}))
    assert org.state.rewards[lunch] == RewardFacts(lunch, "Long lunch", 750, 2, None, False)


def test_change_reward_refusals():
    """Only admins change rewards; unknown is 404; no, unknown or bad fields are Invalid."""
    org = Org()
    _, (seller,), boss = _shop(org, 1)
    lunch = _reward(org)
    org.refuse(Forbidden, ChangeReward(lunch, {"cost": 1}), seller_actor(seller))
    org.refuse(Forbidden, ChangeReward(lunch, {"cost": 1}), manager_actor(boss))
    org.refuse(NotFound, ChangeReward(999, {"cost": 1}))
    for changes in (
        {},
        {"price": 5},
        {"active": "no"},
        {"cost": 0},
        {"cost": None},
        {"name": ""},
        {"stock": -1},
        {"per_member_limit": 2.5},
    ):
        org.refuse(Invalid, ChangeReward(lunch, changes))
    assert org.state.rewards[lunch] == RewardFacts(lunch, "Lunch", 1000, None, None)


def test_a_reward_in_the_shop_is_never_renamed_onto_another():
    """Renaming a reward onto another active one's name (any letter case), or putting a
    withdrawn one back while its name is taken, is a Conflict; a case change of its own
    name, or a name only withdrawn rewards have, is fine."""
    org = Org()
    lunch, cake = _reward(org, "Lunch"), _reward(org, "Cake")
    org.refuse(Conflict, ChangeReward(cake, {"name": "LUNCH"}))
    org.decide(ChangeReward(cake, {"name": "CAKE"}))
    org.decide(ChangeReward(lunch, {"active": False}))
    org.decide(CreateReward("lunch", 5))
    org.refuse(Conflict, ChangeReward(lunch, {"active": True}))
    org.decide(ChangeReward(lunch, {"active": True, "name": "Long lunch"}))
    org.decide(ChangeReward(cake, {"name": "Lunch", "active": False}))  # withdrawn: no clash


# -- redeeming -------------------------------------------------------------------------------


def test_redeem_holds_the_cost_and_one_of_the_stock():
    """A redemption holds its cost and one of the stock; the score is untouched."""
    org = Org()
    team, (seller, _), _ = _shop(org)
    _earn(org, seller, 60)
    lunch = _reward(org, "Lunch", 12.5, stock=3, per_member_limit=2)
    entry = org.decide(Redeem(lunch, "  for Friday  "), seller_actor(seller)).entries[0]
    assert entry.kind == "redemption.requested" and entry.awards == ()
    assert (entry.member_id, entry.team_id) == (seller, team)
    redemption = entry.payload.redemption_id  # type: ignore[union-attr]
    assert entry.payload == RedemptionRequested(redemption, lunch, "Lunch", 12.5, "for Friday", 2)
    assert org.state.redemptions[redemption] == RedemptionFacts(
        redemption, seller, team, lunch, 1250, "pending", "2026-11"
    )
    assert org.state.rewards[lunch].stock == 2
    assert org.state.redeemed[(seller, lunch)] == 1
    assert org.state.team_redeemed[(team, "2026-11")] == 1250
    assert _money(org, seller) == _coins(47.5, 60, 0, 12.5)


def test_who_may_redeem():
    """Only an active seller or manager redeems, for themselves, a reward in the shop."""
    org = Org()
    _, (seller, leaver), boss = _shop(org)
    for member in (seller, leaver, boss):
        _earn(org, member, 50)
    lunch = _reward(org)
    gone = _reward(org, "Gone")
    org.decide(ChangeReward(gone, {"active": False}))
    org.decide(UpdateMember(leaver, {"active": False}))
    org.refuse(Forbidden, Redeem(lunch), ADMIN)
    org.refuse(Forbidden, Redeem(lunch), Actor("integration"))
    for role in ("admin", "integration"):  # the role decides, even on a member's token
        org.refuse(Forbidden, Redeem(lunch), Actor(role, member_id=seller))
    org.refuse(Forbidden, Redeem(lunch), seller_actor(leaver))
    org.refuse(Forbidden, Redeem(lunch), seller_actor(999))
    org.refuse(NotFound, Redeem(999), seller_actor(seller))
    org.refuse(NotFound, Redeem(gone), seller_actor(seller))
    org.refuse(Invalid, Redeem(lunch, "x" * 501), seller_actor(seller))
    _redeem(org, seller, lunch)
    _redeem(org, boss, lunch, manager_actor(boss))
    assert _money(org, boss) == _coins(40, 50, 0, 10)


def test_redemptions_never_spend_more_than_the_balance():
    """Coins held by waiting redemptions count: no redemption exceeds the balance."""
    org = Org()
    _, (seller, _), _ = _shop(org)
    _earn(org, seller, 50)
    gift = _reward(org, "Gift card", 20)
    attempts = []
    for _ in range(5):  # one after the other in one batch: each sees the last one's hold
        try:
            attempts.append(_redeem(org, seller, gift))
        except Conflict as error:
            attempts.append(str(error))
    assert attempts[:2] == [1, 2]
    assert (
        attempts[2:]
        == ["Gift card costs 20 coins and your balance is 10 (40 held by redemptions waiting)."] * 3
    )
    assert _money(org, seller) == _coins(10, 50, 0, 40)
    _redeem(org, seller, _reward(org, "Socks", 10))
    assert _money(org, seller)["balance"] == 0


def test_a_reversal_can_leave_a_balance_below_zero():
    """A reversal can leave the balance below zero; a decline gives the held coins back."""
    org = Org()
    _, (seller, _), _ = _shop(org)
    deal = org.deal(seller, 50_000)
    held = _redeem(org, seller, _reward(org, "Headphones", 60))
    org.decide(ReverseDeal(deal.payload.deal_id, "duplicate"))  # type: ignore[union-attr]
    assert _money(org, seller) == _coins(-60, 0, 0, 60)
    error = org.refuse(Conflict, Redeem(_reward(org, "Coffee", 1)), seller_actor(seller))
    assert "your balance is -60 (60 held" in str(error)
    org.decide(DecideRedemption(held, "decline"))
    assert _money(org, seller) == _coins(0, 0, 0, 0)


def test_stock_never_goes_below_zero():
    """A stock of 1 is redeemed once; a decline puts it back."""
    org = Org()
    _, (a, b), _ = _shop(org)
    for member in (a, b):
        _earn(org, member, 50)
    tickets = _reward(org, "Concert tickets", 1, stock=1)
    first = _redeem(org, a, tickets)
    assert org.state.rewards[tickets].stock == 0
    error = org.refuse(Conflict, Redeem(tickets), seller_actor(b))
    assert "out of stock" in str(error)
    decided = org.decide(DecideRedemption(first, "decline")).entries[0]
    assert decided.payload.stock_left == 1 and org.state.rewards[tickets].stock == 1  # type: ignore[union-attr]
    _redeem(org, b, tickets)
    org.refuse(Conflict, Redeem(tickets), seller_actor(a))


def test_per_member_limit():
    """A member redeems a reward at most per_member_limit times; declined ones don't count."""
    org = Org()
    _, (a, b), _ = _shop(org)
    for member in (a, b):
        _earn(org, member, 50)
    lunch = _reward(org, "Lunch", 5, per_member_limit=2)
    _redeem(org, a, lunch)
    second = _redeem(org, a, lunch)
    error = org.refuse(Conflict, Redeem(lunch), seller_actor(a))
    assert str(error) == "You have redeemed Lunch 2 time(s): the limit is 2 per member."
    _redeem(org, b, lunch)
    org.decide(DecideRedemption(second, "decline"))
    assert org.state.redeemed[(a, lunch)] == 1
    _redeem(org, a, lunch)
    closed = _reward(org, "Closed", 1, per_member_limit=0)
    org.refuse(Conflict, Redeem(closed), seller_actor(b))


def test_team_monthly_budget():
    """A team's members together redeem at most its budget per org-local month."""
    org = Org()
    team, (a, b), _ = _shop(org)
    _, (outsider,) = org.squad(1)
    for member in (a, b, outsider):
        _earn(org, member, 50)
    org.decide(SetRewardBudget(team, 15))
    lunch = _reward(org, "Lunch", 10)
    first = _redeem(org, a, lunch)
    error = org.refuse(Conflict, Redeem(lunch), seller_actor(b))
    assert "budget this month is 15 coins and 10 are redeemed already" in str(error)
    _redeem(org, outsider, lunch)
    org.decide(DecideRedemption(first, "decline"))
    assert org.state.team_redeemed[(team, "2026-11")] == 0
    _redeem(org, b, lunch)
    org.refuse(Conflict, Redeem(lunch), seller_actor(a))
    org.ctx.now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # 1 December, 00:30 in Oslo
    december = _redeem(org, a, lunch)
    assert org.state.redemptions[december].month == "2026-12"
    org.refuse(Conflict, Redeem(lunch), seller_actor(b))
    org.decide(SetRewardBudget(team, None))
    _redeem(org, b, lunch)


def test_set_reward_budget():
    """An admin sets or removes a team's budget; the same value again appends nothing."""
    org = Org()
    team, (seller,), boss = _shop(org, 1)
    entry = org.decide(SetRewardBudget(team, 100.005)).entries[0]
    assert (entry.kind, entry.team_id) == ("team.updated", team)
    assert entry.payload == TeamUpdated({"reward_budget": 100.01}, {"reward_budget": None})
    assert org.state.teams[team].reward_budget == 10001
    assert org.decide(SetRewardBudget(team, 100.01)).entries == []
    entry = org.decide(SetRewardBudget(team, 0)).entries[0]
    assert entry.payload == TeamUpdated({"reward_budget": 0}, {"reward_budget": 100.01})
    assert org.state.teams[team].reward_budget == 0
    org.decide(SetRewardBudget(team, None))
    assert org.state.teams[team].reward_budget is None
    org.refuse(Forbidden, SetRewardBudget(team, 50), seller_actor(seller))
    org.refuse(Forbidden, SetRewardBudget(team, 50), manager_actor(boss))
    org.refuse(NotFound, SetRewardBudget(999, 50))
    for bad in (-1, 1e9 + 1, float("nan"), float("inf"), True, "10"):
        org.refuse(Invalid, SetRewardBudget(team, bad))
    assert org.state.teams[team].reward_budget is None


# -- deciding redemptions --------------------------------------------------------------------


def test_approve_spends_and_fulfil_hands_over():
    """Approve spends the held coins, fulfil hands it over; each happens once."""
    org = Org()
    team, (seller, _), boss = _shop(org)
    _earn(org, seller, 50)
    lunch = _reward(org, "Lunch", 12.5, stock=3)
    redemption = _redeem(org, seller, lunch)
    entry = org.decide(DecideRedemption(redemption, "approve", " Enjoy "), manager_actor(boss))
    approved = entry.entries[0]
    assert approved.kind == "redemption.decided" and approved.awards == ()
    assert (approved.member_id, approved.team_id) == (seller, team)
    assert approved.payload == RedemptionDecided(redemption, lunch, "approved", 12.5, "Enjoy", 2)
    assert _money(org, seller) == _coins(37.5, 50, 12.5, 0)
    org.refuse(Conflict, DecideRedemption(redemption, "approve"), manager_actor(boss))
    fulfilled = org.decide(DecideRedemption(redemption, "fulfil"), manager_actor(boss))
    assert fulfilled.entries[0].payload.state == "fulfilled"  # type: ignore[union-attr]
    assert org.state.redemptions[redemption].state == "fulfilled"
    assert _money(org, seller) == _coins(37.5, 50, 12.5, 0)
    for action in ("approve", "decline", "fulfil"):
        error = org.refuse(Conflict, DecideRedemption(redemption, action))
        assert "is fulfilled" in str(error)
    assert org.state.rewards[lunch].stock == 2


def test_fulfilling_a_pending_redemption_spends_it():
    """Fulfil straight from pending approves it on the way: the held coins are spent."""
    org = Org()
    _, (seller, _), _ = _shop(org)
    _earn(org, seller, 50)
    redemption = _redeem(org, seller, _reward(org, "Lunch", 20))
    org.decide(DecideRedemption(redemption, "fulfil"))
    assert _money(org, seller) == _coins(30, 50, 20, 0)


def test_decline_gives_everything_back_once():
    """A decline returns coins, stock, limit and budget, once; nothing follows it."""
    org = Org()
    team, (seller, _), boss = _shop(org)
    _earn(org, seller, 50)
    org.decide(SetRewardBudget(team, 100))
    lunch = _reward(org, "Lunch", 20, stock=5, per_member_limit=3)
    pending = _redeem(org, seller, lunch)
    approved = _redeem(org, seller, lunch)
    org.decide(DecideRedemption(approved, "approve"), manager_actor(boss))
    assert _money(org, seller) == _coins(10, 50, 20, 20)
    for redemption in (pending, approved):
        entry = org.decide(DecideRedemption(redemption, "decline"), manager_actor(boss))
        assert entry.entries[0].payload.state == "declined"  # type: ignore[union-attr]
    assert _money(org, seller) == _coins(50, 50, 0, 0)
    assert org.state.rewards[lunch].stock == 5
    assert org.state.redeemed[(seller, lunch)] == 0
    assert org.state.team_redeemed[(team, "2026-11")] == 0
    for action in ("approve", "decline", "fulfil"):
        error = org.refuse(Conflict, DecideRedemption(pending, action))
        assert "is declined" in str(error)
    assert _money(org, seller) == _coins(50, 50, 0, 0)  # no second refund


def test_who_may_decide_a_redemption():
    """The member's manager or an admin decides; a manager's own, only an admin."""
    org = Org()
    _, (seller, mate), boss = _shop(org)
    other_team, _ = org.squad(1)
    stranger_boss = org.member(other_team, "manager")
    for member in (seller, boss):
        _earn(org, member, 50)
    lunch = _reward(org)
    mine = _redeem(org, seller, lunch)
    bosses = _redeem(org, boss, lunch, manager_actor(boss))
    approve = DecideRedemption(mine, "approve")
    org.refuse(Forbidden, approve, seller_actor(seller))
    org.refuse(Forbidden, approve, seller_actor(mate))
    org.refuse(Forbidden, approve, Actor("integration"))
    org.refuse(Forbidden, approve, manager_actor(stranger_boss))
    error = org.refuse(Forbidden, DecideRedemption(bosses, "approve"), manager_actor(boss))
    assert "decided by an admin" in str(error)
    org.refuse(NotFound, DecideRedemption(999, "approve"))
    org.refuse(Invalid, DecideRedemption(mine, "refund"))
    assert org.state.redemptions[mine].state == "pending"
    org.decide(approve, manager_actor(boss))
    org.decide(DecideRedemption(bosses, "approve"), ADMIN)
    assert _money(org, boss)["spent"] == 10
