"""What a board watching (season, team) sees: snapshots, and the rows an entry changed.

A ``BoardView`` is computed once per entry for each group of clients watching the same
season and team, so a message is built and serialized once, not once per client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from ..boards import Boards
from ..db.models import Goal, Season
from ..reads import feed_entries, goal_out, season_out
from ..schemas import BoardEntry, TeamEntry
from ..schemas import Goal as GoalOut

__all__ = ["BoardView", "GroupKey", "touches_team"]

GroupKey = tuple[int | None, int | None]  # (season id or None for all-time, team filter)


def touches_team(entry: dict[str, Any], team_id: int | None) -> bool:
    """Whether an entry concerns a team: its subject team or any award's team."""
    if team_id is None:
        return True
    return entry.get("team_id") == team_id or any(
        a.get("team_id") == team_id for a in entry.get("awards", [])
    )


def _dumps(message: dict[str, Any]) -> str:
    return msgspec.json.encode(message).decode()


@dataclass
class BoardView:
    """The last rows one group of clients was told about, to compute what changed."""

    boards: Boards
    season_id: int | None
    team_id: int | None
    members: dict[int, BoardEntry] = field(default_factory=dict)
    teams: dict[int, TeamEntry] = field(default_factory=dict)
    touched: int = 0  # the last entry this group was sent an update for
    # the last snapshot message and the seq it is as of: boards of this group that join
    # while no entry has come since (a deploy, a reconnect storm) share it
    shared: tuple[int, str] | None = None

    def reset(self) -> None:
        """Forget the last-sent rows (the next update carries every row) and the snapshot."""
        self.members, self.teams = {}, {}
        self.shared = None

    async def _rows(self) -> tuple[list[BoardEntry], list[TeamEntry]]:
        # one moment for both: read apart, a batch applied in between showed in the team
        # rows of one update and was missing from the next
        return await self.boards.members_and_teams(self.season_id, self.team_id)

    async def _goals(self, ids: set[int] | None = None) -> list[GoalOut]:
        query = Goal.all() if self.season_id is None else Goal.filter(season_id=self.season_id)
        if self.team_id is not None:
            query = query.filter(team_id=self.team_id)
        if ids is not None:
            query = query.filter(id__in=list(ids))
        return [await goal_out(g) for g in await query.order_by("id")]

    async def snapshot(self, seq: int) -> str:
        """The whole board; ``seq`` is the last entry it includes. Built once per seq: the
        boards joining at the same seq get the same message."""
        if self.shared is not None and self.shared[0] == seq:
            return self.shared[1]
        members, teams = await self._rows()
        if not self.members and not self.teams:
            # the group's first board: its rows are what the next update is measured
            # against. Not otherwise: the snapshot may be ahead of an entry the group's
            # other boards are still to be sent, and that update must carry its rows
            self.members = {r.member_id: r for r in members}
            self.teams = {r.team_id: r for r in teams}
        season = await Season.get_or_none(id=self.season_id) if self.season_id else None
        message = _dumps(
            {
                "type": "snapshot",
                "seq": seq,
                "season": season_out(season) if season else None,
                "team_id": self.team_id,
                "members": members,
                "teams": teams,
                "goals": await self._goals(),
                # activities come by the hundred a day: they would push every deal and
                # thank-you out of the newest 20 (live ones still arrive one by one)
                "feed": await feed_entries(self.team_id, 20, but=("activity",)),
            }
        )
        self.shared = (seq, message)
        return message

    async def update(self, entry: dict[str, Any], full: bool = False, prev: int = 0) -> str:
        """An ``update`` for one entry: rows whose score or rank changed (every row when
        ``full``), and the goals whose progress changed. ``prev`` is the entry before it
        that the board was sent (0: none known), for a filtered board to notice a gap."""
        members, teams = await self._rows()
        changed_members = [r for r in members if full or self.members.get(r.member_id) != r]
        changed_teams = [r for r in teams if full or self.teams.get(r.team_id) != r]
        # rows no longer on the board (a member who left): the board drops them
        gone = sorted(set(self.members) - {r.member_id for r in members})
        self.members = {r.member_id: r for r in members}
        self.teams = {r.team_id: r for r in teams}
        goal_ids = {e["goal_id"] for e in entry.get("events", []) if e.get("goal_id")}
        kind = entry.get("kind")
        if kind in ("goal.set", "goal.changed") and entry["data"].get("goal_id"):
            goal_ids.add(entry["data"]["goal_id"])
        goals = await self._goals(goal_ids) if goal_ids else []
        # goals no longer there (removed): the board drops them
        goals_gone = [entry["data"]["goal_id"]] if kind == "goal.removed" else []
        return _dumps(
            {
                "type": "update",
                "seq": entry["seq"],
                "prev": prev,
                "entry": entry,
                "members": changed_members,
                "teams": changed_teams,
                "goals": goals,
                "gone": gone,
                "goals_gone": goals_gone,
            }
        )
