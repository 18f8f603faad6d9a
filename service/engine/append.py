"""Appending a batch of decided entries: the ledger rows, their awards, and the tables
that answer questions about them (deals, kudos, goals, badges, ...), in bulk.

Rows are grouped per table and inserted in foreign-key order (``Sql.insert_all``: one
statement on PostgreSQL); goal progress carries absolute values, so its updates can
simply run in order, after the inserts and in the same transaction. The rows each kind
of entry makes are in ``rows.py``, every table's columns in ``columns.py``.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from ..core.codec import entry_data
from ..core.entries import (
    BadgeEarned,
    BadgeRevoked,
    Entry,
    GoalProgress,
    GoalReached,
    GoalReopened,
)
from ..core.policy import Policy
from .columns import TABLES
from .rows import ADDERS
from .tables import Direct, Sql

_Rows = tuple[str, tuple[tuple[str, str], ...], list[Sequence[Any]]]

__all__ = ["Appender", "Batch"]


class Batch:
    """The rows and updates one batch writes."""

    def __init__(self, sql: Sql, policies: Callable[[int], Policy]) -> None:
        self.sql = sql
        self.policies = policies
        self.rows: dict[str, list[Sequence[Any]]] = defaultdict(list)
        # updates, by (table, condition, key): progress is absolute, so the last one wins
        self.after: dict[tuple[str, str, tuple[Any, ...]], dict[str, Any]] = {}
        self.reviews: list[Sequence[Any]] = []
        # rows a correction or a change removes, deleted before the inserts (the same
        # batch may insert them again: a badge earned again, a goal set anew)
        self.deletes: list[tuple[str, list[Any]]] = []
        # statements after the inserts, before the updates (a goal's member goals changed)
        self.later: list[tuple[str, list[Any]]] = []
        # a correction's updates (a goal reopened) need the transaction's plain updates
        self.corrects = False

    def add(self, entry: Entry) -> None:
        sql, p = self.sql, entry.payload
        self.rows["entry"].append(
            (
                entry.id,
                entry.seq,
                entry.kind,
                sql.time(entry.occurred_at),
                sql.time(entry.recorded_at),
                entry.week,
                entry.actor.role,
                entry.actor.token_id,
                entry.actor.member_id,
                entry.member_id,
                entry.team_id,
                entry.season_id,
                entry.policy_id,
                entry_data(entry).decode(),
            )
        )
        if entry.request_key:
            self.rows["request_key"].append((entry.request_key, entry.id, entry.request_hash))
        self.rows["point_award"].extend(
            (entry.id, a.member_id, a.team_id, entry.season_id, a.category, a.cents)
            for a in entry.awards
        )
        ADDERS[type(p)](self, entry)
        for event in entry.events:
            self._event(entry, event)

    def _event(self, entry: Entry, event: object) -> None:
        sql = self.sql
        if isinstance(event, GoalProgress):
            value = sql.money(event.value)
            if event.member_id is None:
                self.update("goal", {"value": value}, "id = ?", [event.goal_id])
            else:
                where = "goal_id = ? AND member_id = ?"
                self.update(
                    "member_goal", {"value": value}, where, [event.goal_id, event.member_id]
                )
        elif isinstance(event, GoalReached | GoalReopened):
            # reached once, or again after a correction reopened it: the last one wins
            at = {"reached_at": sql.time(entry.recorded_at)}
            if isinstance(event, GoalReopened):
                at, self.corrects = {"reached_at": None}, True
            if event.member_id is None:
                self.update("goal", at, "id = ?", [event.goal_id])
            else:
                where = "goal_id = ? AND member_id = ?"
                self.update("member_goal", at, where, [event.goal_id, event.member_id])
        elif isinstance(event, BadgeEarned):
            self.rows["badge"].append(
                (
                    event.badge_id,
                    entry.id,
                    event.member_id,
                    entry.season_id or 0,
                    event.badge,
                    sql.time(entry.recorded_at),
                )
            )
        elif isinstance(event, BadgeRevoked):
            key = (event.member_id, entry.season_id or 0, event.badge)
            self.delete("badge", "member_id = ? AND season_key = ? AND code = ?", list(key))
            self.rows["badge"] = [r for r in self.rows["badge"] if (r[2], r[3], r[4]) != key]

    def delete(self, table: str, where: str, key: list[Any]) -> None:
        self.deletes.append((f"DELETE FROM {table} WHERE {where}", key))
        self.corrects = True

    def update(self, table: str, changes: dict[str, Any], where: str, key: list[Any]) -> None:
        self.after.setdefault((table, where, tuple(key)), {}).update(changes)

    async def write(self, seq: int) -> None:
        tables = [(t, TABLES[t], self.rows[t]) for t in TABLES if self.rows.get(t)]
        plain = self.sql.pg and not self.reviews and not self.corrects
        progress = self._progress() if plain else None
        if progress is not None:
            # inserts and goal progress: one statement, which commits and unlocks
            await self.sql.insert_all(tables, seq, unlock=True, progress=progress)
            return
        async with self.sql.transaction():
            for statement, values in self.deletes:
                await self.sql.rows(statement, values)
            await self.sql.insert_all(tables, seq)
            for statement, values in self.later:
                await self.sql.rows(statement, values)
            if self.reviews:
                # the review keeps the deal's team and season (insights count by them)
                await self.sql.many(
                    "INSERT INTO loss_review (id, entry_id, deal_id, member_id, team_id, "
                    "season_id, answers, lesson) SELECT ?, ?, d.id, ?, d.team_id, d.season_id, "
                    "?, ? FROM deal d WHERE d.id = ?",
                    self.reviews,
                )
            for (table, where, key), changes in self.after.items():
                await self.sql.update(table, changes, where, key)

    def _progress(self) -> list[tuple[str, list[Sequence[Any]]]] | None:
        """The batch's updates as goal progress rows for ``Sql.insert_all`` (one per goal
        or member's part, its changes merged: a statement updates a row once), or None
        when there is anything else to update, or a goal the batch itself sets."""
        merged: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {"goal": {}, "member_goal": {}}
        for (table, _, key), changes in self.after.items():
            if table not in merged:
                return None
            merged[table].setdefault(key, {}).update(changes)
        if not any(merged.values()):
            return []
        new_goals = {row[0] for row in self.rows.get("goal", ())}
        if any(key[0] in new_goals for rows in merged.values() for key in rows):
            return None
        return [
            (table, [(*key, c.get("value"), c.get("reached_at")) for key, c in rows.items()])
            for table, rows in merged.items()
            if rows
        ]


# the ledger's own tables: rows only ever inserted, never deleted by a later entry of
# the same batch, with no foreign key to a row the batch writes later (so they can go in
# while the rest of the batch is still being decided)
_STREAMED = ("entry", "point_award", "activity", "deal")
STREAM_ENTRIES = 300  # entries (and their rows) in a slice sent while the batch goes on


class Appender:
    """A batch's entries, written as they are decided.

    ``add`` takes each decision's entries; ``finish`` writes what is left, moves the seq
    counter to the last entry and commits. On PostgreSQL, once a batch holds
    ``STREAM_ENTRIES`` entries not yet sent (an import's batch: thousands; a batch of
    requests, at most 256 commands, seldom does), the ledger's own rows start going in by
    COPY, a slice at a time, in a transaction of the writer's connection, while the
    writer decides the rest: the database takes in one slice while Python decides the
    next, instead of each waiting for the other. The writer lets the COPY move on
    (``busy``: now and then it yields to it). Nothing is committed before ``finish``: a
    batch that fails leaves nothing (the writer closes the connection, which rolls back).
    """

    def __init__(self, sql: Sql, policies: Callable[[int], Policy]) -> None:
        self.sql = sql
        self.batch = Batch(sql, policies)
        self.streams = sql.pg and isinstance(sql.conn, Direct)
        self.sending: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether rows are on their way to the database (the writer yields now and then)."""
        return self.sending is not None and not self.sending.done()

    def add(self, entries: Sequence[Entry]) -> None:
        batch = self.batch
        for entry in entries:
            batch.add(entry)
        if self.streams and len(batch.rows["entry"]) >= STREAM_ENTRIES:
            tables = [(t, TABLES[t], batch.rows.pop(t)) for t in _STREAMED if batch.rows.get(t)]
            self.sending = asyncio.create_task(self._send(self.sending, tables))

    async def _send(self, before: asyncio.Task[None] | None, tables: list[_Rows]) -> None:
        if before is None:
            await self.sql.begin()  # committed by ``finish``
        else:
            await before
        for table, columns, rows in tables:
            await self.sql.copy(table, [c for c, _ in columns], rows)

    async def finish(self, seq: int) -> None:
        """The rest of the batch, the seq counter at ``seq``, committed."""
        if self.sending is None:
            await self.batch.write(seq)
            return
        await self.sending
        await self.batch.write(seq)  # in the transaction the slices went in
        await self.sql.commit()

    async def abandon(self) -> None:
        """The batch failed: no slice is left running (the connection is closed next)."""
        if self.sending is not None:
            self.sending.cancel()  # nothing happens to one that is done
            await asyncio.gather(self.sending, return_exceptions=True)
