"""How corrections ripple through everything else, in the pure core (no I/O).

A deal reversed or corrected, kudos or mentoring revoked, must leave goals, bonuses,
badges, the improvement bonus, contests and coins exactly where they would be had the
truth been recorded in the first place. The strongest check here is that oracle: an Org
that records a story with corrections is compared with an Org built the same way that
records the final truth directly (points per member, season and category, goals, badges
and coins)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from service.core.commands import (
    AwardMentoring,
    ChangeGoal,
    CorrectDeal,
    CreateContest,
    CreateMember,
    CreateSeason,
    Decision,
    GiftRef,
    GiveKudos,
    PostStory,
    ReverseDeal,
    RevokeKudos,
    RevokeMentoring,
    SetGoal,
    SettleContests,
    SyncDeal,
    UpdateMember,
)
from service.core.entries import (
    Actor,
    BadgeEarned,
    BadgeRevoked,
    ContestSettled,
    Entry,
    GoalReached,
    GoalReopened,
    Improved,
    KudosGiven,
    MentoringAwarded,
)
from service.core.evolve import evolve
from tests.test_core_decide import NOW, Org, cents, manager_actor, seller_actor

CRM = Actor("integration")
W46 = datetime(2026, 11, 10, 10, tzinfo=UTC)  # a Tuesday of the week before NOW's
W45 = datetime(2026, 11, 3, 10, tzinfo=UTC)


class Clock(Org):
    """An Org that also evolves the settlement a decision finishes (a race)."""

    def decide(self, command: Any, actor: Actor | None = None) -> Decision:  # type: ignore[override]
        decision = super().decide(command, *(a for a in (actor,) if a))
        for entry in decision.finishes:
            evolve(self.state, entry)
            self.ctx.note(entry)
            self.entries.append(entry)
        return decision


# -- what the oracle compares ----------------------------------------------------------------


def points(org: Org) -> dict[tuple[int, int, str], int]:
    """(member, season, category) → hundredths, over the whole ledger (zeros left out)."""
    out: dict[tuple[int, int, str], int] = {}
    for entry in org.entries:
        for a in entry.awards:
            key = (a.member_id, entry.season_id or 0, a.category)
            out[key] = out.get(key, 0) + a.cents
    return {k: v for k, v in out.items() if v}


def goals(org: Org) -> dict[tuple[int, int, str], tuple[Any, ...]]:
    """Each goal by (team, season, metric): value, reached, and its member goals."""
    return {
        (g.team_id, g.season_id, g.metric): (
            g.value,
            g.reached,
            sorted((m.member_id, m.value, m.reached) for m in g.members.values()),
        )
        for g in org.state.goals.values()
    }


def picture(org: Org) -> dict[str, Any]:
    coins = {m: w.earned for m, w in org.state.wallets.items() if w.earned}
    return {
        "points": points(org),
        "goals": goals(org),
        "badges": sorted(org.state.badges),
        "coins": coins,
    }


def same_as_truth(story: Org, truth: Org) -> None:
    left, right = picture(story), picture(truth)
    for key in left:
        assert left[key] == right[key], key


def deal_id(entry: Entry) -> int:
    return entry.payload.deal_id  # type: ignore[union-attr]


def events(entries: list[Entry], kind: type) -> list[Any]:
    return [e for entry in entries for e in entry.events if isinstance(e, kind)]


def gift(org: Org, gift_id: int, entry: Entry) -> None:
    """Fill the batch's lookup of recorded kudos or mentoring (as the engine does from the
    database) under ``gift_id``, for a revocation to find."""
    p = entry.payload
    kudos = isinstance(p, KudosGiven)
    strength = None
    if kudos:
        giver, receiver, strength = p.from_member_id, p.to_member_id, p.strength
    else:
        assert isinstance(p, MentoringAwarded)
        giver, receiver = p.awarded_by_member_id, p.member_id
    ref = GiftRef(
        gift_id,
        entry.seq,
        giver,
        receiver,
        sum(a.cents for a in entry.awards),
        entry.week,
        entry.season_id,
        strength,
        None,
        list(entry.awards),
        entry.occurred_at,
    )
    (org.ctx.kudos if kudos else org.ctx.mentoring)[gift_id] = ref


def twins(setup: Callable[[Org], Any]) -> tuple[Org, Org, Any]:
    """Two Orgs built alike (same ids): one to tell a story with corrections, one to record
    the truth directly."""
    story, truth = Org(), Org()
    handles = setup(story)
    assert setup(truth) == handles
    return story, truth, handles


# -- goals and bonuses -----------------------------------------------------------------------


def test_goal_reached_reopened_and_reached_again_ends_as_the_truth():
    """Over, under and over a goal by corrections pays each bonus once, as the last amount would."""

    def setup(org: Org) -> tuple[int, ...]:
        season = org.season()
        team, (a, b, c) = org.squad(3)
        org.decide(SetGoal(team, season, "revenue", 100_000, ((a, 60_000),)))
        return a, b, c

    story, truth, (a, b, c) = twins(setup)
    deal = story.deal(a, 50_000)
    story.deal(b, 40_000)
    over = story.decide(CorrectDeal(deal_id(deal), amount=70_000)).entries
    assert len(events(over, GoalReached)) == 2  # the team goal and a's own
    under = story.decide(CorrectDeal(deal_id(deal), amount=55_000)).entries
    assert len(events(under, GoalReopened)) == 2
    again = story.decide(CorrectDeal(deal_id(deal), amount=65_000)).entries
    assert len(events(again, GoalReached)) == 2
    truth.deal(a, 65_000)
    truth.deal(b, 40_000)
    same_as_truth(story, truth)
    bonus = {m: c for (m, _, cat), c in points(story).items() if cat == "bonus"}
    assert bonus == {a: 2500 + 1000, b: 2500, c: 2500}


def test_seller_corrected_within_the_team_moves_only_the_member_goals():
    """A seller corrected within the team moves member goals only; the team bonus is untouched."""

    def setup(org: Org) -> tuple[int, ...]:
        season = org.season()
        team, (a, b) = org.squad(2)
        org.decide(SetGoal(team, season, "deals", 1, ((a, 1), (b, 1))))
        return a, b

    story, truth, (a, b) = twins(setup)
    deal = story.deal(a, 20_000)
    moved = story.decide(CorrectDeal(deal_id(deal), seller_id=b)).entries
    scopes = sorted((e.scope, e.member_id) for e in events(moved, GoalReopened | GoalReached))
    assert scopes == [("member", a), ("member", b)]
    team_bonus = [
        x for entry in moved for x in entry.awards if x.category == "bonus" and abs(x.cents) == 2500
    ]
    assert team_bonus == []
    truth.deal(b, 20_000)
    same_as_truth(story, truth)


def test_seller_corrected_to_another_team_moves_shares_and_both_teams_goals():
    """A deal moved to another team's seller moves share, goals and bonuses as if recorded so."""

    def setup(org: Org) -> tuple[int, ...]:
        season = org.season()
        wolves, (a, b) = org.squad(2)
        bears, (x, y) = org.squad(2)
        org.decide(SetGoal(wolves, season, "revenue", 40_000))
        org.decide(SetGoal(bears, season, "deals", 1, ((x, 1),)))
        return a, b, x, y

    story, truth, (a, b, x, y) = twins(setup)
    deal = story.deal(a, 50_000, assists=(y,))
    story.decide(CorrectDeal(deal_id(deal), seller_id=x, assists=()))
    truth.deal(x, 50_000)
    same_as_truth(story, truth)
    assert not any(member in (a, b) for member, _, _ in points(story))


def test_a_correction_after_a_target_was_raised_keeps_the_bonus_already_paid():
    """A bonus kept through a target raise is not taken back by correcting its deal upwards
    nor by the next deal; a correction below the target it was paid at takes it back."""
    org = Org()
    season = org.season()
    team, (a, b) = org.squad(2)
    goal = org.decide(SetGoal(team, season, "revenue", 40_000)).entries[0]
    deal = org.deal(a, 50_000)
    org.decide(ChangeGoal(goal.payload.goal_id, target=100_000))  # type: ignore[union-attr]
    assert {m: c for (m, _, cat), c in points(org).items() if cat == "bonus"} == {
        a: 2500,
        b: 2500,
    }
    fixed = org.decide(CorrectDeal(deal_id(deal), amount=60_000)).entries
    assert not events(fixed, GoalReopened)
    org.deal(b, 1_000)  # the next deal, still under the new target
    assert {m: c for (m, _, cat), c in points(org).items() if cat == "bonus"} == {
        a: 2500,
        b: 2500,
    }
    fixed = org.decide(CorrectDeal(deal_id(deal), amount=30_000)).entries
    assert events(fixed, GoalReopened)  # 31,000 is under the 40,000 it was paid at
    assert not {m: c for (m, _, cat), c in points(org).items() if cat == "bonus" and c}


# -- seasons, weeks and badges ---------------------------------------------------------------


def test_closed_at_moved_into_the_season_before_moves_goals_badges_and_points():
    """A deal re-dated into the season before takes its goals, badge and points there."""

    def setup(org: Org) -> tuple[int, ...]:
        spring = org.decide(CreateSeason("Spring", date(2026, 1, 1), date(2026, 6, 30)))
        autumn = org.decide(CreateSeason("Autumn", date(2026, 7, 1), date(2026, 12, 31)))
        team, (a, b) = org.squad(2)
        for season in (spring, autumn):
            season_id = season.entries[0].payload.season_id  # type: ignore[union-attr]
            org.decide(SetGoal(team, season_id, "deals", 1, ((a, 1),)))
        return a, b

    story, truth, (a, b) = twins(setup)
    june = datetime(2026, 6, 15, 10, tzinfo=UTC)
    deal = story.deal(a, 30_000)
    assert {(m, s, code) for m, s, code in story.state.badges} == {(a, 2, "first-goal")}
    story.decide(CorrectDeal(deal_id(deal), closed_at=june))
    truth.deal(a, 30_000, closed_at=june)
    same_as_truth(story, truth)
    assert story.state.badges == {(a, 1, "first-goal")}


def test_closed_at_moved_between_weeks_moves_the_hat_trick():
    """Re-dating deals between weeks keeps hat-trick while a week has 3, and only then."""

    def setup(org: Org) -> int:
        org.season()
        _, (a,) = org.squad(1)
        return a

    story, truth, a = twins(setup)
    w46 = [story.deal(a, 1_000, closed_at=W46) for _ in range(2)]
    w47 = [story.deal(a, 1_000) for _ in range(3)]
    assert (a, 1, "hat-trick") in story.state.badges
    moved = story.decide(CorrectDeal(deal_id(w47[0]), closed_at=W46)).entries  # 3 and 2
    assert not events(moved, BadgeEarned) and not events(moved, BadgeRevoked)
    gone = story.decide(CorrectDeal(deal_id(w46[0]), closed_at=W45)).entries  # 1, 2, 2
    assert [e.badge for e in events(gone, BadgeRevoked)] == ["hat-trick"]
    for at in (W45, W46, W46, NOW, NOW):
        truth.deal(a, 1_000, closed_at=at)
    same_as_truth(story, truth)
    back = story.decide(CorrectDeal(deal_id(w46[1]), closed_at=NOW)).entries  # 1, 1, 3
    assert [e.badge for e in events(back, BadgeEarned)] == ["hat-trick"]
    assert (a, 1, "hat-trick") in story.state.badges


def test_assists_corrected_move_assist_points_and_the_playmaker_badge():
    """An assist corrected away takes its points and playmaker back; the new assist earns them."""

    def setup(org: Org) -> tuple[int, ...]:
        org.season()
        _, (a, c, d) = org.squad(3)
        return a, c, d

    story, truth, (a, c, d) = twins(setup)
    deals = [story.deal(a, 1_000, assists=(c,)) for _ in range(5)]
    assert (c, 1, "playmaker") in story.state.badges
    fixed = story.decide(CorrectDeal(deal_id(deals[2]), assists=(d,))).entries
    assert [(e.member_id, e.badge) for e in events(fixed, BadgeRevoked)] == [(c, "playmaker")]
    for helper in (c, c, d, c, c):
        truth.deal(a, 1_000, assists=(helper,))
    same_as_truth(story, truth)


def test_corrected_twice_then_reversed_leaves_nothing_behind():
    """Corrected twice then reversed, a deal leaves no point, bonus, badge, coin or goal behind."""
    org = Org()
    season = org.season()
    team, (a, b, c) = org.squad(3)
    org.decide(SetGoal(team, season, "revenue", 30_000, ((a, 20_000), (b, 20_000))))
    deal = org.deal(a, 25_000, assists=(c,))
    org.decide(PostStory(deal_id(deal), "We listened."), seller_actor(a))
    org.decide(CorrectDeal(deal_id(deal), amount=40_000))
    org.decide(CorrectDeal(deal_id(deal), seller_id=b))
    story_points = {k: v for k, v in points(org).items() if k[2] == "learning"}
    assert story_points == {(a, 1, "learning"): 200}  # kept: the outcome never changed
    org.decide(ReverseDeal(deal_id(deal), "a test deal"))
    assert points(org) == {}
    assert org.state.badges == set()
    assert all(w.earned == 0 for w in org.state.wallets.values())
    assert goals(org) == {(team, season, "revenue"): (0, False, [(a, 0, False), (b, 0, False)])}


def test_won_lost_won_takes_everything_back_and_pays_it_again_once():
    """Won to lost takes goal, bonus and badge back; lost to won gives them again, once."""

    def setup(org: Org) -> tuple[int, ...]:
        season = org.season()
        team, (a, b) = org.squad(2)
        org.decide(SetGoal(team, season, "deals", 1, ((a, 1),)))
        return a, b

    story, truth, (a, b) = twins(setup)
    deal = story.deal(a, 20_000)
    lost = story.decide(CorrectDeal(deal_id(deal), outcome="lost")).entries
    assert len(events(lost, GoalReopened)) == 2 and events(lost, BadgeRevoked)
    assert points(story) == {}
    won = story.decide(CorrectDeal(deal_id(deal), outcome="won")).entries
    assert len(events(won, GoalReached)) == 2 and events(won, BadgeEarned)
    truth.deal(a, 20_000)
    same_as_truth(story, truth)


def test_revoked_mentoring_and_coach_kudos_take_the_mentor_badge_back():
    """Revoked mentoring or coach kudos take mentor back only when neither way earns it."""
    org = Org()
    org.season()
    team, (a, b, c, d) = org.squad(4)
    boss = manager_actor(org.member(team, "manager"))
    for gift_id in (1, 2, 3):
        entry = org.decide(AwardMentoring(d, 5, "pairing"), boss).entries[0]
        gift(org, gift_id, entry)
    assert (d, 1, "mentor") in org.state.badges
    revoked = org.decide(RevokeMentoring(2, "double")).entries
    assert [e.badge for e in events(revoked, BadgeRevoked)] == ["mentor"]
    for gift_id, giver in ((11, a), (12, b), (13, c)):
        entry = org.decide(GiveKudos(d, 1, "thanks", "coach"), seller_actor(giver)).entries[0]
        gift(org, gift_id, entry)
    assert (d, 1, "mentor") in org.state.badges
    kept = org.decide(RevokeMentoring(3)).entries  # the coach kudos still earn it
    assert not events(kept, BadgeRevoked) and (d, 1, "mentor") in org.state.badges
    org.decide(RevokeKudos(12))
    assert (d, 1, "mentor") not in org.state.badges


@pytest.mark.xfail(
    reason="a kudos revocation steps the team-player counter by who are teammates when it is "
    "revoked, not when the kudos were given (achievements._step reads today's teams)",
    strict=True,
)
def test_revoking_kudos_takes_back_exactly_the_team_player_step_they_made():
    """Revoked kudos take back the team-player count they made when given, whoever moved since."""
    # kudos to a teammate who moved away since: they counted, so the badge goes
    org = Org()
    org.season()
    _, (a, *mates) = org.squad(6)
    other = org.team("Bears")
    for gift_id, mate in enumerate(mates, start=1):
        gift(org, gift_id, org.decide(GiveKudos(mate, 1, "thanks"), seller_actor(a)).entries[0])
    assert (a, 1, "team-player") in org.state.badges
    org.decide(UpdateMember(mates[-1], {"team_id": other}))
    org.decide(RevokeKudos(len(mates), "never happened"))
    assert (a, 1, "team-player") not in org.state.badges
    # kudos to a stranger who joined since: they never counted, so thanking that person
    # and four other teammates later still earns the badge
    org = Org()
    org.season()
    team, (a, *mates) = org.squad(5)
    _, (x,) = org.squad(1)
    gift(org, 1, org.decide(GiveKudos(x, 1, "thanks"), seller_actor(a)).entries[0])
    org.decide(UpdateMember(x, {"team_id": team}))
    org.decide(RevokeKudos(1, "meant for someone else"))
    org.ctx.now = NOW + timedelta(days=7)  # a fresh allowance
    for mate in (*mates[:4], x):
        org.decide(GiveKudos(mate, 1, "thanks"), seller_actor(a))
    assert (a, 1, "team-player") in org.state.badges


# -- the improvement bonus -------------------------------------------------------------------


@pytest.mark.xfail(
    reason="improvement_changes compares a week with the state's week before, not with it "
    "as the same correction leaves it, so a deal re-dated into a week never pays its bonus",
    strict=True,
)
def test_a_deal_redated_into_the_next_week_pays_that_weeks_improvement_bonus():
    """A deal re-dated into a week that now beats the (emptied) week before pays its bonus."""

    def setup(org: Org) -> tuple[int, int]:
        org.season()
        team, (veteran,) = org.squad(1)
        command = CreateMember("New", team, "seller", None, date(2026, 11, 2))
        return veteran, org.decide(command).entries[0].member_id or 0

    story, truth, (veteran, new) = twins(setup)
    deal = story.deal(new, 10_000, closed_at=W46)  # 24 own points: W46 beats W45's 0
    assert events([deal], Improved)
    story.decide(GiveKudos(new, 5, "thanks"), seller_actor(veteran))  # W47: 5, not 34
    story.decide(CorrectDeal(deal_id(deal), closed_at=NOW - timedelta(hours=1)))
    truth.decide(GiveKudos(new, 5, "thanks"), seller_actor(veteran))
    truth.deal(new, 10_000, closed_at=NOW - timedelta(hours=1))
    assert story.state.own_weeks.get((new, date(2026, 11, 16))) == 2900
    assert story.state.improved == truth.state.improved
    same_as_truth(story, truth)


@pytest.mark.xfail(
    reason="improvement_changes measures the week after against the week before as it was, "
    "so a deal re-dated into the week before leaves the later week's bonus wrongly paid",
    strict=True,
)
def test_a_deal_redated_into_the_week_before_takes_the_later_weeks_bonus_back():
    """A deal re-dated into the week before takes back the later week's bonus it no longer earns."""

    def setup(org: Org) -> tuple[int, ...]:
        org.season()
        team, (v1, v2) = org.squad(2)
        command = CreateMember("New", team, "seller", None, date(2026, 11, 2))
        return v1, v2, org.decide(command).entries[0].member_id or 0

    story, truth, (v1, v2, new) = twins(setup)
    deal = story.deal(new, 10_000, closed_at=NOW - timedelta(hours=1))  # W47: the bonus
    truth.deal(new, 10_000, closed_at=W46)
    for org in (story, truth):
        org.decide(GiveKudos(new, 5, "thanks"), seller_actor(v1))
        org.decide(GiveKudos(new, 5, "thanks"), seller_actor(v2))
    story.decide(CorrectDeal(deal_id(deal), closed_at=W46))
    assert story.state.own_weeks == truth.state.own_weeks
    assert sorted(story.state.improved) == [(new, date(2026, 11, 9))]
    same_as_truth(story, truth)


def test_a_correction_that_moves_the_bonus_week_follows_it():
    """A deal re-dated from W47 into W46 moves the improvement bonus from W47 to W46."""

    def setup(org: Org) -> int:
        org.season()
        team = org.team("Wolves")
        command = CreateMember("New", team, "seller", None, date(2026, 11, 2))
        return org.decide(command).entries[0].member_id or 0

    story, truth, new = twins(setup)
    deal = story.deal(new, 10_000)
    assert [e.week for e in events([deal], Improved)] == ["2026-W47"]
    story.decide(CorrectDeal(deal_id(deal), closed_at=W46))
    truth.deal(new, 10_000, closed_at=W46)
    assert sorted(story.state.improved) == [(new, date(2026, 11, 9))]
    assert story.state.improved == truth.state.improved
    same_as_truth(story, truth)


# -- contests --------------------------------------------------------------------------------


def _contest(org: Org, metric: str, starts: datetime, ends: datetime, **more: Any) -> int:
    """A contest of everyone (``more``: format, prizes, target)."""
    kind = more.pop("format", "ranking")
    command = CreateContest(f"{metric} sprint", kind, metric, starts, ends, **more)
    return org.decide(command).entries[0].payload.contest_id  # type: ignore[union-attr]


def test_corrections_move_a_running_contest_as_the_truth_would():
    """Corrections during a contest leave its standings where the true deals would put them."""
    start, end = NOW - timedelta(days=2), NOW + timedelta(days=5)

    def setup(org: Org) -> tuple[int, ...]:
        season = org.season()
        team, (a, b, c, d) = org.squad(4)
        org.decide(SetGoal(team, season, "deals", 3))
        return (
            _contest(org, "revenue", start, end),
            _contest(org, "points", start, end),
            a,
            b,
            c,
            d,
        )

    story, truth, (revenue, scored, a, b, c, d) = twins(setup)
    inside = NOW - timedelta(hours=1)
    big = story.deal(a, 50_000, closed_at=inside)
    early = story.deal(b, 30_000, closed_at=inside)
    third = story.deal(c, 20_000, closed_at=inside)  # reaches the goal: bonus in points
    story.decide(CorrectDeal(deal_id(big), amount=10_000))
    story.decide(CorrectDeal(deal_id(early), closed_at=start - timedelta(days=1)))
    story.decide(CorrectDeal(deal_id(third), seller_id=d))
    truth.deal(a, 10_000, closed_at=inside)
    truth.deal(b, 30_000, closed_at=start - timedelta(days=1))
    truth.deal(d, 20_000, closed_at=inside)
    for contest in (revenue, scored):
        got = {k: v for k, v in story.state.contests[contest].tally.items() if v}
        want = {k: v for k, v in truth.state.contests[contest].tally.items() if v}
        assert got == want, contest
    assert story.state.contests[revenue].tally.get(f"m{b}", 0) == 0
    same_as_truth(story, truth)


def test_a_settled_contest_keeps_winners_standings_and_coins_after_a_correction():
    """A settled contest keeps winners, standings and prize coins whatever is corrected later."""
    org = Org()
    org.season()
    _, (a, b) = org.squad(2)
    contest_id = _contest(
        org,
        "revenue",
        NOW - timedelta(days=1),
        NOW + timedelta(hours=1),
        prizes=({"coins": 100},),
    )
    win = org.deal(a, 50_000)
    org.deal(b, 30_000)
    org.ctx.now = NOW + timedelta(hours=2)
    (settled,) = org.decide(SettleContests()).entries
    assert isinstance(settled.payload, ContestSettled)
    contest = org.state.contests[contest_id]
    before = (contest.tally.copy(), contest.winners, contest.standings)
    coins = org.state.wallets[a].earned
    org.decide(CorrectDeal(deal_id(win), amount=1_000))
    org.decide(ReverseDeal(deal_id(win), "never closed"))
    assert (contest.tally, contest.winners, contest.standings) == before
    assert [w.member_id for w in contest.winners] == [a]
    # the deal's 60 points and their coins are gone; the 100 prize coins stay
    assert org.state.wallets[a].earned == coins - 4_800 == 800 + 10_000  # b's share, the prize


def test_a_correction_that_reaches_a_race_target_settles_it_once():
    """A correction that takes a racer to the target settles the race, once."""
    org = Clock()
    org.season()
    _, (a, b) = org.squad(2)
    race = _contest(
        org,
        "revenue",
        NOW - timedelta(days=1),
        NOW + timedelta(days=6),
        format="race",
        target=100_000,
        prizes=({"coins": 50},),
    )
    deal = org.deal(a, 60_000)
    assert org.state.contests[race].state == "open"
    decision = org.decide(CorrectDeal(deal_id(deal), amount=120_000))
    (finish,) = decision.finishes
    assert isinstance(finish.payload, ContestSettled)
    assert [w.member_id for w in finish.payload.winners] == [a]
    assert org.decide(CorrectDeal(deal_id(deal), amount=10_000)).finishes == []
    assert org.state.contests[race].state == "settled"
    assert org.state.contests[race].winners == finish.payload.winners


def test_kudos_given_before_a_contest_and_revoked_during_it_leave_it_alone():
    """Kudos count in a contest when given: revoking earlier kudos leaves the contest alone,
    revoking kudos given during it takes them back out."""
    org = Org()
    org.season()
    _, (a, b) = org.squad(2)
    gift(org, 1, org.decide(GiveKudos(b, 5, "thanks"), seller_actor(a)).entries[0])
    contest = _contest(org, "help", NOW + timedelta(days=1), NOW + timedelta(days=8))
    org.ctx.now = NOW + timedelta(days=2)
    org.decide(RevokeKudos(1, "by mistake"))
    assert org.state.contests[contest].tally.get(f"m{b}", 0) == 0
    # kudos given during it count, and their revocation takes them back out
    gift(org, 2, org.decide(GiveKudos(b, 3, "thanks again"), seller_actor(a)).entries[0])
    assert org.state.contests[contest].tally.get(f"m{b}", 0) == 300
    org.decide(RevokeKudos(2, "by mistake"))
    assert org.state.contests[contest].tally.get(f"m{b}", 0) == 0


@pytest.mark.xfail(
    reason="a reversal counts in contests at the deal's closed_at, the goal bonus it takes "
    "back too, though that bonus was paid and counted by another entry at another moment",
    strict=True,
)
def test_a_reversal_takes_from_a_contest_only_what_the_deal_added():
    """A reversal takes from a contest only what the deal added, not a bonus counted elsewhere."""
    org = Org()
    season = org.season()
    team, (a, b) = org.squad(2)
    org.decide(SetGoal(team, season, "deals", 2))
    contest = _contest(org, "bonus", NOW - timedelta(days=2), NOW + timedelta(days=5))
    inside = org.deal(a, 10_000, closed_at=NOW - timedelta(hours=1))
    late = org.deal(b, 10_000, closed_at=NOW - timedelta(days=5))  # logged late: the bonus
    assert cents(late)[(a, "bonus")] == 2500
    assert org.state.contests[contest].tally == {}
    org.decide(ReverseDeal(deal_id(inside), "entered twice"))
    assert {k: v for k, v in org.state.contests[contest].tally.items() if v} == {}


# -- people who leave or move ----------------------------------------------------------------


def test_a_customer_typo_fixed_after_a_teammate_left_keeps_their_share():
    """Fixing a customer name changes no points: a teammate who left keeps their share."""
    org = Org()
    org.season()
    _, (a, b, gone) = org.squad(3)
    deal = org.deal(a, 50_000)
    before = points(org)
    org.decide(UpdateMember(gone, {"active": False}))
    org.decide(CorrectDeal(deal_id(deal), customer="Acme Holding AS"))
    assert points(org) == before


def test_an_amount_corrected_after_the_seller_moved_stays_with_the_old_team():
    """A deal corrected after its seller moved stays with the team it was earned for."""
    org = Org()
    season = org.season()
    wolves, (a, b) = org.squad(2)
    bears, (x,) = org.squad(1)
    org.decide(SetGoal(wolves, season, "deals", 1))
    deal = org.deal(a, 50_000)
    org.decide(UpdateMember(a, {"team_id": bears}))
    org.decide(CorrectDeal(deal_id(deal), amount=51_000))
    goal = next(iter(org.state.goals.values()))
    assert (goal.value, goal.reached) == (100, True)
    assert (b, 1, "team_share") in points(org) and (x, 1, "team_share") not in points(org)


# -- CRM -------------------------------------------------------------------------------------


def test_crm_updates_ripple_like_corrections():
    """CRM updates (owner, lost, open, won) end as one won deal of the last owner."""

    def setup(org: Org) -> tuple[int, ...]:
        season = org.season()
        wolves, (a, b) = org.squad(2)
        bears, (x,) = org.squad(1)
        for team in (wolves, bears):
            org.decide(SetGoal(team, season, "revenue", 10_000))
        org.decide(UpdateMember(a, {"external_ids": {"hubspot": "111"}}))
        org.decide(UpdateMember(x, {"external_ids": {"hubspot": "333"}}))
        return wolves, a, b, x

    story, truth, (wolves, a, b, x) = twins(setup)

    def sync(status: str, owner: str, amount: float | None = 20_000) -> Decision:
        return story.decide(SyncDeal("hubspot", "hubspot:9", status, owner, amount=amount), CRM)

    sync("won", "111")
    sync("won", "333")  # the owner changed: the bears' deal now
    assert goals(story)[(wolves, 1, "revenue")][:2] == (0, False)
    sync("lost", "333")
    sync("open", "333", None)
    sync("won", "333", 25_000)
    truth.decide(SyncDeal("hubspot", "hubspot:9", "won", "333", amount=25_000), CRM)
    same_as_truth(story, truth)
