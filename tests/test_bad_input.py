"""Bad input is a 4xx that names what was wrong, never a 500, and changes nothing; a bad
command in a batch refuses only itself."""

from __future__ import annotations

import asyncio

from tests.conftest import Api

BIG = 2**31 + 5  # beyond the database's ids
MAX = "2147483647"


async def test_ids_beyond_the_range_are_refused_with_the_range(api: Api) -> None:
    team = await api.team()
    before = await api.ledger()
    for path in (
        f"/api/members/{BIG}",
        f"/api/teams/{BIG}",
        f"/api/leaderboards/members/{BIG}",
        f"/api/members/{BIG}/profile",
        f"/api/members/{BIG}/pending-reviews",
        f"/api/teams/{BIG}/strengths",
        f"/api/leaderboards/members?team_id={BIG}",
        f"/api/goals?team_id={BIG}",
    ):
        r = await api.client.get(path, headers=api.auth())
        assert r.status_code == 422, (path, r.text)
        assert MAX in r.json()["detail"], r.json()
    r = await api.client.get("/api/feed?before=99999999999999999999", headers=api.auth())
    assert r.status_code == 422 and "before" in r.json()["detail"]
    r = await api.client.get("/api/feed", params={"kind": "k" * 41}, headers=api.auth())
    assert r.status_code == 422 and "kind" in r.json()["detail"]  # longer than any kind
    for path, body in (
        ("/api/deals", {"seller_id": BIG, "outcome": "won", "amount": 1, "customer": "C"}),
        ("/api/kudos", {"to_member_id": BIG, "points": 1, "message": "m"}),
        ("/api/tokens", {"member_id": BIG}),
        ("/api/feedback-requests", {"seller_id": BIG, "customer": "C"}),
        (f"/api/deals/{BIG}/story", {"text": "How we won"}),
    ):
        r = await api.client.post(path, json=body, headers=api.auth())
        assert r.status_code == 422, (path, r.text)
        assert MAX in r.json()["detail"], r.json()
    r = await api.client.delete(f"/api/tokens/{BIG}", headers=api.auth())
    assert r.status_code == 422
    assert [t["id"] for t in await api.get("/api/teams")] == [team["id"]]
    assert await api.ledger() == before  # nothing was appended by any of them


async def test_season_must_be_an_ascii_id(api: Api) -> None:
    for season in ("¹", "٣", "-1", str(BIG), "x"):
        r = await api.client.get(
            "/api/leaderboards/members", params={"season": season}, headers=api.auth()
        )
        assert r.status_code == 422, (season, r.text)
        assert "'current', 'all' or a season id" in r.json()["detail"]


async def test_control_characters_refuse_only_their_own_command(api: Api) -> None:
    """A NUL in one deal of a burst is a 422 naming the field; the deals around it, in the
    same batch, are recorded (PostgreSQL refuses NUL in text: it must never reach the
    batch's insert)."""
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"])
    before = len(await api.ledger())

    async def deal(customer: str) -> int:
        body = {"seller_id": seller["id"], "outcome": "won", "amount": 1000, "customer": customer}
        return (await api.client.post("/api/deals", json=body, headers=api.auth())).status_code

    codes = await asyncio.gather(*(deal("Acme\x00" if i == 5 else f"Acme {i}") for i in range(12)))
    assert codes.count(201) == 11 and codes[5] == 422
    assert len(await api.ledger()) == before + 11
    for path, body, field in (
        ("/api/teams", {"name": "Wolves\x00"}, "name"),
        ("/api/members", {"name": "A\x07B", "team_id": team["id"], "role": "seller"}, "name"),
        (
            "/api/deals",
            {"seller_id": seller["id"], "outcome": "won", "amount": 1, "customer": "C",
             "external_id": "crm-\x00"},
            "external_id",
        ),
    ):  # fmt: skip
        r = await api.client.post(path, json=body, headers=api.auth())
        assert r.status_code == 422, (path, r.text)
        assert r.json()["field"] == field and "control character" in r.json()["detail"]
    assert len(await api.ledger()) == before + 11
    # tabs and line breaks are text
    deal_id = (await api.ledger())[-1]["data"]["deal_id"]
    story = {"text": "Line one\nline two\tend"}
    r = await api.client.post(
        f"/api/deals/{deal_id}/story", json=story, headers=api.auth(api.tokens[seller["id"]])
    )
    assert r.status_code == 201, r.text


async def test_bodies_that_cannot_be_read_are_400(api: Api) -> None:
    headers = {**api.auth(), "content-type": "application/json"}
    bad_utf8 = b'{"name": "\xff"}'
    r = await api.client.post("/api/teams", content=bad_utf8, headers=headers)
    assert r.status_code == 400 and "UTF-8" in r.json()["detail"]
    deep = b"[" * 100_000 + b"]" * 100_000
    r = await api.client.post("/api/teams", content=deep, headers=headers)
    assert r.status_code in (400, 422) and r.json()["detail"]
    assert await api.get("/api/teams") == []


async def test_dates_before_1970_are_refused(api: Api) -> None:
    team = await api.team()
    seller = await api.member(team["id"])
    body = {"seller_id": seller["id"], "outcome": "won", "amount": 1, "customer": "C",
            "closed_at": "0001-01-01T00:00:00-05:00"}  # fmt: skip
    r = await api.client.post("/api/deals", json=body, headers=api.auth())
    assert r.status_code == 422 and "1970" in r.json()["detail"]
    season = {"name": "Old", "starts_on": "0001-01-01", "ends_on": "0001-12-31"}
    r = await api.client.post("/api/seasons", json=season, headers=api.auth())
    assert r.status_code == 422 and "1970" in r.json()["detail"]


async def test_a_wrong_choice_lists_the_allowed_values_and_types_are_in_words(api: Api) -> None:
    """ "A admin token" and "Expected `int | null`" were what a refused request said."""
    before = await api.ledger()
    for path, body, field, allowed in (
        ("/api/tokens", {"role": "superuser"}, "role", ["admin", "display", "integration"]),
        ("/api/deals", {"seller_id": 1, "outcome": "maybe", "amount": 1, "customer": "C"},
         "outcome", ["lost", "won"]),
        ("/api/goals", {"team_id": 1, "metric": "smiles", "target": 5}, "metric",
         ["deals", "revenue"]),
    ):  # fmt: skip
        r = await api.client.post(path, json=body, headers=api.auth())
        assert r.status_code == 422, (path, r.text)
        error = r.json()["errors"][0]
        assert error["key"] == field and sorted(error["allowed"]) == allowed, r.json()
        assert all(value in r.json()["detail"] for value in allowed)
    body = {"seller_id": "x", "outcome": "won", "amount": 1, "customer": "C"}
    r = await api.client.post("/api/deals", json=body, headers=api.auth())
    assert r.status_code == 422
    assert "seller_id: expected a whole number or null, got text" in r.json()["detail"]
    assert "`" not in r.json()["detail"]
    assert await api.ledger() == before


async def test_a_refused_role_reads_as_english(api: Api) -> None:
    display = await api.role_token("display")
    r = await api.client.get("/api/tokens", headers=api.auth(display))
    assert r.status_code == 403
    assert r.json()["detail"] == "A display token cannot do this; it needs an admin token."
    r = await api.client.post(
        "/api/kudos", json={"to_member_id": 1, "points": 1, "message": "m"}, headers=api.auth()
    )
    assert r.status_code == 403
    assert r.json()["detail"].startswith("An admin token cannot do this; it needs a ")


async def test_what_is_wrong_with_a_body_reads_as_words(api: Api) -> None:
    """Limits, missing and unknown fields, a body that is not JSON: each refusal names the
    field the sender wrote and says what is wrong in words (msgspec said "Expected `float`
    >= 0.0", "data: Object missing required field `customer`", "Input data was
    truncated"); nothing is recorded."""
    team = await api.team()
    seller = await api.member(team["id"])
    before = await api.ledger()
    deal = {"seller_id": seller["id"], "outcome": "won", "amount": 5, "customer": "C"}
    for body, key, words in (
        ({**deal, "amount": -5}, "amount", "must be 0 or more"),
        ({**deal, "customer": ""}, "customer", "must not be empty"),
        ({**deal, "customer": "x" * 201}, "customer", "must be at most 200 characters long"),
        ({k: v for k, v in deal.items() if k != "customer"}, "customer", "is required"),
        ({**deal, "colour": "red"}, "colour", "is not a field here"),
        ([deal], "body", "expected an object, got a list"),
    ):
        r = await api.client.post("/api/deals", json=body, headers=api.auth())
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["errors"][0]["key"] == key, problem
        assert problem["detail"] == f"The request is not valid: {key}: {words}.", problem
        assert "`" not in r.text
    goal = {"team_id": team["id"], "metric": "deals", "target": 5, "member_targets": [{}]}
    r = await api.client.post("/api/goals", json=goal, headers=api.auth())
    assert r.status_code == 422
    assert r.json()["errors"][0]["key"] == "member_targets[0].member_id", r.json()
    headers = {**api.auth(), "content-type": "application/json"}
    r = await api.client.post("/api/deals", content=b'{"seller_id": 1', headers=headers)
    assert r.status_code == 400
    assert r.json()["detail"] == "The request body is not valid JSON (input data was truncated)."
    assert await api.ledger() == before


async def test_a_query_parameter_is_named_as_it_is_sent(api: Api) -> None:
    """?state= is the handler's ``wanted``: the refusal says "state", with its values; a
    header is named as it is sent."""
    r = await api.client.get("/api/contests", params={"state": "weird"}, headers=api.auth())
    assert r.status_code == 422
    error = r.json()["errors"][0]
    assert error["key"] == "state" and error["allowed"] == [
        "ended",
        "proposed",
        "running",
        "upcoming",
    ]
    assert r.json()["detail"].startswith("The request is not valid: state: 'weird' is not one of")
    r = await api.client.get("/api/leaderboards/members", params={"limit": 0}, headers=api.auth())
    assert r.status_code == 422
    assert r.json()["detail"] == "The request is not valid: limit: must be 1 or more."
    headers = {**api.auth(), "Idempotency-Key": "has spaces"}
    body = {"to_member_id": 1, "points": 1, "message": "m"}
    r = await api.client.post("/api/kudos", json=body, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["key"] == "Idempotency-Key", r.text


async def test_a_method_an_address_does_not_take_names_those_it_does(api: Api) -> None:
    r = await api.client.delete("/api/deals", headers=api.auth())
    assert r.status_code == 405
    assert r.json()["detail"] == "DELETE is not allowed at this address; it takes POST."
    assert "POST" in r.headers["allow"]
