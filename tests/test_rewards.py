"""The reward shop: coins earned with points, rewards, redemptions held and decided, and
the rules that must hold under parallel requests on two instances."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import httpx

from tests.conftest import Api


async def shop(api: Api) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    """A season, a team with a manager and three sellers, another team's manager."""
    await api.season()
    team = await api.team()
    manager = await api.member(team["id"], "Maja Manager", role="manager")
    sellers = [await api.member(team["id"], f"Seller {i}") for i in range(3)]
    return team, manager, sellers


async def wallet(api: Api, member_id: int, token: str | None = None) -> dict[str, Any]:
    return await api.get(f"/api/members/{member_id}/wallet", token=token)


async def reward(api: Api, **body: Any) -> dict[str, Any]:
    return (
        await api.post("/api/rewards", {"name": "Lunch", "cost": 10, **body}, expect=201)
    ).json()


async def redeem(api: Api, token: str, reward_id: int, expect: int | None = None) -> httpx.Response:
    return await api.post("/api/redemptions", {"reward_id": reward_id}, token=token, expect=expect)


async def test_coins_follow_points_and_reversals(api):
    """Every point earns coins_per_point coins; a reversal takes them back; a policy
    change applies to later points only; only the member, their manager and admins see it."""
    team, manager, (seller, other, _) = await shop(api)
    won = (await api.deal(seller["id"], 50_000)).json()
    points = sum(a["points"] for a in won["awards"] if a["member_id"] == seller["id"])
    assert await wallet(api, seller["id"]) == {
        "member_id": seller["id"],
        "balance": points,
        "earned": points,
        "spent": 0,
        "held": 0,
    }
    await api.call("PUT", "/api/policy", json={"coins_per_point": 2}, expect=200)
    second = (await api.deal(seller["id"], 50_000)).json()
    more = sum(a["points"] for a in second["awards"] if a["member_id"] == seller["id"])
    assert (await wallet(api, seller["id"]))["earned"] == points + 2 * more
    await api.post(f"/api/deals/{won['deal']['id']}/reverse", {"reason": "test"}, expect=201)
    # the reversal is recorded under coins_per_point 2: its points take back twice as many
    assert (await wallet(api, seller["id"]))["earned"] == points + 2 * more - 2 * points
    assert (await wallet(api, seller["id"], api.tokens[manager["id"]]))["member_id"] == seller["id"]
    await api.call(
        "GET", f"/api/members/{seller['id']}/wallet", token=api.tokens[other["id"]], expect=403
    )


async def test_redemptions_held_approved_declined_fulfilled(api):
    """A redemption holds its cost and one of the stock; approve spends, decline gives
    coins, stock and limit back; the rules are refused in words."""
    team, manager, (seller, mate, _) = await shop(api)
    await api.deal(seller["id"], 100_000)
    balance = (await wallet(api, seller["id"]))["balance"]
    lunch = await reward(api, cost=10, stock=2, per_member_limit=1)
    token = api.tokens[seller["id"]]
    first = (await redeem(api, token, lunch["id"], expect=201)).json()
    assert first["state"] == "pending" and first["cost"] == 10
    assert await wallet(api, seller["id"]) == {
        "member_id": seller["id"],
        "balance": balance - 10,
        "earned": balance,
        "spent": 0,
        "held": 10,
    }
    limit = await redeem(api, token, lunch["id"], expect=409)
    assert "limit is 1" in limit.json()["detail"]
    poor = await redeem(api, api.tokens[mate["id"]], lunch["id"], expect=409)
    assert "balance" in poor.json()["detail"]
    # the member's manager decides; a seller may not, nor the member for themselves
    path = f"/api/redemptions/{first['id']}"
    await api.post(f"{path}/approve", {}, token=token, expect=403)
    approved = await api.post(f"{path}/approve", {}, token=api.tokens[manager["id"]], expect=200)
    assert approved.json()["state"] == "approved"
    assert (await wallet(api, seller["id"]))["spent"] == 10
    await api.post(f"{path}/approve", {}, token=api.tokens[manager["id"]], expect=409)
    declined = await api.post(f"{path}/decline", {"note": "out of budget"}, expect=200)
    assert declined.json()["decision_note"] == "out of budget"
    assert (await wallet(api, seller["id"]))["balance"] == balance
    assert [r["stock"] for r in await api.get("/api/rewards")] == [2]
    unlimited = await api.call("PATCH", f"/api/rewards/{lunch['id']}", json={"stock": None})
    assert unlimited.json()["stock"] is None and unlimited.json()["per_member_limit"] == 1
    again = (await redeem(api, token, lunch["id"], expect=201)).json()  # the limit is back
    await api.post(f"/api/redemptions/{again['id']}/approve", {"note": "Enjoy"}, expect=200)
    fulfilled = await api.post(f"/api/redemptions/{again['id']}/fulfil", {}, expect=200)
    assert fulfilled.json()["state"] == "fulfilled"
    assert fulfilled.json()["decision_note"] == "Enjoy"  # a step without a note keeps it
    assert (await wallet(api, seller["id"]))["spent"] == 10
    mine = await api.get("/api/redemptions", token=token)
    assert [r["state"] for r in mine] == ["fulfilled", "declined"]
    assert await api.get("/api/redemptions", token=api.tokens[mate["id"]]) == []
    # off the shop: no longer redeemable, still listed for admins
    await api.call("PATCH", f"/api/rewards/{lunch['id']}", json={"active": False}, expect=200)
    assert await api.get("/api/rewards") == []
    assert len(await api.get("/api/rewards", all="true")) == 1
    await redeem(api, token, lunch["id"], expect=404)
    # two rewards in the shop never share a name: a rename onto one is a 409 in words
    cake = (await api.post("/api/rewards", {"name": "Cake", "cost": 5}, expect=201)).json()
    await api.post("/api/rewards", {"name": "lunch", "cost": 5}, expect=201)
    clash = await api.call(
        "PATCH", f"/api/rewards/{cake['id']}", json={"name": "LUNCH"}, expect=409
    )
    assert "already" in clash.json()["detail"]
    back = await api.call("PATCH", f"/api/rewards/{lunch['id']}", json={"active": True}, expect=409)
    assert "already" in back.json()["detail"]


async def test_a_reversal_can_leave_a_balance_below_zero(api):
    """Coins already held stay held when the points behind them are taken back: the
    balance goes below zero and the next redemption waits; a decline gives them back."""
    team, manager, (seller, _, _) = await shop(api)
    won = (await api.deal(seller["id"], 50_000)).json()
    balance = (await wallet(api, seller["id"]))["balance"]
    prize = await reward(api, name="Headphones", cost=balance)
    held = (await redeem(api, api.tokens[seller["id"]], prize["id"], expect=201)).json()
    await api.post(f"/api/deals/{won['deal']['id']}/reverse", {"reason": "test"}, expect=201)
    assert (await wallet(api, seller["id"]))["balance"] == -balance
    cheap = await reward(api, name="Coffee", cost=1)
    refused = await redeem(api, api.tokens[seller["id"]], cheap["id"], expect=409)
    assert f"balance is -{balance:g}" in refused.json()["detail"]
    await api.post(f"/api/redemptions/{held['id']}/decline", {}, expect=200)
    assert (await wallet(api, seller["id"]))["balance"] == 0


async def test_a_team_budget_per_month(api):
    """A team's members together redeem at most its monthly budget."""
    team, manager, (a, b, _) = await shop(api)
    for seller in (a, b):
        await api.deal(seller["id"], 100_000)
    await api.call(
        "PUT", f"/api/teams/{team['id']}/reward-budget", json={"monthly": 15}, expect=200
    )
    assert (await api.get(f"/api/teams/{team['id']}"))["reward_budget"] == 15
    lunch = await reward(api, cost=10)
    first = (await redeem(api, api.tokens[a["id"]], lunch["id"], expect=201)).json()
    over = await redeem(api, api.tokens[b["id"]], lunch["id"], expect=409)
    assert "budget" in over.json()["detail"]
    await api.post(f"/api/redemptions/{first['id']}/decline", {}, expect=200)
    await redeem(api, api.tokens[b["id"]], lunch["id"], expect=201)
    await api.call(
        "PUT", f"/api/teams/{team['id']}/reward-budget", json={"monthly": None}, expect=200
    )
    await redeem(api, api.tokens[a["id"]], lunch["id"], expect=201)


async def test_parallel_redemptions_on_two_instances(start_server):
    """50 parallel redemptions against a balance of 3 rewards → exactly 3; a stock of 1
    and 20 parallel redemptions → exactly 1; through two server processes."""
    one, two = start_server(), start_server()
    async with (
        httpx.AsyncClient(base_url=one.url, timeout=60) as a,
        httpx.AsyncClient(base_url=two.url, timeout=60) as b,
    ):
        api = Api(a)
        team, manager, sellers = await shop(api)
        for seller in sellers:
            await api.deal(seller["id"], 80_000)
        rich = sellers[0]
        balance = (await wallet(api, rich["id"]))["balance"]
        cost = math.floor(balance / 3 * 100) / 100  # 3 fit, a 4th does not
        gift = await reward(api, name="Gift card", cost=cost)
        token = api.tokens[rich["id"]]

        async def attempt(client: httpx.AsyncClient, token: str, reward_id: int) -> int:
            response = await client.post(
                "/api/redemptions",
                json={"reward_id": reward_id},
                headers={"Authorization": f"Bearer {token}"},
            )
            return response.status_code

        codes = await asyncio.gather(
            *(attempt(c, token, gift["id"]) for _ in range(25) for c in (a, b))
        )
        assert sorted(codes) == [201] * 3 + [409] * 47
        assert (await wallet(api, rich["id"]))["held"] == round(3 * cost, 2)

        one_left = await reward(api, name="Concert tickets", cost=1, stock=1)
        tokens = [api.tokens[s["id"]] for s in sellers]
        codes = await asyncio.gather(
            *(attempt((a, b)[n % 2], tokens[n % 3], one_left["id"]) for n in range(20))
        )
        assert sorted(codes) == [201] + [409] * 19
        stock = {r["id"]: r["stock"] for r in await api.get("/api/rewards")}
        assert stock[one_left["id"]] == 0
        pending = await api.get("/api/redemptions", state="pending")
        assert len(pending) == 4


async def test_coins_survive_a_restart_and_another_instance(start_server):
    """Coins are folded from the entries' awards: an instance started later (a restart)
    and one that catches up under the lock see the same balance as the one that wrote."""
    one = start_server()
    async with httpx.AsyncClient(base_url=one.url, timeout=30) as a:
        api = Api(a)
        _, _, (seller, _, _) = await shop(api)
        await api.deal(seller["id"], 50_000)
        earned = (await wallet(api, seller["id"]))["earned"]
        assert earned > 0
        two = start_server()  # loads the ledger at start
        async with httpx.AsyncClient(base_url=two.url, timeout=30) as b:
            other = Api(b)
            assert (await wallet(other, seller["id"]))["earned"] == earned
            await api.deal(seller["id"], 10_000)  # the second catches this up under the lock
            more = (await wallet(api, seller["id"]))["earned"]
            assert more > earned
            assert (await wallet(other, seller["id"]))["earned"] == more
