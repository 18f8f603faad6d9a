"""Organisation changes in the pure core (no I/O): members who move, leave and come back,
role changes, archived teams, names, CRM owner ids and the scoring policy's keys. Uses
the Org helper of test_core_decide (decide, evolve, purity and refusal checks)."""

from __future__ import annotations

from datetime import date, timedelta

from service.core.commands import (
    AllowanceLeft,
    AnswerFeedback,
    AwardMentoring,
    ChangePolicy,
    CorrectDeal,
    CreateMember,
    CreateTeam,
    FeedbackRef,
    GiveKudos,
    ImprovementProgress,
    PostStory,
    ReviewLoss,
    SetGoal,
    UpdateMember,
    UpdateTeam,
)
from service.core.entries import Actor, Entry
from service.errors import Conflict, Forbidden, HuddleError, Invalid, NotFound
from tests.test_core_decide import NOW, Org, cents, manager_actor, seller_actor

ANSWERS = ("yes",) * 12


def _deal_id(entry: Entry) -> int:
    return entry.payload.deal_id  # type: ignore[union-attr]


def _by_team(org: Org) -> dict[tuple[int, int, str], int]:
    """(member, team, category) → hundredths over the whole ledger (zeros left out)."""
    out: dict[tuple[int, int, str], int] = {}
    for entry in org.entries:
        for a in entry.awards:
            key = (a.member_id, a.team_id, a.category)
            out[key] = out.get(key, 0) + a.cents
    return {k: v for k, v in out.items() if v}


def _gets_nothing(org: Org, command: object, actor: Actor, member: int) -> None:
    """The command is refused, or recorded without a single point for ``member``."""
    try:
        decision = org.decide(command, actor)  # type: ignore[arg-type]
    except HuddleError:
        return
    paid = [a for e in decision.entries for a in e.awards if a.member_id == member]
    assert paid == [], f"{member} got {paid}"


# -- members who move ------------------------------------------------------------------------


def test_a_member_who_moves_scores_for_the_new_team_and_leaves_earned_points_behind():
    """After a move, deals pay the new team's share and goals; what was earned stays put."""
    org = Org()
    season = org.season()
    wolves, (a, b) = org.squad(2)
    bears, (x,) = org.squad(1)
    org.decide(SetGoal(wolves, season, "deals", 10, member_targets=((a, 5),)))
    org.decide(SetGoal(bears, season, "deals", 10))
    first = org.deal(a, 50_000)
    org.decide(UpdateMember(a, {"team_id": bears}))
    assert org.state.team_member_ids(wolves) == (b,)
    assert set(org.state.team_member_ids(bears)) == {x, a}
    second = org.deal(a, 50_000)
    assert {(m.member_id, m.team_id, m.category) for m in second.awards} == {
        (a, bears, "deals"),
        (x, bears, "team_share"),
    }
    assert {(m.member_id, m.team_id) for m in first.awards} == {(a, wolves), (b, wolves)}
    goals = {g.team_id: g for g in org.state.goals.values()}
    assert (goals[wolves].value, goals[bears].value) == (100, 100)
    assert goals[wolves].members[a].value == 100  # the old team's member goal stays put


def test_fixing_a_customer_keeps_a_moved_assists_points_with_their_old_team():
    """Fixing a deal's customer moves no points, also when its assist has moved team since."""
    org = Org()
    org.season()
    _, (a, _) = org.squad(2)
    owls, (z,) = org.squad(1)
    bears, _ = org.squad(1)
    deal = org.deal(a, 50_000, assists=(z,))
    before = _by_team(org)
    assert before[(z, owls, "assists")] == 500
    org.decide(UpdateMember(z, {"team_id": bears}))
    org.decide(CorrectDeal(_deal_id(deal), customer="Acme Holding AS"))
    assert _by_team(org) == before


def test_a_member_goal_bonus_counts_for_the_team_whose_goal_it_is():
    """An old deal corrected up to a mover's member goal pays its bonus for the goal's team."""
    org = Org()
    season = org.season()
    wolves, (a, _) = org.squad(2)
    bears, _ = org.squad(1)
    org.decide(SetGoal(wolves, season, "revenue", 1_000_000, member_targets=((a, 100_000),)))
    deal = org.deal(a, 60_000)
    org.decide(UpdateMember(a, {"team_id": bears}))
    _, rescore = org.decide(CorrectDeal(_deal_id(deal), amount=120_000)).entries
    bonus = [(m.member_id, m.team_id, m.cents) for m in rescore.awards if m.category == "bonus"]
    assert bonus == [(a, wolves, 1000)]


# -- members who leave and come back ---------------------------------------------------------


def test_a_member_who_returns_is_counted_again_but_gets_nothing_for_the_time_away():
    """Back from leaving: in head counts and team share again; no bonus paid while away."""
    org = Org()
    season = org.season()
    team, (a, b, c) = org.squad(3)
    org.decide(SetGoal(team, season, "deals", 1))
    org.decide(UpdateMember(a, {"active": False}))
    assert org.state.team_member_ids(team) == (b, c)
    reached = org.deal(b, 50_000)
    assert not any(m.member_id == a for m in reached.awards)
    assert cents(reached)[(c, "bonus")] == 2500
    org.decide(UpdateMember(a, {"active": True}))
    assert org.state.team_member_ids(team) == (a, b, c)
    later = org.deal(b, 50_000)
    assert cents(later)[(a, "team_share")] == 600
    assert not any(m.category == "bonus" for m in later.awards)
    assert cents(org.deal(a, 50_000))[(a, "deals")] == 4800


def test_a_seller_who_left_earns_no_story_or_review_points():
    """A seller who has left gets nothing more: a story or loss review pays them no points."""
    org = Org()
    _, (a, _) = org.squad(2)
    won = org.deal(a, 50_000)
    lost = org.deal(a, outcome="lost")
    org.decide(UpdateMember(a, {"active": False}))
    _gets_nothing(org, PostStory(_deal_id(won), "We listened."), seller_actor(a), a)
    _gets_nothing(org, ReviewLoss(_deal_id(lost), ANSWERS), seller_actor(a), a)


def test_feedback_answered_after_the_seller_left_pays_them_nothing():
    """A customer's answer that arrives after the seller left gives the leaver no points."""
    org = Org()
    _, (a,) = org.squad(1)
    org.ctx.feedback_requests[1] = FeedbackRef(1, a, "Acme", NOW + timedelta(days=3), False)
    org.decide(UpdateMember(a, {"active": False}))
    _gets_nothing(org, AnswerFeedback(1, 5, "great"), Actor("public"), a)


def test_fixing_a_customer_after_an_assist_left_goes_ahead_and_moves_no_points():
    """A teammate who left changes nothing of a correction: fixing the customer is accepted."""
    org = Org()
    org.season()
    _, (a, _, c) = org.squad(3)
    deal = org.deal(a, 50_000, assists=(c,))
    org.decide(UpdateMember(c, {"active": False}))
    before = _by_team(org)
    org.decide(CorrectDeal(_deal_id(deal), customer="Acme Holding AS"))
    assert _by_team(org) == before


# -- roles -----------------------------------------------------------------------------------


def test_a_role_change_keeps_the_weeks_mentoring_budget_and_kudos_allowance():
    """Seller → manager → seller → manager in one week: budget and allowance stay spent."""
    org = Org()
    team, (a, b) = org.squad(2)
    boss = org.member(team, "manager")
    org.decide(AwardMentoring(a, 20, "pairing"), manager_actor(boss))
    org.decide(AwardMentoring(b, 20, "pairing"), manager_actor(boss))
    org.decide(GiveKudos(a, 4, "thanks"), manager_actor(boss))
    org.decide(UpdateMember(boss, {"role": "seller"}))
    assert org.state.members[boss].role == "seller"
    org.refuse(Forbidden, AwardMentoring(a, 1, "pairing"), seller_actor(boss))
    assert org.decide(AllowanceLeft("kudos"), seller_actor(boss)).remaining == 600
    org.decide(UpdateMember(boss, {"role": "manager"}))
    assert org.decide(AllowanceLeft("mentoring"), manager_actor(boss)).remaining == 1000
    org.refuse(HuddleError, AwardMentoring(a, 11, "pairing"), manager_actor(boss))
    org.decide(AwardMentoring(a, 10, "pairing"), manager_actor(boss))


# -- archived teams --------------------------------------------------------------------------


def test_a_team_emptied_by_moves_can_be_archived_and_takes_nobody_in():
    """Archive once no active member is left; then no member joins or moves into it."""
    org = Org()
    wolves, (a, b) = org.squad(2)
    bears, _ = org.squad(1)
    org.decide(UpdateMember(a, {"active": False}))
    error = org.refuse(Conflict, UpdateTeam(wolves, {"archived": True}))
    assert org.state.members[b].name in str(error)
    org.decide(UpdateMember(b, {"team_id": bears}))
    org.decide(UpdateTeam(wolves, {"archived": True}))
    assert org.state.teams[wolves].archived
    org.refuse(Conflict, CreateMember("Late", wolves, "seller", None, date(2020, 1, 1)))
    org.refuse(Conflict, UpdateMember(b, {"team_id": wolves}))
    org.decide(UpdateMember(a, {"team_id": bears}))  # a leaver may be moved out


def test_a_member_cannot_come_back_into_an_archived_team():
    """An archived team takes no members: bringing one back into it is 409; with a move it works."""
    org = Org()
    wolves, (a,) = org.squad(1)
    bears, _ = org.squad(1)
    org.decide(UpdateMember(a, {"active": False}))
    org.decide(UpdateTeam(wolves, {"archived": True}))
    org.refuse(Conflict, UpdateMember(a, {"active": True}))
    org.decide(UpdateMember(a, {"active": True, "team_id": bears}))
    assert org.state.team_member_ids(wolves) == ()


# -- names, joining dates and CRM owner ids --------------------------------------------------


def test_a_name_that_only_adds_an_invisible_character_is_refused():
    """No invisible characters in names: 'Anna' plus an invisible one is no second Anna."""
    org = Org()
    team = org.team("Wolves")
    org.decide(CreateMember("Anna", team, "seller", None, date(2020, 1, 1)))
    other = org.member(team)
    for sneaky in ("Anna\u2800", "Anna\ufe0f", "Anna\U000e0041"):
        org.refuse(HuddleError, CreateMember(sneaky, team, "seller", None, date(2020, 1, 1)))
        org.refuse(HuddleError, UpdateMember(other, {"name": sneaky}))
        org.refuse(HuddleError, CreateTeam(f"Wolves{sneaky[4:]}"))


def test_names_differing_only_in_case_are_the_same_also_in_greek():
    """Names that differ only in case count as the same: 'ΐλιον' and its capitals too."""
    org = Org()
    name = "\u0390\u03bb\u03b9\u03bf\u03bd"  # ΐλιον
    org.team(name)
    org.refuse(Conflict, CreateTeam(name.upper()))


def test_a_far_future_joining_date_is_refused_or_harmless():
    """A joining date in year 9999 is refused, or at least reading the member's progress works."""
    org = Org()
    team = org.team("Wolves")
    member = org.member(team)
    try:
        org.decide(UpdateMember(member, {"joined_on": date(9999, 12, 31)}))
    except Invalid:
        return
    assert org.decide(ImprovementProgress(member)).progress is not None


def test_crm_owner_ids_belong_to_one_member_per_crm():
    """An owner id is trimmed, belongs to one member per CRM, is free in other CRMs, '' frees it."""
    org = Org()
    _, (a, b) = org.squad(2)
    org.decide(UpdateMember(a, {"external_ids": {"hubspot": " 111 "}}))
    assert org.state.members[a].external_ids == {"hubspot": "111"}
    error = org.refuse(Conflict, UpdateMember(b, {"external_ids": {"hubspot": "111"}}))
    assert org.state.members[a].name in str(error)
    org.decide(UpdateMember(b, {"external_ids": {"pipedrive": "111"}}))
    org.refuse(Invalid, UpdateMember(b, {"external_ids": {"zoho": "1"}}))
    org.decide(UpdateMember(a, {"external_ids": {"hubspot": ""}}))
    org.decide(UpdateMember(b, {"external_ids": {"hubspot": "111"}}))
    assert org.state.external_ids == {("hubspot", "111"): b, ("pipedrive", "111"): b}
    org.refuse(NotFound, UpdateMember(999, {"name": "Nobody"}))


# -- the policy ------------------------------------------------------------------------------


def test_policy_values_of_a_wrong_type_or_out_of_range_are_refused():
    """Bools, strings, null, NaN, infinities, huge and negative numbers are refused; maxima pass."""
    org = Org()
    fine = {"1": 1, "2": 1, "3": 1, "4": 3, "5": 5}
    bad = [
        ("deal_points", True),
        ("deal_points", "10"),
        ("deal_points", None),
        ("deal_points", float("nan")),
        ("deal_points", float("inf")),
        ("deal_points", 10**400),
        ("assist_points", -1),
        ("team_share", 1.01),
        ("max_assists", 2.5),
        ("max_assists", 21),
        ("newcomer_days", 3651),
        ("newcomer_multiplier", 0.5),
        ("feedback_points", [1, 1, 1, 3, 5]),
        ("feedback_points", {**fine, "5": float("nan")}),
        ("feedback_points", {**fine, "5": False}),
        ("feedback_points", {**fine, "6": 9}),
        ("feedback_points", {"5": 9}),
        ("feedback_points", {**fine, "five": 5}),
    ]
    for key, value in bad:
        org.refuse(Invalid, ChangePolicy({key: value}))
    assert org.state.policy_id == 1 and org.state.policy.deal_points == 10
    org.decide(ChangePolicy({"max_assists": 20, "newcomer_days": 3650, "team_share": 1}))
    assert (org.state.policy.max_assists, org.state.policy.newcomer_days) == (20, 3650)


def test_a_key_set_to_a_whole_number_takes_a_fraction_again():
    """team_share switched off (0) can be switched back to 0.2; a multiplier of 2 back to 1.5."""
    org = Org()
    org.decide(ChangePolicy({"team_share": 0, "newcomer_multiplier": 2}))
    org.decide(ChangePolicy({"team_share": 0.2}))
    org.decide(ChangePolicy({"newcomer_multiplier": 1.5}))
    assert (org.state.policy.team_share, org.state.policy.newcomer_multiplier) == (0.2, 1.5)


def test_point_keys_take_up_to_two_decimals():
    """Points have at most 2 decimals: deal_points 12.5 and coins_per_point 0.5 are accepted."""
    org = Org()
    _, (a,) = org.squad(1)
    org.decide(ChangePolicy({"deal_points": 12.5, "coins_per_point": 0.5}))
    assert cents(org.deal(a, 0))[(a, "deals")] == 1250


def test_feedback_points_have_at_most_two_decimals():
    """Points have at most 2 decimals: a feedback_points value of 4.999 is refused."""
    org = Org()
    org.refuse(
        Invalid, ChangePolicy({"feedback_points": {"1": 1, "2": 1, "3": 1, "4": 3, "5": 4.999}})
    )
