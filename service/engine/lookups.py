"""What a batch looks up in the database, once for all its commands: what is too big to
keep in the writer's state (deals by their CRM ids, activities, the deals a story or a
review names, kudos and mentoring to revoke, feedback links, a season's won deals). A
large batch of an import's rows is looked up a part at a time while the part before it is
decided (``LookAhead``). The writer holds the ledger's lock meanwhile, so what is read is
the ledger as committed before the batch."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ..core.calendar import local_date
from ..core.commands import (
    MAX_ID,
    AnswerFeedback,
    ChangeGoal,
    Command,
    Context,
    CorrectDeal,
    CreateContest,
    PostStory,
    RecordActivity,
    RecordDeal,
    ReverseDeal,
    ReviewLoss,
    RevokeKudos,
    RevokeMentoring,
    SetGoal,
    SyncActivity,
    SyncDeal,
)
from ..core.decide import check_text
from ..core.state import State
from ..errors import Invalid
from .tables import Sql, WriteConnection

__all__ = ["LOOK_AHEAD", "LookAhead", "look_up"]

# an import's batch is looked up this many rows at a time (``LookAhead``)
LOOK_AHEAD = 1_000


class LookAhead:
    """A large batch of an import's rows is looked up a part at a time: the first part
    before deciding, as any batch is; each next part on a second connection while the
    part before it is decided, so the database answers while Python decides (the
    look-ups were a sixth of an import's time, the process waiting for them).

    The write lock is held for the whole batch, so the second connection reads the
    ledger exactly as the first look-up did: as committed before the batch (the batch's
    own rows are in its transaction, not committed yet). What the batch decided
    meanwhile is in the context already (``Context.note``), so a part's findings add to
    it and never replace it (``_merge``)."""

    def __init__(self, connection: WriteConnection | None, commands: list[Command]) -> None:
        self.connection = connection
        self.commands = commands
        # the batch's commands before this index are looked up
        self.looked = LOOK_AHEAD if connection else len(commands)
        self.task: asyncio.Task[Context] | None = None
        self.others_wait = False  # another session waits for the ledger's lock

    @classmethod
    def of(cls, connection: WriteConnection | None, commands: list[Command]) -> LookAhead:
        """Parts for a large batch of an import's rows on PostgreSQL; one look-up for
        anything else."""
        if (
            connection is None
            or len(commands) < 2 * LOOK_AHEAD
            or not all(isinstance(c, RecordDeal | RecordActivity) for c in commands)
        ):
            connection = None
        return cls(connection, commands)

    @property
    def busy(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, ctx: Context, state: State) -> None:
        """Look the next part up, in the background."""
        part = self.commands[self.looked : self.looked + LOOK_AHEAD]
        if self.connection is not None and part:
            self.task = asyncio.create_task(self._find(part, Context(ctx.now, ctx.ids), state))

    async def next(self, ctx: Context, state: State) -> None:
        """The next part's findings, into the context (and the part after it started)."""
        if self.task is None:
            return
        task, self.task = self.task, None
        _merge(ctx, await task)
        self.looked += LOOK_AHEAD
        self.start(ctx, state)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

    async def _find(self, commands: list[Command], found: Context, state: State) -> Context:
        assert self.connection is not None
        try:
            sql = await self.connection.sql()
            await look_up(sql, found, commands, state)
            # another instance waiting for the lock ends the batch once it holds a batch
            # of requests' worth of rows: it waits for one part, not for the whole batch
            self.others_wait = self.others_wait or await sql.others_wait()
        except BaseException:
            self.connection.discard()
            raise
        return found


def _merge(ctx: Context, found: Context) -> None:
    """Look-ups made while the batch was being decided, into its context: what the batch
    noted since is newer than what the database holds (an external id it recorded, the
    points of a day it logged), so it is kept, and a day's points add up."""
    ctx.plain |= found.plain
    for key, deal in found.deals_by_external.items():
        ctx.deals_by_external.setdefault(key, deal)
    for key, activity in found.activities_by_external.items():
        ctx.activities_by_external.setdefault(key, activity)
    days = found.activity_days - ctx.activity_days
    used = ctx.activity_used
    for day_of, cents in found.activity_used.items():
        if day_of[1:] in days:
            used[day_of] = used.get(day_of, 0) + cents
    ctx.activity_days |= days


async def look_up(sql: Sql, ctx: Context, commands: Sequence[Command], state: State) -> None:
    """One query per kind of thing the batch's commands name. A command with control
    characters in its text is refused by ``decide``; its values never reach a query (a
    NUL would fail the statement, and with it the whole batch)."""
    commands = [c for c in commands if isinstance(c, _LOOKED_UP) and _plain(c)]
    ctx.plain.update(map(id, commands))
    # a contest created: the entries recorded after what its request counted
    counted = [c.counted_upto for c in commands if isinstance(c, CreateContest)]
    if counted and min(counted) < state.seq:
        ctx.newer_entries = await sql.entries_after(min(counted))
    keys = [
        c.external_id for c in commands if isinstance(c, RecordDeal | SyncDeal) and c.external_id
    ]
    for deal in await sql.deals_by_external(sorted(set(keys))):
        ctx.deals_by_external[deal.external_id or ""] = deal
    # what a CRM says of a deal may reverse or correct it: its awards too
    named = {c.external_id for c in commands if isinstance(c, SyncDeal)}
    synced = [
        d.id for key, d in ctx.deals_by_external.items() if key in named and d.reversed_seq is None
    ]
    if synced:
        for deal in await sql.deals_by_id(synced, awards=synced):
            ctx.deals[deal.id] = ctx.deals_by_external[deal.external_id or ""] = deal
    activities = [c for c in commands if isinstance(c, RecordActivity | SyncActivity)]
    if activities:
        keys = sorted({c.external_id for c in activities if c.external_id})
        for activity in await sql.activities_by_external(keys):
            ctx.activities_by_external[activity.external_id or ""] = activity
        # what was earned already on each (metric, day) the batch logs for: the daily cap
        days = {
            (c.metric, local_date(c.occurred_at or ctx.now, state.tz))
            for c in activities
            if c.occurred_at is None or c.occurred_at.tzinfo is not None
        }
        ctx.activity_used.update(await sql.activity_used(sorted(days)))
        ctx.activity_days.update(days)
    # an id beyond the database's range names nothing: the decider says "not found"
    corrected = {
        c.deal_id
        for c in commands
        if isinstance(c, ReverseDeal | CorrectDeal) and c.deal_id <= MAX_ID
    }
    deal_ids = corrected | {
        c.deal_id for c in commands if isinstance(c, PostStory | ReviewLoss) and c.deal_id <= MAX_ID
    }
    # a deal a CRM update found above keeps the look-up it has (with its awards, which a
    # reversal takes back): one deal, one DealRef in the batch
    deal_ids -= ctx.deals.keys()
    for deal in await sql.deals_by_id(sorted(deal_ids), awards=sorted(corrected & deal_ids)):
        ctx.deals[deal.id] = deal
    for table, kind, found in (
        ("kudos", RevokeKudos, ctx.kudos),
        ("mentoring", RevokeMentoring, ctx.mentoring),
    ):
        ids = {getattr(c, f"{table}_id") for c in commands if isinstance(c, kind)}
        for gift in await sql.gifts(table, sorted(i for i in ids if i <= MAX_ID)):
            found[gift.id] = gift
    request_ids = {
        c.request_id for c in commands if isinstance(c, AnswerFeedback) and c.request_id <= MAX_ID
    }
    for link in await sql.feedback_requests(sorted(request_ids)):
        ctx.feedback_requests[link.id] = link
    # a goal set mid-season, or new member goals, start from the won deals of the season
    seasons = {(c.team_id, c.season_id) for c in commands if isinstance(c, SetGoal)}
    for c in commands:
        if isinstance(c, ChangeGoal) and c.member_targets and c.goal_id in state.goals:
            goal = state.goals[c.goal_id]
            seasons.add((goal.team_id, goal.season_id))
    for team_id, season_id in sorted(seasons):
        if max(team_id, season_id) <= MAX_ID and (team_id, season_id) not in ctx.won_deals:
            ctx.won_deals[(team_id, season_id)] = await sql.won_deals(team_id, season_id)


# the commands that name something looked up in the database once per batch
_LOOKED_UP = (
    ChangeGoal,
    CreateContest,
    RecordActivity,
    RecordDeal,
    SyncActivity,
    SyncDeal,
    PostStory,
    ReviewLoss,
    AnswerFeedback,
    SetGoal,
    ReverseDeal,
    CorrectDeal,
    RevokeKudos,
    RevokeMentoring,
)


def _plain(command: Command) -> bool:
    try:
        check_text(command, "command")
    except Invalid:
        return False
    return True
