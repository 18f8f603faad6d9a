"""Customer feedback after a meeting: one-time, expiring, unguessable links."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from redis.asyncio import Redis

from ..auth import Caller
from ..core.calendar import iso_week
from ..core.commands import AnswerFeedback
from ..core.entries import Actor, FeedbackReceived
from ..core.learning import FEEDBACK_TEXTS
from ..db.models import Feedback, FeedbackRequest, Member
from ..db.queries import current_policy
from ..engine.writer import Writer
from ..errors import Conflict, Forbidden, Gone, Invalid, LimitReached, NotFound
from .ratelimit import count_attempt

__all__ = [
    "FeedbackLink",
    "RequestCounter",
    "check_open",
    "create_request",
    "feedback_list",
    "find_link",
    "submit_feedback",
]

# ``reason`` travels in the problem details, so the customer's page (and any client) can
# say in its own language what happened
_UNKNOWN, _USED, _EXPIRED = (
    FEEDBACK_TEXTS["unknown"],
    FEEDBACK_TEXTS["used"],
    FEEDBACK_TEXTS["expired"],
)
_KEY_LENGTH = 64  # FeedbackRequest.key


@dataclass(frozen=True)
class FeedbackLink:
    request: FeedbackRequest
    seller: Member


@dataclass(frozen=True)
class RequestCounter:
    """Where the weekly count of feedback requests per seller is kept (shared Redis)."""

    redis: Redis
    prefix: str
    tz: ZoneInfo


async def _count_request(counter: RequestCounter, seller_id: int, week: str, limit: int) -> None:
    """A seller could answer their own links for points: cap the links per ISO week.

    Counted in Redis (atomic across instances; a flushed Redis only resets the count)
    because creating a link is not a ledger write."""
    key = f"{counter.prefix}:feedback-requests:{seller_id}:{week}"
    if await count_attempt(counter.redis, key, window=8 * 24 * 3600) > limit:
        raise LimitReached(
            f"This seller has already asked {limit} customers for feedback this week, the "
            "most the policy allows (feedback_requests_weekly_limit); try again next week.",
            remaining=0,
        )


async def create_request(
    caller: Caller, seller_id: int, customer: str, meeting_on: date | None, counter: RequestCounter
) -> FeedbackRequest:
    """A seller (for themselves), their manager or an admin asks a customer for feedback."""
    caller.require("seller", "manager", "admin")
    seller = await Member.get_or_none(id=seller_id)
    if seller is None:
        raise NotFound(f"There is no member {seller_id}.")
    if caller.role == "seller" and caller.member_id != seller_id:
        raise Forbidden("Sellers ask for feedback on their own meetings only.")
    if caller.role == "manager" and caller.team_id != seller.team_id:
        raise Forbidden("Managers ask for feedback for members of their own team only.")
    if not customer.strip():
        raise Invalid("Name the customer the meeting was with.")
    policy = await current_policy()
    now = datetime.now(UTC)
    await _count_request(
        counter, seller_id, iso_week(now, counter.tz), policy.feedback_requests_weekly_limit
    )
    # 32 random bytes: guessing a live link is hopeless, and /f/ is rate-limited too
    return await FeedbackRequest.create(
        key=secrets.token_urlsafe(32),
        seller_id=seller_id,
        customer=customer.strip(),
        meeting_on=meeting_on,
        created_by_role=caller.role,
        expires_at=now + timedelta(days=policy.feedback_link_days),
    )


def check_open(request: FeedbackRequest, now: datetime) -> None:
    """An answered link → 409, an expired one → 410; else it may be answered."""
    if request.used_at is not None:
        raise Conflict(_USED, reason="used")
    if request.expires_at <= now:
        raise Gone(_EXPIRED, reason="expired")


async def find_link(key: str) -> FeedbackLink:
    """The open request behind a key: unknown → 404, answered → 409, expired → 410."""
    # a key longer than the column cannot exist (and Tortoise refuses to query for it)
    request = await FeedbackRequest.get_or_none(key=key) if len(key) <= _KEY_LENGTH else None
    if request is None:
        raise NotFound(_UNKNOWN, reason="unknown")
    check_open(request, datetime.now(UTC))
    return FeedbackLink(request, await Member.get(id=request.seller_id))


async def submit_feedback(
    writer: Writer, key: str, rating: int, comment: str | None
) -> dict[str, Any]:
    """The customer's answer: accepted once; points to the seller by rating."""
    if not 1 <= rating <= 5:
        raise Invalid("rating must be a whole number from 1 to 5.")
    link = await find_link(key)
    command = AnswerFeedback(link.request.id, rating, comment)
    entry = (await writer.submit(command, Actor("customer"))).entries[0]
    p = entry.payload
    assert isinstance(p, FeedbackReceived)
    return {
        "id": p.feedback_id,
        "rating": rating,
        "comment": p.comment,
        "seller_id": entry.member_id,
    }


async def feedback_list(
    team_id: int | None, seller_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """Collected feedback, good and bad, newest first."""
    query = Feedback.all()
    if team_id is not None:
        query = query.filter(team_id=team_id)
    if seller_id is not None:
        query = query.filter(seller_id=seller_id)
    rows = await query.order_by("-id").limit(limit).prefetch_related("request", "entry")
    names = {m.id: m.name for m in await Member.filter(id__in={r.seller_id for r in rows})}
    return [
        {
            "id": r.id,
            "seller_id": r.seller_id,
            "seller_name": names.get(r.seller_id),
            "team_id": r.team_id,
            "customer": r.request.customer,
            "rating": r.rating,
            "comment": r.comment,
            "meeting_on": r.request.meeting_on.isoformat() if r.request.meeting_on else None,
            "received_at": r.entry.recorded_at.isoformat(),
        }
        for r in rows
    ]
