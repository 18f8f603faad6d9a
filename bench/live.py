"""Benchmark: how fast a scored deal reaches many live boards.

Starts a real `huddle serve` (SQLite, the Redis at 127.0.0.1:6379 or an embedded one),
connects N websocket clients, posts K deals one after another, and prints the latency
from the POST's answer to each board's `update`, as percentiles. Loopback only; bounded.

    .venv/bin/python bench/live.py --clients 200 --deals 30
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ADMIN, delete_redis_prefix, fresh_db, reachable, start, stop


async def _arrival(ws, seq: int, since: float) -> float:
    """Seconds from ``since`` until this board receives the update numbered ``seq``."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if message.get("type") == "update" and message["seq"] == seq:
            return time.perf_counter() - since


async def run(url: str, clients: int, deals: int) -> list[float]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as http:
        team = (await http.post("/api/teams", json={"name": "Live"})).json()
        body = {"name": "Seller", "team_id": team["id"], "role": "seller"}
        seller = (await http.post("/api/members", json=body)).json()
        token = (await http.post("/api/tokens", json={"role": "display", "label": "bench"})).json()[
            "token"
        ]
        ws_url = url.replace("http", "ws") + f"/ws/board?token={token}"
        sockets = [await connect(ws_url, max_size=None) for _ in range(clients)]
        for ws in sockets:
            await ws.recv()  # snapshot
        latencies: list[float] = []
        for _ in range(deals):
            response = await http.post(
                "/api/deals",
                json={"seller_id": seller["id"], "outcome": "won", "amount": 5000, "customer": "X"},
            )
            posted = time.perf_counter()
            seq = response.json()["deal"]["seq"]

            latencies.extend(await asyncio.gather(*(_arrival(ws, seq, posted) for ws in sockets)))
        for ws in sockets:
            await ws.close()
        return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--deals", type=int, default=30)
    args = parser.parse_args()
    redis_url = "redis://127.0.0.1:6379/0"
    embedded = None
    if not reachable("127.0.0.1", 6379):
        from service.store.embedded import EmbeddedRedis

        embedded = EmbeddedRedis(Path(tempfile.mkdtemp()))
        redis_url = embedded.start()
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        db_url = asyncio.run(fresh_db("sqlite", tmp))
        prefix = f"benchlive{uuid.uuid4().hex[:6]}"
        proc, url = start(db_url, redis_url, 1, tmp, prefix=prefix)
        try:
            lat = asyncio.run(run(url, args.clients, args.deals))
        finally:
            stop(proc)
            delete_redis_prefix(redis_url, prefix)
    q = statistics.quantiles(lat, n=100)
    print(f"{args.clients} boards × {args.deals} deals = {len(lat)} deliveries")
    print(
        f"deal answered → update on a board: p50 {q[49] * 1000:.1f} ms, "
        f"p90 {q[89] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {max(lat) * 1000:.1f} ms"
    )
    if embedded:
        embedded.stop()


if __name__ == "__main__":
    main()
