"""CRM connectors: HubSpot, Pipedrive and Salesforce post the payloads their docs show
(tests/fixtures/crm, sources in SOURCES.md), authenticated as each CRM does it."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.conftest import HUBSPOT_SECRET, PIPEDRIVE_AUTH, SALESFORCE_ORG, Api
from tests.test_api_org import _rows

FIXTURES = Path(__file__).parent / "fixtures" / "crm"


def fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def hubspot_headers(
    url: str, body: bytes, *, stamp_ms: int | None = None, secret: str = HUBSPOT_SECRET
) -> dict[str, str]:
    """Signed as HubSpot signs v3: base64 HMAC-SHA256 of method + URI + body + timestamp."""
    stamp = str(stamp_ms if stamp_ms is not None else int(time.time() * 1000))
    signed = b"POST" + url.encode() + body + stamp.encode()
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
    return {
        "Content-Type": "application/json",
        "X-HubSpot-Signature-v3": base64.b64encode(digest).decode(),
        "X-HubSpot-Request-Timestamp": stamp,
    }


def basic(auth: str = PIPEDRIVE_AUTH) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Authorization": "Basic " + base64.b64encode(auth.encode()).decode(),
    }


XML = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


async def hubspot(
    api: Api, body: bytes, path: str = "/api/connectors/hubspot", **kw: Any
) -> httpx.Response:
    url = f"{api.client.base_url}{path}".replace("//api", "/api")
    return await api.client.post(path, content=body, headers=hubspot_headers(url, body, **kw))


async def pipedrive(api: Api, body: bytes, auth: str = PIPEDRIVE_AUTH) -> httpx.Response:
    return await api.client.post("/api/connectors/pipedrive", content=body, headers=basic(auth))


async def salesforce(api: Api, body: bytes, query: str = "") -> httpx.Response:
    return await api.client.post(f"/api/connectors/salesforce{query}", content=body, headers=XML)


async def org(api: Api, **external_ids: str) -> dict[str, Any]:
    """A season, a team of two, and a seller whose CRM owner ids are ``external_ids``."""
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"], "Sigrid Selger")
    await api.member(team["id"], "Tor Teammate")
    if external_ids:
        await api.call(
            "PATCH", f"/api/members/{seller['id']}", json={"external_ids": external_ids}, expect=200
        )
    return seller


async def deliveries(api: Api, **params: Any) -> list[dict[str, Any]]:
    return await api.get("/api/connectors/deliveries", **params)


async def kinds(api: Api) -> list[str]:
    return [e["kind"] for e in await api.ledger() if e["kind"].startswith("deal.")]


async def test_hubspot_v3_signature_with_the_full_uri(api):
    """A deal won in HubSpot scores once, signed v3 over the full URI (query included);
    again → a duplicate; a stale timestamp or a wrong secret → 401 and nothing kept."""
    seller = await org(api, hubspot="61523445")
    body = fixture("hubspot/deal_closedwon.json")
    path = "/api/connectors/hubspot?portal=24681357"
    answer = await hubspot(api, body, path)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "received": 1,
        "stored": 1,
        "duplicates": 0,
        "ignored": 0,
        "rejected": 0,
    }
    won = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert [(e["member_id"], e["data"]["amount"], e["data"]["external_id"]) for e in won] == [
        (seller["id"], 125000, "hubspot:9876543210")
    ]
    assert won[0]["data"]["customer"] == "Fjordline - 40 seats"
    assert won[0]["occurred_at"].startswith("2026-11-18")  # closedate, epoch milliseconds
    board = await api.board()

    again = await hubspot(api, body, path)
    assert again.json()["duplicates"] == 1
    # signed for another URI (the query left out): refused
    url = f"{api.client.base_url}/api/connectors/hubspot"
    wrong_uri = await api.client.post(path, content=body, headers=hubspot_headers(url, body))
    stale = await hubspot(api, body, path, stamp_ms=int((time.time() - 301) * 1000))
    wrong = await hubspot(api, body, path, secret="not-the-secret")
    unsigned = await api.client.post(path, content=body)
    for refused in (wrong_uri, stale, wrong, unsigned):
        assert refused.status_code == 401, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert "5 minutes" in stale.json()["detail"]
    assert len(await deliveries(api)) == 2  # the stored one and its duplicate
    assert await api.board() == board
    assert await kinds(api) == ["deal.won"]


async def test_hubspot_all_properties_in_euros_converted(api):
    """The all-properties body of a deal in EUR: no rate → kept as rejected; the admin
    sets the rate and replays it → scored in NOK, the original amount kept on the deal."""
    seller = await org(api, hubspot="61523445")
    body = fixture("hubspot/deal_all_properties.json")
    answer = await hubspot(api, body)
    assert answer.json()["rejected"] == 1
    [kept] = await deliveries(api, state="rejected")
    assert "EUR" in kept["reason"] and "NOK" in kept["reason"]
    assert not any((await api.board()).values())

    await api.call("PUT", "/api/currency/rates", json={"rates": {"EUR": 11.5}}, expect=200)
    replayed = (
        await api.post(f"/api/connectors/deliveries/{kept['id']}/replay", {}, expect=200)
    ).json()
    assert replayed["state"] == "replayed" and replayed["seq"]
    [won] = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert won["member_id"] == seller["id"]
    assert (won["data"]["amount"], won["data"]["original_amount"], won["data"]["currency"]) == (
        11500,
        1000,
        "EUR",
    )
    # replayed already: again → 409; the same delivery from HubSpot again → a duplicate
    again = await api.post(f"/api/connectors/deliveries/{kept['id']}/replay", {}, expect=409)
    assert "replayed" in again.json()["detail"]
    assert (await hubspot(api, body)).json()["duplicates"] == 1
    assert await kinds(api) == ["deal.won"]


async def test_hubspot_meetings_and_calls_are_activities(api):
    """A completed meeting and call count on their metrics, once each."""
    seller = await org(api, hubspot="61523445")
    for key in ("meetings", "calls"):
        await api.post(
            "/api/metrics", {"key": key, "name": key.title(), "points_per_unit": 2}, expect=201
        )
    for name in ("meeting_completed", "call_completed"):
        body = fixture(f"hubspot/{name}.json")
        assert (await hubspot(api, body)).json()["stored"] == 1
        assert (await hubspot(api, body)).json()["duplicates"] == 1
    for key in ("meetings", "calls"):
        assert (await api.board(metric=key))[seller["id"]] == 1
    assert (await api.board(category="activity"))[seller["id"]] == 4


async def test_pipedrive_won_open_won_counts_one_deal(api):
    """won → scored; re-opened → reversed; won again → scored again: one deal on the
    board all along; every redelivery changes nothing."""
    seller = await org(api, pipedrive="1234567")
    won, reopened = fixture("pipedrive/deal_won.json"), fixture("pipedrive/deal_reopened.json")
    assert (await pipedrive(api, won)).json()["stored"] == 1
    scored = await api.board()
    assert scored[seller["id"]] > 0
    assert (await pipedrive(api, won)).json()["duplicates"] == 1

    assert (await pipedrive(api, reopened)).json()["stored"] == 1
    assert (await api.board()).get(seller["id"], 0) == 0
    assert (await pipedrive(api, reopened)).json()["stored"] == 0  # reversed already

    assert (await pipedrive(api, won)).json()["stored"] == 1
    assert await api.board() == scored
    assert (await pipedrive(api, won)).json()["duplicates"] == 1
    assert await kinds(api) == ["deal.won", "deal.reversed", "deal.won"]
    deals = {e["data"]["deal_id"] for e in await api.ledger() if e["kind"] == "deal.won"}
    assert len(deals) == 1  # the same deal, scored again


async def test_pipedrive_lost_after_won_is_a_correction_and_activities_count(api):
    """won → lost takes the points back and records the deal as lost; a done call counts."""
    seller = await org(api, pipedrive="1234567")
    await api.post(
        "/api/metrics", {"key": "calls", "name": "Calls", "points_per_unit": 1}, expect=201
    )
    await pipedrive(api, fixture("pipedrive/deal_won.json"))
    lost = await pipedrive(api, fixture("pipedrive/deal_lost.json"))
    assert lost.json()["stored"] == 1
    assert (await api.board()).get(seller["id"], 0) == 0
    assert await kinds(api) == ["deal.won", "deal.reversed", "deal.lost"]
    call = fixture("pipedrive/activity_done.json")
    assert (await pipedrive(api, call)).json()["stored"] == 1
    assert (await pipedrive(api, call)).json()["duplicates"] == 1
    assert (await api.board(metric="calls"))[seller["id"]] == 1


async def test_pipedrive_basic_auth_is_checked(api):
    """A wrong or missing password → 401, nothing kept and nothing scored."""
    await org(api, pipedrive="1234567")
    body = fixture("pipedrive/deal_won.json")
    assert (await pipedrive(api, body, auth="huddle:wrong")).status_code == 401
    bare = await api.client.post("/api/connectors/pipedrive", content=body)
    assert bare.status_code == 401
    assert await deliveries(api) == [] and not any((await api.board()).values())


async def test_unknown_owner_is_kept_then_replayed_after_mapping(api):
    """An owner no member has: 200 to the CRM, kept as rejected with the reason; after
    the admin maps the owner id, the replay scores it."""
    seller = await org(api)
    answer = await pipedrive(api, fixture("pipedrive/deal_won.json"))
    assert answer.status_code == 200 and answer.json()["rejected"] == 1
    [kept] = await deliveries(api, state="rejected", connector="pipedrive")
    assert "1234567" in kept["reason"] and kept["external_id"] == "pipedrive:501"
    assert json.loads(kept["text"])["data"]["id"] == 501
    assert not any((await api.board()).values())
    still = await api.post(f"/api/connectors/deliveries/{kept['id']}/replay", {}, expect=409)
    assert "1234567" in still.json()["detail"]

    await api.call(
        "PATCH",
        f"/api/members/{seller['id']}",
        json={"external_ids": {"pipedrive": "1234567"}},
        expect=200,
    )
    done = await api.post(f"/api/connectors/deliveries/{kept['id']}/replay", {}, expect=200)
    assert done.json()["state"] == "replayed"
    assert (await api.board())[seller["id"]] > 0
    health = {c["connector"]: c for c in await api.get("/api/connectors")}
    assert health["pipedrive"]["rejected_24h"] == 0 and health["pipedrive"]["received_24h"] == 1
    assert health["pipedrive"]["last_delivery_at"] and health["hubspot"]["last_delivery_at"] is None


async def test_salesforce_100_notifications_twice(api):
    """A message of 100 Opportunity notifications: each deal once, Ack both times."""
    await org(api, salesforce="005Hn00000OwnA1IAA")
    body = fixture("salesforce/outbound_100.xml")
    for _ in range(2):
        answer = await salesforce(api, body)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/xml")
        assert "<Ack>true</Ack>" in answer.text
    won = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert len(won) == 100
    assert len({e["data"]["external_id"] for e in won}) == 100
    assert len(await deliveries(api, state="duplicate", limit=500)) == 100


async def test_salesforce_org_token_and_hardened_xml(api, settings):
    """Another org → 401; an XML bomb or DTD → refused, nothing kept."""
    await org(api, salesforce="005Hn00000OwnA1IAA")
    body = fixture("salesforce/outbound_opportunity.xml")
    other = body.replace(SALESFORCE_ORG.encode(), b"00DHn0000009999MAA")
    assert (await salesforce(api, other)).status_code == 401
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<lolz>&lol2;</lolz>"
    )
    assert (await salesforce(api, bomb)).status_code == 422
    assert (await salesforce(api, b"not xml")).status_code == 422
    assert await deliveries(api) == []
    ok = await salesforce(api, body)
    assert "<Ack>true</Ack>" in ok.text
    [won] = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert won["data"]["amount"] == 12000 and won["data"]["customer"] == "Equinor - pilot"


async def test_owner_ids_belong_to_one_member(api):
    """The same CRM owner id on a second member → 409; an empty id removes it."""
    seller = await org(api, hubspot="61523445")
    other = await api.member(seller["team_id"])
    taken = await api.call(
        "PATCH", f"/api/members/{other['id']}", json={"external_ids": {"hubspot": "61523445"}}
    )
    assert taken.status_code == 409 and "Sigrid Selger" in taken.json()["detail"]
    bad = await api.call(
        "PATCH", f"/api/members/{other['id']}", json={"external_ids": {"zoho": "1"}}
    )
    assert bad.status_code in (400, 422)
    path = f"/api/members/{seller['id']}"
    cleared = await api.call("PATCH", path, json={"external_ids": {"hubspot": ""}}, expect=200)
    assert cleared.json()["external_ids"] == {}
    moved = await api.call(
        "PATCH",
        f"/api/members/{other['id']}",
        json={"external_ids": {"hubspot": "61523445"}},
        expect=200,
    )
    assert moved.json()["external_ids"] == {"hubspot": "61523445"}


async def test_parallel_duplicates_on_two_instances(start_server, settings):
    """The same deliveries, 10 times each at once, through two instances: each deal and
    each reversal once."""
    one, two = start_server(), start_server()
    async with (
        httpx.AsyncClient(base_url=one.url, timeout=60) as a,
        httpx.AsyncClient(base_url=two.url, timeout=60) as b,
    ):
        api = Api(a)
        seller = await org(api, pipedrive="1234567", salesforce="005Hn00000OwnA1IAA")
        won = fixture("pipedrive/deal_won.json")
        sf = fixture("salesforce/outbound_opportunity.xml")

        async def send(client: httpx.AsyncClient) -> None:
            pd = await client.post("/api/connectors/pipedrive", content=won, headers=basic())
            s = await client.post("/api/connectors/salesforce", content=sf, headers=XML)
            assert pd.status_code == 200 and s.status_code == 200, (pd.text, s.text)

        await asyncio.gather(*(send(c) for _ in range(10) for c in (a, b)))
        assert await kinds(api) == ["deal.won", "deal.won"]
        reopened = fixture("pipedrive/deal_reopened.json")
        answers = await asyncio.gather(
            *(
                c.post("/api/connectors/pipedrive", content=reopened, headers=basic())
                for _ in range(10)
                for c in (a, b)
            )
        )
        assert sum(r.json()["stored"] for r in answers) == 1
        assert await kinds(api) == ["deal.won", "deal.won", "deal.reversed"]
        assert (await api.board())[seller["id"]] > 0  # the Salesforce deal stands


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_connectors_switched_off(settings):
    """A connector without its secret answers 503 saying what to set; nothing is kept."""
    off = replace(settings, hubspot_client_secret=None, pipedrive_auth=None, salesforce_org_id=None)
    async with AsyncTestClient(app=create_app(off), timeout=30) as client:
        api = Api(client)
        answers = {
            "HUDDLE_PIPEDRIVE_AUTH": await pipedrive(api, fixture("pipedrive/deal_won.json")),
            "HUDDLE_HUBSPOT_CLIENT_SECRET": await hubspot(
                api, fixture("hubspot/deal_closedwon.json")
            ),
            "HUDDLE_SALESFORCE_ORG_ID": await salesforce(
                api, fixture("salesforce/outbound_opportunity.xml")
            ),
        }
        for setting, answer in answers.items():
            assert answer.status_code == 503 and setting in answer.json()["detail"]
        assert await deliveries(api) == []
        assert [c["configured"] for c in await api.get("/api/connectors")] == [False] * 3


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_hubspot_behind_a_proxy_and_legacy_signatures(settings):
    """Behind a proxy HubSpot signs the public URI (HUDDLE_PUBLIC_URL); v1 signatures
    count only when HUDDLE_HUBSPOT_LEGACY_SIGNATURES is set."""
    public = "https://huddle.example.com"
    for legacy in (False, True):
        proxied = replace(settings, public_url=public, hubspot_legacy_signatures=legacy)
        async with AsyncTestClient(app=create_app(proxied), timeout=30) as client:
            api = Api(client)
            if not legacy:
                await org(api, hubspot="61523445")
            body = fixture("hubspot/deal_closedwon.json")
            path = "/api/connectors/hubspot"
            signed = hubspot_headers(f"{public}{path}", body)
            answer = await client.post(path, content=body, headers=signed)
            assert answer.status_code == 200, answer.text
            v1 = hashlib.sha256(HUBSPOT_SECRET.encode() + body).hexdigest()
            old = {"X-HubSpot-Signature": v1, "X-HubSpot-Signature-Version": "v1"}
            answer = await client.post(path, content=body, headers=old)
            if legacy:
                assert answer.status_code == 200 and answer.json()["duplicates"] == 1
            else:
                assert answer.status_code == 401 and "LEGACY" in answer.json()["detail"]
            bad = {**old, "X-HubSpot-Signature": "0" * 64}
            assert (await client.post(path, content=body, headers=bad)).status_code == 401


async def test_a_crm_changes_the_amount_of_a_won_deal(api):
    """Another amount for a deal still won corrects it (once); a new currency rate alone
    changes no deal already recorded."""
    seller = await org(api, hubspot="61523445")
    body = json.loads(fixture("hubspot/deal_closedwon.json"))
    assert (await hubspot(api, json.dumps(body).encode())).json()["stored"] == 1
    body["amount"] = "150000"
    changed = json.dumps(body).encode()
    assert (await hubspot(api, changed)).json()["stored"] == 1
    assert (await hubspot(api, changed)).json()["duplicates"] == 1
    ledger = [e for e in await api.ledger() if e["kind"].startswith("deal.")]
    assert [e["kind"] for e in ledger] == ["deal.won", "deal.reversed", "deal.won"]
    assert ledger[-1]["data"]["amount"] == 150000 and ledger[-1]["member_id"] == seller["id"]
    assert ledger[-1]["data"]["deal_id"] == ledger[0]["data"]["deal_id"]

    await api.call("PUT", "/api/currency/rates", json={"rates": {"EUR": 11.5}}, expect=200)
    euros = fixture("hubspot/deal_all_properties.json")
    assert (await hubspot(api, euros)).json()["stored"] == 1
    await api.call("PUT", "/api/currency/rates", json={"rates": {"EUR": 12}}, expect=200)
    assert (await hubspot(api, euros)).json()["duplicates"] == 1
    won = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert won[-1]["data"]["amount"] == 11500


async def test_old_deliveries_are_forgotten_but_rejected_ones_stay(api, db_url, monkeypatch):
    """Deliveries used or ignored more than HUDDLE_CRM_KEEP_DAYS ago are pruned (by the
    next delivery, at most once an hour); a rejected one stays until it is replayed."""
    from service.connectors import ingest

    await org(api, pipedrive="1234567")
    await pipedrive(api, fixture("pipedrive/deal_won.json"))
    await pipedrive(api, fixture("pipedrive/deal_won.json"))
    await pipedrive(api, fixture("pipedrive/activity_done.json"))  # no metric: rejected
    await _rows(db_url, "UPDATE crm_delivery SET received_at = '2000-01-01 00:00:00+00:00'")
    monkeypatch.setattr(ingest, "_pruned", -ingest.PRUNE_EVERY)
    await pipedrive(api, fixture("pipedrive/deal_reopened.json"))
    assert [d["state"] for d in await deliveries(api)] == ["stored", "rejected"]
