"""Teams, members, tokens, seasons, policy and roles through the real API."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from service.auth import TokenCache, authenticate, hash_token, new_token
from service.db.connection import close_db, init_db
from service.db.models import Season, Token
from service.directory import Seasons
from service.errors import NotFound, Unauthorized


async def test_teams_and_duplicate_name(api):
    """An admin creates teams; a duplicate name is a 409 problem with a detail."""
    team = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
    assert team == {
        "id": team["id"],
        "name": "Oslo",
        "nickname": "The Vikings",
        "color": "#c8102e",
        "archived": False,
        "reward_budget": None,
        "challenge_cap": None,
    }
    r = await api.post("/api/teams", {"name": "Oslo"}, expect=409)
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 409 and "already exists" in body["detail"]
    assert [t["name"] for t in await api.get("/api/teams")] == ["Oslo"]
    assert (await api.get(f"/api/teams/{team['id']}"))["members"] == 0
    await api.get("/api/teams/999", expect=404)


async def test_validation_errors_are_problem_details(api):
    """A malformed body is a 422 problem naming the field, and creates nothing."""
    r = await api.post("/api/teams", {"name": ""}, expect=422)
    assert r.json()["status"] == 422 and "name" in r.json()["detail"]
    r = await api.post("/api/teams", {"name": "X", "colour": "red"}, expect=422)
    assert "colour" in r.json()["detail"]
    assert await api.get("/api/teams") == []


async def test_members_and_newcomers(api):
    """Members belong to a team; joined recently → newcomer; unknown team → 404."""
    team = await api.team()
    veteran = await api.member(team["id"], "Vera", joined_on="2020-01-01")
    rookie = (
        await api.post(
            "/api/members", {"name": "Rob", "team_id": team["id"], "role": "seller"}, expect=201
        )
    ).json()
    assert veteran["newcomer"] is False and rookie["newcomer"] is True
    assert set(rookie) >= {"id", "name", "team_id", "role", "joined_on", "newcomer"}
    await api.post("/api/members", {"name": "X", "team_id": 999, "role": "seller"}, expect=404)
    await api.post(
        "/api/members", {"name": "X", "team_id": team["id"], "role": "display"}, expect=422
    )
    listed = await api.get("/api/members", team_id=team["id"])
    assert [m["name"] for m in listed] == ["Rob", "Vera"]
    assert (await api.get(f"/api/members/{veteran['id']}"))["name"] == "Vera"


async def test_auth_missing_unknown_and_revoked(api):
    """No token or an unknown one → 401; a revoked token stops working at once."""
    r = await api.client.get("/api/teams")
    assert r.status_code == 401 and r.json()["detail"]
    await api.get("/api/teams", token="nope", expect=401)
    display = (await api.post("/api/tokens", {"role": "display", "label": "TV"}, expect=201)).json()
    assert display["role"] == "display" and display["token"].startswith("hud_")
    await api.get("/api/teams", token=display["token"])
    await api.call("DELETE", f"/api/tokens/{display['id']}", expect=204)
    await api.get("/api/teams", token=display["token"], expect=401)
    listed = await api.get("/api/tokens")
    assert "token" not in listed[0] and listed[0]["revoked_at"]


async def test_a_checked_token_is_remembered_until_announced(api, settings):
    """A token checked once is answered from memory, not the database: changed behind
    Huddle's back (straight in the database, announcing nothing) it still works, while a
    token never checked is read from the database. Revoked the announced way, it stops at
    once; a member's role change applies at once too."""
    feed = api.client.app.state.live_feed  # the cache is live once the feed is subscribed
    for _ in range(500):  # (the app runs on the test client's own loop: poll)
        if feed.connected.is_set():
            break
        await asyncio.sleep(0.02)
    made = [
        (await api.post("/api/tokens", {"role": "display", "label": f"TV{i}"}, expect=201)).json()
        for i in range(2)
    ]
    checked, unchecked = made
    await api.get("/api/teams", token=checked["token"])
    ids = ", ".join(str(t["id"]) for t in made)
    await _rows(settings.db_url, f"UPDATE token SET revoked_at = '2026-01-01' WHERE id IN ({ids})")
    await api.get("/api/teams", token=checked["token"])  # remembered
    await api.get("/api/teams", token=unchecked["token"], expect=401)  # read: revoked
    await _rows(settings.db_url, f"UPDATE token SET revoked_at = NULL WHERE id = {checked['id']}")
    await api.call("DELETE", f"/api/tokens/{checked['id']}", expect=204)
    await api.get("/api/teams", token=checked["token"], expect=401)

    team = await api.team()
    seller = await api.member(team["id"])
    token = api.tokens[seller["id"]]
    assert (await api.get("/api/me", token=token))["role"] == "seller"
    await api.call("PATCH", f"/api/members/{seller['id']}", json={"role": "manager"}, expect=200)
    assert (await api.get("/api/me", token=token))["role"] == "manager"


async def asked_together(
    caplog: pytest.LogCaptureFixture, table: str, times: int, ask: Callable[[], Awaitable[Any]]
) -> tuple[list[Any], int]:
    """``ask()`` ``times`` times at once: the answers (refusals as their exceptions) and
    how many of the database's queries read ``table`` meanwhile (Tortoise logs each)."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tortoise.db_client"):
        answers = await asyncio.gather(*(ask() for _ in range(times)), return_exceptions=True)
    return answers, sum(f'FROM "{table}"' in r.getMessage() for r in caplog.records)


async def test_checks_of_the_same_new_token_share_one_lookup(db_url, caplog):
    """Thirty checks of a token this process has not seen, at the same moment (a
    building's screens reconnecting after a deploy), read it from the database once and
    all get the caller; an unknown token's refusal is shared the same way; a drop (a
    revocation) lets the next check ask again rather than wait for a query begun before
    it."""
    await init_db(db_url)
    try:
        secret = new_token()
        row = await Token.create(token_hash=hash_token(secret), role="display", label="Lobby")
        cache = TokenCache()
        cache.live = lambda: True
        callers, queries = await asked_together(
            caplog, "token", 30, lambda: authenticate(secret, None, cache)
        )
        assert {(c.role, c.token_id) for c in callers} == {("display", row.id)}
        assert queries == 1
        refused, queries = await asked_together(
            caplog, "token", 10, lambda: authenticate("hud_nobody", None, cache)
        )
        assert all(isinstance(r, Unauthorized) for r in refused) and queries == 1

        async def across_a_drop() -> None:
            first = asyncio.ensure_future(authenticate("hud_nobody", None, cache))
            await asyncio.sleep(0)  # its query has begun
            cache.drop_token(row.id)
            second = asyncio.ensure_future(authenticate("hud_nobody", None, cache))
            for check in (first, second):
                with pytest.raises(Unauthorized):
                    await check

        _, queries = await asked_together(caplog, "token", 1, across_a_drop)
        assert queries == 2
    finally:
        await close_db()


async def test_boards_asking_for_the_same_season_together_share_one_lookup(
    db_url, settings, caplog
):
    """Boards connecting together ask for the current season once between them; an
    unknown season's refusal is shared too."""
    await init_db(db_url)
    try:
        today = settings.today()
        await Season.create(name="Now", starts_on=today, ends_on=today)
        seasons = Seasons()
        seasons.live = lambda: True
        found, queries = await asked_together(
            caplog, "season", 30, lambda: seasons.resolve("current", settings)
        )
        assert {s.name for s in found} == {"Now"} and queries == 1
        refused, queries = await asked_together(
            caplog, "season", 10, lambda: seasons.resolve("99999", settings)
        )
        assert all(isinstance(r, NotFound) for r in refused) and queries == 1
    finally:
        await close_db()


async def test_roles_are_enforced(api):
    """Display, integration, seller and manager tokens cannot do admin things (403)."""
    team = await api.team()
    seller = await api.member(team["id"])
    manager = await api.member(team["id"], role="manager")
    display = await api.role_token("display")
    integration = await api.role_token("integration")
    for token in (display, integration, api.tokens[seller["id"]], api.tokens[manager["id"]]):
        r = await api.post("/api/teams", {"name": "Nope"}, token=token, expect=403)
        assert r.json()["detail"]
        await api.post(
            "/api/seasons",
            {"name": "S", "starts_on": "2026-01-01", "ends_on": "2026-03-31"},
            token=token,
            expect=403,
        )
        await api.call("PUT", "/api/policy", token=token, json={"deal_points": 1}, expect=403)
    token_row = (await api.post("/api/tokens", {"member_id": seller["id"]}, expect=201)).json()
    assert token_row["role"] == "seller" and token_row["member_id"] == seller["id"]
    await api.post("/api/tokens", {"role": "display"}, expect=422)
    await api.post("/api/tokens", {"member_id": seller["id"], "role": "admin"}, expect=422)
    admin2 = (await api.post("/api/tokens", {"role": "admin", "label": "ops"}, expect=201)).json()[
        "token"
    ]
    await api.post("/api/teams", {"name": "By admin token"}, token=admin2, expect=201)


async def test_seasons_overlap_and_current(api):
    """Seasons may not overlap (409); the current one is marked."""
    s1 = await api.season("2000-01-01", "2000-12-31", "Old")
    now = await api.season("2001-01-01", "2099-12-31", "Now")
    assert s1["current"] is False and now["current"] is True
    r = await api.post(
        "/api/seasons",
        {"name": "X", "starts_on": "2000-06-01", "ends_on": "2001-02-01"},
        expect=409,
    )
    assert "overlap" in r.json()["detail"]
    await api.post(
        "/api/seasons",
        {"name": "X", "starts_on": "2200-06-01", "ends_on": "2200-01-01"},
        expect=422,
    )
    assert [s["name"] for s in await api.get("/api/seasons")] == ["Old", "Now"]


async def test_policy_read_and_change(api):
    """Anyone reads the policy; an admin changes keys; bad keys are refused and change nothing."""
    team = await api.team()
    seller = await api.member(team["id"])
    policy = await api.get("/api/policy", token=api.tokens[seller["id"]])
    assert policy["deal_points"] == 10 and policy["team_share"] == 0.2
    assert policy["feedback_points"] == {"1": 1, "2": 1, "3": 1, "4": 3, "5": 5}
    r = await api.call("PUT", "/api/policy", json={"deal_points": 20}, expect=200)
    assert r.json()["deal_points"] == 20 and r.json()["version"] > policy["version"]
    r = await api.call("PUT", "/api/policy", json={"deal_pointz": 1}, expect=422)
    assert "Unknown policy key" in r.json()["detail"]
    await api.call("PUT", "/api/policy", json={"team_share": 2}, expect=422)
    assert (await api.get("/api/policy"))["deal_points"] == 20


async def test_policy_values_out_of_range_are_refused_and_change_nothing(api):
    """Values that would break later writes (1e12 newcomer days, 1e300 points) get a 422
    naming the key and its range; the policy and the scoring stay as they were."""
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"])
    version = (await api.get("/api/policy"))["version"]
    for key, value in (("newcomer_days", 10**12), ("deal_points", 1e300)):
        r = await api.call("PUT", "/api/policy", json={key: value}, expect=422)
        assert r.json()["field"] == key and "must be between 0 and" in r.json()["detail"]
    assert (await api.get("/api/policy"))["version"] == version
    awards = (await api.deal(seller["id"], 0)).json()["awards"]
    assert awards[0]["points"] == 10


async def test_policy_change_applies_to_later_entries_only(api):
    """A deal scored before a policy change keeps its points; later deals use the new rule."""
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"])
    first = (await api.deal(seller["id"], 0)).json()["awards"]
    await api.call("PUT", "/api/policy", json={"deal_points": 30}, expect=200)
    second = (await api.deal(seller["id"], 0)).json()["awards"]
    assert first[0]["points"] == 10 and second[0]["points"] == 30
    assert (await api.board())[seller["id"]] == 40


async def test_openapi_schema_is_served(api):
    """The OpenAPI document lists the API paths."""
    r = await api.client.get("/schema/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in ("/api/deals", "/api/kudos", "/api/leaderboards/members", "/api/goals"):
        assert path in paths
    schema = r.json()
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert schema["security"] == [{"BearerToken": []}]
    deal = paths["/api/deals"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in deal["parameters"])


async def test_unknown_path_is_a_problem(api):
    """An unknown address answers a 404 problem document."""
    r = await api.client.get("/api/nothing-here", headers=api.auth())
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")


async def _rows(db_url, sql):
    if db_url.startswith("sqlite://"):
        import sqlite3

        with sqlite3.connect(db_url.removeprefix("sqlite://").split("?")[0]) as conn:
            return [tuple(r) for r in conn.execute(sql)]
    import asyncpg

    conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://", 1))
    try:
        return [tuple(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def test_tokens_are_hashed_at_rest(api, db_url):
    """The database keeps only a SHA-256 of each token, never the token itself."""
    import hashlib

    created = (await api.post("/api/tokens", {"role": "display", "label": "TV"}, expect=201)).json()
    rows = await _rows(db_url, "SELECT token_hash, label FROM token")
    assert rows == [(hashlib.sha256(created["token"].encode()).hexdigest(), "TV")]
    assert all(created["token"] not in str(r) for r in rows)


async def test_patch_team_and_member(api):
    """Admins rename teams and move members; earned points stay with the old team."""
    await api.season()
    reds, blues = await api.team("Reds"), await api.team("Blues")
    seller = await api.member(reds["id"], "Sam")
    await api.deal(seller["id"], 0)
    r = await api.call(
        "PATCH", f"/api/teams/{reds['id']}", json={"nickname": "The Foxes"}, expect=200
    )
    assert r.json()["nickname"] == "The Foxes" and r.json()["name"] == "Reds"
    await api.call("PATCH", f"/api/teams/{reds['id']}", json={"name": "Blues"}, expect=409)
    await api.call("PATCH", f"/api/teams/{reds['id']}", json={}, expect=422)
    moved = await api.call(
        "PATCH",
        f"/api/members/{seller['id']}",
        json={"team_id": blues["id"], "role": "manager"},
        expect=200,
    )
    assert moved.json()["team_id"] == blues["id"] and moved.json()["role"] == "manager"
    teams = {t["name"]: t for t in (await api.get("/api/leaderboards/teams"))["entries"]}
    assert teams["Reds"]["total"] == 10 and teams["Reds"]["members"] == 0
    assert teams["Blues"]["total"] == 0 and teams["Blues"]["members"] == 1
    # the member's token now acts as a manager of the new team
    await api.post(
        "/api/mentoring",
        {"member_id": seller["id"], "points": 1, "note": "x"},
        token=api.tokens[seller["id"]],
        expect=422,
    )
    await api.call("PATCH", f"/api/members/{seller['id']}", json={"team_id": 999}, expect=404)
    await api.call(
        "PATCH",
        f"/api/members/{seller['id']}",
        json={"name": "X"},
        token=api.tokens[seller["id"]],
        expect=403,
    )
    kinds = [e["kind"] for e in (await api.get("/api/feed", limit=3))["entries"]]
    assert kinds[:2] == ["member.updated", "team.updated"]


async def test_emails_only_to_admins_the_member_and_their_manager(api):
    """A display or seller token reads the directory without anyone else's email."""
    team = await api.team()
    other = await api.team()
    kari = await api.member(team["id"], email="kari@example.com")
    ola = await api.member(team["id"], email="ola@example.com")
    manager = await api.member(team["id"], role="manager")
    stranger = await api.member(other["id"], role="manager")
    display = await api.role_token("display")

    async def emails(token: str) -> dict[int, str | None]:
        return {m["id"]: m["email"] for m in await api.get("/api/members", token=token)}

    assert (await emails(api.token))[kari["id"]] == "kari@example.com"
    assert (await emails(api.tokens[manager["id"]]))[ola["id"]] == "ola@example.com"
    mine = await emails(api.tokens[kari["id"]])
    assert mine[kari["id"]] == "kari@example.com" and mine[ola["id"]] is None
    assert set((await emails(display)).values()) == {None}
    assert (await emails(api.tokens[stranger["id"]]))[kari["id"]] is None
    one = await api.get(f"/api/members/{ola['id']}", token=api.tokens[kari["id"]])
    assert one["email"] is None
