"""Customer feedback after a meeting: one-time, expiring, unguessable links."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from msgspec import Struct
from redis.asyncio import Redis
from tortoise.expressions import Subquery

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
    "Praise",
    "RequestCounter",
    "check_open",
    "create_request",
    "feedback_list",
    "feedback_summary",
    "find_link",
    "praise",
    "praise_since",
    "submit_feedback",
    "summarize",
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
    asker = await Member.get_or_none(id=caller.member_id) if caller.member_id else None
    if caller.role in ("seller", "manager") and asker is not None and not asker.active:
        raise Forbidden(f"{asker.name} has left the team: this token records nothing more.")
    if not seller.active:
        raise Conflict(f"{seller.name} has left (inactive): no feedback is asked for them now.")
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


TREND_DAYS = 30  # a seller's trend: the ratings of the last 30 days against the 30 before
TREND_STEP = 0.3  # a change of the average smaller than this is no trend


async def feedback_summary(team_id: int, today: date, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Per seller of the team, what customers said (see ``summarize``), with names."""
    rows = await Feedback.filter(team_id=team_id).values(
        "seller_id", "rating", "entry__recorded_at"
    )
    ratings = [
        (r["seller_id"], r["rating"], r["entry__recorded_at"].astimezone(tz).date()) for r in rows
    ]
    names = {m.id: m.name for m in await Member.filter(id__in={r[0] for r in ratings})}
    return summarize(ratings, today, names)


def summarize(
    ratings: list[tuple[int, int, date]], today: date, names: dict[int, str]
) -> list[dict[str, Any]]:
    """Per seller, from (seller, rating, org-local day) triples: how many ratings, their
    average, and the trend: the average of the last 30 days (today included) against the
    30 days before — ``up`` or ``down`` when it moved by 0.3 or more, else ``flat``;
    ``None`` without ratings in both. Best average first."""
    recent_from = today - timedelta(days=TREND_DAYS - 1)
    before_from = recent_from - timedelta(days=TREND_DAYS)
    sellers: dict[int, dict[str, list[int]]] = {}
    for seller_id, rating, day in ratings:
        mine = sellers.setdefault(seller_id, {"all": [], "recent": [], "before": []})
        mine["all"].append(rating)
        if day >= recent_from:
            mine["recent"].append(rating)
        elif day >= before_from:
            mine["before"].append(rating)

    def average(values: list[int]) -> float | None:
        return round(sum(values) / len(values), 2) if values else None

    out: list[dict[str, Any]] = []
    for seller_id, mine in sellers.items():
        recent, before = average(mine["recent"]), average(mine["before"])
        trend = None
        if recent is not None and before is not None:
            change = recent - before
            trend = "up" if change >= TREND_STEP else "down" if change <= -TREND_STEP else "flat"
        out.append(
            {
                "seller_id": seller_id,
                "seller_name": names.get(seller_id, ""),
                "count": len(mine["all"]),
                "average": average(mine["all"]),
                "last_30_days": {"count": len(mine["recent"]), "average": recent},
                "30_days_before": {"count": len(mine["before"]), "average": before},
                "trend": trend,
            }
        )
    out.sort(key=lambda s: (-float(s["average"] or 0), -int(s["count"]), str(s["seller_name"])))
    return out


PRAISE_DAYS = 30  # praise on the TV: the good comments of the last 30 days
PRAISE_RATING = 4  # a rating of 4 or 5 is praise

# what could name the customer besides their company: an email address, a phone number
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_PHONE = re.compile(r"\+?\d[\d ().-]{5,}\d")
_HIDDEN = "…"


class Praise(Struct):
    """A customer's good comment (rated 4 or 5) on a seller, told without the customer:
    no customer, company, meeting or link; their company's name, email addresses and
    phone numbers are cut from the comment (``…``)."""

    id: int
    seller_id: int
    seller_name: str
    team_id: int
    rating: int
    comment: str
    received_at: str


def anonymised(comment: str, customer: str) -> str:
    """The comment without what names the customer: their company, whole or any of its
    longer words ("Equinor" of "Equinor ASA"), email addresses and phone numbers."""
    text = _PHONE.sub(_HIDDEN, _EMAIL.sub(_HIDDEN, comment))
    words = [customer.strip(), *(w for w in re.split(r"\W+", customer) if len(w) >= 4)]
    for word in sorted(filter(None, words), key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", _HIDDEN, text, flags=re.IGNORECASE)
    return text


def praise_since(today: date, tz: ZoneInfo) -> datetime:
    """Where the praise told on ``today`` begins: the org's midnight ``PRAISE_DAYS`` days
    back, today included."""
    return datetime.combine(today - timedelta(days=PRAISE_DAYS - 1), time(), tz)


async def praise(team_id: int | None, today: date, tz: ZoneInfo, limit: int) -> list[Praise]:
    """The newest praise of the last ``PRAISE_DAYS`` days (today included), of sellers
    still on the boards, of one team or everyone's: who was praised, never by whom."""
    since = praise_since(today, tz)
    query = Feedback.filter(
        rating__gte=PRAISE_RATING,
        comment__not_isnull=True,
        entry__recorded_at__gte=since,
        seller_id__in=Subquery(Member.filter(active=True).values("id")),
    ).exclude(comment="")
    if team_id is not None:
        query = query.filter(team_id=team_id)
    rows = await query.order_by("-id").limit(limit).prefetch_related("request", "entry")
    names = {m.id: m.name for m in await Member.filter(id__in={r.seller_id for r in rows})}
    return [
        Praise(
            id=r.id,
            seller_id=r.seller_id,
            seller_name=names.get(r.seller_id, ""),
            team_id=r.team_id,
            rating=r.rating,
            comment=anonymised(r.comment or "", r.request.customer),
            received_at=r.entry.recorded_at.isoformat(),
        )
        for r in rows
    ]
