"""Leaderboards, the feed and profiles: ranking rules, filters, seasons and paging."""

import asyncio


async def _scored(api, points_by_name, team=None):
    """Members of one team with exact scores, using mentoring awards from an admin."""
    team = team or await api.team()
    members = {}
    for name, points in points_by_name.items():
        member = await api.member(team["id"], name)
        members[name] = member
        while points > 0:
            step = min(points, 20)
            await api.post(
                "/api/mentoring",
                {"member_id": member["id"], "points": step, "note": "test"},
                expect=201,
            )
            points -= step
    return team, members


async def test_tie_example_ranks(api):
    """Scores 50, 40, 40, 30 → ranks 1, 2, 2, 4, ties ordered by name."""
    _team, _m = await _scored(api, {"Dora": 30, "Bo": 40, "Al": 40, "Cy": 50})
    data = await api.get("/api/leaderboards/members", season="all")
    assert [(e["rank"], e["name"], e["score"]) for e in data["entries"]] == [
        (1, "Cy", 50),
        (2, "Al", 40),
        (2, "Bo", 40),
        (4, "Dora", 30),
    ]
    assert data["season"] is None
    assert set(data["entries"][0]) == {"rank", "member_id", "name", "team_id", "score"}


async def test_paging_filters_and_around(api):
    """limit/offset page the board; team_id and category filter it; around_me shows neighbours."""
    _team, m = await _scored(api, {"A": 60, "B": 50, "C": 40, "D": 30, "E": 20})
    other, _o = await _scored(api, {"Z": 45})
    page = await api.get("/api/leaderboards/members", season="all", limit=2, offset=1)
    assert [e["name"] for e in page["entries"]] == ["B", "Z"] and page["total"] == 6
    only = await api.get("/api/leaderboards/members", season="all", team_id=other["id"])
    assert [(e["rank"], e["name"]) for e in only["entries"]] == [(1, "Z")]
    help_board = await api.get("/api/leaderboards/members", season="all", category="help")
    assert {e["score"] for e in help_board["entries"]} == {0}
    await api.get("/api/leaderboards/members", category="fame", expect=422)
    await api.get("/api/leaderboards/members", limit=0, expect=422)
    me = await api.get(f"/api/leaderboards/members/{m['C']['id']}", season="all", around=1)
    assert me["rank"] == 4 and me["score"] == 40
    assert me["breakdown"]["mentoring"] == 40 and me["breakdown"]["deals"] == 0
    assert [e["name"] for e in me["around"]] == ["Z", "C", "D"]
    await api.get("/api/leaderboards/members/999", expect=404)


async def test_team_board_is_per_member(api):
    """Teams rank by total ÷ members, so a small team competes fairly with a big one."""
    small, _ = await _scored(api, {"S1": 40, "S2": 20})
    big, _ = await _scored(api, {"B1": 40, "B2": 20, "B3": 20, "B4": 0})
    entries = (await api.get("/api/leaderboards/teams", season="all"))["entries"]
    assert [(e["name"], e["rank"], e["score"], e["total"], e["members"]) for e in entries] == [
        (small["name"], 1, 30, 60, 2),
        (big["name"], 2, 20, 80, 4),
    ]


async def test_seasons_separate_the_boards(api):
    """Points land in the season containing the deal; all-time sums every season."""
    old = await api.season("2020-01-01", "2020-12-31", "2020")
    now = await api.season("2021-01-01", "2099-12-31", "Now")
    team = await api.team()
    seller = await api.member(team["id"])
    await api.deal(seller["id"], 0, closed_at="2020-06-01T12:00:00+02:00")
    await api.deal(seller["id"], 10_000)
    assert (await api.board(season=str(old["id"])))[seller["id"]] == 10
    assert (await api.board(season="current"))[seller["id"]] == 20
    assert (await api.board(season="all"))[seller["id"]] == 30
    current = await api.get("/api/leaderboards/members")
    assert current["season"]["id"] == now["id"]
    await api.get("/api/leaderboards/members", season="999", expect=404)
    await api.get("/api/leaderboards/members", season="last", expect=422)


async def test_current_without_a_season_is_all_time(api):
    """With no season running, season=current means all-time."""
    team = await api.team()
    seller = await api.member(team["id"])
    await api.deal(seller["id"], 0)
    data = await api.get("/api/leaderboards/members")
    assert data["season"] is None and data["entries"][0]["score"] == 10


async def test_feed_newest_first_with_awards(api):
    """The feed lists entries newest first with their awards, filterable by team."""
    team = await api.team("Reds")
    seller, mate = await api.member(team["id"], "S"), await api.member(team["id"], "M")
    other = await api.team("Blues")
    stranger = await api.member(other["id"])
    await api.deal(seller["id"], 10_000, customer="Volvo")
    await api.post(
        "/api/kudos",
        {"to_member_id": seller["id"], "points": 2, "message": "ty"},
        token=api.tokens[mate["id"]],
        expect=201,
    )
    await api.deal(stranger["id"], 0)
    feed = (await api.get("/api/feed", limit=3))["entries"]
    assert [e["kind"] for e in feed] == ["deal.won", "kudos", "deal.won"]
    assert feed[0]["seq"] > feed[1]["seq"] > feed[2]["seq"]
    assert feed[2]["data"]["customer"] == "Volvo" and feed[2]["member_name"] == "S"
    assert {a["member_id"] for a in feed[2]["awards"]} == {seller["id"], mate["id"]}
    assert feed[1]["data"]["message"] == "ty" and feed[1]["by"]["member_id"] == mate["id"]
    reds = (await api.get("/api/feed", team_id=team["id"], kind="deal.won"))["entries"]
    assert len(reds) == 1 and reds[0]["member_id"] == seller["id"]


async def test_boards_follow_the_directory_at_once(api):
    """Boards take names and teams from the process's directory, kept by the ledger's own
    entries: a new member, a renamed member, a member moved to another team and a renamed
    team show on the very next read."""
    feed = api.client.app.state.live_feed  # the directory is used once the feed is up
    for _ in range(500):
        if feed.connected.is_set():
            break
        await asyncio.sleep(0.02)
    reds, blues = await api.team("Reds"), await api.team("Blues")
    kari = await api.member(reds["id"], "Kari")
    await api.deal(kari["id"], 10_000)
    await api.get("/api/leaderboards/members")  # the directory is loaded now
    assert [t["name"] for t in (await api.get("/api/leaderboards/teams"))["entries"]] == [
        "Reds",
        "Blues",
    ]
    ola = await api.member(blues["id"], "Ola")
    entries = (await api.get("/api/leaderboards/members"))["entries"]
    assert [(e["name"], e["team_id"]) for e in entries] == [
        ("Kari", reds["id"]),
        ("Ola", blues["id"]),
    ]
    await api.call("PATCH", f"/api/members/{kari['id']}", json={"name": "Kari N."}, expect=200)
    await api.call("PATCH", f"/api/members/{ola['id']}", json={"team_id": reds["id"]}, expect=200)
    await api.call("PATCH", f"/api/teams/{blues['id']}", json={"name": "Navy"}, expect=200)
    entries = (await api.get("/api/leaderboards/members", team_id=reds["id"]))["entries"]
    assert [e["name"] for e in entries] == ["Kari N.", "Ola"]
    teams = (await api.get("/api/leaderboards/teams"))["entries"]
    assert [(t["name"], t["members"]) for t in teams] == [("Reds", 2), ("Navy", 0)]
