"""Unit tests of the scoring rules in service.core.scoring and service.core.points."""

import pytest

from service.core.points import from_cents, to_cents
from service.core.policy import Policy
from service.core.scoring import DealFacts, deal_base_cents, score_deal
from service.errors import Invalid

P = Policy()


def awards_of(facts, policy=P):
    return {(a.member_id, a.category): a.cents / 100 for a in score_deal(facts, policy)}


def test_worked_example_of_the_contract():
    """Team of 4, 50 000 won → 60 points: seller 48, each of 3 teammates 4, total +60."""
    facts = DealFacts(
        seller_id=1, won=True, amount=50_000, seller_is_newcomer=False, teammate_ids=(2, 3, 4)
    )
    awards = awards_of(facts)
    assert awards == {
        (1, "deals"): 48,
        (2, "team_share"): 4,
        (3, "team_share"): 4,
        (4, "team_share"): 4,
    }
    assert sum(awards.values()) == 60


def test_base_points_floor_per_amount():
    """10 base + 1 per full 1000 of amount (floored)."""
    assert deal_base_cents(0, P) == 1000
    assert deal_base_cents(999.99, P) == 1000
    assert deal_base_cents(1000, P) == 1100
    assert deal_base_cents(12_345, P) == 2200


def test_deal_points_are_capped_before_the_newcomer_multiplier():
    """A huge deal is capped at 100; a newcomer gets ×1.5 on the capped points (150)."""
    big = DealFacts(1, True, 10_000_000, False, ())
    assert awards_of(big) == {(1, "deals"): 100}
    rookie = DealFacts(1, True, 10_000_000, True, ())
    assert awards_of(rookie) == {(1, "deals"): 150}


def test_newcomer_multiplier_applies_before_the_team_share():
    """Newcomer 50 000 deal: 60 × 1.5 = 90; 18 shared among 3 (6 each), seller keeps 72."""
    facts = DealFacts(1, True, 50_000, True, (2, 3, 4))
    assert awards_of(facts) == {
        (1, "deals"): 72,
        (2, "team_share"): 6,
        (3, "team_share"): 6,
        (4, "team_share"): 6,
    }


def test_seller_without_teammates_keeps_everything():
    """A seller alone in their team keeps all of the deal's points."""
    assert awards_of(DealFacts(1, True, 50_000, False, ())) == {(1, "deals"): 60}


def test_uneven_share_keeps_the_team_total_exact():
    """12 points shared by 7 → 1.71 each; the seller keeps the rounding so the sum is 60."""
    facts = DealFacts(1, True, 50_000, False, tuple(range(2, 9)))
    awards = awards_of(facts)
    assert awards[(2, "team_share")] == 1.71
    assert round(sum(awards.values()), 2) == 60
    assert awards[(1, "deals")] == 48.03


def test_assists_score_and_are_validated():
    """Each assist earns 5 (other teams allowed); >3, duplicates and the seller are refused."""
    facts = DealFacts(1, True, 0, False, (2,), assist_ids=(2, 9))
    awards = awards_of(facts)
    assert awards[(9, "assists")] == 5 and awards[(2, "assists")] == 5
    with pytest.raises(Invalid):
        score_deal(DealFacts(1, True, 0, False, (), assist_ids=(2, 3, 4, 5)), P)
    with pytest.raises(Invalid):
        score_deal(DealFacts(1, True, 0, False, (), assist_ids=(2, 2)), P)
    with pytest.raises(Invalid):
        score_deal(DealFacts(1, True, 0, False, (), assist_ids=(1,)), P)


def test_lost_deal_scores_nothing():
    """A lost deal gives no points, not even to assists."""
    assert score_deal(DealFacts(1, False, 50_000, False, (2, 3), assist_ids=(2,)), P) == ()


def test_policy_changes_the_scoring():
    """Policy keys drive the numbers: no team share, bigger base, smaller cap."""
    policy = Policy.from_dict({"team_share": 0, "deal_points": 20, "max_deal_points": 50})
    assert awards_of(DealFacts(1, True, 50_000, False, (2,)), policy) == {(1, "deals"): 50}


def test_points_round_trip_in_hundredths():
    """Points are kept as exact hundredths; whole numbers come back as integers."""
    assert to_cents(0.1) + to_cents(0.2) == to_cents(0.3)
    assert from_cents(4800) == 48 and isinstance(from_cents(4800), int)
    assert from_cents(4803) == 48.03
