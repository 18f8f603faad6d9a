"""From items to the ledger: map each to a command, submit them together, and keep a
record of every one (``CrmDelivery``) with what became of it.

- ``stored``: it became a ledger entry (a deal scored, reversed or corrected; an
  activity counted);
- ``duplicate``: the CRM said it before; nothing new;
- ``ignored``: nothing to count (an open deal never scored, an activity not done yet,
  an activity type no metric counts);
- ``rejected``: it cannot be used as it is (an owner no member has, a currency with no
  rate, a metric not defined yet, a field missing): the reason says what to fix, and
  ``replay`` tries it again afterwards (then ``replayed``).

A delivery the write path could not take at all (the database away) raises
``Unavailable``: the CRM is answered 503 and sends it again; nothing is half-kept that a
redelivery would not put right (every item is idempotent by the CRM's own id).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from tortoise.functions import Count, Max

from ..core.commands import Command, Decision, SyncActivity, SyncDeal
from ..core.crm import CRM_NAMES
from ..core.deals import MAX_CUSTOMER
from ..core.decide import MAX_EXTERNAL_ID
from ..core.entries import Actor
from ..db.models import CrmDelivery, CurrencyRate
from ..engine.writer import Writer
from ..errors import Conflict, HuddleError, NotFound, Unavailable
from ..settings import Settings
from .items import ActivityItem, Item, Received

__all__ = ["CONNECTORS", "Tally", "health", "ingest", "prune", "rates", "replay"]

log = logging.getLogger(__name__)

CONNECTORS = tuple(CRM_NAMES)
ACTOR = Actor("integration")


@dataclass
class Tally:
    """What became of a delivery's items."""

    received: int = 0
    stored: int = 0
    duplicates: int = 0
    ignored: int = 0
    rejected: int = 0

    def count(self, state: str) -> None:
        self.received += 1
        field = {"stored": "stored", "replayed": "stored", "duplicate": "duplicates"}
        name = field.get(state, state)
        setattr(self, name, getattr(self, name) + 1)


@dataclass
class _Plan:
    received: Received
    state: str = ""
    reason: str | None = None
    command: Command | None = None
    seq: int | None = None


async def rates() -> dict[str, float]:
    """The admin's currency rates: code → what one unit is worth in the org's currency."""
    return {r.code: float(r.rate) for r in await CurrencyRate.all()}


class _Ignored(str):
    """Why an item has nothing to count (a plain str: why it is rejected)."""


def _command(item: Item, settings: Settings, table: dict[str, float]) -> Command | str:
    """The command an item asks for, or why it is ignored (``_Ignored``) or rejected."""
    if len(item.external_id) > MAX_EXTERNAL_ID:
        return (
            f"The CRM's id of this record is {len(item.external_id)} characters long; "
            f"Huddle keeps ids of at most {MAX_EXTERNAL_ID}."
        )
    if isinstance(item, ActivityItem):
        if not item.done:
            return _Ignored(f"the {item.kind} is not done yet")
        metric = dict(settings.crm_activity_metrics).get(item.kind.lower())
        if metric is None:
            counted = ", ".join(k for k, _ in settings.crm_activity_metrics) or "none"
            return _Ignored(
                f"{item.kind} activities are not counted (HUDDLE_CRM_ACTIVITY_METRICS "
                f"counts: {counted})"
            )
        return SyncActivity(
            item.crm, item.external_id, metric, item.owner, item.owner_email, item.occurred_at
        )
    amount, original, currency = item.amount, None, None
    if item.status != "open":
        if amount is None:
            return f"The {item.status} deal has no amount; add it in the CRM or send it."
        code = (item.currency or "").strip().upper()
        if settings.currency and code and code != settings.currency:
            rate = table.get(code)
            if rate is None:
                return (
                    f"The deal is in {code} and there is no rate from {code} to "
                    f"{settings.currency}: an admin sets it (PUT /api/currency/rates "
                    f'{{"rates": {{"{code}": …}}}}), then replays this delivery.'
                )
            original, currency, amount = amount, code, round(amount * rate, 2)
    # a deal marked won (or lost) before the close date the CRM still shows: closed now
    closed_at = item.closed_at
    if closed_at is not None and item.status != "open":
        closed_at = min(closed_at, datetime.now(UTC))
    return SyncDeal(
        item.crm,
        item.external_id,
        item.status,
        item.owner,
        item.owner_email,
        amount,
        # a CRM's deal name can run long; the ledger keeps 200 characters of it
        item.customer[:MAX_CUSTOMER].strip() if item.customer else item.customer,
        closed_at,
        original,
        currency,
    )


async def _decide(plans: Sequence[_Plan], writer: Writer, settings: Settings) -> None:
    """Plan each item and submit the commands together; each plan gets its state."""
    table = await rates() if settings.currency else {}
    for plan in plans:
        if plan.received.item is None:
            if plan.received.ignored:
                plan.state, plan.reason = "ignored", plan.received.ignored
            else:
                plan.state, plan.reason = "rejected", plan.received.problem
            continue
        command = _command(plan.received.item, settings, table)
        if isinstance(command, str):
            plan.state = "ignored" if isinstance(command, _Ignored) else "rejected"
            plan.reason = str(command)
        else:
            plan.command = command
    submitted = [p for p in plans if p.command is not None]
    try:
        outcomes = await writer.submit_many([p.command for p in submitted], ACTOR)  # type: ignore[misc]
    except HuddleError as exc:  # the writer is not running (shutting down)
        raise Unavailable(f"Huddle could not take the delivery now ({exc.detail}).") from exc
    # a failure (the database away, the write lock not had in time) is no refusal: the
    # CRM is told to send the delivery again, and nothing of it is kept as rejected
    failed = [
        o
        for o in outcomes
        if isinstance(o, BaseException) and (not isinstance(o, HuddleError) or o.status >= 500)
    ]
    if failed:
        raise Unavailable(
            "Huddle could not store the delivery now (its database did not answer); "
            "the CRM sends it again."
        )
    for plan, outcome in zip(submitted, outcomes, strict=True):
        if isinstance(outcome, HuddleError):
            plan.state, plan.reason = "rejected", outcome.detail
        else:
            assert isinstance(outcome, Decision)
            if outcome.entries:
                plan.state, plan.seq = "stored", outcome.entries[-1].seq
            elif outcome.replay is not None:
                plan.state = "duplicate"
            else:
                plan.state, plan.reason = "ignored", "an open deal Huddle never scored"


def _text(plan: _Plan) -> str:
    """What is kept of the CRM's text: all of a rejected item's (to see what to fix); of
    the others, the item as read (the ledger entry is their record)."""
    item = plan.received.item
    if plan.state == "rejected" or item is None:
        return plan.received.text
    return msgspec.json.encode(item).decode()


async def ingest(
    connector: str, received: Sequence[Received], writer: Writer, settings: Settings
) -> Tally:
    """Every item of a delivery into the ledger, each kept with what became of it."""
    plans = [_Plan(r) for r in received]
    await _decide(plans, writer, settings)
    now = datetime.now(UTC)
    tally = Tally()
    rows = []
    for plan in plans:
        item = plan.received.item
        tally.count(plan.state)
        rows.append(
            CrmDelivery(
                connector=connector,
                received_at=now,
                state=plan.state,
                reason=plan.reason,
                external_id=(
                    item.external_id
                    if item is not None and len(item.external_id) <= MAX_EXTERNAL_ID
                    else None
                ),
                item=msgspec.to_builtins(item) if item is not None else None,
                text=_text(plan),
                seq=plan.seq,
            )
        )
        if plan.state == "rejected":
            log.warning("%s delivery rejected: %s", connector, plan.reason)
    if rows:
        await CrmDelivery.bulk_create(rows)
    global _pruned
    if time.monotonic() - _pruned > PRUNE_EVERY:
        _pruned = time.monotonic()
        await prune(settings)
    return tally


PRUNE_EVERY = 3600.0  # seconds between two prunings by one process
_pruned = -PRUNE_EVERY


async def prune(settings: Settings) -> int:
    """Forget deliveries used, duplicated or ignored more than ``crm_keep_days`` ago (the
    ledger is their record); rejected ones stay until they are replayed. How many went."""
    cutoff = datetime.now(UTC) - timedelta(days=settings.crm_keep_days)
    return await CrmDelivery.filter(
        state__in=["stored", "duplicate", "ignored", "replayed"], received_at__lt=cutoff
    ).delete()


async def replay(delivery_id: int, writer: Writer, settings: Settings) -> CrmDelivery:
    """A rejected delivery tried again, once its mapping is fixed: ``replayed`` if it
    is now in the ledger (or was already), else still rejected with the new reason
    (409). Replaying one twice, in parallel or not, counts it once."""
    row = await CrmDelivery.get_or_none(id=delivery_id)
    if row is None:
        raise NotFound(f"There is no delivery {delivery_id}.")
    if row.state != "rejected":
        raise Conflict(f"Delivery {delivery_id} is {row.state}: only rejected ones are replayed.")
    if row.item is None:
        raise Conflict(
            f"Delivery {delivery_id} could not be read ({row.reason}): there is nothing to "
            "replay; the CRM has to send it again."
        )
    item = msgspec.convert(row.item, Item)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    # the CRM said something else of this record since, and Huddle used it: the old word
    # replayed now would undo it (a "won" over a later "lost"); the same word is a duplicate
    later = next(
        (
            d
            for d in await CrmDelivery.filter(
                external_id=item.external_id,
                received_at__gt=row.received_at,
                state__in=("stored", "duplicate", "replayed", "ignored"),
            ).order_by("-received_at")
            if d.item != row.item
        ),
        None,
    )
    if later is not None:
        reason = (
            f"superseded: the CRM sent this record again later (delivery {later.id}, "
            f"{later.state}); replaying the older one would undo that"
        )
        await CrmDelivery.filter(id=row.id, state="rejected").update(
            state="ignored", reason=reason, updated_at=now
        )
        return await CrmDelivery.get(id=row.id)
    plan = _Plan(Received(row.text, item))
    await _decide([plan], writer, settings)
    if plan.state == "rejected":
        await CrmDelivery.filter(id=row.id, state="rejected").update(
            reason=plan.reason, updated_at=now
        )
        raise Conflict(f"Delivery {delivery_id} still cannot be used: {plan.reason}")
    state = "replayed" if plan.state in ("stored", "duplicate") else plan.state
    await CrmDelivery.filter(id=row.id, state="rejected").update(
        state=state, reason=plan.reason, seq=plan.seq, updated_at=now
    )
    return await CrmDelivery.get(id=row.id)


async def health(settings: Settings) -> list[dict[str, Any]]:
    """A line per connector: is it set up, when did it last hear from its CRM, and how
    many deliveries were rejected in the last 24 hours."""
    since = datetime.now(UTC) - timedelta(hours=24)
    last = {
        r["connector"]: r["last"]
        for r in await CrmDelivery.all()
        .group_by("connector")
        .annotate(last=Max("received_at"))
        .values("connector", "last")
    }
    day: dict[tuple[str, str], int] = {}
    for r in (
        await CrmDelivery.filter(received_at__gte=since)
        .group_by("connector", "state")
        .annotate(n=Count("id"))
        .values("connector", "state", "n")
    ):
        day[(r["connector"], r["state"])] = r["n"]
    configured = {
        "hubspot": bool(settings.hubspot_client_secret),
        "pipedrive": bool(settings.pipedrive_auth),
        "salesforce": bool(settings.salesforce_org_id),
    }
    return [
        {
            "connector": name,
            "name": CRM_NAMES[name],
            "configured": configured[name],
            "url": f"/api/connectors/{name}",
            "last_delivery_at": last[name].isoformat() if last.get(name) else None,
            "received_24h": sum(n for (c, _), n in day.items() if c == name),
            "rejected_24h": day.get((name, "rejected"), 0),
        }
        for name in CONNECTORS
    ]
