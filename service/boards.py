"""Boards as people see them: Redis scores joined with the member and team directory,
ranked by the pure competition-ranking rule. Used by the REST API and the live boards.

A page of a member board and a member's rank with the rows around them are read from
Redis ranked, in one round trip (``LeaderboardStore.read_page`` / ``read_around``: Redis
keeps its own copy of the directory, from the same ledger entries). When Redis cannot
rank (its directory is not whole yet, a rebuild is under way) and for whole boards, the
scores are joined here with the directory — the process's ``Directory`` (kept exact by
the ledger's entries) when it is given one, else the database — and ranked in Python."""

from __future__ import annotations

from .core.points import from_cents
from .core.ranking import LiveBoard, Ranked, Row, around_me, rank_all, rank_for, top
from .core.scoring import CATEGORIES
from .db.models import Member, Team
from .directory import Directory, TeamInfo
from .errors import Invalid
from .schemas import BoardEntry, TeamEntry
from .store.leaderboard import COUNT, BoardPage, LeaderboardStore

__all__ = ["Around", "Boards", "MemberRanking"]


def _entries(page: BoardPage) -> list[BoardEntry]:
    return [
        BoardEntry(r.rank, r.member_id, r.name, r.team_id, from_cents(r.cents)) for r in page.rows
    ]


class Around:
    """A member's row on a board (None: not on it), the rows around it, the board's size."""

    def __init__(self, me: BoardEntry | None, rows: list[BoardEntry], total: int) -> None:
        self.me = me
        self.rows = rows
        self.total = total


class MemberRanking:
    """A ranked member board and the team of each member on it."""

    def __init__(self, ranked: list[Ranked], team_of: dict[int, int]) -> None:
        self.ranked = ranked
        self.team_of = team_of

    def entry(self, ranked: Ranked) -> BoardEntry:
        key = ranked.row.key
        return BoardEntry(
            ranked.rank, key, ranked.row.name, self.team_of.get(key), ranked.row.score
        )

    def entries(self, ranked: list[Ranked] | None = None) -> list[BoardEntry]:
        return [self.entry(r) for r in (self.ranked if ranked is None else ranked)]


class Boards:
    def __init__(self, store: LeaderboardStore, directory: Directory | None = None) -> None:
        self.store = store
        self.directory = directory

    async def members(
        self,
        season_id: int | None,
        team_id: int | None = None,
        category: str | None = None,
        past: bool = False,
    ) -> list[BoardEntry]:
        """Every member in scope, zero scores included, ranked 1, 2, 2, 4."""
        return (await self.ranking(season_id, team_id, category, past)).entries()

    async def ranking(
        self,
        season_id: int | None,
        team_id: int | None = None,
        category: str | None = None,
        past: bool = False,
    ) -> MemberRanking:
        """The ranked member board (for ``top``, ``rank_for`` and ``around_me``). Members
        who have left are on it only for a ``past`` season (one that is over)."""
        _check(category)
        scope = self.store.scope(season_id)
        scores = await self.store.member_scores(scope, category or "total", team_id)
        return await self._ranking(scores, team_id, past)

    async def page(
        self,
        season_id: int | None,
        team_id: int | None = None,
        category: str | None = None,
        past: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[int, list[BoardEntry]]:
        """``limit`` rows of the ranked member board from ``offset``, and how many members
        are on it (as ``top`` of ``ranking``, in one round trip)."""
        _check(category)
        scope = self.store.scope(season_id)
        page = await self.store.read_page(scope, category or "total", team_id, past, offset, limit)
        if page is not None:
            return page.total, _entries(page)
        board = await self.ranking(season_id, team_id, category, past)
        return len(board.ranked), board.entries(top(board.ranked, limit, offset))

    async def around(
        self, member_id: int, season_id: int | None, n: int, past: bool = False
    ) -> Around:
        """A member on the whole org's board with ``n`` rows either side (as ``rank_for``
        and ``around_me`` of ``ranking``, in one round trip)."""
        found = await self.store.read_around(self.store.scope(season_id), member_id, n, past)
        if found is not None:
            page, index = found
            rows = _entries(page)
            return Around(rows[index] if index >= 0 else None, rows, page.total)
        board = await self.ranking(season_id, past=past)
        me = rank_for(board.ranked, member_id)
        rows = board.entries(around_me(board.ranked, member_id, n))
        return Around(board.entry(me) if me else None, rows, len(board.ranked))

    async def _members(self, team_id: int | None, past: bool) -> list[tuple[int, str, int]]:
        """(id, name, team) of every member in scope (those who left: only for the past)."""
        if self.directory is not None:
            members, _ = await self.directory.get()
            return [
                (key, m.name, m.team_id)
                for key, m in members.items()
                if (team_id is None or m.team_id == team_id) and (past or m.active)
            ]
        query = Member.all() if team_id is None else Member.filter(team_id=team_id)
        if not past:
            query = query.filter(active=True)
        return await query.values_list("id", "name", "team_id")  # type: ignore[return-value]

    async def _ranking(
        self, scores: dict[int, int], team_id: int | None, past: bool = False
    ) -> MemberRanking:
        members = await self._members(team_id, past)
        team_of = {key: team for key, _, team in members}
        rows = [Row(key, name, from_cents(scores.get(key, 0))) for key, name, _ in members]
        return MemberRanking(rank_all(rows), team_of)

    async def live_board(
        self, season_id: int | None, team_id: int | None = None
    ) -> tuple[LiveBoard, dict[int, tuple[str, int]], list[TeamEntry]]:
        """The member board as a :class:`LiveBoard` to keep up to date, each member's name
        and team, and the team board, as of one moment."""
        scores, totals = await self.store.scores_and_totals(self.store.scope(season_id), team_id)
        members = await self._members(team_id, past=False)
        board = LiveBoard((key, name, scores.get(key, 0)) for key, name, _ in members)
        return board, {key: (name, team) for key, name, team in members}, await self._teams(totals)

    async def live_changes(
        self, season_id: int | None, team_id: int | None, member_ids: list[int]
    ) -> tuple[dict[int, int], list[TeamEntry]]:
        """Some members' scores (hundredths) and the team board, as of one moment."""
        scores, totals = await self.store.some_scores_and_totals(
            self.store.scope(season_id), team_id, member_ids
        )
        return scores, await self._teams(totals)

    async def teams(self, season_id: int | None) -> list[TeamEntry]:
        """Teams ranked by points per member, so small and large teams compete fairly."""
        return await self._teams(await self.store.team_totals(self.store.scope(season_id)))

    async def _teams(self, totals: dict[int, int]) -> list[TeamEntry]:
        # the head count: members who have not left
        if self.directory is not None:
            members, by_id = await self.directory.get()
            teams_of: list[int] = [m.team_id for m in members.values() if m.active]
        else:
            by_id = {
                t.id: TeamInfo(t.name, t.nickname, t.color, t.archived) for t in await Team.all()
            }
            teams_of = await Member.filter(active=True).values_list("team_id", flat=True)  # type: ignore[assignment]
        sizes: dict[int, int] = {}
        for team_id in teams_of:
            sizes[team_id] = sizes.get(team_id, 0) + 1
        rows = []
        for key, team in by_id.items():
            if team.archived:  # no active members: off the board
                continue
            total, size = totals.get(key, 0), sizes.get(key, 0)
            rows.append(Row(key, team.name, from_cents(round(total / size)) if size else 0))
        return [
            TeamEntry(
                rank=r.rank,
                team_id=r.row.key,
                name=r.row.name,
                nickname=by_id[r.row.key].nickname,
                color=by_id[r.row.key].color,
                score=r.row.score,
                members=sizes.get(r.row.key, 0),
                total=from_cents(totals.get(r.row.key, 0)),
            )
            for r in rank_all(rows)
        ]

    async def breakdown(self, member_id: int, season_id: int | None) -> dict[str, float | int]:
        cents = await self.store.breakdown(member_id, self.store.scope(season_id), CATEGORIES)
        return {c: from_cents(v) for c, v in cents.items()}


def _check(category: str | None) -> None:
    if category is not None and category not in CATEGORIES and not category.startswith(COUNT):
        raise Invalid(f"category must be one of: {', '.join(CATEGORIES)}.")
