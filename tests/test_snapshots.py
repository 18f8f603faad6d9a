"""Snapshots of the writer's state (service/engine/snapshots.py): one as the ledger passes
each multiple of ``SNAPSHOT_EVERY``, and one when a writer stops; a writer starts from the
newest and an idle one takes them instead of folding; only this code's, for this time
zone, never one past the end of the ledger, and a broken one is folded past.

(Every test of the app in-process also checks, as it ends, that the writer's state is the
fold of the ledger and survives a snapshot whole: ``conftest.the_state_is_the_ledgers``.)"""

from __future__ import annotations

import asyncio
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tortoise import connections

from service.engine import snapshots
from service.engine import writer as engine
from service.engine.tables import Sql
from service.engine.writer import Writer
from tests.test_engine_failure import _sql


@pytest.fixture
def folded(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Snapshots every 10 seqs, an idle writer folds at most 3 entries without waiting
    for the next; the list of how many entries each fold of the ledger read."""
    monkeypatch.setattr(engine, "SNAPSHOT_EVERY", 10)
    monkeypatch.setattr(engine, "FOLD_REST", 3)
    counts: list[int] = []
    fold = engine._fold_ledger

    async def counted(state: Any, sql: Sql) -> None:
        before = state.seq
        await fold(state, sql)
        counts.append(state.seq - before)

    monkeypatch.setattr(engine, "_fold_ledger", counted)
    return counts


async def _kept(settings: Any) -> list[int]:
    return [row[0] for row in await _sql(settings.db_url, "SELECT seq FROM state_snapshot")]


async def _deals(api: Any, count: int) -> None:
    seller = await api.member((await api.team())["id"])  # 2 entries
    for _ in range(count):
        await api.deal(seller["id"], 5000, expect=201)


async def on_app(api: Any, fn: Any, *args: Any) -> Any:
    """``await fn(*args)`` on the app's loop (the test client's thread), where its
    database connections are."""
    return await asyncio.to_thread(api.client.blocking_portal.call, fn, *args)


async def _head() -> int:
    return await Sql(connections.get("default")).last_seq()


def _same(one: Any, two: Any) -> bool:
    one.contests_moved = two.contests_moved = {}
    return bool(one == two)


async def _settled(writer: Writer) -> None:
    """The snapshots the writer's batches made are stored (its tasks run on the app's
    loop, in the test client's thread: waited for, never awaited from here)."""
    for _ in range(500):
        if not writer._publishing:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the writer's batches never finished")


async def test_a_writer_starts_from_the_newest_snapshot(api, settings, folded):
    running = api.client.app.state.writer
    await _deals(api, 23)  # seqs 1-25: snapshots as it passed 10 and 20 (the older dropped)
    await _settled(running)
    kept = await _kept(settings)
    assert len(kept) in (1, 2) and max(kept) in range(20, 26)
    folded.clear()
    started = Writer(running.store, running.tz)
    state = await on_app(api, started.load)
    assert folded == [25 - max(kept)]  # only what follows the snapshot
    assert _same(state, running.state)


async def test_a_stopping_writer_leaves_a_snapshot_and_a_broken_one_is_folded_past(
    settings, folded
):
    from service.app import Services, redis_client
    from service.core.commands import CreateMember, CreateTeam
    from service.core.entries import Actor
    from service.db.connection import close_db, init_db

    redis = redis_client(settings.redis_url)
    await init_db(settings.db_url)
    try:
        services = Services.build(settings, redis)
        writer, admin = services.writer, Actor("admin")
        await writer.start()
        try:
            team = (await writer.submit(CreateTeam("Team"), admin)).entries[0].team_id
            for i in range(8):  # seqs 1-9: no multiple of 10 passed
                await writer.submit(CreateMember(f"Seller {i}", team, "seller"), admin)
            assert await _kept(settings) == []
        finally:
            await writer.stop()  # 9 ≥ FOLD_REST past the last snapshot (none)
        assert await _kept(settings) == [9]
        folded.clear()
        state = await Writer(writer.store, writer.tz).load()
        assert folded == [0] and _same(state, writer.state)  # nothing left to fold
        broken = "X'c1'" if settings.db_url.startswith("sqlite") else "decode('c1', 'hex')"
        await _sql(settings.db_url, f"UPDATE state_snapshot SET data = {broken}")  # not msgpack
        folded.clear()
        state = await Writer(writer.store, writer.tz).load()
        assert folded == [9] and state.seq == 9  # the broken snapshot is left, the ledger folded
    finally:
        await redis.aclose()
        await close_db()


async def test_only_this_codes_snapshots_for_this_zone_and_never_past_the_ledger(
    api, settings, folded
):
    running = api.client.app.state.writer
    await _deals(api, 10)  # seqs 1-12: a snapshot at 10 or later
    await _settled(running)
    assert await _kept(settings)
    folded.clear()
    await on_app(api, Writer(running.store, ZoneInfo("Asia/Tokyo")).load)
    assert folded == [12]  # another zone: the org's local days would differ
    # a ledger put back from a backup that ends before the snapshot
    await _sql(settings.db_url, "DELETE FROM entry WHERE seq > 5")
    folded.clear()
    assert (await on_app(api, Writer(running.store, running.tz).load)).seq == 5
    assert folded == [5]
    # another version's snapshot (its code differs)
    await _sql(settings.db_url, "UPDATE state_snapshot SET seq = 3, code = 'other'")
    folded.clear()
    await on_app(api, Writer(running.store, running.tz).load)
    assert folded == [5]
    running.state = None  # ahead of the ledger cut short: loaded again before a batch


async def test_an_idle_writer_takes_snapshots_rather_than_fold(api, settings, folded):
    """While another writer imports, an idle one follows by its snapshots; it folds what
    is left once little is, or once the ledger stops moving."""
    running = api.client.app.state.writer
    idle = Writer(running.store, running.tz)
    idle.state = await on_app(api, idle.load)
    await _deals(api, 35)  # seqs 1-37: snapshots as it passed 30 (and 20)
    await _settled(running)
    newest = max(await _kept(settings))
    head = await on_app(api, _head)
    assert head == 37 and newest in range(30, 38)
    folded.clear()
    await on_app(api, idle.catch_up, head)
    assert idle.state is not None and idle.state.seq == newest
    assert folded == ([] if head - newest > 3 else [head - newest])
    await on_app(api, idle.catch_up, head)  # the ledger has not moved since: fold the rest
    assert idle.state.seq == head
    assert _same(idle.state, running.state)


async def test_more_than_two_intervals_behind_an_idle_writer_folds(api, settings, folded):
    """No snapshot is coming (another writer's code makes none of this code's): folded."""
    running = api.client.app.state.writer
    idle = Writer(running.store, running.tz)
    idle.state = await on_app(api, idle.load)
    await _deals(api, 25)  # seqs 1-27
    await _settled(running)
    await _sql(settings.db_url, "DELETE FROM state_snapshot")
    folded.clear()
    await on_app(api, idle.catch_up, 27)  # 27 > 2 × 10 behind, no snapshot: fold
    assert folded == [27]
    assert _same(idle.state, running.state)


def test_a_snapshot_is_only_for_the_code_and_zone_that_made_it():
    oslo = snapshots.code(ZoneInfo("Europe/Oslo"))
    assert oslo == snapshots.code(ZoneInfo("Europe/Oslo"))
    assert oslo != snapshots.code(ZoneInfo("Asia/Tokyo"))
