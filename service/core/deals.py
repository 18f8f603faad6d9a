"""Deciding deals and goals: who may log a deal, what it scores, which goals it moves.

Goals nest: a team goal with member goals under it. A won deal moves its team's goals
for the deal's season (revenue by its amount, deals by one) and the seller's own goal;
a goal reached pays its bonus once (team goal: every member; member goal: the member).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .calendar import is_newcomer, local_date
from .commands import (
    ChangeGoal,
    Context,
    Decision,
    RecordDeal,
    RemoveGoal,
    SetGoal,
    new_entry,
    require,
)
from .entries import (
    Actor,
    Award,
    DealLost,
    DealWon,
    Entry,
    Event,
    GoalChanged,
    GoalProgress,
    GoalReached,
    GoalRemoved,
    GoalReopened,
    GoalSet,
    MemberTarget,
)
from .goals import deal_contribution, is_reached
from .points import from_cents, to_cents
from .scoring import DealFacts, score_deal
from .state import GoalState, MemberFacts, MemberGoalState, State

__all__ = [
    "actor_team",
    "advance_goals",
    "check_deal",
    "decide_deal",
    "decide_goal",
    "decide_goal_change",
    "decide_goal_removal",
    "taken_back",
]

CLOCK_SKEW = timedelta(minutes=5)
# before this, dates are typos (year 0001 even overflows a time zone conversion)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
MAX_CUSTOMER = 200  # characters of a customer's name the ledger keeps


def check_deal(
    cmd: RecordDeal,
    actor: Actor,
    state: State,
    ctx: Context,
    kept: Sequence[int] = (),
    same_seller: bool = False,
) -> MemberFacts:
    """Every rule a deal's facts must meet, for a new deal and a corrected one alike;
    returns its seller. ``kept``: assists a correction keeps as they were (one who has
    left since stays on the deal); ``same_seller``: a correction keeps the seller, who
    may have left since (the deal is theirs, its outcome or amount may still change)."""
    require(actor, "seller", "manager", "integration", "admin")
    if cmd.outcome not in ("won", "lost"):
        raise Invalid(f"outcome must be 'won' or 'lost', not {cmd.outcome!r}.")
    if cmd.amount < 0:
        raise Invalid("amount must be 0 or more.")
    if not cmd.customer.strip():
        raise Invalid("customer must name the customer the deal was with.")
    if len(cmd.customer.strip()) > MAX_CUSTOMER:  # longer would fail the batch's insert
        raise Invalid(f"customer must be at most {MAX_CUSTOMER} characters long.", field="customer")
    closed_at = cmd.closed_at or ctx.now
    if closed_at.tzinfo is None:
        raise Invalid("closed_at needs a time zone offset, e.g. 2026-11-20T14:00:00+01:00.")
    if closed_at > ctx.now + CLOCK_SKEW:
        raise Invalid("closed_at is in the future; give the time the deal was closed.")
    if closed_at < EARLIEST:
        raise Invalid("closed_at must be in 1970 or later.", field="closed_at")
    seller = state.members.get(cmd.seller_id)
    if seller is None:
        raise NotFound(f"There is no member {cmd.seller_id} to credit this deal to.")
    if not seller.active and not same_seller:
        raise Conflict(
            f"{seller.name} has left (inactive): deals can no longer be credited to them. "
            "Credit the deal to who closed it now, or make them active again first."
        )
    if actor.role == "seller" and actor.member_id != seller.id:
        raise Forbidden("Sellers log their own deals only; use your own member id as seller_id.")
    if actor.role == "manager" and actor_team(state, actor) != seller.team_id:
        raise Forbidden("Managers log deals for members of their own team only.")
    unknown = [a for a in cmd.assists if a not in state.members]
    if unknown:
        raise Invalid(f"Assists name unknown member(s): {', '.join(map(str, unknown))}.")
    gone = [
        state.members[a].name for a in cmd.assists if not state.members[a].active and a not in kept
    ]
    if gone:
        raise Invalid(
            f"Assists name member(s) who have left: {', '.join(gone)}; leave them out.",
            field="assists",
        )
    return seller


def decide_deal(cmd: RecordDeal, actor: Actor, state: State, ctx: Context) -> Decision:
    """A won deal pays the seller, the team share and the assists, and moves goals. The
    same ``external_id`` again answers with the deal recorded the first time; if that
    deal was reversed since (a CRM re-opened it), it is scored again."""
    seller = check_deal(cmd, actor, state, ctx)
    rescores = None
    deal_id = None
    if cmd.external_id and cmd.external_id in ctx.deals_by_external:
        earlier = ctx.deals_by_external[cmd.external_id]
        if earlier.reversed_seq is None:
            return Decision(replay=earlier)
        rescores, deal_id = earlier.reversed_seq, earlier.id
    entry, goal_moves = score(cmd, actor, seller, state, ctx, deal_id=deal_id, rescores=rescores)
    awards, events = list(entry.awards), list(entry.events)
    for goal, moves in goal_moves.items():
        bonus, goal_events = advance_goals(
            state, state.goals[goal], moves, state.team_member_ids(seller.team_id)
        )
        awards.extend(bonus)
        events.extend(goal_events)
    entry.awards, entry.events = tuple(awards), tuple(events)
    return Decision([entry])


def score(
    cmd: RecordDeal,
    actor: Actor,
    seller: MemberFacts,
    state: State,
    ctx: Context,
    *,
    deal_id: int | None = None,
    rescores: int | None = None,
    seq: int | None = None,
    team: tuple[int, Sequence[int], dict[int, int]] | None = None,
) -> tuple[Entry, dict[int, dict[int, int]]]:
    """The entry of a checked deal with its own awards, and how far it moves each goal
    (goal → member → hundredths); the caller advances the goals. ``team``: the team the
    deal counts for, the teammates its share goes to and the team each other member's
    award counted for (a correction keeps the deal's own); by default the seller's team
    now, its active members, and each assist's team now."""
    closed_at = cmd.closed_at or ctx.now
    won = cmd.outcome == "won"
    team_id, team_ids, earned_in = team or (
        seller.team_id,
        state.team_member_ids(seller.team_id),
        {},
    )
    day = local_date(closed_at, state.tz)
    facts = DealFacts(
        seller_id=seller.id,
        won=won,
        amount=cmd.amount,
        seller_is_newcomer=is_newcomer(seller.joined_on, day, state.policy.newcomer_days),
        teammate_ids=tuple(m for m in team_ids if m != seller.id),
        assist_ids=tuple(cmd.assists),
    )
    # a teammate's share counts for the deal's team; anyone else's (an assist's) for the
    # team it counted for, or their own
    awards = [
        Award(
            a.member_id,
            team_id
            if a.member_id == seller.id or a.category == "team_share"
            else earned_in.get(a.member_id) or state.team_of(a.member_id),
            a.category,
            a.cents,
        )
        for a in score_deal(facts, state.policy)
    ]
    goal_moves: dict[int, dict[int, int]] = {}
    season = state.season_for(day)
    if won and season:
        for g in state.goals.values():
            if g.team_id == team_id and g.season_id == season.id:
                goal_moves[g.id] = {seller.id: to_cents(deal_contribution(g.metric, cmd.amount))}
    kind = DealWon if won else DealLost
    payload = kind(
        cmd.amount,
        cmd.customer.strip(),
        list(cmd.assists),
        cmd.external_id,
        deal_id or ctx.ids.take("deal"),
        rescores,
        cmd.original_amount,
        cmd.currency,
    )
    entry = new_entry(
        state,
        ctx,
        actor,
        payload,
        member_id=seller.id,
        team_id=team_id,
        occurred_at=closed_at,
        awards=tuple(awards),
        names={m: state.members[m].name for m in {seller.id, *team_ids} if m in state.members},
        seq=seq,
        day=day,
    )
    return entry, goal_moves


def actor_team(state: State, actor: Actor) -> int | None:
    """The team of the member a token acts for (None: no member)."""
    member = state.members.get(actor.member_id or 0)
    return member.team_id if member else None


def advance_goals(
    state: State,
    goal: GoalState,
    moves: dict[int, int],
    team_ids: Sequence[int],
    reopen: bool = True,
) -> tuple[list[Award], list[Event]]:
    """Move a goal by ``moves`` (member → hundredths, negative for a correction): the
    progress, a bonus the first time it is reached, and, when a correction takes it back
    below its target, the bonus it paid taken back (reaching it again pays again)."""
    awards: list[Award] = []
    events: list[Event] = []
    policy = state.policy
    value = goal.value + sum(moves.values())
    if value != goal.value:
        events.append(_progress(goal, None, value, goal.target))
    if not goal.reached and is_reached(value, goal.target):
        # team goal bonus: every member of the team, once
        cents = to_cents(policy.team_goal_bonus)
        bonus = [Award(m, goal.team_id, "bonus", cents) for m in team_ids if cents]
        awards.extend(bonus)
        events.append(GoalReached(goal.id, goal.team_id, goal.metric, "team", None, tuple(bonus)))
    elif reopen and goal.reached and not is_reached(value, _line(goal)):
        awards.extend(taken_back(goal.paid))
        events.append(GoalReopened(goal.id, goal.team_id, goal.metric, "team", None))
    for mg in goal.members.values():
        member_value = mg.value + moves.get(mg.member_id, 0)
        if member_value != mg.value:
            events.append(_progress(goal, mg.member_id, member_value, mg.target))
        if not mg.reached and is_reached(member_value, mg.target):
            cents = to_cents(policy.member_goal_bonus)
            # for the goal's team, wherever the member is now
            bonus = [Award(mg.member_id, goal.team_id, "bonus", cents)] if cents else []
            awards.extend(bonus)
            events.append(
                GoalReached(
                    goal.id, goal.team_id, goal.metric, "member", mg.member_id, tuple(bonus)
                )
            )
        elif reopen and mg.reached and not is_reached(member_value, _line(mg)):
            awards.extend(taken_back(mg.paid))
            events.append(GoalReopened(goal.id, goal.team_id, goal.metric, "member", mg.member_id))
    return awards, events


def _line(goal: GoalState | MemberGoalState) -> int:
    """Below what a reached goal reopens (its bonus taken back): its target, or the lower
    target it was reached at (a bonus already paid stays when the target is raised)."""
    return goal.target if goal.paid_at is None else min(goal.target, goal.paid_at)


def taken_back(awards: Sequence[Award]) -> list[Award]:
    return [Award(a.member_id, a.team_id, a.category, -a.cents) for a in awards]


def _progress(goal: GoalState, member_id: int | None, value: int, target: int) -> GoalProgress:
    return GoalProgress(
        goal.id, goal.team_id, goal.metric, member_id, from_cents(value), from_cents(target)
    )


def _check_member_targets(
    targets: Sequence[tuple[int, float]], team_id: int, team_name: str, state: State
) -> list[int]:
    ids = [m for m, _ in targets]
    if len(set(ids)) != len(ids):
        raise Invalid("Each member may have only one target in a goal.")
    strangers = [
        m
        for m in ids
        if m not in state.members or state.team_of(m) != team_id or not state.members[m].active
    ]
    if strangers:
        raise Invalid(
            f"Member goals must be for active members of team {team_name!r}; not: "
            f"{', '.join(map(str, strangers))}."
        )
    return ids


def _own_goal(goal_id: int, actor: Actor, state: State) -> GoalState:
    require(actor, "manager", "admin")
    goal = state.goals.get(goal_id)
    if goal is None:
        raise NotFound(f"There is no goal {goal_id}.")
    if actor.role == "manager" and actor_team(state, actor) != goal.team_id:
        raise Forbidden("Managers change the goals of their own team only.")
    return goal


def decide_goal_change(cmd: ChangeGoal, actor: Actor, state: State, ctx: Context) -> Decision:
    """New targets for a goal (and its member goals). A goal the new target makes reached
    pays its bonus now; a bonus already paid stays, whatever the new target. A member goal
    left out is removed, and like a goal removed it takes back the bonus it paid (else
    dropping it and adding it back would pay the bonus again and again)."""
    goal = _own_goal(cmd.goal_id, actor, state)
    if cmd.target is None and cmd.member_targets is None:
        raise Invalid("Send target or member_targets to change.")
    new_targets = [t for _, t in cmd.member_targets or ()]
    if cmd.target is not None:
        new_targets.append(cmd.target)
    if any(to_cents(t) < 1 for t in new_targets):
        raise Invalid("Every target must be at least 0.01.", field="target")
    team = state.teams[goal.team_id]
    if cmd.member_targets is not None:
        member_targets = list(cmd.member_targets)
        ids = _check_member_targets(member_targets, goal.team_id, team.name, state)
    else:  # as they are, even of members who left or moved since
        member_targets = [(m.member_id, from_cents(m.target)) for m in goal.members.values()]
        ids = [m for m, _ in member_targets]
    dropped = [mg for m, mg in goal.members.items() if m not in ids]
    target = to_cents(cmd.target) if cmd.target is not None else goal.target
    # the goal as it will be, to see what it reaches (the state is not changed here)
    changed = GoalState(
        goal.id, goal.team_id, goal.season_id, goal.metric, target, goal.value, goal.reached
    )
    changed.paid, changed.paid_at = goal.paid, goal.paid_at
    events: list[Event] = []
    won = ctx.won_deals.get((goal.team_id, goal.season_id), [])
    for member_id, member_target in member_targets:
        cents = to_cents(member_target)
        mg = goal.members.get(member_id)
        if mg is not None:
            changed.members[member_id] = MemberGoalState(
                member_id, cents, mg.value, mg.reached, mg.paid, mg.paid_at
            )
            continue
        # a new member goal starts from the member's won deals of the season
        value = sum(
            to_cents(deal_contribution(goal.metric, amount))
            for seller, amount in won
            if seller == member_id
        )
        changed.members[member_id] = MemberGoalState(member_id, cents, value)
        if value:
            events.append(_progress(changed, member_id, value, cents))
    awards, reached = advance_goals(
        state, changed, {}, state.team_member_ids(goal.team_id), reopen=False
    )
    awards = [*taken_back([a for mg in dropped for a in mg.paid]), *awards]
    payload = GoalChanged(
        goal.id,
        goal.metric,
        from_cents(target),
        team.name,
        [MemberTarget(m, t) for m, t in member_targets],
    )
    entry = new_entry(
        state,
        ctx,
        actor,
        payload,
        team_id=goal.team_id,
        awards=tuple(awards),
        events=(*events, *reached),
        names={m: state.members[m].name for m in ids},
        season_id=goal.season_id,
    )
    return Decision([entry])


def decide_goal_removal(cmd: RemoveGoal, actor: Actor, state: State, ctx: Context) -> Decision:
    """Remove a goal: the bonuses it paid (team and member goals) are taken back."""
    goal = _own_goal(cmd.goal_id, actor, state)
    reason = (cmd.reason or "").strip() or None
    paid = [*goal.paid, *(a for mg in goal.members.values() for a in mg.paid)]
    payload = GoalRemoved(goal.id, goal.metric, state.teams[goal.team_id].name, reason)
    entry = new_entry(
        state,
        ctx,
        actor,
        payload,
        team_id=goal.team_id,
        awards=tuple(taken_back(paid)),
        season_id=goal.season_id,
    )
    return Decision([entry])


def decide_goal(cmd: SetGoal, actor: Actor, state: State, ctx: Context) -> Decision:
    """Set a team goal with member goals under it; deals already won count at once."""
    require(actor, "manager", "admin")
    if cmd.metric not in ("revenue", "deals"):
        raise Invalid("metric must be 'revenue' or 'deals'.")
    # a target that rounds to 0 hundredths would be reached, and pay, the moment it is set
    if any(to_cents(t) < 1 for t in (cmd.target, *(t for _, t in cmd.member_targets))):
        raise Invalid("Every target must be at least 0.01.", field="target")
    team = state.teams.get(cmd.team_id)
    if team is None:
        raise NotFound(f"There is no team {cmd.team_id}.")
    if actor.role == "manager" and actor_team(state, actor) != cmd.team_id:
        raise Forbidden("Managers set goals for their own team only.")
    if cmd.season_id not in state.season_names:
        raise NotFound(f"There is no season {cmd.season_id}; create it first.")
    ids = _check_member_targets(cmd.member_targets, cmd.team_id, team.name, state)
    if any(
        g.team_id == cmd.team_id and g.season_id == cmd.season_id and g.metric == cmd.metric
        for g in state.goals.values()
    ):
        raise Conflict(f"Team {team.name!r} already has a {cmd.metric} goal for this season.")
    goal = GoalState(
        ctx.ids.take("goal"), cmd.team_id, cmd.season_id, cmd.metric, to_cents(cmd.target)
    )
    for member_id, target in cmd.member_targets:
        goal.members[member_id] = MemberGoalState(member_id, to_cents(target))
    moves: dict[int, int] = {}
    for seller_id, amount in ctx.won_deals.get((cmd.team_id, cmd.season_id), []):
        moves[seller_id] = moves.get(seller_id, 0) + to_cents(deal_contribution(cmd.metric, amount))
    awards, events = advance_goals(state, goal, moves, state.team_member_ids(cmd.team_id))
    payload = GoalSet(
        goal.id,
        cmd.season_id,
        cmd.metric,
        cmd.target,
        team.name,
        [MemberTarget(m, t) for m, t in cmd.member_targets],
    )
    entry = new_entry(
        state,
        ctx,
        actor,
        payload,
        team_id=cmd.team_id,
        awards=tuple(awards),
        events=tuple(events),
        names={m: state.members[m].name for m in ids},
    )
    return Decision([entry])
