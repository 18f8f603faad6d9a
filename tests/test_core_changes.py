"""The deciders of activities, CRM connectors, goal and season changes, mentoring
revocation and the improvement progress read, with no I/O (the Org helper of
test_core_decide: a State evolved by the decisions, a Context kept by ``note`` and
filled by hand where a batch would look things up in the database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.core.commands import (
    ActivityRef,
    AllowanceLeft,
    AwardMentoring,
    ChangeGoal,
    ChangePolicy,
    ChangeSeason,
    Context,
    CreateMember,
    CreateSeason,
    DealRef,
    DefineMetric,
    GiftRef,
    Ids,
    ImprovementProgress,
    RecordActivity,
    RemoveGoal,
    RemoveSeason,
    ReverseDeal,
    RevokeMentoring,
    SetGoal,
    SyncActivity,
    SyncDeal,
    UpdateMember,
)
from service.core.entries import Actor, Entry, GoalProgress, GoalReached, GoalReopened
from service.core.state import MetricFacts
from service.errors import Conflict, Forbidden, Invalid, NotFound
from tests.test_core_decide import NOW, Org, cents, manager_actor, seller_actor

CRM = Actor("integration")  # the connectors submit their commands as an integration
TODAY = date(2026, 11, 18)  # NOW's org-local day


def _p(entry: Entry) -> Any:
    return entry.payload


def _bonus(entry: Entry) -> dict[int, int]:
    return {m: c for (m, cat), c in cents(entry).items() if cat == "bonus"}


# -- activities ------------------------------------------------------------------------------


def test_a_metric_is_defined_by_an_admin_in_hundredths():
    """An admin defines a metric (key trimmed, points and cap to 2 decimals); others are 403."""
    org = Org()
    _, (seller,) = org.squad(1)
    entry = org.decide(DefineMetric(" calls ", "Calls made", 1.5, 10)).entries[0]
    assert entry.kind == "metric.defined" and entry.awards == ()
    assert (_p(entry).key, _p(entry).points_per_unit, _p(entry).daily_cap) == ("calls", 1.5, 10)
    assert org.state.metrics["calls"] == MetricFacts("calls", "Calls made", 150, 1000)
    org.decide(DefineMetric("demos", "Demos", 0, 0))
    org.decide(DefineMetric("meetings", "Meetings", 1000))
    assert org.state.metrics["meetings"].daily_cap is None
    for actor in (seller_actor(seller), manager_actor(seller), CRM, Actor("display")):
        org.refuse(Forbidden, DefineMetric("emails", "Emails", 1), actor)


def test_metric_refusals():
    """A taken key is 409; a bad key, blank name, points outside 0..1000 or cap < 0 Invalid."""
    org = Org()
    org.decide(DefineMetric("calls", "Calls made", 1))
    org.refuse(Conflict, DefineMetric("calls", "Calls again", 2))
    org.refuse(Conflict, DefineMetric(" calls", "Calls again", 2))
    for key in ("Calls", "1calls", "ca lls", "", "c" * 41):
        assert "key must be" in str(org.refuse(Invalid, DefineMetric(key, "X", 1)))
    org.refuse(Invalid, DefineMetric("demos", "  ", 1))
    for points in (-0.01, 1000.01, float("nan")):
        org.refuse(Invalid, DefineMetric("demos", "Demos", points))
    org.refuse(Invalid, DefineMetric("demos", "Demos", 1, -0.01))
    assert list(org.state.metrics) == ["calls"]


def test_activity_points_per_unit_under_the_daily_cap():
    """Points per unit up to the daily cap per org-local day; units past it still count."""
    org = Org()
    _, (a, b) = org.squad(2)
    org.decide(DefineMetric("calls", "Calls made", 1.5, 10))
    me = seller_actor(a)
    first = org.decide(RecordActivity("calls", value=4), me).entries[0]
    assert first.kind == "activity" and first.member_id == a
    assert cents(first) == {(a, "activity"): 600} and _p(first).day == TODAY
    assert cents(org.decide(RecordActivity("calls", value=4), me).entries[0]) == {
        (a, "activity"): 400
    }
    capped = org.decide(RecordActivity("calls", value=4), me).entries[0]
    assert capped.awards == () and (_p(capped).value, _p(capped).points) == (4, 0)
    # 23:30 UTC on the 17th is already the 18th in Oslo: today's cap, used up
    late = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    assert org.decide(RecordActivity("calls", occurred_at=late), me).entries[0].awards == ()
    # 22:30 UTC is 23:30 in Oslo on the 17th: a day of its own
    yesterday = datetime(2026, 11, 17, 22, 30, tzinfo=UTC)
    entry = org.decide(RecordActivity("calls", value=2, occurred_at=yesterday), me).entries[0]
    assert cents(entry) == {(a, "activity"): 300} and _p(entry).day == date(2026, 11, 17)
    # b earned 8 today in an earlier batch (looked up from the database): 2 are left
    org.ctx.activity_used[(b, "calls", TODAY)] = 800
    entry = org.decide(RecordActivity("calls", value=4), seller_actor(b)).entries[0]
    assert cents(entry) == {(b, "activity"): 200}


def test_the_same_activity_external_id_replays_the_first():
    """The same external_id answers with the first activity and appends nothing."""
    org = Org()
    _, (a,) = org.squad(1)
    org.decide(DefineMetric("calls", "Calls made", 1, 10))
    first = org.decide(RecordActivity("calls", a, value=4, external_id="dialer-1"), CRM)
    again = org.decide(RecordActivity("calls", a, value=9, external_id="dialer-1"), CRM)
    assert again.entries == [] and isinstance(again.replay, ActivityRef)
    assert again.replay.id == _p(first.entries[0]).activity_id
    assert (again.replay.value, again.replay.points) == (4, 4)
    ref = ActivityRef(77, 3, a, "calls", 2, 2, "dialer-old")
    org.ctx.activities_by_external["dialer-old"] = ref
    assert org.decide(RecordActivity("calls", a, external_id="dialer-old"), CRM).replay is ref
    # the replays spent none of the cap: 6 of today's 10 are left
    assert cents(org.decide(RecordActivity("calls", a, value=6), CRM).entries[0]) == {
        (a, "activity"): 600
    }


def test_who_may_log_an_activity():
    """Sellers log their own, managers their team's, integrations anyone's; others 403."""
    org = Org()
    team, (a, b) = org.squad(2)
    _, (stranger,) = org.squad(1)
    boss = manager_actor(org.member(team, "manager"))
    org.decide(UpdateMember(b, {"email": "bo@example.com"}))
    org.decide(DefineMetric("calls", "Calls made", 1))
    assert org.decide(RecordActivity("calls"), seller_actor(a)).entries[0].member_id == a
    assert org.decide(RecordActivity("calls", b), boss).entries[0].member_id == b
    by_email = RecordActivity("calls", member_email=" BO@Example.com ")
    assert org.decide(by_email, CRM).entries[0].member_id == b
    org.refuse(Forbidden, RecordActivity("calls", b), seller_actor(a))
    org.refuse(Forbidden, RecordActivity("calls", member_email="bo@example.com"), seller_actor(a))
    org.refuse(Forbidden, RecordActivity("calls", stranger), boss)
    org.refuse(Forbidden, RecordActivity("calls", a), Actor("display"))
    assert "Name the member" in str(org.refuse(Invalid, RecordActivity("calls")))


def test_activity_refusals():
    """Unknown metric, member or email 404; a leaver 409; a bad value or time Invalid."""
    org = Org()
    _, (a, gone) = org.squad(2)
    org.decide(DefineMetric("calls", "Calls made", 1))
    org.decide(UpdateMember(gone, {"active": False}))
    assert "metrics: calls" in str(org.refuse(NotFound, RecordActivity("demos", a)))
    org.refuse(NotFound, RecordActivity("calls", 999))
    org.refuse(NotFound, RecordActivity("calls", member_email="who@example.com"))
    org.refuse(Conflict, RecordActivity("calls", gone))
    for value in (0, -1, 1.5, 10_001):
        org.refuse(Invalid, RecordActivity("calls", a, value=value))
    for at in (
        datetime(2026, 11, 18, 9, 0),  # no offset
        NOW + timedelta(hours=1),
        datetime(1969, 12, 31, tzinfo=UTC),
    ):
        org.refuse(Invalid, RecordActivity("calls", a, occurred_at=at))
    org.decide(RecordActivity("calls", a, value=10_000, occurred_at=NOW + timedelta(minutes=1)))


# -- CRM connectors --------------------------------------------------------------------------


def _crm_org() -> tuple[Org, int, int, int]:
    """A season and a team of three: a is HubSpot owner 111, b is 222, c has an email."""
    org = Org()
    org.season()
    team, (a, b) = org.squad(2)
    c = org.member(team, email="cy@example.com")
    org.decide(UpdateMember(a, {"external_ids": {"hubspot": "111", "pipedrive": "p1"}}))
    org.decide(UpdateMember(b, {"external_ids": {"hubspot": "222"}}))
    return org, a, b, c


def _won(amount: float = 20_000, owner: str | None = "111", **more: Any) -> SyncDeal:
    return SyncDeal("hubspot", "hubspot:9", "won", owner, amount=amount, **more)


def test_a_crm_won_deal_scores_for_its_owner_once():
    """A CRM's won deal scores once for its owner's member; the same update adds nothing."""
    org, a, b, c = _crm_org()
    entry = org.decide(_won(), CRM).entries[0]  # 20 000: 30 points, 24 kept, 3 to each mate
    assert entry.kind == "deal.won" and entry.member_id == a
    assert cents(entry) == {(a, "deals"): 2400, (b, "team_share"): 300, (c, "team_share"): 300}
    assert (_p(entry).customer, _p(entry).external_id) == ("HubSpot deal 9", "hubspot:9")
    for again in (_won(), _won(customer="Acme AS")):
        decision = org.decide(again, CRM)
        assert decision.entries == [] and decision.replay is not None
        assert decision.replay.id == _p(entry).deal_id
    # no owner id mapped: found by the owner's email (trimmed, any case)
    by_email = SyncDeal("hubspot", "hubspot:10", "won", "999", " CY@example.com", 1_000)
    assert org.decide(by_email, CRM).entries[0].member_id == c


def test_a_crm_deal_reopened_is_reversed_and_won_again_scores_once():
    """Re-opened after won, a deal is reversed; won again, it scores again: once in all."""
    org, a, b, c = _crm_org()
    won = org.decide(_won(), CRM).entries[0]
    deal_id = _p(won).deal_id
    reopen = SyncDeal("hubspot", "hubspot:9", "open", "111")
    (reversal,) = org.decide(reopen, CRM).entries
    assert reversal.kind == "deal.reversed" and _p(reversal).deal_id == deal_id
    assert "re-opened in HubSpot" in _p(reversal).reason
    assert cents(reversal) == {k: -v for k, v in cents(won).items()}
    assert org.decide(reopen, CRM).entries == []
    (rescored,) = org.decide(_won(), CRM).entries
    assert rescored.kind == "deal.won" and _p(rescored).deal_id == deal_id
    assert _p(rescored).rescores == reversal.seq and cents(rescored) == cents(won)
    assert org.decide(_won(), CRM).entries == []
    total = sum(x.cents for e in org.entries for x in e.awards if e.kind.startswith("deal."))
    assert total == 3000  # 30 points, counted once
    # open for a deal never recorded: nothing to take back
    never = org.decide(SyncDeal("hubspot", "hubspot:404", "open", "111"), CRM)
    assert never.entries == [] and never.replay is None


def test_a_crm_deal_that_changes_is_corrected_by_the_difference():
    """Lost after won, a new amount or mapped owner is a correction; an unknown owner is not."""
    org, a, b, c = _crm_org()
    deal_id = _p(org.decide(_won(), CRM).entries[0]).deal_id
    reversal, rescore = org.decide(_won(30_000), CRM).entries  # 40 points now
    assert (reversal.kind, rescore.kind) == ("deal.reversed", "deal.won")
    assert _p(rescore).deal_id == deal_id and _p(rescore).rescores == reversal.seq
    assert cents(rescore) == {(a, "deals"): 3200, (b, "team_share"): 400, (c, "team_share"): 400}
    unmapped = org.decide(_won(30_000, owner="999"), CRM)
    assert unmapped.entries == [] and unmapped.replay is not None
    assert unmapped.replay.seller_id == a
    _, moved = org.decide(_won(30_000, owner="222"), CRM).entries
    assert moved.member_id == b and cents(moved)[(b, "deals")] == 3200
    reversal, lost = org.decide(SyncDeal("hubspot", "hubspot:9", "lost", "222"), CRM).entries
    assert lost.kind == "deal.lost" and lost.awards == () and _p(lost).deal_id == deal_id
    assert cents(reversal) == {k: -v for k, v in cents(moved).items()}
    assert sum(x.cents for e in org.entries for x in e.awards) == 0


def test_a_crm_deal_in_another_currency_is_compared_in_that_currency():
    """A deal in another currency changes only when its amount in that currency does."""
    org, a, b, c = _crm_org()

    def eur(original: float, converted: float) -> SyncDeal:
        return SyncDeal(
            "pipedrive", "pipedrive:4", "won", "p1", None, converted, None, None, original, "EUR"
        )

    first = org.decide(eur(1_000, 11_700), CRM).entries[0]
    assert cents(first) == {(a, "deals"): 1680, (b, "team_share"): 210, (c, "team_share"): 210}
    assert (_p(first).original_amount, _p(first).currency) == (1_000, "EUR")
    assert org.decide(eur(1_000, 12_000), CRM).entries == []
    _, rescore = org.decide(eur(1_100, 12_870), CRM).entries
    assert (_p(rescore).amount, _p(rescore).original_amount) == (12_870, 1_100)
    assert cents(rescore)[(a, "deals")] == 1760


def test_crm_deal_refusals():
    """An unmapped owner is 404 (owner ids per CRM); a bad status or future close Invalid."""
    org, a, b, c = _crm_org()
    error = org.refuse(NotFound, SyncDeal("hubspot", "hubspot:1", "won", "999", None, 5))
    assert "HubSpot owner id 999" in str(error) and "replay" in str(error)
    org.refuse(NotFound, SyncDeal("hubspot", "hubspot:1", "won", "999", "no@example.com", 5))
    # a's HubSpot id means nothing to Pipedrive
    error = org.refuse(NotFound, SyncDeal("pipedrive", "pipedrive:1", "won", "111", None, 5))
    assert "Pipedrive owner id 111" in str(error)
    org.refuse(Invalid, SyncDeal("hubspot", "hubspot:1", "pending", "111", None, 5))
    later = NOW + timedelta(hours=1)
    org.refuse(Invalid, SyncDeal("hubspot", "hubspot:1", "won", "111", None, 5, closed_at=later))
    org.refuse(Forbidden, SyncDeal("hubspot", "hubspot:1", "won", "111", None, 5), Actor("display"))


def test_a_crm_deal_reopened_and_won_in_one_batch_scores_again():
    """Re-opened then won in one batch, a CRM deal scores again, as across two batches."""
    org, a, b, c = _crm_org()
    won = org.decide(_won(), CRM).entries[0]
    org.ctx = Context(NOW, Ids(org.state.last_ids))  # the next batch
    org.ctx.deals_by_external["hubspot:9"] = DealRef.of(won)  # type: ignore[assignment]
    org.ctx.deals[_p(won).deal_id] = DealRef.of(won)  # type: ignore[assignment]
    (reversal,) = org.decide(SyncDeal("hubspot", "hubspot:9", "open", "111"), CRM).entries
    again = org.decide(_won(), CRM).entries
    assert [e.kind for e in again] == ["deal.won"] and _p(again[0]).rescores == reversal.seq


def test_a_crm_activity_counts_for_its_owner_once():
    """A done CRM activity counts once for its owner's member, under the metric's cap."""
    org, a, b, c = _crm_org()
    org.decide(DefineMetric("meetings", "Meetings booked", 5, 8))
    first = org.decide(SyncActivity("hubspot", "hubspot:m1", "meetings", "111"), CRM).entries[0]
    assert first.member_id == a and cents(first) == {(a, "activity"): 500}
    again = org.decide(SyncActivity("hubspot", "hubspot:m1", "meetings", "111"), CRM)
    assert again.entries == [] and again.replay is not None
    assert again.replay.id == _p(first).activity_id
    second = org.decide(SyncActivity("hubspot", "hubspot:m2", "meetings", "111"), CRM)
    assert cents(second.entries[0]) == {(a, "activity"): 300}  # 8 a day
    by_email = SyncActivity("hubspot", "hubspot:m3", "meetings", None, "CY@example.com")
    assert org.decide(by_email, CRM).entries[0].member_id == c
    org.refuse(NotFound, SyncActivity("hubspot", "hubspot:c1", "calls", "111"))
    org.refuse(NotFound, SyncActivity("hubspot", "hubspot:m4", "meetings", "999"))


# -- goals -----------------------------------------------------------------------------------


def test_changing_a_goal_pays_when_reached_and_keeps_what_was_paid():
    """A new target pays a goal it reaches, once; a bonus paid stays when the target rises."""
    org = Org()
    season = org.season()
    team, (a, b) = org.squad(2)
    manager = org.member(team, "manager")
    boss = manager_actor(manager)
    org.ctx.won_deals[(team, season)] = []  # looked up by the batch, kept by ``note``
    goal = _p(org.decide(SetGoal(team, season, "deals", 3), boss).entries[0]).goal_id
    org.deal(a, 1_000)
    org.deal(a, 1_000)
    # lowered to the 2 deals won, with a new member goal of 2 for a (from the won deals)
    entry = org.decide(ChangeGoal(goal, 2, ((a, 2),)), boss).entries[0]
    assert entry.kind == "goal.changed"
    assert _bonus(entry) == {a: 3500, b: 2500, manager: 2500}
    progress = [(e.member_id, e.value) for e in entry.events if isinstance(e, GoalProgress)]
    assert progress == [(a, 2)]
    reached = [(e.scope, e.member_id) for e in entry.events if isinstance(e, GoalReached)]
    assert reached == [("team", None), ("member", a)]
    raised = org.decide(ChangeGoal(goal, target=10), boss).entries[0]  # nothing taken back
    assert raised.awards == () and not any(isinstance(e, GoalReopened) for e in raised.events)
    state = org.state.goals[goal]
    assert (state.target, state.value, state.reached) == (1000, 200, True)
    assert (state.members[a].target, state.members[a].value) == (200, 200)  # kept as it was
    assert org.decide(ChangeGoal(goal, target=2), boss).entries[0].awards == ()  # not twice


def test_goal_change_refusals():
    """Only the team's manager or an admin changes a goal; unknown 404; bad targets Invalid."""
    org = Org()
    season = org.season()
    team, (a, b) = org.squad(2)
    other, (stranger,) = org.squad(1)
    other_boss = manager_actor(org.member(other, "manager"))
    goal = _p(org.decide(SetGoal(team, season, "revenue", 10_000)).entries[0]).goal_id
    org.refuse(Forbidden, ChangeGoal(goal, 5_000), seller_actor(a))
    org.refuse(Forbidden, ChangeGoal(goal, 5_000), other_boss)
    org.refuse(Forbidden, ChangeGoal(goal, 5_000), CRM)
    org.refuse(NotFound, ChangeGoal(999, 5_000))
    org.refuse(Invalid, ChangeGoal(goal))
    org.refuse(Invalid, ChangeGoal(goal, 0.004))
    org.refuse(Invalid, ChangeGoal(goal, member_targets=((a, 0.004),)))
    org.refuse(Invalid, ChangeGoal(goal, member_targets=((stranger, 100),)))
    org.refuse(Invalid, ChangeGoal(goal, member_targets=((999, 100),)))
    org.refuse(Invalid, ChangeGoal(goal, member_targets=((a, 100), (a, 200))))
    assert org.state.goals[goal].target == 1_000_000


def test_removing_a_goal_takes_back_every_bonus_it_paid():
    """Removing a goal takes back every bonus it paid (team and member goals); twice 404."""
    org = Org()
    season = org.season()
    team, (a, b) = org.squad(2)
    manager = org.member(team, "manager")
    other, _ = org.squad(1)
    other_boss = manager_actor(org.member(other, "manager"))
    command = SetGoal(team, season, "revenue", 1_000, ((a, 500),))
    goal = _p(org.decide(command).entries[0]).goal_id
    assert _bonus(org.deal(a, 2_000)) == {a: 3500, b: 2500, manager: 2500}
    org.refuse(Forbidden, RemoveGoal(goal), seller_actor(a))
    org.refuse(Forbidden, RemoveGoal(goal), other_boss)
    entry = org.decide(RemoveGoal(goal, "  "), manager_actor(manager)).entries[0]
    assert entry.kind == "goal.removed" and _p(entry).reason is None
    assert _bonus(entry) == {a: -3500, b: -2500, manager: -2500}
    assert goal not in org.state.goals
    org.refuse(NotFound, RemoveGoal(goal))
    unreached = _p(org.decide(SetGoal(team, season, "deals", 5)).entries[0]).goal_id
    assert org.decide(RemoveGoal(unreached, "too high")).entries[0].awards == ()


def test_a_member_goal_dropped_and_added_back_does_not_pay_twice():
    """A member goal's bonus is paid once: dropped, it is taken back (like a goal
    removed); added back and reached, it is paid again, so never more than once in all."""
    org = Org()
    season = org.season()
    team, (a, _) = org.squad(2)
    boss = manager_actor(org.member(team, "manager"))
    org.ctx.won_deals[(team, season)] = []
    goal = _p(org.decide(SetGoal(team, season, "deals", 10, ((a, 1),)), boss).entries[0]).goal_id
    assert _bonus(org.deal(a, 1_000)) == {a: 1000}
    for _ in range(2):
        org.decide(ChangeGoal(goal, member_targets=()), boss)
        org.decide(ChangeGoal(goal, member_targets=((a, 1),)), boss)
    assert sum(_bonus(e).get(a, 0) for e in org.entries) == 1000


def test_a_member_who_left_does_not_block_a_target_change():
    """Changing only the target keeps the member goals as they are, a leaver's too."""
    org = Org()
    season = org.season()
    team, (a, b) = org.squad(2)
    goal = _p(org.decide(SetGoal(team, season, "deals", 5, ((b, 2),))).entries[0]).goal_id
    org.decide(UpdateMember(b, {"active": False}))
    org.decide(ChangeGoal(goal, target=9))
    assert org.state.goals[goal].target == 900


# -- seasons ---------------------------------------------------------------------------------


def test_changing_a_season_keeps_what_counted_in_it_covered():
    """New season dates keep covering what counted in it and overlap no season; admins only."""
    org = Org()
    season = org.season(date(2026, 1, 1), date(2026, 12, 31))
    org.decide(CreateSeason("2027", date(2027, 1, 1), date(2027, 12, 31)))
    _, (a,) = org.squad(1)
    org.deal(a, 1_000, closed_at=datetime(2026, 3, 1, 12, tzinfo=UTC))
    org.deal(a, 1_000)  # NOW: 2026-11-18
    entry = org.decide(ChangeSeason(season, name=" Year 26 ")).entries[0]
    assert entry.kind == "season.changed" and entry.season_id is None
    assert _p(entry).was == ("2026", date(2026, 1, 1), date(2026, 12, 31))
    assert org.decide(ChangeSeason(season, name="Year 26")).entries == []
    org.decide(ChangeSeason(season, starts_on=date(2026, 3, 1), ends_on=TODAY))
    assert org.state.seasons[0].starts_on == date(2026, 3, 1)
    assert org.state.seasons[0].ends_on == TODAY and org.state.season_names[season] == "Year 26"
    for start, end in ((date(2026, 3, 2), None), (None, date(2026, 11, 17))):
        error = org.refuse(Conflict, ChangeSeason(season, starts_on=start, ends_on=end))
        assert "from 2026-03-01 to 2026-11-18" in str(error)
    assert "overlap" in str(org.refuse(Conflict, ChangeSeason(season, ends_on=date(2027, 1, 1))))
    org.refuse(Invalid, ChangeSeason(season, ends_on=date(2026, 2, 1)))
    org.refuse(Invalid, ChangeSeason(season, name="  "))
    org.refuse(Invalid, ChangeSeason(season, starts_on=date(1969, 12, 31)))
    org.refuse(NotFound, ChangeSeason(999, name="x"))
    org.refuse(Forbidden, ChangeSeason(season, name="Mine"), manager_actor(a))
    org.decide(ChangeSeason(season, ends_on=date(2026, 12, 31)))  # extended again


def test_a_season_never_takes_in_points_that_count_in_no_season():
    """A season may not move over a day whose points were recorded in no season."""
    org = Org()
    _, (a,) = org.squad(1)
    org.deal(a, 1_000, closed_at=datetime(2025, 6, 1, 12, tzinfo=UTC))
    season = org.season(date(2026, 1, 1), date(2026, 12, 31))
    error = org.refuse(Conflict, ChangeSeason(season, starts_on=date(2025, 1, 1)))
    assert "2025-06-01" in str(error)
    org.decide(ChangeSeason(season, starts_on=date(2025, 6, 2)))


def test_removing_a_season_only_without_history_or_goals():
    """Only a season with no history and no goal is removed; a removed goal is history."""
    org = Org()
    now = org.season(date(2026, 1, 1), date(2026, 12, 31))
    future = _p(org.decide(CreateSeason("2030", date(2030, 1, 1), date(2030, 3, 31))).entries[0])
    ahead = _p(org.decide(CreateSeason("2031", date(2031, 1, 1), date(2031, 3, 31))).entries[0])
    team, (a,) = org.squad(1)
    org.deal(a, 1_000)
    org.refuse(Forbidden, RemoveSeason(future.season_id), seller_actor(a))
    entry = org.decide(RemoveSeason(future.season_id)).entries[0]
    assert entry.kind == "season.removed" and _p(entry).name == "2030"
    assert [s.id for s in org.state.seasons] == [now, ahead.season_id]
    org.refuse(NotFound, RemoveSeason(future.season_id))
    assert "close it" in str(org.refuse(Conflict, RemoveSeason(now)))
    goal = _p(org.decide(SetGoal(team, ahead.season_id, "deals", 3)).entries[0]).goal_id
    assert "goal(s) belong" in str(org.refuse(Conflict, RemoveSeason(ahead.season_id)))
    org.decide(RemoveGoal(goal))
    assert "recorded in '2031'" in str(org.refuse(Conflict, RemoveSeason(ahead.season_id)))


# -- revoking mentoring ----------------------------------------------------------------------


def _gift(entry: Entry, gift_id: int, giver: int | None) -> GiftRef:
    """Recorded mentoring as a batch looks it up for a revocation."""
    p = _p(entry)
    return GiftRef(
        gift_id,
        entry.seq,
        giver,
        p.member_id,
        sum(a.cents for a in entry.awards),
        entry.week,
        entry.season_id,
        awards=list(entry.awards),
    )


def test_revoking_mentoring_takes_the_points_and_gives_the_budget_back():
    """Revoking mentoring (admin) takes the points back and restores this week's budget."""
    org = Org()
    org.season()
    team, (a,) = org.squad(1)
    manager = org.member(team, "manager")
    boss = manager_actor(manager)
    award = org.decide(AwardMentoring(a, 20, "pairing"), boss)
    assert award.remaining == 3000
    org.ctx.mentoring[1] = _gift(award.entries[0], 1, manager)
    org.refuse(Forbidden, RevokeMentoring(1), boss)
    org.refuse(NotFound, RevokeMentoring(2))
    entry = org.decide(RevokeMentoring(1, " by mistake ")).entries[0]
    assert entry.kind == "mentoring.revoked" and cents(entry) == {(a, "mentoring"): -2000}
    p = _p(entry)
    assert (p.reason, p.reverses, p.week, p.awarded_by_member_id) == (
        "by mistake",
        award.entries[0].seq,
        "2026-W47",
        manager,
    )
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 5000
    assert "already revoked" in str(org.refuse(Conflict, RevokeMentoring(1)))


def test_revoking_last_weeks_mentoring_leaves_this_weeks_budget():
    """Revoking last week's mentoring takes its points back; this week's budget stays spent."""
    org = Org()
    org.season()
    team, (a,) = org.squad(1)
    manager = org.member(team, "manager")
    boss = manager_actor(manager)
    org.ctx.now = NOW - timedelta(days=7)
    old = org.decide(AwardMentoring(a, 20, "pairing"), boss).entries[0]
    assert old.week == "2026-W46"
    org.ctx.now = NOW
    assert org.decide(AwardMentoring(a, 20, "demo"), boss).remaining == 3000
    org.ctx.mentoring[1] = _gift(old, 1, manager)
    entry = org.decide(RevokeMentoring(1)).entries[0]
    assert cents(entry) == {(a, "mentoring"): -2000} and _p(entry).week == "2026-W46"
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 3000


# -- improvement progress --------------------------------------------------------------------


def test_improvement_progress_counts_this_week_against_the_last():
    """A newcomer's progress: own points this week against last week's plus the margin."""
    org = Org()
    org.season()
    team, _ = org.squad(1)
    new = org.decide(CreateMember("New", team, "seller", None, date(2026, 11, 2)))
    member = new.entries[0].member_id or 0
    org.deal(member, 10_000, closed_at=datetime(2026, 11, 10, 10, tzinfo=UTC))  # keeps 24
    read = org.decide(ImprovementProgress(member), Actor("display"))
    assert read.entries == [] and read.progress is not None
    p = read.progress
    assert (p.week, p.eligible, p.reason, p.earned) == ("2026-W47", True, None, False)
    assert (p.points, p.baseline, p.target, p.needed, p.bonus) == (0, 24, 34, 34, 10)
    org.deal(member, 10_000)
    p = org.decide(ImprovementProgress(member), seller_actor(member)).progress
    assert p is not None and (p.points, p.needed, p.earned) == (24, 10, False)
    org.deal(member, 10_000)
    p = org.decide(ImprovementProgress(member), CRM).progress
    assert p is not None and (p.points, p.needed, p.earned) == (48, 0, True)
    org.refuse(NotFound, ImprovementProgress(999))


def test_improvement_progress_says_why_a_member_is_not_eligible():
    """Progress says why a member is not eligible: new, veteran, left, or switched off."""
    org = Org()
    org.season()
    team, (veteran,) = org.squad(1)

    def joined(on: date) -> int:
        command = CreateMember(f"New {len(org.entries)}", team, "seller", None, on)
        return org.decide(command).entries[0].member_id or 0

    def reason(member: int) -> str:
        p = org.decide(ImprovementProgress(member)).progress
        assert p is not None and not p.eligible and p.reason
        return p.reason

    fresh, leaver = joined(date(2026, 11, 16)), joined(date(2026, 11, 2))
    assert "joined last week or this one" in reason(fresh)
    assert "no longer a newcomer (after 90 days)" in reason(veteran)
    org.decide(UpdateMember(leaver, {"active": False}))
    assert "has left" in reason(leaver)
    org.decide(ChangePolicy({"improvement_bonus": 0}))
    assert "switched off" in reason(joined(date(2026, 11, 2)))


def test_a_reversal_today_of_a_deal_in_no_season_leaves_today_free_for_a_season():
    """A deal closed when no season ran, reversed today: the take-back counts on the day
    the deal closed, so a season may still be created over today."""
    org = Org()
    _, (a,) = org.squad(1)
    deal = org.deal(a, 10_000, closed_at=NOW - timedelta(days=60))
    org.decide(ReverseDeal(deal.payload.deal_id, "entered by mistake"))  # type: ignore[union-attr]
    org.decide(
        CreateSeason("Q4", (NOW - timedelta(days=30)).date(), (NOW + timedelta(days=30)).date())
    )
    org.refuse(
        Conflict,
        CreateSeason("Old", (NOW - timedelta(days=61)).date(), (NOW - timedelta(days=59)).date()),
    )
