"""Idempotency-Key: a write retried after a timeout never counts twice, whatever the
write (deals, kudos, mentoring), across instances and under parallel retries."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.conftest import ADMIN, Api


def _key(key: str, token: str = ADMIN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}


async def test_a_retried_deal_is_answered_again_and_recorded_once(api: Api) -> None:
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"])
    body = {"seller_id": seller["id"], "outcome": "won", "amount": 20_000, "customer": "Acme"}
    first = await api.client.post("/api/deals", json=body, headers=_key("retry-1"))
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    again = await api.client.post("/api/deals", json=body, headers=_key("retry-1"))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert len([e for e in await api.ledger() if e["kind"] == "deal.won"]) == 1
    assert (await api.board(season="all"))[seller["id"]] == 30
    # the same key with another request is refused and records nothing
    other = {**body, "amount": 90_000}
    r = await api.client.post("/api/deals", json=other, headers=_key("retry-1"))
    assert r.status_code == 422 and r.json()["field"] == "Idempotency-Key"
    # a key belongs to the token that sent it: another token's same key is a new request
    token = api.tokens[seller["id"]]
    r = await api.client.post("/api/deals", json=body, headers=_key("retry-1", token))
    assert r.status_code == 201 and "idempotent-replayed" not in r.headers
    assert len([e for e in await api.ledger() if e["kind"] == "deal.won"]) == 2


async def test_retried_kudos_and_mentoring_spend_the_allowance_once(api: Api) -> None:
    team = await api.team()
    giver, receiver = await api.member(team["id"]), await api.member(team["id"])
    manager = await api.member(team["id"], role="manager")
    kudos = {"to_member_id": receiver["id"], "points": 3, "message": "Thanks"}
    token = api.tokens[giver["id"]]
    answers = [
        await api.client.post("/api/kudos", json=kudos, headers=_key("k-1", token))
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [201] * 3
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    assert answers[-1].json()["allowance_left"] == 7  # 10 - 3, once
    left = await api.get("/api/kudos/allowance", token=token)
    assert left["used"] == 3
    mentoring = {"member_id": giver["id"], "points": 5, "note": "clinic"}
    token = api.tokens[manager["id"]]
    for _ in range(2):
        r = await api.client.post("/api/mentoring", json=mentoring, headers=_key("m-1", token))
        assert r.status_code == 201 and r.json()["budget_left"] == 45
    assert (await api.board(season="all", category="mentoring"))[giver["id"]] == 5


async def test_a_key_must_be_visible_ascii_of_at_most_200(api: Api) -> None:
    team = await api.team()
    seller = await api.member(team["id"])
    body = {"seller_id": seller["id"], "outcome": "won", "amount": 1, "customer": "C"}
    for bad in ("x" * 201, "with space", ""):
        r = await api.client.post("/api/deals", json=body, headers=_key(bad))
        assert r.status_code in (400, 422), (bad, r.text)
        assert "Idempotency-Key" in r.text
    assert [e for e in await api.ledger() if e["kind"] == "deal.won"] == []


async def test_parallel_retries_on_two_instances_record_once(start_server: Any) -> None:
    """20 copies of one request with one key, sent at once to two instances: one deal,
    and every answer is that deal."""
    servers = [start_server(workers=1), start_server(workers=1)]
    clients = [httpx.AsyncClient(base_url=s.url, timeout=30) for s in servers]
    try:
        api = Api(clients[0])
        team = await api.team()
        seller = await api.member(team["id"])
        body = {"seller_id": seller["id"], "outcome": "won", "amount": 5000, "customer": "C"}
        answers = await asyncio.gather(
            *(
                clients[i % 2].post("/api/deals", json=body, headers=_key("storm"))
                for i in range(20)
            )
        )
        assert {a.status_code for a in answers} == {201}
        assert len({a.json()["deal"]["id"] for a in answers}) == 1
        assert sum(a.headers.get("idempotent-replayed") == "true" for a in answers) == 19
        assert len([e for e in await api.ledger() if e["kind"] == "deal.won"]) == 1
    finally:
        for client in clients:
            await client.aclose()
