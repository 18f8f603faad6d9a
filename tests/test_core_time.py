"""Time in the pure core: every place an instant becomes an org-local day, ISO week or
month (HUDDLE_TIMEZONE, here Europe/Oslo). Instants at local midnight that are the day
before in UTC, the daylight-saving changes of 2026 (29 March 02:00→03:00, a 23-hour
day; 25 October 03:00→02:00, a 25-hour day), ISO week 53 (28 Dec 2026 – 3 Jan 2027)
and far offsets (+14:00, -12:00). The clock (``ctx.now``) is kept in UTC, as the writer
sets it (``datetime.now(UTC)``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from service.core.commands import (
    AllowanceLeft,
    AwardMentoring,
    ChangePolicy,
    CreateContest,
    CreateMember,
    CreateReward,
    CreateSeason,
    DefineMetric,
    GiveKudos,
    ImprovementProgress,
    RecordActivity,
    Redeem,
    SetGoal,
    SetRewardBudget,
    SettleContests,
)
from service.core.entries import ContestCreated, Entry, GoalProgress, Improved
from service.errors import Conflict, Invalid, LimitReached
from tests.test_core_decide import TZ, Org, badges, cents, manager_actor, seller_actor


def local(*parts: int, fold: int = 0) -> datetime:
    """The instant of a wall-clock time in Oslo, in UTC (as the writer's clock is)."""
    return datetime(*parts, tzinfo=TZ, fold=fold).astimezone(UTC)  # type: ignore[misc]


def at(org: Org, moment: datetime) -> Org:
    org.ctx.now = moment
    return org


def org_at(moment: datetime) -> Org:
    """A new org whose clock starts at ``moment`` (the clock only moves forward: the
    state's newest week is that of the last entry recorded)."""
    return at(Org(), moment)


def kudos(org: Org, giver: int, to: int, points: float) -> Entry:
    return org.decide(GiveKudos(to, points, "thanks"), seller_actor(giver)).entries[0]


def left(org: Org, member: int) -> int | None:
    return org.decide(AllowanceLeft("kudos"), seller_actor(member)).remaining


# -- weekly allowances: ISO weeks, reset on Monday 00:00 local ---------------------------------


def test_kudos_allowance_resets_at_local_monday_midnight_while_utc_is_still_sunday():
    """Kudos allowances reset at Monday 00:00 local time, though UTC is still Sunday."""
    org = Org()
    _, (giver, a, b) = org.squad(3)
    at(org, local(2026, 11, 22, 23, 59, 59))  # Sunday, week 2026-W47
    assert kudos(org, giver, a, 5).week == "2026-W47"
    kudos(org, giver, b, 5)
    assert left(org, giver) == 0
    org.refuse(LimitReached, GiveKudos(a, 1, "one more"), seller_actor(giver))
    monday = at(org, local(2026, 11, 23, 0, 0, 0)).ctx.now
    assert monday == datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Sunday in UTC
    assert left(org, giver) == 1000
    assert kudos(org, giver, a, 5).week == "2026-W48"


def test_mentoring_budget_resets_at_local_monday_midnight_after_spring_forward():
    """The mentoring budget resets at Monday 00:00 local in the week after spring-forward too."""
    org = org_at(local(2026, 3, 29, 23, 30))  # Sunday after the change, week 2026-W13
    team, (a, b) = org.squad(2)
    boss = manager_actor(org.member(team, "manager"))  # Sunday after the change, week 2026-W13
    org.decide(AwardMentoring(a, 20, "pairing"), boss)
    org.decide(AwardMentoring(b, 20, "pairing"), boss)
    org.decide(AwardMentoring(a, 10, "pairing"), boss)
    org.refuse(LimitReached, AwardMentoring(b, 1, "pairing"), boss)
    at(org, local(2026, 3, 30, 0, 30))
    assert org.ctx.now.date() == date(2026, 3, 29)  # still Sunday in UTC
    assert org.decide(AwardMentoring(b, 20, "pairing"), boss).remaining == 3000


def test_kudos_allowance_of_iso_week_53_spans_new_year():
    """ISO week 2026-W53 (28 Dec-3 Jan) is one allowance week; it resets on Monday 4 Jan."""
    org = Org()
    _, (giver, a, b) = org.squad(3)
    at(org, local(2026, 12, 31, 23, 30))
    assert kudos(org, giver, a, 5).week == "2026-W53"
    at(org, local(2027, 1, 1, 0, 30))  # a new calendar year, the same ISO week
    assert kudos(org, giver, b, 5).week == "2026-W53"
    assert left(org, giver) == 0
    org.refuse(LimitReached, GiveKudos(a, 1, "happy new year"), seller_actor(giver))
    at(org, local(2027, 1, 4, 0, 0))
    assert left(org, giver) == 1000
    assert kudos(org, giver, a, 5).week == "2027-W01"


# -- kudos patterns over weeks: "this week or last", "each of the last 3 weeks" ---------------


def test_a_ring_closed_just_after_spring_forward_still_sees_last_week():
    """A ring closed on Monday 00:30 after spring-forward counts last week's thanks."""
    org = org_at(local(2026, 3, 25, 12, 0))  # Wednesday of 2026-W13
    _, (a, b, c) = org.squad(3)
    kudos(org, a, b, 5)
    kudos(org, b, c, 5)
    at(org, local(2026, 3, 30, 0, 30))  # Monday of 2026-W14, 22:30 UTC on Sunday
    error = org.refuse(LimitReached, GiveKudos(a, 5, "round the ring"), seller_actor(c))
    assert "ring of three" in str(error)


def test_a_ring_link_counts_this_weeks_kudos_once_on_the_night_the_clocks_go_back():
    """A ring link counts this week's kudos once, also late on the night the clocks go back."""
    org = org_at(local(2026, 10, 21, 12, 0))  # Wednesday of 2026-W43
    _, (a, b, c) = org.squad(3)
    kudos(org, a, b, 5)
    kudos(org, b, c, 5)
    kudos(org, c, a, 2)
    at(org, local(2026, 10, 25, 23, 30))  # Sunday of 2026-W43, after the 25-hour day
    # the link C→A carries 2 + 1 = 3 over this week and last: the ring limit (3) allows it
    assert kudos(org, c, a, 1).week == "2026-W43"


def test_a_weekly_swap_is_seen_across_the_spring_forward_week():
    """Swapping thanks in each of the last 3 ISO weeks is caught across spring-forward too."""
    org = org_at(local(2026, 3, 9, 12, 0))
    _, (a, b) = org.squad(2)
    for wednesday in (11, 18, 25):  # W11, W12, W13
        at(org, local(2026, 3, wednesday, 12, 0))
        kudos(org, a, b, 2)
        kudos(org, b, a, 2)
    at(org, local(2026, 3, 30, 0, 30))
    kudos(org, a, b, 2)
    error = org.refuse(LimitReached, GiveKudos(a, 2, "and back"), seller_actor(b))
    assert "every week for the last 3 weeks" in str(error)


# -- deals: seasons, goals, newcomers by the org-local date ----------------------------------


def _two_seasons(org: Org) -> tuple[int, int]:
    first = org.season(date(2026, 1, 1), date(2026, 12, 31))
    second = org.decide(CreateSeason("2027", date(2027, 1, 1), date(2027, 12, 31)))
    return first, second.entries[0].payload.season_id  # type: ignore[union-attr]


def test_a_deal_counts_in_the_season_of_its_local_date_at_new_year():
    """A deal counts in (and moves the goals of) the season containing its local date."""
    org = Org()
    y2026, y2027 = _two_seasons(org)
    team, (seller,) = org.squad(1)
    org.decide(SetGoal(team, y2026, "deals", 5))
    at(org, local(2027, 1, 2, 12, 0))
    late = org.deal(seller, 1000, closed_at=local(2026, 12, 31, 23, 30))
    assert late.season_id == y2026
    assert [e.value for e in late.events if isinstance(e, GoalProgress)] == [1]
    early = org.deal(seller, 1000, closed_at=datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert early.season_id == y2027
    assert not [e for e in early.events if isinstance(e, GoalProgress)]


def test_far_offsets_are_read_as_the_instant_they_name_in_the_org_zone():
    """A closed_at with a -12:00 or +14:00 offset counts on its date in the org's zone."""
    org = Org()
    y2026, y2027 = _two_seasons(org)
    _, (seller,) = org.squad(1)
    at(org, local(2027, 1, 2, 12, 0))
    west = datetime(2026, 12, 31, 12, 0, tzinfo=timezone(timedelta(hours=-12)))
    east = datetime(2027, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=14)))
    assert org.deal(seller, 1000, closed_at=west).season_id == y2027
    assert org.deal(seller, 1000, closed_at=east).season_id == y2026


def test_newcomer_days_are_counted_in_local_days():
    """Newcomer days (joined_on to joined_on + 89) are local days, not UTC days."""
    org = Org()
    team = org.team("Solo")
    joined = CreateMember("Nora", team, "seller", None, date(2026, 8, 20))
    seller = org.decide(joined).entries[0].member_id or 0

    def points(closed_at: datetime) -> int:
        return cents(org.deal(seller, 10_000, closed_at=closed_at))[(seller, "deals")]

    assert points(local(2026, 8, 20, 0, 30)) == 3000  # 20 points × 1.5
    assert points(local(2026, 11, 17, 23, 30)) == 3000
    after = local(2026, 11, 18, 0, 30)
    assert after.date() == date(2026, 11, 17)
    assert points(after) == 2000


def test_a_member_created_after_local_midnight_joined_that_local_day():
    """A member created without joined_on joined on today's local date."""
    org = Org()
    team = org.team("Wolves")
    at(org, local(2026, 11, 23, 0, 30))
    member = org.decide(CreateMember("Ola", team, "seller")).entries[0].member_id or 0
    assert org.state.members[member].joined_on == date(2026, 11, 23)


# -- badges and the improvement bonus by local ISO weeks ---------------------------------------


def test_hat_trick_counts_deals_closed_in_one_local_iso_week_across_new_year():
    """Hat-trick counts 3 won deals closed in one local ISO week, also in W53 over New Year."""
    org = Org()
    org.decide(CreateSeason("Winter", date(2026, 12, 1), date(2027, 2, 28)))
    _, (kari, ola) = org.squad(2)
    at(org, local(2027, 1, 5, 12, 0))
    for seller in (kari, ola):
        org.deal(seller, 1000, closed_at=local(2026, 12, 28, 9, 0))
        org.deal(seller, 1000, closed_at=local(2026, 12, 31, 23, 30))
    assert (kari, "hat-trick") in badges(org.deal(kari, 1000, closed_at=local(2027, 1, 3, 23, 30)))
    monday = local(2027, 1, 4, 0, 30)
    assert monday.date() == date(2027, 1, 3)
    assert (ola, "hat-trick") not in badges(org.deal(ola, 1000, closed_at=monday))


def test_improvement_weeks_are_local_iso_weeks():
    """The improvement bonus counts own points by local ISO week (Monday 00:30 is Monday)."""
    org = org_at(local(2026, 11, 16, 0, 45))
    org.season()
    team = org.team("Solo")
    joined = CreateMember("Nora", team, "seller", None, date(2026, 11, 2))
    new = org.decide(joined).entries[0].member_id or 0
    deal = org.deal(new, 10_000, closed_at=local(2026, 11, 16, 0, 30))
    (event,) = [e for e in deal.events if isinstance(e, Improved)]
    assert (event.week, event.points, event.baseline) == ("2026-W47", 30, 0)
    progress = org.decide(ImprovementProgress(new)).progress
    assert progress is not None and (progress.week, progress.earned) == ("2026-W47", True)


def test_improvement_baseline_of_week_1_is_iso_week_53_of_the_year_before():
    """The improvement baseline of 2027-W01 is 2026-W53, the ISO week just before it."""
    org = org_at(local(2027, 1, 5, 12, 0))
    org.decide(CreateSeason("Winter", date(2026, 12, 1), date(2027, 2, 28)))
    team = org.team("Solo")
    joined = CreateMember("Nora", team, "seller", None, date(2026, 12, 14))
    new = org.decide(joined).entries[0].member_id or 0

    def improved(closed_at: datetime) -> list[tuple[str, float, float]]:
        deal = org.deal(new, 10_000, closed_at=closed_at)  # 30 own points
        return [(e.week, e.points, e.baseline) for e in deal.events if isinstance(e, Improved)]

    assert improved(local(2027, 1, 3, 23, 30)) == [("2026-W53", 30, 0)]
    assert improved(local(2027, 1, 4, 0, 30)) == []  # 30 < 30 + 10
    assert improved(local(2027, 1, 5, 9, 0)) == [("2027-W01", 60, 30)]


# -- activities: daily caps per local day, the backdating bound ------------------------------


def test_activity_daily_cap_is_per_local_day_also_on_the_25_hour_day():
    """An activity daily cap is per local day, also on the 25-hour day the clocks go back."""
    org = org_at(local(2026, 10, 26, 12, 0))
    _, (seller,) = org.squad(1)
    org.decide(DefineMetric("calls", "Calls made", 2, daily_cap=5))
    me = seller_actor(seller)
    morning = local(2026, 10, 25, 0, 30)
    evening = local(2026, 10, 25, 23, 30)
    assert evening - morning == timedelta(hours=24)

    def log(moment: datetime) -> float:
        entry = org.decide(RecordActivity("calls", value=2, occurred_at=moment), me).entries[0]
        return entry.payload.points  # type: ignore[union-attr]

    assert [log(morning), log(evening)] == [4, 1]
    assert log(local(2026, 10, 26, 0, 30)) == 4


def test_activity_backdating_is_bounded_in_local_days():
    """Sellers date activities at most activity_backdate_days (7) local days back."""
    org = Org()
    _, (seller,) = org.squad(1)
    org.decide(DefineMetric("calls", "Calls made", 1))
    me = seller_actor(seller)
    at(org, local(2026, 11, 18, 0, 30))
    org.decide(RecordActivity("calls", occurred_at=local(2026, 11, 11, 0, 0)), me)
    old = RecordActivity("calls", occurred_at=local(2026, 11, 10, 23, 30))
    assert "more than 7 day(s) ago" in str(org.refuse(Invalid, old, me))
    org.decide(RecordActivity("calls", seller, occurred_at=old.occurred_at))  # admin: any day


# -- the reward shop's monthly team budget -----------------------------------------------------


def test_team_reward_budget_is_per_local_month():
    """A team's reward budget is per calendar month in the org's zone."""
    org = Org()
    org.decide(ChangePolicy({"team_share": 0}))
    team, (a, b, c) = org.squad(3)
    for member in (a, b, c):
        org.deal(member, 20_000)  # 30 coins each
    reward = org.decide(CreateReward("Lunch", 10)).entries[0].payload.reward_id  # type: ignore[union-attr]
    org.decide(SetRewardBudget(team, 10))
    at(org, local(2027, 1, 31, 23, 30))
    org.decide(Redeem(reward), seller_actor(a))
    org.refuse(Conflict, Redeem(reward), seller_actor(b))
    at(org, local(2027, 2, 1, 0, 30))
    assert org.ctx.now.month == 1  # still January in UTC
    org.decide(Redeem(reward), seller_actor(b))
    org.refuse(Conflict, Redeem(reward), seller_actor(c))


# -- recurring contests: the next Monday in the org's zone ---------------------------------------


def _weekly(org: Org, starts: datetime, ends: datetime) -> None:
    org.decide(
        CreateContest("Deals this week", "ranking", "deals_won", starts, ends, recurrence="weekly")
    )


def _renewed(org: Org, moment: datetime) -> ContestCreated:
    at(org, moment)
    renewed = org.decide(SettleContests()).entries[-1].payload
    assert isinstance(renewed, ContestCreated)
    return renewed


def test_a_weekly_contest_renews_monday_to_monday_through_week_53_and_the_clock_change():
    """A weekly contest renews Monday to Monday local: 169 h at clocks-back, and through W53."""
    org = org_at(local(2026, 10, 14, 12, 0))
    org.squad(1)
    _weekly(org, datetime(2026, 10, 12, tzinfo=TZ), datetime(2026, 10, 19, tzinfo=TZ))
    w43 = _renewed(org, local(2026, 10, 19, 0, 0, 5))
    assert (w43.starts_at, w43.ends_at) == (local(2026, 10, 19), local(2026, 10, 26))
    assert w43.ends_at - w43.starts_at == timedelta(hours=169)
    org2 = org_at(local(2026, 12, 23, 12, 0))
    org2.squad(1)
    _weekly(org2, datetime(2026, 12, 21, tzinfo=TZ), datetime(2026, 12, 28, tzinfo=TZ))
    w53 = _renewed(org2, local(2026, 12, 28, 0, 0, 5))
    assert (w53.starts_at, w53.ends_at) == (local(2026, 12, 28), local(2027, 1, 4))


def test_a_daily_contest_on_the_25_hour_day_counts_both_repeated_hours():
    """A daily contest on the 25-hour day counts both repeated hours and ends at local midnight."""
    org = org_at(local(2026, 10, 25, 0, 10))
    _, (seller,) = org.squad(1)
    contest = (
        org.decide(
            CreateContest(
                "Deals today",
                "ranking",
                "deals_won",
                datetime(2026, 10, 25, tzinfo=TZ),
                datetime(2026, 10, 26, tzinfo=TZ),
            )
        )
        .entries[0]
        .payload.contest_id
    )  # type: ignore[union-attr]
    facts = org.state.contests[contest]
    assert facts.ends_at - facts.starts_at == timedelta(hours=25)
    at(org, local(2026, 10, 26, 0, 45))
    first, second = local(2026, 10, 25, 2, 30), local(2026, 10, 25, 2, 30, fold=1)
    assert second - first == timedelta(hours=1)
    for closed_at in (first, second, local(2026, 10, 25, 23, 30), local(2026, 10, 26, 0, 30)):
        org.deal(seller, 1000, closed_at=closed_at)
    assert org.state.contests[contest].tally == {f"m{seller}": 300}
