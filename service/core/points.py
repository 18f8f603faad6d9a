"""Points are kept as integer hundredths ("cents") so sums are exact.

The contract says points carry at most 2 decimals; storing cents avoids float drift in
Redis sorted sets and in SQL sums.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["from_cents", "to_cents"]


def to_cents(points: float | int | Decimal | str) -> int:
    """Convert points to hundredths, rounding half up."""
    if type(points) is int:
        return points * 100
    if type(points) is float and points.is_integer():
        return int(points) * 100
    value = Decimal(str(points)) * 100
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(cents: int | float) -> float | int:
    """Convert hundredths back to points; whole numbers stay integers."""
    whole, rest = divmod(round(cents), 100)
    return whole if rest == 0 else round(round(cents) / 100, 2)
