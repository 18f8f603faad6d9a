"""Contests through the API, on SQLite and PostgreSQL: every format with its winners and
prizes, ties, reversals during a contest, entries that arrive after it ended, creating a
contest whose period has begun, challenges, the rules of who may do what, settlement raced
by two instances, and live standings on a real websocket."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import Api

NOW = datetime.now


def at(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def people(api: Api, sellers: int = 3) -> tuple[dict[str, Any], dict, list[dict]]:
    await api.season()
    team = await api.team("Hawks")
    manager = await api.member(team["id"], "Maja Manager", role="manager")
    return team, manager, [await api.member(team["id"], f"Seller {i}") for i in range(sellers)]


async def contest(api: Api, token: str | None = None, expect: int = 201, **body: Any) -> Any:
    body = {
        "name": "Sprint",
        "format": "ranking",
        "metric": "revenue",
        "starts_at": at(hours=-1),
        "ends_at": at(hours=1),
        **body,
    }
    response = await api.post("/api/contests", body, token=token, expect=expect)
    return response.json()


async def settled(api: Api, contest_id: int, timeout: float = 20) -> dict[str, Any]:
    """The contest once the referee has settled it."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = await api.get(f"/api/contests/{contest_id}")
        if found["state"] in ("settled", "cancelled"):
            return found
        assert asyncio.get_running_loop().time() < deadline, found
        await asyncio.sleep(0.2)


async def wallet(api: Api, member_id: int) -> float:
    return (await api.get(f"/api/members/{member_id}/wallet"))["earned"]


def winners(found: dict[str, Any]) -> list[tuple[int, str, float]]:
    return [(w["place"], w["name"], w["coins"]) for w in found["winners"]]


async def test_ranking_ties_share_the_places_they_take_up(api):
    """Two tied first share the coins of the first and second prize; the third is third;
    the settlement is one contest.settled entry and the coins reach the wallets."""
    _, _, (a, b, c) = await people(api)
    found = await contest(
        api, ends_at=at(seconds=3), prizes=[{"coins": 100}, {"coins": 50}, {"coins": 10}]
    )
    for seller, amount in ((a, 50_000), (b, 50_000), (c, 20_000)):
        await api.deal(seller["id"], amount)
    running = await api.get(f"/api/contests/{found['id']}")
    assert running["state"] == "running"
    assert [(r["rank"], r["name"], r["score"]) for r in running["standings"]] == [
        (1, "Seller 0", 50_000),
        (1, "Seller 1", 50_000),
        (3, "Seller 2", 20_000),
        (4, "Maja Manager", 0),  # no participants named: every active member
    ]
    before = [await wallet(api, s["id"]) for s in (a, b, c)]
    done = await settled(api, found["id"])
    assert winners(done) == [(1, "Seller 0", 75), (1, "Seller 1", 75), (3, "Seller 2", 10)]
    after = [await wallet(api, s["id"]) for s in (a, b, c)]
    assert [round(x - y, 2) for x, y in zip(after, before, strict=True)] == [75, 75, 10]
    entries = [e for e in await api.ledger() if e["kind"] == "contest.settled"]
    assert len(entries) == 1 and entries[0]["celebrate"] is True
    assert entries[0]["data"]["winners"][0]["name"] == "Seller 0"


async def test_a_race_ends_at_the_entry_that_reaches_its_target(api):
    _, _, (a, b, _) = await people(api)
    found = await contest(
        api, format="race", target=100_000, prizes=[{"coins": 30, "description": "Cake"}]
    )
    await api.deal(a["id"], 60_000)
    assert (await api.get(f"/api/contests/{found['id']}"))["state"] == "running"
    won = (await api.deal(a["id"], 50_000)).json()
    done = await api.get(f"/api/contests/{found['id']}")
    assert done["state"] == "settled"
    assert winners(done) == [(1, "Seller 0", 30)]
    assert done["winners"][0]["prize"]["description"] == "Cake"
    ledger = await api.ledger()
    kinds = [(e["seq"], e["kind"]) for e in ledger]
    deal_seq = next(e["seq"] for e in ledger if e["data"].get("deal_id") == won["deal"]["id"])
    assert (deal_seq + 1, "contest.settled") in kinds
    assert ledger[-1]["data"]["reason"] == "target reached"
    await api.deal(b["id"], 200_000)  # after the finish: nothing changes
    assert winners(await api.get(f"/api/contests/{found['id']}")) == [(1, "Seller 0", 30)]
    assert len([k for _, k in kinds if k == "contest.settled"]) == 1


async def test_tiers_pay_the_highest_tier_reached(api):
    _, _, (a, b, _) = await people(api)
    tiers = [
        {"target": 1, "prize": {"coins": 5}},
        {"target": 2, "prize": {"coins": 20, "description": "Gold"}},
    ]
    found = await contest(
        api, format="tiers", metric="deals_won", tiers=tiers, ends_at=at(seconds=3)
    )
    await api.deal(a["id"])
    await api.deal(a["id"])
    await api.deal(b["id"])
    await api.deal(b["id"], outcome="lost")
    rows = {
        r["name"]: r["tier"] for r in (await api.get(f"/api/contests/{found['id']}"))["standings"]
    }
    assert rows == {"Seller 0": 2, "Seller 1": 1, "Seller 2": 0, "Maja Manager": 0}
    done = await settled(api, found["id"])
    assert sorted(winners(done)) == [(1, "Seller 0", 20), (2, "Seller 1", 5)]


async def test_head_to_head_teams_are_scored_per_member(api):
    """A team of 2 meets a team of 4: the side with more revenue per member wins."""
    await api.season()
    small, big = await api.team("Small"), await api.team("Big")
    s = [await api.member(small["id"]) for _ in range(2)]
    b = [await api.member(big["id"]) for _ in range(4)]
    sides = [{"name": "Small", "team_ids": [small["id"]]}, {"name": "Big", "team_ids": [big["id"]]}]
    found = await contest(
        api, format="head_to_head", sides=sides, ends_at=at(seconds=3), prizes=[{"coins": 10}]
    )
    await api.deal(s[0]["id"], 100_000)  # 50 000 per member
    for member in b:
        await api.deal(member["id"], 40_000)  # 160 000: 40 000 per member
    rows = (await api.get(f"/api/contests/{found['id']}"))["standings"]
    assert [(r["side"], r["score"], r["value"]) for r in rows] == [
        ("Small", 50_000, 50_000),
        ("Big", 40_000, 40_000),
    ]
    done = await settled(api, found["id"])
    assert [(w["side"], w["coins"]) for w in done["winners"]] == [("Small", 10)]
    assert await wallet(api, s[1]["id"]) >= 10  # every member of the side is paid


async def test_improvement_counts_the_period_before_and_what_happened_already(api):
    """Created when its period has begun, it counts what is recorded in it already (and
    the equal period before); a newcomer without a period before is measured against 1."""
    _, _, (a, b, _) = await people(api)
    ago = lambda **d: at(**{k: -v for k, v in d.items()})  # noqa: E731
    await api.deal(a["id"], 10_000, closed_at=ago(hours=30))  # the day before: 20 points
    await api.deal(a["id"], 30_000, closed_at=ago(hours=3))  # this day: 40 points
    found = await contest(
        api,
        name="Most improved",
        format="improvement",
        metric="deals",
        starts_at=ago(hours=24),
        ends_at=at(seconds=4),
    )
    rows = {r["name"]: r for r in found["standings"]}
    assert rows["Seller 0"]["value"] > rows["Seller 0"]["baseline"] > 0
    assert rows["Seller 0"]["score"] == round(
        rows["Seller 0"]["value"] / rows["Seller 0"]["baseline"], 2
    )
    await api.deal(b["id"], 1_000)  # 11 points, nothing before: 11 ÷ 1
    rows = {r["name"]: r for r in (await api.get(f"/api/contests/{found['id']}"))["standings"]}
    assert rows["Seller 1"]["score"] == rows["Seller 1"]["value"]
    done = await settled(api, found["id"])
    assert done["winners"][0]["name"] == "Seller 1"


async def test_team_target_pays_every_member_of_a_team_that_reaches_it(api):
    await api.season()
    reds, blues = await api.team("Reds"), await api.team("Blues")
    r = [await api.member(reds["id"]) for _ in range(2)]
    bl = await api.member(blues["id"])
    found = await contest(
        api,
        format="team_target",
        metric="deals_won",
        target=2,
        participants={"team_ids": [reds["id"], blues["id"]]},
        prizes=[{"coins": 7}],
        ends_at=at(seconds=3),
    )
    await api.deal(r[0]["id"])
    await api.deal(r[1]["id"])
    await api.deal(bl["id"])
    done = await settled(api, found["id"])
    assert [(w["team_id"], w["coins"]) for w in done["winners"]] == [(reds["id"], 7)]
    coins = dict(
        next(e for e in await api.ledger() if e["kind"] == "contest.settled")["data"]["coins"]
    )
    assert set(coins) == {r[0]["id"], r[1]["id"]}


async def test_reversals_during_a_contest_and_entries_after_it(api):
    """A deal reversed during the contest leaves it; reversing a deal from before it
    never lowers a score in it; a deal dated inside the period but recorded after the
    settlement counts on the boards and not in the settled contest."""
    _, _, (a, b, _) = await people(api)
    old = (await api.deal(a["id"], 80_000, closed_at=at(hours=-5))).json()
    found = await contest(api, ends_at=at(seconds=4), prizes=[{"coins": 10}])
    wrong = (await api.deal(b["id"], 90_000)).json()
    await api.deal(a["id"], 30_000)
    await api.post(f"/api/deals/{wrong['deal']['id']}/reverse", {"reason": "duplicate"}, expect=201)
    await api.post(f"/api/deals/{old['deal']['id']}/reverse", {"reason": "wrong"}, expect=201)
    rows = {
        r["name"]: r["score"] for r in (await api.get(f"/api/contests/{found['id']}"))["standings"]
    }
    assert rows["Seller 0"] == 30_000 and rows["Seller 1"] == 0
    done = await settled(api, found["id"])
    assert winners(done) == [(1, "Seller 0", 10)]
    late = (await api.deal(b["id"], 500_000, closed_at=at(seconds=-6))).json()
    assert late["awards"]
    again = await api.get(f"/api/contests/{found['id']}")
    assert winners(again) == winners(done) and again["standings"] == done["standings"]


async def test_who_may_create_and_what_is_refused(api):
    team, manager, (a, _, _) = await people(api)
    other = await api.team("Others")
    outsider = await api.member(other["id"])
    mtoken, stoken = api.tokens[manager["id"]], api.tokens[a["id"]]
    before = len(await api.ledger())
    bad = [
        ({"metric": "calls"}, 422, None),
        ({"metric": "activity:nope"}, 422, None),
        ({"format": "race"}, 422, None),  # no target
        ({"ends_at": at(hours=-2), "starts_at": at(hours=-3)}, 422, None),
        ({"ends_at": at(hours=-2)}, 422, None),
        ({"format": "head_to_head"}, 422, None),  # no sides
        ({"prizes": [{"reward_id": 999}]}, 422, None),
        ({}, 403, stoken),
        ({"participants": {"member_ids": [outsider["id"]]}}, 403, mtoken),
    ]
    for body, status, token in bad:
        problem = await contest(api, token=token, expect=status, **body)
        assert problem["detail"], problem
    assert len(await api.ledger()) == before
    mine = await contest(api, token=mtoken)  # a manager's contest: their team's members
    assert mine["participants"]["team_ids"] == [team["id"]]
    assert {r["member_id"] for r in mine["standings"]} == {manager["id"]} | {
        m["id"] for m in (await api.get("/api/members", team_id=team["id"]))
    }
    await api.post(f"/api/contests/{mine['id']}/cancel", {}, token=stoken, expect=403)
    cancelled = await api.post(
        f"/api/contests/{mine['id']}/cancel", {"reason": "typo"}, token=mtoken, expect=200
    )
    assert cancelled.json()["state"] == "cancelled"
    await api.post(f"/api/contests/{mine['id']}/cancel", {}, expect=409)
    assert [c["id"] for c in await api.get("/api/contests", state="ended")] == [mine["id"]]
    assert await api.get("/api/contests", state="running") == []


async def test_challenges_accept_decline_and_the_cap(api):
    team, manager, (a, b, c) = await people(api)
    ta, tb, tc = (api.tokens[m["id"]] for m in (a, b, c))
    body = {"opponent_id": b["id"], "metric": "revenue", "ends_at": at(hours=5)}
    sent = (await api.post("/api/challenges", body, token=ta, expect=201)).json()
    assert sent["state"] == "proposed" and sent["challenge"] is True
    assert [s["name"] for s in sent["sides"]] == ["Seller 0", "Seller 1"]
    await api.deal(a["id"], 10_000)  # before it is accepted: does not count
    await api.post(f"/api/challenges/{sent['id']}/accept", {}, token=tc, expect=403)
    await api.post(f"/api/challenges/{sent['id']}/accept", {}, token=ta, expect=403)
    accepted = (
        await api.post(f"/api/challenges/{sent['id']}/accept", {}, token=tb, expect=200)
    ).json()
    assert accepted["state"] == "running"
    await api.post(f"/api/challenges/{sent['id']}/decline", {}, token=tb, expect=409)
    await api.deal(b["id"], 20_000)
    rows = (await api.get(f"/api/contests/{sent['id']}"))["standings"]
    assert [(r["name"], r["score"]) for r in rows] == [("Seller 1", 20_000), ("Seller 0", 0)]
    mine = await api.get("/api/contests", member_id=b["id"])
    assert [x["id"] for x in mine] == [sent["id"]]
    # the manager caps open challenges at 1: the team has one running
    capped = await api.call(
        "PUT",
        f"/api/teams/{team['id']}/challenge-cap",
        api.tokens[manager["id"]],
        200,
        json={"max_open": 1},
    )
    assert capped.json()["challenge_cap"] == 1
    await api.call("PUT", f"/api/teams/{team['id']}/challenge-cap", ta, 403, json={"max_open": 5})
    refused = await api.post(
        "/api/challenges", {**body, "opponent_id": c["id"]}, token=ta, expect=409
    )
    assert "1 challenge" in refused.json()["detail"]
    await api.call(
        "PUT", f"/api/teams/{team['id']}/challenge-cap", None, 200, json={"max_open": None}
    )
    other = (
        await api.post("/api/challenges", {**body, "opponent_id": c["id"]}, token=ta, expect=201)
    ).json()
    declined = (
        await api.post(f"/api/challenges/{other['id']}/decline", {}, token=tc, expect=200)
    ).json()
    assert declined["state"] == "declined"
    await api.post("/api/challenges", {**body, "opponent_id": a["id"]}, token=ta, expect=422)
    await api.post("/api/challenges", {**body, "prize": {"coins": 5}}, token=ta, expect=422)


async def test_a_challenge_nobody_accepts_lapses(api):
    _, _, (a, b, _) = await people(api)
    body = {"opponent_id": b["id"], "metric": "points", "ends_at": at(seconds=2)}
    sent = (await api.post("/api/challenges", body, token=api.tokens[a["id"]], expect=201)).json()
    done = await settled(api, sent["id"])
    assert done["state"] == "cancelled" and done["winners"] is None


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_settlement_raced_by_two_instances_happens_once(start_server):
    """Both instances know the contest and its end: whichever takes the lock first
    settles it; the other finds it settled. One contest.settled entry, coins paid once."""
    one, two = start_server(), start_server()
    async with (
        httpx.AsyncClient(base_url=one.url, timeout=30) as x,
        httpx.AsyncClient(base_url=two.url, timeout=30) as y,
    ):
        api, other = Api(x), Api(y)
        _, _, (a, b, _) = await people(api)
        found = await contest(api, ends_at=at(seconds=4), prizes=[{"coins": 40}])
        await other.deal(a["id"], 10_000)  # the second instance writes: it knows the contest
        await api.deal(b["id"], 5_000)
        before = await wallet(api, a["id"])
        done = await settled(api, found["id"])
        await asyncio.sleep(1.5)  # both referees have looked by now (each every second)
        assert winners(done) == [(1, "Seller 0", 40)]
        ledger = await other.ledger()
        assert [e["data"]["contest_id"] for e in ledger if e["kind"] == "contest.settled"] == [
            found["id"]
        ]
        assert await wallet(other, a["id"]) == round(before + 40, 2)


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_live_boards_get_the_standings_that_moved(start_server):
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        reds = await api.team("Reds")
        blues = await api.team("Blues")
        _, _, (a, b, _) = await people(api)
        blue = await api.member(blues["id"], "Blue")
        found = await contest(api, format="race", metric="deals_won", target=2)
        display = await api.role_token("display")
        url = server.url.replace("http", "ws") + f"/ws/board?token={display}&team_id={reds['id']}"
        async with connect(url) as ws:
            assert json.loads(await ws.recv())["type"] == "snapshot"
            await api.deal(blue["id"])  # another team's deal: the filtered board gets it too

            async def update() -> dict[str, Any]:
                while True:
                    message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if message["type"] == "update" and message["entry"].get("contests"):
                        return message

            moved = (await update())["entry"]["contests"]
            assert moved[0]["id"] == found["id"] and moved[0]["state"] == "running"
            assert {r["name"]: r["score"] for r in moved[0]["rows"]}["Blue"] == 1
            await api.deal(blue["id"])
            message = await update()
            while message["entry"]["kind"] != "contest.settled":
                message = await update()
            assert message["entry"]["celebrate"] is True
            assert message["entry"]["data"]["winners"][0]["name"] == "Blue"
            assert message["entry"]["contests"][0]["state"] == "settled"


async def test_a_recurring_contest_renews_itself_until_midnight_in_oslo(api):
    """On the database: a daily contest settled at its end starts its next period at that
    end, running to the next midnight in Europe/Oslo (the org's zone), with what was
    recorded after the end already counted in it; settled once."""
    from zoneinfo import ZoneInfo

    _, _, (a, b, _) = await people(api)
    found = await contest(api, recurrence="daily", ends_at=at(seconds=3), prizes=[{"coins": 5}])
    await api.deal(a["id"], 10_000)
    done = await settled(api, found["id"])
    assert winners(done) == [(1, "Seller 0", 5)]
    running = await api.get("/api/contests", state="running")
    (renewed,) = [c for c in running if c["name"] == "Sprint"]
    assert renewed["id"] != found["id"] and renewed["recurrence"] == "daily"
    assert renewed["starts_at"] == done["ends_at"]
    ends = datetime.fromisoformat(renewed["ends_at"]).astimezone(ZoneInfo("Europe/Oslo"))
    assert (ends.hour, ends.minute) == (0, 0)
    assert ends - datetime.fromisoformat(renewed["starts_at"]) <= timedelta(days=1)
    await api.deal(b["id"], 20_000)
    rows = {
        r["name"]: r["score"]
        for r in (await api.get(f"/api/contests/{renewed['id']}"))["standings"]
    }
    assert rows["Seller 1"] == 20_000 and rows["Seller 0"] == 0
    settles = [e for e in await api.ledger() if e["kind"] == "contest.settled"]
    assert len(settles) == 1


async def test_a_race_already_won_is_refused(api):
    _, _, (a, _, _) = await people(api)
    await api.deal(a["id"], 120_000)
    before = len(await api.ledger())
    problem = await contest(api, format="race", target=100_000, expect=409)
    assert "Seller 0 has reached the target already" in problem["detail"]
    assert len(await api.ledger()) == before
