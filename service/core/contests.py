"""Deciding contests: who may create one, and with what; the contests a member sees.

The formats (``docs/contests.md`` has a worked example of each):

- ``ranking``: places by score; ``prizes[i]`` for place i+1; ``min_score`` to place.
- ``race``: the first to ``target`` wins, and the contest ends at that entry.
- ``tiers``: every participant reaching a tier wins the prize of the highest one reached.
- ``head_to_head``: two sides; a side's score is its total per member (a side of whole
  teams counts their active members), so a team of 2 meets a team of 4 fairly.
- ``improvement``: the score is the total ÷ the participant's own total in the equal
  period before (at least 1 point: a newcomer's first period is measured against 1).
- ``team_target``: every team whose total reaches ``target`` wins, every member of it.

Teams as participants are ranked per member (total ÷ active members), as the team board
is, except in ``team_target`` (the total). Ties follow competition ranking: participants
tied on a place share it, and share the coins of the places they take up (two tied
first share the first and second prizes' coins); each gets the place's words and reward
(a reward won is handed over by the manager: it costs no coins and takes nothing from
the shop's stock).

A contest is settled once: by the entry that finishes a race (in the same decision), or
by ``SettleContests`` once its end has passed, which every instance sends and the first
to take the write lock decides (the state it decides on says whether it is settled).

The rest of contests lives beside this module: ``standings`` (rows, ranks, the API's view,
live updates), ``settlement`` (settling, recurring, races, cancelling) and
``challenges`` (a colleague challenged to a head-to-head).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import msgspec

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .commands import ContestsRead, Context, CreateContest, Decision, new_entry, require
from .deals import actor_team
from .entries import Actor, ContestCreated, Entry, Prize, Side, Tier
from .points import from_cents, to_cents
from .standings import contest_view, heads, standings, takes_part, view_state
from .state import State
from .tally import CATEGORIES, ContestFacts, count_past

__all__ = [
    "CHALLENGE_DAYS",
    "FORMATS",
    "SYSTEM",
    "check_metric",
    "check_name",
    "check_prize",
    "check_time",
    "decide_contest",
    "decide_contests_read",
    "participants",
    "probe",
]

FORMATS = ("ranking", "race", "tiers", "head_to_head", "improvement", "team_target")
RECURRENCES = ("daily", "weekly", "monthly")
SYSTEM = Actor("system")
MAX_NAME = 100
MAX_PRIZES = 20
MAX_COINS = 1_000_000
MAX_DAYS = 366
CHALLENGE_DAYS = 31

# -- checking what is asked ---------------------------------------------------------------


def check_name(value: Any, field: str = "name") -> str:
    name = str(value or "").strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(f"{field} must be 1 to {MAX_NAME} characters.", field=field)
    return name


def check_metric(metric: Any, state: State) -> str:
    metric = str(metric or "")
    if metric in ("points", "deals_won", "revenue") or metric in CATEGORIES:
        return metric
    if metric.startswith("activity:"):
        if metric[9:] in state.metrics:
            return metric
        known = ", ".join(sorted(state.metrics)) or "none yet"
        raise Invalid(
            f"There is no activity metric {metric[9:]!r} (defined: {known}).", field="metric"
        )
    raise Invalid(
        "metric must be points, a category (" + ", ".join(CATEGORIES) + "), deals_won, "
        "revenue or activity:<key>.",
        field="metric",
    )


def _number(value: Any, field: str, low: float = 0.01, high: float = 1e12) -> int:
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        raise Invalid(f"{field} must be a number from {low:g} to {high:,.0f}.", field=field)
    return to_cents(value)


def check_prize(value: Any, state: State, field: str) -> Prize:
    if not isinstance(value, dict):
        raise Invalid(f"{field} must be an object {{coins?, reward_id?, description?}}.")
    unknown = set(value) - {"coins", "reward_id", "description"}
    if unknown:
        raise Invalid(f"{field} has no field {sorted(unknown)[0]!r}.", field=field)
    coins = value.get("coins") or 0
    if coins:
        coins = from_cents(_number(coins, f"{field}.coins", 0, MAX_COINS))
    reward_id = value.get("reward_id")
    if reward_id is not None:
        reward = state.rewards.get(reward_id) if isinstance(reward_id, int) else None
        if reward is None or not reward.active:
            raise Invalid(f"{field}.reward_id: there is no reward {reward_id} in the shop.")
    description = value.get("description")
    if description is not None:
        description = str(description).strip()[:200] or None
    if not coins and reward_id is None and description is None:
        raise Invalid(f"{field} is empty: give coins, a reward_id or a description.")
    return Prize(coins, reward_id, description)


def check_time(value: datetime, field: str) -> datetime:
    if value.tzinfo is None:
        raise Invalid(
            f"{field} needs a time zone offset, e.g. 2026-11-23T08:00:00+01:00.", field=field
        )
    return value


def _member(state: State, member_id: Any, field: str) -> int:
    member = state.members.get(member_id) if isinstance(member_id, int) else None
    if member is None or not member.active:
        raise Invalid(f"{field}: there is no active member {member_id}.", field=field)
    return member.id


def _team(state: State, team_id: Any, field: str) -> int:
    team = state.teams.get(team_id) if isinstance(team_id, int) else None
    if team is None or team.archived:
        raise Invalid(f"{field}: there is no team {team_id}.", field=field)
    return team.id


def _sides(cmd: CreateContest, state: State) -> tuple[Side, ...]:
    if cmd.format != "head_to_head":
        if cmd.sides:
            raise Invalid("sides are for head_to_head contests only.", field="sides")
        return ()
    if len(cmd.sides) != 2:
        raise Invalid("A head_to_head contest has exactly two sides.", field="sides")
    sides = []
    for i, raw in enumerate(cmd.sides):
        if not isinstance(raw, dict):
            raise Invalid("A side is {name, team_ids?, member_ids?}.", field="sides")
        teams = tuple(_team(state, t, f"sides[{i}].team_ids") for t in raw.get("team_ids") or ())
        members = tuple(
            _member(state, m, f"sides[{i}].member_ids") for m in raw.get("member_ids") or ()
        )
        if not teams and not members:
            raise Invalid(f"sides[{i}] needs team_ids or member_ids.", field="sides")
        sides.append(Side(check_name(raw.get("name"), f"sides[{i}].name"), teams, members))
    a, b = sides
    if a.name.casefold() == b.name.casefold():
        raise Invalid("The two sides need different names.", field="sides")
    people = [heads(state, s) for s in sides]
    if set(a.team_ids) & set(b.team_ids) or people[0] & people[1]:
        raise Invalid("No team or member can be on both sides.", field="sides")
    return tuple(sides)


def _may_create(actor: Actor, state: State, teams: set[int], members: set[int]) -> int | None:
    """Admins create any contest; a manager one within their own team (its team)."""
    require(actor, "admin", "manager")
    if actor.role == "admin":
        return None
    own = actor_team(state, actor)
    others = {t for t in teams if t != own} | {
        m for m in members if state.members[m].team_id != own
    }
    if own is None or others:
        raise Forbidden(
            "Managers create contests for their own team; ask an admin for one across teams."
        )
    return own


def decide_contest(cmd: CreateContest, actor: Actor, state: State, ctx: Context) -> Decision:
    if cmd.format not in FORMATS:
        raise Invalid("format must be one of " + ", ".join(FORMATS) + ".", field="format")
    name = check_name(cmd.name)
    metric = check_metric(cmd.metric, state)
    starts, ends = check_time(cmd.starts_at, "starts_at"), check_time(cmd.ends_at, "ends_at")
    if ends <= starts:
        raise Invalid("ends_at must be after starts_at.", field="ends_at")
    if ends - starts > timedelta(days=MAX_DAYS):
        raise Invalid(f"A contest lasts at most {MAX_DAYS} days.", field="ends_at")
    if ends <= ctx.now:
        raise Invalid("ends_at is in the past: a contest has to end in the future.")
    if cmd.recurrence is not None and cmd.recurrence not in RECURRENCES:
        raise Invalid("recurrence must be daily, weekly or monthly.", field="recurrence")
    teams = tuple(dict.fromkeys(_team(state, t, "participants.team_ids") for t in cmd.team_ids))
    members = tuple(
        dict.fromkeys(_member(state, m, "participants.member_ids") for m in cmd.member_ids)
    )
    sides = _sides(cmd, state)
    side_teams = {t for s in sides for t in s.team_ids}
    side_members = {m for s in sides for m in s.member_ids}
    team_id = _may_create(actor, state, set(teams) | side_teams, set(members) | side_members)
    teams, by = participants(cmd.format, teams, members, bool(sides), cmd.by, team_id)
    if by not in ("member", "team"):
        raise Invalid("participants.by must be member or team.", field="participants.by")
    if by == "team" and (members or not teams):
        raise Invalid(
            "Teams compete as teams: list team_ids (and no member_ids), or set by: member.",
            field="participants",
        )
    target = None
    if cmd.format in ("race", "team_target") and cmd.target is None:
        raise Invalid(f"A {cmd.format} contest needs a target.", field="target")
    if cmd.target is not None:
        target = from_cents(_number(cmd.target, "target"))
    tiers: tuple[Tier, ...] = ()
    if cmd.format == "tiers":
        if not cmd.tiers or len(cmd.tiers) > 10:
            raise Invalid("A tiers contest needs 1 to 10 tiers {target, prize}.", field="tiers")
        last = 0
        for i, raw in enumerate(cmd.tiers):
            if not isinstance(raw, dict) or "target" not in raw:
                raise Invalid("A tier is {target, prize}.", field="tiers")
            cents = _number(raw["target"], f"tiers[{i}].target")
            if cents <= last:
                raise Invalid("Tier targets must rise from one tier to the next.", field="tiers")
            last = cents
            prize = check_prize(
                raw.get("prize") or {"description": f"Tier {i + 1}"}, state, "prize"
            )
            tiers += (Tier(from_cents(cents), prize),)
    elif cmd.tiers:
        raise Invalid("tiers are for tiers contests only.", field="tiers")
    if len(cmd.prizes) > MAX_PRIZES:
        raise Invalid(f"At most {MAX_PRIZES} prizes.", field="prizes")
    prizes = tuple(check_prize(p, state, f"prizes[{i}]") for i, p in enumerate(cmd.prizes))
    min_score = None
    if cmd.min_score is not None:
        min_score = from_cents(_number(cmd.min_score, "min_score", 0))
    payload = ContestCreated(
        ctx.ids.take("contest"),
        name,
        cmd.format,
        metric,
        starts,
        ends,
        teams,
        members,
        by,
        sides,
        target,
        tiers,
        prizes,
        min_score,
        cmd.recurrence,
        tally={},
        baseline={},
    )
    payload = _counted(payload, cmd, state, ctx)
    if payload.format == "race" and payload.target is not None:
        probe = _facts(payload, ctx)
        target = to_cents(payload.target)
        done = [r["name"] for r in standings(probe, state) if to_cents(r["value"]) >= target]
        if done:
            raise Conflict(
                f"{', '.join(done[:3])} {'has' if len(done) == 1 else 'have'} reached the "
                "target already in this period: raise the target or start the race later."
            )
    return Decision([new_entry(state, ctx, actor, payload, team_id=team_id, season_id=None)])


def participants(
    format: str,
    teams: tuple[int, ...],
    members: tuple[int, ...],
    sides: bool,
    by: str | None,
    manager_team: int | None,
) -> tuple[tuple[int, ...], str]:
    """Who competes, as asked: (teams, member or team). Teams listed alone compete as
    teams; a manager's contest naming nobody is their team's members; a team target is
    always teams."""
    if manager_team is not None and not teams and not members and not sides:
        teams, by = (manager_team,), by or "member"
    by = by or ("team" if teams and not members else "member")
    return teams, "team" if format == "team_target" else by


def probe(cmd: CreateContest, manager_team: int | None = None) -> ContestFacts | None:
    """A contest as asked for (by a manager of ``manager_team``), enough to count its
    past with before it is checked (a request the decider refuses is counted for
    nothing); None if it cannot be."""
    try:
        sides = tuple(
            Side(str(s["name"]), tuple(s.get("team_ids") or ()), tuple(s.get("member_ids") or ()))
            for s in cmd.sides
        )
    except (KeyError, TypeError, AttributeError):
        return None
    teams, by = participants(
        cmd.format, cmd.team_ids, cmd.member_ids, bool(sides), cmd.by, manager_team
    )
    return ContestFacts(
        0,
        "",
        cmd.format,
        cmd.metric,
        cmd.starts_at,
        cmd.ends_at,
        frozenset(teams),
        frozenset(cmd.member_ids),
        by,
        sides,
        None,
        (),
        (),
        None,
        None,
        False,
        0,
        SYSTEM,
        None,
        0,
    )


def _facts(p: ContestCreated, ctx: Context) -> ContestFacts:
    """A contest not yet recorded, to count and rank with (no id or seq taken)."""
    return ContestFacts.of(p, Entry(0, ctx.now, ctx.now, "", SYSTEM, 0, p))


def _counted(p: ContestCreated, cmd: CreateContest, state: State, ctx: Context) -> ContestCreated:
    """The contest with what the ledger held for its period when it was created: counted
    up to ``cmd.counted_upto`` outside the lock, the rest (and this batch's entries so
    far) here."""
    probe = _facts(p, ctx)
    probe.tally, probe.baseline = dict(cmd.tally), dict(cmd.baseline)
    later = [e for e in (*ctx.newer_entries, *ctx.batch) if e.seq > cmd.counted_upto]
    count_past(probe, sorted({e.seq: e for e in later}.values(), key=lambda e: e.seq))
    tally = {k: v for k, v in probe.tally.items() if v}
    baseline = {k: v for k, v in probe.baseline.items() if v}
    return msgspec.structs.replace(p, tally=tally, baseline=baseline)


def decide_contests_read(cmd: ContestsRead, actor: Actor, state: State, ctx: Context) -> Decision:
    if cmd.contest_id is not None:
        c = state.contests.get(cmd.contest_id)
        if c is None:
            raise NotFound(f"There is no contest {cmd.contest_id}.")
        return Decision(answer=contest_view(c, state, ctx.now))
    wanted = {
        None: None,
        "upcoming": ("upcoming",),
        "running": ("running",),
        "ended": ("ended", "settled", "cancelled", "declined"),
        "proposed": ("proposed",),
    }
    if cmd.state not in wanted:
        raise Invalid("state must be upcoming, running, ended or proposed.", field="state")
    states = wanted[cmd.state]
    out = []
    for c in sorted(state.contests.values(), key=lambda c: (c.ends_at, c.id)):
        if states is not None and view_state(c, ctx.now) not in states:
            continue
        if cmd.member_id is not None and not takes_part(c, state, cmd.member_id):
            continue
        out.append(contest_view(c, state, ctx.now))
    if cmd.state == "ended":
        out.reverse()  # the latest first
    return Decision(answer=out)
