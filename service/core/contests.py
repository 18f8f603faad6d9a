"""Deciding contests and challenges: who may create one, its standings, its settlement.

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
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import msgspec

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .calendar import period_end
from .commands import (
    AnswerChallenge,
    CancelContest,
    ContestsRead,
    Context,
    CreateContest,
    Decision,
    IssueChallenge,
    SetChallengeCap,
    SettleContests,
    new_entry,
    require,
)
from .deals import actor_team
from .entries import (
    Actor,
    ChallengeAnswered,
    ContestCancelled,
    ContestCreated,
    ContestSettled,
    Entry,
    Prize,
    Side,
    TeamUpdated,
    Tier,
    Winner,
)
from .points import from_cents, to_cents
from .ranking import LiveBoard
from .state import ALL, State
from .tally import (
    CATEGORIES,
    ContestFacts,
    attributions,
    count_past,
    counting_time,
    participant_keys,
)

__all__ = [
    "FORMATS",
    "LiveStandings",
    "contest_view",
    "decide_answer",
    "decide_cancel",
    "decide_challenge",
    "decide_challenge_cap",
    "decide_contest",
    "decide_contests_read",
    "decide_settle",
    "participants",
    "probe",
    "race_finishes",
    "row_of",
    "standings",
]

FORMATS = ("ranking", "race", "tiers", "head_to_head", "improvement", "team_target")
RECURRENCES = ("daily", "weekly", "monthly")
SYSTEM = Actor("system")
MAX_NAME = 100
MAX_PRIZES = 20
MAX_COINS = 1_000_000
MAX_DAYS = 366
CHALLENGE_DAYS = 31
SETTLED_ROWS = 100  # the final standings a settled contest keeps
LIVE_TOP = 10  # rows of a contest every live update may carry beyond those that moved


# -- checking what is asked ---------------------------------------------------------------


def _name(value: Any, field: str = "name") -> str:
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


def _prize(value: Any, state: State, field: str) -> Prize:
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


def _time(value: datetime, field: str) -> datetime:
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
        sides.append(Side(_name(raw.get("name"), f"sides[{i}].name"), teams, members))
    a, b = sides
    if a.name.casefold() == b.name.casefold():
        raise Invalid("The two sides need different names.", field="sides")
    people = [_heads(state, s) for s in sides]
    if set(a.team_ids) & set(b.team_ids) or people[0] & people[1]:
        raise Invalid("No team or member can be on both sides.", field="sides")
    return tuple(sides)


def _heads(state: State, side: Side) -> set[int]:
    """A side's active members now."""
    heads = {m for t in side.team_ids for m in state.team_member_ids(t)}
    heads.update(m for m in side.member_ids if m in state.members and state.members[m].active)
    return heads


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
    name = _name(cmd.name)
    metric = check_metric(cmd.metric, state)
    starts, ends = _time(cmd.starts_at, "starts_at"), _time(cmd.ends_at, "ends_at")
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
            prize = _prize(raw.get("prize") or {"description": f"Tier {i + 1}"}, state, "prize")
            tiers += (Tier(from_cents(cents), prize),)
    elif cmd.tiers:
        raise Invalid("tiers are for tiers contests only.", field="tiers")
    if len(cmd.prizes) > MAX_PRIZES:
        raise Invalid(f"At most {MAX_PRIZES} prizes.", field="prizes")
    prizes = tuple(_prize(p, state, f"prizes[{i}]") for i, p in enumerate(cmd.prizes))
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


# -- standings ------------------------------------------------------------------------------


def _participants(c: ContestFacts, state: State) -> list[tuple[str, str]]:
    """(key, name) of every participant."""
    if c.sides:
        return [(f"s{i}", side.name) for i, side in enumerate(c.sides)]
    if c.by == "team":
        return [
            (f"t{t}", state.teams[t].name if t in state.teams else f"Team {t}")
            for t in sorted(c.team_ids)
        ]
    keys: set[int] = set(c.member_ids)
    if not c.team_ids and not c.member_ids:
        keys.update(m.id for m in state.members.values() if m.active)
    for t in c.team_ids:
        keys.update(state.team_member_ids(t))
    keys.update(int(k[1:]) for k in c.tally)
    out = []
    for m in keys:
        member = state.members.get(m)
        if member is not None and (member.active or c.tally.get(f"m{m}")):
            out.append((f"m{m}", member.name))
    return out


def _head_count(c: ContestFacts, state: State, key: str) -> int:
    if key[0] == "m":
        return 1
    if key[0] == "t":
        return max(len(state.team_member_ids(int(key[1:]))), 1)
    return max(len(_heads(state, c.sides[int(key[1:])])), 1)


def _name_of(c: ContestFacts, state: State, key: str) -> str:
    if key[0] == "m":
        member = state.members.get(int(key[1:]))
        return member.name if member else key
    if key[0] == "t":
        team = state.teams.get(int(key[1:]))
        return team.name if team else key
    return c.sides[int(key[1:])].name


def _value(c: ContestFacts, total: int, heads: int) -> float:
    """What ranks, in hundredths: per member for teams and sides (the total in a team
    target)."""
    return total if c.format == "team_target" else total / heads


def row_of(c: ContestFacts, state: State, key: str, name: str | None = None) -> dict[str, Any]:
    """A participant's row (without its rank)."""
    heads = _head_count(c, state, key)
    value = _value(c, c.tally.get(key, 0), heads)
    name = name if name is not None else _name_of(c, state, key)
    row: dict[str, Any] = {"key": key, "name": name, "value": from_cents(round(value))}
    if key[0] == "m":
        row["member_id"] = int(key[1:])
    elif key[0] == "t":
        row["team_id"] = int(key[1:])
    else:
        row["side"] = name
    if c.format == "improvement":
        before = _value(c, c.baseline.get(key, 0), heads)
        row["baseline"] = from_cents(round(before))
        row["score"] = round(value / max(before, 100), 2)
    else:
        row["score"] = from_cents(round(value))
    if c.target is not None and c.format in ("race", "team_target"):
        row["progress"] = round(min(1.0, max(0.0, value / c.target)), 4)
    if c.tiers:
        row["tier"] = sum(1 for t in c.tiers if value >= to_cents(t.target))
    return row


def _order(row: dict[str, Any]) -> tuple[float, str, int]:
    return (-row["score"], row["name"].casefold(), int(row["key"][1:]))


def standings(c: ContestFacts, state: State) -> list[dict[str, Any]]:
    """Every participant ranked (competition ranking, ties by name)."""
    rows = [row_of(c, state, key, name) for key, name in _participants(c, state)]
    rows.sort(key=_order)
    for i, row in enumerate(rows):
        row["rank"] = rows[i - 1]["rank"] if i and rows[i - 1]["score"] == row["score"] else i + 1
    return rows


def _view_state(c: ContestFacts, now: datetime) -> str:
    if c.state != "open":
        return c.state
    if now < c.starts_at:
        return "upcoming"
    return "running" if now < c.ends_at else "ended"


def contest_view(c: ContestFacts, state: State, now: datetime) -> dict[str, Any]:
    """A contest as the API shows it."""
    creator = state.members.get(c.created_by.member_id or 0)
    return {
        "id": c.id,
        "name": c.name,
        "format": c.format,
        "metric": c.metric,
        "starts_at": c.starts_at.isoformat(),
        "ends_at": c.ends_at.isoformat(),
        "state": _view_state(c, now),
        "participants": {
            "team_ids": sorted(c.team_ids),
            "member_ids": sorted(c.member_ids),
            "by": c.by,
        },
        "sides": [
            {"name": s.name, "team_ids": list(s.team_ids), "member_ids": list(s.member_ids)}
            for s in c.sides
        ]
        or None,
        "target": from_cents(c.target) if c.target is not None else None,
        "tiers": [{"target": t.target, "prize": _prize_out(t.prize)} for t in c.tiers],
        "prizes": [_prize_out(p) for p in c.prizes],
        "min_score": from_cents(c.min_score) if c.min_score is not None else None,
        "recurrence": c.recurrence,
        "challenge": c.challenge,
        "created_by": {
            "member_id": c.created_by.member_id,
            "name": creator.name if creator else None,
            "role": c.created_by.role,
        },
        "team_id": c.team_id,
        "standings": list(c.standings) if c.state == "settled" else standings(c, state),
        "winners": [_winner_out(w) for w in c.winners] if c.state == "settled" else None,
        "settled_at": c.settled_at.isoformat() if c.settled_at else None,
        "reason": c.reason,
        "seq": state.seq,
    }


def _prize_out(p: Prize) -> dict[str, Any]:
    return {"coins": p.coins, "reward_id": p.reward_id, "description": p.description}


def _winner_out(w: Winner) -> dict[str, Any]:
    out: dict[str, Any] = {
        "place": w.place,
        "key": w.key,
        "name": w.name,
        "score": w.score,
        "prize": _prize_out(w.prize),
        "coins": w.coins,
    }
    for field in ("member_id", "team_id", "side"):
        if getattr(w, field) is not None:
            out[field] = getattr(w, field)
    return out


def takes_part(c: ContestFacts, state: State, member_id: int) -> bool:
    member = state.members.get(member_id)
    return member is not None and bool(participant_keys(c, member_id, member.team_id))


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
        if states is not None and _view_state(c, ctx.now) not in states:
            continue
        if cmd.member_id is not None and not takes_part(c, state, cmd.member_id):
            continue
        out.append(contest_view(c, state, ctx.now))
    if cmd.state == "ended":
        out.reverse()  # the latest first
    return Decision(answer=out)


# -- settlement -----------------------------------------------------------------------------


def _members_of(c: ContestFacts, state: State, key: str) -> list[int]:
    if key[0] == "m":
        return [int(key[1:])]
    if key[0] == "t":
        return list(state.team_member_ids(int(key[1:])))
    return sorted(_heads(state, c.sides[int(key[1:])]))


def _winners(c: ContestFacts, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that win, each with the place it takes."""
    if c.format in ("race", "team_target"):  # everyone at the target
        target = c.target
        return [r for r in rows if target is not None and to_cents(r["value"]) >= target]
    if c.format == "tiers":
        return [r for r in rows if r.get("tier")]
    eligible = [r for r in rows if r["score"] > 0]
    if c.min_score is not None:
        eligible = [r for r in eligible if to_cents(r["value"]) >= c.min_score]
    places = 1 if c.format == "head_to_head" else (len(c.prizes) or 3)
    return [r for r in eligible if r["rank"] <= places]


def _settle(c: ContestFacts, state: State, ctx: Context, reason: str) -> ContestSettled:
    rows = standings(c, state)
    winning = _winners(c, rows)
    # in a race and a team target, everyone who made it takes first place
    together = c.format in ("race", "team_target")
    ranks = {id(r): 1 if together else r["rank"] for r in winning}
    coins: dict[int, int] = {}
    winners: list[Winner] = []
    for r in winning:
        place = ranks[id(r)]
        if c.format == "tiers":
            prize = c.tiers[r["tier"] - 1].prize
            share = to_cents(prize.coins)
        else:
            tied = sum(1 for o in winning if ranks[id(o)] == place)
            prize = c.prizes[place - 1] if place <= len(c.prizes) else Prize()
            taken = [
                c.prizes[p - 1].coins for p in range(place, place + tied) if p <= len(c.prizes)
            ]
            share = to_cents(sum(taken)) // tied if taken else 0
        if share:
            for m in _members_of(c, state, r["key"]):
                coins[m] = coins.get(m, 0) + share
        winners.append(
            Winner(
                place,
                r["key"],
                r["name"],
                r["score"],
                prize,
                from_cents(share),
                r.get("member_id"),
                r.get("team_id"),
                r.get("side"),
            )
        )
    return ContestSettled(
        c.id,
        c.name,
        c.format,
        c.metric,
        tuple(winners),
        tuple(sorted(coins.items())),
        tuple(rows[:SETTLED_ROWS]),
        reason,
    )


def _settled_entry(c: ContestFacts, state: State, ctx: Context, reason: str, seq: int) -> Entry:
    payload = _settle(c, state, ctx, reason)
    names = {w.member_id: w.name for w in payload.winners if w.member_id}
    return new_entry(
        state, ctx, SYSTEM, payload, team_id=c.team_id, seq=seq, season_id=None, names=names
    )


def decide_settle(cmd: SettleContests, actor: Actor, state: State, ctx: Context) -> Decision:
    """Settle what has ended (a recurring contest starts its next period in the same
    decision) and let challenges nobody answered before their end lapse."""
    entries: list[Entry] = []
    seq = state.seq
    for c in sorted(state.open_contests.values(), key=lambda c: (c.ends_at, c.id)):
        if c.ends_at > ctx.now:
            continue
        seq += 1
        if c.state == "proposed":
            payload = ContestCancelled(c.id, c.name, "The challenge was not accepted in time.")
            entries.append(new_entry(state, ctx, SYSTEM, payload, seq=seq, season_id=None))
            continue
        entries.append(_settled_entry(c, state, ctx, "ended", seq))
        if c.recurrence:
            seq += 1
            entries.append(_next(c, state, ctx, seq))
    return Decision(entries)


def _next(c: ContestFacts, state: State, ctx: Context, seq: int) -> Entry:
    """The next period of a recurring contest: from its end to the end of the next day,
    week or month in the org's time zone, starting from what already counts in it."""
    recurrence = c.recurrence or "daily"
    starts = c.ends_at
    ends = c.next_ends_at or period_end(starts, recurrence, state.tz)
    carry = dict(c.carry)
    while ends <= ctx.now:  # the service was down for whole periods: those are skipped
        starts, ends, carry = ends, period_end(ends, recurrence, state.tz), {}
    payload = ContestCreated(
        ctx.ids.take("contest"),
        c.name,
        c.format,
        c.metric,
        starts,
        ends,
        tuple(sorted(c.team_ids)),
        tuple(sorted(c.member_ids)),
        c.by,
        c.sides,
        from_cents(c.target) if c.target is not None else None,
        c.tiers,
        c.prizes,
        from_cents(c.min_score) if c.min_score is not None else None,
        c.recurrence,
        series=c.series,
        tally=carry,
        baseline=dict(c.tally) if c.format == "improvement" else {},
    )
    return new_entry(state, ctx, c.created_by, payload, team_id=c.team_id, seq=seq, season_id=None)


def race_finishes(entries: list[Entry], state: State, ctx: Context) -> list[Entry]:
    """The settlement of every race these entries (not yet evolved) take a participant
    to its target, numbered after them."""
    out: list[Entry] = []
    seq = entries[-1].seq
    for c in state.open_contests.values():
        if c.format != "race" or c.state != "open" or c.target is None:
            continue
        moved: dict[str, int] = {}
        for entry in entries:
            if not c.starts_at <= counting_time(entry) < c.ends_at:
                continue
            for member_id, team_id, cents in attributions(entry, c.metric):
                for key in participant_keys(c, member_id, team_id):
                    moved[key] = moved.get(key, 0) + cents
        if not any(
            _value(c, c.tally.get(key, 0) + cents, _head_count(c, state, key)) >= c.target
            for key, cents in moved.items()
        ):
            continue
        probe = replace(c, tally=dict(c.tally))
        for key, cents in moved.items():
            probe.tally[key] = probe.tally.get(key, 0) + cents
        seq += 1
        out.append(_settled_entry(probe, state, ctx, "target reached", seq))
    return out


# -- cancelling, challenges -------------------------------------------------------------------


def decide_cancel(cmd: CancelContest, actor: Actor, state: State, ctx: Context) -> Decision:
    c = state.contests.get(cmd.contest_id)
    if c is None:
        raise NotFound(f"There is no contest {cmd.contest_id}.")
    mine = actor.member_id is not None and actor.member_id == c.created_by.member_id
    if actor.role != "admin" and not mine:
        raise Forbidden("A contest is cancelled by who created it or an admin.")
    if c.state not in ("open", "proposed"):
        raise Conflict(f"{c.name} is {c.state}: it cannot be cancelled now.")
    reason = (cmd.reason or "").strip()[:500] or None
    payload = ContestCancelled(c.id, c.name, reason)
    return Decision([new_entry(state, ctx, actor, payload, team_id=c.team_id, season_id=None)])


def _open_challenges(state: State, team_id: int) -> int:
    return sum(
        1
        for c in state.open_contests.values()
        if c.challenge
        and any(
            state.members[m].team_id == team_id
            for s in c.sides
            for m in s.member_ids
            if m in state.members
        )
    )


def _check_cap(state: State, team_id: int) -> None:
    team = state.teams.get(team_id)
    if team is None or team.challenge_cap is None:
        return
    if _open_challenges(state, team_id) >= team.challenge_cap:
        raise Conflict(
            f"{team.name} has {team.challenge_cap} challenge(s) open already, the most its "
            "manager allows at once: wait for one to end."
        )


def decide_challenge(cmd: IssueChallenge, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "seller", "manager")
    me = state.members.get(actor.member_id or 0)
    if me is None or not me.active:
        raise Forbidden("Only a member of the team can challenge a colleague.")
    opponent = state.members.get(cmd.opponent_id)
    if opponent is None or not opponent.active:
        raise NotFound(f"There is no active member {cmd.opponent_id} to challenge.")
    if opponent.id == me.id:
        raise Invalid("You cannot challenge yourself.", field="opponent_id")
    metric = check_metric(cmd.metric, state)
    ends = _time(cmd.ends_at, "ends_at")
    if ends <= ctx.now:
        raise Invalid("ends_at is in the past: a challenge has to end in the future.")
    if ends - ctx.now > timedelta(days=CHALLENGE_DAYS):
        raise Invalid(f"A challenge lasts at most {CHALLENGE_DAYS} days.", field="ends_at")
    prizes: tuple[Prize, ...] = ()
    if cmd.prize is not None:
        if not isinstance(cmd.prize, dict) or set(cmd.prize) - {"description"}:
            raise Invalid(
                "A challenge's prize is {description}: coins and rewards are paid by the "
                "contests a manager sets.",
                field="prize",
            )
        if cmd.prize.get("description"):
            prizes = (_prize(cmd.prize, state, "prize"),)
    for team_id in dict.fromkeys((me.team_id, opponent.team_id)):
        _check_cap(state, team_id)
    name = _name(cmd.name or f"{me.name} vs {opponent.name}")
    payload = ContestCreated(
        ctx.ids.take("contest"),
        name,
        "head_to_head",
        metric,
        ctx.now,
        ends,
        sides=(Side(me.name, (), (me.id,)), Side(opponent.name, (), (opponent.id,))),
        prizes=prizes,
        challenge=True,
    )
    entry = new_entry(
        state, ctx, actor, payload, member_id=opponent.id, team_id=me.team_id, season_id=None
    )
    return Decision([entry])


def decide_answer(cmd: AnswerChallenge, actor: Actor, state: State, ctx: Context) -> Decision:
    c = state.contests.get(cmd.contest_id)
    if c is None or not c.challenge:
        raise NotFound(f"There is no challenge {cmd.contest_id}.")
    opponent = c.sides[1].member_ids[0]
    if actor.member_id != opponent:
        raise Forbidden("Only the colleague challenged can accept or decline.")
    if c.state != "proposed":
        raise Conflict(f"{c.name} is {c.state}: it was answered already.")
    if c.ends_at <= ctx.now:
        raise Conflict(f"{c.name} ended before it was accepted.")
    payload = ChallengeAnswered(c.id, c.name, cmd.accept)
    entry = new_entry(
        state, ctx, actor, payload, member_id=opponent, team_id=c.team_id, season_id=None
    )
    return Decision([entry])


def decide_challenge_cap(
    cmd: SetChallengeCap, actor: Actor, state: State, ctx: Context
) -> Decision:
    require(actor, "admin", "manager")
    team = state.teams.get(cmd.team_id)
    if team is None:
        raise NotFound(f"There is no team {cmd.team_id}.")
    if actor.role == "manager" and actor_team(state, actor) != team.id:
        raise Forbidden("Managers set the challenge cap of their own team only.")
    cap = cmd.max_open
    if cap is not None and (
        not isinstance(cap, int) or isinstance(cap, bool) or not 0 <= cap <= 1000
    ):
        raise Invalid("max_open must be a whole number from 0 to 1000 (or null: no cap).")
    if cap == team.challenge_cap:
        return Decision([])
    payload = TeamUpdated({"challenge_cap": cap}, {"challenge_cap": team.challenge_cap})
    return Decision([new_entry(state, ctx, actor, payload, team_id=team.id)])


# -- live --------------------------------------------------------------------------------------


class LiveStandings:
    """What this process last told live boards of each running contest, its rows kept in
    order (``ranking.LiveBoard``). A batch that moves a few participants sends their rows,
    each with its new rank; rows it pushed down a place are not sent (one deal can move
    fifty tied rows): a board re-ranks what it holds from the scores (competition
    ranking, ties by name), as the standings' ``rank`` is computed. A contest created,
    answered, cancelled or settled, or people joining, leaving or moving, is ranked whole
    again: its top rows and every row that changed are sent."""

    def __init__(self) -> None:
        self._boards: dict[int, tuple[LiveBoard, dict[str, dict[str, Any]]]] = {}

    def rows(self, state: State, moved: dict[int, set[str]]) -> list[dict[str, Any]]:
        out = []
        for contest_id in sorted(moved):
            c = state.contests.get(contest_id)
            if c is None:
                continue
            keys = moved[contest_id]
            known = self._boards.get(contest_id)
            if c.state != "open" or ALL in keys or known is None:
                rows, gone = self._whole(c, state, known)
            else:
                found = self._moved(c, state, keys, *known)
                if found is None:
                    rows, gone = self._whole(c, state, known)
                else:
                    rows, gone = found, []
            out.append(
                {
                    "id": c.id,
                    "state": "running" if c.state == "open" else c.state,
                    "rows": rows,
                    "gone": gone,
                    "count": len(self._boards[c.id][1]) if c.id in self._boards else len(rows),
                }
            )
            if c.state != "open":
                self._boards.pop(c.id, None)
        return out

    def _whole(
        self,
        c: ContestFacts,
        state: State,
        known: tuple[LiveBoard, dict[str, dict[str, Any]]] | None,
    ) -> tuple[list[dict[str, Any]], list[str]]:
        rows = list(c.standings) if c.state == "settled" else standings(c, state)
        before = known[1] if known else {}
        now = {r["key"]: r for r in rows}
        board = LiveBoard((int(r["key"][1:]), r["name"], _hundredths(r["score"])) for r in rows)
        self._boards[c.id] = (board, now)
        changed = [r for i, r in enumerate(rows) if i < LIVE_TOP or before.get(r["key"]) != r]
        return changed, sorted(set(before) - set(now))

    def _moved(
        self,
        c: ContestFacts,
        state: State,
        keys: set[str],
        board: LiveBoard,
        rows: dict[str, dict[str, Any]],
    ) -> list[dict[str, Any]] | None:
        """The rows a few moved participants change (None: one is not on the board)."""
        fresh = {key: row_of(c, state, key, rows[key]["name"]) for key in keys if key in rows}
        if len(fresh) != len(keys):
            return None
        board.move({int(key[1:]): _hundredths(row["score"]) for key, row in fresh.items()})
        for key, row in fresh.items():
            row["rank"] = board.rank(int(key[1:]))
            rows[key] = row
        return list(fresh.values())


def _hundredths(score: float) -> int:
    return round(score * 100)
