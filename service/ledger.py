"""The one write path: validate → check rules in one DB transaction → append the ledger
entry → update Redis atomically → publish.

Every action (deal, kudos, mentoring, goal, review, feedback...) is a ``build`` function
that runs inside the transaction and returns a ``Draft``; nothing writes points any other
way. The transaction starts by bumping the ``seq`` counter row: that numbers entries
without gaps and holds an org-wide write lock until commit (a row lock on PostgreSQL,
the database write lock on SQLite), so allowances, budgets, once-only bonuses and
idempotency checks made inside it can never race.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from redis.exceptions import RedisError
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from .auth import Caller
from .core.calendar import SeasonSpan, iso_week, local_date, season_containing
from .core.points import from_cents
from .core.policy import Policy
from .core.scoring import Award
from .db.models import Entry, Member, PointAward, PolicyVersion
from .db.queries import season_spans
from .db.sums import award_sums
from .store.leaderboard import AppliedAward, AwardSum, LeaderboardStore, PendingEntry
from .store.sync import BoardSync

__all__ = ["Draft", "Ledger", "LedgerEntries", "Recorded", "Txn", "entry_json"]

log = logging.getLogger(__name__)


@dataclass
class Txn:
    """What a build function may use inside the write transaction."""

    conn: BaseDBAsyncClient
    policy: Policy
    now: datetime
    tz: ZoneInfo
    seasons: list[SeasonSpan]
    caller: Caller

    @property
    def week(self) -> str:
        return iso_week(self.now, self.tz)

    def season_for(self, moment: datetime) -> SeasonSpan | None:
        return season_containing(local_date(moment, self.tz), self.seasons)


@dataclass
class Draft:
    """A ledger entry about to be appended, as a build function describes it."""

    kind: str
    data: dict[str, Any]
    member_id: int | None = None
    team_id: int | None = None
    occurred_at: datetime | None = None
    awards: list[Award] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    attach: Callable[[Entry], Awaitable[Any]] | None = None


@dataclass(frozen=True)
class Recorded:
    entry: Entry
    awards: list[PointAward]
    view: dict[str, Any]
    attached: Any


class _Replay(Exception):
    """Raised inside the transaction to roll it back and hand back an earlier result."""

    def __init__(self, result: Any) -> None:
        self.result = result


AfterAppend = Callable[[Txn, Entry, Draft], Awaitable[list[dict[str, Any]]]]


class Ledger:
    def __init__(
        self, store: LeaderboardStore, tz: ZoneInfo, after_append: tuple[AfterAppend, ...] = ()
    ) -> None:
        self.store = store
        self.tz = tz
        # steps that run in the same transaction once an entry is appended (badges); the
        # events they return are added to the entry
        self.after_append = after_append
        self.sync = BoardSync(store, LedgerEntries())

    async def record(self, caller: Caller, build: Callable[[Txn], Awaitable[Draft]]) -> Recorded:
        """Run ``build`` under the write lock, append its entry and apply it to Redis."""
        async with in_transaction() as conn:
            seq = await _next_seq(conn)
            version = await PolicyVersion.all().using_db(conn).order_by("-id").first()
            policy = Policy.from_dict(version.data) if version else Policy()
            seasons = await season_spans(conn)
            now = datetime.now(UTC)
            txn = Txn(conn, policy, now, self.tz, seasons, caller)
            draft = await build(txn)
            entry, awards = await _append(txn, draft, seq, version)
            attached = await draft.attach(entry) if draft.attach else None
            extra = [e for step in self.after_append for e in await step(txn, entry, draft)]
            if extra:
                entry.data = {**entry.data, "events": [*entry.data["events"], *extra]}
                await entry.save(using_db=conn, update_fields=["data"])
        view = entry_json(entry, awards)
        await self.publish(entry, awards, view)
        return Recorded(entry, awards, view, attached)

    async def publish(self, entry: Entry, awards: list[PointAward], view: dict[str, Any]) -> None:
        """Apply a committed entry to Redis. It parks there when an earlier entry is still
        on its way (another writer a moment behind): the writer never waits for it."""
        pending = _pending(entry, awards, view)
        try:
            await self.store.apply_batch([pending])
        except RedisError as exc:
            # Redis is a derived view: the entry is safe in the ledger and is applied by
            # a catch-up in the background (or the periodic reconcile)
            log.warning("could not apply entry %s to Redis (%s); it will catch up", entry.seq, exc)
            self.sync.request()

    async def announce_revoked(self, token_id: int) -> None:
        """Let every instance close the websockets opened with a revoked token."""
        try:
            await self.store.announce(json.dumps({"type": "token_revoked", "token_id": token_id}))
        except RedisError as exc:  # sockets re-check their token on their own too
            log.warning("could not announce revoked token %s (%s)", token_id, exc)

    async def catch_up(self) -> int:
        """Apply every committed entry Redis has not seen yet, in seq order."""
        return await self.sync.catch_up()

    async def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Replace every board with the ledger's sums."""
        return await self.sync.rebuild(progress)

    async def ensure_boards(self) -> str:
        """At start-up: rebuild an empty or foreign Redis, catch up a stale one."""
        return await self.sync.ensure()


class LedgerEntries:
    """The ledger as the boards' source (``service.store.sync.LedgerSource``)."""

    async def last_seq(self) -> int:
        last = await Entry.all().order_by("-seq").first()
        return last.seq if last else 0

    async def entries_after(self, seq: int, limit: int) -> list[PendingEntry]:
        rows = await Entry.filter(seq__gt=seq).order_by("seq").limit(limit)
        by_entry: dict[int, list[PointAward]] = {}
        if rows:
            for award in await PointAward.filter(entry_id__in=[r.id for r in rows]):
                by_entry.setdefault(award.entry_id, []).append(award)
        return [
            _pending(r, by_entry.get(r.id, []), entry_json(r, by_entry.get(r.id, []))) for r in rows
        ]

    async def award_sums(self) -> tuple[int, list[AwardSum]]:
        return await award_sums()


async def _next_seq(conn: BaseDBAsyncClient) -> int:
    """Bump the seq counter; the row lock it takes is held until commit."""
    sql = "UPDATE counter SET value = value + 1 WHERE name = 'seq' RETURNING value"
    rows = await conn.execute_query_dict(sql)
    if not rows:  # first entry ever: create the row (a racing creator is fine)
        await conn.execute_query(
            "INSERT INTO counter (name, value) VALUES ('seq', 0) ON CONFLICT (name) DO NOTHING"
        )
        rows = await conn.execute_query_dict(sql)
    return int(rows[0]["value"])


async def _append(
    txn: Txn, draft: Draft, seq: int, version: PolicyVersion | None
) -> tuple[Entry, list[PointAward]]:
    if version is None:
        version = await PolicyVersion.create(data=txn.policy.to_dict(), using_db=txn.conn)
    occurred = draft.occurred_at or txn.now
    season = txn.season_for(occurred)
    member_ids = {a.member_id for a in draft.awards}
    members = (
        {m.id: m for m in await Member.filter(id__in=member_ids).using_db(txn.conn)}
        if member_ids
        else {}
    )
    names = dict(draft.data.pop("names", {}))
    names.update({str(m.id): m.name for m in members.values()})
    data = {**draft.data, "names": names, "events": draft.events}
    entry = await Entry.create(
        seq=seq,
        kind=draft.kind,
        occurred_at=occurred,
        recorded_at=txn.now,
        week=txn.week,
        actor_role=txn.caller.role,
        actor_token_id=txn.caller.token_id,
        actor_member_id=txn.caller.member_id,
        member_id=draft.member_id,
        team_id=draft.team_id,
        season_id=season.id if season else None,
        policy_id=version.id,
        data=data,
        using_db=txn.conn,
    )
    awards = [
        PointAward(
            entry_id=entry.id,
            member_id=a.member_id,
            team_id=members[a.member_id].team_id,
            season_id=entry.season_id,
            category=a.category,
            cents=a.cents,
        )
        for a in draft.awards
    ]
    if awards:
        await PointAward.bulk_create(awards, using_db=txn.conn)
    return entry, awards


def _pending(entry: Entry, awards: list[PointAward], view: dict[str, Any]) -> PendingEntry:
    return PendingEntry(
        seq=entry.seq,
        message=json.dumps(view, separators=(",", ":")),
        awards=tuple(
            AppliedAward(a.member_id, a.team_id, a.season_id, a.category, a.cents) for a in awards
        ),
    )


CELEBRATED_EVENTS = {"goal_reached", "badge"}


def entry_json(entry: Entry, awards: list[PointAward]) -> dict[str, Any]:
    """A ledger entry as the feed and the live boards show it."""
    data = dict(entry.data)
    names: dict[str, str] = data.pop("names", {})
    events = data.pop("events", [])
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "occurred_at": entry.occurred_at.isoformat(),
        "recorded_at": entry.recorded_at.isoformat(),
        "member_id": entry.member_id,
        "member_name": names.get(str(entry.member_id)) if entry.member_id else None,
        "team_id": entry.team_id,
        "season_id": entry.season_id,
        "by": {
            "role": entry.actor_role,
            "member_id": entry.actor_member_id,
            "name": names.get(str(entry.actor_member_id)) if entry.actor_member_id else None,
        },
        "data": data,
        "awards": [
            {
                "member_id": a.member_id,
                "name": names.get(str(a.member_id)),
                "team_id": a.team_id,
                "category": a.category,
                "points": from_cents(a.cents),
            }
            for a in awards
        ],
        "events": events,
        "celebrate": entry.kind == "deal.won"
        or any(e.get("type") in CELEBRATED_EVENTS for e in events),
    }
