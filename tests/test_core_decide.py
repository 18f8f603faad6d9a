"""Every decider of the pure core (service/core/decide.py), with no I/O: a State built by
evolving entries, a Context filled by hand, and decide() called directly."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from service.core.commands import (
    AllowanceLeft,
    AnswerFeedback,
    AwardMentoring,
    ChangePolicy,
    Command,
    Context,
    CreateMember,
    CreateSeason,
    CreateTeam,
    DealRef,
    Decision,
    FeedbackRef,
    GiveKudos,
    Ids,
    PostStory,
    RecordDeal,
    ReviewLoss,
    SetGoal,
    UpdateMember,
    UpdateTeam,
)
from service.core.decide import decide
from service.core.entries import Actor, BadgeEarned, Entry, GoalReached
from service.core.evolve import evolve
from service.core.state import State
from service.errors import (
    Conflict,
    Forbidden,
    Gone,
    HuddleError,
    Invalid,
    LimitReached,
    NotFound,
)

TZ = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)  # a Wednesday, week 2026-W47
ADMIN = Actor("admin")
ANSWERS = ("yes",) * 12


@dataclass
class Org:
    """A State and a Context moved along by deciding commands and evolving their entries;
    every decision is checked not to have touched the state it was given."""

    state: State = field(default_factory=lambda: State(TZ))
    ctx: Context = field(default_factory=lambda: Context(NOW, Ids({})))
    entries: list[Entry] = field(default_factory=list)

    def decide(self, command: Command, actor: Actor = ADMIN) -> Decision:
        before = copy.deepcopy(self.state)
        try:
            decision = decide(command, actor, self.state, self.ctx)
        finally:
            assert self.state == before, "a decider changed the state it was given"
        for entry in decision.entries:
            evolve(self.state, entry)
            self.ctx.note(entry)
            self.entries.append(entry)
        return decision

    def refuse(self, error: type[Exception], command: Command, actor: Actor = ADMIN) -> Exception:
        """Decide a command that must be refused; the state and entries stay as they were."""
        count = len(self.entries)
        with pytest.raises(error) as caught:
            self.decide(command, actor)
        assert len(self.entries) == count
        return caught.value

    def team(self, name: str) -> int:
        return self.decide(CreateTeam(name)).entries[0].team_id or 0

    def member(self, team_id: int, role: str = "seller", email: str | None = None) -> int:
        command = CreateMember(f"M{len(self.entries)}", team_id, role, email, date(2020, 1, 1))
        return self.decide(command).entries[0].member_id or 0

    def season(self, starts: date = date(2026, 1, 1), ends: date = date(2026, 12, 31)) -> int:
        return self.decide(CreateSeason("2026", starts, ends)).entries[0].payload.season_id  # type: ignore[union-attr]

    def squad(self, size: int) -> tuple[int, list[int]]:
        team = self.team(f"Team {len(self.state.teams) + 1}")
        return team, [self.member(team) for _ in range(size)]

    def deal(self, seller: int, amount: float = 50_000, **extra: object) -> Entry:
        command = RecordDeal(seller, extra.pop("outcome", "won"), amount, "Acme AS", **extra)  # type: ignore[arg-type]
        return self.decide(command, seller_actor(seller)).entries[0]


def seller_actor(member_id: int) -> Actor:
    return Actor("seller", member_id=member_id)


def manager_actor(member_id: int) -> Actor:
    return Actor("manager", member_id=member_id)


def cents(entry: Entry) -> dict[tuple[int, str], int]:
    """(member, category) → hundredths awarded by the entry."""
    out: dict[tuple[int, str], int] = {}
    for a in entry.awards:
        out[(a.member_id, a.category)] = out.get((a.member_id, a.category), 0) + a.cents
    return out


def badges(entry: Entry) -> list[tuple[int, str]]:
    return [(e.member_id, e.badge) for e in entry.events if isinstance(e, BadgeEarned)]


# -- deals -----------------------------------------------------------------------------------


def test_won_deal_worked_example():
    """Team of 4, 50 000 won: the seller keeps 48 (deals), each of 3 teammates gets 4."""
    org = Org()
    _, (seller, *mates) = org.squad(4)
    entry = org.deal(seller)
    assert entry.kind == "deal.won" and entry.member_id == seller
    assert cents(entry) == {(seller, "deals"): 4800, **{(m, "team_share"): 400 for m in mates}}
    assert sum(a.cents for a in entry.awards) == 6000
    assert entry.seq == org.state.seq and entry.payload.deal_id  # type: ignore[union-attr]


def test_lost_deal_scores_nothing():
    """A lost deal is recorded with no awards."""
    org = Org()
    _, (seller, _) = org.squad(2)
    entry = org.deal(seller, outcome="lost")
    assert entry.kind == "deal.lost" and entry.awards == ()


def test_seller_logs_only_own_deal():
    """A seller naming another member as seller_id is Forbidden."""
    org = Org()
    _, (seller, other) = org.squad(2)
    org.refuse(Forbidden, RecordDeal(other, "won", 1000, "Acme"), seller_actor(seller))


def test_manager_logs_deals_for_own_team_only():
    """A manager may log a deal for their team's seller, not another team's."""
    org = Org()
    team, (seller,) = org.squad(1)
    _, (stranger,) = org.squad(1)
    manager = org.member(team, "manager")
    org.decide(RecordDeal(seller, "won", 1000, "Acme"), manager_actor(manager))
    org.refuse(Forbidden, RecordDeal(stranger, "won", 1000, "Acme"), manager_actor(manager))


def test_unknown_seller_is_not_found():
    """A deal credited to a member that does not exist is a 404."""
    org = Org()
    org.squad(1)
    org.refuse(NotFound, RecordDeal(999, "won", 1000, "Acme"))


def test_future_closed_at_is_refused():
    """closed_at beyond the clock-skew allowance is Invalid; a little skew is accepted."""
    org = Org()
    _, (seller,) = org.squad(1)
    later = NOW + timedelta(hours=1)
    org.refuse(Invalid, RecordDeal(seller, "won", 1000, "Acme", closed_at=later))
    org.decide(RecordDeal(seller, "won", 1000, "Acme", closed_at=NOW + timedelta(minutes=1)))


def test_external_id_replays_the_recorded_deal():
    """The same external_id again returns the first deal (replay) and appends nothing."""
    org = Org()
    _, (seller,) = org.squad(1)
    first = org.decide(RecordDeal(seller, "won", 5000, "Acme", external_id="crm-1"))
    again = org.decide(RecordDeal(seller, "won", 9999, "Other", external_id="crm-1"))
    assert again.entries == [] and again.replay is not None
    assert again.replay.id == first.entries[0].payload.deal_id  # type: ignore[union-attr]
    assert again.replay.amount == 5000
    # a lookup filled by hand (as a batch does from the database) replays the same way
    ref = DealRef(7, 3, seller, 1, None, "won", 1, "X", [], "crm-old", NOW)
    org.ctx.deals_by_external["crm-old"] = ref
    assert org.decide(RecordDeal(seller, "won", 1, "X", external_id="crm-old")).replay is ref


# -- goals -----------------------------------------------------------------------------------


def test_deal_crossing_team_goal_pays_bonus_once():
    """The deal crossing a team goal pays every member 25 once; a later deal pays none."""
    org = Org()
    season = org.season()
    team, members = org.squad(3)
    goal = org.decide(SetGoal(team, season, "revenue", 100_000)).entries[0]
    assert goal.awards == ()
    below = org.deal(members[0], 60_000)
    assert not any(a.category == "bonus" for a in below.awards)
    crossing = org.deal(members[1], 50_000)
    reached = [e for e in crossing.events if isinstance(e, GoalReached)]
    assert [(e.scope, e.member_id) for e in reached] == [("team", None)]
    bonus = {m: c for (m, cat), c in cents(crossing).items() if cat == "bonus"}
    assert bonus == {m: 2500 for m in members}
    later = org.deal(members[2], 50_000)
    assert not any(a.category == "bonus" for a in later.awards)
    assert not any(isinstance(e, GoalReached) for e in later.events)


def test_a_target_that_rounds_to_nothing_is_refused():
    """A target of 0.004 would be stored as 0 and pay the bonus the moment it is set."""
    org = Org()
    season = org.season()
    team = org.team("Wolves")
    member = org.member(team)
    for target, member_targets in ((0.004, ()), (5, ((member, 0.004),))):
        error = org.refuse(Invalid, SetGoal(team, season, "deals", target, member_targets))
        assert "at least 0.01" in str(error)


def test_member_goal_pays_member_bonus():
    """A member's own deals goal of 2 pays that member 10 on the second won deal only."""
    org = Org()
    season = org.season()
    team, (seller, mate) = org.squad(2)
    org.decide(SetGoal(team, season, "deals", 10, member_targets=((seller, 2),)))
    first = org.deal(seller, 1000)
    assert (seller, "bonus") not in cents(first)
    second = org.deal(seller, 1000)
    assert cents(second)[(seller, "bonus")] == 1000 and (mate, "bonus") not in cents(second)
    reached = [(e.scope, e.member_id) for e in second.events if isinstance(e, GoalReached)]
    assert reached == [("member", seller)]
    assert (seller, "bonus") not in cents(org.deal(seller, 1000))


def test_goal_set_mid_season_counts_earlier_deals():
    """A goal set after deals were won counts them at once (ctx.won_deals) and pays the bonus."""
    org = Org()
    season = org.season()
    team, (seller, mate) = org.squad(2)
    org.ctx.won_deals[(team, season)] = [(seller, 1000.0), (mate, 1000.0)]
    entry = org.decide(SetGoal(team, season, "deals", 2)).entries[0]
    assert cents(entry) == {(seller, "bonus"): 2500, (mate, "bonus"): 2500}
    org.refuse(Conflict, SetGoal(team, season, "deals", 3))


# -- kudos and mentoring ---------------------------------------------------------------------


def test_kudos_allowance_and_remaining():
    """Kudos spend the giver's weekly allowance of 10; ``remaining`` says what is left."""
    org = Org()
    _, (giver, a, b, c) = org.squad(4)
    me = seller_actor(giver)
    assert org.decide(AllowanceLeft("kudos"), me).remaining == 1000
    assert org.decide(GiveKudos(a, 3, "thanks"), me).remaining == 700
    assert org.decide(GiveKudos(b, 5, "thanks"), me).remaining == 200
    error = org.refuse(LimitReached, GiveKudos(c, 3, "thanks"), me)
    assert error.extra["remaining"] == 2  # type: ignore[attr-defined]
    assert org.decide(GiveKudos(c, 2, "thanks"), me).remaining == 0
    assert org.decide(AllowanceLeft("kudos"), me).remaining == 0


def test_kudos_recipient_cap_and_reciprocity():
    """One giver gives one recipient at most 5 a week; swaps both ways stop at 8."""
    org = Org()
    _, (a, b) = org.squad(2)
    org.decide(GiveKudos(b, 3, "thanks"), seller_actor(a))
    org.refuse(LimitReached, GiveKudos(b, 3, "more"), seller_actor(a))
    org.decide(GiveKudos(b, 2, "more"), seller_actor(a))
    org.decide(GiveKudos(a, 3, "back"), seller_actor(b))  # swapped 8 now
    error = org.refuse(LimitReached, GiveKudos(a, 1, "again"), seller_actor(b))
    assert "back and forth" in str(error)


def test_kudos_to_self_is_refused():
    """Thanking oneself is Invalid."""
    org = Org()
    _, (a,) = org.squad(1)
    org.refuse(Invalid, GiveKudos(a, 1, "me"), seller_actor(a))


def test_kudos_allowance_resets_next_week():
    """A new ISO week starts the allowance again."""
    org = Org()
    _, (giver, a, b) = org.squad(3)
    org.decide(GiveKudos(a, 5, "thanks"), seller_actor(giver))
    org.decide(GiveKudos(b, 5, "thanks"), seller_actor(giver))
    org.ctx.now = NOW + timedelta(days=7)
    assert org.decide(GiveKudos(a, 5, "again"), seller_actor(giver)).remaining == 500


def test_kudos_round_a_ring_of_three_are_limited():
    """A→B, B→C, then C→A closes a ring: each link carries at most kudos_ring_limit (3)
    points over this week and last; thanks outside a ring, or small ones, pass."""
    org = Org()
    _, (a, b, c, d) = org.squad(4)
    org.decide(GiveKudos(b, 5, "thanks"), seller_actor(a))
    org.decide(GiveKudos(c, 5, "thanks"), seller_actor(b))
    org.decide(GiveKudos(d, 5, "thanks"), seller_actor(c))  # no ring: D gave A nothing
    org.ctx.now = NOW + timedelta(days=7)  # last week's thanks still count
    org.decide(GiveKudos(a, 2, "closing the ring, small"), seller_actor(c))
    error = org.refuse(LimitReached, GiveKudos(a, 2, "more round the ring"), seller_actor(c))
    assert "ring of three" in str(error) and "at most 1 more point" in str(error)
    assert error.extra == {"remaining": 1}  # type: ignore[attr-defined]
    org.decide(GiveKudos(a, 1, "the last of it"), seller_actor(c))
    error = org.refuse(LimitReached, GiveKudos(a, 1, "again"), seller_actor(c))
    assert "until the week after next" in str(error)
    org.decide(GiveKudos(d, 5, "outside the ring"), seller_actor(c))
    org.ctx.now = NOW + timedelta(days=14)  # the week that started it is over
    org.decide(GiveKudos(a, 3, "a new week"), seller_actor(c))


def test_a_pair_that_swaps_kudos_every_week_thanks_one_way_only():
    """Thanked each other both ways in each of the 3 weeks before: this week only one of
    the two thanks the other."""
    org = Org()
    _, (a, b) = org.squad(2)
    for week in range(3):
        org.ctx.now = NOW + timedelta(weeks=week)
        org.decide(GiveKudos(b, 2, "thanks"), seller_actor(a))
        org.decide(GiveKudos(a, 2, "thanks back"), seller_actor(b))
    org.ctx.now = NOW + timedelta(weeks=3)
    org.decide(GiveKudos(b, 2, "thanks"), seller_actor(a))
    error = org.refuse(LimitReached, GiveKudos(a, 2, "and back"), seller_actor(b))
    assert "every week for the last 3 weeks" in str(error)
    org.decide(GiveKudos(b, 2, "a one-way thank-you is fine"), seller_actor(a))
    org.ctx.now = NOW + timedelta(weeks=4)  # the week of only one-way thanks broke it
    org.decide(GiveKudos(b, 2, "thanks"), seller_actor(a))
    org.decide(GiveKudos(a, 2, "thanks back"), seller_actor(b))


def test_kudos_patterns_can_be_switched_off():
    org = Org()
    _, (a, b, c) = org.squad(3)
    org.decide(ChangePolicy({"kudos_ring_limit": 0, "kudos_swap_weeks": 0}))
    org.decide(GiveKudos(b, 5, "thanks"), seller_actor(a))
    org.decide(GiveKudos(c, 5, "thanks"), seller_actor(b))
    org.decide(GiveKudos(a, 5, "thanks"), seller_actor(c))
    org.refuse(Invalid, ChangePolicy({"kudos_swap_weeks": 6}))  # six weeks are kept


def test_mentoring_budget():
    """A manager awards at most 50 mentoring points a week; ``remaining`` counts down."""
    org = Org()
    team, (a, b) = org.squad(2)
    boss = manager_actor(org.member(team, "manager"))
    assert org.decide(AwardMentoring(a, 20, "pairing"), boss).remaining == 3000
    assert org.decide(AwardMentoring(b, 20, "pairing"), boss).remaining == 1000
    org.refuse(LimitReached, AwardMentoring(a, 20, "pairing"), boss)
    entry = org.decide(AwardMentoring(a, 10, "pairing"), boss)
    assert entry.remaining == 0 and cents(entry.entries[0]) == {(a, "mentoring"): 1000}
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 0


def test_manager_mentoring_another_team_is_refused():
    """A manager awarding mentoring points to another team's member is Forbidden."""
    org = Org()
    team, _ = org.squad(1)
    _, (stranger,) = org.squad(1)
    boss = manager_actor(org.member(team, "manager"))
    org.refuse(Forbidden, AwardMentoring(stranger, 5, "pairing"), boss)


# -- learning --------------------------------------------------------------------------------


def test_loss_review_once():
    """A lost deal's seller reviews it once for 5 learning points; twice is 409."""
    org = Org()
    _, (seller,) = org.squad(1)
    deal_id = org.deal(seller, outcome="lost").payload.deal_id  # type: ignore[union-attr]
    entry = org.decide(ReviewLoss(deal_id, ANSWERS, "qualify"), seller_actor(seller)).entries[0]
    assert cents(entry) == {(seller, "learning"): 500}
    org.refuse(Conflict, ReviewLoss(deal_id, ANSWERS), seller_actor(seller))
    # a deal the batch looked up already reviewed is refused the same way
    org.ctx.deals[50] = DealRef(50, 1, seller, 1, None, "lost", 1, "X", [], None, NOW, False, True)
    org.refuse(Conflict, ReviewLoss(50, ANSWERS), seller_actor(seller))


def test_loss_review_of_won_deal_is_conflict():
    """A loss review on a won deal is 409; on someone else's deal 403; unknown 404."""
    org = Org()
    _, (seller, mate) = org.squad(2)
    deal_id = org.deal(seller).payload.deal_id  # type: ignore[union-attr]
    org.refuse(Conflict, ReviewLoss(deal_id, ANSWERS), seller_actor(seller))
    lost_id = org.deal(seller, outcome="lost").payload.deal_id  # type: ignore[union-attr]
    org.refuse(Forbidden, ReviewLoss(lost_id, ANSWERS), seller_actor(mate))
    org.refuse(NotFound, ReviewLoss(999, ANSWERS), seller_actor(seller))
    org.refuse(Invalid, ReviewLoss(lost_id, ANSWERS[:11]), seller_actor(seller))


def test_story_once():
    """A won deal's seller posts its story once for 2 learning points; twice is 409."""
    org = Org()
    _, (seller,) = org.squad(1)
    deal_id = org.deal(seller).payload.deal_id  # type: ignore[union-attr]
    entry = org.decide(PostStory(deal_id, "We listened."), seller_actor(seller)).entries[0]
    assert cents(entry) == {(seller, "learning"): 200}
    org.refuse(Conflict, PostStory(deal_id, "Again"), seller_actor(seller))
    lost_id = org.deal(seller, outcome="lost").payload.deal_id  # type: ignore[union-attr]
    org.refuse(Conflict, PostStory(lost_id, "Lost"), seller_actor(seller))


def test_feedback_once_before_expiry():
    """A feedback link is answered once (points by rating); used 409, expired 410, unknown 404."""
    org = Org()
    _, (seller,) = org.squad(1)
    org.ctx.feedback_requests[1] = FeedbackRef(1, seller, "Acme", NOW + timedelta(days=1), False)
    org.ctx.feedback_requests[2] = FeedbackRef(2, seller, "Acme", NOW - timedelta(days=1), False)
    org.ctx.feedback_requests[3] = FeedbackRef(3, seller, "Acme", NOW + timedelta(days=1), True)
    customer = Actor("public")
    entry = org.decide(AnswerFeedback(1, 5, "great"), customer).entries[0]
    assert cents(entry) == {(seller, "feedback"): 500}
    assert org.refuse(Conflict, AnswerFeedback(1, 4), customer).extra == {"reason": "used"}  # type: ignore[attr-defined]
    assert org.refuse(Conflict, AnswerFeedback(3, 4), customer).extra == {"reason": "used"}  # type: ignore[attr-defined]
    assert org.refuse(Gone, AnswerFeedback(2, 4), customer).extra == {"reason": "expired"}  # type: ignore[attr-defined]
    assert org.refuse(NotFound, AnswerFeedback(9, 4), customer).extra == {"reason": "unknown"}  # type: ignore[attr-defined]


# -- organisation ----------------------------------------------------------------------------


def test_team_name_unique():
    """A second team with a taken name, or a rename onto it, is 409."""
    org = Org()
    org.team("Wolves")
    bears = org.team("Bears")
    org.refuse(Conflict, CreateTeam("Wolves"))
    org.refuse(Conflict, UpdateTeam(bears, {"name": "Wolves"}))
    org.decide(UpdateTeam(bears, {"name": "Otters"}))
    assert org.state.teams[bears].name == "Otters"
    org.decide(CreateTeam("Bears"))


def test_member_email_unique():
    """A member email already in use (any case) is 409, for new and updated members."""
    org = Org()
    team = org.team("Wolves")
    org.member(team, email="ann@example.com")
    other = org.member(team, email="bo@example.com")
    org.refuse(Conflict, CreateMember("Ann 2", team, "seller", " ANN@example.com "))
    org.refuse(Conflict, UpdateMember(other, {"email": "ann@example.com"}))
    org.decide(UpdateMember(other, {"email": "bob@example.com"}))
    org.member(team, email="bo@example.com")  # freed by the change


def test_overlapping_season_is_conflict():
    """A season overlapping an existing one by a single day is 409."""
    org = Org()
    org.season(date(2026, 1, 1), date(2026, 6, 30))
    org.refuse(Conflict, CreateSeason("x", date(2026, 6, 30), date(2026, 12, 31)))
    org.season(date(2026, 7, 1), date(2026, 12, 31))


def test_policy_change_applies_to_later_deals():
    """After a PolicyChanged entry is evolved, later deals score by the new policy."""
    org = Org()
    _, (seller,) = org.squad(1)
    assert cents(org.deal(seller)) == {(seller, "deals"): 6000}
    change = org.decide(ChangePolicy({"deal_points": 20, "points_per_amount": 500}))
    assert org.state.policy.deal_points == 20
    assert org.state.policy_id == change.entries[0].payload.version  # type: ignore[union-attr]
    later = org.deal(seller)
    assert cents(later) == {(seller, "deals"): 10000}  # 20 + 100, capped at 100
    assert later.policy_id == org.state.policy_id
    org.refuse(Invalid, ChangePolicy({"no_such_key": 1}))


def test_only_admins_change_the_organisation():
    """Sellers may not create teams, members, seasons or policies."""
    org = Org()
    _, (seller,) = org.squad(1)
    me = seller_actor(seller)
    for command in (
        CreateTeam("X"),
        CreateMember("X", 1, "seller"),
        CreateSeason("X", date(2030, 1, 1), date(2030, 2, 1)),
        ChangePolicy({"deal_points": 1}),
    ):
        org.refuse(Forbidden, command, me)


# -- badges ----------------------------------------------------------------------------------


def test_first_goal_badge_on_first_won_deal_of_season():
    """The season's first won deal earns first-goal; the second does not."""
    org = Org()
    org.season()
    _, (seller, mate) = org.squad(2)
    assert badges(org.deal(seller, outcome="lost")) == []
    assert (seller, "first-goal") in badges(org.deal(seller))
    assert (seller, "first-goal") not in badges(org.deal(seller))
    assert (mate, "first-goal") in badges(org.deal(mate))


def test_hat_trick_once():
    """The third won deal in a week earns hat-trick; the fourth does not earn it again."""
    org = Org()
    org.season()
    _, (seller,) = org.squad(1)
    earned = [("hat-trick" in [b for _, b in badges(org.deal(seller, 1000))]) for _ in range(5)]
    assert earned == [False, False, True, False, False]


# -- evolve and purity -----------------------------------------------------------------------


def _scenario() -> Org:
    """A bit of everything: teams, members, a season, a goal, deals, kudos, mentoring,
    learning, feedback and a policy change."""
    org = Org()
    season = org.season()
    team, (a, b, c) = org.squad(3)
    boss = org.member(team, "manager")
    org.decide(SetGoal(team, season, "deals", 3, member_targets=((a, 2),)), manager_actor(boss))
    for seller in (a, a, b, a):
        org.deal(seller, 20_000, assists=(c,))
    lost = org.deal(b, outcome="lost").payload.deal_id  # type: ignore[union-attr]
    org.decide(ReviewLoss(lost, ANSWERS), seller_actor(b))
    org.decide(GiveKudos(b, 3, "thanks", "coach"), seller_actor(a))
    org.decide(GiveKudos(a, 2, "back"), seller_actor(b))
    org.decide(AwardMentoring(c, 15, "pairing"), manager_actor(boss))
    org.ctx.feedback_requests[1] = FeedbackRef(1, a, "Acme", NOW + timedelta(days=3), False)
    org.decide(AnswerFeedback(1, 4), Actor("public"))
    org.decide(ChangePolicy({"team_goal_bonus": 30}))
    org.decide(UpdateMember(c, {"name": "Cee", "email": "c@example.com"}))
    org.decide(UpdateTeam(team, {"nickname": "The Pack"}))
    org.deal(c, 10_000)
    return org


def test_evolve_one_by_one_equals_rebuild():
    """Folding the entries one by one gives, at every step, the State rebuilt from scratch."""
    org = _scenario()
    step = State(TZ)
    for count, entry in enumerate(org.entries, start=1):
        evolve(step, entry)
        rebuilt = State(TZ)
        for earlier in org.entries[:count]:
            evolve(rebuilt, earlier)
        assert step == rebuilt, f"differs after seq {entry.seq} ({entry.kind})"
    assert step == org.state
    assert step.seq == len(org.entries)
    assert [e.seq for e in org.entries] == list(range(1, len(org.entries) + 1))
    assert step.badges and step.badge_counts and step.goals and step.kudos_weeks


def test_no_decider_mutates_its_state():
    """Every command kind, accepted or refused, leaves the given State exactly as it was."""
    org = _scenario()
    team = next(iter(org.state.teams))
    a, b, c, boss = list(org.state.members)
    season = org.state.seasons[0].id
    lost = next(e for e in org.entries if e.kind == "deal.lost").payload.deal_id  # type: ignore[union-attr]
    won = next(e for e in org.entries if e.kind == "deal.won").payload.deal_id  # type: ignore[union-attr]
    commands: list[tuple[Command, Actor]] = [
        (RecordDeal(a, "won", 90_000, "Big"), seller_actor(a)),
        (RecordDeal(a, "lost", 1, "Small"), seller_actor(a)),
        (RecordDeal(b, "won", 1, "X"), seller_actor(a)),
        (SetGoal(team, season, "revenue", 50_000, ((a, 10_000),)), ADMIN),
        (SetGoal(team, season, "deals", 9), ADMIN),
        (GiveKudos(c, 5, "thanks", "coach"), seller_actor(a)),
        (GiveKudos(a, 5, "too much"), seller_actor(b)),
        (AwardMentoring(a, 20, "pairing"), manager_actor(boss)),
        (AwardMentoring(b, 30, "pairing"), manager_actor(boss)),
        (ReviewLoss(lost, ANSWERS), seller_actor(b)),
        (PostStory(won, "story"), seller_actor(a)),
        (AnswerFeedback(1, 5), Actor("public")),
        (CreateTeam("Bears"), ADMIN),
        (UpdateTeam(team, {"name": "Bears"}), ADMIN),
        (CreateMember("New", team, "seller", "c@example.com"), ADMIN),
        (CreateMember("New", team, "seller"), ADMIN),
        (UpdateMember(a, {"team_id": team, "role": "manager"}), ADMIN),
        (CreateSeason("Next", date(2027, 1, 1), date(2027, 6, 30)), ADMIN),
        (CreateSeason("Overlap", date(2026, 6, 1), date(2027, 6, 30)), ADMIN),
        (ChangePolicy({"deal_points": 15}), ADMIN),
        (AllowanceLeft("kudos"), seller_actor(a)),
    ]
    outcomes = []
    for command, actor in commands:
        before = copy.deepcopy(org.state)
        try:
            outcomes.append(bool(decide(command, actor, org.state, org.ctx).entries))
        except HuddleError:
            outcomes.append(False)
        assert org.state == before, f"{type(command).__name__} changed the state"
    assert outcomes.count(True) >= 10 and outcomes.count(False) >= 5


def test_names_are_normalised_and_lookalikes_refused():
    """NFC, tidy spaces, no invisible or direction characters, no duplicate up to case."""
    org = Org()
    team = org.team("Wolves")
    org.refuse(Conflict, CreateTeam("WOLVES"))
    org.refuse(Conflict, CreateTeam(" wolves "))
    for sneaky in ("Wol\u200bves", "Wolves\u202e", "\ufeffBears"):
        assert "invisible" in str(org.refuse(Invalid, CreateTeam(sneaky)))
    decomposed = "A\u030ase  Berg"  # Å as A + combining ring, and a double space
    entry = org.decide(CreateMember(decomposed, team, "seller", None, date(2020, 1, 1)))
    ase = entry.entries[0].member_id or 0
    assert org.state.members[ase].name == "\u00c5se Berg"
    org.refuse(Conflict, CreateMember("åse berg", team, "seller", None, date(2020, 1, 1)))
    other = org.member(team)
    org.refuse(Conflict, UpdateMember(other, {"name": "ÅSE BERG"}))
    org.decide(UpdateMember(ase, {"name": "Åse B. Berg"}))  # renaming oneself is fine
    org.decide(UpdateMember(other, {"name": "Åse Berg"}))  # the name is free again
