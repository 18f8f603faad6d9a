"""CSV exports for payroll and analysis: a season's boards and the whole ledger."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Iterable
from typing import Any

from ..boards import Boards
from ..core.scoring import CATEGORIES
from ..core.views import feed_view
from ..db.models import Entry, Team
from ..reads import typed_entries

__all__ = ["BOARD_HEADER", "LEDGER_HEADER", "board_rows", "ledger_rows", "safe_cell", "to_csv"]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (a customer named "=HYPERLINK(...)")
    gets a leading apostrophe (OWASP "CSV injection"); numbers are left as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _line(values: Iterable[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell(v) for v in values])
    return buffer.getvalue()


async def to_csv(header: list[str], rows: AsyncIterator[list[Any]]) -> AsyncIterator[str]:
    yield _line(header)
    async for row in rows:
        yield _line(row)


async def board_rows(boards: Boards, season_id: int | None) -> AsyncIterator[list[Any]]:
    """rank, member, team, score and the points of every category."""
    teams = {t.id: t.name for t in await Team.all()}
    for entry in await boards.members(season_id):
        breakdown = await boards.breakdown(entry.member_id, season_id)
        yield [
            entry.rank,
            entry.member_id,
            entry.name,
            entry.team_id,
            teams.get(entry.team_id or 0),
            entry.score,
            *(breakdown[c] for c in CATEGORIES),
        ]


BOARD_HEADER = ["rank", "member_id", "name", "team_id", "team", "score", *CATEGORIES]
LEDGER_HEADER = [
    "seq",
    "recorded_at",
    "occurred_at",
    "kind",
    "member_id",
    "member",
    "team_id",
    "season_id",
    "actor_role",
    "actor_member_id",
    "award_member_id",
    "award_member",
    "award_team_id",
    "category",
    "points",
    "details",
]


async def ledger_rows(batch: int = 500) -> AsyncIterator[list[Any]]:
    """One row per award (an entry without awards gives one row with empty award columns)
    and the entry's details as JSON; read in batches so a long ledger streams without being
    held in memory."""
    after = 0
    while True:
        entries = await Entry.filter(seq__gt=after).order_by("seq").limit(batch)
        if not entries:
            return
        for entry in await typed_entries(list(entries)):
            view = feed_view(entry)
            head = [
                view.seq,
                view.recorded_at,
                view.occurred_at,
                view.kind,
                view.member_id,
                view.member_name,
                view.team_id,
                view.season_id,
                view.by.role,
                view.by.member_id,
            ]
            # what happened (amount, customer, message, rating...) as compact JSON
            details = json.dumps(view.data, ensure_ascii=False, separators=(",", ":"), default=str)
            if not view.awards:
                yield [*head, "", "", "", "", "", details]
            for a in view.awards:
                yield [
                    *head,
                    a.member_id,
                    a.name,
                    a.team_id,
                    a.category,
                    a.points,
                    details,
                ]
        after = entries[-1].seq
