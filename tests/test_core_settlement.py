"""Contest scoring and settlement in the pure core: what counts by time, ties at prize
places, min_score, teams and sides per member, tiers, improvement, team targets,
reversals and late entries, recurring periods across month ends and daylight saving,
contests created from a ledger counted up to a point, and coins paid exactly once
(docs/contests.md has the rules and the worked examples these follow)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from service.core.commands import (
    CreateContest,
    CreateReward,
    DefineMetric,
    RecordActivity,
    RecordDeal,
    ReverseDeal,
    SettleContests,
    UpdateMember,
)
from service.core.contests import probe
from service.core.entries import ContestCreated, ContestSettled, Entry
from service.core.standings import standings
from service.core.tally import count_past
from tests.test_core_contests import Clock
from tests.test_core_decide import NOW, TZ

WEEK_START = datetime(2026, 11, 16, tzinfo=TZ)  # Monday of the week NOW is in
WEEK_END = datetime(2026, 11, 23, tzinfo=TZ)


def create(org: Clock, fmt: str = "ranking", metric: str = "revenue", **extra: Any) -> int:
    """A contest over the week of NOW (unless ``starts_at``/``ends_at`` say otherwise)."""
    command = CreateContest(
        extra.pop("name", "Contest"),
        fmt,
        metric,
        extra.pop("starts_at", WEEK_START),
        extra.pop("ends_at", WEEK_END),
        **extra,
    )
    return org.decide(command).entries[0].payload.contest_id  # type: ignore[union-attr]


def won(org: Clock, seller: int, amount: float, at: datetime | None = None) -> Entry:
    return org.decide(RecordDeal(seller, "won", amount, "Acme", closed_at=at)).entries[0]


def settle(org: Clock, at: datetime, contest_id: int) -> tuple[ContestSettled, dict[int, int]]:
    """SettleContests at ``at``: the contest's settlement and the coins each member's wallet
    gained from it (hundredths)."""
    org.at(at)
    before = {m: org.state.wallet(m).earned for m in org.state.members}
    entries = org.decide(SettleContests()).entries
    (settled,) = [
        e.payload
        for e in entries
        if isinstance(e.payload, ContestSettled) and e.payload.contest_id == contest_id
    ]
    gained = {m: org.state.wallet(m).earned - before[m] for m in org.state.members}
    return settled, {m: c for m, c in gained.items() if c}


def ranked(org: Clock, contest_id: int) -> list[tuple[int, str, float]]:
    return [
        (r["rank"], r["key"], r["score"])
        for r in standings(org.state.contests[contest_id], org.state)
    ]


# -- ranking: ties, places, min_score --------------------------------------------------------


def test_a_member_who_left_keeps_their_row_but_the_next_one_wins():
    """A member who left before the settlement keeps their row in the standings, but wins
    nothing (they get nothing now): the next one takes first place and its coins."""
    org = Clock().at(NOW)
    _, (ann, bo) = org.squad(2)
    cid = create(org, prizes=({"coins": 100},))
    won(org, ann, 50_000)
    won(org, bo, 20_000)
    org.decide(UpdateMember(ann, {"active": False}))
    settled, coins = settle(org, WEEK_END, cid)
    assert [(w.place, w.key) for w in settled.winners] == [(1, f"m{bo}")]
    assert coins == {bo: 10_000}
    assert [r["key"] for r in settled.standings] == [f"m{ann}", f"m{bo}"]


def test_ranking_worked_example_two_tied_first_share_150_and_the_next_is_third():
    """Two tied first share 100 + 50 coins (75 each), the next is third, a 0 does not place."""
    org = Clock().at(NOW)
    _, (ann, bo, cy, dag) = org.squad(4)
    cid = create(org, prizes=({"coins": 100}, {"coins": 50}, {"coins": 10}))
    won(org, ann, 50_000)
    won(org, bo, 50_000)
    won(org, cy, 20_000)
    assert [(r, k) for r, k, _ in ranked(org, cid)][2:] == [(3, f"m{cy}"), (4, f"m{dag}")]
    settled, gained = settle(org, WEEK_END, cid)
    assert sorted((w.place, w.member_id, w.coins) for w in settled.winners) == sorted(
        [(1, ann, 75), (1, bo, 75), (3, cy, 10)]
    )
    assert gained == {ann: 7500, bo: 7500, cy: 1000}
    assert [(r["rank"], r["key"]) for r in settled.standings][-1] == (4, f"m{dag}")


def test_a_tie_on_the_last_prize_place_shares_that_place_and_the_unpaid_one_below():
    """Tied on the last prize place, they share its coins with the unpaid place below."""
    org = Clock().at(NOW)
    _, (a, b, c, d) = org.squad(4)
    prizes = ({"coins": 100, "description": "Gold"}, {"coins": 50, "description": "Silver"})
    cid = create(org, prizes=prizes)
    for member, amount in ((a, 3000), (b, 2000), (c, 2000), (d, 1000)):
        won(org, member, amount)
    settled, gained = settle(org, WEEK_END, cid)
    assert sorted(
        (w.place, w.member_id, w.coins, w.prize.description) for w in settled.winners
    ) == [
        (1, a, 100, "Gold"),
        (2, b, 25, "Silver"),
        (2, c, 25, "Silver"),
    ]
    assert gained == {a: 10_000, b: 2_500, c: 2_500}


def test_min_score_keeps_a_row_from_the_prizes_but_not_from_the_standings():
    """Below min_score a participant keeps its row and rank in the standings but wins nothing."""
    org = Clock().at(NOW)
    _, (a, b, c, d) = org.squad(4)
    cid = create(org, prizes=({"coins": 30}, {"coins": 20}, {"coins": 10}), min_score=5000)
    won(org, a, 9000)
    won(org, b, 6000)
    won(org, c, 4000)
    settled, gained = settle(org, WEEK_END, cid)
    assert [(r["rank"], r["key"]) for r in settled.standings] == [
        (1, f"m{a}"),
        (2, f"m{b}"),
        (3, f"m{c}"),
        (4, f"m{d}"),
    ]
    assert [(w.place, w.member_id) for w in settled.winners] == [(1, a), (2, b)]
    assert gained == {a: 3000, b: 2000}


def test_a_reward_or_words_prize_pays_no_coins_and_no_prizes_means_three_places():
    """A reward or words prize costs no coins nor stock; with no prizes three places win."""
    org = Clock().at(NOW)
    _, (a, b, c, d) = org.squad(4)
    reward = org.decide(CreateReward("Dinner", 500, stock=1)).entries[0].payload.reward_id  # type: ignore[union-attr]
    prized = create(org, prizes=({"reward_id": reward, "description": "Dinner for two"},))
    glory = create(org, name="Glory")
    for member, amount in ((a, 4000), (b, 3000), (c, 2000), (d, 1000)):
        won(org, member, amount)
    wallet = org.state.wallet(a)
    before = (wallet.earned, wallet.held, wallet.spent)
    org.at(WEEK_END)
    org.decide(SettleContests())
    (winner,) = org.state.contests[prized].winners
    assert (winner.member_id, winner.coins, winner.prize.reward_id) == (a, 0, reward)
    assert winner.prize.description == "Dinner for two"
    assert (wallet.earned, wallet.held, wallet.spent) == before
    assert org.state.rewards[reward].stock == 1
    glory_winners = org.state.contests[glory].winners
    assert [(w.place, w.member_id, w.coins) for w in glory_winners] == [
        (1, a, 0),
        (2, b, 0),
        (3, c, 0),
    ]


# -- teams and sides, per member -------------------------------------------------------------


def test_teams_rank_per_member_and_every_member_of_the_winning_team_is_paid():
    """Teams rank per active member, and each member of the winning team gets the whole prize."""
    org = Clock().at(NOW)
    hawks, (h1, h2) = org.squad(2)
    owls, owl_members = org.squad(4)
    cid = create(org, team_ids=(hawks, owls), prizes=({"coins": 30},))
    won(org, h1, 100_000)
    for m in owl_members:
        won(org, m, 40_000)
    assert ranked(org, cid) == [(1, f"t{hawks}", 50_000), (2, f"t{owls}", 40_000)]
    settled, gained = settle(org, WEEK_END, cid)
    assert [(w.place, w.team_id, w.coins) for w in settled.winners] == [(1, hawks, 30)]
    assert gained == {h1: 3000, h2: 3000}


def test_points_earned_before_a_team_move_stay_with_the_team_they_were_earned_for():
    """Points earned before a team move stay with the team they were earned for."""
    org = Clock().at(NOW)
    red, (mover, stay) = org.squad(2)
    blue, (b1,) = org.squad(1)
    cid = create(org, team_ids=(red, blue))
    won(org, mover, 50_000)
    org.decide(UpdateMember(mover, {"team_id": blue}))
    won(org, mover, 10_000)
    won(org, b1, 30_000)
    assert org.state.contests[cid].tally == {f"t{red}": 5_000_000, f"t{blue}": 4_000_000}
    # red: 50 000 over its 1 member now; blue: 40 000 over 2
    assert ranked(org, cid) == [(1, f"t{red}", 50_000), (2, f"t{blue}", 20_000)]
    assert stay in org.state.team_member_ids(red)


def test_head_to_head_sides_of_several_teams_are_scored_per_member():
    """A side of several teams scores its total per member; each of its members is paid."""
    org = Clock().at(NOW)
    t1, (h1,) = org.squad(1)
    t2, (h2,) = org.squad(1)
    t3, owls = org.squad(4)
    sides = ({"name": "Hawks", "team_ids": [t1, t2]}, {"name": "Owls", "team_ids": [t3]})
    cid = create(org, "head_to_head", sides=sides, prizes=({"coins": 40},))
    won(org, h1, 60_000)
    won(org, h2, 40_000)
    for m in owls:
        won(org, m, 40_000)
    assert ranked(org, cid) == [(1, "s0", 50_000), (2, "s1", 40_000)]
    settled, gained = settle(org, WEEK_END, cid)
    assert [(w.place, w.side, w.coins) for w in settled.winners] == [(1, "Hawks", 40)]
    assert gained == {h1: 4000, h2: 4000}


def test_a_head_to_head_tie_shares_first_place_and_the_first_two_prizes():
    """A head-to-head tie shares first place and the first two prizes' coins."""
    org = Clock().at(NOW)
    t1, hawks = org.squad(2)
    t2, owls = org.squad(4)
    sides = ({"name": "Hawks", "team_ids": [t1]}, {"name": "Owls", "team_ids": [t2]})
    cid = create(org, "head_to_head", sides=sides, prizes=({"coins": 100}, {"coins": 40}))
    won(org, hawks[0], 100_000)
    won(org, owls[0], 200_000)
    settled, gained = settle(org, WEEK_END, cid)
    assert sorted((w.place, w.side, w.coins) for w in settled.winners) == [
        (1, "Hawks", 70),
        (1, "Owls", 70),
    ]
    assert gained == {m: 7000 for m in (*hawks, *owls)}


# -- tiers, team targets ---------------------------------------------------------------------


def test_tiers_pay_each_participant_the_highest_tier_reached_once():
    """Tiers pay each participant the prize of the highest tier reached, once."""
    org = Clock().at(NOW)
    _, (ann, bo, cy) = org.squad(3)
    org.decide(DefineMetric("meetings", "Meetings", 0))
    tiers = (
        {"target": 5, "prize": {"coins": 20}},
        {"target": 10, "prize": {"coins": 50}},
        {"target": 15, "prize": {"coins": 100, "description": "Gold"}},
    )
    cid = create(org, "tiers", "activity:meetings", tiers=tiers)
    for member, value in ((ann, 16), (bo, 11), (cy, 4)):
        org.decide(RecordActivity("meetings", member, value=value))
    settled, gained = settle(org, WEEK_END, cid)
    assert sorted((w.member_id, w.coins) for w in settled.winners) == [(ann, 100), (bo, 50)]
    assert gained == {ann: 10_000, bo: 5_000}


def test_every_team_reaching_a_team_target_pays_each_member_the_whole_prize():
    """Every team reaching a team target wins: each of its members gets the whole prize."""
    org = Clock().at(NOW)
    hawks, (h1, h2) = org.squad(2)
    owls, (o1, o2, o3) = org.squad(3)
    crows, (c1,) = org.squad(1)
    cid = create(
        org,
        "team_target",
        "deals_won",
        team_ids=(hawks, owls, crows),
        target=30,
        prizes=({"coins": 50},),
    )
    for seller, deals in ((h1, 31), (o1, 30), (c1, 27)):
        for _ in range(deals):
            won(org, seller, 100)
    settled, gained = settle(org, WEEK_END, cid)
    assert sorted((w.team_id, w.coins) for w in settled.winners) == sorted(
        [(hawks, 50), (owls, 50)]
    )
    assert gained == {m: 5000 for m in (h1, h2, o1, o2, o3)}


# -- improvement -----------------------------------------------------------------------------

NOV = datetime(2026, 11, 1, tzinfo=TZ)
DEC = datetime(2026, 12, 1, tzinfo=TZ)
OCTOBER = datetime(2026, 10, 20, 12, tzinfo=TZ)  # in the equal period before November
NOVEMBER = datetime(2026, 11, 10, 12, tzinfo=TZ)


def improvement(mia_now: float) -> tuple[Clock, int, tuple[int, int, int], ContestSettled]:
    """The worked example: Eva 400 after 380, Leo 90 after 30, newcomer Mia ``mia_now``
    after nothing; min_score 20, one prize of 150 coins; settled at its end."""
    org = Clock().at(NOW)
    _, (eva, leo, mia) = org.squad(3)
    for member, before, now in ((eva, 380, 400), (leo, 30, 90), (mia, 0, mia_now)):
        if before:
            won(org, member, before, OCTOBER)
        won(org, member, now, NOVEMBER)
    cid = create(
        org, "improvement", starts_at=NOV, ends_at=DEC, min_score=20, prizes=({"coins": 150},)
    )
    settled, _ = settle(org, DEC, cid)
    return org, cid, (eva, leo, mia), settled


def test_improvement_worked_example_a_newcomer_is_measured_against_one():
    """Improvement is total ÷ the period before (at least 1): a newcomer's 25 is 25.0 and wins."""
    org, cid, (eva, leo, mia), settled = improvement(25)
    assert [(r["key"], r["score"], r["baseline"]) for r in settled.standings] == [
        (f"m{mia}", 25.0, 0),
        (f"m{leo}", 3.0, 30),
        (f"m{eva}", 1.05, 380),
    ]
    assert [(w.place, w.member_id, w.coins) for w in settled.winners] == [(1, mia, 150)]
    assert settled.coins == ((mia, 15_000),)


def test_improvement_below_min_score_does_not_place_and_the_next_one_wins():
    """An improver below min_score does not place, so the next one wins the prize."""
    org, cid, (eva, leo, mia), settled = improvement(15)
    assert settled.standings[0]["key"] == f"m{mia}"  # she keeps her row
    assert [(w.place, w.member_id, w.coins) for w in settled.winners] == [(1, leo, 150)]
    assert settled.coins == ((leo, 15_000),)


# -- what counts by time, reversals, late entries --------------------------------------------


def test_what_counts_is_what_happened_in_starts_at_inclusive_to_ends_at_exclusive():
    """Entries count by when they happened, in [starts_at, ends_at); reversals by the deal."""
    org = Clock().at(NOW)
    _, (a, b) = org.squad(2)
    starts, ends = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    cid = create(org, starts_at=starts, ends_at=ends)
    c = org.state.contests[cid]
    won(org, a, 100, starts)
    early = won(org, a, 1000, starts - timedelta(microseconds=1))
    assert c.tally == {f"m{a}": 10_000}
    org.decide(ReverseDeal(early.payload.deal_id, "wrong"))  # type: ignore[union-attr]
    assert c.tally == {f"m{a}": 10_000}
    counted = won(org, b, 700, NOW)
    assert c.tally == {f"m{a}": 10_000, f"m{b}": 70_000}
    org.decide(ReverseDeal(counted.payload.deal_id, "wrong"))  # type: ignore[union-attr]
    assert c.tally == {f"m{a}": 10_000, f"m{b}": 0}
    org.at(ends)
    won(org, b, 5000, ends)  # at the end, recorded before the settlement: not in it
    won(org, b, 50, ends - timedelta(microseconds=1))  # the last moment: in it
    assert c.tally == {f"m{a}": 10_000, f"m{b}": 5_000}
    settled, _ = settle(org, ends, cid)
    assert [(w.member_id, w.score) for w in settled.winners][:1] == [(a, 100)]


def test_after_the_settlement_late_deals_and_reversals_change_nothing():
    """After settlement, late deals and reversals change no standings, winners or coins paid."""
    org = Clock().at(NOW)
    _, (a, b) = org.squad(2)
    cid = create(org, prizes=({"coins": 40},))
    deal = won(org, a, 5000)
    settled, gained = settle(org, WEEK_END, cid)
    assert gained == {a: 4000}
    c = org.state.contests[cid]
    tally = dict(c.tally)
    won(org, b, 90_000, WEEK_END - timedelta(hours=1))
    earned = org.state.wallet(a).earned
    reversal = org.decide(ReverseDeal(deal.payload.deal_id, "cancelled"))  # type: ignore[union-attr]
    assert c.tally == tally and c.state == "settled"
    assert c.winners == settled.winners and c.standings == settled.standings
    taken_back = -sum(a_.cents for a_ in reversal.entries[0].awards if a_.member_id == a)
    assert org.state.wallet(a).earned == earned - taken_back  # the deal's points only
    assert org.decide(SettleContests()).entries == []


def test_a_race_finished_after_its_end_by_a_late_entry_is_paid_once():
    """A late entry dated inside a race that reaches the target settles it, paid exactly once."""
    org = Clock().at(NOW)
    _, (a, b) = org.squad(2)
    ends = NOW + timedelta(hours=1)
    cid = create(org, "race", "deals_won", starts_at=NOW, ends_at=ends, target=2,
                 prizes=({"coins": 200},))  # fmt: skip
    won(org, a, 100)
    org.at(ends + timedelta(seconds=1))
    before = org.state.wallet(a).earned
    decision = org.decide(RecordDeal(a, "won", 100, "Acme", closed_at=ends - timedelta(seconds=5)))
    (finish,) = decision.finishes
    assert isinstance(finish.payload, ContestSettled)
    assert finish.payload.reason == "target reached"
    assert [(w.member_id, w.coins) for w in finish.payload.winners] == [(a, 200)]
    points = sum(x.cents for x in decision.entries[0].awards if x.member_id == a)
    assert org.state.wallet(a).earned == before + points + 20_000
    assert org.decide(SettleContests()).entries == []
    assert org.decide(SettleContests()).entries == []
    assert org.state.wallet(a).earned == before + points + 20_000
    assert org.state.contests[cid].state == "settled"


def test_a_team_race_is_won_only_by_a_team_whose_value_per_member_reaches_the_target():
    """A team race is won only by a team whose value per member reaches the target."""
    org = Clock().at(NOW)
    team, (a, _b, _c) = org.squad(3)
    ends = NOW + timedelta(hours=1)
    cid = create(org, "race", team_ids=(team,), starts_at=NOW, ends_at=ends, target=1,
                 prizes=({"coins": 10},))  # fmt: skip
    assert org.decide(RecordDeal(a, "won", 2.99, "Acme")).finishes == []
    settled, gained = settle(org, ends, cid)
    assert settled.winners == () and gained == {}


# -- recurring contests ----------------------------------------------------------------------


def test_a_monthly_contest_renews_from_january_to_february_to_march_across_dst():
    """Monthly renews Jan → Feb → Mar (across DST), settled once, nothing counted twice."""
    jan, feb = datetime(2027, 1, 1, tzinfo=TZ), datetime(2027, 2, 1, tzinfo=TZ)
    mar, apr = datetime(2027, 3, 1, tzinfo=TZ), datetime(2027, 4, 1, tzinfo=TZ)
    org = Clock().at(datetime(2027, 1, 31, 22, 40, tzinfo=UTC))
    _, (a, b) = org.squad(2)
    cid = create(org, starts_at=jan, ends_at=feb, recurrence="monthly", prizes=({"coins": 5},))
    won(org, a, 100, datetime(2027, 1, 31, 23, 30, tzinfo=TZ))
    org.at(feb + timedelta(seconds=1))
    won(org, b, 300, feb)
    settled, gained = settle(org, feb + timedelta(seconds=2), cid)
    assert [(w.member_id, w.score) for w in settled.winners] == [(a, 100)]
    assert gained == {a: 500}
    earned = org.state.wallet(a).earned
    assert org.decide(SettleContests()).entries == []  # again in the same batch: nothing
    assert org.state.wallet(a).earned == earned
    assert [c.series for c in org.state.open_contests.values()] == [cid]  # renewed once
    february = next(c for c in org.state.open_contests.values() if c.series == cid)
    assert (february.starts_at, february.ends_at) == (feb, mar)
    assert february.tally == {f"m{b}": 30_000}
    won(org, b, 1, feb + timedelta(seconds=3))
    assert february.tally == {f"m{b}": 30_100}  # the carried deal once, the new one once
    settle(org, mar, february.id)
    march = next(c for c in org.state.open_contests.values() if c.series == cid)
    assert (march.starts_at, march.ends_at) == (mar, apr)
    assert march.ends_at - march.starts_at == timedelta(days=31, hours=-1)
    assert march.tally == {}


def test_a_weekly_contest_across_the_end_of_summer_time_lasts_169_hours():
    """A week across the end of summer time lasts 169 hours and rolls over at local midnight."""
    mon = datetime(2026, 10, 12, tzinfo=TZ)
    org = Clock().at(datetime(2026, 10, 14, 12, tzinfo=UTC))
    _, (a, b) = org.squad(2)
    cid = create(org, starts_at=mon, ends_at=mon + timedelta(days=7), recurrence="weekly")
    settle(org, datetime(2026, 10, 19, tzinfo=TZ), cid)
    week = next(c for c in org.state.open_contests.values() if c.series == cid)
    assert week.starts_at == datetime(2026, 10, 19, tzinfo=TZ)
    assert week.ends_at == datetime(2026, 10, 26, tzinfo=TZ)
    assert week.ends_at.astimezone(UTC) - week.starts_at.astimezone(UTC) == timedelta(hours=169)
    sunday_late = datetime(2026, 10, 25, 23, 30, tzinfo=TZ)
    assert sunday_late.astimezone(UTC) == datetime(2026, 10, 25, 22, 30, tzinfo=UTC)
    org.at(datetime(2026, 10, 26, 0, 0, 5, tzinfo=TZ))
    won(org, a, 100, sunday_late)
    won(org, b, 100, datetime(2026, 10, 26, tzinfo=TZ))
    assert week.tally == {f"m{a}": 10_000}
    settle(org, org.ctx.now, week.id)
    nxt = next(c for c in org.state.open_contests.values() if c.series == cid)
    assert (nxt.starts_at, nxt.tally) == (datetime(2026, 10, 26, tzinfo=TZ), {f"m{b}": 10_000})


def test_a_recurring_improvement_contest_measures_the_next_month_against_this_one():
    """A recurring improvement contest measures the next month against this month's totals."""
    org = Clock().at(NOW)
    _, (a, b) = org.squad(2)
    won(org, a, 50, OCTOBER)
    won(org, a, 200, NOVEMBER)
    won(org, b, 40, NOVEMBER)
    cid = create(org, "improvement", starts_at=NOV, ends_at=DEC, recurrence="monthly")
    org.at(DEC + timedelta(seconds=1))
    won(org, b, 120, DEC)
    settled, _ = settle(org, DEC + timedelta(seconds=2), cid)
    assert [(w.member_id, w.score) for w in settled.winners][:2] == [(b, 40.0), (a, 4.0)]
    december = next(c for c in org.state.open_contests.values() if c.series == cid)
    assert (december.starts_at, december.ends_at) == (DEC, datetime(2027, 1, 1, tzinfo=TZ))
    assert december.baseline == {f"m{a}": 20_000, f"m{b}": 4_000}
    assert december.tally == {f"m{b}": 12_000}
    assert ranked(org, december.id)[0] == (1, f"m{b}", 3.0)


def test_a_recurring_race_won_early_still_renews_for_the_next_period():
    """A recurring race won before its end still renews for the next period."""
    org = Clock().at(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))
    _, (a, _b) = org.squad(2)
    day, next_day = datetime(2026, 11, 24, tzinfo=TZ), datetime(2026, 11, 25, tzinfo=TZ)
    cid = create(org, "race", "deals_won", starts_at=day, ends_at=next_day, target=1,
                 recurrence="daily", prizes=({"coins": 5},))  # fmt: skip
    won(org, a, 100)
    assert org.state.contests[cid].state == "settled"
    org.at(next_day.astimezone(UTC) + timedelta(seconds=1))
    org.decide(SettleContests())
    renewed = [c for c in org.state.contests.values() if c.series == cid and c.id != cid]
    assert [(c.starts_at, c.ends_at) for c in renewed] == [
        (next_day, datetime(2026, 11, 26, tzinfo=TZ))
    ]


# -- a contest created from a ledger counted up to a point -----------------------------------


def test_a_contest_counted_upto_a_seq_counts_the_newer_entries_exactly_once():
    """A contest counted up to counted_upto counts the newer entries exactly once."""
    org = Clock().at(NOW)
    _, (a, b) = org.squad(2)
    deals = [won(org, a, 100), won(org, b, 200), won(org, a, 400), won(org, b, 800)]
    upto = deals[1].seq
    command = CreateContest("Counted", "ranking", "revenue", WEEK_START, WEEK_END)
    facts = probe(command)
    assert facts is not None
    count_past(facts, [e for e in org.entries if e.seq <= upto])
    counted = CreateContest(
        "Counted", "ranking", "revenue", WEEK_START, WEEK_END,
        counted_upto=upto, tally=facts.tally,
    )  # fmt: skip
    assert counted.tally == {f"m{a}": 10_000, f"m{b}": 20_000}
    org.ctx.newer_entries = [e for e in org.entries if e.seq > upto]  # also in ctx.batch
    cid = org.decide(counted).entries[0].payload.contest_id  # type: ignore[union-attr]
    assert org.state.contests[cid].tally == {f"m{a}": 50_000, f"m{b}": 100_000}
    org.ctx.batch = []  # a new batch: the newer entries come from the ledger alone
    again = org.decide(counted).entries[0].payload
    assert isinstance(again, ContestCreated)
    assert again.tally == {f"m{a}": 50_000, f"m{b}": 100_000}
    won(org, a, 1)
    assert org.state.contests[cid].tally == {f"m{a}": 50_100, f"m{b}": 100_000}
