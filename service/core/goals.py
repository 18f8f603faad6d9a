"""Goal progress: team goals with nested member goals, reached once."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GoalMove", "deal_contribution", "is_reached"]


@dataclass(frozen=True)
class GoalMove:
    """How far one won deal moves a goal of the given metric."""

    metric: str
    amount: float

    @property
    def delta(self) -> float:
        return 1 if self.metric == "deals" else self.amount


def deal_contribution(metric: str, amount: float) -> float:
    """revenue goals grow by the deal's amount, deals goals by one."""
    return GoalMove(metric, amount).delta


def is_reached(value: float, target: float) -> bool:
    return value >= target
