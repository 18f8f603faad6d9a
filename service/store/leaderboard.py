"""Leaderboards in Redis sorted sets: members and teams, per season and all-time,
per category and per team. Scores are hundredths of points.

Keys (all built by ``_make_key``)::

    {prefix}:m:{scope}:{category}            members, whole org
    {prefix}:m:{scope}:{category}:t{team}    members of one team
    {prefix}:t:{scope}                       team totals
    {prefix}:applied                         seq of the last ledger entry applied
    {prefix}:stream                          the newest entries, for live resume

``scope`` is ``all`` or ``s{season_id}``; ``category`` is ``total`` or an award category.
One ledger entry is applied by one EVALSHA of ``apply_entry.lua``: one round trip, and no
reader ever sees a board half-updated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from redis.exceptions import NoScriptError

__all__ = ["AppliedAward", "LeaderboardStore", "PendingEntry"]

log = logging.getLogger(__name__)
_SCRIPT = (Path(__file__).parent / "apply_entry.lua").read_text()


@dataclass(frozen=True)
class AppliedAward:
    member_id: int
    team_id: int
    season_id: int | None
    category: str
    cents: int


@dataclass(frozen=True)
class PendingEntry:
    """What Redis needs of a ledger entry: its seq, its JSON for live boards, its awards."""

    seq: int
    message: str
    awards: tuple[AppliedAward, ...]


class LeaderboardStore:
    def __init__(self, redis: Redis, prefix: str = "huddle", stream_length: int = 1000) -> None:
        self.redis = redis
        self.prefix = prefix
        self.stream_length = stream_length
        self.channel = self._make_key("entries")
        self.control_channel = self._make_key("control")
        self._sha: str | None = None

    def _make_key(self, *parts: object) -> str:
        return ":".join([self.prefix, *map(str, parts)])

    # -- keys ---------------------------------------------------------------------------
    def member_key(self, scope: str, category: str = "total", team_id: int | None = None) -> str:
        if team_id is None:
            return self._make_key("m", scope, category)
        return self._make_key("m", scope, category, f"t{team_id}")

    def team_key(self, scope: str) -> str:
        return self._make_key("t", scope)

    @staticmethod
    def scope(season_id: int | None) -> str:
        return "all" if season_id is None else f"s{season_id}"

    def _increments(self, award: AppliedAward) -> Iterable[tuple[str, str, int]]:
        scopes = ["all"] + ([self.scope(award.season_id)] if award.season_id else [])
        member = str(award.member_id)
        for scope in scopes:
            for category in ("total", award.category):
                yield self.member_key(scope, category), member, award.cents
                yield self.member_key(scope, category, award.team_id), member, award.cents
            yield self.team_key(scope), str(award.team_id), award.cents

    # -- writes -------------------------------------------------------------------------
    def _script_args(self, entry: PendingEntry, publish: bool) -> tuple[list[str], list[object]]:
        keys = [self._make_key("applied"), self._make_key("stream")]
        index: dict[str, int] = {}
        argv: list[object] = [
            entry.seq,
            entry.message,
            self.channel,
            self.stream_length,
            "1" if publish else "0",
        ]
        for award in entry.awards:
            for key, member, cents in self._increments(award):
                if key not in index:
                    keys.append(key)
                    index[key] = len(keys)
                argv.extend((index[key], member, cents))
        return keys, argv

    async def load_script(self) -> None:
        self._sha = await self.redis.script_load(_SCRIPT)

    async def apply(self, entry: PendingEntry, publish: bool = True) -> int:
        """Apply one entry in one round trip: 1 applied, 0 already applied, -1 gap before it."""
        keys, argv = self._script_args(entry, publish)
        if self._sha is None:
            await self.load_script()
        try:
            result = await self.redis.evalsha(self._sha, len(keys), *keys, *argv)  # type: ignore[arg-type,misc]
        except NoScriptError:  # Redis restarted and lost its script cache
            await self.load_script()
            result = await self.redis.evalsha(self._sha, len(keys), *keys, *argv)  # type: ignore[arg-type,misc]
        return int(result)

    async def apply_many(self, entries: Sequence[PendingEntry], publish: bool = False) -> None:
        """Replay many entries in one pipeline (used by rebuild and catch-up)."""
        if not entries:
            return
        # a pipeline cannot fall back on NOSCRIPT, and a restarted Redis has lost the
        # script cache: make sure it is there (one extra round trip per batch)
        if self._sha is None or not (await self.redis.script_exists(self._sha))[0]:
            await self.load_script()
        async with self.redis.pipeline(transaction=False) as pipe:
            for entry in entries:
                keys, argv = self._script_args(entry, publish)
                pipe.evalsha(self._sha, len(keys), *keys, *argv)  # type: ignore[arg-type,misc]
            await pipe.execute()

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

    async def member_scores(
        self, scope: str, category: str = "total", team_id: int | None = None
    ) -> dict[int, int]:
        """Every member on a board with their hundredths of points."""
        rows = await self.redis.zrange(
            self.member_key(scope, category, team_id), 0, -1, withscores=True
        )
        return {int(member): round(score) for member, score in rows}

    async def team_totals(self, scope: str) -> dict[int, int]:
        rows = await self.redis.zrange(self.team_key(scope), 0, -1, withscores=True)
        return {int(team): round(score) for team, score in rows}

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
        """Entries after ``since`` from the stream, or None when some are no longer kept."""
        key = self._make_key("stream")
        applied = await self.applied_seq() or 0
        if since >= applied:
            return []
        first = await self.redis.xrange(key, count=1)
        if not first or int(first[0][0].split("-")[0]) > since + 1:
            return None
        rows = await self.redis.xrange(key, min=f"({since}-0", max="+")
        return [fields["entry"] for _, fields in rows]


async def _interim_apply_batch(
    self: LeaderboardStore, entries: Sequence[PendingEntry], publish: bool = True
) -> int:
    for entry in entries:
        await self.apply(entry, publish)
    return await self.applied_seq() or 0


LeaderboardStore.apply_batch = _interim_apply_batch  # type: ignore[attr-defined]
