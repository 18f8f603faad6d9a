"""BoardSync against a real Redis, and the ledger's award sums on real SQLite and
PostgreSQL databases."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, date, datetime

import pytest
from redis.asyncio import Redis
from tortoise import connections

from service.db.connection import close_db, init_db
from service.db.models import Entry, Member, PointAward, PolicyVersion, Season, Team
from service.db.sums import award_sums
from service.engine.source import LedgerReader
from service.store.leaderboard import AwardSum, DirectoryRow, LeaderboardStore, PendingEntry
from service.store.sync import BoardSync
from tests.conftest import free_port, org_today
from tests.test_store_apply import boards, make_entries, sums_of


class ListLedger:
    """A ledger held in a list: entries up to ``committed`` count as committed; reading
    the last seq takes ``latency`` seconds after the snapshot, like a database query."""

    def __init__(self, entries: list[PendingEntry], latency: float = 0) -> None:
        self.entries = entries
        self.committed = len(entries)
        self.latency = latency

    async def last_seq(self) -> int:
        seq = self.committed
        await asyncio.sleep(self.latency)
        return seq

    async def entries_after(self, seq: int, limit: int) -> list[PendingEntry]:
        return self.entries[seq : min(seq + limit, self.committed)]

    async def award_sums(self) -> tuple[int, list[AwardSum]]:
        return self.committed, sums_of(self.entries[: self.committed])

    async def members(self) -> list[DirectoryRow]:
        return []  # these entries change no directory


class CountingSync(BoardSync):
    """BoardSync that counts the rebuilds it performs."""

    rebuilds = 0
    ensures = 0

    async def ensure(self) -> str:
        self.ensures += 1
        return await super().ensure()

    async def rebuild(self, progress=None, force=True) -> int:  # type: ignore[no-untyped-def]
        self.rebuilds += 1
        return await super().rebuild(progress, force)


async def expected_boards(redis: Redis, entries: list[PendingEntry]) -> dict:
    reference = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        await reference.apply_batch(entries, publish=False)
        return await boards(reference)
    finally:
        await reference.reset()


async def test_ensure_decides_by_state(redis: Redis, store: LeaderboardStore) -> None:
    """ensure(): empty both → empty; empty Redis → rebuild; behind → catch up; level → no-op."""
    ledger = ListLedger([])
    sync = CountingSync(store, ledger, batch=7)
    assert await sync.ensure() == "empty"
    ledger.entries = make_entries(50)
    ledger.committed = 30
    assert await sync.ensure() == "rebuilt 30 entries"
    ledger.committed = 50
    assert await sync.ensure() == "caught up 20 entries"
    assert await sync.ensure() == "up to date"
    assert sync.rebuilds == 1
    assert await boards(store) == await expected_boards(redis, ledger.entries)


async def test_ensure_rebuilds_a_redis_ahead(redis: Redis, store: LeaderboardStore) -> None:
    """A Redis ahead of the ledger (foreign or restored) is rebuilt from the ledger."""
    entries = make_entries(40)
    await store.apply_batch(entries)
    sync = CountingSync(store, ListLedger(entries[:25]))
    assert await sync.ensure() == "rebuilt 25 entries"
    assert await store.applied_seq() == 25
    assert await boards(store) == await expected_boards(redis, entries[:25])


async def test_racing_ensure_never_rebuilds(redis: Redis, store: LeaderboardStore) -> None:
    """ensure() racing two writers (commit, then apply out of order) never wipes the boards."""
    entries = make_entries(600, seed=9)
    ledger = ListLedger(entries, latency=0.002)
    ledger.committed = 0
    sync = CountingSync(store, ledger, batch=50)
    sentinel = store.member_key("all")
    await store.apply_batch(entries[:1])
    ledger.committed = 1
    await redis.zadd(sentinel, {"sentinel": 1})
    done = asyncio.Event()

    async def writer(parity: int) -> None:
        for start in range(1, 600, 5):
            batch = entries[start : start + 5]
            ledger.committed = max(ledger.committed, batch[-1].seq)  # commit...
            await asyncio.sleep(0)  # ... another task runs between commit and apply
            if (start // 5) % 2 == parity:
                await store.apply_batch(batch)
            else:  # the other writer sends it a moment later
                await asyncio.sleep(0.001)
                await store.apply_batch(batch)

    async def ensurer() -> None:
        while not done.is_set():
            await sync.ensure()
            await asyncio.sleep(0)

    task = asyncio.create_task(ensurer())
    await asyncio.gather(writer(0), writer(1))
    done.set()
    await task
    assert sync.rebuilds == 0
    assert await redis.zscore(sentinel, "sentinel") == 1
    assert await store.applied_seq() == 600
    await redis.zrem(sentinel, "sentinel")
    assert await boards(store) == await expected_boards(redis, entries)


async def test_concurrent_rebuilds_happen_once(redis: Redis, store: LeaderboardStore) -> None:
    """Two instances starting on an empty Redis at once: one rebuilds, the other waits."""
    entries = make_entries(200)
    ledger = ListLedger(entries)
    first, second = CountingSync(store, ledger), CountingSync(store, ledger)
    results = await asyncio.gather(first.ensure(), second.ensure())
    assert sorted(results) == ["rebuilt 0 entries", "rebuilt 200 entries"]
    assert await boards(store) == await expected_boards(redis, entries)


async def test_request_is_single_flight_and_survives(store: LeaderboardStore) -> None:
    """request() never blocks or raises, even with Redis down, and coalesces requests."""
    dead = LeaderboardStore(Redis(port=free_port()), store.prefix)
    sync = CountingSync(dead, ListLedger(make_entries(5)))
    for _ in range(10):
        sync.request()
    assert sync._runner is not None
    await asyncio.wait_for(sync._runner, 10)
    assert sync.ensures == 2  # one run, and one more for the requests made during it
    await sync.stop()
    await dead.redis.aclose()


async def test_periodic_reconcile_catches_up(store: LeaderboardStore) -> None:
    """start(): an entry committed but never applied lands within a few periods."""
    entries = make_entries(20)
    ledger = ListLedger(entries[:10])
    sync = BoardSync(store, ledger)
    await sync.ensure()
    ledger.entries, ledger.committed = entries, 20
    sync.start(every=0.05)
    try:
        deadline = time.monotonic() + 5
        while await store.applied_seq() != 20 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert await store.applied_seq() == 20
    finally:
        await sync.stop()


async def seed(count: int) -> None:
    """``count`` ledger entries with awards in two teams, half of them in a season."""
    teams = [await Team.create(name=f"Team {i}") for i in range(2)]
    members = [
        await Member.create(name=f"M{i}", team=teams[i % 2], role="seller", joined_on=org_today())
        for i in range(6)
    ]
    season = await Season.create(name="S", starts_on=date(2026, 1, 1), ends_on=date(2026, 12, 31))
    policy = await PolicyVersion.create(data={})
    now = datetime.now(UTC)
    for seq in range(1, count + 1):
        entry = await Entry.create(
            seq=seq,
            kind="deal.won",
            occurred_at=now,
            recorded_at=now,
            week="2026-W01",
            actor_role="admin",
            season_id=season.id if seq % 2 else None,
            policy=policy,
            data={"amount": 1000, "customer": "Acme", "names": {}, "events": []},
        )
        await PointAward.bulk_create(
            [
                PointAward(
                    entry_id=entry.id,
                    member_id=m.id,
                    team_id=m.team_id,
                    season_id=entry.season_id,
                    category=("deal", "kudos")[(seq + i) % 2],
                    cents=seq * 10 + i,
                )
                for i, m in enumerate(members[seq % 3 : seq % 3 + 3])
            ]
        )


async def test_rebuild_from_sums_equals_replay(db_url: str, redis: Redis) -> None:
    """On a real database, a rebuild from award_sums equals applying every entry in turn."""
    await init_db(db_url)
    incremental = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    rebuilt = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        await seed(60)
        source = LedgerReader()
        assert await source.last_seq() == 60
        await incremental.apply_batch(await source.entries_after(0, 1000))
        assert await BoardSync(rebuilt, source).rebuild() == 60
        assert await boards(rebuilt) == await boards(incremental)
        assert await rebuilt.applied_seq() == 60
        last, sums = await award_sums()
        assert last == 60 and sum(s.cents for s in sums) == sum(
            a.cents for a in await PointAward.all()
        )
    finally:
        await incremental.reset()
        await rebuilt.reset()
        await close_db()


async def test_award_sums_of_an_empty_ledger(db_url: str) -> None:
    """An empty ledger has seq 0 and no sums."""
    await init_db(db_url)
    try:
        assert await award_sums() == (0, [])
    finally:
        await close_db()


async def test_point_award_entry_index_exists(db_url: str) -> None:
    """After migrating, point_award has an index on entry_id (SQLite and PostgreSQL)."""
    await init_db(db_url)
    try:
        conn = connections.get("default")
        if db_url.startswith("sqlite"):
            _, rows = await conn.execute_query(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'point_award'"
            )
        else:
            _, rows = await conn.execute_query(
                "SELECT indexdef FROM pg_indexes WHERE tablename = 'point_award'"
            )
        assert any('("entry_id")' in row[0] or "(entry_id)" in row[0] for row in rows), rows
    finally:
        await close_db()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_ledger_tables_carry_no_foreign_keys_on_postgres(db_url: str) -> None:
    """Migrations 0004 and 0007: on PostgreSQL, the tables every action appends to
    (entry, point_award, deal, kudos, mentoring) have no foreign keys (each was a trigger
    query per inserted row); the tables that change rarely keep theirs."""
    await init_db(db_url)
    try:
        conn = connections.get("default")
        _, rows = await conn.execute_query(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"
        )
        tables = {row[0] for row in rows}
        assert not tables & {"entry", "point_award", "deal", "kudos", "mentoring"}, tables
        assert {"badge", "goal", "story", "loss_review", "feedback"} <= tables
    finally:
        await close_db()
