"""Deciding corrections: nothing in the ledger is edited, a correction is a new entry.

- **Reversing a deal** takes back every point it caused with negative awards: the deal's
  own (seller, team share, assists), its story's and loss review's, and the bonus of a
  goal it no longer reaches (a goal taken back below its target is reopened: reaching it
  again pays again). Its badge counts are taken back too; a badge no longer earned goes.
- **Correcting a deal** (amount, seller, assists, date, outcome, customer) is a reversal
  plus a re-scoring of the same deal, two entries decided together: goals move by the
  difference only, so a bonus is neither paid twice nor lost for a moment, and the deal
  keeps its id and ``external_id``. Its story and review keep their points unless the
  outcome changes.
- **Revoking kudos or mentoring** takes the points back and gives the giver back the
  allowance or budget of the week they were given in.
"""

from __future__ import annotations

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .calendar import local_date
from .commands import (
    Context,
    CorrectDeal,
    DealRef,
    Decision,
    GiftRef,
    RecordDeal,
    ReverseDeal,
    RevokeKudos,
    RevokeMentoring,
    new_entry,
    require,
)
from .deals import actor_team, advance_goals, check_deal, score, taken_back
from .entries import (
    Actor,
    Award,
    DealReversed,
    Entry,
    Event,
    KudosRevoked,
    MentoringRevoked,
)
from .goals import deal_contribution
from .points import from_cents, to_cents
from .state import State

__all__ = ["decide_correction", "decide_reversal", "decide_revocation"]

MAX_REASON = 500


def decide_reversal(cmd: ReverseDeal, actor: Actor, state: State, ctx: Context) -> Decision:
    """Take a deal back: every point it caused, with a reason."""
    reason = _reason(cmd.reason, required=True)
    deal = _deal(cmd.deal_id, actor, state, ctx)
    moves = _goal_moves(deal, state, -1)
    entry = _reversal(deal, reason, actor, state, ctx, moves, correction=False)
    return Decision([entry])


def decide_correction(cmd: CorrectDeal, actor: Actor, state: State, ctx: Context) -> Decision:
    """A deal as it should have been: a reversal and a re-scoring, linked."""
    reason = _reason(cmd.reason, required=False) or "corrected"
    deal = _deal(cmd.deal_id, actor, state, ctx)
    fixed = RecordDeal(
        cmd.seller_id if cmd.seller_id is not None else deal.seller_id,
        cmd.outcome if cmd.outcome is not None else deal.outcome,
        cmd.amount if cmd.amount is not None else deal.amount,
        cmd.customer if cmd.customer is not None else deal.customer,
        tuple(cmd.assists) if cmd.assists is not None else tuple(deal.assists),
        deal.external_id,
        cmd.closed_at if cmd.closed_at is not None else deal.closed_at,
        # as the CRM sent it: kept while the amount is not corrected, else the new one's
        deal.original_amount if cmd.amount is None else cmd.original_amount,
        deal.currency if cmd.amount is None else cmd.currency,
    )
    if (
        fixed.seller_id,
        fixed.outcome,
        to_cents(fixed.amount),
        fixed.customer.strip(),
        list(fixed.assists),
        fixed.closed_at,
    ) == (
        deal.seller_id,
        deal.outcome,
        to_cents(deal.amount),
        deal.customer,
        list(deal.assists),
        deal.closed_at,
    ):
        return Decision(replay=deal)  # nothing changes: nothing to record
    # the corrected deal must pass every rule a new one does (a manager's own team, ...)
    kept = deal.assists if cmd.assists is None else ()
    same = fixed.seller_id == deal.seller_id
    seller = check_deal(fixed, actor, state, ctx, kept=kept, same_seller=same)
    team = _team_of(deal, state) if same else None
    # goals move once, by the difference: a goal the deal counts in before and after
    # moves with the re-scoring, by the new contribution less the old one
    old_moves = _goal_moves(deal, state, -1)
    new_goals = _goals_counting(fixed, team[0] if team else seller.team_id, state)
    reversal = _reversal(
        deal,
        reason,
        actor,
        state,
        ctx,
        {g: m for g, m in old_moves.items() if g not in new_goals},
        correction=True,
        learning=fixed.outcome != deal.outcome,
    )
    rescore, new_moves = score(
        fixed,
        actor,
        seller,
        state,
        ctx,
        deal_id=deal.id,
        rescores=reversal.seq,
        seq=reversal.seq + 1,
        team=team,
    )
    for goal_id, moves in new_moves.items():
        for member, cents in old_moves.get(goal_id, {}).items():
            moves[member] = moves.get(member, 0) + cents
    awards, events = list(rescore.awards), list(rescore.events)
    _advance(state, new_moves, awards, events)
    rescore.awards, rescore.events = tuple(awards), tuple(events)
    rescore.names = {**rescore.names, **_names(state, awards)}
    return Decision([reversal, rescore])


def decide_revocation(
    cmd: RevokeKudos | RevokeMentoring, actor: Actor, state: State, ctx: Context
) -> Decision:
    """Kudos or mentoring taken back (admin): the points, and the giver's allowance or
    budget of that week given back."""
    require(actor, "admin")
    reason = _reason(cmd.reason, required=False)
    kudos = isinstance(cmd, RevokeKudos)
    what = "kudos" if kudos else "mentoring award"
    gift_id = cmd.kudos_id if isinstance(cmd, RevokeKudos) else cmd.mentoring_id
    gift: GiftRef | None = (ctx.kudos if kudos else ctx.mentoring).get(gift_id)
    if gift is None:
        raise NotFound(f"There is no {what} {gift_id}.")
    if gift.revoked_seq is not None:
        raise Conflict(
            f"This {what} was already revoked (ledger entry {gift.revoked_seq}); "
            "there is nothing left to take back."
        )
    points = from_cents(gift.cents)
    payload: KudosRevoked | MentoringRevoked
    if isinstance(cmd, RevokeKudos):
        assert gift.giver_id is not None
        payload = KudosRevoked(
            gift.id,
            gift.giver_id,
            gift.member_id,
            points,
            gift.week,
            gift.seq,
            gift.strength,
            reason,
            gift.given_at,
        )
    else:
        payload = MentoringRevoked(
            gift.id,
            gift.member_id,
            points,
            gift.week,
            gift.seq,
            gift.giver_id,
            reason,
            gift.given_at,
        )
    awards = tuple(taken_back(gift.awards))
    entry = new_entry(
        state,
        ctx,
        actor,
        payload,
        member_id=gift.member_id,
        team_id=awards[0].team_id if awards else None,
        awards=awards,
        season_id=gift.season_id,
        names=_names(state, (), gift.giver_id),
    )
    return Decision([entry])


# -- the parts ------------------------------------------------------------------------------


def _reason(text: str | None, *, required: bool) -> str | None:
    reason = (text or "").strip()
    if required and not reason:
        raise Invalid(
            "reason must say why the deal is reversed (it is shown in the feed).", field="reason"
        )
    if len(reason) > MAX_REASON:
        raise Invalid(f"reason must be at most {MAX_REASON} characters.", field="reason")
    return reason or None


def _deal(deal_id: int, actor: Actor, state: State, ctx: Context) -> DealRef:
    require(actor, "admin", "manager", "integration")
    deal = ctx.deals.get(deal_id)
    if deal is None:
        raise NotFound(f"There is no deal {deal_id}.")
    if actor.role == "manager" and actor_team(state, actor) != deal.team_id:
        raise Forbidden("Managers correct and reverse deals of their own team only.")
    if deal.reversed_seq is not None:
        raise Conflict(
            f"Deal {deal_id} was already reversed (ledger entry {deal.reversed_seq}); "
            "record it again as a new deal if it should count."
        )
    return deal


def _team_of(deal: DealRef, state: State) -> tuple[int, list[int], dict[int, int]]:
    """The team a deal was earned for, who shares it and the team each award counted
    for: a correction that keeps the seller re-scores it as it was, whoever moved or left
    since (the teammates its share went to; a deal that paid no share: that team's
    members now)."""
    earned_in = {a.member_id: a.team_id for a in deal.awards}
    sharers = [a.member_id for a in deal.awards if a.category == "team_share" and a.cents > 0]
    if not sharers:
        return deal.team_id, list(state.team_member_ids(deal.team_id)), earned_in
    return deal.team_id, [deal.seller_id, *sharers], earned_in


def _goal_moves(deal: DealRef, state: State, sign: int) -> dict[int, dict[int, int]]:
    """How far the deal moved each goal (goal → member → hundredths), times ``sign``: a
    won deal counts in its team's goals of its season (and its seller's part of them),
    whenever the goal was set."""
    if deal.outcome != "won" or deal.season_id is None:
        return {}
    return {
        g.id: {deal.seller_id: sign * to_cents(deal_contribution(g.metric, deal.amount))}
        for g in state.goals.values()
        if g.team_id == deal.team_id and g.season_id == deal.season_id
    }


def _goals_counting(deal: RecordDeal, team_id: int, state: State) -> set[int]:
    """The goals a deal with these facts counts in (as ``score`` moves them)."""
    if deal.outcome != "won" or deal.closed_at is None:
        return set()
    season = state.season_for(local_date(deal.closed_at, state.tz))
    if season is None:
        return set()
    return {g.id for g in state.goals.values() if (g.team_id, g.season_id) == (team_id, season.id)}


def _advance(
    state: State, goal_moves: dict[int, dict[int, int]], awards: list[Award], events: list[Event]
) -> None:
    for goal_id, moves in goal_moves.items():
        goal = state.goals[goal_id]
        bonus, goal_events = advance_goals(state, goal, moves, state.team_member_ids(goal.team_id))
        awards.extend(bonus)
        events.extend(goal_events)


def _reversal(
    deal: DealRef,
    reason: str | None,
    actor: Actor,
    state: State,
    ctx: Context,
    goal_moves: dict[int, dict[int, int]],
    *,
    correction: bool,
    learning: bool = True,
) -> Entry:
    """The entry that takes a deal back (``learning``: its story's and review's points
    too)."""
    story = learning and bool(deal.story_awards)
    review = learning and deal.has_review
    awards = taken_back(deal.awards)
    if learning:
        awards += taken_back(deal.story_awards) + taken_back(deal.review_awards)
    events: list[Event] = []
    _advance(state, goal_moves, awards, events)
    payload = DealReversed(
        deal.id,
        reason or "",
        deal.outcome,
        deal.amount,
        deal.customer,
        deal.seller_id,
        deal.closed_at,
        deal.seq,
        list(deal.assists),
        deal.external_id,
        story,
        review,
        correction,
    )
    return new_entry(
        state,
        ctx,
        actor,
        payload,
        member_id=deal.seller_id,
        team_id=deal.team_id,
        awards=tuple(awards),
        events=tuple(events),
        season_id=deal.season_id,
    )


def _names(
    state: State, awards: list[Award] | tuple[Award, ...], *more: int | None
) -> dict[int, str]:
    ids = {a.member_id for a in awards} | {m for m in more if m}
    return {m: state.members[m].name for m in ids if m in state.members}
