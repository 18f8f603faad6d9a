"""HTTP routes of the learning loop (the customer's public page is in ``public``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

import segno
from litestar import Request, get, post
from litestar.params import Parameter
from litestar.response import Stream
from litestar.status_codes import HTTP_201_CREATED
from msgspec import Meta, Struct

from ..api.problems import refusals
from ..auth import Caller
from ..boards import Boards
from ..core.commands import ImprovementProgress, PostStory, ReviewLoss
from ..core.entries import LossReviewed, StoryPosted
from ..core.improvement import WeekProgress
from ..core.points import from_cents
from ..db.models import Member, Team
from ..db.queries import current_policy
from ..engine.writer import Writer
from ..errors import Forbidden, Invalid, NotFound
from ..reads import pending_reviews, resolve_season, untold_stories, win_stories
from ..schemas import Id, IdParam, OptionalId, SeasonParam
from ..settings import Settings
from . import export, feedback, insights
from .public import TEXTS

__all__ = ["routes"]

Answer = Literal["yes", "partly", "no"]


class LossReviewIn(Struct, forbid_unknown_fields=True):
    answers: Annotated[
        list[Answer],
        Meta(min_length=12, max_length=12, description="12 answers, in question order"),
    ]
    lesson: Annotated[str, Meta(max_length=2000)] | None = None


class StoryIn(Struct, forbid_unknown_fields=True):
    text: Annotated[str, Meta(min_length=1, max_length=4000)]


class FeedbackRequestIn(Struct, forbid_unknown_fields=True):
    seller_id: Id
    customer: Annotated[str, Meta(min_length=1, max_length=200)]
    meeting_on: date | None = None
    # the customer's language: the link opens in it, and the email text is written in it
    lang: Literal["en", "nb", "sv"] | None = None


@post(
    "/api/deals/{deal_id:int}/loss-review",
    status_code=HTTP_201_CREATED,
    tags=["learning"],
    **refusals(403, 404, 409, body=True),
)
async def post_loss_review(
    deal_id: IdParam, data: LossReviewIn, caller: Caller, writer: Writer
) -> dict[str, Any]:
    """The seller of a lost deal answers the twelve loss questions (once) and earns
    ``loss_review_points`` in category ``learning``."""
    command = ReviewLoss(deal_id, tuple(data.answers), data.lesson)
    entry = (await writer.submit(command, caller.actor)).entries[0]
    p = entry.payload
    assert isinstance(p, LossReviewed)
    return {
        "id": p.review_id,
        "deal_id": p.deal_id,
        "seq": entry.seq,
        "answers": p.answers,
        "lesson": p.lesson,
        "points": from_cents(sum(a.cents for a in entry.awards)),
    }


@post(
    "/api/deals/{deal_id:int}/story",
    status_code=HTTP_201_CREATED,
    tags=["learning"],
    **refusals(403, 404, 409, body=True),
)
async def post_story(
    deal_id: IdParam, data: StoryIn, caller: Caller, writer: Writer
) -> dict[str, Any]:
    """The seller of a won deal tells how it was won (once); ``story_points``."""
    entry = (await writer.submit(PostStory(deal_id, data.text), caller.actor)).entries[0]
    p = entry.payload
    assert isinstance(p, StoryPosted)
    return {
        "id": p.story_id,
        "deal_id": p.deal_id,
        "seq": entry.seq,
        "text": p.text,
        "points": from_cents(sum(a.cents for a in entry.awards)),
    }


@get("/api/members/{member_id:int}/pending-reviews", tags=["learning"], **refusals(404, 422))
async def pending(member_id: IdParam, caller: Caller, settings: Settings) -> list[dict[str, Any]]:
    """Lost deals of this member that still wait for their loss review, newest first,
    with the days each has waited and whether it is overdue (``loss_review_due_days``)."""
    if not await Member.exists(id=member_id):
        raise NotFound(f"There is no member {member_id}.")
    due = (await current_policy()).loss_review_due_days
    return await pending_reviews(settings, due, member_id=member_id)


@get("/api/stories", tags=["learning"], **refusals(422))
async def stories(
    caller: Caller,
    team_id: OptionalId = None,
    limit: Annotated[int, Parameter(ge=1, le=100)] = 10,
) -> list[dict[str, Any]]:
    """The newest win stories that stand (a reversed deal's story is taken back with it),
    newest first: ``[{id, deal_id, member_id, member_name, team_id, customer, text,
    posted_at}]``; ``team_id`` for one team's deals."""
    return await win_stories(team_id, limit)


@get("/api/praise", tags=["learning"], **refusals(422))
async def praise(
    caller: Caller,
    settings: Settings,
    team_id: OptionalId = None,
    limit: Annotated[int, Parameter(ge=1, le=20)] = 5,
) -> list[feedback.Praise]:
    """What customers praised, for the team's screens (any token, the TV's too): the newest
    comments rated 4 or 5 of the last 30 days, newest first, naming the seller and never
    the customer (see ``Praise``); sellers who left are left out. ``team_id`` for one
    team's sellers."""
    return await feedback.praise(team_id, settings.today(), settings.tz, limit)


@get("/api/members/{member_id:int}/untold-stories", tags=["learning"], **refusals(404, 422))
async def untold(member_id: IdParam, caller: Caller, settings: Settings) -> list[dict[str, Any]]:
    """This member's won deals of the last 30 days that have no story yet, from wherever
    they were logged, newest first (at most 20): ``[{deal_id, customer, amount,
    closed_at}]``."""
    if not await Member.exists(id=member_id):
        raise NotFound(f"There is no member {member_id}.")
    return await untold_stories(settings, member_id)


@get("/api/teams/{team_id:int}/pending-reviews", tags=["learning"], **refusals(403, 404, 422))
async def team_pending(
    team_id: IdParam, caller: Caller, settings: Settings
) -> list[dict[str, Any]]:
    """The loss reviews a team's sellers still owe, newest first, each with its seller,
    the days it has waited and ``overdue`` (more than ``loss_review_due_days``): the
    coach's reminder list. The team's manager, or an admin."""
    await _coach_of(caller, team_id, "the loss reviews their own team owes")
    due = (await current_policy()).loss_review_due_days
    return await pending_reviews(settings, due, team_id=team_id)


@get("/api/insights/losses", tags=["learning"], **refusals(403, 404, 422))
async def loss_insights(
    caller: Caller, settings: Settings, team_id: OptionalId = None, season: SeasonParam = "all"
) -> dict[str, Any]:
    """Per loss question the yes/partly/no counts, weakest first, and the lessons written.
    Managers see their own team; admins any team or all."""
    caller.require("manager", "admin")
    if caller.role == "manager":
        if team_id not in (None, caller.team_id):
            raise Forbidden("Managers read the loss insights of their own team.")
        team_id = caller.team_id
    resolved = await resolve_season(season, settings)
    result = await insights.loss_insights(team_id, resolved.id if resolved else None)
    return {**result, "season_id": resolved.id if resolved else None}


@post(
    "/api/feedback-requests",
    status_code=HTTP_201_CREATED,
    tags=["learning"],
    **refusals(403, 404, 409, body=True),
)
async def post_feedback_request(
    data: FeedbackRequestIn, caller: Caller, settings: Settings, request: Request[Any, Any, Any]
) -> dict[str, Any]:
    """A one-time, expiring public link for the customer to rate a meeting; send ``url`` to
    the customer (HUDDLE_PUBLIC_URL sets the address customers can reach). At most
    ``feedback_requests_weekly_limit`` links per seller per ISO week (409 beyond)."""
    counter = feedback.RequestCounter(request.app.state.redis, settings.redis_prefix, settings.tz)
    row = await feedback.create_request(
        caller, data.seller_id, data.customer, data.meeting_on, counter
    )
    base = settings.public_url or str(request.base_url)
    url = f"{base.rstrip('/')}/f/{row.key}" + (f"?lang={data.lang}" if data.lang else "")
    texts = TEXTS[data.lang or "en"]
    seller = await Member.get(id=row.seller_id)
    return {
        "id": row.id,
        "url": url,
        "seller_id": row.seller_id,
        "customer": row.customer,
        "expires_at": row.expires_at.isoformat(),
        # ways to hand it over: a QR code to show at the end of the meeting (an SVG image as
        # a data: URI, for an <img>), and an email in the customer's language for mailto:
        "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2),
        "email": {
            "subject": texts["mail_subject"],
            "body": texts["mail_body"].format(url=url, seller=seller.name),
        },
    }


@get("/api/feedback", tags=["learning"], **refusals(422))
async def list_feedback(
    caller: Caller,
    team_id: OptionalId = None,
    seller_id: OptionalId = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    """Customer feedback, good and bad, newest first."""
    return await feedback.feedback_list(team_id, seller_id, limit)


@get("/api/teams/{team_id:int}/feedback-summary", tags=["learning"], **refusals(403, 404, 422))
async def feedback_summary(
    team_id: IdParam, caller: Caller, settings: Settings
) -> list[dict[str, Any]]:
    """What customers said about each seller of the team: ratings, average, and the trend
    of the last 30 days against the 30 before. The team's manager, or an admin."""
    await _coach_of(caller, team_id, "their own team's customer feedback summary")
    return await feedback.feedback_summary(team_id, settings.today(), settings.tz)


@get("/api/teams/{team_id:int}/who-to-ask", tags=["learning"], **refusals(403, 404, 422))
async def who_to_ask(team_id: IdParam, caller: Caller) -> list[dict[str, Any]]:
    """Who to ask: for each seller of the team, the loss-review question they answer worst
    and the teammate strongest on it (see docs/learning.md for the thresholds). The
    team's manager, or an admin."""
    await _coach_of(caller, team_id, "who to ask in their own team")
    return await insights.who_to_ask(team_id)


async def _coach_of(caller: Caller, team_id: int, what: str) -> None:
    """The coach's views of a team: its manager's or an admin's (403 otherwise; 404 for
    a team that does not exist)."""
    caller.require("manager", "admin")
    if caller.role == "manager" and caller.team_id != team_id:
        raise Forbidden(f"Managers see {what}.")
    if not await Team.exists(id=team_id):
        raise NotFound(f"There is no team {team_id}.")


@get("/api/teams/{team_id:int}/strengths", tags=["learning"], **refusals(404, 422))
async def team_strengths(
    team_id: IdParam, caller: Caller, settings: Settings, season: SeasonParam = "all"
) -> dict[str, Any]:
    """Who the team's communicator, closer, coach... is, by how often peers named them."""
    if not await Team.exists(id=team_id):
        raise NotFound(f"There is no team {team_id}.")
    resolved = await resolve_season(season, settings)
    return await insights.team_strengths(team_id, resolved.id if resolved else None)


@get("/api/leaderboards/newcomers", tags=["boards"], **refusals(404, 422))
async def newcomer_board(
    caller: Caller, boards: Boards, settings: Settings, season: SeasonParam = "current"
) -> dict[str, Any]:
    """Rising stars: members within ``newcomer_days`` of joining, ranked among themselves."""
    resolved = await resolve_season(season, settings)
    entries = await insights.newcomers(
        boards, resolved.id if resolved else None, await current_policy(), settings.today()
    )
    return {"season_id": resolved.id if resolved else None, "entries": entries}


@get("/api/leaderboards/most-improved", tags=["boards"], **refusals(404, 422))
async def most_improved(
    caller: Caller, boards: Boards, settings: Settings, season: SeasonParam = "current"
) -> dict[str, Any]:
    """Points this season against the member's own past: the average of their earlier
    seasons, or, for a member with none (a newcomer), their own first weeks."""
    resolved = await resolve_season(season, settings)
    if resolved is None:
        raise Invalid("Most improved compares seasons: pick a season (none is running today).")
    policy = await current_policy()
    return {
        "season_id": resolved.id,
        "entries": await insights.most_improved(
            boards, resolved, settings.today(), settings.tz, policy.newcomer_days
        ),
    }


@get("/api/members/{member_id:int}/improvement", tags=["boards"], **refusals(404, 422))
async def improvement(member_id: IdParam, caller: Caller, writer: Writer) -> WeekProgress:
    """Where a member stands this ISO week against the improvement bonus: their own
    points so far, the week before's, the target (the week before plus
    ``improvement_min_gain``), what is still needed, and whether it was earned; a member
    the rule does not apply to gets ``eligible: false`` and the reason."""
    decision = await writer.submit(ImprovementProgress(member_id), caller.actor)
    assert decision.progress is not None
    return decision.progress


# Litestar adds "; charset=utf-8" to text types itself (naming it here sent it twice)
CSV = "text/csv"


def _csv(rows: Any, name: str) -> Stream:
    return Stream(
        rows,
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@get(
    "/api/export/boards.csv",
    tags=["export"],
    media_type=CSV,
    **refusals(403, 404, 422),
)
async def export_boards(
    caller: Caller, boards: Boards, settings: Settings, season: SeasonParam = "current"
) -> Stream:
    """The member board with every category, as CSV (admin)."""
    caller.require("admin")
    resolved = await resolve_season(season, settings)
    season_id = resolved.id if resolved else None
    rows = export.board_rows(boards, season_id)
    return _csv(export.to_csv(export.BOARD_HEADER, rows), f"huddle-board-{season_id or 'all'}.csv")


@get("/api/export/ledger.csv", tags=["export"], media_type=CSV, **refusals(403))
async def export_ledger(caller: Caller) -> Stream:
    """Every ledger entry with its awards, one row per award, as CSV (admin)."""
    caller.require("admin")
    return _csv(export.to_csv(export.LEDGER_HEADER, export.ledger_rows()), "huddle-ledger.csv")


routes = [
    post_loss_review,
    post_story,
    pending,
    team_pending,
    feedback_summary,
    who_to_ask,
    untold,
    stories,
    praise,
    loss_insights,
    post_feedback_request,
    list_feedback,
    team_strengths,
    newcomer_board,
    most_improved,
    improvement,
    export_boards,
    export_ledger,
]
