"""Contests in the pure core, with the clock in hand: recurring contests rolling over at
midnight in Europe/Oslo (across a daylight-saving change too), settlement exactly once,
a race finished inside the decision that reaches its target, and shared places."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.core.commands import CreateContest, Decision, RecordDeal, SettleContests
from service.core.entries import ContestCreated, ContestSettled
from tests.test_core_decide import TZ, Org, seller_actor

OSLO_MIDNIGHT = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 25 November 00:00 in Oslo


class Clock(Org):
    """An Org whose decisions' race settlements are evolved too, at a time of our choosing."""

    def at(self, moment: datetime) -> Clock:
        self.ctx.now = moment
        return self

    def decide(self, command, actor=None):  # type: ignore[no-untyped-def]
        decision: Decision = super().decide(command, *(a for a in (actor,) if a))
        from service.core.evolve import evolve

        for entry in decision.finishes:
            evolve(self.state, entry)
            self.ctx.note(entry)
            self.entries.append(entry)
        return decision


def daily(org: Clock, **extra: object) -> int:
    command = CreateContest(
        "Calls today",
        extra.pop("format", "ranking"),  # type: ignore[arg-type]
        "deals_won",
        datetime(2026, 11, 24, tzinfo=TZ),
        datetime(2026, 11, 25, tzinfo=TZ),
        recurrence=extra.pop("recurrence", "daily"),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )
    return org.decide(command).entries[0].payload.contest_id  # type: ignore[union-attr]


def test_a_daily_contest_rolls_over_at_midnight_in_oslo():
    org = Clock().at(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    org.season()
    _, (a, b) = org.squad(2)
    first = daily(org, prizes=({"coins": 10},))
    org.at(OSLO_MIDNIGHT - timedelta(minutes=5))
    org.decide(RecordDeal(a, "won", 1000, "Acme", closed_at=OSLO_MIDNIGHT - timedelta(minutes=10)))
    assert org.decide(SettleContests()).entries == []  # not yet midnight in Oslo
    org.at(OSLO_MIDNIGHT + timedelta(minutes=1))
    # closed 00:00:30 on the 25th, recorded before the settlement: the next day's
    org.decide(RecordDeal(b, "won", 1000, "Acme", closed_at=OSLO_MIDNIGHT + timedelta(seconds=30)))
    decision = org.decide(SettleContests())
    settled, renewed = (e.payload for e in decision.entries)
    assert isinstance(settled, ContestSettled) and settled.contest_id == first
    assert [(w.place, w.member_id, w.coins) for w in settled.winners] == [(1, a, 10)]
    assert isinstance(renewed, ContestCreated)
    assert renewed.starts_at == datetime(2026, 11, 25, tzinfo=TZ)
    assert renewed.ends_at == datetime(2026, 11, 26, tzinfo=TZ)
    assert renewed.series == first and renewed.tally == {f"m{b}": 100}
    assert org.decide(SettleContests()).entries == []  # settled once
    assert org.state.wallet(a).earned >= 1000


def test_a_day_across_daylight_saving_lasts_23_hours():
    org = Clock().at(datetime(2026, 3, 28, 12, 0, tzinfo=UTC))
    org.season()
    org.squad(1)
    command = CreateContest(
        "Daily",
        "ranking",
        "points",
        datetime(2026, 3, 28, tzinfo=TZ),
        datetime(2026, 3, 29, tzinfo=TZ),
        recurrence="daily",
    )
    org.decide(command)
    org.at(datetime(2026, 3, 28, 23, 0, 5, tzinfo=UTC))
    renewed = org.decide(SettleContests()).entries[-1].payload
    assert isinstance(renewed, ContestCreated)
    assert renewed.ends_at.astimezone(UTC) - renewed.starts_at.astimezone(UTC) == timedelta(
        hours=23
    )
    assert renewed.ends_at.astimezone(UTC) == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)


def test_a_monthly_contest_renews_for_the_next_calendar_month():
    org = Clock().at(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    org.season()
    org.squad(1)
    command = CreateContest(
        "Month",
        "ranking",
        "points",
        datetime(2026, 11, 1, tzinfo=TZ),
        datetime(2026, 12, 1, tzinfo=TZ),
        recurrence="monthly",
    )
    org.decide(command)
    org.at(datetime(2026, 12, 3, tzinfo=UTC))  # down for two days: renewed from its end
    renewed = org.decide(SettleContests()).entries[-1].payload
    assert isinstance(renewed, ContestCreated)
    assert (renewed.starts_at, renewed.ends_at) == (
        datetime(2026, 12, 1, tzinfo=TZ),
        datetime(2027, 1, 1, tzinfo=TZ),
    )


def test_a_race_is_settled_by_the_entry_that_reaches_the_target():
    org = Clock().at(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    org.season()
    _, (a, b) = org.squad(2)
    daily(org, format="race", target=2, recurrence=None, prizes=({"coins": 5},))
    org.decide(RecordDeal(a, "won", 1000, "Acme"), seller_actor(a))
    decision = org.decide(RecordDeal(a, "won", 1000, "Acme"), seller_actor(a))
    assert [e.kind for e in decision.entries] == ["deal.won"]
    (finish,) = decision.finishes
    assert finish.seq == decision.entries[-1].seq + 1
    assert isinstance(finish.payload, ContestSettled)
    assert finish.payload.reason == "target reached"
    assert [(w.member_id, w.coins) for w in finish.payload.winners] == [(a, 5)]
    later = org.decide(RecordDeal(b, "won", 1000, "Acme"), seller_actor(b))
    assert later.finishes == []
    assert org.decide(SettleContests()).entries == []


def test_three_tied_share_the_coins_of_the_three_places():
    org = Clock().at(datetime(2026, 11, 24, 12, 0, tzinfo=UTC))
    org.season()
    _, members = org.squad(4)
    daily(
        org,
        recurrence=None,
        prizes=({"coins": 100}, {"coins": 50}, {"coins": 10.01}),
        member_ids=tuple(members[:3]),
    )
    for m in members[:3]:
        org.decide(RecordDeal(m, "won", 1000, "Acme"), seller_actor(m))
    org.at(datetime(2026, 11, 25, tzinfo=UTC))
    (settled,) = (e.payload for e in org.decide(SettleContests()).entries)
    assert isinstance(settled, ContestSettled)
    assert [(w.place, w.coins) for w in settled.winners] == [(1, 53.33)] * 3
    assert settled.coins == tuple((m, 5333) for m in sorted(members[:3]))
