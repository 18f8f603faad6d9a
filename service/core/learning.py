"""Deciding the learning loop: loss reviews and win stories (once per deal, by its
seller) and customer feedback (once per link, before it expires)."""

from __future__ import annotations

from ..errors import Conflict, Forbidden, Gone, Invalid, NotFound
from .achievements import LOSS_QUESTIONS
from .commands import (
    AnswerFeedback,
    Context,
    DealRef,
    Decision,
    ImprovementProgress,
    PostStory,
    ReviewLoss,
    new_entry,
    require,
)
from .entries import Actor, Award, FeedbackReceived, LossReviewed, StoryPosted
from .improvement import progress
from .points import to_cents
from .state import State

__all__ = [
    "ANSWERS",
    "FEEDBACK_TEXTS",
    "decide_feedback",
    "decide_progress",
    "decide_review",
    "decide_story",
]

ANSWERS = ("yes", "partly", "no")

# ``reason`` travels in the problem details, so the customer's page can say in its own
# language what happened
FEEDBACK_TEXTS = {
    "unknown": "This feedback link does not exist; check that the whole address was copied.",
    "used": "This feedback has already been given. Thank you!",
    "expired": "This feedback link has expired; ask your contact for a new one.",
}


def _points(state: State, member_id: int, category: str, points: float) -> tuple[Award, ...]:
    cents = to_cents(points)
    return (Award(member_id, state.team_of(member_id), category, cents),) if cents else ()


def _own_deal(actor: Actor, ctx: Context, deal_id: int, what: str) -> DealRef:
    require(actor, "seller", "manager")
    deal = ctx.deals.get(deal_id)
    if deal is None:
        raise NotFound(f"There is no deal {deal_id}.")
    if actor.member_id != deal.seller_id:
        raise Forbidden(f"Only the deal's seller can write its {what}.")
    if deal.reversed_seq is not None:
        raise Conflict(f"Deal {deal_id} was reversed; a reversed deal takes no {what}.")
    return deal


def decide_review(cmd: ReviewLoss, actor: Actor, state: State, ctx: Context) -> Decision:
    """The seller of a lost deal answers the twelve questions, once, for learning points."""
    answers = list(cmd.answers)
    if len(answers) != len(LOSS_QUESTIONS) or any(a not in ANSWERS for a in answers):
        raise Invalid(
            f"answers must be {len(LOSS_QUESTIONS)} answers, each 'yes', 'partly' "
            f"or 'no', in the order of the questions (got {len(answers)})."
        )
    deal = _own_deal(actor, ctx, cmd.deal_id, "loss review")
    if deal.outcome != "lost":
        raise Conflict(
            "Loss reviews are for lost deals; this deal was won — tell its story instead."
        )
    if deal.has_review:
        raise Conflict("This lost deal has already been reviewed.")
    lesson = cmd.lesson.strip() if cmd.lesson and cmd.lesson.strip() else None
    seller = state.members[deal.seller_id]
    payload = LossReviewed(deal.id, deal.customer, lesson, answers, ctx.ids.take("loss_review"))
    # beyond the week's paid reviews the review is kept, for no points
    limit = state.policy.loss_reviews_weekly_paid
    paid = state.reviews_week(ctx.week(state.tz)).get(seller.id, 0)
    points = state.policy.loss_review_points if not limit or paid < limit else 0
    awards = _points(state, seller.id, "learning", points)
    entry = new_entry(
        state, ctx, actor, payload, member_id=seller.id, team_id=seller.team_id, awards=awards
    )
    return Decision([entry])


def decide_story(cmd: PostStory, actor: Actor, state: State, ctx: Context) -> Decision:
    """The seller of a won deal tells how it was won, once; it shows in the feed."""
    text = cmd.text.strip()
    if not text:
        raise Invalid("Tell the story in a few words: text must not be empty.")
    deal = _own_deal(actor, ctx, cmd.deal_id, "story")
    if deal.outcome != "won":
        raise Conflict("Win stories are for won deals; review this lost deal instead.")
    if deal.has_story:
        raise Conflict("This deal already has its story.")
    seller = state.members[deal.seller_id]
    payload = StoryPosted(deal.id, deal.customer, deal.amount, text, ctx.ids.take("story"))
    awards = _points(state, seller.id, "learning", state.policy.story_points)
    entry = new_entry(
        state, ctx, actor, payload, member_id=seller.id, team_id=seller.team_id, awards=awards
    )
    return Decision([entry])


def decide_feedback(cmd: AnswerFeedback, actor: Actor, state: State, ctx: Context) -> Decision:
    """The customer's answer to a one-time link: accepted once, points by rating."""
    if not 1 <= cmd.rating <= 5:
        raise Invalid("rating must be a whole number from 1 to 5.")
    link = ctx.feedback_requests.get(cmd.request_id)
    if link is None:
        raise NotFound(FEEDBACK_TEXTS["unknown"], reason="unknown")
    if link.used:
        raise Conflict(FEEDBACK_TEXTS["used"], reason="used")
    if link.expires_at <= ctx.now:
        raise Gone(FEEDBACK_TEXTS["expired"], reason="expired")
    comment = cmd.comment.strip()[:2000] if cmd.comment and cmd.comment.strip() else None
    seller = state.members[link.seller_id]
    payload = FeedbackReceived(
        link.customer, cmd.rating, comment, link.id, ctx.ids.take("feedback")
    )
    # the customer's answer is kept either way; a seller who has left gets no points
    points = state.policy.feedback_points[cmd.rating] if seller.active else 0
    awards = _points(state, seller.id, "feedback", points)
    entry = new_entry(
        state, ctx, actor, payload, member_id=seller.id, team_id=seller.team_id, awards=awards
    )
    return Decision([entry])


def decide_progress(cmd: ImprovementProgress, actor: Actor, state: State, ctx: Context) -> Decision:
    """Where a member stands this week against the improvement bonus; any token may read
    it (it is on the boards anyway)."""
    member = state.members.get(cmd.member_id)
    if member is None:
        raise NotFound(f"There is no member {cmd.member_id}.")
    return Decision(progress=progress(member, state, ctx.now))
