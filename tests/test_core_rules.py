"""Unit tests of ranking, allowances, calendars and policy validation in the pure core."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from service.core.calendar import SeasonSpan, is_newcomer, iso_week, season_containing
from service.core.policy import Policy
from service.core.ranking import Row, around_me, rank_all, rank_for, top
from service.core.rules import KudosUsage, check_kudos, check_mentoring
from service.errors import Invalid, LimitReached

P = Policy()
NONE = KudosUsage(0, 0, 0)


def test_competition_ranking_tie_example():
    """Scores 50, 40, 40, 30 → ranks 1, 2, 2, 4; ties ordered by name."""
    ranked = rank_all([Row(1, "Dora", 30), Row(2, "Bo", 40), Row(3, "Al", 40), Row(4, "Cy", 50)])
    assert [(r.rank, r.row.name) for r in ranked] == [(1, "Cy"), (2, "Al"), (2, "Bo"), (4, "Dora")]


def test_board_vocabulary():
    """top, rank_for and around_me work on the ranked list."""
    ranked = rank_all([Row(i, f"m{i:02d}", 100 - i) for i in range(10)])
    assert [r.row.key for r in top(ranked, 3, offset=2)] == [2, 3, 4]
    assert rank_for(ranked, 5).rank == 6
    assert rank_for(ranked, 99) is None
    assert [r.row.key for r in around_me(ranked, 0, 2)] == [0, 1, 2]
    assert [r.row.key for r in around_me(ranked, 5, 1)] == [4, 5, 6]


def test_kudos_rules():
    """Kudos: 1..5 points, never to oneself, weekly allowance, per-recipient cap, reciprocity."""
    assert check_kudos(1, 2, 5, NONE, P) == 500
    with pytest.raises(Invalid):
        check_kudos(1, 1, 3, NONE, P)
    with pytest.raises(Invalid):
        check_kudos(1, 2, 6, NONE, P)
    with pytest.raises(Invalid):
        check_kudos(1, 2, 0.5, NONE, P)
    with pytest.raises(LimitReached, match="allowance"):
        check_kudos(1, 2, 3, KudosUsage(800, 0, 0), P)
    with pytest.raises(LimitReached, match="same teammate"):
        check_kudos(1, 2, 2, KudosUsage(400, 400, 0), P)
    with pytest.raises(LimitReached, match="back and forth"):
        check_kudos(1, 2, 1, KudosUsage(400, 400, 600), P)
    assert check_kudos(1, 2, 1, KudosUsage(400, 400, 500), Policy(kudos_reciprocity_limit=20))


def test_mentoring_rules():
    """Mentoring: 1..20 per award, never to oneself, 50 a week per manager."""
    assert check_mentoring(1, 2, 20, 0, P) == 2000
    with pytest.raises(Invalid):
        check_mentoring(1, 1, 5, 0, P)
    with pytest.raises(Invalid):
        check_mentoring(1, 2, 21, 0, P)
    with pytest.raises(LimitReached):
        check_mentoring(1, 2, 11, 4000, P)


def test_iso_weeks_follow_the_org_zone():
    """Sunday 23:30 UTC is already Monday (a new ISO week) in Oslo."""
    moment = datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    assert iso_week(moment, ZoneInfo("UTC")) == "2026-W47"
    assert iso_week(moment, ZoneInfo("Europe/Oslo")) == "2026-W48"


def test_newcomers_and_seasons():
    """A newcomer for 90 days after joining; the season containing a day is found."""
    assert is_newcomer(date(2026, 1, 1), date(2026, 3, 31), 90)
    assert not is_newcomer(date(2026, 1, 1), date(2026, 4, 1), 90)
    seasons = [
        SeasonSpan(1, date(2026, 1, 1), date(2026, 3, 31)),
        SeasonSpan(2, date(2026, 4, 1), date(2026, 6, 30)),
    ]
    assert season_containing(date(2026, 4, 1), seasons).id == 2
    assert season_containing(date(2027, 1, 1), seasons) is None


def test_every_policy_key_has_a_maximum():
    """A new policy key cannot ship without its bound (a huge value breaks every write)."""
    from dataclasses import fields

    from service.core.policy import _MAXIMA

    assert {f.name for f in fields(Policy)} == set(_MAXIMA)
    top = Policy.from_dict(dict.fromkeys(["deal_points", "max_deal_points"], 1_000_000))
    assert top.deal_points == 1_000_000


def test_policy_validation():
    """Unknown keys, wrong types and nonsense values are refused with a clear reason."""
    with pytest.raises(Invalid, match="Unknown policy key"):
        Policy.from_dict({"deal_pointz": 3})
    with pytest.raises(Invalid, match="number"):
        Policy.from_dict({"deal_points": "ten"})
    with pytest.raises(Invalid, match="team_share"):
        Policy.from_dict({"team_share": 1.5})
    with pytest.raises(Invalid, match="whole number"):
        Policy.from_dict({"newcomer_days": 1.5})
    with pytest.raises(Invalid, match=r"newcomer_days must be between 0 and 3,650"):
        Policy.from_dict({"newcomer_days": 10**12})
    with pytest.raises(Invalid, match=r"deal_points must be between 0 and 1,000,000; got 1e\+300"):
        Policy.from_dict({"deal_points": 1e300})
    with pytest.raises(Invalid, match="feedback_points"):
        Policy.from_dict({"feedback_points": {"1": 1, "2": 1, "3": 1, "4": 3, "5": 1e300}})
    changed = Policy.from_dict({"feedback_points": {"1": 0, "2": 0, "3": 1, "4": 3, "5": 6}})
    assert changed.feedback_points[5] == 6
    assert Policy.from_dict(changed.to_dict()) == changed
