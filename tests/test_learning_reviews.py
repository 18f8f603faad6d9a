"""Loss reviews, insights and win stories through the real API, refusals included."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

from service.core.achievements import LOSS_QUESTIONS
from service.learning.insights import pair_up

ANSWERS = ["yes", "partly", "no", "yes", "no", "no", "yes", "partly", "yes", "yes", "no", "yes"]


async def _lost_and_won(api):
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"])
    mate = await api.member(team["id"])
    manager = await api.member(team["id"], role="manager")
    lost = (await api.deal(seller["id"], 40_000, outcome="lost")).json()["deal"]
    won = (await api.deal(seller["id"], 10_000)).json()["deal"]
    return team, seller, mate, manager, lost, won


async def test_loss_review_once_by_the_seller(api):
    """The seller reviews a lost deal once and earns 5 learning points; it leaves pending."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    token = api.tokens[seller["id"]]
    pending = await api.get(f"/api/members/{seller['id']}/pending-reviews")
    assert [p["deal_id"] for p in pending] == [lost["id"]]
    assert (await api.get(f"/api/members/{seller['id']}/profile"))["pending_reviews"] == 1
    r = await api.post(
        f"/api/deals/{lost['id']}/loss-review",
        {"answers": ANSWERS, "lesson": "Find the real decision maker early"},
        token=token,
        expect=201,
    )
    assert r.json()["points"] == 5 and r.json()["answers"] == ANSWERS
    assert await api.get(f"/api/members/{seller['id']}/pending-reviews") == []
    assert (await api.board(category="learning"))[seller["id"]] == 5
    again = await api.post(
        f"/api/deals/{lost['id']}/loss-review", {"answers": ANSWERS}, token=token, expect=409
    )
    assert "already" in again.json()["detail"]


async def test_loss_review_refusals_change_nothing(api):
    """Wrong person, won deal, bad answers, unknown deal: refused, no entry, no points."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    before = await api.get("/api/feed")
    path = f"/api/deals/{lost['id']}/loss-review"
    await api.post(path, {"answers": ANSWERS}, token=api.tokens[mate["id"]], expect=403)
    await api.post(path, {"answers": ANSWERS}, token=api.tokens[manager["id"]], expect=403)
    await api.post(path, {"answers": ANSWERS}, expect=403)  # admin has no member
    await api.post(path, {"answers": ANSWERS[:11]}, token=api.tokens[seller["id"]], expect=422)
    await api.post(path, {"answers": ["maybe"] * 12}, token=api.tokens[seller["id"]], expect=422)
    r = await api.post(
        f"/api/deals/{won['id']}/loss-review",
        {"answers": ANSWERS},
        token=api.tokens[seller["id"]],
        expect=409,
    )
    assert "won" in r.json()["detail"]
    await api.post(
        "/api/deals/999/loss-review",
        {"answers": ANSWERS},
        token=api.tokens[seller["id"]],
        expect=404,
    )
    assert await api.get("/api/feed") == before
    assert (await api.board(category="learning"))[seller["id"]] == 0


async def test_parallel_reviews_count_once(api):
    """Ten parallel reviews of one lost deal: one is accepted, nine are 409."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    results = await asyncio.gather(
        *(
            api.post(
                f"/api/deals/{lost['id']}/loss-review",
                {"answers": ANSWERS},
                token=api.tokens[seller["id"]],
            )
            for _ in range(10)
        )
    )
    assert Counter(r.status_code for r in results) == {201: 1, 409: 9}
    assert (await api.board(category="learning"))[seller["id"]] == 5


async def test_insights_weakest_first_for_managers(api):
    """Managers read their team's per-question counts, weakest first, with lessons."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    lost2 = (await api.deal(mate["id"], 5000, outcome="lost")).json()["deal"]
    await api.post(
        f"/api/deals/{lost['id']}/loss-review",
        {"answers": ANSWERS, "lesson": "Qualify budget"},
        token=api.tokens[seller["id"]],
        expect=201,
    )
    worse = ["no"] * 8 + ["yes"] + ["no"] * 3
    await api.post(
        f"/api/deals/{lost2['id']}/loss-review",
        {"answers": worse},
        token=api.tokens[mate["id"]],
        expect=201,
    )
    data = await api.get("/api/insights/losses", token=api.tokens[manager["id"]])
    assert data["reviews"] == 2 and data["team_id"] == team["id"]
    q = {x["number"]: x for x in data["questions"]}
    assert (q[3]["yes"], q[3]["partly"], q[3]["no"]) == (0, 0, 2)
    assert q[3]["question"].startswith("Did you have a coach")
    weak = [x["weakness"] for x in data["questions"]]
    assert weak == sorted(weak, reverse=True) and data["questions"][0]["weakness"] == 1
    assert q[9]["weakness"] == 1  # "did you misinterpret": yes is the bad answer
    assert [lesson["lesson"] for lesson in data["lessons"]] == ["Qualify budget"]
    await api.get("/api/insights/losses", token=api.tokens[seller["id"]], expect=403)
    other = await api.team()
    await api.get(
        "/api/insights/losses", token=api.tokens[manager["id"]], team_id=other["id"], expect=403
    )
    assert (await api.get("/api/insights/losses", team_id=other["id"]))["reviews"] == 0


async def test_win_story_once_in_the_feed(api):
    """The seller tells a won deal's story once (2 points, in the feed); lost deals → 409."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    token = api.tokens[seller["id"]]
    r = await api.post(
        f"/api/deals/{won['id']}/story",
        {"text": "We ran a pilot with their ops team first."},
        token=token,
        expect=201,
    )
    assert r.json()["points"] == 2
    feed = (await api.get("/api/feed", kind="story.posted"))["entries"]
    assert feed[0]["data"]["text"].startswith("We ran a pilot")
    await api.post(f"/api/deals/{won['id']}/story", {"text": "again"}, token=token, expect=409)
    await api.post(f"/api/deals/{lost['id']}/story", {"text": "x"}, token=token, expect=409)
    await api.post(
        f"/api/deals/{won['id']}/story", {"text": "x"}, token=api.tokens[mate["id"]], expect=403
    )
    await api.post(f"/api/deals/{won['id']}/story", {"text": ""}, token=token, expect=422)
    assert (await api.board(category="learning"))[seller["id"]] == 2


async def test_story_refusals_change_nothing(api):
    """Wrong person, lost deal, empty text, admin, unknown deal: refused, no entry, no points."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    before, board = await api.get("/api/feed"), await api.board()
    path = f"/api/deals/{won['id']}/story"
    await api.post(path, {"text": "mine"}, token=api.tokens[mate["id"]], expect=403)
    await api.post(path, {"text": "mine"}, token=api.tokens[manager["id"]], expect=403)
    await api.post(path, {"text": "mine"}, expect=403)  # admin has no member
    await api.post(path, {"text": "mine"}, token=await api.role_token("display"), expect=403)
    await api.post(path, {"text": "   "}, token=api.tokens[seller["id"]], expect=422)
    await api.post(
        f"/api/deals/{lost['id']}/story", {"text": "x"}, token=api.tokens[seller["id"]], expect=409
    )
    await api.post(
        "/api/deals/999/story", {"text": "x"}, token=api.tokens[seller["id"]], expect=404
    )
    assert await api.get("/api/feed") == before and await api.board() == board


async def test_pending_reviews_per_member(api):
    """Each seller sees their own lost deals waiting; won deals never wait."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    older = (
        await api.deal(mate["id"], 1, outcome="lost", closed_at="2026-01-05T10:00:00+00:00")
    ).json()["deal"]
    newer = (await api.deal(mate["id"], 2, outcome="lost")).json()["deal"]
    pending = await api.get(
        f"/api/members/{mate['id']}/pending-reviews", token=api.tokens[mate["id"]]
    )
    assert [p["deal_id"] for p in pending] == [newer["id"], older["id"]]
    assert pending[0]["customer"] == "Acme AS" and pending[0]["amount"] == 2
    assert (await api.get(f"/api/members/{mate['id']}/profile"))["pending_reviews"] == 2
    assert [
        p["deal_id"] for p in await api.get(f"/api/members/{seller['id']}/pending-reviews")
    ] == [lost["id"]]
    await api.get("/api/members/999/pending-reviews", expect=404)


async def test_a_coach_sees_the_reviews_the_team_owes_and_which_are_overdue(api):
    """The team's lost deals still without a review, with their age; older than
    loss_review_due_days (3) is overdue. A reviewed or reversed deal, or a seller who has
    left, owes nothing; managers see their own team's list."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    five_days_ago = (datetime.now(UTC) - timedelta(days=5)).isoformat()
    old = (await api.deal(mate["id"], 7, outcome="lost", closed_at=five_days_ago)).json()["deal"]
    reviewed = (await api.deal(mate["id"], 8, outcome="lost")).json()["deal"]
    await api.post(
        f"/api/deals/{reviewed['id']}/loss-review",
        {"answers": ANSWERS, "lesson": "Call earlier"},
        token=api.tokens[mate["id"]],
        expect=201,
    )
    reversed_ = (await api.deal(mate["id"], 9, outcome="lost")).json()["deal"]
    await api.post(f"/api/deals/{reversed_['id']}/reverse", {"reason": "typo"}, expect=201)
    path = f"/api/teams/{team['id']}/pending-reviews"
    owed = await api.get(path, token=api.tokens[manager["id"]])
    assert [(r["deal_id"], r["seller_name"], r["overdue"]) for r in owed] == [
        (lost["id"], seller["name"], False),
        (old["id"], mate["name"], True),
    ]
    assert owed[0]["waiting_days"] == 0 and owed[1]["waiting_days"] in (5, 6)  # org-local days
    mine = await api.get(f"/api/members/{mate['id']}/pending-reviews")
    assert [(r["deal_id"], r["overdue"]) for r in mine] == [(old["id"], True)]

    await api.call("PUT", "/api/policy", json={"loss_review_due_days": 7}, expect=200)
    assert not any(r["overdue"] for r in await api.get(path))
    await api.call("PATCH", f"/api/members/{mate['id']}", json={"active": False}, expect=200)
    assert [r["deal_id"] for r in await api.get(path)] == [lost["id"]]

    other = await api.team("Others")
    boss = await api.member(other["id"], role="manager")
    r = await api.get(path, token=api.tokens[boss["id"]], expect=403)
    assert "own team" in r["detail"]
    await api.get(path, token=api.tokens[seller["id"]], expect=403)
    await api.get("/api/teams/999/pending-reviews", expect=404)


async def test_reviews_count_in_the_season_they_are_written(api):
    """Insights go by the season the deal was lost in; the badge by the review's season."""
    old = await api.season("2020-01-01", "2020-12-31", "2020")
    now = await api.season("2021-01-01", "2099-12-31", "Now")
    team = await api.team()
    seller = await api.member(team["id"])
    deals = [
        (
            await api.deal(seller["id"], 0, outcome="lost", closed_at="2020-06-01T10:00:00+00:00")
        ).json()["deal"]
        for _ in range(3)
    ]
    for deal in deals:
        await api.post(
            f"/api/deals/{deal['id']}/loss-review",
            {"answers": ANSWERS},
            token=api.tokens[seller["id"]],
            expect=201,
        )
    assert (await api.get("/api/insights/losses", season=str(old["id"])))["reviews"] == 3
    assert (await api.get("/api/insights/losses", season=str(now["id"])))["reviews"] == 0
    profile = await api.get(f"/api/members/{seller['id']}/profile", season="all")
    assert [(b["code"], b["season_id"]) for b in profile["badges"]] == [
        ("student-of-the-game", now["id"])
    ]
    assert (await api.board(season=str(now["id"]), category="learning"))[seller["id"]] == 15


async def test_insights_for_admins_across_teams(api):
    """Admins read every team together or one team; display tokens may not."""
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    other = await api.team()
    rival = await api.member(other["id"])
    lost2 = (await api.deal(rival["id"], 1, outcome="lost")).json()["deal"]
    for who, deal in ((seller, lost), (rival, lost2)):
        await api.post(
            f"/api/deals/{deal['id']}/loss-review",
            {"answers": ANSWERS},
            token=api.tokens[who["id"]],
            expect=201,
        )
    everyone = await api.get("/api/insights/losses")
    assert everyone["reviews"] == 2 and everyone["team_id"] is None
    assert sum(q["yes"] + q["partly"] + q["no"] for q in everyone["questions"]) == 24
    assert (await api.get("/api/insights/losses", team_id=other["id"]))["reviews"] == 1
    await api.get("/api/insights/losses", token=await api.role_token("display"), expect=403)


def _answers(**at):
    """Twelve good answers (question 9 is the inverted one: 'no' is good), some changed."""
    answers = ["yes"] * 12
    answers[8] = "no"
    for number, answer in at.items():
        answers[int(number[1:]) - 1] = answer
    return tuple(answers)


def test_who_to_ask_pairs_a_weak_question_with_a_strong_teammate():
    team = {1: "Ann", 2: "Bo", 3: "Cy", 4: "Di"}
    reviews = [
        (1, _answers(q3="no")), (1, _answers(q3="no", q5="partly")),
        (2, _answers()), (2, _answers()),
        (3, _answers(q3="partly")), (3, _answers(q3="partly")), (3, _answers(q3="partly")),
        (4, _answers(q3="no")),  # one review: too few to say
        (9, _answers()), (9, _answers()),  # not in the team (moved, or left)
    ]  # fmt: skip
    rows = {r["member_id"]: r for r in pair_up(reviews, team)}
    assert set(rows) == {1, 3}  # Bo is weak nowhere, Di has one review
    assert (rows[1]["question"], rows[1]["weakness"], rows[1]["ask"]["name"]) == (3, 1.0, "Bo")
    assert rows[1]["question_text"].startswith(LOSS_QUESTIONS[2][:20])
    assert (rows[3]["weakness"], rows[3]["ask"]["member_id"]) == (0.5, 2)
    assert [r["member_id"] for r in pair_up(reviews, team)] == [1, 3]  # weakest first
    # nobody strong on it: the weak question is still named, with nobody to ask
    alone = pair_up([(1, _answers(q3="no")), (1, _answers(q3="no"))], {1: "Ann", 2: "Bo"})
    assert alone[0]["question"] == 3 and alone[0]["ask"] is None


async def test_who_to_ask_for_the_coach(api):
    team, seller, mate, manager, lost, won = await _lost_and_won(api)
    for who, answers in ((seller, _answers(q3="no")), (mate, _answers())):
        for n in range(2):
            deal = (await api.deal(who["id"], 1_000 + n, outcome="lost")).json()["deal"]
            body = {"answers": list(answers)}
            token = api.tokens[who["id"]]
            await api.post(f"/api/deals/{deal['id']}/loss-review", body, token=token, expect=201)
    path = f"/api/teams/{team['id']}/who-to-ask"
    (row,) = await api.get(path, token=api.tokens[manager["id"]])
    assert (row["member_id"], row["question"], row["ask"]["member_id"]) == (
        seller["id"],
        3,
        mate["id"],
    )
    await api.get(path, token=api.tokens[seller["id"]], expect=403)
    await api.get("/api/teams/999/who-to-ask", expect=404)
