"""Redis is a derived view: losing it loses nothing, and one deal is one round trip."""

import asyncio
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app, redis_client
from service.store.embedded import EmbeddedRedis
from service.store.leaderboard import LeaderboardStore
from tests.conftest import Api, huddle_rebuild


async def _history(api: Api) -> dict[str, Any]:
    season = await api.season()
    teams = [await api.team() for _ in range(2)]
    members = [await api.member(t["id"]) for t in teams for _ in range(3)]
    manager = await api.member(teams[0]["id"], role="manager")
    await api.post(
        "/api/goals",
        {"team_id": teams[0]["id"], "season_id": season["id"], "metric": "deals", "target": 2},
        expect=201,
    )
    for i, m in enumerate(members):
        await api.deal(m["id"], 10_000 * i, assists=[members[(i + 1) % 6]["id"]])
    await api.post(
        "/api/kudos",
        {"to_member_id": members[1]["id"], "points": 3, "message": "ty", "strength": "closer"},
        token=api.tokens[members[0]["id"]],
        expect=201,
    )
    await api.post(
        "/api/mentoring",
        {"member_id": members[2]["id"], "points": 7, "note": "clinic"},
        token=api.tokens[manager["id"]],
        expect=201,
    )
    return {"teams": teams, "members": members}


async def _boards(api: Api, data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for season in ("current", "all"):
        out[f"members-{season}"] = await api.get("/api/leaderboards/members", season=season)
        out[f"teams-{season}"] = await api.get("/api/leaderboards/teams", season=season)
        for category in ("deals", "team_share", "assists", "help", "mentoring", "bonus"):
            out[f"{category}-{season}"] = await api.get(
                "/api/leaderboards/members", season=season, category=category
            )
        out[f"team0-{season}"] = await api.get(
            "/api/leaderboards/members", season=season, team_id=data["teams"][0]["id"]
        )
    return out


async def _flush(settings) -> int:
    """Delete every key of this test's boards, with a client of our own."""
    redis = redis_client(settings.redis_url)
    try:
        return await LeaderboardStore(redis, settings.redis_prefix).reset()
    finally:
        await redis.aclose()


async def test_flush_and_rebuild_gives_identical_boards(settings, app_client):
    """Delete every board key, run `huddle rebuild`, and every board is as it was."""
    api = Api(app_client)
    data = await _history(api)
    before = await _boards(api, data)
    assert before["members-all"]["entries"][0]["score"] > 0
    assert await _flush(settings) > 0
    emptied = await _boards(api, data)
    assert {e["score"] for e in emptied["members-all"]["entries"]} == {0}
    huddle_rebuild(settings)
    assert await _boards(api, data) == before


@pytest.mark.filterwarnings("ignore::tortoise.warnings.TortoiseLoopSwitchWarning")
async def test_start_up_rebuilds_an_empty_redis(settings):
    """A service that starts on an empty Redis rebuilds the boards by itself."""
    async with AsyncTestClient(app=create_app(settings)) as first:
        api = Api(first)
        data = await _history(api)
        before = await _boards(api, data)
    await _flush(settings)  # while no service runs
    async with AsyncTestClient(app=create_app(settings)) as fresh:
        assert await _boards(Api(fresh), data) == before


async def test_writes_survive_a_redis_restart(settings, tmp_path):
    """With Redis down, deals are still recorded; when it is back the boards catch up."""
    server = EmbeddedRedis(tmp_path / "own")
    url = server.start()
    own = settings.__class__(**{**settings.__dict__, "redis_url": url})
    try:
        async with AsyncTestClient(app=create_app(own)) as client:
            api = Api(client)
            team = await api.team()
            seller = await api.member(team["id"])
            await api.deal(seller["id"], 10_000)
            server.stop()
            r = await api.deal(seller["id"], 20_000)  # Redis is down: the ledger keeps it
            assert r.json()["awards"][0]["points"] == 30
            server.start()  # back, and empty: the reconciler rebuilds without a new write
            for _ in range(150):
                if (await api.board(season="all")).get(seller["id"]) == 50:
                    break
                await asyncio.sleep(0.1)
            assert (await api.board(season="all"))[seller["id"]] == 20 + 30
            await api.deal(seller["id"], 0)
            assert (await api.board(season="all"))[seller["id"]] == 20 + 30 + 10
    finally:
        server.stop()


async def test_a_deal_is_one_redis_round_trip(app_client):
    """Recording a scored deal sends exactly one command to Redis (one EVALSHA)."""
    api = Api(app_client)
    team = await api.team()
    seller, mate = await api.member(team["id"]), await api.member(team["id"])
    await api.deal(seller["id"], 1000)  # loads the script once
    redis = app_client.app.state.store.redis
    sent: list[str] = []
    original = redis.execute_command

    async def counting(*args: Any, **kwargs: Any) -> Any:
        sent.append(str(args[0]))
        return await original(*args, **kwargs)

    redis.execute_command = counting
    try:
        r = await api.deal(seller["id"], 50_000, assists=[mate["id"]])
    finally:
        del redis.execute_command
    assert len(r.json()["awards"]) == 3
    assert sent == ["EVALSHA"]


async def test_a_flush_under_load_delays_no_write(settings, start_server):
    """Every board key is deleted while 16 clients write through two instances: no write
    waits (each answers within seconds, none fails or counts twice), and the boards come
    back level with the ledger by themselves."""
    import time

    import httpx

    servers = [start_server(workers=1), start_server(workers=1)]
    clients = [httpx.AsyncClient(base_url=s.url, timeout=30) for s in servers]
    try:
        api = Api(clients[0])
        await api.season()
        team = await api.team()
        sellers = [await api.member(team["id"]) for _ in range(4)]
        latencies: list[float] = []
        codes: list[int] = []
        stop = time.monotonic() + 4

        async def writer(n: int) -> None:
            client = clients[n % 2]
            while time.monotonic() < stop:
                body = {
                    "seller_id": sellers[n % 4]["id"],
                    "outcome": "won",
                    "amount": 1000,
                    "customer": f"C{n}",
                }
                t0 = time.monotonic()
                r = await client.post("/api/deals", json=body, headers=api.auth())
                latencies.append(time.monotonic() - t0)
                codes.append(r.status_code)

        async def flush() -> None:
            await asyncio.sleep(1.5)
            assert await _flush(settings) > 0

        await asyncio.gather(*(writer(n) for n in range(16)), flush())
        assert set(codes) == {201} and len(codes) > 50
        # a bound, not a speed: alone the slowest answer takes ~0.2 s; with the rest of
        # the suite on the same two cores one took 1.04 s, so the margin is generous
        assert max(latencies) < 3.0, sorted(latencies)[-5:]
        ledger = await api.ledger()
        deals = [e for e in ledger if e["kind"] == "deal.won"]
        assert len(deals) == len(codes)
        expected: dict[int, float] = {}
        for entry in ledger:
            for award in entry["awards"]:
                expected[award["member_id"]] = expected.get(award["member_id"], 0) + award["points"]
        for _ in range(100):  # the reconciler notices within seconds
            if await api.board(season="all") == pytest.approx(expected):
                break
            await asyncio.sleep(0.2)
        assert await api.board(season="all") == pytest.approx(expected)
    finally:
        for client in clients:
            await client.aclose()
