"""Benchmark: scored deals per second through the whole write path, over real HTTP.

Starts real `huddle serve` processes (1 and 2 workers) on SQLite and, when reachable,
PostgreSQL, sends a bounded number of deals with bounded concurrency, and prints
throughput, latency percentiles and ratios. Also times the Redis apply step alone
(one Lua EVALSHA per entry) against a real Redis. Only loopback addresses are used.

    make bench            # or: .venv/bin/python bench/deals.py --deals 400
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN = "bench-admin"
PG = os.environ.get("HUDDLE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


async def fresh_db(kind: str, tmp: Path) -> str:
    from service.db.connection import migrate

    if kind == "sqlite":
        url = f"sqlite://{tmp / f'{uuid.uuid4().hex}.sqlite3'}"
    else:
        import asyncpg

        name = f"huddle_bench_{uuid.uuid4().hex[:8]}"
        conn = await asyncpg.connect(PG.replace("postgres://", "postgresql://", 1))
        await conn.execute(f'CREATE DATABASE "{name}"')
        await conn.close()
        url = PG.rsplit("/", 1)[0] + f"/{name}"
    await migrate(url)
    return url


def start(db_url: str, redis_url: str, workers: int, tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "HUDDLE_DATABASE_URL": db_url,
        "HUDDLE_REDIS_URL": redis_url,
        "HUDDLE_ADMIN_TOKEN": ADMIN,
        "HUDDLE_DATA_DIR": str(tmp),
        "HUDDLE_REDIS_PREFIX": f"bench{uuid.uuid4().hex[:6]}",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service",
            "serve",
            "--no-migrate",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("server did not start")


async def run_deals(url: str, deals: int, concurrency: int) -> tuple[float, list[float]]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=60) as client:
        team = (await client.post("/api/teams", json={"name": "Bench"})).json()
        ids = []
        for i in range(4):
            body = {
                "name": f"Seller {i}",
                "team_id": team["id"],
                "role": "seller",
                "joined_on": "2020-01-01",
            }
            ids.append((await client.post("/api/members", json=body)).json()["id"])
        latencies: list[float] = []
        queue = list(range(deals))

        async def worker() -> None:
            while queue:
                i = queue.pop()
                body = {
                    "seller_id": ids[i % 4],
                    "outcome": "won",
                    "amount": 12_000,
                    "customer": "Acme",
                    "assists": [ids[(i + 1) % 4]],
                }
                t0 = time.perf_counter()
                r = await client.post("/api/deals", json=body)
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 201, r.text

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - t0, latencies


async def bench_redis_apply(redis_url: str, n: int) -> float:
    """Seconds per entry for the Lua apply alone (4 awards → 20 sorted-set updates)."""
    from service.app import redis_client
    from service.store.leaderboard import AppliedAward, LeaderboardStore, PendingEntry

    redis = redis_client(redis_url)
    store = LeaderboardStore(redis, f"benchlua{uuid.uuid4().hex[:6]}")
    awards = tuple(
        AppliedAward(m, 1, 1, "deals" if m == 1 else "team_share", 400) for m in range(1, 5)
    )
    t0 = time.perf_counter()
    for seq in range(1, n + 1):
        await store.apply(PendingEntry(seq, '{"kind":"deal.won"}', awards))
    elapsed = time.perf_counter() - t0
    await store.reset()
    await redis.aclose()
    return elapsed / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    redis_url = os.environ.get("HUDDLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    embedded = None
    if "HUDDLE_TEST_REDIS_URL" not in os.environ and not reachable("127.0.0.1", 6379):
        from service.store.embedded import EmbeddedRedis

        embedded = EmbeddedRedis(Path(tempfile.mkdtemp()))
        redis_url = embedded.start()
    kinds = ["sqlite"] + (["postgres"] if reachable("127.0.0.1", 5432) else [])
    print(f"deals={args.deals} concurrency={args.concurrency} cores={os.cpu_count()}")
    per_entry = asyncio.run(bench_redis_apply(redis_url, 2000))
    print(
        f"redis apply (1 EVALSHA, 20 ZINCRBY): {per_entry * 1e6:.0f} µs/entry "
        f"→ {1 / per_entry:,.0f} entries/s from one client"
    )
    results: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for kind in kinds:
            for workers in (1, 2):
                db_url = asyncio.run(fresh_db(kind, tmp))
                proc, url = start(db_url, redis_url, workers, tmp)
                try:
                    elapsed, lat = asyncio.run(run_deals(url, args.deals, args.concurrency))
                finally:
                    proc.terminate()
                    proc.wait()
                rate = args.deals / elapsed
                results[(kind, workers)] = rate
                q = statistics.quantiles(lat, n=100)
                print(
                    f"{kind:8s} workers={workers}: {rate:7.0f} deals/s   "
                    f"p50 {q[49] * 1000:6.1f} ms   p99 {q[98] * 1000:6.1f} ms"
                )
    for kind in kinds:
        print(f"{kind}: 2 workers / 1 worker = {results[(kind, 2)] / results[(kind, 1)]:.2f}×")
    if embedded:
        embedded.stop()


if __name__ == "__main__":
    main()
