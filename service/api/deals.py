"""Deals, from sellers and managers, integrations, and the signed CRM webhook."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from litestar import Request, Response, patch, post
from litestar.connection import ASGIConnection
from litestar.enums import ParamType
from litestar.handlers import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIType, Schema
from litestar.openapi.spec import Parameter as OpenAPIParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta, Struct

from ..auth import Caller
from ..core.commands import CorrectDeal, DealRef, Decision, RecordDeal, ReverseDeal
from ..core.entries import Actor, Entry
from ..core.points import from_cents
from ..core.views import feed_view
from ..db.models import Deal as DealRow
from ..db.models import Entry as EntryRow
from ..db.models import Member
from ..engine.writer import Writer
from ..errors import Conflict, Invalid, NotFound, Unauthorized, Unavailable
from ..schemas import Award, Deal, DealCorrection, DealResult, Id, IdParam, Ids, Reversal
from ..settings import Settings
from .deps import REPLAYED, REPLAYED_HEADER, IdempotencyKey
from .problems import DocumentedOperation, refusals

__all__ = ["routes"]

Amount = Annotated[float, Meta(ge=0, le=1e12, description="deal value in the org's currency")]


class DealIn(Struct, forbid_unknown_fields=True, kw_only=True):
    # a seller's or manager's token may leave it out: the deal is then their own
    seller_id: Id | None = None
    outcome: Literal["won", "lost"]
    amount: Amount
    customer: Annotated[str, Meta(min_length=1, max_length=200)]
    assists: Ids = []
    external_id: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    closed_at: datetime | None = None


Reason = Annotated[
    str,
    Meta(min_length=1, max_length=500, description="why: shown in the feed beside the entry"),
]


class ReversalIn(Struct, forbid_unknown_fields=True):
    reason: Reason


class DealPatch(Struct, forbid_unknown_fields=True, kw_only=True):
    """What to correct; a field left out stays as it is."""

    amount: Amount | None = None
    seller_id: Id | None = None
    assists: Ids | None = None
    closed_at: datetime | None = None
    outcome: Literal["won", "lost"] | None = None
    customer: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    reason: Reason | None = None


class CrmEvent(Struct):
    """A won or lost deal from the CRM, or one re-opened (no longer won or lost: the deal
    recorded under ``id`` is reversed); fields it does not know are ignored."""

    event: Literal["deal.won", "deal.lost", "deal.reopened"]
    id: Annotated[str, Meta(min_length=1, max_length=200)]
    amount: Amount | None = None
    customer: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    seller_id: Id | None = None
    seller_email: str | None = None
    assists: Ids = []
    closed_at: datetime | None = None


# the same external_id again: the deal recorded the first time, and no new awards
_SEEN_BEFORE = {
    HTTP_200_OK: ResponseSpec(
        DealResult,
        description="A deal with this external_id was recorded before: that deal, no awards.",
        generate_examples=False,
    )
}


@post(
    "/api/deals",
    tags=["deals"],
    response_headers=[REPLAYED_HEADER],
    **refusals(403, 404, body=True, also=_SEEN_BEFORE),
)
async def create_deal(
    data: DealIn, caller: Caller, writer: Writer, idempotency_key: IdempotencyKey = None
) -> Response[DealResult]:
    """Log a won or lost deal. 201 with the awards; the same external_id again → 200 with
    the original deal and no new awards. With a seller's or manager's token ``seller_id``
    may be left out: the deal is their own."""
    seller_id = data.seller_id or caller.member_id
    if seller_id is None:
        raise Invalid(
            f"seller_id is required with {caller.role} tokens: name the member who closed "
            "the deal.",
            field="seller_id",
        )
    command = RecordDeal(
        seller_id,
        data.outcome,
        data.amount,
        data.customer,
        tuple(data.assists),
        data.external_id,
        data.closed_at,
    )
    return await record_deal(writer, command, caller.actor, idempotency_key)


async def record_deal(
    writer: Writer, command: RecordDeal, actor: Actor, key: str | None = None
) -> Response[DealResult]:
    """201 with the new deal and its awards, or 200 with the deal recorded earlier (its
    external_id seen before); a retry with the same Idempotency-Key gets the first answer."""
    decision = await writer.submit(command, actor, key)
    if decision.replay is not None:
        assert isinstance(decision.replay, DealRef)
        return Response(DealResult(deal_out(decision.replay), []), status_code=HTTP_200_OK)
    headers = REPLAYED if decision.replayed else None
    return Response(deal_result(decision), status_code=HTTP_201_CREATED, headers=headers)


def deal_out(deal: DealRef) -> Deal:
    return Deal(
        id=deal.id,
        seq=deal.seq,
        seller_id=deal.seller_id,
        team_id=deal.team_id,
        season_id=deal.season_id,
        outcome=deal.outcome,
        amount=deal.amount,
        customer=deal.customer,
        assists=list(deal.assists),
        external_id=deal.external_id,
        closed_at=deal.closed_at.isoformat(),
        original_amount=deal.original_amount,
        currency=deal.currency,
    )


def deal_result(decision: Decision) -> DealResult:
    entry = decision.entries[-1]
    deal = DealRef.of(entry)
    assert deal is not None
    return DealResult(deal_out(deal), awards_out(entry))


def awards_out(entry: Entry) -> list[Award]:
    return [Award(a.member_id, a.category, from_cents(a.cents)) for a in entry.awards]


def reversal_out(entry: Entry) -> Reversal:
    return Reversal(feed_view(entry), awards_out(entry))


@post(
    "/api/deals/{deal_id:int}/reverse",
    tags=["deals"],
    status_code=HTTP_201_CREATED,
    response_headers=[REPLAYED_HEADER],
    **refusals(403, 404, 409, body=True),
)
async def reverse_deal(
    deal_id: IdParam,
    data: ReversalIn,
    caller: Caller,
    writer: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Response[Reversal]:
    """Take a deal back (admin; a manager, their own team's; integration): every point
    it caused is taken back with negative awards — the deal's, its team share and
    assists, its story's and loss review's, and the bonus of a goal it no longer reaches.
    The reason shows in the feed. A deal is reversed once (again → 409)."""
    decision = await writer.submit(ReverseDeal(deal_id, data.reason), caller.actor, idempotency_key)
    headers = REPLAYED if decision.replayed else None
    return Response(
        reversal_out(decision.entries[0]), status_code=HTTP_201_CREATED, headers=headers
    )


@patch("/api/deals/{deal_id:int}", tags=["deals"], **refusals(403, 404, 409, body=True))
async def correct_deal(
    deal_id: IdParam, data: DealPatch, caller: Caller, writer: Writer
) -> DealCorrection:
    """Correct a deal's amount, seller, assists, date, outcome or customer (admin; a
    manager, their own team's; integration): recorded as a reversal of the deal as it
    was and a re-scoring as it is now, linked; goals move by the difference. The deal
    keeps its id and external_id. A correction that changes nothing records nothing."""
    command = CorrectDeal(
        deal_id,
        data.reason,
        data.amount,
        data.seller_id,
        tuple(data.assists) if data.assists is not None else None,
        data.closed_at,
        data.outcome,
        data.customer,
    )
    decision = await writer.submit(command, caller.actor)
    if decision.replay is not None:
        assert isinstance(decision.replay, DealRef)
        return DealCorrection(deal_out(decision.replay), [])
    reversal, rescore = decision.entries[0], decision.entries[-1]
    result = deal_result(Decision([rescore]))
    return DealCorrection(result.deal, result.awards, reversal_out(reversal))


WEBHOOK_WINDOW = 300  # seconds a timestamped delivery stays valid, either side of now


def _signed_part(request: Request[Any, Any, Any], raw: bytes, settings: Settings) -> bytes:
    """What the signature covers: '<timestamp>.<body>' when the sender says when it signed
    (then a delivery older or newer than 5 minutes is refused: a replay), else the body."""
    stamp = request.headers.get("x-huddle-timestamp")
    if stamp is None:
        if settings.webhook_require_timestamp:
            raise Unauthorized(
                "This webhook needs X-Huddle-Timestamp (Unix seconds) and a signature over "
                "'<timestamp>.<raw body>'."
            )
        return raw
    stamp = stamp.strip()
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        raise Unauthorized("X-Huddle-Timestamp must be the Unix time in seconds, e.g. 1795000000.")
    if abs(time.time() - int(stamp)) > WEBHOOK_WINDOW:
        raise Unauthorized(
            "X-Huddle-Timestamp is more than 5 minutes from now: a delayed or replayed "
            "delivery is refused (check the sender's clock)."
        )
    return stamp.encode() + b"." + raw


async def signed_by_crm(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """The webhook's guard: the CRM's signature is checked before the body is read as an
    event, so an unsigned request learns nothing but 401 (503 when switched off)."""
    settings: Settings = connection.app.state.settings
    if not settings.webhook_secret:
        raise Unavailable("The CRM webhook is switched off: set HUDDLE_WEBHOOK_SECRET to use it.")
    assert isinstance(connection, Request)  # guards of HTTP routes get the request
    signed = _signed_part(connection, await connection.body(), settings)
    signature = connection.headers.get("x-huddle-signature", "")
    digest = hmac.new(settings.webhook_secret.encode(), signed, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(signature.strip().lower(), f"sha256={digest}"):
        raise Unauthorized(
            "The X-Huddle-Signature header does not match; sign with HMAC-SHA256 and the "
            "shared secret: sha256=<hex> of '<X-Huddle-Timestamp>.<raw body>' (or, without "
            "the timestamp header, of the raw body)."
        )


@dataclass
class _SignedOperation(DocumentedOperation):
    """The webhook's signature headers, which its guard reads (they are no parameters of
    the handler, so Litestar would not document them)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.parameters = [*(self.parameters or []), *_SIGNATURE_HEADERS]


_SIGNATURE_HEADERS = [
    OpenAPIParameter(
        name="X-Huddle-Signature",
        param_in=ParamType.HEADER,
        required=True,
        schema=Schema(type=OpenAPIType.STRING),
        description="sha256=<hex HMAC-SHA256 with the shared secret> of "
        "'<X-Huddle-Timestamp>.<raw body>', or of the raw body without the timestamp header",
    ),
    OpenAPIParameter(
        name="X-Huddle-Timestamp",
        param_in=ParamType.HEADER,
        required=False,
        schema=Schema(type=OpenAPIType.STRING, pattern=r"^[0-9]{1,12}$"),
        description="when the CRM signed, in Unix seconds; refused beyond 5 minutes from now",
    ),
]


@post(
    "/api/webhooks/crm",
    tags=["deals"],
    guards=[signed_by_crm],
    security=[{}],  # no token: the signature is the permission
    **refusals(401, 404, token=False, body=True, operation=_SignedOperation, also=_SEEN_BEFORE),
)
async def crm_webhook(data: CrmEvent, writer: Writer) -> Response[DealResult]:
    """A CRM posts won/lost deals here, signed with ``X-Huddle-Signature:
    sha256=<hex HMAC-SHA256>`` of ``<X-Huddle-Timestamp>.<raw body>`` (the timestamp in
    Unix seconds, within 5 minutes of now), or of the raw body alone unless
    HUDDLE_WEBHOOK_REQUIRE_TIMESTAMP is set; ``id`` makes a redelivery score once.
    ``deal.reopened`` reverses the deal recorded under ``id`` (a redelivery: 200, nothing
    more); a later ``deal.won`` with the same ``id`` scores it again."""
    if data.event == "deal.reopened":
        return await _reopen(data.id, writer)
    if data.amount is None or data.customer is None:
        raise Invalid(f"A {data.event} event needs amount and customer.")
    seller = None
    if data.seller_id is not None:
        seller = await Member.get_or_none(id=data.seller_id)
    elif data.seller_email:
        seller = await Member.get_or_none(email=data.seller_email.strip().lower())
    else:
        raise Invalid("The event needs seller_id or seller_email.")
    if seller is None:
        raise NotFound("No member matches the event's seller_id or seller_email.")
    command = RecordDeal(
        seller.id,
        data.event.removeprefix("deal."),
        data.amount,
        data.customer,
        tuple(data.assists),
        data.id,
        data.closed_at,
    )
    return await record_deal(writer, command, Actor("integration"))


async def _reopen(external_id: str, writer: Writer) -> Response[DealResult]:
    """A deal the CRM re-opened: reversed, once (201 with the reversal's awards, or 200
    when it was reversed already: a redelivery)."""
    row = await DealRow.get_or_none(external_id=external_id)
    if row is None:
        raise NotFound(f"No deal was recorded with the id {external_id!r}; nothing to re-open.")
    deal = _row_out(row, (await EntryRow.get(id=row.entry_id)).seq)
    command = ReverseDeal(row.id, "re-opened in the CRM")
    try:
        decision = await writer.submit(command, Actor("integration"))
    except Conflict:  # reversed already: the CRM delivered the same event again
        return Response(DealResult(deal, []), status_code=HTTP_200_OK)
    return Response(DealResult(deal, awards_out(decision.entries[0])), status_code=HTTP_201_CREATED)


def _row_out(deal: DealRow, seq: int) -> Deal:
    return Deal(
        id=deal.id,
        seq=seq,
        seller_id=deal.seller_id,
        team_id=deal.team_id,
        season_id=deal.season_id,
        outcome=deal.outcome,
        amount=float(deal.amount),
        customer=deal.customer,
        assists=list(deal.assists),
        external_id=deal.external_id,
        closed_at=deal.closed_at.isoformat(),
        original_amount=float(deal.original_amount) if deal.original_amount is not None else None,
        currency=deal.currency,
    )


routes = [create_deal, reverse_deal, correct_deal, crm_webhook]
