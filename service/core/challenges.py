"""Challenges between colleagues: a head-to-head a seller or manager proposes and the
colleague accepts or declines, and the cap a manager puts on a team's open challenges."""

from __future__ import annotations

from datetime import timedelta

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .commands import (
    AnswerChallenge,
    Context,
    Decision,
    IssueChallenge,
    SetChallengeCap,
    new_entry,
    require,
)
from .contests import (
    CHALLENGE_DAYS,
    MAX_NAME,
    check_metric,
    check_name,
    check_prize,
    check_time,
)
from .deals import actor_team
from .entries import Actor, ChallengeAnswered, ContestCreated, Prize, Side, TeamUpdated
from .state import State

__all__ = ["decide_answer", "decide_challenge", "decide_challenge_cap"]


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
    ends = check_time(cmd.ends_at, "ends_at")
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
            prizes = (check_prize(cmd.prize, state, "prize"),)
    for team_id in dict.fromkeys((me.team_id, opponent.team_id)):
        _check_cap(state, team_id)
    name = check_name(cmd.name or _versus(me.name, opponent.name))
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


def _versus(one: str, other: str) -> str:
    """A challenge's name when none is given: "A vs B", each name shortened ("…") when
    the two would not fit in a name."""
    name = f"{one} vs {other}"
    if len(name) <= MAX_NAME:
        return name
    room = (MAX_NAME - len(" vs ")) // 2
    cut = [n if len(n) <= room else n[: room - 1].rstrip() + "…" for n in (one, other)]
    return f"{cut[0]} vs {cut[1]}"
