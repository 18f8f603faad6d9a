"""Boards as people see them: Redis scores joined with the member and team directory,
ranked by the pure competition-ranking rule. Used by the REST API and the live boards."""

from __future__ import annotations

from typing import Any

from .core.points import from_cents
from .core.ranking import Ranked, Row, rank_all
from .core.scoring import CATEGORIES
from .db.models import Member, Team
from .errors import Invalid
from .store.leaderboard import LeaderboardStore

__all__ = ["Boards", "member_entry"]


def member_entry(ranked: Ranked, team_of: dict[int, int]) -> dict[str, Any]:
    return {
        "rank": ranked.rank,
        "member_id": ranked.row.key,
        "name": ranked.row.name,
        "team_id": team_of.get(ranked.row.key),
        "score": ranked.row.score,
    }


class Boards:
    def __init__(self, store: LeaderboardStore) -> None:
        self.store = store

    async def members(
        self, season_id: int | None, team_id: int | None = None, category: str | None = None
    ) -> list[dict[str, Any]]:
        """Every member in scope, zero scores included, ranked 1, 2, 2, 4."""
        if category is not None and category not in CATEGORIES:
            raise Invalid(f"category must be one of: {', '.join(CATEGORIES)}.")
        scope = self.store.scope(season_id)
        scores = await self.store.member_scores(scope, category or "total", team_id)
        query = Member.all() if team_id is None else Member.filter(team_id=team_id)
        members = await query.values("id", "name", "team_id")
        team_of = {m["id"]: m["team_id"] for m in members}
        rows = [Row(m["id"], m["name"], from_cents(scores.get(m["id"], 0))) for m in members]
        return [member_entry(r, team_of) for r in rank_all(rows)]

    async def teams(self, season_id: int | None) -> list[dict[str, Any]]:
        """Teams ranked by points per member, so small and large teams compete fairly."""
        totals = await self.store.team_totals(self.store.scope(season_id))
        teams = await Team.all()
        sizes: dict[int, int] = {}
        for member in await Member.all().values("team_id"):
            sizes[member["team_id"]] = sizes.get(member["team_id"], 0) + 1
        info: dict[int, dict[str, Any]] = {}
        rows = []
        for team in teams:
            total = totals.get(team.id, 0)
            size = sizes.get(team.id, 0)
            score = from_cents(round(total / size)) if size else 0
            rows.append(Row(team.id, team.name, score))
            info[team.id] = {
                "nickname": team.nickname,
                "color": team.color,
                "members": size,
                "total": from_cents(total),
            }
        return [
            {
                "rank": r.rank,
                "team_id": r.row.key,
                "name": r.row.name,
                "score": r.row.score,
                **info[r.row.key],
            }
            for r in rank_all(rows)
        ]

    async def breakdown(self, member_id: int, season_id: int | None) -> dict[str, float | int]:
        cents = await self.store.breakdown(member_id, self.store.scope(season_id), CATEGORIES)
        return {c: from_cents(v) for c, v in cents.items()}
