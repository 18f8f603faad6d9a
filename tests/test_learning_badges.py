"""Badges (pure rules and through the API), strengths, rising stars and CSV exports."""

import asyncio
import csv
import io

from service.core.achievements import BADGES, badge_candidates, is_earned, weakness


def test_badge_rules_are_pure_and_complete():
    """Every badge has a threshold, and each entry kind names the badges it may unlock."""
    assert {b for roles in ("deal.won", "kudos", "mentoring", "loss.reviewed",
                            "feedback.received")
            for codes in badge_candidates(roles).values() for b in codes} == set(BADGES)
    assert is_earned("hat-trick", 3) and not is_earned("hat-trick", 2)
    assert is_earned("first-goal", 1)
    assert badge_candidates("team.created") == {}
    assert weakness(1, yes=0, partly=0, no=4) == 1 and weakness(9, yes=4, partly=0, no=0) == 1
    assert weakness(2, yes=1, partly=2, no=1) == 0.5


async def _setup(api):
    await api.season()
    team = await api.team("Gunners", nickname="The Gunners")
    members = [await api.member(team["id"], f"P{i}") for i in range(6)]
    manager = await api.member(team["id"], "Coach", role="manager")
    return team, members, manager


async def test_first_goal_and_hat_trick_once(api):
    """First won deal → first-goal; the third in a week → hat-trick; each only once."""
    team, (a, b, *_), manager = await _setup(api)
    first = (await api.deal(a["id"], 1000)).json()
    await api.deal(a["id"], 1000)
    third = await api.deal(a["id"], 1000)
    await api.deal(a["id"], 1000)
    feed = (await api.get("/api/feed", kind="deal.won", limit=10))["entries"]
    badges = [(e["seq"], ev["badge"]) for e in feed for ev in e["events"]
              if ev["type"] == "badge"]
    assert sorted(b for _, b in badges) == ["first-goal", "hat-trick"]
    assert dict((b, s) for s, b in badges)["first-goal"] == first["deal"]["seq"]
    assert dict((b, s) for s, b in badges)["hat-trick"] == third.json()["deal"]["seq"]
    profile = await api.get(f"/api/members/{a['id']}/profile")
    assert [x["code"] for x in profile["badges"]] == ["first-goal", "hat-trick"]
    assert all(e["celebrate"] for e in feed)


async def test_playmaker_mentor_team_player(api):
    """5 assists, 3 mentoring awards, kudos to 5 teammates: each badge once."""
    team, (a, b, c, d, e, f), manager = await _setup(api)
    for _ in range(5):
        await api.deal(a["id"], 0, assists=[b["id"]])
    for points in (1, 1, 1, 1):
        await api.post("/api/mentoring", {"member_id": c["id"], "points": points, "note": "x"},
                       token=api.tokens[manager["id"]], expect=201)
    for to in (a, b, c, d, e):
        await api.post("/api/kudos", {"to_member_id": to["id"], "points": 1, "message": "ty"},
                       token=api.tokens[f["id"]], expect=201)
    codes = {m["id"]: [x["code"] for x in
                       (await api.get(f"/api/members/{m['id']}/profile"))["badges"]]
             for m in (a, b, c, f)}
    assert codes[b["id"]] == ["playmaker"]
    assert codes[c["id"]] == ["mentor"]
    assert codes[f["id"]] == ["team-player"]
    assert codes[a["id"]] == ["first-goal", "hat-trick"]


async def test_parallel_deals_award_a_badge_once(api):
    """Parallel won deals of one seller award first-goal exactly once."""
    team, (a, *_), manager = await _setup(api)
    await asyncio.gather(*(api.deal(a["id"], 0) for _ in range(8)))
    profile = await api.get(f"/api/members/{a['id']}/profile")
    assert [x["code"] for x in profile["badges"]].count("first-goal") == 1


async def test_strengths_on_profile_and_team(api):
    """Strength tags from kudos show on the profile and name the team's specialists."""
    team, (a, b, c, *_), manager = await _setup(api)
    for giver, tag in ((b, "closer"), (c, "closer"), (manager, "communicator")):
        await api.post("/api/kudos", {"to_member_id": a["id"], "points": 1, "message": "ty",
                                      "strength": tag}, token=api.tokens[giver["id"]],
                       expect=201)
    await api.post("/api/kudos", {"to_member_id": b["id"], "points": 1, "message": "ty",
                                  "strength": "communicator"}, token=api.tokens[c["id"]],
                   expect=201)
    profile = await api.get(f"/api/members/{a['id']}/profile")
    assert profile["strengths"] == {"closer": 2, "communicator": 1}
    assert profile["strengths_all_time"] == {"closer": 2, "communicator": 1}
    data = await api.get(f"/api/teams/{team['id']}/strengths")
    assert data["leaders"]["closer"]["name"] == "P0"
    assert [r["name"] for r in data["strengths"]["communicator"]] == ["P0", "P1"]


async def test_newcomers_and_most_improved(api):
    """Newcomers rank among themselves; most improved compares to earlier seasons."""
    old = await api.season("2020-01-01", "2020-12-31", "2020")
    now = await api.season("2021-01-01", "2099-12-31", "Now")
    team = await api.team()
    vet = await api.member(team["id"], "Vet", joined_on="2019-06-01")
    steady = await api.member(team["id"], "Steady", joined_on="2019-06-01")
    rookie = (await api.post("/api/members", {"name": "Rookie", "team_id": team["id"],
                                              "role": "seller"}, expect=201)).json()
    await api.deal(vet["id"], 0, closed_at="2020-05-01T10:00:00+00:00")
    await api.deal(steady["id"], 50_000, closed_at="2020-05-01T10:00:00+00:00")
    await api.deal(vet["id"], 40_000)
    await api.deal(rookie["id"], 0)
    stars = await api.get("/api/leaderboards/newcomers")
    assert [(e["rank"], e["name"]) for e in stars["entries"]] == [(1, "Rookie")]
    improved = await api.get("/api/leaderboards/most-improved", season=str(now["id"]))
    rows = {e["name"]: e for e in improved["entries"]}
    assert "Rookie" not in rows  # no earlier season to compare with
    assert rows["Vet"]["rank"] == 1 and rows["Vet"]["baseline"] == 14  # 8 own + 6 share
    assert rows["Vet"]["current"] == 41.5 and rows["Vet"]["score"] == 27.5  # rookie x1.5
    assert rows["Steady"]["score"] == 6.5 - 49
    assert old["id"] != now["id"]


async def test_csv_exports_for_admins(api):
    """Admins download the board and the ledger as CSV; others get 403."""
    team, (a, b, *_), manager = await _setup(api)
    await api.deal(a["id"], 20_000, customer='Acme, "Nordic" AS')
    r = await api.call("GET", "/api/export/boards.csv", expect=200)
    assert r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(r.text)))
    top = rows[0]
    assert top["name"] == "P0" and float(top["score"]) == 24 and float(top["deals"]) == 24
    ledger = list(csv.DictReader(io.StringIO(
        (await api.call("GET", "/api/export/ledger.csv", expect=200)).text)))
    deal_rows = [row for row in ledger if row["kind"] == "deal.won"]
    assert {row["category"] for row in deal_rows} == {"deals", "team_share"}
    assert sum(float(row["points"]) for row in deal_rows) == 30
    await api.call("GET", "/api/export/ledger.csv", token=api.tokens[manager["id"]],
                   expect=403)
