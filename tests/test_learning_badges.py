"""Badges (pure rules and through the API), strengths, rising stars and CSV exports."""

import asyncio
import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from service.core.achievements import BADGES, badge_candidates, is_earned, weakness


def test_badge_rules_are_pure_and_complete():
    """Every badge has a threshold, and each entry kind names the badges it may unlock."""
    assert {
        b
        for roles in ("deal.won", "kudos", "mentoring", "loss.reviewed", "feedback.received")
        for codes in badge_candidates(roles).values()
        for b in codes
    } == set(BADGES)
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
    badges = [(e["seq"], ev["badge"]) for e in feed for ev in e["events"] if ev["type"] == "badge"]
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
        await api.post(
            "/api/mentoring",
            {"member_id": c["id"], "points": points, "note": "x"},
            token=api.tokens[manager["id"]],
            expect=201,
        )
    for to in (a, b, c, d, e):
        await api.post(
            "/api/kudos",
            {"to_member_id": to["id"], "points": 1, "message": "ty"},
            token=api.tokens[f["id"]],
            expect=201,
        )
    codes = {
        m["id"]: [x["code"] for x in (await api.get(f"/api/members/{m['id']}/profile"))["badges"]]
        for m in (a, b, c, f)
    }
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
        await api.post(
            "/api/kudos",
            {"to_member_id": a["id"], "points": 1, "message": "ty", "strength": tag},
            token=api.tokens[giver["id"]],
            expect=201,
        )
    await api.post(
        "/api/kudos",
        {"to_member_id": b["id"], "points": 1, "message": "ty", "strength": "communicator"},
        token=api.tokens[c["id"]],
        expect=201,
    )
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
    rookie = (
        await api.post(
            "/api/members", {"name": "Rookie", "team_id": team["id"], "role": "seller"}, expect=201
        )
    ).json()
    await api.deal(vet["id"], 0, closed_at="2020-05-01T10:00:00+00:00")
    await api.deal(steady["id"], 50_000, closed_at="2020-05-01T10:00:00+00:00")
    await api.deal(vet["id"], 40_000)
    await api.deal(rookie["id"], 0)
    stars = await api.get("/api/leaderboards/newcomers")
    assert [(e["rank"], e["name"]) for e in stars["entries"]] == [(1, "Rookie")]
    improved = await api.get("/api/leaderboards/most-improved", season=str(now["id"]))
    rows = {e["name"]: e for e in improved["entries"]}
    assert "Rookie" not in rows  # joined today: no earlier season, too new for halves
    assert rows["Vet"]["rank"] == 1 and rows["Vet"]["baseline"] == 14  # 8 own + 6 share
    assert rows["Vet"]["current"] == 41.5 and rows["Vet"]["score"] == 27.5  # rookie x1.5
    assert rows["Steady"]["score"] == 6.5 - 49
    assert old["id"] != now["id"]


async def test_most_improved_compares_a_newcomer_with_their_own_first_weeks(api):
    """A newcomer with no earlier season: points in the later half of their days in the
    season minus the first half; a reversal counts on the day of the deal it takes back."""
    await api.call("PUT", "/api/policy", json={"improvement_bonus": 0}, expect=200)
    await api.season("2020-01-01", "2099-12-31", "Now")
    team = await api.team()
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()
    joined = today - timedelta(days=20)  # 21 days: halves of 10 and 11, the second from day 10
    rookie = await api.member(team["id"], "Rookie", joined_on=joined.isoformat())

    def day(n: int) -> str:
        return f"{(joined + timedelta(days=n)).isoformat()}T10:00:00+00:00"

    early = (await api.deal(rookie["id"], 10_000, closed_at=day(2))).json()["deal"]
    await api.deal(rookie["id"], 50_000, closed_at=day(15))
    rows = {e["name"]: e for e in (await api.get("/api/leaderboards/most-improved"))["entries"]}
    row = rows["Rookie"]
    assert (row["basis"], row["seasons"], row["since"]) == (
        "first_weeks",
        0,
        (joined + timedelta(days=10)).isoformat(),
    )
    assert (row["baseline"], row["current"], row["score"]) == (30, 90, 60)  # × 1.5
    await api.post(f"/api/deals/{early['id']}/reverse", {"reason": "duplicate"}, expect=201)
    rows = {e["name"]: e for e in (await api.get("/api/leaderboards/most-improved"))["entries"]}
    assert (rows["Rookie"]["baseline"], rows["Rookie"]["score"]) == (0, 90)


async def test_a_members_improvement_week(api):
    """What /board shows a newcomer: this week's own points against the week before's
    plus the margin, what is still needed, and whether the bonus was earned."""
    team = await api.team()
    today = datetime.now(ZoneInfo("Europe/Oslo")).date()
    rookie = await api.member(
        team["id"], "Rookie", joined_on=(today - timedelta(days=14)).isoformat()
    )
    token = api.tokens[rookie["id"]]
    week = await api.get(f"/api/members/{rookie['id']}/improvement", token=token)
    assert week["eligible"] and not week["earned"] and week["reason"] is None
    assert (week["points"], week["baseline"], week["target"], week["needed"]) == (0, 0, 10, 10)
    assert week["bonus"] == 10 and week["week"] == "{}-W{:02d}".format(*today.isocalendar())
    await api.deal(rookie["id"], 0)  # 10 × 1.5
    week = await api.get(f"/api/members/{rookie['id']}/improvement", token=token)
    assert week["earned"] and (week["points"], week["needed"]) == (15, 0)
    vet = await api.member(team["id"], "Vet")  # joined 2020
    week = await api.get(f"/api/members/{vet['id']}/improvement")
    assert not week["eligible"] and "no longer a newcomer" in week["reason"]
    new = await api.member(team["id"], "New", joined_on=today.isoformat())
    week = await api.get(f"/api/members/{new['id']}/improvement")
    assert not week["eligible"] and "next week is their first" in week["reason"]
    await api.call("GET", "/api/members/999999/improvement", expect=404)


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
    ledger = list(
        csv.DictReader(
            io.StringIO((await api.call("GET", "/api/export/ledger.csv", expect=200)).text)
        )
    )
    deal_rows = [row for row in ledger if row["kind"] == "deal.won"]
    assert {row["category"] for row in deal_rows} == {"deals", "team_share"}
    assert sum(float(row["points"]) for row in deal_rows) == 30
    await api.call("GET", "/api/export/ledger.csv", token=api.tokens[manager["id"]], expect=403)


def _badges(feed):
    """(badge, member_id) of every badge event in a feed page."""
    return [
        (ev["badge"], ev["member_id"])
        for e in feed["entries"]
        for ev in e["events"]
        if ev["type"] == "badge"
    ]


async def test_learning_badges_mentor_by_coach_kudos(api):
    """3 loss reviews, 5 feedbacks, named 'coach' 3 times: each badge once, celebrated."""
    team, (a, b, c, d, e, f), manager = await _setup(api)
    answers = {"answers": ["yes"] * 12}
    lost = [(await api.deal(a["id"], 0, outcome="lost")).json()["deal"] for _ in range(4)]
    for deal in lost:
        await api.post(
            f"/api/deals/{deal['id']}/loss-review", answers, token=api.tokens[a["id"]], expect=201
        )
    for _ in range(6):
        link = (
            await api.post(
                "/api/feedback-requests", {"seller_id": b["id"], "customer": "Acme"}, expect=201
            )
        ).json()
        path = "/f/" + link["url"].rsplit("/f/", 1)[1]
        assert (await api.client.post(path, json={"rating": 3})).status_code == 201
    for giver in (d, e, f):
        await api.post(
            "/api/kudos",
            {"to_member_id": c["id"], "points": 1, "message": "ty", "strength": "coach"},
            token=api.tokens[giver["id"]],
            expect=201,
        )
    feed = await api.get("/api/feed", limit=50)
    assert sorted(_badges(feed)) == sorted(
        [("student-of-the-game", a["id"]), ("voice-of-the-customer", b["id"]), ("mentor", c["id"])]
    )
    awarded = [e for e in feed["entries"] if any(ev["type"] == "badge" for ev in e["events"])]
    assert {e["kind"] for e in awarded} == {"loss.reviewed", "feedback.received", "kudos"}
    assert all(e["celebrate"] for e in awarded)
    assert not any(
        e["celebrate"] for e in feed["entries"] if e["kind"] == "kudos" and e not in awarded
    )
    profile = await api.get(f"/api/members/{c['id']}/profile")
    assert [(x["code"], x["title"]) for x in profile["badges"]] == [("mentor", "Mentor")]
    assert profile["badges"][0]["seq"] == next(e["seq"] for e in awarded if e["kind"] == "kudos")


async def test_badges_once_per_season_and_hat_trick_needs_one_week(api):
    """Each season can award the same badge again; 3 wins spread over 3 weeks are no hat-trick."""
    old = await api.season("2020-01-01", "2020-12-31", "2020")
    now = await api.season("2021-01-01", "2099-12-31", "Now")
    team = await api.team()
    a = await api.member(team["id"])
    for day in ("2020-03-02", "2020-03-09", "2020-03-16"):  # Mondays of three ISO weeks
        await api.deal(a["id"], 0, closed_at=f"{day}T10:00:00+00:00")
    await api.deal(a["id"], 0)
    by_season = {
        s["id"]: [
            x["code"]
            for x in (await api.get(f"/api/members/{a['id']}/profile", season=str(s["id"])))[
                "badges"
            ]
        ]
        for s in (old, now)
    }
    assert by_season == {old["id"]: ["first-goal"], now["id"]: ["first-goal"]}
    for day in ("2020-03-17", "2020-03-18"):  # now 3 in the week of 16 March
        await api.deal(a["id"], 0, closed_at=f"{day}T10:00:00+00:00")
    profile = await api.get(f"/api/members/{a['id']}/profile", season="all")
    assert sorted((x["code"], x["season_id"]) for x in profile["badges"]) == [
        ("first-goal", old["id"]),
        ("first-goal", now["id"]),
        ("hat-trick", old["id"]),
    ]
    assert profile["badges_all_time"] == 3


async def test_refused_actions_award_no_badge(api):
    """A refused kudos or review is not counted towards a badge."""
    team, (a, b, c, d, e, f), manager = await _setup(api)
    for to in (a, b, c, d):
        await api.post(
            "/api/kudos",
            {"to_member_id": to["id"], "points": 1, "message": "ty"},
            token=api.tokens[f["id"]],
            expect=201,
        )
    await api.post(
        "/api/kudos",
        {"to_member_id": f["id"], "points": 1, "message": "me"},
        token=api.tokens[f["id"]],
        expect=422,
    )  # to oneself: not a 5th teammate
    await api.post(
        "/api/kudos",
        {"to_member_id": a["id"], "points": 5, "message": "again"},
        token=api.tokens[f["id"]],
        expect=409,
    )  # over the cap to a
    assert (await api.get(f"/api/members/{f['id']}/profile"))["badges"] == []
    await api.post(
        "/api/kudos",
        {"to_member_id": e["id"], "points": 1, "message": "ty"},
        token=api.tokens[f["id"]],
        expect=201,
    )
    codes = [x["code"] for x in (await api.get(f"/api/members/{f['id']}/profile"))["badges"]]
    assert codes == ["team-player"]


async def test_csv_cells_cannot_run_as_formulas(api):
    """A customer named like a formula is exported as text; details carry what happened."""
    team, (a, *_), manager = await _setup(api)
    await api.deal(a["id"], 1000, customer='=HYPERLINK("http://x")')
    r = await api.call("GET", "/api/export/ledger.csv", expect=200)
    assert r.headers["content-disposition"] == 'attachment; filename="huddle-ledger.csv"'
    rows = [row for row in csv.DictReader(io.StringIO(r.text)) if row["kind"] == "deal.won"]
    details = rows[0]["details"]
    assert details.startswith("{") and '"customer":"=HYPERLINK' in details
    assert not any(cell.startswith("=") for row in rows for cell in row.values())
    boards = await api.call("GET", "/api/export/boards.csv", params={"season": "all"}, expect=200)
    assert 'filename="huddle-board-all.csv"' in boards.headers["content-disposition"]
    await api.call("GET", "/api/export/boards.csv", token=api.tokens[a["id"]], expect=403)


async def test_most_improved_needs_a_season(api):
    """With no season running and none named, most-improved says so (422)."""
    team = await api.team()
    await api.member(team["id"])
    r = await api.call("GET", "/api/leaderboards/most-improved", expect=422)
    assert "season" in r.json()["detail"]
    assert (await api.get("/api/leaderboards/newcomers"))["entries"] == []


def test_safe_cell_only_touches_formula_text():
    """Text starting like a formula gets an apostrophe; numbers and plain text do not."""
    from service.learning.export import safe_cell

    assert [safe_cell(v) for v in ("=1+1", "+47 22", "-x", "@SUM", "Kari", -5, 2.5, None)] == [
        "'=1+1",
        "'+47 22",
        "'-x",
        "'@SUM",
        "Kari",
        -5,
        2.5,
        None,
    ]
