"""The one engine that persists any decision: group commit behind the org-wide lock.

Callers ``submit`` a command and await its outcome. One writer task per process takes
every command waiting at that moment (up to ``max_batch``), and, committing ONCE:

1. takes the org-wide write lock, held until the batch is committed (see
   ``tables.py``: on PostgreSQL an advisory lock taken with the catch-up in one round
   trip, on SQLite the database's write lock);
2. catches its in-memory ``State`` up with the entries other writers appended since;
3. looks up, once for the batch, what is too big to keep in memory (idempotency keys,
   the deals a story or review names, feedback links: ``lookups.py``);
4. decides each command in order with the pure core; a refusal refuses only that
   command, and every accepted entry is ``evolve``\\d into the state at once, so the
   next command sees it (allowances, once-only bonuses);
5. appends all entries, awards and table rows in bulk, and commits once (on PostgreSQL
   one statement that commits and releases the lock: ``append.py``).

Then it applies the batch to Redis in one round trip (what Redis needs of it:
``pending.py``), which publishes it to the live boards, and answers every caller. If
the append fails, nothing of the batch was written: every caller gets a 503, and the
state (ahead of the database now) is rebuilt from the ledger before the next batch.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from redis.exceptions import RedisError
from tortoise import connections
from tortoise.transactions import in_transaction

from ..collector import bulk
from ..core.commands import (
    AllowanceLeft,
    AwardMentoring,
    Command,
    Context,
    Decision,
    GiveKudos,
    Ids,
)
from ..core.decide import decide
from ..core.entries import (
    Actor,
    Entry,
    PolicyChanged,
)
from ..core.evolve import evolve
from ..core.policy import Policy
from ..core.standings import LiveStandings
from ..core.state import ALL, State
from ..errors import HuddleError, Invalid, Unavailable
from ..metrics import Metrics
from ..store.leaderboard import (
    LeaderboardStore,
    PendingEntry,
    PendingSpan,
)
from . import snapshots
from .append import Appender
from .lookups import LookAhead, look_up
from .pending import pending_batch
from .snapshots import FOLD_REST, SNAPSHOT_EVERY
from .tables import Sql, WriteConnection

__all__ = ["Writer"]

log = logging.getLogger(__name__)

# commands decided between two yields to the COPY of a large batch's rows on its way
# (``Appender``): each yield lets it take one step (send a slice, read the answer)
YIELD_EVERY = 16


Outcome = Decision | BaseException  # what became of one command: refusals are HuddleErrors


@dataclass
class _Group:
    """Commands submitted together (a chunk of an import): one future for all outcomes."""

    future: asyncio.Future[list[Outcome]]
    outcomes: list[Outcome | None]
    left: int

    def settle(self, index: int, outcome: Outcome) -> None:
        if self.outcomes[index] is None:
            self.outcomes[index] = outcome
            self.left -= 1
            if not self.left and not self.future.done():
                self.future.set_result(self.outcomes)  # type: ignore[arg-type]


@dataclass
class _Waiting:
    command: Command
    actor: Actor
    future: asyncio.Future[Decision] | None  # None: one of a group's
    key: str | None = None  # the Idempotency-Key, scoped by the token that sent it
    quiet: bool = False  # its entries go to the boards, not to live boards one by one
    group: _Group | None = None
    index: int = 0  # its place in the group

    def settle(self, outcome: Outcome) -> None:
        """Answer the caller (once: a later outcome is ignored)."""
        if self.group is not None:
            self.group.settle(self.index, outcome)
        elif self.future is not None and not self.future.done():
            if isinstance(outcome, BaseException):
                self.future.set_exception(outcome)
            else:
                self.future.set_result(outcome)


class _Clock:
    """Where a batch's time went: waiting for the lock, then each step holding it."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.laps[step] = now - self.last
        self.last = now


class Writer:
    def __init__(
        self,
        store: LeaderboardStore,
        tz: ZoneInfo,
        max_batch: int = 256,
        lock_timeout: float = 10.0,
        quiet_batch: int = 16_000,
    ) -> None:
        self.store = store
        self.tz = tz
        self.max_batch = max_batch
        # a batch that starts with an import's rows: 8,000 imported a year of history
        # 14% faster than 2,000 (a commit, the look-ups and a Redis call per batch), and
        # 16,000 a few percent faster again; a request, in this process or waiting for
        # the lock in another, ends it early (``_commit``)
        self.quiet_batch = quiet_batch
        self.lock_timeout = lock_timeout  # PostgreSQL: seconds to wait for the lock
        self.state: State | None = None
        self.on_redis_trouble: Any = None  # called (no args) when Redis missed a batch
        # called with the live messages of each committed batch, before its callers are
        # answered (the process's directory follows its own writes at once)
        self.on_committed: Callable[[list[str]], None] | None = None
        self.metrics: Metrics | None = None
        # commands waiting: requests (``submit``), taken first, and the rows of imports and
        # CRM messages (``submit_many``: each in its order), so a request never queues
        # behind thousands of rows
        self._requests: deque[_Waiting] = deque()
        self._rows: deque[_Waiting] = deque()
        self._arrived = asyncio.Event()
        self._served_requests = False  # whether the last batch was of requests
        self._turn = asyncio.Lock()  # the state changes in one batch or catch-up at a time
        self._task: asyncio.Task[None] | None = None
        # what follows a batch without holding up the next (``_background``): its Redis
        # apply and answers, a snapshot of the state
        self._publishing: set[asyncio.Task[None]] = set()
        self._connection: WriteConnection | None = None  # PostgreSQL: the writer's own
        # PostgreSQL: a second one, for an import's look-ups made while its batch is decided
        self._looking: WriteConnection | None = None
        self.batches = 0
        # snapshots of the state (snapshots.py): which this code reads and makes, the seq
        # of the newest one this writer made or started from, the ledger's last seq the
        # last time ``catch_up`` looked
        self._code = snapshots.code(tz)
        self._snapshot_seq = 0
        self._head_seen = 0
        # the contest standings this process last sent to live boards
        self._standings = LiveStandings()

    @property
    def policy(self) -> Policy:
        """The policy in force as this writer last saw it."""
        return self.state.policy if self.state else Policy()

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        client = connections.get("default")
        if client.capabilities.dialect == "postgres":
            self._connection = WriteConnection(client, self.lock_timeout)
            self._looking = WriteConnection(client, self.lock_timeout)
        self.state = await self.load()
        self._task = asyncio.create_task(self._run(), name="huddle-writer")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await asyncio.gather(*self._publishing, return_exceptions=True)
        # the next process to start (a server after an import) starts from here
        state = self.state
        if state is not None and state.seq - self._snapshot_seq >= FOLD_REST:
            await self._save_snapshot(state.seq, snapshots.encode(state))
        for connection in (self._connection, self._looking):
            if connection:
                await connection.close()

    async def load(self) -> State:
        """The state as the fold of every entry in the ledger: from the newest snapshot
        this code made (snapshots.py), then every entry after it (read without the lock:
        a prefix of the ledger; the rest is caught up under the lock)."""
        sql = Sql(connections.get("default"))
        state = await self._snapshot(sql, await sql.last_seq())
        if state is None:
            state, self._snapshot_seq = State(self.tz), 0
        await _fold_ledger(state, sql)
        # rows written before entries carried their ids (older ledgers)
        for table, last in (await sql.last_ids()).items():
            state.last_ids[table] = max(state.last_ids.get(table, 0), last)
        return self._afresh(state)

    def _afresh(self, state: State) -> State:
        """A state loaded rather than followed: every board gets the running contests'
        standings afresh (what moved since this process last sent them is not known)."""
        state.contests_moved = {c: {ALL} for c in state.open_contests}
        self._standings = LiveStandings()
        return state

    # -- submitting ---------------------------------------------------------------------
    async def submit(
        self, command: Command, actor: Actor, key: str | None = None, quiet: bool = False
    ) -> Decision:
        """Decide and persist one command; raises the refusal's HuddleError.

        ``key`` (an Idempotency-Key) makes a retry safe: the same key from the same token
        again answers with the entry the first request appended (``replayed``), and
        appends nothing; the same key with a different request is refused.

        ``quiet`` (a large import): the entries reach the boards but are not published
        one by one; the caller announces one refresh of every live board at the end."""
        self._check_running()
        if key is not None:
            key = f"{actor.token_id if actor.token_id is not None else actor.role}:{key}"
        future: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()
        self._put(_Waiting(command, actor, future, key, quiet))
        return await future

    async def submit_many(
        self, commands: Sequence[Command], actor: Actor, quiet: bool = False
    ) -> list[Outcome]:
        """Decide and persist many commands (a chunk of an import), each on its own, as
        if each were submitted alone: the outcome of each, in order (its Decision, or the
        HuddleError that refused it, or the failure it met). One future for them all."""
        self._check_running()
        if not commands:
            return []
        group = _Group(asyncio.get_running_loop().create_future(), [None] * len(commands), 0)
        group.left = len(commands)
        for index, command in enumerate(commands):
            self._put(_Waiting(command, actor, None, None, quiet, group, index))
        return await group.future

    def _put(self, waiting: _Waiting) -> None:
        (self._requests if waiting.group is None else self._rows).append(waiting)
        self._arrived.set()

    async def _next(self) -> _Waiting:
        """The next command to decide: a request if one waits, else a row (of an import,
        of a CRM message); but never two batches of requests in a row while rows wait, so
        a stream of requests cannot hold an import up for ever (nor an import the
        requests)."""
        while not (self._requests or self._rows):
            self._arrived.clear()
            await self._arrived.wait()
        if self._requests and not (self._rows and self._served_requests):
            self._served_requests = True
            return self._requests.popleft()
        self._served_requests = False
        return self._rows.popleft()

    def _check_running(self) -> None:
        if self._task is None or self._task.done():
            raise Unavailable("The service is starting or stopping; try again in a moment.")

    async def catch_up(self, head: int) -> None:
        """Follow the entries other writers appended up to ``head`` (the ledger's last
        seq), without the write lock: the committed ledger is always a gapless prefix (a
        batch commits before the next holder of the lock can append). Between batches; a
        batch would catch up under the lock anyway, this makes its catch-up short.

        A newer snapshot is taken rather than folded. What is left after it is folded when
        it is little (``FOLD_REST``), when the ledger has not moved since the last look,
        or when no snapshot is coming (more than two intervals); otherwise the next
        snapshot will cover it: an instance idle while another imports takes a snapshot
        every ``SNAPSHOT_EVERY`` rows instead of folding them all."""
        async with self._turn:
            state = self.state
            if state is None:
                return
            sql = Sql(connections.get("default"))
            newer = await self._snapshot(sql, head, after=state.seq)
            if newer is not None:
                state = self.state = self._afresh(newer)
            rest = head - state.seq
            quiet, self._head_seen = head == self._head_seen, head
            if rest > 0 and (rest <= FOLD_REST or rest > 2 * SNAPSHOT_EVERY or quiet):
                await _fold_ledger(state, sql)

    async def _snapshot(self, sql: Sql, at_most: int, after: int = 0) -> State | None:
        """The newest snapshot this code made, at or before seq ``at_most`` and past
        ``after``."""
        data = await sql.snapshot(self._code, at_most, after)
        if data is None:
            return None
        try:
            state = snapshots.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            log.warning("a snapshot of the state could not be read (%s); folding the ledger", exc)
            return None
        self._snapshot_seq = state.seq
        return state

    async def _save_snapshot(self, seq: int, data: bytes) -> None:
        """Store a snapshot taken at ``seq`` (a cache: if it fails, the ledger is folded)."""
        try:
            await Sql(connections.get("default")).save_snapshot(
                seq, self._code, data, keep_after=seq - SNAPSHOT_EVERY
            )
            self._snapshot_seq = max(self._snapshot_seq, seq)
        except Exception as exc:
            log.warning("could not store a snapshot of the state at seq %s (%s)", seq, exc)

    async def _run(self) -> None:
        while True:
            batch = [await self._next()]
            try:
                async with self._turn:
                    await self._commit(batch)
            except asyncio.CancelledError:
                self.state = None  # it may hold entries of the batch, which is not saved
                for waiting in batch:
                    waiting.settle(Unavailable("The service is stopping; try again in a moment."))
                raise
            except Exception:
                log.exception("a write batch failed; nothing of it was saved")
                self.state = None  # ahead of the database now: rebuilt before the next batch
                if self.metrics:
                    self.metrics.count("huddle_write_failures_total", len(batch))
                for waiting in batch:
                    waiting.settle(_unavailable())

    def _drain(self, batch: list[_Waiting]) -> None:
        """Fill the batch with more of its kind: requests, or rows in their order (an
        import's come in thousands: up to ``quiet_batch`` once they are quiet, past the
        first hundred; each batch costs the database a commit and a few look-ups, and
        Redis one call, so fewer and larger batches import faster). A request that
        arrives while an import runs never waits for the rows queued behind the batch in
        progress, nor for all of that batch: it ends the batch once it holds
        ``max_batch`` rows (``_commit``), and the rest go first in line for the next."""
        queue = self._requests if batch[0].group is None else self._rows
        limit = self.quiet_batch if batch[0].quiet else self.max_batch
        while len(batch) < limit and queue:
            batch.append(queue.popleft())

    async def _commit(self, batch: list[_Waiting]) -> None:
        decided: list[tuple[_Waiting, Decision | BaseException]] = []
        entries: list[Entry] = []
        if self.state is None:
            self.state = await self.load()
        state = self.state
        clock = _Clock()
        async with self._locked(state.seq) as (sql, last, newer):
            clock.lap("wait")
            if last < state.seq:  # the ledger was restored from a backup: start again
                state = self.state = await self.load()
                newer = []
            for entry in newer:
                evolve(state, entry)
            caught_up = state.seq
            clock.lap("catch_up")
            # take what else is waiting only now: commands that arrived while another
            # writer held the lock join this batch instead of waiting for the next one
            self._drain(batch)
            if state.seq == 0:
                await sql.ensure_policy()
                state.last_ids["policy_version"] = max(state.last_ids.get("policy_version", 0), 1)
            ctx = Context(datetime.now(UTC), Ids(state.last_ids))
            commands = [w.command for w in batch]
            ahead = LookAhead.of(self._looking, commands)
            await look_up(sql, ctx, commands[: ahead.looked], state)
            answered = await sql.requests(sorted({w.key for w in batch if w.key}))
            policies: dict[int, Policy] = {}
            appender = Appender(sql, policies.__getitem__)
            try:
                ahead.start(ctx, state)
                for index, waiting in enumerate(batch):
                    if (
                        waiting.quiet
                        and (self._requests or ahead.others_wait)
                        and index >= self.max_batch
                    ):
                        # a request waits, here or on another instance: this batch of
                        # rows ends here, the rest go back first in line for the next
                        self._rows.extendleft(reversed(batch[index:]))
                        del batch[index:]
                        break
                    if index == ahead.looked:
                        await ahead.next(ctx, state)
                    outcome, made = _decide_one(waiting, state, ctx, answered, policies)
                    decided.append((waiting, outcome))
                    if made:
                        entries.extend(made)
                        appender.add(made)
                    if (appender.busy or ahead.busy) and index % YIELD_EVERY == 0:
                        await asyncio.sleep(0)  # the COPY of the last slice moves on
                if state.contests_moved:  # live boards get the standings rows that moved
                    rows = self._standings.rows(state, state.contests_moved)
                    state.contests_moved = {}
                    if entries:
                        entries[-1].contests = tuple(rows)
                clock.lap("decide")
                pending = await self._finish(appender, entries, decided)
            except BaseException:
                await appender.abandon()
                raise
            finally:
                await ahead.stop()
            clock.lap("append")
        clock.lap("commit")
        self.batches += 1
        if state.seq // SNAPSHOT_EVERY > caught_up // SNAPSHOT_EVERY:
            # the ledger passed a multiple: this state, as committed, for the next to start
            self._background(self._save_snapshot(state.seq, snapshots.encode(state)))
        if self.metrics:
            self._count(entries, decided, clock)
        # the next batch may start while this one goes to Redis: the apply script orders
        # entries by seq whatever order batches arrive in
        self._background(self._publish(entries, pending, decided))

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after a batch without holding up the next; ``stop`` waits for it."""
        task = asyncio.create_task(work)
        self._publishing.add(task)
        task.add_done_callback(self._publishing.discard)

    async def _finish(
        self,
        appender: Appender,
        entries: list[Entry],
        decided: list[tuple[_Waiting, Decision | BaseException]],
    ) -> list[PendingEntry | PendingSpan]:
        """Commit the batch's entries and work out what Redis needs of them meanwhile:
        while the database takes the rest of a large batch and commits it (tens of
        milliseconds an import's batch, the process otherwise idle), Python builds the
        spans and messages (a tenth of a millisecond a hundred rows) that ``_publish``
        applies once the commit is done."""
        if not entries:
            return []
        committing = asyncio.create_task(appender.finish(entries[-1].seq))
        try:
            await asyncio.sleep(0)  # the rest of the rows and the commit are on their way
            quiet = {
                e.seq
                for waiting, result in decided
                if waiting.quiet and isinstance(result, Decision)
                for e in result.entries
            }
            # an import's rows go on the boards, neither streamed nor published
            pending = pending_batch(entries, quiet)
        except BaseException:
            committing.cancel()
            await asyncio.gather(committing, return_exceptions=True)
            raise
        await committing
        return pending

    @asynccontextmanager
    async def _locked(self, after: int) -> AsyncIterator[tuple[Sql, int, list[Entry]]]:
        """Hold the ledger's write lock: (SQL on the batch's connection, the last seq,
        the entries after ``after``). Released once the batch's append commits, or on
        leaving; if anything fails, nothing of the batch is committed."""
        if self._connection is None:  # SQLite: one transaction
            async with in_transaction() as conn:
                sql = Sql(conn)
                last = await sql.lock()
                yield sql, last, await sql.entries_after(after) if last > after else []
            return
        try:
            sql = await self._connection.sql()
            last, newer = await sql.begin_write(after)
            yield sql, last, newer
            await sql.end_write()
        except BaseException:
            self._connection.discard()  # closing the session releases its lock
            raise

    def _count(
        self,
        entries: list[Entry],
        decided: list[tuple[_Waiting, Decision | BaseException]],
        clock: _Clock,
    ) -> None:
        metrics = self.metrics
        assert metrics is not None
        metrics.batch(len(decided))
        metrics.add("huddle_write_lock_wait_seconds_total", clock.laps.pop("wait"))
        for step, seconds in clock.laps.items():
            metrics.add("huddle_write_lock_held_seconds_total", seconds, step=step)
        for entry in entries:
            metrics.count("huddle_entries_total", kind=entry.kind)
        for _, result in decided:
            if isinstance(result, HuddleError):
                metrics.count(
                    "huddle_refusals_total", status=str(result.status), reason=result.title
                )

    async def _publish(
        self,
        entries: list[Entry],
        pending: list[PendingEntry | PendingSpan],
        decided: list[tuple[_Waiting, Decision | BaseException]],
    ) -> None:
        """Tell this process (``on_committed``: its directory) and Redis about a committed
        batch (``pending``: what Redis needs of its entries), then answer its callers (so
        a caller that reads the board after its POST sees its own write). The batch is
        committed: whatever happens to the Redis step, every caller gets its answer."""
        try:
            if entries:
                if self.on_committed:
                    try:
                        self.on_committed(
                            [
                                p.message
                                for p in pending
                                if isinstance(p, PendingEntry) and p.message
                            ]
                        )
                    except Exception:
                        log.exception("on_committed failed for entries up to %s", entries[-1].seq)
                await self._apply(pending, entries[-1].seq)
        finally:
            for waiting, result in decided:
                waiting.settle(result)

    async def _apply(self, entries: Sequence[PendingEntry | PendingSpan], last: int) -> None:
        """Redis is a derived view: if it misses a batch, the entries are safe in the
        ledger and the board sync applies them in the background."""
        try:
            await self.store.apply_batch(entries)
        except (RedisError, OSError) as exc:
            log.warning("could not apply entries up to %s to Redis (%s)", last, exc)
            if self.on_redis_trouble:
                self.on_redis_trouble()


async def _fold_ledger(state: State, sql: Sql) -> None:
    """Evolve the state with every committed entry after its seq, without the lock (a
    batch commits before the next holder of the lock appends, so what is read is a
    gapless prefix of the ledger), 5,000 entries a query."""
    with bulk():  # thousands of entries a query, gone once folded in (collector.py)
        while batch := await sql.entries_after(state.seq, limit=5000):
            for entry in batch:
                evolve(state, entry)


def _decide_one(
    waiting: _Waiting,
    state: State,
    ctx: Context,
    answered: dict[str, tuple[str, Entry]],
    policies: dict[int, Policy],
) -> tuple[Decision | BaseException, list[Entry]]:
    """Decide one command of a batch and fold the entries it makes into the state (and
    the context, for the next commands): its Decision (or what refused it: a bug refuses
    its own command, not the batch) and the entries to append (none for a request
    answered before)."""
    fingerprint = _fingerprint(waiting.command) if waiting.key else ""
    if waiting.key and waiting.key in answered:
        return _again(waiting, fingerprint, answered, state, ctx), []
    try:
        decision = decide(waiting.command, waiting.actor, state, ctx)
    except HuddleError as refusal:
        return refusal, []
    except Exception as bug:
        log.exception("deciding %r failed", waiting.command)
        return bug, []
    if waiting.key and decision.entries:
        first = decision.entries[0]
        first.request_key, first.request_hash = waiting.key, fingerprint
        answered[waiting.key] = (fingerprint, first)
    made = [*decision.entries, *decision.finishes]
    for entry in made:
        evolve(state, entry)
        ctx.note(entry)
        if isinstance(entry.payload, PolicyChanged):
            policies[entry.payload.version] = state.policy
    return decision, made


def _fingerprint(command: Command) -> str:
    """What identifies a request for its Idempotency-Key: the command, field by field."""
    raw = type(command).__name__.encode() + msgspec.json.encode(command)
    return hashlib.sha256(raw).hexdigest()


def _again(
    waiting: _Waiting,
    fingerprint: str,
    answered: dict[str, tuple[str, Entry]],
    state: State,
    ctx: Context,
) -> Decision | HuddleError:
    """A request whose Idempotency-Key was answered before: the same answer, or a refusal
    when the key was used for a different request."""
    assert waiting.key is not None
    first_hash, entry = answered[waiting.key]
    if first_hash != fingerprint:
        return Invalid(
            "This Idempotency-Key was already used for a different request; send a new key "
            "with a new request (the same key is for retrying the same one).",
            field="Idempotency-Key",
        )
    remaining = None
    what = {GiveKudos: "kudos", AwardMentoring: "mentoring"}.get(type(waiting.command))
    if what:  # what is left now, as the first answer said what was left then
        try:
            remaining = decide(AllowanceLeft(what), waiting.actor, state, ctx).remaining
        except HuddleError:
            remaining = None
    return Decision(entries=[entry], remaining=remaining, replayed=True)


def _unavailable() -> Unavailable:
    return Unavailable(
        "Huddle could not save this just now (the database did not answer); nothing was "
        "recorded. Try again in a moment.",
        retry_after=1,
    )
