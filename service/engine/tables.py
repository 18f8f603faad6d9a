"""The engine's SQL: the write lock, catch-up reads, batch look-ups and bulk appends.

Raw statements, not an ORM object per row: a batch of hundreds of entries is one
statement per table on SQLite and one statement in all on PostgreSQL. Queries are written
with ``?`` and numbered for PostgreSQL; values are converted per dialect (SQLite keeps
times and decimals as text, the way Tortoise's models read them back).

The write lock differs by database:

- **SQLite**: one transaction per batch on Tortoise's connection; its first statement
  (an update of the ``seq`` counter row) takes the database's write lock.
- **PostgreSQL**: the writer's own connection (``WriteConnection``), never a pooled one,
  holds the ledger's advisory lock across statements. ``huddle_begin_write`` (migration
  0006) takes it, waits for the last holder's append to commit, and returns the entries
  after the writer's own with their awards (migration 0015): lock and catch-up in one
  round trip. The batch is then
  appended by one statement that commits on its own and releases the lock as its last
  step; the next holder waits on the counter row until that commit is done, so it never
  reads a ledger without it. A batch that also updates rows (goal progress, a feedback
  link used) appends in a transaction and releases the lock after its commit.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import msgspec
from tortoise.backends.base.client import BaseDBAsyncClient

from ..core.codec import entry_from_row
from ..core.commands import ActivityRef, DealRef, FeedbackRef, GiftRef
from ..core.entries import Award, Entry

__all__ = ["ENTRY_COLUMNS", "ID_TABLES", "LEDGER_LOCK", "Sql", "WriteConnection"]

# an entry's awards as huddle_begin_write returns them: [member_id, team_id, category, cents]
_AWARDS = msgspec.json.Decoder(list[tuple[int, int, str, int]])


# keys looked up by one statement at most (an import's batch holds up to 16,000)
LOOK_UP_KEYS = 2_000

# the ledger's advisory lock on PostgreSQL ('hudd' in ASCII; migration 0006 uses it too)
LEDGER_LOCK = 0x68756464

ENTRY_COLUMNS = (
    "id, seq, kind, occurred_at, recorded_at, week, actor_role, actor_token_id, "
    "actor_member_id, member_id, team_id, season_id, policy_id, data"
)
# tables whose ids the engine hands out itself, under the lock
ID_TABLES = (
    "entry",
    "deal",
    "kudos",
    "mentoring",
    "goal",
    "loss_review",
    "story",
    "feedback",
    "badge",
    "team",
    "member",
    "season",
    "policy_version",
    "metric",
    "activity",
)
_DEAL_COLUMNS = (
    "d.id, e.seq, d.seller_id, d.team_id, d.season_id, d.outcome, d.amount, d.customer, "
    "d.assists, d.external_id, d.closed_at, d.reversed_seq, d.learning_reversed_seq, "
    "d.original_amount, d.currency"
)
# the same without a join: the entry's seq by its id, one index look-up per deal found (a
# batch's look-up by external id finds few or none; it need not depend on how PostgreSQL
# estimates a join while a large import is going in)
_DEAL_COLUMNS_SEQ = _DEAL_COLUMNS.replace(
    "e.seq", "(SELECT e.seq FROM entry e WHERE e.id = d.entry_id) AS seq"
)


class Sql:
    """SQL on one connection: Tortoise's (the SQLite write transaction, or a plain read)
    or the PostgreSQL writer's own (``Direct``)."""

    def __init__(self, conn: BaseDBAsyncClient | Direct) -> None:
        self.conn = conn
        self.pg = conn.capabilities.dialect == "postgres"
        self.unlocked = False  # PostgreSQL: the append released the ledger's lock
        self._open: asyncpg.transaction.Transaction | None = None  # see ``begin``

    # -- dialect ------------------------------------------------------------------------
    def q(self, sql: str) -> str:
        if not self.pg:
            return sql
        counter = iter(range(1, 100_000))
        return re.sub(r"\?", lambda _: f"${next(counter)}", sql)

    def time(self, value: datetime | None) -> Any:
        return value if self.pg or value is None else value.isoformat(" ")

    def day(self, value: date | None) -> Any:
        return value if self.pg or value is None else value.isoformat()

    def money(self, value: float | int) -> Any:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        return amount if self.pg else str(amount)

    def parse_time(self, value: Any) -> datetime:
        return value if isinstance(value, datetime) else datetime.fromisoformat(value)

    def among(self, column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
        """``column`` is one of ``values``, and the parameters for it: on PostgreSQL
        ``= ANY(?)`` with one array (one statement whatever the count, planned once; an
        IN list of a new length is a new statement, planned again, which cost a large
        import 50 ms a batch), on SQLite an IN list."""
        if self.pg:
            return f"{column} = ANY(?)", [list(values)]
        return f"{column} IN ({', '.join('?' for _ in values)})", list(values)

    async def by_keys(
        self, columns: str, table: str, alias: str, column: str, keys: Sequence[str]
    ) -> list[dict[str, Any]]:
        """``columns`` of the rows of ``table`` (as ``alias``) whose ``column``, a unique
        key, is one of ``keys``, ``LOOK_UP_KEYS`` keys a statement. On PostgreSQL one index
        look-up per key, whatever the planner estimates: with ``= ANY`` of 2,000 keys it
        scanned the whole table (in parallel, up to 1,000,000 rows) for every 2,000 rows of
        an import, and its look-ups took a fifth of the import's time. On SQLite an IN
        list."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(keys), LOOK_UP_KEYS):
            chunk = keys[start : start + LOOK_UP_KEYS]
            if self.pg:
                source = (
                    "unnest(?::text[]) AS k(key) CROSS JOIN LATERAL "
                    f"(SELECT * FROM {table} WHERE {column} = k.key LIMIT 1) AS {alias}"
                )
                values: list[Any] = [list(chunk)]
            else:
                where, values = self.among(f"{alias}.{column}", chunk)
                source = f"{table} {alias} WHERE {where}"
            found.extend(await self.rows(f"SELECT {columns} FROM {source}", values))
        return found

    async def rows(self, sql: str, values: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return await self.conn.execute_query_dict(self.q(sql), list(values))

    async def many(self, sql: str, values: list[Sequence[Any]]) -> None:
        if values:
            await self.conn.execute_many(self.q(sql), [list(v) for v in values])

    # -- the lock and the ledger --------------------------------------------------------
    async def lock(self) -> int:
        """SQLite: take the org-wide write lock (an update of the ``seq`` counter row: the
        database's write lock, held until commit) and return the last seq."""
        sql = "UPDATE counter SET value = value WHERE name = 'seq' RETURNING value"
        rows = await self.rows(sql)
        if not rows:  # a new ledger: create the row (a racing creator is fine)
            await self.rows(
                "INSERT INTO counter (name, value) VALUES ('seq', 0) ON CONFLICT (name) DO NOTHING"
            )
            rows = await self.rows(sql)
        return int(rows[0]["value"])

    async def begin_write(self, after: int) -> tuple[int, list[Entry]]:
        """PostgreSQL: take the ledger's lock and return the last seq with every entry
        after ``after`` (one round trip; see the module's docstring)."""
        # top, the entry's columns (ENTRY_COLUMNS, in order), its awards (migration 0015)
        _, rows = await self.conn.execute_query("SELECT * FROM huddle_begin_write($1)", [after])
        last = int(rows[0][0])
        entries = []
        for row in rows:
            if row[1] is not None:
                entry = entry_from_row(*row[1:15])  # by position: see entry_from_row
                if awards := row[15]:
                    entry.awards = tuple(Award(*a) for a in _AWARDS.decode(awards))
                entries.append(entry)
        return last, entries

    async def end_write(self) -> None:
        """PostgreSQL: release the ledger's lock (when no append released it)."""
        if not self.unlocked:
            await self.rows(f"SELECT pg_advisory_unlock({LEDGER_LOCK})")
            self.unlocked = True

    async def others_wait(self) -> bool:
        """PostgreSQL: whether another session waits for the ledger's lock (another
        instance's writer, with requests): an import's batch then ends early."""
        rows = await self.rows(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            f" AND classid = 0 AND objid = {LEDGER_LOCK} AND objsubid = 1) AS waits"
        )
        return bool(rows[0]["waits"])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """PostgreSQL, the writer's own connection: statements that commit together (in
        the transaction ``begin`` opened, if it did). SQLite: the batch is one
        transaction already."""
        if not isinstance(self.conn, Direct) or self.conn.conn.is_in_transaction():
            yield
            return
        async with self.conn.conn.transaction():
            yield

    async def begin(self) -> None:
        """PostgreSQL, the writer's own connection: open a transaction that ``commit``
        ends (or closing the connection rolls back)."""
        assert isinstance(self.conn, Direct)
        self._open = self.conn.conn.transaction()
        await self._open.start()

    async def commit(self) -> None:
        assert self._open is not None
        await self._open.commit()
        self._open = None

    async def copy(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL, the writer's own connection: rows into a table by COPY."""
        assert isinstance(self.conn, Direct)
        await self.conn.copy(table, columns, rows)

    async def set_seq(self, seq: int) -> None:
        await self.rows("UPDATE counter SET value = ? WHERE name = 'seq'", [seq])

    async def last_seq(self) -> int:
        rows = await self.rows("SELECT MAX(seq) AS seq FROM entry")
        return int(rows[0]["seq"] or 0)

    async def entries_after(self, seq: int, limit: int | None = None) -> list[Entry]:
        """Entries after ``seq`` in order, with their awards (for catch-up)."""
        sql = f"SELECT {ENTRY_COLUMNS} FROM entry WHERE seq > ? ORDER BY seq"
        values: list[Any] = [seq]
        if limit:
            sql += " LIMIT ?"
            values.append(limit)
        if self.pg:  # the driver's records, never made dicts (an instance following
            # another's import reads a million), passed by position
            _, rows = await self.conn.execute_query(self.q(sql), values)
            entries = [entry_from_row(*row) for row in rows]
        else:
            entries = [self.entry(row) for row in await self.rows(sql, values)]
        await self.with_awards(entries)
        return entries

    async def with_awards(self, entries: list[Entry]) -> None:
        """Give entries read back (in seq order) their awards: the coins of a wallet and
        a contest's points are folded from them. One query."""
        if not entries:
            return
        columns = "a.entry_id, a.member_id, a.team_id, a.category, a.cents"
        if self.pg:  # by the entries' ids: index look-ups whatever the planner's estimates
            # (a join on the seq range took 100 ms a catch-up of 5,000 entries while a large
            # import was in; this, 20 ms); the driver's records, never made dicts
            sql = f"SELECT {columns} FROM point_award a WHERE a.entry_id = ANY($1) ORDER BY a.id"
            _, rows = await self.conn.execute_query(sql, [[e.id for e in entries]])
        else:  # one range, however many entries (an IN list is limited in SQLite)
            sql = (
                f"SELECT {columns} FROM point_award a JOIN entry e ON e.id = a.entry_id "
                "WHERE e.seq >= ? AND e.seq <= ? ORDER BY a.id"
            )
            rows = await self.rows(sql, [entries[0].seq, entries[-1].seq])
        found: dict[int, list[Award]] = {}
        for a in rows:
            found.setdefault(a["entry_id"], []).append(
                Award(a["member_id"], a["team_id"], a["category"], a["cents"])
            )
        for entry in entries:
            if entry.id in found:
                entry.awards = tuple(found[entry.id])

    def entry(self, row: dict[str, Any]) -> Entry:
        if self.pg:  # asyncpg gives datetimes already
            return entry_from_row(**row)
        return entry_from_row(
            **{
                **row,
                "occurred_at": self.parse_time(row["occurred_at"]),
                "recorded_at": self.parse_time(row["recorded_at"]),
            }
        )

    # -- snapshots of the state (snapshots.py) -------------------------------------------
    async def snapshot(self, code: str, at_most: int, after: int = 0) -> bytes | None:
        """The newest snapshot made by ``code`` at or before ``at_most`` (a ledger put back
        from a backup ends before its newest snapshot, if the snapshots were not), if it is
        past ``after`` (an idle writer asks every few seconds: nothing is read unless a
        newer one is there)."""
        sql = (
            "SELECT data FROM state_snapshot WHERE code = ? AND seq <= ? AND seq > ? "
            "ORDER BY seq DESC LIMIT 1"
        )
        rows = await self.rows(sql, [code, at_most, after])
        return bytes(rows[0]["data"]) if rows else None

    async def save_snapshot(self, seq: int, code: str, data: bytes, keep_after: int) -> None:
        """Store a snapshot (one at that seq already stays) and drop those before
        ``keep_after``."""
        await self.rows(
            "INSERT INTO state_snapshot (seq, code, made_at, data) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (seq) DO NOTHING",
            [seq, code, self.time(datetime.now(UTC)), data],
        )
        await self.rows("DELETE FROM state_snapshot WHERE seq < ?", [keep_after])

    async def last_ids(self) -> dict[str, int]:
        parts = ", ".join(f"(SELECT MAX(id) FROM {t}) AS {t}" for t in ID_TABLES)
        row = (await self.rows(f"SELECT {parts}"))[0]
        return {t: int(row[t] or 0) for t in ID_TABLES}

    async def ensure_policy(self) -> None:
        """A ledger's entries name the policy version they were scored with: version 1
        (the defaults) must exist before the first entry."""
        if not await self.rows("SELECT id FROM policy_version LIMIT 1"):
            from ..core.policy import Policy

            await self.rows(
                "INSERT INTO policy_version (id, data, created_at, created_by) "
                "VALUES (1, ?, ?, NULL)",
                [json.dumps(Policy().to_dict()), self.time(datetime.now().astimezone())],
            )

    # -- look-ups made once per batch ---------------------------------------------------
    def _deal(self, row: dict[str, Any]) -> DealRef:
        assists = row["assists"]
        return DealRef(
            id=row["id"],
            seq=row["seq"],
            seller_id=row["seller_id"],
            team_id=row["team_id"],
            season_id=row["season_id"],
            outcome=row["outcome"],
            amount=float(row["amount"]),
            customer=row["customer"],
            assists=json.loads(assists) if isinstance(assists, str) else list(assists),
            external_id=row["external_id"],
            closed_at=self.parse_time(row["closed_at"]),
            has_story=bool(row.get("has_story")),
            has_review=bool(row.get("has_review")),
            reversed_seq=row["reversed_seq"],
            original_amount=(
                float(row["original_amount"]) if row["original_amount"] is not None else None
            ),
            currency=row["currency"],
        )

    async def deals_by_external(self, keys: Sequence[str]) -> list[DealRef]:
        rows = await self.by_keys(_DEAL_COLUMNS_SEQ, "deal", "d", "external_id", keys)
        return [self._deal(r) for r in rows]

    async def deals_by_id(self, ids: Sequence[int], awards: Sequence[int] = ()) -> list[DealRef]:
        """Deals by id; for those in ``awards`` (deals a batch corrects), also what they
        scored: the deal's own awards (bonuses aside), and its story's and review's unless
        a reversal took those back already."""
        if not ids:
            return []
        where, values = self.among("d.id", ids)
        sql = (
            f"SELECT {_DEAL_COLUMNS}, "
            "EXISTS (SELECT 1 FROM story s WHERE s.deal_id = d.id) AS has_story, "
            "EXISTS (SELECT 1 FROM loss_review r WHERE r.deal_id = d.id) AS has_review "
            f"FROM deal d JOIN entry e ON e.id = d.entry_id WHERE {where}"
        )
        rows = await self.rows(sql, values)
        deals = [self._deal(r) for r in rows]
        if awards:
            learning = [r["id"] for r in rows if r["learning_reversed_seq"] is None]
            by_id = {d.id: d for d in deals}
            for deal_id, part, award in await self._deal_awards(awards, learning):
                deal = by_id[deal_id]
                {"deal": deal.awards, "story": deal.story_awards, "review": deal.review_awards}[
                    part
                ].append(award)
        return deals

    async def _deal_awards(
        self, ids: Sequence[int], learning: Sequence[int]
    ) -> list[tuple[int, str, Award]]:
        ids = list(ids)
        learning = [i for i in learning if i in ids]
        columns = "a.member_id, a.team_id, a.category, a.cents"
        where, values = self.among("d.id", ids)
        sql = (
            f"SELECT d.id AS deal_id, 'deal' AS part, {columns} FROM deal d "
            f"JOIN point_award a ON a.entry_id = d.entry_id WHERE {where} AND a.category <> 'bonus'"
        )
        if learning:
            for part, table in (("story", "story"), ("review", "loss_review")):
                where, more = self.among("t.deal_id", learning)
                sql += (
                    f" UNION ALL SELECT t.deal_id, '{part}', {columns} FROM {table} t "
                    f"JOIN point_award a ON a.entry_id = t.entry_id WHERE {where}"
                )
                values.extend(more)
        return [
            (
                r["deal_id"],
                r["part"],
                Award(r["member_id"], r["team_id"], r["category"], r["cents"]),
            )
            for r in await self.rows(sql, values)
        ]

    async def awards_of(self, entry_ids: Sequence[int]) -> dict[int, list[Award]]:
        """The awards of some entries, by entry id, in the order they were made."""
        awards: dict[int, list[Award]] = {}
        if entry_ids:
            where, values = self.among("entry_id", entry_ids)
            sql = (
                "SELECT entry_id, member_id, team_id, category, cents FROM point_award "
                f"WHERE {where} ORDER BY id"
            )
            for a in await self.rows(sql, values):
                awards.setdefault(a["entry_id"], []).append(
                    Award(a["member_id"], a["team_id"], a["category"], a["cents"])
                )
        return awards

    async def gifts(self, table: str, ids: Sequence[int]) -> list[GiftRef]:
        """Kudos or mentoring awards (``table``) by id, with their awards, for revoking."""
        if not ids:
            return []
        giver = "k.giver_id" if table == "kudos" else "k.awarded_by_member_id"
        receiver = "k.recipient_id" if table == "kudos" else "k.member_id"
        strength = "k.strength" if table == "kudos" else "NULL"
        where, values = self.among("k.id", ids)
        sql = (
            f"SELECT k.id, e.seq, e.id AS entry_id, {giver} AS giver_id, {receiver} AS member_id, "
            f"k.cents, k.week, e.season_id, {strength} AS strength, k.revoked_seq, "
            "e.occurred_at "
            f"FROM {table} k JOIN entry e ON e.id = k.entry_id WHERE {where}"
        )
        rows = await self.rows(sql, values)
        awards = await self.awards_of([r["entry_id"] for r in rows])
        return [
            GiftRef(
                r["id"],
                r["seq"],
                r["giver_id"],
                r["member_id"],
                r["cents"],
                r["week"],
                r["season_id"],
                r["strength"],
                r["revoked_seq"],
                awards.get(r["entry_id"], []),
                self.parse_time(r["occurred_at"]),
            )
            for r in rows
        ]

    async def feedback_requests(self, ids: Sequence[int]) -> list[FeedbackRef]:
        if not ids:
            return []
        where, values = self.among("id", ids)
        sql = (
            "SELECT id, seller_id, customer, expires_at, used_at FROM feedback_request "
            f"WHERE {where}"
        )
        return [
            FeedbackRef(
                r["id"],
                r["seller_id"],
                r["customer"],
                self.parse_time(r["expires_at"]),
                r["used_at"] is not None,
            )
            for r in await self.rows(sql, values)
        ]

    async def requests(self, keys: Sequence[str]) -> dict[str, tuple[str, Entry]]:
        """Idempotency keys already answered: key → (the request's hash, the entry that
        answered it, with its awards)."""
        if not keys:
            return {}
        columns = ", ".join(f"e.{c.strip()}" for c in ENTRY_COLUMNS.split(","))
        where, values = self.among("r.key", keys)
        sql = (
            f"SELECT r.key AS request_key, r.hash AS request_hash, {columns} "
            f"FROM request_key r JOIN entry e ON e.id = r.entry_id WHERE {where}"
        )
        rows = await self.rows(sql, values)
        awards = await self.awards_of([r["id"] for r in rows])
        found = {}
        for row in rows:
            key, hash_ = row.pop("request_key"), row.pop("request_hash")
            entry = self.entry(row)
            entry.awards = tuple(awards.get(entry.id, ()))
            found[key] = (hash_, entry)
        return found

    async def activities_by_external(self, keys: Sequence[str]) -> list[ActivityRef]:
        columns = (  # the seq without a join, as for deals (see _DEAL_COLUMNS_SEQ)
            "a.id, (SELECT e.seq FROM entry e WHERE e.id = a.entry_id) AS seq, "
            "a.member_id, a.metric, a.value, a.cents, a.external_id"
        )
        return [
            ActivityRef(
                r["id"],
                r["seq"],
                r["member_id"],
                r["metric"],
                float(r["value"]),
                r["cents"] / 100,
                r["external_id"],
            )
            for r in await self.by_keys(columns, "activity", "a", "external_id", keys)
        ]

    async def activity_used(
        self, days: Sequence[tuple[str, date]]
    ) -> dict[tuple[int, str, date], int]:
        """Hundredths of points each member earned per (metric, org-local day) asked."""
        if not days:
            return {}
        if self.pg:  # one statement whatever the count (see ``among``)
            where = "(metric, day) IN (SELECT * FROM unnest(?::text[], ?::date[]))"
            values: list[Any] = [[m for m, _ in days], [d for _, d in days]]
        else:
            where = " OR ".join("(metric = ? AND day = ?)" for _ in days)
            values = [v for metric, day in days for v in (metric, self.day(day))]
        sql = (
            "SELECT member_id, metric, day, CAST(SUM(cents) AS BIGINT) AS cents FROM activity "
            f"WHERE {where} GROUP BY member_id, metric, day"
        )
        return {
            (
                r["member_id"],
                r["metric"],
                r["day"] if isinstance(r["day"], date) else date.fromisoformat(r["day"]),
            ): int(r["cents"])
            for r in await self.rows(sql, values)
        }

    async def won_deals(self, team_id: int, season_id: int) -> list[tuple[int, float]]:
        sql = (
            "SELECT seller_id, amount FROM deal "
            "WHERE team_id = ? AND season_id = ? AND outcome = 'won' AND reversed_seq IS NULL"
        )
        rows = await self.rows(sql, [team_id, season_id])
        return [(r["seller_id"], float(r["amount"])) for r in rows]

    # -- appends ------------------------------------------------------------------------
    async def insert_all(
        self,
        tables: Sequence[tuple[str, Sequence[tuple[str, str]], list[Sequence[Any]]]],
        seq: int,
        unlock: bool = False,
        progress: Sequence[tuple[str, list[Sequence[Any]]]] = (),
    ) -> None:
        """Insert every table's rows (parents listed before children) and set the seq
        counter: on PostgreSQL one statement (a data-modifying CTE per table over
        ``jsonb_array_elements`` of the table's rows sent as one JSON text: one round trip,
        the rows encoded by msgspec rather than element by element by the driver) which,
        with ``unlock``, also releases the ledger's lock once the counter row is locked;
        on SQLite, in the same process, one ``executemany`` per table.

        ``progress`` (PostgreSQL only): goal progress in the same statement, per table
        ``goal`` or ``member_goal`` one row per goal (or member's part of it) with its key,
        its new value or null, and the time it was reached or null (set only once). A
        statement cannot see the rows it inserts: the goals must be older than the batch."""
        if not self.pg:
            for table, columns, rows in tables:
                names = ", ".join(c for c, _ in columns)
                marks = ", ".join("?" for _ in columns)
                await self.many(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            await self.set_seq(seq)
            return
        if isinstance(self.conn, Direct) and sum(len(r) for _, _, r in tables) >= COPY_ROWS:
            # a large batch (an import's): the rows by COPY, a few times faster for the
            # database than taking JSON apart, then the rest, committed together
            async with self.transaction():
                for table, columns, rows in tables:
                    await self.copy(table, [c for c, _ in columns], rows)
                await self.insert_all((), seq, unlock=unlock, progress=progress)
            return
        ctes: list[str] = []
        values: list[Any] = []
        for n, (table, columns, rows) in enumerate(tables):
            # one JSON array of rows per table, encoded in C and taken apart by PostgreSQL:
            # binary arrays cost asyncpg a type check per element, under the lock
            jsonb = [i for i, (_, kind) in enumerate(columns) if kind == "jsonb"]
            if jsonb:
                rows = [_raw(row, jsonb) for row in rows]
            values.append(_json.encode(rows).decode())
            fields = ", ".join(
                f"NULLIF(r->{i}, 'null')" if kind == "jsonb" else f"(r->>{i})::{kind}"
                for i, (_, kind) in enumerate(columns)
            )
            names = ", ".join(c for c, _ in columns)
            ctes.append(
                f"t{n} AS (INSERT INTO {table} ({names}) SELECT {fields} "
                f"FROM jsonb_array_elements(${len(values)}::text::jsonb) AS r)"
            )
        for table, rows in progress:
            values.append(_json.encode(rows).decode())
            keys = _PROGRESS_KEYS[table]
            match = " AND ".join(f"u.{k} = (r->>{i})::int" for i, k in enumerate(keys))
            n = len(keys)
            ctes.append(
                f"p{len(ctes)} AS (UPDATE {table} u SET "
                f"value = COALESCE((r->>{n})::numeric, u.value), "
                f"reached_at = COALESCE(u.reached_at, (r->>{n + 1})::timestamptz) "
                f"FROM jsonb_array_elements(${len(values)}::text::jsonb) AS r WHERE {match})"
            )
        values.append(seq)
        counter = f"UPDATE counter SET value = ${len(values)} WHERE name = 'seq'"
        if unlock:  # after the counter row is locked: the next holder waits for the commit
            ctes.append(f"c AS ({counter} RETURNING 1)")
            sql = f"WITH {', '.join(ctes)} SELECT pg_advisory_unlock({LEDGER_LOCK}) FROM c"
        else:
            sql = f"WITH {', '.join(ctes)} {counter}" if ctes else counter
        await self.conn.execute_query(sql, values)
        self.unlocked = unlock

    async def update(
        self, table: str, changes: dict[str, Any], where: str, values: Sequence[Any]
    ) -> None:
        sets = ", ".join(f"{column} = ?" for column in changes)
        sql = f"UPDATE {table} SET {sets} WHERE {where}"
        await self.rows(sql, [*changes.values(), *values])


class Direct:
    """The PostgreSQL writer's own asyncpg connection, with the three methods ``Sql`` uses
    of Tortoise's client."""

    class capabilities:  # named as the attribute Tortoise's clients have
        dialect = "postgres"

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def execute_query_dict(self, sql: str, values: list[Any] | None = None) -> list[dict]:
        return [dict(row) for row in await self.conn.fetch(sql, *(values or ()))]

    async def execute_query(self, sql: str, values: list[Any] | None = None) -> tuple[int, list]:
        rows = await self.conn.fetch(sql, *(values or ()))
        return len(rows), rows  # records, as Tortoise's client gives them

    async def execute_many(self, sql: str, values: list[list[Any]]) -> None:
        await self.conn.executemany(sql, values)

    async def copy(self, table: str, columns: list[str], rows: Sequence[Sequence[Any]]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=columns)


class WriteConnection:
    """The PostgreSQL writer's connection: its own, because the ledger's advisory lock
    belongs to a session and must never go back to a pool. Opened with the settings of
    Tortoise's client; after any failure it is closed (which releases the lock) and the
    next batch opens another. Waiting longer than ``lock_timeout`` seconds for the lock (a
    holder that hangs with its session open) fails the batch rather than every caller
    waiting with it."""

    def __init__(self, client: Any, lock_timeout: float = 10.0) -> None:
        self.client = client
        self.lock_timeout = lock_timeout
        self.conn: asyncpg.Connection | None = None

    async def sql(self) -> Sql:
        if self.conn is None or self.conn.is_closed():
            c = self.client
            accepted = inspect.signature(asyncpg.connect).parameters
            extra = {k: v for k, v in c.extra.items() if k in accepted}
            self.conn = await asyncpg.connect(
                host=c.host,
                port=c.port,
                user=c.user,
                password=c.password,
                database=c.database,
                server_settings={
                    **(c.server_settings or {}),
                    "lock_timeout": f"{round(self.lock_timeout * 1000)}ms",
                    # the look-ups are planned for the tables as they are now: a generic
                    # plan cached while the ledger was small (a sequential scan) stays on
                    # this long-lived connection and made each batch of a large import
                    # slower than the last
                    "plan_cache_mode": "force_custom_plan",
                    # every statement here is short; a plan whose estimate passed
                    # jit_above_cost (the catch-up's, with each entry's awards) spent
                    # ~120 ms compiling a query that runs in under one, under the lock
                    # (measured: 1,900 → 290 won deals/s)
                    "jit": "off",
                },
                **extra,
            )
        return Sql(Direct(self.conn))

    def discard(self) -> None:
        """Drop the connection at once (its session's lock goes with it)."""
        if self.conn is not None:
            self.conn.terminate()
            self.conn = None

    async def close(self) -> None:
        if self.conn is not None:
            try:
                await self.conn.close(timeout=5)
            except Exception:
                self.conn.terminate()
            self.conn = None


_json = msgspec.json.Encoder()
COPY_ROWS = 1_000  # rows in a batch from which they go in by COPY (PostgreSQL)
# the key of a row of goal progress, per table
_PROGRESS_KEYS = {"goal": ("id",), "member_goal": ("goal_id", "member_id")}


def _raw(row: Sequence[Any], columns: list[int]) -> list[Any]:
    """A row with its JSON columns (already JSON text) embedded as they are."""
    out = list(row)
    for i in columns:
        if isinstance(out[i], str):
            out[i] = msgspec.Raw(out[i])
    return out
