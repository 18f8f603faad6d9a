"""Customer feedback links: one-time, expiring, unguessable, rate-limited, scored once."""

import asyncio
from collections import Counter

from tests.test_api_org import _rows


async def _request(api, **extra):
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"], "Kari Nordmann")
    mate = await api.member(team["id"])
    body = {"seller_id": seller["id"], "customer": "Equinor", "meeting_on": "2026-11-20",
            **extra}
    r = await api.post("/api/feedback-requests", body, token=api.tokens[seller["id"]],
                       expect=201)
    return team, seller, mate, r.json()


def _path(link):
    return "/f/" + link["url"].rsplit("/f/", 1)[1]


async def test_link_form_and_one_answer(api):
    """The customer opens the page without a token, answers once, and the seller scores."""
    team, seller, mate, link = await _request(api)
    key = link["url"].rsplit("/", 1)[1]
    assert len(key) >= 40 and link["expires_at"]
    page = await api.client.get(_path(link), headers={"Accept-Language": "nb-NO,nb;q=0.9"})
    assert page.status_code == 200 and "Hvordan gikk møtet" in page.text and "Kari" in page.text
    assert "Hur gick" in (await api.client.get(_path(link) + "?lang=sv")).text
    r = await api.client.post(_path(link), data={"rating": "5", "comment": "Clear and useful"})
    assert r.status_code == 201 and "Thank you" in r.text
    again = await api.client.post(_path(link), json={"rating": 1})
    assert again.status_code == 409 and again.json()["detail"]
    assert (await api.client.get(_path(link))).status_code == 409
    assert (await api.board(category="feedback"))[seller["id"]] == 5
    listed = await api.get("/api/feedback", team_id=team["id"])
    assert [(f["rating"], f["comment"], f["customer"]) for f in listed] == [
        (5, "Clear and useful", "Equinor")]


async def test_bad_feedback_is_kept_and_scored_by_policy(api):
    """A low rating is listed too and earns the policy's points for it (JSON body)."""
    team, seller, mate, link = await _request(api)
    r = await api.client.post(_path(link), json={"rating": 2, "comment": "Too much jargon"})
    assert r.status_code == 201
    assert (await api.get("/api/feedback", seller_id=seller["id"]))[0]["rating"] == 2
    assert (await api.board(category="feedback"))[seller["id"]] == 1


async def test_refusals_change_nothing(api, db_url):
    """Bad rating, unknown key, expired link, wrong requester: refused; nothing recorded."""
    team, seller, mate, link = await _request(api)
    before = await api.get("/api/feed")
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "five"}, {"comment": "no rating"}):
        assert (await api.client.post(_path(link), json=bad)).status_code == 422
    assert (await api.client.post("/f/not-a-real-key", json={"rating": 5})).status_code == 404
    await api.post("/api/feedback-requests", {"seller_id": seller["id"], "customer": "X"},
                   token=api.tokens[mate["id"]], expect=403)
    await api.post("/api/feedback-requests", {"seller_id": seller["id"], "customer": "X"},
                   token=await api.role_token("display"), expect=403)
    key = link["url"].rsplit("/", 1)[1]
    await _rows(db_url, "UPDATE feedback_request SET expires_at = '2001-01-01 00:00:00+00:00' "
                        f"WHERE key = '{key}'")
    expired = await api.client.post(_path(link), json={"rating": 5})
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    assert await api.get("/api/feed") == before
    assert await api.get("/api/feedback") == []


async def test_parallel_answers_accept_one(api):
    """Ten parallel answers to one link: exactly one is accepted."""
    team, seller, mate, link = await _request(api)
    results = await asyncio.gather(*(api.client.post(_path(link), json={"rating": 4})
                                     for _ in range(10)))
    assert Counter(r.status_code for r in results) == {201: 1, 409: 9}
    assert (await api.board(category="feedback"))[seller["id"]] == 3


async def test_rate_limit_per_address(api):
    """Guessing keys from one address is cut off with 429 after the limit."""
    codes = [(await api.client.get(f"/f/guess-{i}")).status_code for i in range(35)]
    assert codes[:30] == [404] * 30 and set(codes[30:]) == {429}
    r = await api.client.post("/f/guess-x", json={"rating": 5})
    assert r.status_code == 429 and r.json()["detail"]
