"""The learning loop's once-only rules under real parallel requests to a real server with 2
worker processes, on SQLite and on PostgreSQL."""

import asyncio
from collections import Counter
from datetime import timedelta

from tests.conftest import org_today


async def test_parallel_once_only_writes(http_api):
    """10× one feedback link, 10× one loss review, 10× one story, 6 wins at once: each
    scores once, and first-goal is awarded once."""
    api = http_api
    team = await api.team()
    seller = await api.member(team["id"])
    token = api.tokens[seller["id"]]
    lost = (await api.deal(seller["id"], 0, outcome="lost")).json()["deal"]
    link = (
        await api.post(
            "/api/feedback-requests", {"seller_id": seller["id"], "customer": "Acme"}, expect=201
        )
    ).json()
    path = "/f/" + link["url"].rsplit("/f/", 1)[1]
    answers = {"answers": ["no"] * 12}
    results = await asyncio.gather(
        *(api.client.post(path, json={"rating": 5}) for _ in range(10)),
        *(
            api.post(f"/api/deals/{lost['id']}/loss-review", answers, token=token)
            for _ in range(10)
        ),
        *(api.deal(seller["id"], 0, expect=None) for _ in range(6)),
    )
    assert Counter(r.status_code for r in results[:10]) == {201: 1, 409: 9}
    assert Counter(r.status_code for r in results[10:20]) == {201: 1, 409: 9}
    won = results[20]
    assert {r.status_code for r in results[20:]} == {201}
    stories = await asyncio.gather(
        *(
            api.post(f"/api/deals/{won.json()['deal']['id']}/story", {"text": "pilot"}, token=token)
            for _ in range(10)
        )
    )
    assert Counter(r.status_code for r in stories) == {201: 1, 409: 9}
    profile = await api.get(f"/api/members/{seller['id']}/profile", season="all")
    assert profile["breakdown"]["feedback"] == 5 and profile["breakdown"]["learning"] == 7
    assert [b["code"] for b in profile["badges"]] == ["first-goal", "hat-trick"]
    feed = (await api.get("/api/feed", limit=100))["entries"]
    assert Counter(e["kind"] for e in feed) == {
        "team.created": 1,
        "member.joined": 1,
        "deal.lost": 1,
        "deal.won": 6,
        "feedback.received": 1,
        "loss.reviewed": 1,
        "story.posted": 1,
    }


async def test_parallel_deals_pay_a_newcomers_improvement_bonus_once(http_api):
    """8 wins at once from a newcomer who scored nothing last week: the first that beats
    it by the margin pays the improvement bonus; the others, decided after it, do not."""
    api = http_api
    team = await api.team()
    joined = (org_today() - timedelta(days=14)).isoformat()  # a whole week before this one
    seller = await api.member(team["id"], joined_on=joined)
    results = await asyncio.gather(*(api.deal(seller["id"], 0, expect=None) for _ in range(8)))
    assert {r.status_code for r in results} == {201}
    feed = (await api.get("/api/feed", limit=100))["entries"]
    improved = [ev for e in feed for ev in e["events"] if ev["type"] == "improvement"]
    assert len(improved) == 1 and improved[0]["baseline"] == 0
    assert improved[0]["points"] == 15  # the first deal: 10 points × 1.5
    profile = await api.get(f"/api/members/{seller['id']}/profile", season="all")
    assert profile["breakdown"]["bonus"] == 10
