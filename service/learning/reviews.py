"""Loss reviews (the twelve questions) and win stories: once per deal, by its seller."""

from __future__ import annotations

from typing import Any

from ..auth import Caller
from ..core.achievements import LOSS_QUESTIONS
from ..core.scoring import score_flat
from ..db.models import Deal, Entry, LossReview, Member, Story
from ..errors import Conflict, Forbidden, Invalid, NotFound
from ..ledger import Draft, Ledger, Txn

__all__ = ["ANSWERS", "pending_reviews", "post_story", "review_loss"]

ANSWERS = ("yes", "partly", "no")


async def _own_deal(caller: Caller, deal_id: int, what: str) -> tuple[Deal, Member]:
    caller.require("seller", "manager")
    deal = await Deal.get_or_none(id=deal_id)
    if deal is None:
        raise NotFound(f"There is no deal {deal_id}.")
    if caller.member_id != deal.seller_id:
        raise Forbidden(f"Only the deal's seller can write its {what}.")
    return deal, await Member.get(id=deal.seller_id)


async def review_loss(
    ledger: Ledger, caller: Caller, deal_id: int, answers: list[str], lesson: str | None
) -> dict[str, Any]:
    """The seller of a lost deal answers the twelve questions, once, and earns learning points."""
    if len(answers) != len(LOSS_QUESTIONS) or any(a not in ANSWERS for a in answers):
        raise Invalid(
            f"answers must be {len(LOSS_QUESTIONS)} answers, each 'yes', 'partly' "
            f"or 'no', in the order of the questions (got {len(answers)})."
        )
    deal, seller = await _own_deal(caller, deal_id, "loss review")
    if deal.outcome != "lost":
        raise Conflict(
            "Loss reviews are for lost deals; this deal was won — tell its story instead."
        )
    lesson = lesson.strip() if lesson and lesson.strip() else None

    async def build(txn: Txn) -> Draft:
        if await LossReview.filter(deal_id=deal.id).using_db(txn.conn).exists():
            raise Conflict("This lost deal has already been reviewed.")

        async def attach(entry: Entry) -> LossReview:
            return await LossReview.create(
                entry_id=entry.id,
                deal_id=deal.id,
                member_id=seller.id,
                team_id=deal.team_id,
                season_id=deal.season_id,
                answers=answers,
                lesson=lesson,
                using_db=txn.conn,
            )

        return Draft(
            kind="loss.reviewed",
            member_id=seller.id,
            team_id=seller.team_id,
            awards=list(score_flat(seller.id, "learning", txn.policy.loss_review_points)),
            attach=attach,
            data={
                "deal_id": deal.id,
                "customer": deal.customer,
                "lesson": lesson,
                "names": {str(seller.id): seller.name},
            },
        )

    recorded = await ledger.record(caller, build)
    review: LossReview = recorded.attached
    return {
        "id": review.id,
        "deal_id": deal.id,
        "seq": recorded.entry.seq,
        "answers": review.answers,
        "lesson": review.lesson,
        "points": sum(a["points"] for a in recorded.view["awards"]),
    }


async def post_story(ledger: Ledger, caller: Caller, deal_id: int, text: str) -> dict[str, Any]:
    """The seller of a won deal tells how it was won, once; it shows in the feed."""
    text = text.strip()
    if not text:
        raise Invalid("Tell the story in a few words: text must not be empty.")
    deal, seller = await _own_deal(caller, deal_id, "story")
    if deal.outcome != "won":
        raise Conflict("Win stories are for won deals; review this lost deal instead.")

    async def build(txn: Txn) -> Draft:
        if await Story.filter(deal_id=deal.id).using_db(txn.conn).exists():
            raise Conflict("This deal already has its story.")

        async def attach(entry: Entry) -> Story:
            return await Story.create(
                entry_id=entry.id,
                deal_id=deal.id,
                member_id=seller.id,
                text=text,
                using_db=txn.conn,
            )

        return Draft(
            kind="story.posted",
            member_id=seller.id,
            team_id=seller.team_id,
            awards=list(score_flat(seller.id, "learning", txn.policy.story_points)),
            attach=attach,
            data={
                "deal_id": deal.id,
                "customer": deal.customer,
                "amount": float(deal.amount),
                "text": text,
                "names": {str(seller.id): seller.name},
            },
        )

    recorded = await ledger.record(caller, build)
    story: Story = recorded.attached
    return {
        "id": story.id,
        "deal_id": deal.id,
        "seq": recorded.entry.seq,
        "text": story.text,
        "points": sum(a["points"] for a in recorded.view["awards"]),
    }


async def pending_reviews(member_id: int) -> list[dict[str, Any]]:
    """The member's lost deals that still wait for their loss review, newest first."""
    reviewed = await LossReview.filter(member_id=member_id).values_list("deal_id", flat=True)
    deals = (
        await Deal.filter(seller_id=member_id, outcome="lost")
        .exclude(id__in=list(reviewed))
        .order_by("-closed_at")
    )
    return [
        {
            "deal_id": d.id,
            "customer": d.customer,
            "amount": float(d.amount),
            "closed_at": d.closed_at.isoformat(),
        }
        for d in deals
    ]
