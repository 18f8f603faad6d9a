"""Leaderboards in Redis sorted sets: members and teams, per season and all-time,
per category and per team. Scores are hundredths of points.

Keys (all built by ``_make_key``)::

    {prefix}:m:{scope}:{category}            members, whole org
    {prefix}:m:{scope}:{category}:t{team}    members of one team
    {prefix}:t:{scope}                       team totals
    {prefix}:applied                         seq of the last ledger entry applied
                                             (-1 while a rebuild is under way)
    {prefix}:parked                          entries that arrived before their
                                             predecessor (hash: seq -> encoded entry)
    {prefix}:stream                          the newest entries, for live resume
    {prefix}:rebuilding                      the lock one rebuilder holds
    {prefix}:dir                             the member directory (hash: id ->
                                             "team:active:" and their row in a view)
    {prefix}:dir:ready                       set once the directory is whole
    {prefix}:v:{now|past}:{board}            a board as it is ranked (see below)
    {prefix}:views                           the ranked boards that exist (a set)

``scope`` is ``all`` or ``s{season_id}``; ``category`` is ``total`` or an award category.
A batch of ledger entries is applied by one EVALSHA of ``apply_batch.lua``: one round
trip, strictly in seq order whatever order writers send them in, and no reader ever
sees a board half-updated. A rebuild writes every board from the ledger's sums instead
of replaying entries (``load_sums``).

Reads take one round trip too (``read_board.lua``): a page, a member's rank with the rows
around them. Boards hold only members who scored, by id, so for reading a board Redis
keeps it *ranked*: ``{prefix}:v:now:{board}`` holds every member in its scope — members
who have not left (``past``: those who left too), of the board's team if it is a team's
— with score minus their hundredths (0 when they have none) and member their row: their
``sort_key``, a NUL, their team, a NUL, their name (the sort key is unique, so what follows
it orders nothing), so that Redis's own order (score, then bytes) is the ranking's order
(score high first, then name casefolded, then id) and a page needs nothing else. It is
built from the board and the directory the first time it is read, then kept level by
``apply_batch.lua`` with each increment, and dropped whenever an entry changes the
directory (a member joins, is renamed, moves, leaves or returns: rare) and at every
rebuild. The directory follows the same ledger
entries as the process's (``PendingEntry.directory``, applied in seq order with the
awards) and is rebuilt with the boards (``load_sums``). Until it is whole (a Redis that
lost its data, a rebuild under way, boards written before the directory was kept) the
read script answers nil and the caller ranks in Python as before.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import msgspec
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import NoScriptError

from ..core.ranking import sort_key

__all__ = [
    "COUNT",
    "AppliedAward",
    "AwardSum",
    "BoardPage",
    "DirectoryChange",
    "DirectoryRow",
    "LeaderboardStore",
    "PendingEntry",
    "PendingSpan",
    "RankedRow",
]

log = logging.getLogger(__name__)
_SCRIPTS = {
    name: (Path(__file__).parent / f"{name}.lua").read_text()
    for name in ("apply_batch", "rebase", "read_board")
}
_CHUNK = 1000  # members per ZADD, commands per pipeline round trip
# a category starting with this is a count (units of an activity metric, in hundredths):
# it has a board of its own and counts toward no total (apply_batch.lua agrees)
COUNT = "#"
_json = msgspec.json.Encoder()


class AppliedAward(NamedTuple):  # a tuple: made for every award of every entry
    member_id: int
    team_id: int
    season_id: int | None
    category: str
    cents: int


@dataclass(frozen=True)
class DirectoryChange:
    """What an entry changes of a member as boards see them (None: unchanged). A member
    who joins has all three; a change to a member Redis does not know is ignored."""

    member_id: int
    team_id: int | None = None
    active: bool | None = None
    name: str | None = None


@dataclass(frozen=True)
class DirectoryRow:
    """A member as the rebuild loads them."""

    member_id: int
    name: str
    team_id: int
    active: bool


class PendingEntry(NamedTuple):
    """What Redis needs of a ledger entry: its seq, its JSON for live boards, its awards,
    and what it changes of the member directory."""

    seq: int
    message: str
    awards: tuple[AppliedAward, ...]
    directory: tuple[DirectoryChange, ...] = ()


class PendingSpan(NamedTuple):
    """Consecutive ledger entries (``first`` to ``last``) that are neither published nor
    change the member directory, as Redis needs them: their awards summed by member, team,
    season (0: none) and category. An import's rows go to Redis this way, no entry made
    for each; ``entries`` gives them one by one, for the rare call that cannot apply the
    span whole (see ``apply_batch``)."""

    first: int
    last: int
    awards: tuple[tuple[int, int, int, str, int], ...]
    entries: Callable[[], Sequence[PendingEntry]]


class RankedRow(NamedTuple):
    """A row of a board read from Redis: competition rank, member, hundredths."""

    rank: int
    member_id: int
    name: str
    team_id: int
    cents: int


@dataclass(frozen=True)
class BoardPage:
    """Rows of a board and how many members the whole board has."""

    total: int
    rows: list[RankedRow]


@dataclass(frozen=True)
class AwardSum:
    """The hundredths of points a member earned in one team, season and category."""

    member_id: int
    team_id: int
    season_id: int | None
    category: str
    cents: int


def _view_row(name: str, member_id: int, team_id: int) -> str:
    """A member in a ranked view: their sort key, a NUL, their team, a NUL, their name."""
    return f"{sort_key(name, member_id)}\x00{team_id}\x00{name}"


class LeaderboardStore:
    def __init__(self, redis: Redis, prefix: str = "huddle", stream_length: int = 1000) -> None:
        self.redis = redis
        self.prefix = prefix
        self.stream_length = stream_length
        self.channel = self._make_key("entries")
        self.control_channel = self._make_key("control")
        self._shas: dict[str, str] = {}
        self._read_keys: dict[tuple[str, str, int | None, bool], list[str]] = {}

    def _make_key(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    # -- keys ---------------------------------------------------------------------------
    def member_key(self, scope: str, category: str = "total", team_id: int | None = None) -> str:
        if team_id is None:
            return self._make_key("m", scope, category)
        return self._make_key("m", scope, category, f"t{team_id}")

    def view_key(
        self, scope: str, category: str = "total", team_id: int | None = None, past: bool = False
    ) -> str:
        """A member board ranked (apply_batch.lua spells these keys too)."""
        board = self.member_key(scope, category, team_id).removeprefix(self.prefix)
        return self._make_key("v", "past" if past else "now") + board

    def team_key(self, scope: str) -> str:
        return self._make_key("t", scope)

    @staticmethod
    def scope(season_id: int | None) -> str:
        return "all" if season_id is None else f"s{season_id}"

    def _increments(self, award: AppliedAward | AwardSum) -> Iterable[tuple[str, str, int]]:
        """Where one award counts: total and its category, org-wide and in its team,
        all-time and in its season, and its team's total. A count (category '#<metric>':
        units of an activity) counts on its own board only."""
        scopes = ["all"] + ([self.scope(award.season_id)] if award.season_id else [])
        member = str(award.member_id)
        count = award.category.startswith(COUNT)
        for scope in scopes:
            for category in (award.category,) if count else ("total", award.category):
                yield self.member_key(scope, category), member, award.cents
                yield self.member_key(scope, category, award.team_id), member, award.cents
            if not count:
                yield self.team_key(scope), str(award.team_id), award.cents

    # -- writes -------------------------------------------------------------------------
    @staticmethod
    def _encode(entry: PendingEntry, publish: bool) -> tuple[bytes, str]:
        """One entry as apply_batch.lua reads it: its head [seq, awards, changes], each
        award [member, team, season or 0, category, cents] (the script builds the keys),
        each directory change [member, team or 0, active 1/0 or -1, name casefolded, name]
        ('' for a name unchanged), and its message ('' when it is not to be published)."""
        awards = [
            (a.member_id, a.team_id, a.season_id or 0, a.category, a.cents) for a in entry.awards
        ]
        if not entry.directory:
            return _json.encode((entry.seq, awards)), entry.message if publish else ""
        changes = [
            (
                c.member_id,
                c.team_id or 0,
                -1 if c.active is None else int(c.active),
                "" if c.name is None else c.name.casefold(),
                c.name or "",
            )
            for c in entry.directory
        ]
        return _json.encode((entry.seq, awards, changes)), entry.message if publish else ""

    async def load_script(self) -> None:
        for name, source in _SCRIPTS.items():
            self._shas[name] = await self.redis.script_load(source)

    async def _run(self, name: str, keys: list[str], args: Sequence[str | bytes]) -> object:
        if name not in self._shas:
            await self.load_script()
        try:
            return await self.redis.evalsha(self._shas[name], len(keys), *keys, *args)  # type: ignore[misc, arg-type]
        except NoScriptError:  # Redis restarted and lost its script cache
            await self.load_script()
            return await self.redis.evalsha(self._shas[name], len(keys), *keys, *args)  # type: ignore[misc, arg-type]

    async def apply_batch(
        self, entries: Sequence[PendingEntry | PendingSpan], publish: bool = True
    ) -> int:
        """Apply entries in one round trip, in seq order; entries already applied are
        skipped, entries after a gap are parked until the gap is filled. Returns the seq
        the boards are level with afterwards.

        A span (an import's rows) is applied, parked or skipped whole. One that the board
        sync has applied part of already (it applies from the ledger whatever a writer has
        not yet) cannot be split in the script: the call says so, and the span's entries
        go again one by one."""
        keys = [self._make_key("applied"), self._make_key("parked"), self._make_key("stream")]
        args: list[str | bytes] = [self.channel, str(self.stream_length), self.prefix]
        spans = False
        for item in entries:
            if isinstance(item, PendingSpan):
                args.extend((_json.encode((item.first, item.awards, (), item.last)), ""))
                spans = True
            else:
                args.extend(self._encode(item, publish))
        reply = await self._run("apply_batch", keys, args)
        assert isinstance(reply, list)  # [applied seq, entries parked, a span overlapped]
        if spans and int(reply[2]):
            args[3:] = [
                a
                for item in entries
                for e in (item.entries() if isinstance(item, PendingSpan) else (item,))
                for a in self._encode(e, publish)
            ]
            reply = await self._run("apply_batch", keys, args)
            assert isinstance(reply, list)
        return int(reply[0])

    async def load_sums(
        self,
        sums: Iterable[AwardSum],
        applied_seq: int,
        members: Iterable[DirectoryRow] | None = None,
    ) -> int:
        """Replace every board with the ledger's sums up to ``applied_seq``, and the
        directory with ``members`` (read no earlier than the sums: the entries after
        ``applied_seq`` are applied again, and directory changes are absolute); entries
        writers send meanwhile park and are applied after it. Without ``members`` the
        boards are read by ranking in Python. Returns the applied seq."""
        applied_key, parked_key = self._make_key("applied"), self._make_key("parked")
        await self.redis.set(applied_key, -1)  # from now on, every writer's entry parks
        await self._delete_boards()
        boards: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in sums:
            for key, member, cents in self._increments(row):
                boards[key][member] += cents
        pipe = self.redis.pipeline(transaction=False)
        for key, scores in boards.items():
            items = list(scores.items())
            for start in range(0, len(items), _CHUNK):
                pipe.zadd(key, dict(items[start : start + _CHUNK]))
                if len(pipe) >= _CHUNK:
                    await pipe.execute()
        if members is not None:
            directory = {
                str(m.member_id): f"{m.team_id}:{int(m.active)}:"
                + _view_row(m.name, m.member_id, m.team_id)
                for m in members
            }
            everyone = list(directory)
            for start in range(0, len(everyone), _CHUNK):
                ids = everyone[start : start + _CHUNK]
                pipe.hset(self._make_key("dir"), mapping={i: directory[i] for i in ids})
                if len(pipe) >= _CHUNK:
                    await pipe.execute()
            pipe.set(self._make_key("dir", "ready"), 1)
        await pipe.execute()
        await self._run("rebase", [applied_key, parked_key], [str(applied_seq)])
        return await self.apply_batch([])  # applies what parked meanwhile, in order

    async def _delete_boards(self) -> None:
        await self.redis.unlink(
            self._make_key("parked"),
            self._make_key("stream"),
            self._make_key("dir"),
            self._make_key("dir", "ready"),
            self._make_key("views"),
        )
        for pattern in (
            self._make_key("m", "*"),
            self._make_key("t", "*"),
            self._make_key("v", "*"),
        ):
            batch: list[str] = []
            async for key in self.redis.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= _CHUNK:
                    await self.redis.unlink(*batch)
                    batch.clear()
            if batch:
                await self.redis.unlink(*batch)

    def rebuild_lock(self, timeout: float = 300) -> Lock:
        """Held by the one process rebuilding the boards; others wait for it."""
        return self.redis.lock(
            self._make_key("rebuilding"), timeout=timeout, blocking_timeout=timeout
        )

    async def reset(self) -> int:
        """Delete every key of this store (the boards are rebuilt from the ledger after)."""
        deleted = 0
        batch: list[str] = []
        async for key in self.redis.scan_iter(match=self._make_key("*"), count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                deleted += await self.redis.unlink(*batch)
                batch.clear()
        if batch:
            deleted += await self.redis.unlink(*batch)
        return deleted

    async def announce(self, message: str) -> None:
        """Tell every instance something that is not a ledger entry (a revoked token)."""
        await self.redis.publish(self.control_channel, message)

    # -- reads --------------------------------------------------------------------------
    async def applied_seq(self) -> int | None:
        value = await self.redis.get(self._make_key("applied"))
        return None if value is None else int(value)

    async def directory_ready(self) -> bool:
        """Whether Redis holds the whole member directory (the one-call reads need it)."""
        return bool(await self.redis.exists(self._make_key("dir", "ready")))

    async def parked_count(self) -> int:
        """Entries waiting for an earlier one (a writer a moment behind, or a rebuild)."""
        return int(await self.redis.hlen(self._make_key("parked")))  # type: ignore[misc, arg-type]

    async def member_scores(
        self, scope: str, category: str = "total", team_id: int | None = None
    ) -> dict[int, int]:
        """Every member on a board with their hundredths of points."""
        rows = await self.redis.zrange(
            self.member_key(scope, category, team_id), 0, -1, withscores=True
        )
        return {int(member): round(score) for member, score in rows}

    async def _read_board(
        self,
        scope: str,
        category: str,
        team_id: int | None,
        past: bool,
        args: Sequence[str],
    ) -> tuple[BoardPage, int] | None:
        board = (scope, category, team_id, past)
        keys = self._read_keys.get(board)
        if keys is None:
            keys = self._read_keys[board] = [
                self.member_key(scope, category, team_id),
                self.view_key(scope, category, team_id, past),
                self._make_key("dir"),
                self._make_key("applied"),
                self._make_key("dir", "ready"),
                self._make_key("views"),
            ]
            if len(self._read_keys) > 1000:  # boards of seasons long over: start afresh
                self._read_keys = {board: keys}
        reply = await self._run(
            "read_board", keys, [args[0], str(team_id or 0), "1" if past else "0", *args[1:]]
        )
        if reply is None:
            return None
        assert isinstance(reply, list)
        values = reply[2:]
        rows = []
        for i in range(0, len(values), 3):
            row = values[i]
            cut = row.index("\x00\x00")  # the end of the name in the sort key
            team, name = row[cut + 13 :].split("\x00", 1)
            rows.append(
                RankedRow(
                    values[i + 2], int(row[cut + 2 : cut + 12]), name, int(team), -values[i + 1]
                )
            )
        return BoardPage(reply[0], rows), reply[1] - 1

    async def read_page(
        self,
        scope: str,
        category: str = "total",
        team_id: int | None = None,
        past: bool = False,
        offset: int = 0,
        limit: int = 50,
    ) -> BoardPage | None:
        """``limit`` rows of a ranked board from ``offset``, in one round trip; members
        without points are on it, those who left only when ``past``. None when Redis
        cannot rank it (its directory is not whole, or a rebuild is under way)."""
        found = await self._read_board(
            scope, category, team_id, past, ["page", str(offset), str(limit)]
        )
        return None if found is None else found[0]

    async def read_around(
        self,
        scope: str,
        member_id: int,
        around: int,
        past: bool = False,
        category: str = "total",
        team_id: int | None = None,
    ) -> tuple[BoardPage, int] | None:
        """A member's row with ``around`` rows either side, and the index of theirs among
        them (-1 and no rows: not on the board), in one round trip. None as ``read_page``."""
        return await self._read_board(
            scope, category, team_id, past, ["member", str(member_id), str(around)]
        )

    async def team_totals(self, scope: str) -> dict[int, int]:
        rows = await self.redis.zrange(self.team_key(scope), 0, -1, withscores=True)
        return {int(team): round(score) for team, score in rows}

    async def scores_and_totals(
        self, scope: str, team_id: int | None = None
    ) -> tuple[dict[int, int], dict[int, int]]:
        """The member board and the team totals as of one moment (MULTI/EXEC: a batch
        applied between two separate reads would show in one and not the other)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zrange(self.member_key(scope, "total", team_id), 0, -1, withscores=True)
            pipe.zrange(self.team_key(scope), 0, -1, withscores=True)
            members, teams = await pipe.execute()
        return (
            {int(member): round(score) for member, score in members},
            {int(team): round(score) for team, score in teams},
        )

    async def some_scores_and_totals(
        self, scope: str, team_id: int | None, member_ids: Sequence[int]
    ) -> tuple[dict[int, int], dict[int, int]]:
        """Some members' hundredths on a board (0 when not on it) and the team totals, as
        of one moment (what a live update needs after a batch awarded those members)."""
        async with self.redis.pipeline(transaction=True) as pipe:
            if member_ids:
                pipe.zmscore(self.member_key(scope, "total", team_id), [str(m) for m in member_ids])
            pipe.zrange(self.team_key(scope), 0, -1, withscores=True)
            replies = await pipe.execute()
        scores = replies[0] if member_ids else []
        return (
            {m: round(s or 0) for m, s in zip(member_ids, scores, strict=True)},
            {int(team): round(score) for team, score in replies[-1]},
        )

    async def breakdown(
        self, member_id: int, scope: str, categories: Sequence[str]
    ) -> dict[str, int]:
        """A member's hundredths per category, in one pipelined round trip."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for category in categories:
                pipe.zscore(self.member_key(scope, category), str(member_id))
            scores = await pipe.execute()
        return {c: round(s or 0) for c, s in zip(categories, scores, strict=True)}

    async def entries_since(self, since: int) -> list[str] | None:
        """Entries after ``since`` from the stream, or None when some are no longer kept or
        ``since`` is ahead of the boards (a restored ledger: start over from a snapshot)."""
        key = self._make_key("stream")
        applied = await self.applied_seq() or 0
        if since > applied:
            return None
        if since == applied:
            return []
        first = await self.redis.xrange(key, count=1)
        if not first or int(first[0][0].split("-")[0]) > since + 1:
            return None
        rows = await self.redis.xrange(key, min=f"({since}-0", max="+")
        # entries applied without being streamed (a large import) leave a hole: then the
        # board starts over from a snapshot too
        if any(int(id_.split("-")[0]) != since + 1 + i for i, (id_, _) in enumerate(rows)):
            return None
        return [fields["entry"] for _, fields in rows]
