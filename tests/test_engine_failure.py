"""A batch the database refuses saves nothing and tells every caller when to retry."""

from __future__ import annotations

import sqlite3

import asyncpg


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
