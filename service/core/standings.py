"""Contest standings: who takes part, each participant's row and rank, a contest as the
API shows it, and what live boards are sent of a running one (``LiveStandings``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .entries import Prize, Side, Winner
from .points import from_cents, to_cents
from .ranking import LiveBoard
from .state import ALL, State
from .tally import ContestFacts, participant_keys

__all__ = [
    "LIVE_TOP",
    "LiveStandings",
    "contest_view",
    "head_count",
    "heads",
    "row_of",
    "standings",
    "takes_part",
    "value_of",
    "view_state",
]

LIVE_TOP = 10  # rows of a contest every live update may carry beyond those that moved


def heads(state: State, side: Side) -> set[int]:
    """A side's active members now."""
    out = {m for t in side.team_ids for m in state.team_member_ids(t)}
    out.update(m for m in side.member_ids if m in state.members and state.members[m].active)
    return out


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


def head_count(c: ContestFacts, state: State, key: str) -> int:
    if key[0] == "m":
        return 1
    if key[0] == "t":
        return max(len(state.team_member_ids(int(key[1:]))), 1)
    return max(len(heads(state, c.sides[int(key[1:])])), 1)


def _name_of(c: ContestFacts, state: State, key: str) -> str:
    if key[0] == "m":
        member = state.members.get(int(key[1:]))
        return member.name if member else key
    if key[0] == "t":
        team = state.teams.get(int(key[1:]))
        return team.name if team else key
    return c.sides[int(key[1:])].name


def value_of(c: ContestFacts, total: int, count: int) -> float:
    """What ranks, in hundredths: per member (of ``count``) for teams and sides (the total
    in a team target)."""
    return total if c.format == "team_target" else total / count


def row_of(c: ContestFacts, state: State, key: str, name: str | None = None) -> dict[str, Any]:
    """A participant's row (without its rank)."""
    heads = head_count(c, state, key)
    value = value_of(c, c.tally.get(key, 0), heads)
    name = name if name is not None else _name_of(c, state, key)
    row: dict[str, Any] = {"key": key, "name": name, "value": from_cents(round(value))}
    if key[0] == "m":
        row["member_id"] = int(key[1:])
    elif key[0] == "t":
        row["team_id"] = int(key[1:])
    else:
        row["side"] = name
    if c.format == "improvement":
        before = value_of(c, c.baseline.get(key, 0), heads)
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


def view_state(c: ContestFacts, now: datetime) -> str:
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
        "state": view_state(c, now),
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
