"""The ledger's award sums, for rebuilding every board at once instead of replaying."""

from __future__ import annotations

from tortoise import connections

from ..store.leaderboard import AwardSum

__all__ = ["award_sums"]

# One statement is one snapshot on both PostgreSQL and SQLite, so the last seq and the
# sums always describe the same ledger, however many writers commit meanwhile. The
# LEFT JOIN keeps one row (with NULL sums) for a ledger without awards.
_SQL = """
WITH last AS (SELECT COALESCE(MAX(seq), 0) AS seq FROM entry)
SELECT last.seq, s.member_id, s.team_id, s.season_id, s.category, s.cents
FROM last LEFT JOIN (
    SELECT member_id, team_id, season_id, category, CAST(SUM(cents) AS BIGINT) AS cents
    FROM point_award
    GROUP BY member_id, team_id, season_id, category
    UNION ALL
    SELECT member_id, team_id, season_id, '#' || metric, CAST(SUM(value) * 100 AS BIGINT)
    FROM activity
    GROUP BY member_id, team_id, season_id, metric
) AS s ON 1 = 1
"""


async def award_sums() -> tuple[int, list[AwardSum]]:
    """The ledger's last seq and its hundredths of points per member, team, season and
    category, both read from one consistent snapshot."""
    _, rows = await connections.get("default").execute_query(_SQL)
    if not rows:
        return 0, []
    sums = [
        AwardSum(int(r[1]), int(r[2]), None if r[3] is None else int(r[3]), str(r[4]), int(r[5]))
        for r in rows
        if r[1] is not None
    ]
    return int(rows[0][0]), sums
