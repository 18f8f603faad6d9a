"""The PostgreSQL write floor: raw asyncpg doing Huddle's serialized ledger transaction.

Each transaction bumps the ``seq`` counter row (the org-wide write lock), inserts ``batch``
entries and 5 award rows per entry into the real ``entry``/``point_award`` tables, and
commits. ``clients`` connections do this in a loop for ``seconds``. No Python framework,
no ORM, no Redis: what is left is the database's own cost for that work.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

AWARDS_PER_ENTRY = 5

SEED = """
INSERT INTO team (id, name, created_at) VALUES (1, 'Floor', now());
INSERT INTO member (id, name, role, joined_on, created_at, team_id)
    SELECT i, 'Floor ' || i, 'seller', DATE '2020-01-01', now(), 1 FROM generate_series(1, 5) i;
INSERT INTO policy_version (id, data, created_at) VALUES (1, '{}', now());
INSERT INTO counter (name, value) VALUES ('seq', 0) ON CONFLICT (name) DO NOTHING;
"""

INSERT_ENTRIES = """
INSERT INTO entry (seq, kind, occurred_at, recorded_at, week, actor_role, data,
                   member_id, team_id, policy_id)
SELECT s, 'deal.won', $2, $2, '2026-W48', 'admin', $3::jsonb, 1, 1, 1
FROM unnest($1::bigint[]) AS s
RETURNING id
"""

INSERT_AWARDS = """
INSERT INTO point_award (entry_id, member_id, team_id, season_id, category, cents)
SELECT e, m, 1, NULL, c, 400
FROM unnest($1::int[], $2::int[], $3::text[]) AS t(e, m, c)
"""


async def seed(dsn: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(SEED)
    finally:
        await conn.close()


async def _client(
    dsn: str, batch: int, stop_at: float, latencies: list[float], counts: list[int]
) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    data = json.dumps(
        {"amount": 12000, "customer": "Acme", "assists": [], "external_id": None, "names": {}}
    )
    members = list(range(1, AWARDS_PER_ENTRY + 1))
    categories = ["deals"] + ["team_share"] * (AWARDS_PER_ENTRY - 1)
    try:
        while time.perf_counter() < stop_at:
            t0 = time.perf_counter()
            async with conn.transaction():
                last = await conn.fetchval(
                    "UPDATE counter SET value = value + $1 WHERE name = 'seq' RETURNING value",
                    batch,
                )
                seqs = list(range(last - batch + 1, last + 1))
                now = datetime.now(UTC)
                ids = [r[0] for r in await conn.fetch(INSERT_ENTRIES, seqs, now, data)]
                await conn.execute(
                    INSERT_AWARDS,
                    [i for i in ids for _ in members],
                    members * len(ids),
                    categories * len(ids),
                )
            latencies.append(time.perf_counter() - t0)
            counts.append(batch)
    finally:
        await conn.close()


async def measure(dsn: str, batch: int, clients: int = 16, seconds: float = 3.0) -> dict[str, Any]:
    """Entries/s and transaction latency for ``clients`` loops of ``batch`` entries each."""
    latencies: list[float] = []
    counts: list[int] = []
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    await asyncio.gather(*(_client(dsn, batch, stop_at, latencies, counts) for _ in range(clients)))
    elapsed = time.perf_counter() - t0
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "batch": batch,
        "clients": clients,
        "entries_per_s": sum(counts) / elapsed,
        "txn_p50_ms": q[49] * 1000,
        "txn_p99_ms": q[98] * 1000,
        "transactions": len(latencies),
    }
