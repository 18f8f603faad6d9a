"""Deals: scoring through the API, permissions, idempotency, the CRM webhook and goals."""

import hashlib
import hmac
import json

from tests.conftest import Api


async def _team_of(api, n=4, **kw):
    team = await api.team(**kw)
    return team, [await api.member(team["id"]) for _ in range(n)]


async def test_worked_example_through_the_api(api):
    """Team of 4, 50 000 won: seller 48, teammates 4 each; team total +60, per member +15."""
    await api.season()
    team, (seller, *mates) = await _team_of(api)
    r = await api.deal(seller["id"], 50_000)
    body = r.json()
    assert body["deal"]["outcome"] == "won" and body["deal"]["seller_id"] == seller["id"]
    awards = {(a["member_id"], a["category"]): a["points"] for a in body["awards"]}
    assert awards == {(seller["id"], "deals"): 48, **{(m["id"], "team_share"): 4 for m in mates}}
    teams = (await api.get("/api/leaderboards/teams"))["entries"]
    assert teams == [
        {
            "rank": 1,
            "team_id": team["id"],
            "name": team["name"],
            "nickname": None,
            "color": None,
            "score": 15,
            "members": 4,
            "total": 60,
        }
    ]


async def test_who_may_log_a_deal(api):
    """Sellers log their own, managers their team's, integrations anyone's; others get 403."""
    team, (seller, other) = await _team_of(api, 2)
    manager = await api.member(team["id"], role="manager")
    _other_team, (stranger,) = await _team_of(api, 1)
    await api.deal(seller["id"], token=api.tokens[seller["id"]])
    r = await api.deal(other["id"], token=api.tokens[seller["id"]], expect=403)
    assert "own" in r.json()["detail"]
    await api.deal(other["id"], token=api.tokens[manager["id"]])
    await api.deal(stranger["id"], token=api.tokens[manager["id"]], expect=403)
    await api.deal(stranger["id"], token=await api.role_token("integration"))
    await api.deal(stranger["id"], token=await api.role_token("display"), expect=403)
    assert len((await api.get("/api/feed", kind="deal.won"))["entries"]) == 3


async def test_rejected_deals_change_nothing(api):
    """Bad deals are refused with a problem detail and leave no entry, points or feed row."""
    _team, (seller, mate) = await _team_of(api, 2)
    before = await api.get("/api/feed")
    bad = [
        ({"amount": -1}, 422),
        ({"outcome": "maybe"}, 422),
        ({"customer": ""}, 422),
        ({"assists": [seller["id"]]}, 422),
        ({"assists": [mate["id"], mate["id"]]}, 422),
        ({"assists": [999]}, 422),
        ({"closed_at": "2999-01-01T00:00:00+00:00"}, 422),
        ({"assists": [mate["id"], 1, 2, 3]}, 422),
        ({"seller_id": 999}, 404),
    ]
    for extra, status in bad:
        body = {
            "seller_id": seller["id"],
            "outcome": "won",
            "amount": 1000,
            "customer": "Acme",
            **extra,
        }
        r = await api.post("/api/deals", body, expect=status)
        assert r.json()["detail"], extra
    assert await api.get("/api/feed") == before
    assert set((await api.board()).values()) == {0}


async def test_external_id_scores_once(api):
    """The same external_id again answers 200 with the original deal and no new awards."""
    _team, (seller, _mate) = await _team_of(api, 2)
    first = await api.deal(seller["id"], 20_000, external_id="crm-42")
    again = await api.deal(seller["id"], 99_000, external_id="crm-42", expect=200)
    assert again.json()["deal"] == first.json()["deal"]
    assert again.json()["awards"] == []
    assert (await api.board())[seller["id"]] == 24


async def test_assists_newcomer_and_lost_deals(api):
    """Assists earn 5 each (other teams too); newcomers ×1.5; lost deals score nothing."""
    _team, (seller, mate) = await _team_of(api, 2)
    other_team, (helper,) = await _team_of(api, 1)
    rookie = (
        await api.post(
            "/api/members",
            {"name": "Rookie", "team_id": other_team["id"], "role": "seller"},
            expect=201,
        )
    ).json()
    r = await api.deal(seller["id"], 0, assists=[mate["id"], helper["id"]])
    awards = {(a["member_id"], a["category"]): a["points"] for a in r.json()["awards"]}
    assert awards[(mate["id"], "assists")] == 5 and awards[(helper["id"], "assists")] == 5
    assert awards[(seller["id"], "deals")] == 8 and awards[(mate["id"], "team_share")] == 2
    r = await api.deal(rookie["id"], 10_000)
    rookie_awards = {
        a["category"]: a["points"] for a in r.json()["awards"] if a["member_id"] == rookie["id"]
    }
    assert rookie_awards == {"deals": 24}  # (10+10)×1.5 = 30, 20% (6) to the one teammate
    lost = await api.deal(seller["id"], 90_000, outcome="lost")
    assert lost.json()["awards"] == [] and lost.json()["deal"]["outcome"] == "lost"


def _sign(body: bytes, secret: str = "test-webhook-secret") -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def test_crm_webhook_signed_and_idempotent(api):
    """A signed webhook scores once per id; a bad signature is a 401 and changes nothing."""
    _team, (seller, _mate) = await _team_of(api, 2)
    payload = {
        "event": "deal.won",
        "id": "opp-1",
        "seller_email": None,
        "seller_id": seller["id"],
        "amount": 30_000,
        "customer": "Equinor",
    }
    raw = json.dumps(payload).encode()
    bad = await api.client.post(
        "/api/webhooks/crm", content=raw, headers={"X-Huddle-Signature": _sign(raw, "wrong")}
    )
    assert bad.status_code == 401 and bad.json()["detail"]
    assert set((await api.board()).values()) == {0}
    ok = await api.client.post(
        "/api/webhooks/crm", content=raw, headers={"X-Huddle-Signature": _sign(raw)}
    )
    assert ok.status_code == 201
    again = await api.client.post(
        "/api/webhooks/crm", content=raw, headers={"X-Huddle-Signature": _sign(raw)}
    )
    assert again.status_code == 200 and again.json()["awards"] == []
    assert (await api.board())[seller["id"]] == 32


async def test_crm_webhook_by_email_and_lost(api):
    """The webhook finds the seller by email; a lost deal is recorded with no points."""
    team = await api.team()
    seller = await api.member(team["id"], email="Kari@Example.com")
    raw = json.dumps(
        {
            "event": "deal.lost",
            "id": "opp-2",
            "seller_email": "kari@example.com",
            "amount": 5000,
            "customer": "DNB",
        }
    ).encode()
    r = await api.client.post(
        "/api/webhooks/crm", content=raw, headers={"X-Huddle-Signature": _sign(raw)}
    )
    assert r.status_code == 201 and r.json()["deal"]["seller_id"] == seller["id"]
    assert r.json()["deal"]["outcome"] == "lost"
    raw = json.dumps(
        {
            "event": "deal.won",
            "id": "opp-3",
            "seller_email": "nobody@x.io",
            "amount": 5000,
            "customer": "DNB",
        }
    ).encode()
    r = await api.client.post(
        "/api/webhooks/crm", content=raw, headers={"X-Huddle-Signature": _sign(raw)}
    )
    assert r.status_code == 404


async def test_goals_progress_and_bonuses_once(api):
    """Nested goals track won deals; reaching them pays the team and member bonus once."""
    season = await api.season()
    team, (seller, mate) = await _team_of(api, 2)
    manager = await api.member(team["id"], role="manager")
    goal = (
        await api.post(
            "/api/goals",
            {
                "team_id": team["id"],
                "season_id": season["id"],
                "metric": "revenue",
                "target": 100_000,
                "member_targets": [
                    {"member_id": seller["id"], "target": 60_000},
                    {"member_id": mate["id"], "target": 40_000},
                ],
            },
            token=api.tokens[manager["id"]],
            expect=201,
        )
    ).json()
    assert goal["progress"]["value"] == 0 and goal["progress"]["reached_at"] is None
    assert [m["member_id"] for m in goal["member_targets"]] == [seller["id"], mate["id"]]
    r = await api.deal(seller["id"], 60_000)
    bonus = {(a["member_id"], a["category"]): a["points"] for a in r.json()["awards"]}
    assert bonus[(seller["id"], "bonus")] == 10  # member goal reached
    r = await api.deal(mate["id"], 40_000)
    bonus = [a for a in r.json()["awards"] if a["category"] == "bonus"]
    assert sorted((a["member_id"], a["points"]) for a in bonus) == sorted(
        [(seller["id"], 25), (mate["id"], 25), (manager["id"], 25), (mate["id"], 10)]
    )
    r = await api.deal(mate["id"], 40_000)
    assert not [a for a in r.json()["awards"] if a["category"] == "bonus"]
    goals = await api.get("/api/goals", team_id=team["id"])
    assert goals[0]["progress"]["value"] == 140_000 and goals[0]["progress"]["reached_at"]
    parts = {m["member_id"]: m["progress"] for m in goals[0]["member_targets"]}
    assert parts[seller["id"]]["value"] == 60_000 and parts[seller["id"]]["reached_at"]
    assert parts[mate["id"]]["value"] == 80_000 and parts[mate["id"]]["reached_at"]
    feed = (await api.get("/api/feed", kind="deal.won"))["entries"]
    reached = [e for f in feed for e in f["events"] if e["type"] == "goal_reached"]
    assert len(reached) == 3 and all(f["celebrate"] for f in feed)


async def test_goal_rules(api):
    """Only the team's manager or an admin sets goals; member goals must be teammates."""
    season = await api.season()
    team, (seller,) = await _team_of(api, 1)
    other, (stranger,) = await _team_of(api, 1)
    other_manager = await api.member(other["id"], role="manager")
    body = {"team_id": team["id"], "season_id": season["id"], "metric": "deals", "target": 3}
    await api.post("/api/goals", body, token=api.tokens[seller["id"]], expect=403)
    await api.post("/api/goals", body, token=api.tokens[other_manager["id"]], expect=403)
    await api.post(
        "/api/goals",
        {**body, "member_targets": [{"member_id": stranger["id"], "target": 1}]},
        expect=422,
    )
    await api.post("/api/goals", {**body, "season_id": 999}, expect=404)
    await api.post("/api/goals", {**body, "target": 0}, expect=422)
    before = await api.ledger()
    for tiny in (
        {"target": 0.004},
        {"member_targets": [{"member_id": seller["id"], "target": 0.004}]},
    ):
        r = await api.post("/api/goals", {**body, **tiny}, expect=422)
        assert "0.01" in r.json()["detail"]
    assert await api.ledger() == before  # no goal, no bonus paid at creation
    await api.deal(seller["id"], 1000)
    created = (await api.post("/api/goals", body, expect=201)).json()
    assert created["progress"]["value"] == 1  # deals already won this season count
    await api.post("/api/goals", body, expect=409)


async def test_a_member_token_may_leave_out_seller_id(api):
    """A seller logs their own deal without naming themselves; an admin must name one."""
    team = await api.team()
    seller = await api.member(team["id"])
    body = {"outcome": "won", "amount": 5000, "customer": "Acme"}
    r = await api.post("/api/deals", body, token=api.tokens[seller["id"]], expect=201)
    assert r.json()["deal"]["seller_id"] == seller["id"]
    r = await api.post("/api/deals", body, expect=422)
    assert r.json()["field"] == "seller_id" and "admin" in r.json()["detail"]


def _delivery(seller_id: int, n: int, stamp: int | None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(
        {"event": "deal.won", "id": f"opp-t{n}", "seller_id": seller_id,
         "amount": 0, "customer": "Equinor"}
    ).encode()  # fmt: skip
    if stamp is None:
        return raw, {"X-Huddle-Signature": _sign(raw)}
    signed = f"{stamp}.".encode() + raw
    return raw, {"X-Huddle-Signature": _sign(signed), "X-Huddle-Timestamp": str(stamp)}


async def test_crm_webhook_timestamp_window(api):
    """A timestamped delivery is signed over '<ts>.<body>' and refused outside 5 minutes
    either side of now (a replay); the body-only signature of the contract still works
    unless HUDDLE_WEBHOOK_REQUIRE_TIMESTAMP is set."""
    import time

    _team, (seller, _mate) = await _team_of(api, 2)

    def delivery(n: int, stamp: int | None) -> tuple[bytes, dict[str, str]]:
        return _delivery(seller["id"], n, stamp)

    now = int(time.time())
    for n, stamp, code in ((1, now, 201), (2, now - 301, 401), (3, now + 400, 401)):
        raw, headers = delivery(n, stamp)
        r = await api.client.post("/api/webhooks/crm", content=raw, headers=headers)
        assert r.status_code == code, r.text
    raw, headers = delivery(4, now)
    headers["X-Huddle-Timestamp"] = str(now - 1)  # the stamp is signed: changing it fails
    r = await api.client.post("/api/webhooks/crm", content=raw, headers=headers)
    assert r.status_code == 401
    assert (await api.board())[seller["id"]] == 8  # one deal: 10 less the 20% share
    raw, headers = delivery(5, None)  # the contract's body-only signature, by default
    r = await api.client.post("/api/webhooks/crm", content=raw, headers=headers)
    assert r.status_code == 201


async def test_crm_webhook_can_require_a_timestamp(settings):
    """HUDDLE_WEBHOOK_REQUIRE_TIMESTAMP: the body-only signature is refused."""
    import dataclasses
    import time

    from litestar.testing import AsyncTestClient

    from service.app import create_app

    strict = dataclasses.replace(settings, webhook_require_timestamp=True)
    async with AsyncTestClient(app=create_app(strict), timeout=30) as client:
        api = Api(client)
        team = await api.team()
        seller = await api.member(team["id"])
        raw, headers = _delivery(seller["id"], 1, None)
        r = await client.post("/api/webhooks/crm", content=raw, headers=headers)
        assert r.status_code == 401 and "X-Huddle-Timestamp" in r.json()["detail"]
        raw, headers = _delivery(seller["id"], 2, int(time.time()))
        r = await client.post("/api/webhooks/crm", content=raw, headers=headers)
        assert r.status_code == 201
