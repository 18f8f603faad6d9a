"""Dates in the organisation's time zone: ISO weeks, newcomers and seasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "SeasonSpan",
    "is_newcomer",
    "iso_week",
    "local_date",
    "monday",
    "monday_of",
    "period_end",
    "season_containing",
    "week_name",
]


@dataclass(frozen=True)
class SeasonSpan:
    """A season's id and its inclusive date range."""

    id: int
    starts_on: date
    ends_on: date

    def contains(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def overlaps(self, starts_on: date, ends_on: date) -> bool:
        return self.starts_on <= ends_on and starts_on <= self.ends_on


# the last moments asked, by identity (each held, so its id cannot be reused): a decision
# asks for the date of the same moment several times (its season, its week, the
# newcomer's week, the daily cap), a batch's look-ups ask for every command's first, and
# a time zone conversion costs more than a look here. It holds more than an import's
# batch (8,000 rows): emptied at 4,096, the look-ups' answers were gone before the
# decisions asked again
_DATES: dict[int, tuple[datetime, ZoneInfo, date]] = {}
_DATES_KEPT = 20_000


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar date of ``moment`` in the org's time zone."""
    known = _DATES.get(id(moment))
    if known is not None and known[0] is moment and known[1] is tz:
        return known[2]
    day = moment.astimezone(tz).date()
    if len(_DATES) >= _DATES_KEPT:
        _DATES.clear()
    _DATES[id(moment)] = (moment, tz, day)
    return day


def iso_week(moment: datetime, tz: ZoneInfo) -> str:
    """The ISO week of ``moment`` in the org's zone, e.g. ``2026-W47`` (allowances reset here)."""
    return week_name(local_date(moment, tz))


@lru_cache(maxsize=1024)  # every entry asks it of its day, and of the batch's
def week_name(day: date) -> str:
    """The ISO week ``day`` is in, e.g. ``2026-W47``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def monday(day: date) -> date:
    """The Monday of the ISO week ``day`` is in."""
    return day - timedelta(days=day.weekday())


def monday_of(week: str) -> date:
    """The Monday of an ISO week named like ``2026-W47``."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def is_newcomer(joined_on: date, today: date, newcomer_days: int) -> bool:
    """A member is a newcomer for ``newcomer_days`` days after ``joined_on``."""
    return joined_on <= today < joined_on + timedelta(days=newcomer_days)


def season_containing(day: date, seasons: list[SeasonSpan]) -> SeasonSpan | None:
    """The season whose dates include ``day`` (seasons never overlap)."""
    return next((s for s in seasons if s.contains(day)), None)


def period_end(moment: datetime, recurrence: str, tz: ZoneInfo) -> datetime:
    """The end of the day, ISO week or month ``moment`` falls in (``recurrence``), at
    midnight in the org's time zone: the next local midnight, Monday or first of the
    month (a day across a daylight-saving change lasts 23 or 25 hours)."""
    day = local_date(moment, tz)
    if recurrence == "daily":
        end = day + timedelta(days=1)
    elif recurrence == "weekly":
        end = monday(day) + timedelta(days=7)
    else:
        end = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return datetime.combine(end, datetime.min.time(), tzinfo=tz)
