"""CRM connectors at their edges: forged or stale authentication, bodies that are not the
CRM's shape, owners no member has and the replay path, redeliveries, order, owners that
change, currencies and large batches — each against docs/crm.md and the API contract."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.conftest import HUBSPOT_SECRET, SALESFORCE_ORG, Api, org_today
from tests.test_connectors import (
    basic,
    deliveries,
    fixture,
    hubspot,
    hubspot_headers,
    kinds,
    org,
    pipedrive,
    salesforce,
)

OWNER = "61523445"  # the HubSpot owner id org() links to the seller
SF_OWNER = "005Hn00000OwnA1IAA"
HUBSPOT = "/api/connectors/hubspot"


def hs_deal(
    deal_id: str = "9876543210",
    stage: str = "closedwon",
    amount: str | None = "125000",
    owner: str | None = OWNER,
    **extra: Any,
) -> dict[str, Any]:
    """A deal as HubSpot's workflow webhook sends it with a customised body."""
    body: dict[str, Any] = {"hs_object_id": deal_id, "dealstage": stage, "dealname": "Fjordline"}
    if amount is not None:
        body["amount"] = amount
    if owner is not None:
        body["hubspot_owner_id"] = owner
    return {**body, **extra}


def js(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def pd_deal(status: str = "won", **changes: Any) -> dict[str, Any]:
    """Pipedrive's v2 deal webhook (tests/fixtures/crm/pipedrive/deal_won.json), changed."""
    body = json.loads(fixture("pipedrive/deal_won.json"))
    body["data"]["status"] = status
    for key, value in changes.items():
        if key in ("meta", "previous"):
            body[key] = value if value is None else {**(body[key] or {}), **value}
        else:
            body["data"][key] = value
    return body


def sf_message(*opportunities: dict[str, str], org_id: str = SALESFORCE_ORG) -> bytes:
    """An outbound message of these sObjects (``_type`` defaults to Opportunity)."""
    notes = []
    for n, fields in enumerate(opportunities):
        kind = fields.get("_type", "Opportunity")
        inner = "".join(f"<sf:{k}>{v}</sf:{k}>" for k, v in fields.items() if k != "_type")
        notes.append(
            f"<Notification><Id>04lHn000000B{n:03d}IAA</Id>"
            f'<sObject xsi:type="sf:{kind}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"{inner}</sObject></Notification>"
        )
    org_line = f"<OrganizationId>{org_id}</OrganizationId>" if org_id else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"{org_line}<ActionId>04kHn0000004C1aIAE</ActionId>{''.join(notes)}"
        "</notifications></soapenv:Body></soapenv:Envelope>"
    ).encode()


def sf_opportunity(opp_id: str = "006Hn00000Edge01AA", **fields: str) -> dict[str, str]:
    base = {
        "Id": opp_id,
        "Amount": "12000.0",
        "IsClosed": "true",
        "IsWon": "true",
        "Name": "Equinor - pilot",
        "OwnerId": SF_OWNER,
    }
    return {**base, **fields}


async def replay(api: Api, delivery_id: int, **kw: Any) -> httpx.Response:
    return await api.post(f"/api/connectors/deliveries/{delivery_id}/replay", {}, **kw)


async def nothing_recorded(api: Api) -> None:
    assert await deliveries(api) == []
    assert await kinds(api) == []
    assert not any((await api.board()).values())


def refused(answer: httpx.Response, status: int = 401) -> str:
    """The answer is a problem in words with this status; its detail."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    detail = answer.json()["detail"]
    assert isinstance(detail, str) and len(detail) > 20
    return detail


# --- authentication -------------------------------------------------------------------


async def test_hubspot_tampered_or_badly_stamped_deliveries_are_refused(api):
    """HubSpot v3: tampered body, bad or stale-ahead stamp → 401 in words, nothing kept."""
    await org(api, hubspot=OWNER)
    url = f"{api.client.base_url}{HUBSPOT}"
    signed = js(hs_deal(amount="1000"))
    tampered = js(hs_deal(amount="9000000"))
    now_ms = int(time.time() * 1000)
    answers = {
        "tampered": await api.client.post(
            HUBSPOT, content=tampered, headers=hubspot_headers(url, signed)
        ),
        "future": await hubspot(api, signed, stamp_ms=now_ms + 6 * 60 * 1000),
        "seconds": await hubspot(api, signed, stamp_ms=now_ms // 1000),
    }
    good = hubspot_headers(url, signed)
    no_stamp = {k: v for k, v in good.items() if k != "X-HubSpot-Request-Timestamp"}
    answers["no stamp"] = await api.client.post(HUBSPOT, content=signed, headers=no_stamp)
    answers["word stamp"] = await api.client.post(
        HUBSPOT, content=signed, headers={**good, "X-HubSpot-Request-Timestamp": "yesterday"}
    )
    answers["empty signature"] = await api.client.post(
        HUBSPOT, content=signed, headers={**good, "X-HubSpot-Signature-v3": ""}
    )
    details = {name: refused(answer) for name, answer in answers.items()}
    assert "does not match" in details["tampered"]
    assert "5 minutes" in details["future"] and "5 minutes" in details["seconds"]
    assert "Timestamp" in details["no stamp"]
    await nothing_recorded(api)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_hubspot_legacy_v2_signature_covers_method_and_uri(settings):
    """Legacy on: a v2 signature made for another URI → 401; the right one scores."""
    legacy = replace(settings, hubspot_legacy_signatures=True)
    async with AsyncTestClient(app=create_app(legacy), timeout=30) as client:
        api = Api(client)
        seller = await org(api, hubspot=OWNER)
        body = js(hs_deal())

        def v2(uri: str) -> dict[str, str]:
            source = HUBSPOT_SECRET.encode() + b"POST" + uri.encode() + body
            digest = hashlib.sha256(source).hexdigest()
            return {"X-HubSpot-Signature": digest, "X-HubSpot-Signature-Version": "v2"}

        other = await client.post(HUBSPOT, content=body, headers=v2("https://evil.example/x"))
        assert "v2" in refused(other)
        assert await deliveries(api) == []
        right = await client.post(HUBSPOT, content=body, headers=v2(f"{client.base_url}{HUBSPOT}"))
        assert right.status_code == 200 and right.json()["stored"] == 1, right.text
        assert (await api.board())[seller["id"]] > 0


async def test_pipedrive_malformed_basic_auth_is_refused(api):
    """Pipedrive: wrong scheme, encoding, user or password → 401 in words, nothing kept."""
    await org(api, pipedrive="1234567")
    body = fixture("pipedrive/deal_won.json")
    right = basic()["Authorization"].split(" ", 1)[1]
    headers = [
        f"Bearer {right}",
        f"Digest {right}",
        "Basic !!!not-base64!!!",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
        "Basic " + base64.b64encode(b"admin:test-pipedrive-password").decode(),
        "Basic " + base64.b64encode(b"huddle:").decode(),
        "Basic ",
    ]
    for header in headers:
        answer = await api.client.post(
            "/api/connectors/pipedrive",
            content=body,
            headers={"Content-Type": "application/json", "Authorization": header},
        )
        assert "HUDDLE_PIPEDRIVE_AUTH" in refused(answer), header
    await nothing_recorded(api)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_salesforce_token_and_org_id_forms(settings):
    """Salesforce: bad token or org id → 401; a 15-char org id setting accepts the 18-char."""
    token = "s3cr3t-token-0123456789abcdef"
    guarded = replace(settings, salesforce_token=token, salesforce_org_id=SALESFORCE_ORG[:15])
    async with AsyncTestClient(app=create_app(guarded), timeout=30) as client:
        api = Api(client)
        seller = await org(api, salesforce=SF_OWNER)
        body = sf_message(sf_opportunity())
        for query in ("", "?token=", "?token=wrong", f"?token={token}x"):
            assert "HUDDLE_SALESFORCE_TOKEN" in refused(await salesforce(api, body, query))
        q = f"?token={token}"
        assert "(none)" in refused(
            await salesforce(api, sf_message(sf_opportunity(), org_id=""), q)
        )
        lower = sf_message(sf_opportunity(), org_id=SALESFORCE_ORG.lower())
        refused(await salesforce(api, lower, q))
        await nothing_recorded(api)
        ok = await salesforce(api, body, q)
        assert ok.status_code == 200 and "<Ack>true</Ack>" in ok.text, ok.text
        assert (await api.board())[seller["id"]] > 0


# --- bodies that are not the CRM's shape ----------------------------------------------


async def test_hubspot_body_that_is_not_json_is_kept_as_rejected(api):
    """A signed non-JSON HubSpot body: 200, kept as rejected in words, not replayable."""
    await org(api, hubspot=OWNER)
    answer = await hubspot(api, b"dealstage=closedwon&amount=100")
    assert answer.status_code == 200 and answer.json()["rejected"] == 1, answer.text
    scalar = await hubspot(api, b"[42, null]")
    assert scalar.json()["rejected"] == 2
    kept = await deliveries(api, state="rejected", connector="hubspot")
    assert len(kept) == 3
    reasons = sorted(d["reason"] for d in kept)
    assert any("not JSON" in r for r in reasons)
    assert sum("JSON object" in r for r in reasons) == 2
    assert kept[-1]["text"] == "dealstage=closedwon&amount=100"
    assert await kinds(api) == [] and not any((await api.board()).values())
    again = await replay(api, kept[-1]["id"], expect=409)
    assert "send it again" in again.json()["detail"]


async def test_pipedrive_bodies_not_in_its_shape_are_kept_as_rejected(api):
    """Pipedrive bodies not in its v2 shape: 200, each kept as rejected in words."""
    await org(api, pipedrive="1234567")
    v1 = {"meta": {"v": 1, "object": "deal", "action": "updated", "id": 501}, "current": {}}
    person = {"meta": {"entity": "person", "action": "change"}, "data": {"id": 7}}
    bodies = {
        "not JSON": b"<xml/>",
        "version 2.0": js(v1),
        "no meta": js({"data": {"id": 501, "status": "won"}}),
        "only deal and activity": js(person),
        "status is frozen": js(pd_deal("frozen")),
        "no amount": js(pd_deal("won", value=None)),
    }
    for words, body in bodies.items():
        answer = await pipedrive(api, body)
        assert answer.status_code == 200 and answer.json()["rejected"] == 1, (words, answer.text)
    kept = await deliveries(api, state="rejected")
    assert len(kept) == len(bodies)
    for words, row in zip(reversed(list(bodies)), kept, strict=True):
        assert words in row["reason"], (words, row["reason"])
    assert await kinds(api) == [] and not any((await api.board()).values())


async def test_hubspot_missing_required_fields_are_named(api):
    """A HubSpot deal missing hs_object_id, dealstage or amount is rejected naming it."""
    await org(api, hubspot=OWNER)
    no_id = {k: v for k, v in hs_deal("1").items() if k != "hs_object_id"}
    no_stage = {k: v for k, v in hs_deal("2").items() if k != "dealstage"}
    answer = await hubspot(api, js([no_id, no_stage, hs_deal("3", amount=None)]))
    assert answer.json()["rejected"] == 3
    reasons = [d["reason"] for d in await deliveries(api, state="rejected")][::-1]
    for field, reason in zip(("hs_object_id", "dealstage", "amount"), reasons, strict=True):
        assert field in reason, (field, reason)
    assert await kinds(api) == []


async def test_hubspot_missing_owner_is_named(api):
    """A HubSpot deal without hubspot_owner_id is kept as rejected naming that field."""
    await org(api, hubspot=OWNER)
    assert (await hubspot(api, js(hs_deal(owner=None)))).json()["rejected"] == 1
    [kept] = await deliveries(api, state="rejected")
    assert "hubspot_owner_id" in kept["reason"], kept["reason"]


async def test_salesforce_message_with_bad_notifications_is_still_acked(api):
    """A Salesforce message with bad notifications is Acked; the good one scores."""
    seller = await org(api, salesforce=SF_OWNER)
    no_won = {k: v for k, v in sf_opportunity("006Hn00000Edge02AA").items() if k != "IsWon"}
    lead = {"_type": "Lead", "Id": "00QHn00000Lead1AAA"}
    answer = await salesforce(api, sf_message(lead, no_won, sf_opportunity()))
    assert answer.status_code == 200 and "<Ack>true</Ack>" in answer.text, answer.text
    reasons = sorted(d["reason"] for d in await deliveries(api, state="rejected"))
    assert len(reasons) == 2
    assert "Lead" in reasons[1] and "IsWon" in reasons[0]
    assert await kinds(api) == ["deal.won"] and (await api.board())[seller["id"]] > 0


# --- owners no member has, and the replay ----------------------------------------------


async def test_retried_rejected_deliveries_replay_into_one_deal(api):
    """Three rejected retries of one unmapped deal, replayed after mapping, score once."""
    seller = await org(api)
    body = fixture("pipedrive/deal_won.json")
    for _ in range(3):
        assert (await pipedrive(api, body)).json()["rejected"] == 1
    kept = await deliveries(api, state="rejected")
    assert len(kept) == 3 and all("1234567" in d["reason"] for d in kept)
    path = f"/api/members/{seller['id']}"
    await api.call("PATCH", path, json={"external_ids": {"pipedrive": "1234567"}}, expect=200)
    states = [(await replay(api, d["id"], expect=200)).json()["state"] for d in kept]
    assert states == ["replayed"] * 3
    assert (await pipedrive(api, body)).json()["duplicates"] == 1
    assert await kinds(api) == ["deal.won"]
    assert await deliveries(api, state="rejected") == []


async def test_parallel_replays_of_one_delivery_count_once(http_api):
    """One rejected delivery replayed six times at once on two workers scores once."""
    api = http_api
    seller = await org(api)
    await pipedrive(api, fixture("pipedrive/deal_won.json"))
    [kept] = await deliveries(api, state="rejected")
    path = f"/api/members/{seller['id']}"
    await api.call("PATCH", path, json={"external_ids": {"pipedrive": "1234567"}}, expect=200)
    answers = await asyncio.gather(*(replay(api, kept["id"]) for _ in range(6)))
    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
    assert any(a.status_code == 200 for a in answers)
    assert await kinds(api) == ["deal.won"]


async def test_replay_is_for_admins_and_rejected_deliveries_only(api):
    """Replay: a seller's token → 403; an unknown delivery → 404; a stored one → 409."""
    seller = await org(api, pipedrive="1234567")
    await pipedrive(api, fixture("pipedrive/deal_won.json"))
    [stored] = await deliveries(api)
    refused(await replay(api, stored["id"], token=api.tokens[seller["id"]]), 403)
    refused(await replay(api, 999_999), 404)
    assert "stored" in refused(await replay(api, stored["id"]), 409)
    assert await kinds(api) == ["deal.won"]


async def test_replaying_a_stale_delivery_changes_no_deal_recorded_since(api):
    """Replaying is safe: an old rejected 'won' changes nothing once the deal is lost."""
    seller = await org(api)
    assert (await pipedrive(api, fixture("pipedrive/deal_won.json"))).json()["rejected"] == 1
    [kept] = await deliveries(api, state="rejected")
    path = f"/api/members/{seller['id']}"
    await api.call("PATCH", path, json={"external_ids": {"pipedrive": "1234567"}}, expect=200)
    assert (await pipedrive(api, fixture("pipedrive/deal_lost.json"))).json()["stored"] == 1
    assert await kinds(api) == ["deal.lost"]
    await replay(api, kept["id"])
    assert await kinds(api) == ["deal.lost"]
    assert (await api.board(category="deals")).get(seller["id"], 0) == 0


async def test_activity_kept_until_its_metric_exists_then_replayed(api):
    """An activity with no metric yet is kept; replayed once the metric exists, once."""
    seller = await org(api, pipedrive="1234567")
    call = fixture("pipedrive/activity_done.json")
    assert (await pipedrive(api, call)).json()["rejected"] == 1
    [kept] = await deliveries(api, state="rejected")
    assert "calls" in kept["reason"]
    await api.post(
        "/api/metrics", {"key": "calls", "name": "Calls", "points_per_unit": 3}, expect=201
    )
    assert (await replay(api, kept["id"], expect=200)).json()["state"] == "replayed"
    assert (await pipedrive(api, call)).json()["duplicates"] == 1
    assert (await api.board(metric="calls"))[seller["id"]] == 1
    assert (await api.board(category="activity"))[seller["id"]] == 3


# --- idempotency, batches and order ---------------------------------------------------


async def test_hubspot_batch_of_1000_deals_scores_each_once(api):
    """A HubSpot array of 1,000 deals scores each once; sent again it adds nothing."""
    await org(api, hubspot=OWNER)
    batch = js([hs_deal(str(10_000 + n), amount=str(1000 * (n % 90))) for n in range(1000)])
    first = await hubspot(api, batch)
    assert first.json() == {
        "received": 1000,
        "stored": 1000,
        "duplicates": 0,
        "ignored": 0,
        "rejected": 0,
    }
    board = await api.board()
    assert (await hubspot(api, batch)).json()["duplicates"] == 1000
    assert await api.board() == board
    won = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert len({e["data"]["external_id"] for e in won}) == len(won) == 1000


async def test_one_deal_twice_in_one_batch(api):
    """One deal twice in one batch counts once, and its last state in the batch wins."""
    seller = await org(api, hubspot=OWNER, salesforce=SF_OWNER)
    twice = await hubspot(api, js([hs_deal("1"), hs_deal("1")]))
    assert (twice.json()["stored"], twice.json()["duplicates"]) == (1, 1)
    flip = await hubspot(api, js([hs_deal("2"), hs_deal("2", stage="appointmentscheduled")]))
    assert flip.json()["stored"] == 2
    saves = sf_message(sf_opportunity(Amount="10000"), sf_opportunity(Amount="20000"))
    assert "<Ack>true</Ack>" in (await salesforce(api, saves)).text
    deals = [e for e in await api.ledger() if e["kind"].startswith("deal.")]
    assert [e["kind"] for e in deals] == [
        "deal.won",
        "deal.won",
        "deal.reversed",
        "deal.won",
        "deal.reversed",
        "deal.won",
    ]
    assert deals[-1]["data"]["amount"] == 20000 and deals[-1]["member_id"] == seller["id"]


async def test_hubspot_batch_over_the_limit_is_refused_whole(api):
    """Undocumented: over 1,000 HubSpot objects → 422 naming the limit, nothing kept."""
    await org(api, hubspot=OWNER)
    batch = js([hs_deal(str(n)) for n in range(1001)])
    assert "1,000" in refused(await hubspot(api, batch), 422)
    await nothing_recorded(api)


async def test_out_of_order_deliveries_apply_in_arrival_order(api):
    """Undocumented: arrival order wins; a late older 'won' scores an open/lost deal."""
    seller = await org(api, pipedrive="1234567")
    reopened = fixture("pipedrive/deal_reopened.json")  # 19 Nov 08:02: won → open
    won = fixture("pipedrive/deal_won.json")  # 18 Nov: open → won, retried late
    lost = fixture("pipedrive/deal_lost.json")  # 19 Nov 09:30: open → lost
    assert (await pipedrive(api, reopened)).json()["ignored"] == 1
    assert (await pipedrive(api, won)).json()["stored"] == 1
    assert await kinds(api) == ["deal.won"]
    assert (await api.board())[seller["id"]] > 0
    assert (await pipedrive(api, lost)).json()["stored"] == 1
    assert (await pipedrive(api, won)).json()["stored"] == 1  # the same old event again
    assert await kinds(api) == [
        "deal.won",
        "deal.reversed",
        "deal.lost",
        "deal.reversed",
        "deal.won",
    ]
    assert (await api.board())[seller["id"]] > 0


# --- owners, emails, currencies, dates ------------------------------------------------


async def test_deal_moved_between_owners(api):
    """A won deal moved to a linked owner is re-credited; to an unlinked one it stays."""
    seller = await org(api, hubspot=OWNER)
    other_team = await api.team()
    other = await api.member(other_team["id"], "Olav Other")
    await api.call(
        "PATCH", f"/api/members/{other['id']}", json={"external_ids": {"hubspot": "777"}}
    )
    assert (await hubspot(api, js(hs_deal()))).json()["stored"] == 1
    assert (await hubspot(api, js(hs_deal(owner="777")))).json()["stored"] == 1
    deals = [e for e in await api.ledger() if e["kind"].startswith("deal.")]
    assert [e["kind"] for e in deals] == ["deal.won", "deal.reversed", "deal.won"]
    assert deals[-1]["member_id"] == other["id"]
    assert deals[-1]["data"]["deal_id"] == deals[0]["data"]["deal_id"]
    by_deals = await api.board(category="deals")
    assert by_deals.get(seller["id"], 0) == 0 and by_deals[other["id"]] > 0
    unknown = await hubspot(api, js(hs_deal(owner="999")))
    assert unknown.json()["duplicates"] == 1
    assert (await api.board(category="deals"))[other["id"]] == by_deals[other["id"]]


async def test_owner_found_by_email_when_no_owner_id_matches(api):
    """With no linked owner id, the owner's email (any case) finds the member."""
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"], "Emma Email", email="emma@example.com")
    body = js(hs_deal(owner="424242", owner_email="EMMA@Example.com"))
    assert (await hubspot(api, body)).json()["stored"] == 1
    [won] = [e for e in await api.ledger() if e["kind"] == "deal.won"]
    assert won["member_id"] == seller["id"]


async def test_pipedrive_deal_in_another_currency_is_converted(api):
    """Pipedrive EUR/SEK deals convert at the rate; with no rate they wait for replay."""
    await org(api, pipedrive="1234567")
    await api.call("PUT", "/api/currency/rates", json={"rates": {"EUR": 11.7}}, expect=200)
    assert (await pipedrive(api, js(pd_deal(currency="eur", value=1000)))).json()["stored"] == 1
    sek = pd_deal(id=502, currency="SEK", value=2000)
    sek["meta"]["entity_id"] = "502"
    assert (await pipedrive(api, js(sek))).json()["rejected"] == 1
    [kept] = await deliveries(api, state="rejected")
    assert "SEK" in kept["reason"] and "NOK" in kept["reason"]
    rates = {"EUR": 11.7, "SEK": 0.98}
    await api.call("PUT", "/api/currency/rates", json={"rates": rates}, expect=200)
    await replay(api, kept["id"], expect=200)
    won = [e["data"] for e in await api.ledger() if e["kind"] == "deal.won"]
    assert [(d["amount"], d["original_amount"], d["currency"]) for d in won] == [
        (11700, 1000, "EUR"),
        (1960, 2000, "SEK"),
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_without_org_currency_amounts_are_taken_as_they_come(settings):
    """Without HUDDLE_CURRENCY amounts score as sent and rates are refused in words."""
    plain = replace(settings, currency=None)
    async with AsyncTestClient(app=create_app(plain), timeout=30) as client:
        api = Api(client)
        await org(api, hubspot=OWNER)
        body = js(hs_deal(amount="5000", deal_currency_code="EUR"))
        assert (await hubspot(api, body)).json()["stored"] == 1
        [won] = [e for e in await api.ledger() if e["kind"] == "deal.won"]
        assert won["data"]["amount"] == 5000
        put = await api.call("PUT", "/api/currency/rates", json={"rates": {"EUR": 11}})
        assert "HUDDLE_CURRENCY" in refused(put, 422)


async def test_won_deal_with_a_later_close_date_scores(api):
    """A won deal scores whatever later expected close date the CRM left on it."""
    seller = await org(api, salesforce=SF_OWNER, hubspot=OWNER)
    tomorrow = (org_today() + timedelta(days=1)).isoformat()
    answer = await salesforce(api, sf_message(sf_opportunity(CloseDate=tomorrow)))
    assert "<Ack>true</Ack>" in answer.text
    later_ms = str(int((time.time() + 86_400) * 1000))
    await hubspot(api, js(hs_deal(closedate=later_ms)))
    assert await deliveries(api, state="rejected") == []
    assert await kinds(api) == ["deal.won", "deal.won"]
    assert (await api.board())[seller["id"]] > 0


async def test_pipedrive_deal_created_won_then_deleted(api):
    """A Pipedrive deal created as won scores; deleting it (data null) takes it back."""
    seller = await org(api, pipedrive="1234567")
    created = pd_deal("won", meta={"action": "create"}, previous=None)
    assert (await pipedrive(api, js(created))).json()["stored"] == 1
    assert (await api.board())[seller["id"]] > 0
    gone = json.loads(fixture("pipedrive/deal_won.json"))
    gone["meta"]["action"] = "delete"
    gone["previous"], gone["data"] = gone["data"], None
    assert (await pipedrive(api, js(gone))).json()["stored"] == 1
    assert await kinds(api) == ["deal.won", "deal.reversed"]
    assert (await api.board()).get(seller["id"], 0) == 0


async def test_switching_hubspot_body_format_keeps_one_deal(api):
    """One HubSpot deal in both body formats, ids as strings or numbers, is one deal."""
    await org(api, hubspot=OWNER)
    await api.call("PUT", "/api/currency/rates", json={"rates": {"EUR": 11.5}}, expect=200)
    assert (await hubspot(api, fixture("hubspot/deal_all_properties.json"))).json()["stored"] == 1
    custom = hs_deal("9876543211", amount="1000", deal_currency_code="EUR")
    assert (await hubspot(api, js(custom))).json()["duplicates"] == 1
    numbers = hs_deal(9876543211, amount=1000, deal_currency_code="eur")  # type: ignore[arg-type]
    assert (await hubspot(api, js(numbers))).json()["duplicates"] == 1
    assert await kinds(api) == ["deal.won"]


async def test_won_deal_of_a_member_who_left_becoming_lost_is_corrected(api):
    """A won deal that becomes lost is corrected even if its seller has left since."""
    seller = await org(api, hubspot=OWNER)
    assert (await hubspot(api, js(hs_deal()))).json()["stored"] == 1
    path = f"/api/members/{seller['id']}"
    await api.call("PATCH", path, json={"active": False}, expect=200)
    lost = await hubspot(api, js(hs_deal(stage="closedlost")))
    assert lost.json()["stored"] == 1, (await deliveries(api))[0]["reason"]
    assert await kinds(api) == ["deal.won", "deal.reversed", "deal.lost"]


async def test_an_id_too_long_to_keep_is_kept_as_rejected_beside_good_ones(api):
    """A signed delivery gets 2xx: a 300-char id is kept as rejected, its neighbour scores."""
    seller = await org(api, hubspot=OWNER)
    answer = await hubspot(api, js([hs_deal("1"), hs_deal("9" * 300)]))
    assert answer.status_code == 200, answer.text
    assert (answer.json()["stored"], answer.json()["rejected"]) == (1, 1)
    assert await kinds(api) == ["deal.won"]
    assert (await api.board())[seller["id"]] > 0
