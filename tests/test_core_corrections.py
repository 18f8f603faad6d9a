"""The correction deciders of the pure core, with no I/O (the Org helper of
test_core_decide: a State evolved by the decisions, a Context kept by ``note``)."""

from __future__ import annotations

from service.core.commands import (
    AllowanceLeft,
    CorrectDeal,
    GiftRef,
    GiveKudos,
    ReverseDeal,
    RevokeKudos,
    SetGoal,
)
from service.core.entries import BadgeRevoked, GoalReached, GoalReopened
from service.core.evolve import evolve
from service.core.state import State
from service.errors import Conflict, Forbidden, Invalid
from tests.test_core_decide import TZ, Org, cents, manager_actor, seller_actor


def _events(entry, kind):
    return [e for e in entry.events if isinstance(e, kind)]


def test_a_correction_moves_goals_by_the_difference():
    """Corrected from 60,000 to 45,000 against a 40,000 goal: still reached, so neither
    entry takes the bonus back or pays it again; to 30,000 it is reopened, once."""
    org = Org()
    season = org.season()
    team, (seller, mate) = org.squad(2)
    goal_id = org.decide(SetGoal(team, season, "revenue", 40_000)).entries[0].payload.goal_id  # type: ignore[union-attr]
    deal = org.deal(seller, 60_000)
    assert _events(deal, GoalReached)
    deal_id = deal.payload.deal_id  # type: ignore[union-attr]
    reversal, rescore = org.decide(CorrectDeal(deal_id, amount=45_000)).entries
    assert (reversal.kind, rescore.kind) == ("deal.reversed", "deal.won")
    assert rescore.seq == reversal.seq + 1 and rescore.payload.rescores == reversal.seq  # type: ignore[union-attr]
    assert not any(a.category == "bonus" for e in (reversal, rescore) for a in e.awards)
    assert not _events(reversal, GoalReopened) and not _events(rescore, GoalReached)
    assert org.state.goals[goal_id].value == 4_500_000 and org.state.goals[goal_id].reached
    # 55 points now instead of 70: the difference, exactly
    net = {k: cents(reversal).get(k, 0) + cents(rescore).get(k, 0) for k in cents(deal)}
    assert net == {
        (seller, "deals"): -1200,
        (mate, "team_share"): -300,
        (seller, "bonus"): 0,
        (mate, "bonus"): 0,
    }
    reversal, rescore = org.decide(CorrectDeal(deal_id, amount=30_000)).entries
    assert len([*_events(reversal, GoalReopened), *_events(rescore, GoalReopened)]) == 1
    bonus = [a for e in (reversal, rescore) for a in e.awards if a.category == "bonus"]
    assert sorted((a.member_id, a.cents) for a in bonus) == [(seller, -2500), (mate, -2500)]
    assert not org.state.goals[goal_id].reached


def test_reversal_rules():
    org = Org()
    org.season()
    team, (seller, mate) = org.squad(2)
    manager = org.member(team, "manager")
    _, (stranger,) = org.squad(1)
    other_manager = org.member(org.state.members[stranger].team_id, "manager")
    deal_id = org.deal(seller, 10_000).payload.deal_id  # type: ignore[union-attr]
    org.refuse(Invalid, ReverseDeal(deal_id, "  "))
    org.refuse(Forbidden, ReverseDeal(deal_id, "x"), seller_actor(seller))
    org.refuse(Forbidden, ReverseDeal(deal_id, "x"), manager_actor(other_manager))
    org.decide(ReverseDeal(deal_id, "x"), manager_actor(manager))
    org.refuse(Conflict, ReverseDeal(deal_id, "again"))
    org.refuse(Conflict, CorrectDeal(deal_id, amount=5))


def test_replaying_corrections_rebuilds_the_same_state():
    """The state evolved entry by entry equals the state replayed from the ledger: goals,
    their bonuses paid, badges and counters all come back from the entries alone."""
    org = Org()
    season = org.season()
    team, (seller, mate) = org.squad(2)
    org.decide(SetGoal(team, season, "deals", 2, ((seller, 1),)))
    first = org.deal(seller, 1_000)
    org.deal(mate, 1_000)
    org.decide(ReverseDeal(first.payload.deal_id, "duplicate"))  # type: ignore[union-attr]
    revoked = [e for e in org.entries[-1].events if isinstance(e, BadgeRevoked)]
    assert [b.badge for b in revoked] == ["first-goal"]
    org.deal(seller, 2_000)
    replayed = State(TZ)
    for entry in org.entries:
        evolve(replayed, entry)
    assert replayed == org.state


def test_revoking_kudos_gives_this_weeks_allowance_back():
    org = Org()
    org.season()
    _, (giver, to) = org.squad(2)
    kudos = org.decide(GiveKudos(to, 5, "thanks"), seller_actor(giver)).entries[0]
    assert org.decide(AllowanceLeft("kudos"), seller_actor(giver)).remaining == 500
    org.ctx.kudos[1] = GiftRef(
        1, kudos.seq, giver, to, 500, kudos.week, None, None, None, list(kudos.awards)
    )
    org.refuse(Forbidden, RevokeKudos(1), seller_actor(giver))
    entry = org.decide(RevokeKudos(1)).entries[0]
    assert cents(entry) == {(to, "help"): -500}
    assert org.decide(AllowanceLeft("kudos"), seller_actor(giver)).remaining == 1000
    org.refuse(Conflict, RevokeKudos(1))
