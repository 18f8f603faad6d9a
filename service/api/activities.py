"""Activity metrics (calls made, meetings booked, demos) and the activities logged for them."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

from litestar import Response, get, post
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from msgspec import Meta, Struct

from ..auth import Caller
from ..core.activities import MAX_UNITS
from ..core.commands import ActivityRef, Decision, DefineMetric, RecordActivity
from ..core.entries import ActivityLogged, Entry
from ..db.models import Metric
from ..engine.writer import Writer
from ..errors import HuddleError, Invalid
from ..schemas import Id
from .problems import refusals

__all__ = ["routes"]

MAX_ITEMS = 1_000


class MetricIn(Struct, forbid_unknown_fields=True):
    key: Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_-]*$")]
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    points_per_unit: Annotated[float, Meta(ge=0, le=1000)]
    daily_cap: Annotated[float, Meta(ge=0, le=1e9)] | None = None


class MetricOut(Struct):
    key: str
    name: str
    points_per_unit: float
    daily_cap: float | None


class ActivityIn(Struct, forbid_unknown_fields=True, kw_only=True):
    metric: Annotated[str, Meta(min_length=1, max_length=40)]
    member_id: Id | None = None
    member_email: Annotated[str, Meta(min_length=3, max_length=200)] | None = None
    value: Annotated[int, Meta(ge=1, le=MAX_UNITS)] = 1
    occurred_at: datetime | None = None
    external_id: Annotated[str, Meta(min_length=1, max_length=200)] | None = None


class ActivityRequest(Struct, forbid_unknown_fields=True, kw_only=True):
    """One activity, or ``items``: up to 1,000 of them."""

    metric: Annotated[str, Meta(min_length=1, max_length=40)] | None = None
    member_id: Id | None = None
    member_email: Annotated[str, Meta(min_length=3, max_length=200)] | None = None
    value: Annotated[int, Meta(ge=1, le=MAX_UNITS)] = 1
    occurred_at: datetime | None = None
    external_id: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    items: Annotated[list[ActivityIn], Meta(min_length=1, max_length=MAX_ITEMS)] | None = None


class ActivityOut(Struct):
    """An activity: its units and the points they earned under the daily cap."""

    id: int
    seq: int
    member_id: int
    metric: str
    value: float
    points: float
    external_id: str | None


class ItemResult(Struct, omit_defaults=True):
    """One item of a batch: 201 recorded, 200 seen before (its external_id), or the
    refusal's status with its detail."""

    status: int
    id: int | None = None
    detail: str | None = None


class BatchResult(Struct):
    results: list[ItemResult]


@post(
    "/api/metrics",
    status_code=HTTP_201_CREATED,
    tags=["activities"],
    **refusals(403, 409, body=True),
)
async def define_metric(data: MetricIn, caller: Caller, writer: Writer) -> MetricOut:
    """Define an activity the org counts (admin): points per unit, and at most
    ``daily_cap`` points per member and day (none when left out)."""
    command = DefineMetric(data.key, data.name, data.points_per_unit, data.daily_cap)
    payload = (await writer.submit(command, caller.actor)).entries[0].payload
    return MetricOut(payload.key, payload.name, payload.points_per_unit, payload.daily_cap)  # type: ignore[union-attr]


@get("/api/metrics", tags=["activities"], **refusals())
async def list_metrics(caller: Caller) -> list[MetricOut]:
    """The activity metrics, in the order they were defined."""
    return [
        MetricOut(
            m.key,
            m.name,
            float(m.points_per_unit),
            float(m.daily_cap) if m.daily_cap is not None else None,
        )
        for m in await Metric.all().order_by("id")
    ]


@post(
    "/api/activities",
    tags=["activities"],
    **refusals(
        403,
        404,
        409,
        body=True,
        also={
            HTTP_200_OK: ResponseSpec(
                ActivityOut | BatchResult,  # type: ignore[arg-type]
                description="A batch: one result per item, in order. Or one activity whose "
                "external_id was recorded before: that activity, nothing new.",
                generate_examples=False,
            )
        },
    ),
)
async def log_activities(
    data: ActivityRequest, caller: Caller, writer: Writer
) -> Response[ActivityOut | BatchResult]:
    """Log units of an activity metric (a seller, their own; a manager, their team's; an
    integration or admin, anyone's): 201 with the activity, or 200 with the one recorded
    before under the same ``external_id``. ``{items: [...]}`` (up to 1,000) logs each on
    its own: 200 with one result per item, in order; a refused item refuses only itself."""
    if data.items is None:
        if data.metric is None:
            raise Invalid("metric is required: the key of the activity metric.", field="metric")
        single = ActivityIn(
            metric=data.metric,
            member_id=data.member_id,
            member_email=data.member_email,
            value=data.value,
            occurred_at=data.occurred_at,
            external_id=data.external_id,
        )
        activity, created = _out(await writer.submit(_command(single), caller.actor))
        return Response(activity, status_code=HTTP_201_CREATED if created else HTTP_200_OK)
    if data.metric is not None or data.member_id is not None or data.external_id is not None:
        raise Invalid("Send either one activity or items, not both.", field="items")
    # every item joins the writer's queue at once: they are decided in one or a few batches
    outcomes = await asyncio.gather(
        *(_submit(writer, item, caller) for item in data.items), return_exceptions=True
    )
    results = []
    for outcome in outcomes:
        if isinstance(outcome, HuddleError):
            results.append(ItemResult(outcome.status, detail=outcome.detail))
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            activity, created = _out(outcome)
            results.append(ItemResult(201 if created else 200, activity.id))
    return Response(BatchResult(results), status_code=HTTP_200_OK)


async def _submit(writer: Writer, item: ActivityIn, caller: Caller) -> Decision:
    return await writer.submit(_command(item), caller.actor)


def _command(data: ActivityIn) -> RecordActivity:
    if data.member_id is not None and data.member_email is not None:
        raise Invalid("Name the member once: member_id or member_email, not both.")
    return RecordActivity(
        data.metric,
        data.member_id,
        data.member_email,
        data.value,
        data.occurred_at,
        data.external_id,
    )


def _out(decision: Decision) -> tuple[ActivityOut, bool]:
    replay = decision.replay
    if isinstance(replay, ActivityRef):
        return (
            ActivityOut(
                replay.id,
                replay.seq,
                replay.member_id,
                replay.metric,
                replay.value,
                replay.points,
                replay.external_id,
            ),
            False,
        )
    entry: Entry = decision.entries[0]
    p = entry.payload
    assert isinstance(p, ActivityLogged) and entry.member_id is not None
    return (
        ActivityOut(
            p.activity_id, entry.seq, entry.member_id, p.metric, p.value, p.points, p.external_id
        ),
        True,
    )


routes = [define_metric, list_metrics, log_activities]
