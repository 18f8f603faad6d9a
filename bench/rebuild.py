"""Seed a large ledger straight into PostgreSQL, time ``huddle rebuild`` and its floor.

The ledger is made server-side (``INSERT … SELECT … generate_series``): won deals with
realistic ``data`` and 1–5 awards each (the seller's ``deals``, teammates' ``team_share``),
4 teams × 25 sellers, one season, one policy version, the ``seq`` counter at the last
entry. The floor is the aggregate the boards need, run raw:
``SELECT member_id, team_id, season_id, category, SUM(cents) … GROUP BY …``.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from collections.abc import Callable

TEAMS = 4
PER_TEAM = 25
CHUNK = 250_000

SEED_ORG = """
INSERT INTO team (id, name, created_at)
    SELECT t, 'Team ' || t, now() FROM generate_series(1, {teams}) t;
INSERT INTO member (id, name, role, joined_on, created_at, team_id)
    SELECT m, 'Seller ' || m, 'seller', DATE '2020-01-01', now(), (m - 1) / {per_team} + 1
    FROM generate_series(1, {members}) m;
INSERT INTO season (id, name, starts_on, ends_on)
    VALUES (1, 'Bench season', DATE '2020-01-01', DATE '2039-12-31');
INSERT INTO policy_version (id, data, created_at) VALUES (1, '{{}}'::jsonb, now());
"""

# the seller of entry i, and its team's first member id - 1
SELLER = "((i * 37) % {members}) + 1"

SEED_ENTRIES = """
INSERT INTO entry (id, seq, kind, occurred_at, recorded_at, week, actor_role, actor_token_id,
                   actor_member_id, member_id, team_id, season_id, policy_id, data)
SELECT i, i, 'deal.won', ts, ts, to_char(ts, 'IYYY-"W"IW'), 'integration', NULL, NULL,
       s, (s - 1) / {per_team} + 1, 1, 1,
       jsonb_build_object(
           'amount', 1000 + (i * 137) % 90000, 'customer', 'Customer ' || (i % 997),
           'assists', '[]'::jsonb, 'external_id', NULL,
           'names', jsonb_build_object(s::text, 'Seller ' || s), 'events', '[]'::jsonb)
FROM (SELECT i, {seller} AS s,
             TIMESTAMPTZ '2021-01-01 08:00+00' + i * INTERVAL '30 seconds' AS ts
      FROM generate_series($1::int, $2::int) i) g
"""

SEED_AWARDS = """
INSERT INTO point_award (entry_id, member_id, team_id, season_id, category, cents)
SELECT i,
       CASE WHEN k = 0 THEN s
            ELSE b + ((s - 1 - b + k) % {per_team}) + 1 END,
       b / {per_team} + 1, 1,
       CASE WHEN k = 0 THEN 'deals' ELSE 'team_share' END,
       CASE WHEN k = 0 THEN 4800 ELSE 400 END
FROM (SELECT i, {seller} AS s, (({seller}) - 1) / {per_team} * {per_team} AS b
      FROM generate_series($1::int, $2::int) i) g
CROSS JOIN LATERAL generate_series(0, i % 5) k
"""

FLOOR = """
SELECT member_id, team_id, season_id, category, SUM(cents)
FROM point_award GROUP BY member_id, team_id, season_id, category
"""


def _sql(template: str) -> str:
    members = TEAMS * PER_TEAM
    seller = SELLER.format(members=members)
    return template.format(teams=TEAMS, per_team=PER_TEAM, members=members, seller=seller)


async def seed_ledger(dsn: str, size: int, log: Callable[[str], None] | None = None) -> float:
    """Fill a migrated, empty database with ``size`` entries; seconds taken."""
    import asyncpg

    policy = {"deal_points": 10, "points_per_amount": 1000, "team_share": 0.2}
    t0 = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")
        # consistent by construction: skip the per-row foreign-key triggers (superuser only)
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("SET session_replication_role = replica")
        async with conn.transaction():
            await conn.execute(_sql(SEED_ORG))
            await conn.execute("UPDATE policy_version SET data = $1::jsonb", json.dumps(policy))
        for start in range(1, size + 1, CHUNK):
            end = min(start + CHUNK - 1, size)
            async with conn.transaction():
                await conn.execute(_sql(SEED_ENTRIES), start, end)
                await conn.execute(_sql(SEED_AWARDS), start, end)
            if log:
                log(f"\r  seeded {end:,}/{size:,} entries ({time.perf_counter() - t0:.0f} s)")
        await conn.execute(
            """
            INSERT INTO counter (name, value) VALUES ('seq', $1)
                ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value;
            """,
            size,
        )
        for table in ("team", "member", "season", "policy_version", "entry", "point_award"):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()
    if log:
        log("\n")
    return time.perf_counter() - t0


async def floor(dsn: str) -> tuple[float, int, int]:
    """Seconds for the raw GROUP BY over every award; (seconds, groups, awards)."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        awards = int(await conn.fetchval("SELECT count(*) FROM point_award"))
        await conn.fetch(FLOOR)  # warm the cache the way a second rebuild would find it
        t0 = time.perf_counter()
        rows = await conn.fetch(FLOOR)
        return time.perf_counter() - t0, len(rows), awards
    finally:
        await conn.close()


def stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()
