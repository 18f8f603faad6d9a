"""How a contest ends: settled once its end has passed (a recurring one starts its next
period in the same decision), a race at the entry that takes a participant to its target,
cancelled by who created it or an admin, a challenge nobody answered lapsing."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..errors import Conflict, Forbidden, NotFound
from .calendar import period_end
from .commands import CancelContest, Context, Decision, SettleContests, new_entry
from .contests import SYSTEM
from .entries import Actor, ContestCancelled, ContestCreated, ContestSettled, Entry, Prize, Winner
from .points import from_cents, to_cents
from .standings import head_count, heads, standings, value_of
from .state import State
from .tally import ContestFacts, attributions, counting_time, participant_keys

__all__ = ["SETTLED_ROWS", "decide_cancel", "decide_settle", "race_finishes"]

SETTLED_ROWS = 100  # the final standings a settled contest keeps


def _members_of(c: ContestFacts, state: State, key: str) -> list[int]:
    if key[0] == "m":
        return [int(key[1:])]
    if key[0] == "t":
        return list(state.team_member_ids(int(key[1:])))
    return sorted(heads(state, c.sides[int(key[1:])]))


def _winners(c: ContestFacts, state: State, rows: list[dict[str, Any]]) -> list[tuple[dict, int]]:
    """The rows that win, each with the place it takes. A member who has left keeps their
    row in the standings but wins nothing (they get nothing now): the next one places."""
    rows = [r for r in rows if r["key"][0] != "m" or not state.has_left(int(r["key"][1:]))]
    if c.format in ("race", "team_target"):  # everyone at the target takes first place
        if c.target is None:
            return []
        # the exact value, as ``race_finishes`` compares it (a row's is rounded to the
        # hundredth: 0.9967 a member would read as 1.00 and reach a target of 1)
        exact = {
            r["key"]: value_of(c, c.tally.get(r["key"], 0), head_count(c, state, r["key"]))
            for r in rows
        }
        return [(r, 1) for r in rows if exact[r["key"]] >= c.target]
    if c.format == "tiers":
        return [(r, r["rank"]) for r in rows if r.get("tier")]
    eligible = [r for r in rows if r["score"] > 0]
    if c.min_score is not None:
        eligible = [r for r in eligible if to_cents(r["value"]) >= c.min_score]
    # places among those who may place: a row kept out by min_score frees its place
    # (competition ranking again, ties sharing)
    placed: list[tuple[dict, int]] = []
    for i, r in enumerate(eligible):
        same = i and eligible[i - 1]["rank"] == r["rank"]
        placed.append((r, placed[-1][1] if same else i + 1))
    places = 1 if c.format == "head_to_head" else (len(c.prizes) or 3)
    return [(r, place) for r, place in placed if place <= places]


def _settle(c: ContestFacts, state: State, ctx: Context, reason: str) -> ContestSettled:
    rows = standings(c, state)
    winning = _winners(c, state, rows)
    coins: dict[int, int] = {}
    winners: list[Winner] = []
    for r, place in winning:
        if c.format == "tiers":
            prize = c.tiers[r["tier"] - 1].prize
            share = to_cents(prize.coins)
        elif c.format == "team_target":
            # every team at the target wins the whole prize, each of its members paid it
            prize = c.prizes[0] if c.prizes else Prize()
            share = to_cents(prize.coins)
        else:
            tied = sum(1 for _, p in winning if p == place)
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
            value_of(c, c.tally.get(key, 0) + cents, head_count(c, state, key)) >= c.target
            for key, cents in moved.items()
        ):
            continue
        probe = replace(c, tally=dict(c.tally))
        for key, cents in moved.items():
            probe.tally[key] = probe.tally.get(key, 0) + cents
        seq += 1
        out.append(_settled_entry(probe, state, ctx, "target reached", seq))
        if c.recurrence:  # won early: the next period still starts at this one's end
            seq += 1
            out.append(_next(replace(c, carry={}), state, ctx, seq))
    return out


def decide_cancel(cmd: CancelContest, actor: Actor, state: State, ctx: Context) -> Decision:
    c = state.contests.get(cmd.contest_id)
    if c is None:
        raise NotFound(f"There is no contest {cmd.contest_id}.")
    mine = actor.member_id is not None and actor.member_id == c.created_by.member_id
    if actor.role != "admin" and not mine:
        raise Forbidden("A contest is cancelled by who created it or an admin.")
    if c.state not in ("open", "proposed"):
        raise Conflict(f"{c.name} is {c.state}: it cannot be cancelled now.")
    if ctx.now >= c.ends_at:
        # between its end and its settlement (seconds) the result is known: cancelling
        # then would withhold the prizes of winners already decided
        raise Conflict(f"{c.name} has ended: its result stands and it is being settled.")
    reason = (cmd.reason or "").strip()[:500] or None
    payload = ContestCancelled(c.id, c.name, reason)
    return Decision([new_entry(state, ctx, actor, payload, team_id=c.team_id, season_id=None)])
