"""Small reads that return core types rather than rows."""

from __future__ import annotations

from typing import Any

from tortoise.functions import Sum

from ..core.calendar import SeasonSpan
from ..core.policy import Policy
from .models import PolicyVersion, Season

__all__ = ["current_policy", "season_spans", "sum_cents"]


async def current_policy(conn: Any = None) -> Policy:
    """The newest policy version, or the defaults when none was ever stored."""
    version = await PolicyVersion.all().using_db(conn).order_by("-id").first()
    return Policy.from_dict(version.data) if version else Policy()


async def season_spans(conn: Any = None) -> list[SeasonSpan]:
    return [SeasonSpan(s.id, s.starts_on, s.ends_on) for s in await Season.all().using_db(conn)]


async def sum_cents(query: Any) -> int:
    """SUM(cents) of a queryset, 0 when empty."""
    rows = await query.annotate(total=Sum("cents")).values("total")
    return int(rows[0]["total"] or 0) if rows else 0
