"""Small reads that return core types rather than rows."""

from __future__ import annotations

from ..core.policy import Policy
from .models import PolicyVersion

__all__ = ["current_policy"]


async def current_policy() -> Policy:
    """The newest policy version, or the defaults when none was ever stored."""
    version = await PolicyVersion.all().order_by("-id").first()
    return Policy.from_dict(version.data) if version else Policy()
