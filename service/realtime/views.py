"""What a board watching (season, team) sees: snapshots, and the rows an entry changed.

A ``BoardView`` is computed once per batch of entries for each group of clients watching
the same season and team, so a message is built and serialized once, not once per client.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from ..boards import Boards
from ..core.points import from_cents
from ..core.ranking import LiveBoard
from ..db.models import Goal, Season
from ..reads import feed_entries, goal_out, season_out
from ..schemas import BoardEntry, TeamEntry
from ..schemas import Goal as GoalOut
from .sockets import Outgoing

__all__ = ["BoardView", "GroupKey", "touches_team"]

GroupKey = tuple[int | None, int | None]  # (season id or None for all-time, team filter)


_CONTESTS = ("contest.", "challenge.")


def touches_team(entry: dict[str, Any], team_id: int | None) -> bool:
    """Whether an entry concerns a team: its subject team or any award's team. Contests
    concern every board (their standings move across teams)."""
    if team_id is None or entry.get("contests") or entry.get("kind", "").startswith(_CONTESTS):
        return True
    return entry.get("team_id") == team_id or any(
        a.get("team_id") == team_id for a in entry.get("awards", [])
    )


def _dumps(message: dict[str, Any]) -> str:
    return msgspec.json.encode(message).decode()


# entries that change who is on a board or what it calls them: the next rows are read whole
_DIRECTORY_KINDS = ("member.", "team.")

Rows = tuple[list[BoardEntry], list[TeamEntry], list[int]]  # changed members, teams; gone


def _directory(entry: dict[str, Any]) -> bool:
    return str(entry.get("kind", "")).startswith(_DIRECTORY_KINDS)


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
    shared: tuple[int, Outgoing] | None = None
    # the member board kept in order between batches, with each member's name and team,
    # and the last entry whose changes it holds: a batch right after it re-reads only
    # the scores of the members it awarded, and re-ranks only the rows they can move
    board: LiveBoard | None = None
    info: dict[int, tuple[str, int]] = field(default_factory=dict)
    held: int = 0

    def reset(self) -> None:
        """Forget the last-sent rows (the next update carries every row) and the snapshot."""
        self.members, self.teams = {}, {}
        self.shared = None
        self.board = None

    def forget_board(self) -> None:
        """The boards were rebuilt behind the entries' back: read them whole next time."""
        self.shared = None
        self.board = None

    async def _read(
        self,
    ) -> tuple[LiveBoard, dict[int, tuple[str, int]], list[BoardEntry], list[TeamEntry]]:
        """The whole board: kept in order, each member's name and team, its rows, and the
        team rows — as of one moment (read apart, a batch applied in between showed in
        the team rows of one update and was missing from the next)."""
        board, info, teams = await self.boards.live_board(self.season_id, self.team_id)
        rows = [
            BoardEntry(rank, key, info[key][0], info[key][1], from_cents(score))
            for rank, key, score in board.ranked()
        ]
        return board, info, rows, teams

    def skip(self, entries: list[dict[str, Any]]) -> None:
        """A batch none of whose entries concerns this group's board (a member who moved
        away from its team may still be on it: read whole next time)."""
        if (
            self.board is not None
            and entries[0]["seq"] == self.held + 1
            and not any(_directory(e) for e in entries)
        ):
            self.held = entries[-1]["seq"]
        else:
            self.board = None

    async def changes(self, entries: list[dict[str, Any]]) -> Rows:
        """The rows a batch changed since the group's last message, remembered for the
        next. Right after the last batch, and with no one joining, leaving, renamed or
        moved, only the members the batch awarded are read and re-ranked; otherwise the
        whole board is read and compared."""
        first, last = entries[0]["seq"], entries[-1]["seq"]
        if self.board is None or first != self.held + 1 or any(_directory(e) for e in entries):
            self.board = None
            board, info, rows, teams = await self._read()
            # rows no longer on the board (a member who left): the board drops them
            gone = sorted(set(self.members) - set(info))
            members = [r for r in rows if self.members.get(r.member_id) != r]
            self.members = {r.member_id: r for r in rows}
            self.board, self.info = board, info
        else:
            awards = [a for e in entries for a in e.get("awards", [])]
            if not awards:  # no score moved: no row changed
                self.held = last
                return [], [], []
            awarded = {
                a["member_id"]
                for a in awards
                if self.team_id is None or a.get("team_id") == self.team_id
            }
            if not awarded:  # another team's entries (sent for their contests' standings)
                self.held = last
                return [], [], []
            ids = sorted(key for key in awarded if key in self.board)
            scores, teams = await self.boards.live_changes(self.season_id, self.team_id, ids)
            gone, members = [], []
            for rank, key, score in self.board.change(scores):
                name, team = self.info[key]
                row = BoardEntry(rank, key, name, team, from_cents(score))
                if self.members.get(key) != row:
                    members.append(row)
                    self.members[key] = row
        changed_teams = [r for r in teams if self.teams.get(r.team_id) != r]
        self.teams = {r.team_id: r for r in teams}
        self.held = last
        return members, changed_teams, gone

    async def _goals(self, ids: set[int] | None = None) -> list[GoalOut]:
        query = Goal.all() if self.season_id is None else Goal.filter(season_id=self.season_id)
        if self.team_id is not None:
            query = query.filter(team_id=self.team_id)
        if ids is not None:
            query = query.filter(id__in=list(ids))
        return [await goal_out(g) for g in await query.order_by("id")]

    async def snapshot(self, seq: int) -> Outgoing:
        """The whole board; ``seq`` is the last entry it includes. Built once per seq: the
        boards joining at the same seq get the same message, framed once."""
        if self.shared is not None and self.shared[0] == seq:
            return self.shared[1]
        _, _, members, teams = await self._read()
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
        self.shared = (seq, Outgoing([message]))
        return self.shared[1]

    async def update(
        self, entry: dict[str, Any], prev: int = 0, full: bool = False, rows: Rows | None = None
    ) -> str:
        """An ``update`` for one entry. ``prev`` is the entry before it that the board was
        sent (0: none known), for a filtered board to notice a gap. The rows: ``rows``
        (what its batch changed, from :meth:`changes`, given with the batch's first
        message for the group), none (a later entry of that batch), or every row when
        ``full`` (one board catching up, which cannot rely on the group's last message:
        read whole, nothing remembered). And the goals whose progress changed."""
        changed_members: list[BoardEntry] = []
        changed_teams: list[TeamEntry] = []
        gone: list[int] = []
        if full:
            _, _, changed_members, changed_teams = await self._read()
            gone = sorted(set(self.members) - {r.member_id for r in changed_members})
        elif rows is not None:
            changed_members, changed_teams, gone = rows
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
