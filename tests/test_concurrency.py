"""Rules hold under real parallel requests to a real server with 2 worker processes,
on SQLite and on PostgreSQL: allowances, budgets, idempotency and once-only bonuses."""

import asyncio
from collections import Counter


async def _team(api, n):
    team = await api.team()
    return team, [await api.member(team["id"]) for _ in range(n)]


async def test_parallel_kudos_never_exceed_the_allowance(http_api):
    """20 parallel 1-point kudos from one giver: exactly 10 land (the weekly allowance)."""
    api = http_api
    _, (giver, *others) = await _team(api, 5)
    token = api.tokens[giver["id"]]
    bodies = [
        {"to_member_id": others[i % 4]["id"], "points": 1, "message": f"ty {i}"} for i in range(20)
    ]
    results = await asyncio.gather(*(api.post("/api/kudos", b, token=token) for b in bodies))
    codes = Counter(r.status_code for r in results)
    assert codes == {201: 10, 409: 10}
    help_board = await api.board(season="all", category="help")
    assert sum(help_board.values()) == 10
    assert max(help_board.values()) <= 5  # per-recipient weekly cap
    assert len((await api.get("/api/feed", kind="kudos", limit=50))["entries"]) == 10


async def test_parallel_deals_are_all_counted_once(http_api):
    """100 parallel deals: all recorded, seqs contiguous, every point on the board."""
    api = http_api
    _, (seller, mate) = await _team(api, 2)
    results = await asyncio.gather(*(api.deal(seller["id"], 1000, expect=None) for _ in range(100)))
    assert Counter(r.status_code for r in results) == {201: 100}
    seqs = sorted(r.json()["deal"]["seq"] for r in results)
    assert seqs == list(range(seqs[0], seqs[0] + 100))
    board = await api.board(season="all")
    # 11 points a deal: 20% (2.2) to the one teammate
    assert board[seller["id"]] == 880 and board[mate["id"]] == 220
    teams = (await api.get("/api/leaderboards/teams", season="all"))["entries"]
    assert teams[0]["total"] == 1100


async def test_parallel_redelivery_scores_once(http_api):
    """20 parallel deliveries of one external_id: one 201, the rest 200, points once."""
    api = http_api
    _, (seller,) = await _team(api, 1)
    results = await asyncio.gather(
        *(api.deal(seller["id"], 5000, external_id="crm-7", expect=None) for _ in range(20))
    )
    assert Counter(r.status_code for r in results) == {201: 1, 200: 19}
    assert len({r.json()["deal"]["id"] for r in results}) == 1
    assert (await api.board(season="all"))[seller["id"]] == 15


async def test_parallel_mentoring_stays_within_budget(http_api):
    """10 parallel 10-point awards from one manager: exactly 5 fit the 50-point budget."""
    api = http_api
    team, members = await _team(api, 3)
    manager = await api.member(team["id"], role="manager")
    token = api.tokens[manager["id"]]
    results = await asyncio.gather(
        *(
            api.post(
                "/api/mentoring",
                {"member_id": members[i % 3]["id"], "points": 10, "note": "pairing"},
                token=token,
            )
            for i in range(10)
        )
    )
    assert Counter(r.status_code for r in results) == {201: 5, 409: 5}
    assert sum((await api.board(season="all", category="mentoring")).values()) == 50


async def test_parallel_deals_reach_a_goal_once(http_api):
    """Parallel deals crossing a team goal pay the team bonus exactly once."""
    api = http_api
    season = await api.season()
    team, members = await _team(api, 3)
    await api.post(
        "/api/goals",
        {"team_id": team["id"], "season_id": season["id"], "metric": "deals", "target": 5},
        expect=201,
    )
    results = await asyncio.gather(
        *(api.deal(members[i % 3]["id"], 0, expect=None) for i in range(12))
    )
    assert Counter(r.status_code for r in results) == {201: 12}
    bonus = [a for r in results for a in r.json()["awards"] if a["category"] == "bonus"]
    assert sorted(a["member_id"] for a in bonus) == sorted(m["id"] for m in members)
    assert {a["points"] for a in bonus} == {25}
