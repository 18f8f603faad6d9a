"""Contests and challenges (``core.contests`` decides them; ``docs/contests.md``).

Contests live in the ledger alone: every change is an entry, and what a contest stands at
is the fold of the ledger in the writer's state, read under the write lock like a wallet
(what every instance agrees on). A contest created with a start in the past counts what
the ledger already holds for its period: read here, outside the lock, up to a ``seq``;
the writer counts the few entries after it under the lock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import get, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta, Struct
from tortoise import connections

from ..auth import Caller
from ..core import commands as cmd
from ..core.contests import probe
from ..core.tally import count_past
from ..db.models import Entry as EntryRow
from ..db.models import Team
from ..engine.tables import Sql
from ..engine.writer import Writer
from ..reads import team_out
from ..schemas import IdParam, Number, OptionalId, TeamOut
from .problems import refusals

__all__ = ["count_recorded", "routes"]

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Ids = Annotated[list[Annotated[int, Meta(ge=1, le=2**31 - 1)]], Meta(max_length=1000)]
Amount = Annotated[float, Meta(ge=0, le=1e12)]
Format = Literal["ranking", "race", "tiers", "head_to_head", "improvement", "team_target"]


class PrizeIn(Struct, forbid_unknown_fields=True, kw_only=True):
    coins: Annotated[float, Meta(ge=0, le=1_000_000)] | None = None
    reward_id: Annotated[int, Meta(ge=1, le=2**31 - 1)] | None = None
    description: Annotated[str, Meta(max_length=200)] | None = None


class ParticipantsIn(Struct, forbid_unknown_fields=True, kw_only=True):
    """Who competes: teams (``by: team``, the default when only teams are listed),
    members, or the members of the listed teams one by one (``by: member``). None listed:
    every active member (a manager's contest: their team's members)."""

    team_ids: Ids = msgspec.field(default_factory=list)
    member_ids: Ids = msgspec.field(default_factory=list)
    by: Literal["member", "team"] | None = None


class SideIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    team_ids: Ids = msgspec.field(default_factory=list)
    member_ids: Ids = msgspec.field(default_factory=list)


class TierIn(Struct, forbid_unknown_fields=True, kw_only=True):
    target: Amount
    prize: PrizeIn | None = None


class ContestIn(Struct, forbid_unknown_fields=True, kw_only=True):
    name: Name
    format: Format
    metric: Annotated[str, Meta(min_length=1, max_length=60)]
    starts_at: datetime
    ends_at: datetime
    participants: ParticipantsIn | None = None
    sides: Annotated[list[SideIn], Meta(max_length=2)] | None = None
    target: Amount | None = None
    tiers: Annotated[list[TierIn], Meta(max_length=10)] | None = None
    prizes: Annotated[list[PrizeIn], Meta(max_length=20)] | None = None
    min_score: Amount | None = None
    recurrence: Literal["daily", "weekly", "monthly"] | None = None


class CancelIn(Struct, forbid_unknown_fields=True, kw_only=True):
    reason: Annotated[str, Meta(max_length=500)] | None = None


class ChallengePrizeIn(Struct, forbid_unknown_fields=True, kw_only=True):
    description: Annotated[str, Meta(min_length=1, max_length=200)]


class ChallengeIn(Struct, forbid_unknown_fields=True, kw_only=True):
    opponent_id: Annotated[int, Meta(ge=1, le=2**31 - 1)]
    metric: Annotated[str, Meta(min_length=1, max_length=60)]
    ends_at: datetime
    prize: ChallengePrizeIn | None = None
    name: Name | None = None


class CapIn(Struct, forbid_unknown_fields=True):
    max_open: Annotated[int, Meta(ge=0, le=1000)] | None  # null: no cap


class PrizeOut(Struct):
    coins: Number
    reward_id: int | None
    description: str | None


class Standing(Struct, omit_defaults=True):
    """A participant's row: ``score`` ranks (per member for teams and sides; a ratio in
    ``improvement``), ``value`` is the total behind it."""

    rank: int
    key: str  # "m<member>", "t<team>" or "s<side>"
    name: str
    score: Number
    value: Number
    member_id: int | None = None
    team_id: int | None = None
    side: str | None = None
    progress: Number | None = None  # toward target (race, team_target): 0 to 1
    tier: int | None = None  # the highest tier reached (0: none)
    baseline: Number | None = None  # improvement: the period before


class WinnerOut(Struct, omit_defaults=True):
    place: int
    key: str
    name: str
    score: Number
    prize: PrizeOut
    coins: Number  # paid to each of its members
    member_id: int | None = None
    team_id: int | None = None
    side: str | None = None


class ParticipantsOut(Struct):
    team_ids: list[int]
    member_ids: list[int]
    by: str


class SideOut(Struct):
    name: str
    team_ids: list[int]
    member_ids: list[int]


class TierOut(Struct):
    target: Number
    prize: PrizeOut


class CreatorOut(Struct):
    member_id: int | None
    name: str | None
    role: str


class ContestOut(Struct):
    """``state``: proposed (a challenge waiting for its answer), upcoming, running, ended
    (settling within seconds), settled, cancelled or declined."""

    id: int
    name: str
    format: str
    metric: str
    starts_at: str
    ends_at: str
    state: str
    participants: ParticipantsOut
    sides: list[SideOut] | None
    target: Number | None
    tiers: list[TierOut]
    prizes: list[PrizeOut]
    min_score: Number | None
    recurrence: str | None
    challenge: bool
    created_by: CreatorOut
    team_id: int | None
    standings: list[Standing]
    winners: list[WinnerOut] | None
    settled_at: str | None
    reason: str | None
    seq: int  # the ledger entry it is as of (live updates after it apply)


def _prize(p: PrizeIn | None) -> dict[str, Any]:
    return {} if p is None else {k: v for k, v in msgspec.to_builtins(p).items() if v is not None}


async def _read(writer: Writer, caller: Caller, **query: Any) -> Any:
    decision = await writer.submit(cmd.ContestsRead(**query), caller.actor)
    return decision.answer


async def _first_seq_since(moment: datetime) -> int | None:
    """The first entry recorded at ``moment`` or later (seqs are handed out in time order,
    under the lock), by halving on the seq index; None: there is none."""
    last = await Sql(connections.get("default")).last_seq()
    lo, hi = 1, last + 1
    while lo < hi:
        mid = (lo + hi) // 2
        row = await EntryRow.filter(seq=mid).only("recorded_at").first()
        if row is not None and row.recorded_at < moment:
            lo = mid + 1
        else:
            hi = mid
    return lo if lo <= last else None


async def count_recorded(
    command: cmd.CreateContest, manager_team: int | None = None
) -> cmd.CreateContest:
    """What the ledger holds for the contest's period (and the period before, for
    ``improvement``), counted outside the lock up to the last entry read."""
    facts = probe(command, manager_team)
    if facts is None or facts.counts_from >= datetime.now(UTC):
        return command  # nothing recorded yet can count
    sql = Sql(connections.get("default"))
    first = await _first_seq_since(facts.counts_from)
    upto = (await sql.last_seq()) if first is None else first - 1
    if first is not None:
        while entries := await sql.entries_after(upto, limit=5000):
            count_past(facts, entries)
            upto = entries[-1].seq
    return msgspec.structs.replace(
        command, counted_upto=upto, tally=facts.tally, baseline=facts.baseline
    )


_READ = {"tags": ["contests"], **refusals(404, 422)}


@post(
    "/api/contests",
    status_code=HTTP_201_CREATED,
    tags=["contests"],
    **refusals(403, 409, body=True),
)
async def create_contest(data: ContestIn, caller: Caller, writer: Writer) -> ContestOut:
    """Create a contest (admin; a manager for their own team): its format, metric and
    period, who competes, prizes and targets; ``recurrence`` renews it every day, week
    or month (in the org's time zone). A period that has begun counts what happened in
    it already."""
    who = data.participants or ParticipantsIn()
    command = cmd.CreateContest(
        data.name,
        data.format,
        data.metric,
        data.starts_at,
        data.ends_at,
        tuple(who.team_ids),
        tuple(who.member_ids),
        who.by,
        tuple(msgspec.to_builtins(s) for s in data.sides or ()),
        data.target,
        tuple(
            {"target": t.target, **({"prize": _prize(t.prize)} if t.prize else {})}
            for t in data.tiers or ()
        ),
        tuple(_prize(p) for p in data.prizes or ()),
        data.min_score,
        data.recurrence,
    )
    manager_team = caller.team_id if caller.role == "manager" else None
    command = await count_recorded(command, manager_team)
    decision = await writer.submit(command, caller.actor)
    contest_id = decision.entries[0].payload.contest_id  # type: ignore[union-attr]
    return msgspec.convert(await _read(writer, caller, contest_id=contest_id), ContestOut)


@get("/api/contests", **_READ)
async def list_contests(
    caller: Caller,
    writer: Writer,
    wanted: Annotated[
        Literal["upcoming", "running", "ended", "proposed"] | None,
        Parameter(query="state", required=False),
    ] = None,
    member_id: OptionalId = None,
) -> list[ContestOut]:
    """Contests with their live standings (settled ones with their winners): by state
    (``ended`` includes settled, cancelled and declined ones, latest first), and those a
    member takes part in (``member_id``)."""
    found = await _read(writer, caller, state=wanted, member_id=member_id)
    return msgspec.convert(found, list[ContestOut])


@get("/api/contests/{contest_id:int}", **_READ)
async def get_contest(contest_id: IdParam, caller: Caller, writer: Writer) -> ContestOut:
    """One contest with its standings, and its winners once settled."""
    return msgspec.convert(await _read(writer, caller, contest_id=contest_id), ContestOut)


_ACT = {"status_code": HTTP_200_OK, "tags": ["contests"], **refusals(403, 404, 409, body=True)}


@post("/api/contests/{contest_id:int}/cancel", **_ACT)
async def cancel_contest(
    contest_id: IdParam, caller: Caller, writer: Writer, data: CancelIn | None = None
) -> ContestOut:
    """Cancel a contest that has not been settled (who created it, admin): nothing is paid."""
    reason = data.reason if data else None
    await writer.submit(cmd.CancelContest(contest_id, reason), caller.actor)
    return msgspec.convert(await _read(writer, caller, contest_id=contest_id), ContestOut)


@post(
    "/api/challenges",
    status_code=HTTP_201_CREATED,
    tags=["contests"],
    **refusals(403, 404, 409, body=True),
)
async def challenge(data: ChallengeIn, caller: Caller, writer: Writer) -> ContestOut:
    """Challenge a colleague to a head-to-head on a metric until ``ends_at`` (a seller or
    manager, for themselves): it runs from the moment they accept. Over a team's cap of
    open challenges → 409."""
    prize = {"description": data.prize.description} if data.prize else None
    command = cmd.IssueChallenge(data.opponent_id, data.metric, data.ends_at, data.name, prize)
    decision = await writer.submit(command, caller.actor)
    contest_id = decision.entries[0].payload.contest_id  # type: ignore[union-attr]
    return msgspec.convert(await _read(writer, caller, contest_id=contest_id), ContestOut)


async def _answer(contest_id: int, accept: bool, caller: Caller, writer: Writer) -> ContestOut:
    await writer.submit(cmd.AnswerChallenge(contest_id, accept), caller.actor)
    return msgspec.convert(await _read(writer, caller, contest_id=contest_id), ContestOut)


@post("/api/challenges/{contest_id:int}/accept", **_ACT)
async def accept_challenge(contest_id: IdParam, caller: Caller, writer: Writer) -> ContestOut:
    """Accept a challenge (the colleague challenged): it runs from now to its end."""
    return await _answer(contest_id, True, caller, writer)


@post("/api/challenges/{contest_id:int}/decline", **_ACT)
async def decline_challenge(contest_id: IdParam, caller: Caller, writer: Writer) -> ContestOut:
    """Decline a challenge (the colleague challenged)."""
    return await _answer(contest_id, False, caller, writer)


@put("/api/teams/{team_id:int}/challenge-cap", tags=["contests"], **refusals(403, 404, body=True))
async def set_challenge_cap(
    team_id: IdParam, data: CapIn, caller: Caller, writer: Writer
) -> TeamOut:
    """How many challenges a team's members may have open (waiting or running) at once
    (the team's manager, admin); null: no cap."""
    await writer.submit(cmd.SetChallengeCap(team_id, data.max_open), caller.actor)
    return team_out(await Team.get(id=team_id))


routes = [
    create_contest,
    list_contests,
    get_contest,
    cancel_contest,
    challenge,
    accept_challenge,
    decline_challenge,
    set_challenge_cap,
]
