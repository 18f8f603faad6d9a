"""A batch the database refuses saves nothing and tells every caller when to retry."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.engine.tables import LEDGER_LOCK
from tests.conftest import Api


async def _sql(db_url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement on its own connection (not the app's)."""
    if db_url.startswith("sqlite://"):
        with sqlite3.connect(db_url.removeprefix("sqlite://").split("?")[0]) as conn:
            return conn.execute(statement).fetchall()
    conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://", 1))
    try:
        return [tuple(row) for row in await conn.fetch(statement)]
    finally:
        await conn.close()


async def test_a_failed_batch_is_a_503_with_retry_after_and_saves_nothing(api, settings):
    """The append fails (a table is gone): 503 problem + Retry-After, no entry, no points."""
    team = await api.team()
    seller = await api.member(team["id"])
    await api.deal(seller["id"], 5000, expect=201)
    count = "SELECT COUNT(*), MAX(seq) FROM entry"
    before = await _sql(settings.db_url, count)
    await _sql(settings.db_url, "DROP TABLE point_award")
    r = await api.deal(seller["id"], 5000, expect=503)
    assert r.headers["retry-after"] == "1"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "nothing was recorded" in r.json()["detail"]
    assert await _sql(settings.db_url, count) == before


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_lock_held_too_long_is_a_503_not_a_hang(settings):
    """A process that holds the ledger's lock and hangs (its session still open) makes
    other writers' batches fail with a 503 after HUDDLE_WRITE_LOCK_TIMEOUT, recording
    nothing; once it lets go, writes go through again."""
    app = create_app(replace(settings, write_lock_timeout=0.5))
    holder = await asyncpg.connect(settings.db_url.replace("postgres://", "postgresql://", 1))
    try:
        async with AsyncTestClient(app=app, timeout=30) as client:
            api = Api(client)
            seller = await api.member((await api.team())["id"])
            count = "SELECT COUNT(*), MAX(seq) FROM entry"
            before = await _sql(settings.db_url, count)
            await holder.execute(f"SELECT pg_advisory_lock({LEDGER_LOCK})")
            started = time.monotonic()
            r = await api.deal(seller["id"], 5000, expect=503)
            assert time.monotonic() - started < 5
            assert r.headers["retry-after"] == "1" and "nothing was recorded" in r.json()["detail"]
            assert await _sql(settings.db_url, count) == before
            await holder.execute(f"SELECT pg_advisory_unlock({LEDGER_LOCK})")
            await api.deal(seller["id"], 5000, expect=201)
    finally:
        await holder.close()
