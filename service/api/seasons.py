"""Resolving the ``season`` query parameter shared by boards, goals and profiles."""

from __future__ import annotations

from ..db.models import Season
from ..errors import Invalid, NotFound
from ..settings import Settings
from .deps import today

__all__ = ["resolve_season"]


async def resolve_season(value: str | None, settings: Settings) -> Season | None:
    """``current`` → the season containing today (None if there is none), ``all`` → None,
    an id → that season (404 if unknown)."""
    if value in (None, "", "current"):
        day = today(settings)
        return await Season.filter(starts_on__lte=day, ends_on__gte=day).first()
    if value == "all":
        return None
    if not value.isdigit():
        raise Invalid(f"season must be 'current', 'all' or a season id, not {value!r}.")
    season = await Season.get_or_none(id=int(value))
    if season is None:
        raise NotFound(f"There is no season {value}.")
    return season
