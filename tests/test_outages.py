"""A dependency that is down is a 503 with Retry-After, never a 500: the client may
retry, and nothing about the request was wrong."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.settings import Settings
from tests.conftest import Api, _pg_execute, free_port


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_database_outage_is_a_503_and_the_service_recovers(api: Api, db_url: str) -> None:
    """PostgreSQL drops every connection and refuses new ones: reads answer 503 with
    Retry-After (so do writes); when it is back, the same requests succeed."""
    team = await api.team()
    seller = await api.member(team["id"])
    admin_url, name = db_url.rsplit("/", 1)
    admin_url += "/test"
    await _pg_execute(admin_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    await _pg_execute(
        admin_url,
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
    )
    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:  # the backends exit on their own time
        for _ in range(100):
            sessions = f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{name}'"
            if await conn.fetchval(sessions) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await conn.close()
    try:
        for path in ("/api/members", "/api/teams", "/api/feed"):
            r = await api.client.get(path, headers=api.auth())
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.headers["retry-after"] == "2"
            assert "cannot reach its database" in r.json()["detail"]
        # a seller's token is checked against the database: that is a 503 too, not a 401
        r = await api.client.get("/api/members", headers=api.auth(api.tokens[seller["id"]]))
        assert r.status_code == 503
        # a readiness probe sees it: the database is down, nothing can be written
        r = await api.client.get("/api/health")
        assert r.status_code == 503
        assert r.json()["status"] == "down" and r.json()["database"] is False
    finally:
        await _pg_execute(admin_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    names = [m["name"] for m in await api.get("/api/members")]
    assert seller["name"] in names
    health = await api.get("/api/health")
    assert health["status"] == "ok" and health["database"] is True


async def test_a_redis_outage_is_a_503(settings: Settings) -> None:
    """Redis unreachable (nothing listens on its port): board reads answer 503 with
    Retry-After; what does not need Redis keeps working."""
    dead = dataclasses.replace(settings, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with AsyncTestClient(app=create_app(dead), timeout=30) as client:
        api = Api(client)
        r = await client.get("/api/leaderboards/members", headers=api.auth())
        assert r.status_code == 503, r.text
        assert r.headers["retry-after"] == "2"
        assert "cannot reach its Redis" in r.json()["detail"]
        teams: Any = await api.get("/api/teams")
        assert teams == []
        health = (await client.get("/api/health")).json()
        assert health["status"] == "degraded" and health["redis"] is False
        assert health["database"] is True
