"""The improvement bonus of the pure core (service/core/improvement.py), with no I/O: a
newcomer who beats their own points of the week before by the policy's margin earns a
bonus once that week; a correction below the line takes it back. Weeks here: W45 starts
Monday 2026-11-02, W46 on 11-09, W47 (now: Wednesday 11-18) on 11-16."""

from __future__ import annotations

from datetime import UTC, date, datetime

from service.core.commands import (
    ChangePolicy,
    CreateMember,
    GiftRef,
    GiveKudos,
    ReverseDeal,
    RevokeKudos,
)
from service.core.entries import Entry, Improved, ImprovementRevoked
from service.core.evolve import evolve
from service.core.improvement import qualifies
from service.core.state import MemberFacts, State
from tests.test_core_decide import TZ, Org, cents, seller_actor

W45 = datetime(2026, 11, 3, 10, tzinfo=UTC)
W46 = datetime(2026, 11, 10, 10, tzinfo=UTC)


def _newcomer(org: Org, team: int, joined: date = date(2026, 11, 2)) -> int:
    command = CreateMember(f"New {len(org.entries)}", team, "seller", None, joined)
    return org.decide(command).entries[0].member_id or 0


def _improved(entry: Entry) -> list[Improved]:
    return [e for e in entry.events if isinstance(e, Improved)]


def _bonus(entry: Entry, member: int) -> int:
    return cents(entry).get((member, "bonus"), 0)


def test_a_newcomer_who_beats_last_week_earns_the_bonus_once():
    """W45 is the week they joined in (no full week before it: no bonus); W46 (24 own
    points) does not beat W45 (24) by 10; W47 does (72 ≥ 34), once."""
    org = Org()
    org.season()
    team, (veteran,) = org.squad(1)
    new = _newcomer(org, team)
    first = org.deal(new, 10_000, closed_at=W45)  # 20 × 1.5 = 30, 6 to the teammate
    assert cents(first)[(new, "deals")] == 2400 and not _improved(first)
    same = org.deal(new, 10_000, closed_at=W46)
    assert not _improved(same) and _bonus(same, new) == 0
    better = org.deal(new, 50_000)  # 90 points, keeps 72
    (event,) = _improved(better)
    assert (event.member_id, event.week, event.points, event.baseline) == (
        new,
        "2026-W47",
        72,
        24,
    )
    assert _bonus(better, new) == 1000 and better.names[new] == event.name
    again = org.deal(new, 50_000)
    assert not _improved(again) and _bonus(again, new) == 0
    # the veteran's team share is not theirs, and they are no newcomer anyway
    assert not any(e.member_id == veteran for x in org.entries for e in _improved(x))


def test_own_points_leave_out_team_share_and_bonuses_and_count_kudos():
    """Team share from a teammate's deal is not what the newcomer did: it never earns
    the bonus; kudos they receive are."""
    org = Org()
    org.season()
    team, (veteran, giver) = org.squad(2)
    new = _newcomer(org, team)
    share = org.deal(veteran, 1_000_000)  # 100 points: 10 each to two teammates
    assert cents(share)[(new, "team_share")] > 0 and not _improved(share)
    org.decide(GiveKudos(new, 5, "thanks"), seller_actor(giver))
    kudos = org.decide(GiveKudos(new, 5, "thanks again"), seller_actor(veteran)).entries[0]
    (event,) = _improved(kudos)
    assert (event.points, event.baseline) == (10, 0) and _bonus(kudos, new) == 1000


def test_a_correction_below_the_line_takes_the_bonus_back_and_beating_it_again_pays():
    org = Org()
    org.season()
    team, _ = org.squad(1)
    new = _newcomer(org, team)
    w46 = org.deal(new, 10_000, closed_at=W46)  # W46: 24, 14 over W45 (joined on its Monday)
    assert _improved(w46)
    small = org.deal(new, 10_000)  # W47: 24, not yet 34
    big = org.deal(new, 10_000)  # W47: 48: the bonus
    assert _improved(big) and not _improved(small)
    # taking back one of the week's deals leaves 24: below 34, the bonus goes with it
    reversal = org.decide(ReverseDeal(big.payload.deal_id, "entered twice")).entries[0]  # type: ignore[union-attr]
    assert [type(e) for e in reversal.events if isinstance(e, ImprovementRevoked)] == [
        ImprovementRevoked
    ]
    assert _bonus(reversal, new) == -1000
    assert list(org.state.improved) == [(new, date(2026, 11, 9))]  # W46's stays
    # a reversal that leaves the week still above the line takes nothing back
    redo = org.deal(new, 10_000)
    assert _improved(redo)
    org.deal(new, 10_000)
    keep = org.decide(ReverseDeal(small.payload.deal_id, "wrong customer")).entries[0]  # type: ignore[union-attr]
    assert not [e for e in keep.events if isinstance(e, ImprovementRevoked)]
    assert _bonus(keep, new) == 0


def test_revoked_kudos_count_in_the_week_they_were_given():
    org = Org()
    org.season()
    team, (giver, other) = org.squad(2)
    new = _newcomer(org, team)
    gift = org.decide(GiveKudos(new, 5, "thanks"), seller_actor(giver)).entries[0]
    second = org.decide(GiveKudos(new, 5, "thanks too"), seller_actor(other)).entries[0]
    assert _improved(second)  # 10: 10 over W46's nothing
    org.ctx.kudos[1] = GiftRef(
        1, gift.seq, giver, new, 500, gift.week, None, None, None, list(gift.awards)
    )
    revoked = org.decide(RevokeKudos(1, "by mistake")).entries[0]
    assert [e.week for e in revoked.events if isinstance(e, ImprovementRevoked)] == ["2026-W47"]
    assert _bonus(revoked, new) == -1000
    assert org.state.own_weeks[(new, date(2026, 11, 16))] == 500 and not org.state.improved


def test_the_policy_switches_it_off_and_sets_the_margin():
    org = Org()
    org.season()
    team, _ = org.squad(1)
    new = _newcomer(org, team)
    org.decide(ChangePolicy({"improvement_bonus": 0}))
    assert not _improved(org.deal(new, 50_000))
    org = Org()
    org.season()
    team, _ = org.squad(1)
    new = _newcomer(org, team)
    org.decide(ChangePolicy({"improvement_min_gain": 100}))
    assert not _improved(org.deal(new, 50_000))  # 72: not 100 over 0
    assert _improved(org.deal(new, 50_000))  # 144


def test_only_newcomers_with_a_whole_week_before_qualify():
    days = 90
    joined = date(2026, 11, 4)  # a Wednesday of W45

    def member(active: bool = True) -> MemberFacts:
        return MemberFacts(1, "New", 1, "seller", joined, active=active)

    assert not qualifies(member(), date(2026, 11, 2), days)  # the week they joined
    assert not qualifies(member(), date(2026, 11, 9), days)  # W45 was not a whole week
    assert qualifies(member(), date(2026, 11, 16), days)
    assert not qualifies(member(active=False), date(2026, 11, 16), days)
    # the last week that starts within the 90 days (joined + 90 = 2027-02-02, a Tuesday)
    assert qualifies(member(), date(2027, 2, 1), days)
    assert not qualifies(member(), date(2027, 2, 8), days)


def test_replaying_the_ledger_rebuilds_the_same_weeks_and_bonuses():
    org = Org()
    org.season()
    team, (giver,) = org.squad(1)
    new = _newcomer(org, team)
    org.deal(new, 10_000, closed_at=W46)
    org.deal(new, 50_000)
    org.decide(GiveKudos(new, 5, "thanks"), seller_actor(giver))
    replayed = State(TZ)
    for entry in org.entries:
        evolve(replayed, entry)
    assert replayed.own_weeks == org.state.own_weeks
    assert replayed.improved == org.state.improved and replayed.improved
