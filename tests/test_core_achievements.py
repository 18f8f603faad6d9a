"""The pure badge rules and loss-question scoring (service/core/achievements.py)."""

import pytest

from service.core.achievements import (
    BADGES,
    INVERTED_QUESTIONS,
    LOSS_QUESTIONS,
    badge_candidates,
    is_earned,
    weakness,
)

NEEDS = {
    "first-goal": 1,
    "hat-trick": 3,
    "playmaker": 5,
    "mentor": 3,
    "student-of-the-game": 3,
    "team-player": 5,
    "voice-of-the-customer": 5,
}


def test_every_badge_has_its_threshold():
    """The seven badges of the issue, each with the count it needs."""
    assert {code: b.needs for code, b in BADGES.items()} == NEEDS
    assert all(b.title and b.rule for b in BADGES.values())


@pytest.mark.parametrize("code", sorted(NEEDS))
def test_earned_exactly_at_the_threshold(code):
    """One short of the threshold earns nothing; the threshold and beyond earn the badge."""
    assert not is_earned(code, NEEDS[code] - 1)
    assert is_earned(code, NEEDS[code]) and is_earned(code, NEEDS[code] + 10)


def test_which_entries_can_unlock_which_badges():
    """Each badge is checked on the entry kinds that can change its count, for the right role."""
    assert badge_candidates("deal.won") == {
        "seller": ("first-goal", "hat-trick"),
        "assists": ("playmaker",),
    }
    assert badge_candidates("kudos") == {"recipient": ("mentor",), "giver": ("team-player",)}
    assert badge_candidates("mentoring") == {"recipient": ("mentor",)}
    assert badge_candidates("loss.reviewed") == {"seller": ("student-of-the-game",)}
    assert badge_candidates("feedback.received") == {"seller": ("voice-of-the-customer",)}
    for kind in ("deal.lost", "story.posted", "goal.set", "member.joined", "nonsense"):
        assert badge_candidates(kind) == {}
    unlockable = {
        c
        for kind in ("deal.won", "kudos", "mentoring", "loss.reviewed", "feedback.received")
        for codes in badge_candidates(kind).values()
        for c in codes
    }
    assert unlockable == set(BADGES)


def test_twelve_loss_questions_in_product_order():
    """The twelve questions of PRODUCT.md, in order; only question 9 asks about a mistake."""
    assert len(LOSS_QUESTIONS) == 12
    assert LOSS_QUESTIONS[0].startswith("Did you gain control of the account")
    assert LOSS_QUESTIONS[8].startswith("Did you misinterpret information")
    assert LOSS_QUESTIONS[11].startswith("Should you have worked the deal at all")
    assert set(INVERTED_QUESTIONS) == {9}


def test_weakness_share_of_bad_answers():
    """Weakness = share of bad answers, 'partly' counting half; yes is bad on question 9."""
    assert weakness(1, yes=0, partly=0, no=0) == 0.0  # no reviews: nothing to say
    assert weakness(1, yes=4, partly=0, no=0) == 0.0
    assert weakness(1, yes=0, partly=0, no=4) == 1.0
    assert weakness(2, yes=1, partly=2, no=1) == 0.5
    assert weakness(9, yes=4, partly=0, no=0) == 1.0
    assert weakness(9, yes=0, partly=0, no=4) == 0.0
    assert weakness(3, yes=1, partly=1, no=1) == 0.5
    assert weakness(4, yes=2, partly=0, no=1) == 0.333
