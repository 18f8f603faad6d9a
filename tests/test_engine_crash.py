"""A writer killed (SIGKILL) mid-batch loses no acknowledged entry and leaves no partial
one: after a restart on the same database every acknowledged deal is there exactly once,
the ledger is gapless, every deal has all its awards and the boards equal the ledger."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx

from tests.conftest import Api

AMOUNT = 3000  # 10 + 3 = 13 points a won deal, 20% of it shared by the 2 teammates
POINTS = 13
CLIENTS = 32


async def fire_and_kill(server: Any, sellers: list[int], keys: list[str], kill_after: int):
    """Post one won deal per key from 32 concurrent clients; SIGKILL the server once
    ``kill_after`` deals are acknowledged. Returns external_id → deal id of the acks."""
    acked: dict[str, int] = {}
    queue = list(enumerate(keys))

    async def client() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            api = Api(http)
            while queue:
                i, key = queue.pop(0)
                try:
                    response = await api.deal(sellers[i % 3], AMOUNT, external_id=key, expect=None)
                except httpx.HTTPError:
                    continue  # the server is gone: not acknowledged
                if response.status_code in (200, 201):
                    acked[key] = response.json()["deal"]["id"]
                    if len(acked) == kill_after and server.process.poll() is None:
                        server.process.kill()  # mid-batch: other requests are in flight

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    server.process.wait()
    return acked


async def check_ledger(api: Api) -> list[dict[str, Any]]:
    """Gapless seqs, each external_id once, each deal with all its awards, board = feed."""
    entries = await api.ledger()
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(1, len(seqs) + 1))
    deals = [e for e in entries if e["kind"] == "deal.won"]
    counts = Counter(e["data"]["external_id"] for e in deals)
    assert [k for k, n in counts.items() if n != 1] == []
    for deal in deals:
        categories = sorted(a["category"] for a in deal["awards"])
        assert categories == ["deals", "team_share", "team_share"], deal
        assert round(sum(a["points"] for a in deal["awards"]), 2) == POINTS, deal
    expected: dict[int, float] = {}
    for entry in entries:
        for a in entry["awards"]:
            expected[a["member_id"]] = round(expected.get(a["member_id"], 0) + a["points"], 2)
    for _ in range(100):  # the board sync catches Redis up with the ledger after a restart
        board = await api.board(season="all")
        if board == expected:
            break
        await asyncio.sleep(0.1)
    assert board == expected
    assert round(sum(board.values()), 2) == POINTS * len(deals)
    return deals


async def test_sigkill_mid_batch_loses_no_acknowledged_deal(start_server):
    """Two SIGKILLs during 32-client deal storms: every ack survives exactly once, the
    ledger stays gapless and whole, and re-delivering an acked deal replays it."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        seed = Api(http)
        team = await seed.team()
        sellers = [(await seed.member(team["id"]))["id"] for _ in range(3)]
    acked: dict[str, int] = {}
    keys: list[str] = []
    for round_, kill_after in enumerate((40, 120)):
        round_keys = [f"crash-{round_}-{i}" for i in range(200)]
        keys += round_keys
        acked |= await fire_and_kill(server, sellers, round_keys, kill_after)
        server = start_server()
    assert len(acked) >= 40 + 120
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        api = Api(http)
        deals = await check_ledger(api)
        recorded = {d["data"]["external_id"]: d["data"]["deal_id"] for d in deals}
        lost = sorted(set(acked) - set(recorded))
        assert lost == [], f"acknowledged but not in the ledger: {lost[:10]}"
        assert all(recorded[k] == acked[k] for k in acked)
        last_seq = (await api.ledger())[-1]["seq"]
        # re-delivery of every acknowledged deal replays it: 200, the same id, nothing new
        replays = await asyncio.gather(
            *(api.deal(sellers[0], AMOUNT, external_id=k, expect=None) for k in sorted(acked))
        )
        assert Counter(r.status_code for r in replays) == {200: len(acked)}
        assert [r.json()["deal"]["id"] for r in replays] == [acked[k] for k in sorted(acked)]
        assert (await api.ledger())[-1]["seq"] == last_seq
        # delivering every key again completes the storm: each key then once, no gaps
        again = await asyncio.gather(
            *(api.deal(sellers[0], AMOUNT, external_id=k, expect=None) for k in keys)
        )
        assert {r.status_code for r in again} <= {200, 201}
        deals = await check_ledger(api)
        assert sorted(d["data"]["external_id"] for d in deals) == sorted(keys)
