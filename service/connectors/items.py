"""What a connector reads from its CRM's delivery, before any mapping: a deal as it
stands now, or an activity; or why a part of the delivery cannot be read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from msgspec import Struct

__all__ = ["ActivityItem", "DealItem", "Item", "Received", "Unreadable", "moment", "number"]

RAW_LIMIT = 20_000  # characters of the CRM's own text kept with each item


class DealItem(Struct, frozen=True, tag="deal"):
    crm: str
    id: str  # the CRM's own deal id
    status: str  # won | lost | open
    owner: str | None = None  # the CRM's owner (user) id
    owner_email: str | None = None
    amount: float | None = None  # in ``currency`` (None: the org's)
    currency: str | None = None
    customer: str | None = None
    closed_at: datetime | None = None

    @property
    def external_id(self) -> str:
        return f"{self.crm}:{self.id}"


class ActivityItem(Struct, frozen=True, tag="activity"):
    crm: str
    id: str
    kind: str  # the CRM's activity type: meeting, call, ...
    done: bool
    owner: str | None = None
    owner_email: str | None = None
    occurred_at: datetime | None = None

    @property
    def external_id(self) -> str:
        return f"{self.crm}:{self.kind}:{self.id}"


Item = DealItem | ActivityItem


class Unreadable(Exception):
    """A part of a delivery that cannot be read: why, in words for the admin."""


@dataclass
class Received:
    """One part of a delivery: the item read from it, or why it could not be; and the
    CRM's own text for it (or how to write it: only a rejected item's is kept whole)."""

    raw: str | Callable[[], str]
    item: Item | None = None
    problem: str | None = None  # why it cannot be read: kept as rejected
    ignored: str | None = None  # why there is nothing in it to count

    @property
    def text(self) -> str:
        raw = self.raw() if callable(self.raw) else self.raw
        return raw if len(raw) <= RAW_LIMIT else raw[:RAW_LIMIT] + " …"


def number(value: Any, what: str) -> float | None:
    """A CRM's amount: a number, or a string of one ("125000", "1 000,50" is refused)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Unreadable(f"{what} must be a number, not {value!r}.")
    try:
        amount = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise Unreadable(f"{what} must be a number, not {value!r}.") from None
    if amount != amount or not 0 <= amount <= 1e12:
        raise Unreadable(f"{what} must be a number from 0 to 10^12, not {value!r}.")
    return amount


def moment(value: Any, what: str, tz: ZoneInfo) -> datetime | None:
    """A CRM's time: epoch milliseconds (HubSpot), ISO 8601 with or without a zone
    ("2026-11-20T10:00:00Z"; Pipedrive's "2026-11-20 10:00:00" is UTC), or a date alone
    (noon that day in the org's time zone, so the day stays the day)."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text) / 1000, UTC)
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(12), tz)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        raise Unreadable(f"{what} is not a time Huddle can read: {value!r}.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
