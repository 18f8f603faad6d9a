"""A batch the database refuses saves nothing and tells every caller when to retry."""

from __future__ import annotations

from tortoise import connections


async def test_a_failed_batch_is_a_503_with_retry_after_and_saves_nothing(api):
    """The append fails (a table is gone): 503 problem + Retry-After, no entry, no points."""
    team = await api.team()
    seller = await api.member(team["id"])
    await api.deal(seller["id"], 5000, expect=201)
    db = connections.get("default")
    count = "SELECT COUNT(*) AS n, MAX(seq) AS seq FROM entry"
    before = await db.execute_query_dict(count)
    await db.execute_script("DROP TABLE point_award")
    r = await api.deal(seller["id"], 5000, expect=503)
    assert r.headers["retry-after"] == "1"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "nothing was recorded" in r.json()["detail"]
    assert await db.execute_query_dict(count) == before
