"""Deciding peer-help kudos and managers' mentoring points, within weekly allowances."""

from __future__ import annotations

from datetime import timedelta

from ..errors import Conflict, Forbidden, Invalid, LimitReached, NotFound
from .calendar import local_date, week_name
from .commands import (
    AllowanceLeft,
    AwardMentoring,
    Context,
    Decision,
    GiveKudos,
    new_entry,
    require,
)
from .entries import Actor, Award, KudosGiven, MentoringAwarded
from .points import from_cents, to_cents
from .rules import KudosUsage, check_kudos, check_mentoring
from .state import State

__all__ = [
    "STRENGTHS",
    "decide_allowance",
    "decide_kudos",
    "decide_mentoring",
    "kudos_left",
    "mentoring_left",
]

STRENGTHS = (
    "communicator",
    "big-picture",
    "closer",
    "coach",
    "product-expert",
    "listener",
    "organizer",
)


def kudos_usage(state: State, week: str, giver: int, recipient: int) -> KudosUsage:
    given = state.kudos_week(week)
    mine = given.get(giver, {})
    return KudosUsage(
        given_total=sum(mine.values()),
        given_to_recipient=mine.get(recipient, 0),
        received_from_recipient=given.get(recipient, {}).get(giver, 0),
    )


def kudos_left(state: State, week: str, giver: int) -> tuple[int, int]:
    """(used, left) of a giver's weekly kudos allowance, in hundredths."""
    used = sum(state.kudos_week(week).get(giver, {}).values())
    return used, max(to_cents(state.policy.kudos_weekly_allowance) - used, 0)


def mentoring_left(state: State, week: str, manager: int) -> tuple[int, int]:
    """(used, left) of a manager's weekly mentoring budget, in hundredths."""
    used = state.mentoring_week(week).get(manager, 0)
    return used, max(to_cents(state.policy.mentoring_weekly_budget) - used, 0)


def decide_kudos(cmd: GiveKudos, actor: Actor, state: State, ctx: Context) -> Decision:
    """Kudos: thanks from one member to another, within the giver's weekly allowance."""
    require(actor, "seller", "manager")
    if cmd.strength is not None and cmd.strength not in STRENGTHS:
        raise Invalid(f"strength must be one of: {', '.join(STRENGTHS)}.")
    message = cmd.message.strip()
    if not message:
        raise Invalid("Say thanks in a few words: message must not be empty.")
    recipient = state.members.get(cmd.to_member_id)
    if recipient is None:
        raise NotFound(f"There is no member {cmd.to_member_id} to thank.")
    if not recipient.active:
        raise Conflict(f"{recipient.name} has left; kudos go to current colleagues only.")
    giver = actor.member_id
    if giver is None:
        raise Forbidden("Kudos are given by a member; use a seller or manager token.")
    if state.has_left(giver):
        raise Forbidden("Members who have left no longer give kudos.")
    week = ctx.week(state.tz)
    usage = kudos_usage(state, week, giver, recipient.id)
    cents = check_kudos(giver, recipient.id, cmd.points, usage, state.policy)
    _check_ring(state, ctx, giver, recipient.id, cents)
    _check_swaps(state, ctx, giver, recipient.id)
    payload = KudosGiven(
        giver, recipient.id, from_cents(cents), message, cmd.strength, ctx.ids.take("kudos")
    )
    awards = (Award(recipient.id, recipient.team_id, "help", cents),)
    entry = new_entry(
        state, ctx, actor, payload, member_id=recipient.id, team_id=recipient.team_id, awards=awards
    )
    left = to_cents(state.policy.kudos_weekly_allowance) - usage.given_total - cents
    return Decision([entry], remaining=max(left, 0))


def _weeks(ctx: Context, state: State, count: int) -> list[str]:
    """This ISO week and the ``count - 1`` before it, newest first: stepped back in local
    days (168 hours back is another local week on the nights the clocks change)."""
    today = local_date(ctx.now, state.tz)
    return [week_name(today - timedelta(weeks=n)) for n in range(count)]


def _check_ring(state: State, ctx: Context, giver: int, to: int, cents: int) -> None:
    """Rings of three: when ``to`` thanked someone this week or last who thanked
    ``giver`` in that time, the gift closes a ring A→B→C→A; each link of a ring carries
    at most ``kudos_ring_limit`` points over the two weeks (thanks passed round a ring
    are points made out of nothing)."""
    limit = to_cents(state.policy.kudos_ring_limit)
    if not limit:
        return
    weeks = [state.kudos_weeks.get(week, {}) for week in _weeks(ctx, state, 2)]
    left = limit - sum(w.get(giver, {}).get(to, 0) for w in weeks)
    if cents <= left:
        return  # within the limit whether or not it closes a ring
    # whom ``to`` thanked (a few people), and whether any of them thanked ``giver``
    thanked = sorted({c for w in weeks for c, given in w.get(to, {}).items() if given})
    third = next(
        (
            c
            for c in thanked
            if c not in (giver, to) and any(w.get(c, {}).get(giver) for w in weeks)
        ),
        None,
    )
    if third is None:
        return
    name = state.members[to].name if to in state.members else "your teammate"
    other = state.members[third].name if third in state.members else "a teammate"
    # the link's two weeks move on each Monday: what was given this week holds it until
    # the week after next, what was given last week only until next week
    until = "the week after next" if weeks[0].get(giver, {}).get(to, 0) else "next week"
    more = (
        f"you can give {name} at most {from_cents(max(left, 0))} more point(s) now"
        if left > 0
        else f"you cannot thank {name} with points again until {until}"
    )
    raise LimitReached(
        f"{name} thanked {other} and {other} thanked you this week or last: thanks that go "
        f"round a ring of three carry at most {state.policy.kudos_ring_limit:g} points a "
        f"link over two weeks, so {more}.",
        remaining=from_cents(max(left, 0)),
    )


def _check_swaps(state: State, ctx: Context, giver: int, to: int) -> None:
    """Pairs that swap thanks every week: when the two thanked each other both ways in
    each of the ``kudos_swap_weeks`` weeks before this one, and ``to`` has thanked
    ``giver`` this week already, thanking back is refused."""
    weeks = state.policy.kudos_swap_weeks
    if not weeks:
        return
    this_week, *before = _weeks(ctx, state, weeks + 1)
    if not state.kudos_weeks.get(this_week, {}).get(to, {}).get(giver):
        return
    for week in before:
        given = state.kudos_weeks.get(week, {})
        if not (given.get(giver, {}).get(to) and given.get(to, {}).get(giver)):
            return
    name = state.members[to].name if to in state.members else "this teammate"
    raise LimitReached(
        f"You and {name} have thanked each other every week for the last {weeks} weeks, "
        f"and {name} thanked you this week: thanks that go back and forth every week look "
        "like a trade, so this week only one of you thanks the other. Thank someone else, "
        "or thank them next week.",
        remaining=0,
    )


def decide_mentoring(cmd: AwardMentoring, actor: Actor, state: State, ctx: Context) -> Decision:
    """Mentoring points: a manager rewards sharing knowledge, within a weekly budget."""
    require(actor, "manager", "admin")
    note = cmd.note.strip()
    if not note:
        raise Invalid("Add a note saying what the mentoring was for.")
    member = state.members.get(cmd.member_id)
    if member is None:
        raise NotFound(f"There is no member {cmd.member_id}.")
    if not member.active:
        raise Conflict(f"{member.name} has left; mentoring points go to current members only.")
    manager = actor.member_id
    if actor.role == "manager" and (
        manager not in state.members or state.team_of(manager) != member.team_id
    ):
        raise Forbidden("Managers award mentoring points to members of their own team only.")
    used = 0
    if manager is not None:  # admins have no budget of their own
        used = state.mentoring_week(ctx.week(state.tz)).get(manager, 0)
    cents = check_mentoring(manager, member.id, cmd.points, used, state.policy)
    payload = MentoringAwarded(
        member.id, from_cents(cents), note, manager, ctx.ids.take("mentoring")
    )
    awards = (Award(member.id, member.team_id, "mentoring", cents),)
    entry = new_entry(
        state, ctx, actor, payload, member_id=member.id, team_id=member.team_id, awards=awards
    )
    left = to_cents(state.policy.mentoring_weekly_budget) - used - cents
    return Decision([entry], remaining=max(left, 0) if manager is not None else None)


def decide_allowance(cmd: AllowanceLeft, actor: Actor, state: State, ctx: Context) -> Decision:
    """What is left this week of the caller's kudos allowance or mentoring budget."""
    require(actor, "seller", "manager") if cmd.what == "kudos" else require(actor, "manager")
    week = ctx.week(state.tz)
    left = kudos_left if cmd.what == "kudos" else mentoring_left
    used, remaining = left(state, week, actor.member_id or 0)
    if state.has_left(actor.member_id):
        remaining = 0  # who has left gives nothing more
    # what was given this week, also when the allowance was lowered below it since
    return Decision(remaining=remaining, answer={"used": used})
