"""CRM connectors: ``POST /api/connectors/{hubspot,pipedrive,salesforce}`` in each CRM's
own format and authentication, the deliveries kept (``GET /api/connectors/deliveries``,
``POST …/{id}/replay``), a health line per connector (``GET /api/connectors``), and the
currency rates deals in other currencies are converted with (``/api/currency/rates``)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from litestar import Request, Response, get, post, put
from litestar.params import Parameter
from litestar.status_codes import HTTP_200_OK
from msgspec import Meta, Struct

from ..auth import Caller
from ..connectors import hubspot, pipedrive, salesforce
from ..connectors.ingest import Tally, health, ingest, rates, replay
from ..db.models import CrmDelivery, CurrencyRate
from ..engine.writer import Writer
from ..errors import Invalid
from ..schemas import IdParam, OptionalId
from ..settings import Settings
from .problems import refusals

__all__ = ["routes"]


class DeliveryResult(Struct):
    """What became of a delivery's items (deals and activities)."""

    received: int
    stored: int
    duplicates: int
    ignored: int
    rejected: int


class Delivery(Struct):
    """One item a connector received and what became of it: ``stored`` (a ledger entry,
    ``seq``), ``duplicate``, ``ignored``, ``rejected`` (``reason`` says what to fix; it
    can be replayed) or ``replayed``."""

    id: int
    connector: str
    received_at: str
    state: str
    reason: str | None
    external_id: str | None
    seq: int | None
    text: str  # the CRM's own text for it, as received
    updated_at: str | None


class ConnectorHealth(Struct):
    connector: str
    name: str
    configured: bool
    url: str
    last_delivery_at: str | None
    received_24h: int
    rejected_24h: int


Code = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")]
Rate = Annotated[float, Meta(ge=0.000001, le=1e9, description="one unit in the org's currency")]


class Rates(Struct, forbid_unknown_fields=True):
    rates: dict[Code, Rate]


class RatesOut(Struct):
    currency: str | None  # the org's (HUDDLE_CURRENCY); None: amounts taken as they come
    rates: dict[str, float]


def _result(tally: Tally) -> DeliveryResult:
    return DeliveryResult(
        tally.received, tally.stored, tally.duplicates, tally.ignored, tally.rejected
    )


@post(
    "/api/connectors/hubspot",
    tags=["connectors"],
    status_code=HTTP_200_OK,
    security=[{}],  # no token: HubSpot's signature is the permission
    **refusals(401, token=False, body=True),
)
async def from_hubspot(
    request: Request[Any, Any, Any], writer: Writer, settings: Settings
) -> DeliveryResult:
    """HubSpot workflow webhooks (deals, meetings, calls), signed v3 with the app's
    client secret (``X-HubSpot-Signature-v3``, ``X-HubSpot-Request-Timestamp``: 5 minutes).
    Each object is stored, a duplicate, ignored or kept as rejected (docs/crm.md); the
    answer is 200 either way, so HubSpot does not send it again."""
    body = await request.body()
    hubspot.authenticate(request, body, settings)
    return _result(await ingest("hubspot", hubspot.read(body, settings), writer, settings))


@post(
    "/api/connectors/pipedrive",
    tags=["connectors"],
    status_code=HTTP_200_OK,
    security=[{}],  # no token: the webhook's HTTP Basic auth is the permission
    **refusals(401, token=False, body=True),
)
async def from_pipedrive(
    request: Request[Any, Any, Any], writer: Writer, settings: Settings
) -> DeliveryResult:
    """Pipedrive webhooks v2 (deals, activities) with HTTP Basic auth
    (``HUDDLE_PIPEDRIVE_AUTH``). won scores, lost records a lost deal, won → open or
    lost reverses, and won again scores again: a deal never counts twice."""
    body = await request.body()
    pipedrive.authenticate(request, body, settings)
    return _result(await ingest("pipedrive", pipedrive.read(body, settings), writer, settings))


@post(
    "/api/connectors/salesforce",
    tags=["connectors"],
    status_code=HTTP_200_OK,
    security=[{}],  # no token: the org id (and the URL's token) is the permission
    media_type="text/xml",
    **refusals(401, token=False, body=True),
)
async def from_salesforce(
    request: Request[Any, Any, Any],
    writer: Writer,
    settings: Settings,
    token: Annotated[
        str,
        Parameter(
            query="token",
            required=False,
            description="HUDDLE_SALESFORCE_TOKEN, when it is set (org ids are not secret)",
        ),
    ] = "",
) -> Response[str]:
    """Salesforce Outbound Messages of Opportunities (up to 100 notifications), from the
    org ``HUDDLE_SALESFORCE_ORG_ID`` (and ``?token=`` if ``HUDDLE_SALESFORCE_TOKEN``
    is set). Answered with the SOAP Ack once every notification is stored."""
    body = await request.body()
    message = salesforce.authenticate(body, settings, token)
    await ingest("salesforce", salesforce.read(message, settings), writer, settings)
    return Response(salesforce.ACK, media_type="text/xml; charset=utf-8")


@get("/api/connectors", tags=["connectors"], **refusals(403))
async def connectors_health(caller: Caller, settings: Settings) -> list[ConnectorHealth]:
    """A line per connector (admin): set up or not, its URL, when its CRM last
    delivered, and how many deliveries it received and rejected in the last 24 hours."""
    caller.require("admin")
    return [ConnectorHealth(**line) for line in await health(settings)]


def _out(row: CrmDelivery) -> Delivery:
    return Delivery(
        id=row.id,
        connector=row.connector,
        received_at=row.received_at.isoformat(),
        state=row.state,
        reason=row.reason,
        external_id=row.external_id,
        seq=row.seq,
        text=row.text,
        updated_at=row.updated_at.isoformat() if row.updated_at else None,
    )


@get("/api/connectors/deliveries", tags=["connectors"], **refusals(403, 422))
async def list_deliveries(
    caller: Caller,
    kept: Annotated[
        Literal["stored", "duplicate", "ignored", "rejected", "replayed"] | None,
        Parameter(query="state", required=False),
    ] = None,
    connector: Literal["hubspot", "pipedrive", "salesforce"] | None = None,
    limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    before: OptionalId = None,
) -> list[Delivery]:
    """What the connectors received, newest first (admin): every deal and activity with
    what became of it; ``?state=rejected`` lists those waiting for a fixed mapping, and
    ``?before=<id>`` pages back."""
    caller.require("admin")
    query = CrmDelivery.all()
    if kept:
        query = query.filter(state=kept)
    if connector:
        query = query.filter(connector=connector)
    if before:
        query = query.filter(id__lt=before)
    return [_out(r) for r in await query.order_by("-id").limit(limit)]


@post(
    "/api/connectors/deliveries/{delivery_id:int}/replay",
    tags=["connectors"],
    status_code=HTTP_200_OK,
    **refusals(403, 404, 409, 422),
)
async def replay_delivery(
    delivery_id: IdParam, caller: Caller, writer: Writer, settings: Settings
) -> Delivery:
    """Try a rejected delivery again once its mapping is fixed (admin): ``replayed``
    when it is now in the ledger; 409 with the reason if it still cannot be used."""
    caller.require("admin")
    return _out(await replay(delivery_id, writer, settings))


@get("/api/currency/rates", tags=["connectors"], **refusals())
async def get_rates(caller: Caller, settings: Settings) -> RatesOut:
    """The org's currency (``HUDDLE_CURRENCY``) and the rates deals in other currencies
    are converted with."""
    return RatesOut(settings.currency, await rates())


@put("/api/currency/rates", tags=["connectors"], **refusals(403, 409, body=True))
async def put_rates(data: Rates, caller: Caller, settings: Settings) -> RatesOut:
    """Set the rate table (admin): what one unit of each currency is worth in the org's
    currency; currencies left out are removed. Deals already recorded keep their amount."""
    caller.require("admin")
    if not settings.currency:
        raise Invalid(
            "Set HUDDLE_CURRENCY (the org's currency, e.g. NOK) first: rates convert to it."
        )
    if settings.currency in data.rates:
        raise Invalid(f"{settings.currency} is the org's currency: it needs no rate.")
    now = datetime.now().astimezone()
    await CurrencyRate.exclude(code__in=list(data.rates)).delete()
    for code, rate in data.rates.items():
        await CurrencyRate.update_or_create(
            {"rate": Decimal(str(rate)), "updated_at": now}, code=code
        )
    return RatesOut(settings.currency, await rates())


routes = [
    from_hubspot,
    from_pipedrive,
    from_salesforce,
    connectors_health,
    list_deliveries,
    replay_delivery,
    get_rates,
    put_rates,
]
