"""An entry's stored ``data`` decodes back to the same typed entry, for every kind, by the
fast typed path; an older ledger's looser shape still decodes by the lenient one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, get_args

import msgspec
import pytest

from service.core.codec import entry_data, entry_from_row
from service.core.entries import (
    ActivityLogged,
    Actor,
    Award,
    BadgeEarned,
    BadgeRevoked,
    ChallengeAnswered,
    ContestCancelled,
    ContestCreated,
    ContestSettled,
    DealLost,
    DealReversed,
    DealWon,
    Entry,
    FeedbackReceived,
    GoalChanged,
    GoalProgress,
    GoalReached,
    GoalRemoved,
    GoalReopened,
    GoalSet,
    KudosGiven,
    KudosRevoked,
    LossReviewed,
    MemberJoined,
    MemberTarget,
    MemberUpdated,
    MentoringAwarded,
    MentoringRevoked,
    MetricDefined,
    Payload,
    PolicyChanged,
    Prize,
    RedemptionDecided,
    RedemptionRequested,
    RewardChanged,
    RewardCreated,
    SeasonChanged,
    SeasonCreated,
    SeasonRemoved,
    Side,
    StoryPosted,
    TeamCreated,
    TeamUpdated,
    Tier,
    Winner,
)

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
PAYLOADS = [
    DealWon(12_500.5, "Acme", [3, 4], "crm-1", 7),
    DealLost(900, "Globex", [], None, 8, rescores=40),
    DealReversed(7, "wrong customer", "won", 12_500.5, "Acme", 2, AT, 12, [3], "crm-1", True),
    KudosRevoked(4, 1, 2, 2.5, "2026-W47", 30, "listening", "by mistake"),
    MentoringRevoked(3, 2, 5, "2026-W48", 31, 9, None),
    KudosGiven(1, 2, 2.5, "thanks", "listening", 4),
    MentoringAwarded(2, 5, "coached a call", 9, 3),
    GoalSet(1, 1, "points", 250.25, "Oslo", [MemberTarget(2, 40)]),
    GoalChanged(1, "points", 300, "Oslo", [MemberTarget(2, 50)]),
    GoalRemoved(1, "points", "Oslo", "set by mistake"),
    LossReviewed(8, "Globex", "price", ["yes", "no"], 2),
    StoryPosted(7, "Acme", 12_500.5, "how we won", 1),
    FeedbackReceived("Acme", 5, "great", 3, 4),
    MetricDefined(1, "calls", "Calls made", 1, 10),
    ActivityLogged("calls", 3, 3, 7, "call-7", date(2026, 11, 23)),
    TeamCreated("Oslo", 1, "The Vikings", "#c8102e"),
    TeamUpdated({"name": "Bergen"}, {"name": "Oslo"}),
    MemberJoined("Kari", "seller", date(2026, 1, 2), "Oslo", "kari@example.com"),
    MemberUpdated({"role": "manager"}),
    SeasonCreated("Q4", date(2026, 10, 1), date(2026, 12, 31), 1),
    SeasonChanged(
        1,
        "Q4 push",
        date(2026, 10, 1),
        date(2026, 12, 20),
        ("Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ),
    SeasonRemoved(2, "Q1"),
    PolicyChanged({"deal_points": 12}, 2),
    RewardCreated(1, "Lunch with the CEO", 150.5, 3, 1, "Once a quarter"),
    RewardChanged(1, {"stock": 2, "active": False}),
    RedemptionRequested(4, 1, "Lunch with the CEO", 150.5, "Fridays", 2),
    RedemptionDecided(4, 1, "declined", 150.5, "Out of stock", 3),
    ContestCreated(
        3,
        "Meetings booked this week",
        "head_to_head",
        "activity:meetings",
        AT,
        AT,
        (1,),
        (2, 3),
        "member",
        (Side("North", (1,), ()), Side("Kari", (), (2,))),
        50.5,
        (Tier(10, Prize(5)), Tier(20, Prize(description="Cake"))),
        (Prize(100, 2, "Lunch"),),
        1.5,
        "weekly",
        True,
        2,
        {"m2": 150},
        {"s0": 200},
    ),
    ContestCancelled(3, "Meetings booked this week", "Wrong week"),
    ChallengeAnswered(3, "Kari vs Ola", True),
    ContestSettled(
        3,
        "Sprint",
        "ranking",
        "points",
        (
            Winner(1, "m2", "Kari", 12.5, Prize(100), 50, 2),
            Winner(1, "s0", "North", 3, side="North"),
        ),
        ((2, 5000),),
        ({"rank": 1, "key": "m2", "name": "Kari", "score": 12.5, "value": 12.5},),
        "target reached",
    ),
]
EVENTS = (
    GoalProgress(1, 1, "points", None, 120.5, 250.25),
    GoalReached(1, 1, "points", "team", None, (Award(2, 1, "bonus", 2500),)),
    GoalReopened(1, 1, "points", "member", 2),
    BadgeEarned("first-win", "First win", 2, "Kari", 1, 3),
    BadgeRevoked("hat-trick", "Hat-trick", 2, "Kari", 1),
)


def _entry(payload: Any) -> Entry:
    return Entry(
        seq=41,
        occurred_at=AT,
        recorded_at=AT,
        week="2026-W48",
        actor=Actor("seller", 3, 2),
        policy_id=2,
        payload=payload,
        member_id=2,
        team_id=1,
        season_id=1,
        events=EVENTS,
        names={2: "Kari", 3: "Ola"},
        id=41,
    )


def _row(entry: Entry, data: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "seq": entry.seq,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at,
        "recorded_at": entry.recorded_at,
        "week": entry.week,
        "actor_role": entry.actor.role,
        "actor_token_id": entry.actor.token_id,
        "actor_member_id": entry.actor.member_id,
        "member_id": entry.member_id,
        "team_id": entry.team_id,
        "season_id": entry.season_id,
        "policy_id": entry.policy_id,
        "data": data,
    }


def test_every_kind_is_covered() -> None:
    assert {type(p) for p in PAYLOADS} == set(get_args(Payload))


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_round_trip_by_the_typed_path(payload: Any) -> None:
    entry = _entry(payload)
    data = entry_data(entry)
    assert entry_from_row(**_row(entry, data)) == entry
    assert entry_from_row(**_row(entry, data.decode())) == entry  # text, as drivers give it


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: type(p).__name__)
def test_stored_data_is_the_payloads_fields_then_names_and_events(payload: Any) -> None:
    """``entry_data`` splices the payload's own encoding: byte for byte what building the
    dict (the payload's fields without its kind, then names and events) encodes to."""
    entry = _entry(payload)
    entry.names = {2: "Kari", 10: 'Bo "the closer"'}
    entry.events = (GoalReached(1, 3, "amount", "team", None),)
    built = msgspec.to_builtins(entry.payload)
    del built["kind"]
    built["names"] = {str(k): v for k, v in entry.names.items()}
    built["events"] = msgspec.to_builtins(entry.events)
    assert entry_data(entry) == msgspec.json.encode(built)


def test_an_older_looser_shape_still_decodes() -> None:
    """Numbers written as strings and names without events: the lenient path."""
    entry = _entry(DealWon(900, "Acme"))
    old = b'{"amount": "900", "customer": "Acme", "names": {"2": "Kari"}}'
    decoded = entry_from_row(**_row(entry, old))
    assert decoded.payload == DealWon(900, "Acme")
    assert decoded.names == {2: "Kari"} and decoded.events == ()
