"""Goal progress: team goals with nested member goals, reached once."""

from __future__ import annotations

__all__ = ["deal_contribution", "is_reached"]


def deal_contribution(metric: str, amount: float) -> float:
    """How far one won deal moves a goal: revenue goals by its amount, deals goals by one."""
    return 1 if metric == "deals" else amount


def is_reached(value: float, target: float) -> bool:
    return value >= target
