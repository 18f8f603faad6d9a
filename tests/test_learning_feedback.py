"""Customer feedback links: one-time, expiring, unguessable, rate-limited, scored once."""

import asyncio
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.learning.feedback import anonymised, praise_since, summarize
from tests.test_api_org import _rows


async def _request(api, **extra):
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"], "Kari Nordmann")
    mate = await api.member(team["id"])
    body = {"seller_id": seller["id"], "customer": "Equinor", "meeting_on": "2026-11-20", **extra}
    r = await api.post("/api/feedback-requests", body, token=api.tokens[seller["id"]], expect=201)
    return team, seller, mate, r.json()


def _path(link):
    return "/f/" + link["url"].rsplit("/f/", 1)[1]


async def test_a_link_in_the_customers_language_with_its_qr_code_and_email(api):
    """lang: the link opens in the customer's language, and the email to send it is
    written in it; the QR code encodes the link (an SVG for the page to show)."""
    _team, seller, _mate, link = await _request(api, lang="sv")
    assert link["url"].endswith("?lang=sv")
    page = await api.client.get(_path(link), headers={"Accept-Language": "en"})
    assert "Hur gick" in page.text  # the link's language, not the browser's
    assert link["email"]["subject"] == "Hur gick vårt möte?"
    body = link["email"]["body"]
    assert link["url"] in body and body.startswith("Hej,") and body.endswith("Kari Nordmann")
    assert link["qr"].startswith("data:image/svg+xml")
    english = (
        await api.post(
            "/api/feedback-requests",
            {"seller_id": seller["id"], "customer": "Acme"},
            token=api.tokens[seller["id"]],
            expect=201,
        )
    ).json()
    assert "?lang=" not in english["url"] and english["email"]["subject"] == (
        "How did our meeting go?"
    )
    r = await api.post(
        "/api/feedback-requests",
        {"seller_id": seller["id"], "customer": "Acme", "lang": "de"},
        token=api.tokens[seller["id"]],
    )
    assert r.status_code == 422 and "lang" in r.text


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
        (5, "Clear and useful", "Equinor")
    ]


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
    too_long = "/f/" + "x" * 300  # longer than any key: unknown, not a server error
    assert (await api.client.post(too_long, json={"rating": 5})).status_code == 404
    assert (await api.client.get(too_long)).status_code == 404
    await api.post(
        "/api/feedback-requests",
        {"seller_id": seller["id"], "customer": "X"},
        token=api.tokens[mate["id"]],
        expect=403,
    )
    await api.post(
        "/api/feedback-requests",
        {"seller_id": seller["id"], "customer": "X"},
        token=await api.role_token("display"),
        expect=403,
    )
    key = link["url"].rsplit("/", 1)[1]
    await _rows(
        db_url,
        f"UPDATE feedback_request SET expires_at = '2001-01-01 00:00:00+00:00' WHERE key = '{key}'",
    )
    expired = await api.client.post(_path(link), json={"rating": 5})
    assert expired.status_code == 410 and "expired" in expired.json()["detail"]
    assert await api.get("/api/feed") == before
    assert await api.get("/api/feedback") == []


async def test_parallel_answers_accept_one(api):
    """Ten parallel answers to one link: exactly one is accepted."""
    team, seller, mate, link = await _request(api)
    results = await asyncio.gather(
        *(api.client.post(_path(link), json={"rating": 4}) for _ in range(10))
    )
    assert Counter(r.status_code for r in results) == {201: 1, 409: 9}
    assert (await api.board(category="feedback"))[seller["id"]] == 3


async def test_rate_limit_per_address(api):
    """Guessing keys from one address is cut off with 429 after the limit, and the page
    and the JSON answer both say when to come back (Retry-After: the window's seconds)."""
    answers = [await api.client.get(f"/f/guess-{i}") for i in range(35)]
    codes = [r.status_code for r in answers]
    assert codes[:30] == [404] * 30 and set(codes[30:]) == {429}
    assert 1 <= int(answers[-1].headers["retry-after"]) <= 600
    r = await api.client.post("/f/guess-x", json={"rating": 5})
    assert r.status_code == 429 and r.json()["detail"]
    assert 1 <= int(r.headers["retry-after"]) <= 600


async def test_who_may_ask_for_feedback(api):
    """Sellers ask for themselves, managers for their own team, admins for anyone."""
    team, seller, mate, link = await _request(api)
    manager = await api.member(team["id"], role="manager")
    other = await api.member((await api.team())["id"], role="manager")
    body = {"seller_id": seller["id"], "customer": "Telenor"}
    await api.post("/api/feedback-requests", body, token=api.tokens[manager["id"]], expect=201)
    await api.post("/api/feedback-requests", body, expect=201)
    await api.post("/api/feedback-requests", body, token=api.tokens[other["id"]], expect=403)
    await api.post(
        "/api/feedback-requests", body, token=await api.role_token("integration"), expect=403
    )
    await api.post("/api/feedback-requests", {"seller_id": 999, "customer": "X"}, expect=404)
    await api.post(
        "/api/feedback-requests", {"seller_id": seller["id"], "customer": " "}, expect=422
    )
    r = await api.call("POST", "/api/feedback-requests", json=body, token="nope")
    assert r.status_code == 401


async def test_link_lifetime_follows_the_policy(api):
    """expires_at is feedback_link_days after the request; keys are never reused."""
    from datetime import datetime, timedelta

    await api.call("PUT", "/api/policy", json={"feedback_link_days": 2}, expect=200)
    team, seller, mate, link = await _request(api)
    left = datetime.fromisoformat(link["expires_at"]) - datetime.now().astimezone()
    assert timedelta(days=2) - timedelta(minutes=1) < left <= timedelta(days=2)
    body = {"seller_id": seller["id"], "customer": "Equinor"}
    urls = {
        (await api.post("/api/feedback-requests", body, expect=201)).json()["url"] for _ in range(5)
    }
    assert len(urls | {link["url"]}) == 6


async def test_refusals_speak_the_customers_language(api, db_url):
    """Used, expired and unknown links answer in nb/sv/en; JSON clients get a reason code."""
    team, seller, mate, link = await _request(api)
    unknown = await api.client.get("/f/nope?lang=sv")
    assert unknown.status_code == 404 and "Den här länken finns inte" in unknown.text
    assert (await api.client.post("/f/nope", json={"rating": 5})).json()["reason"] == "unknown"
    await api.client.post(_path(link), json={"rating": 4})
    used = await api.client.post(_path(link) + "?lang=nb", data={"rating": "5"})
    assert used.status_code == 409 and "allerede gitt" in used.text
    assert (await api.client.post(_path(link), json={"rating": 5})).json()["reason"] == "used"
    link2 = (
        await api.post(
            "/api/feedback-requests", {"seller_id": seller["id"], "customer": "Aker"}, expect=201
        )
    ).json()
    key = link2["url"].rsplit("/", 1)[1]
    await _rows(
        db_url,
        f"UPDATE feedback_request SET expires_at = '2001-01-01 00:00:00+00:00' WHERE key = '{key}'",
    )
    page = await api.client.get(_path(link2), headers={"Accept-Language": "nb"})
    assert page.status_code == 410 and "Lenken har utløpt" in page.text
    gone = await api.client.post(_path(link2), json={"rating": 5})
    assert gone.status_code == 410 and gone.json()["reason"] == "expired"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"


async def test_bad_answers_are_refused_and_change_nothing(api):
    """No rating re-shows the form (422); odd or broken JSON is refused; the link stays open."""
    team, seller, mate, link = await _request(api)
    before = await api.get("/api/feed")
    page = await api.client.post(_path(link) + "?lang=sv", data={"comment": "no stars"})
    assert page.status_code == 422 and "Välj ett betyg" in page.text and "<form" in page.text
    for bad in (
        {"rating": 5, "comment": 42},
        {"rating": 5, "comment": "x" * 2001},
        {"rating": "²"},
        {"rating": True},
        {"rating": 4.0},
        [5],
    ):
        r = await api.client.post(_path(link), json=bad)
        assert r.status_code == 422 and r.json()["detail"], bad
    broken = await api.client.post(
        _path(link), content=b"{rating: 5", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 422 and "JSON object" in broken.json()["detail"]
    assert await api.get("/api/feed") == before
    long = await api.client.post(_path(link), data={"rating": "3", "comment": "y" * 2100})
    assert long.status_code == 201  # a form's comment is cut to 2000, not refused
    assert len((await api.get("/api/feedback"))[0]["comment"]) == 2000


async def test_weekly_limit_on_links_per_seller(api):
    """Over feedback_requests_weekly_limit a seller gets 409; other sellers are not affected."""
    await api.call("PUT", "/api/policy", json={"feedback_requests_weekly_limit": 2}, expect=200)
    team, seller, mate, link = await _request(api)  # the first of the week
    body = {"seller_id": seller["id"], "customer": "Statkraft"}
    await api.post("/api/feedback-requests", body, expect=201)  # an admin's counts too
    r = await api.post("/api/feedback-requests", body, token=api.tokens[seller["id"]], expect=409)
    assert "feedback_requests_weekly_limit" in r.json()["detail"]
    assert r.json()["remaining"] == 0
    await api.post(
        "/api/feedback-requests",
        {"seller_id": mate["id"], "customer": "Orkla"},
        token=api.tokens[mate["id"]],
        expect=201,
    )
    await api.call("PUT", "/api/policy", json={"feedback_requests_weekly_limit": 0}, expect=422)


def test_a_sellers_trend_is_the_last_30_days_against_the_30_before():
    today = date(2026, 11, 23)
    day = lambda n: today - timedelta(days=n)  # noqa: E731 - n days ago
    ratings = [
        (1, 5, day(0)), (1, 4, day(29)), (1, 3, day(30)), (1, 2, day(59)), (1, 1, day(60)),
        (2, 4, day(3)), (2, 4, day(40)),
        (3, 2, day(1)),
    ]  # fmt: skip
    summary = {s["seller_id"]: s for s in summarize(ratings, today, {1: "Ann", 2: "Bo"})}
    ann = summary[1]  # 4.5 in the last 30 days (day 29 included), 2.5 in the 30 before
    assert (ann["count"], ann["average"], ann["trend"]) == (5, 3.0, "up")
    assert ann["last_30_days"] == {"count": 2, "average": 4.5}
    assert ann["30_days_before"] == {"count": 2, "average": 2.5}  # day 60 is older
    assert summary[2]["trend"] == "flat" and summary[3]["trend"] is None
    assert summarize([(1, 2, day(1)), (1, 4, day(31))], today, {})[0]["trend"] == "down"
    assert [s["seller_id"] for s in summarize(ratings, today, {})] == [2, 1, 3]  # best first


async def test_the_coach_sees_what_customers_said_per_seller(api):
    team, seller, mate, link = await _request(api)
    await api.client.post(_path(link), json={"rating": 4, "comment": "Good"})
    second = (
        await api.post(
            "/api/feedback-requests",
            {"seller_id": seller["id"], "customer": "Kiwi"},
            token=api.tokens[seller["id"]],
            expect=201,
        )
    ).json()
    await api.client.post(_path(second), json={"rating": 5})
    manager = await api.member(team["id"], role="manager")
    path = f"/api/teams/{team['id']}/feedback-summary"
    (row,) = await api.get(path, token=api.tokens[manager["id"]])
    assert (row["seller_name"], row["count"], row["average"]) == ("Kari Nordmann", 2, 4.5)
    assert row["last_30_days"] == {"count": 2, "average": 4.5} and row["trend"] is None
    await api.get(path, token=api.tokens[seller["id"]], expect=403)
    other = await api.team("Other")
    boss = await api.member(other["id"], role="manager")
    await api.get(path, token=api.tokens[boss["id"]], expect=403)
    await api.get("/api/teams/999/feedback-summary", expect=404)


async def _answer(api, seller, customer, rating, comment=None):
    body = {"seller_id": seller["id"], "customer": customer}
    link = await api.post("/api/feedback-requests", body, token=api.tokens[seller["id"]])
    answer = {"rating": rating, **({"comment": comment} if comment else {})}
    r = await api.client.post(_path(link.json()), json=answer)
    assert r.status_code == 201, r.text


async def test_praise_names_the_seller_and_never_the_customer(api):
    """GET /api/praise, with the TV's token: good comments (4–5) newest first, naming the
    seller and team; no customer, company, meeting or link, and the company's name, an
    email address and a phone number in the comment cut out; bad ratings, ratings
    without a comment and sellers who left are not praise; refusals change nothing."""
    team, seller, mate, link = await _request(api)  # Equinor, 20 November, not answered
    other = await api.team("Bergen")
    rival = await api.member(other["id"], "Henrik Moe")
    tv = await api.role_token("display")
    assert await api.get("/api/praise", token=tv) == []
    await _answer(
        api, seller, "Equinor ASA", 5,
        "Great demo: equinor will be back. Call me on +47 912 34 567 or per@equinor.no",
    )  # fmt: skip
    await _answer(api, seller, "Kiwi", 2, "Too long")
    await _answer(api, mate, "Acme", 5)
    await _answer(api, rival, "Volvo", 4, "Clear and to the point")
    await _answer(api, mate, "Telenor", 4, "  Listened well  ")
    body = await api.call("GET", "/api/praise", token=tv, expect=200)
    rows = body.json()
    assert [(r["seller_name"], r["rating"], r["comment"]) for r in rows] == [
        (mate["name"], 4, "Listened well"),
        ("Henrik Moe", 4, "Clear and to the point"),
        ("Kari Nordmann", 5, "Great demo: … will be back. Call me on … or …"),
    ]
    assert set(rows[0]) == {
        "id", "seller_id", "seller_name", "team_id", "rating", "comment", "received_at",
    }  # fmt: skip
    assert (rows[1]["seller_id"], rows[1]["team_id"]) == (rival["id"], other["id"])
    # every field but the time (whose microseconds may well hold "912")
    shown = json.dumps([{k: v for k, v in r.items() if k != "received_at"} for r in rows])
    for secret in ("quinor", "Telenor", "Volvo", "@", "912", "customer", "meeting", "/f/"):
        assert secret not in shown, secret
    mine = await api.get("/api/praise", token=tv, team_id=team["id"], limit=1)
    assert [r["comment"] for r in mine] == ["Listened well"]
    for params in ({"limit": 0}, {"limit": 21}, {"team_id": 0}, {"limit": "a"}):
        r = await api.call("GET", "/api/praise", token=tv, params=params)
        assert r.status_code == 422 and r.headers["content-type"].startswith(
            "application/problem+json"
        ), (params, r.text)
    assert (await api.client.get("/api/praise")).status_code == 401
    await api.call("PATCH", f"/api/members/{mate['id']}", json={"active": False}, expect=200)
    assert [r["seller_name"] for r in await api.get("/api/praise", token=tv)] == [
        "Henrik Moe",
        "Kari Nordmann",
    ]


def test_praise_is_of_the_last_30_days():
    """Praise is told for 30 days, today included, from the org's midnight."""
    oslo = ZoneInfo("Europe/Oslo")
    since = praise_since(date(2026, 11, 30), oslo)
    assert since == datetime(2026, 11, 1, tzinfo=oslo)
    assert since.astimezone(UTC) == datetime(2026, 10, 31, 23, tzinfo=UTC)


def test_praise_leaves_out_what_names_the_customer():
    """The company, whole or by any of its longer words, in any case, emails and phone
    numbers are cut; other words, short words of the name and numbers stay."""
    assert anonymised("Equinor ASA made it easy", "Equinor ASA") == "… made it easy"
    assert anonymised("EQUINOR and asa", "Equinor ASA") == "… and asa"
    assert anonymised("Big picture, as always", "The Big Picture Co") == "Big …, as always"
    assert anonymised("Mail kari.n@x.no or ring 22 33 44 55", "X") == "Mail … or ring …"
    assert anonymised("Top 3 of 2026, 10 out of 10", "Kiwi") == "Top 3 of 2026, 10 out of 10"
    assert anonymised("Kiwipedia helped", "Kiwi") == "Kiwipedia helped"
