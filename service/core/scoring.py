"""Turn what happened into point awards, by the rules of the policy.

Each ``score_*`` function is pure: facts and a policy in, a tuple of ``Award`` out.
Amounts of points are integer hundredths (see ``points``).
"""

from __future__ import annotations

import math
from typing import Literal

from msgspec import Struct

from ..errors import Invalid
from .points import to_cents
from .policy import Policy

__all__ = [
    "CATEGORIES",
    "Award",
    "DealFacts",
    "deal_base_cents",
    "score_deal",
]

Category = Literal[
    "deals",
    "team_share",
    "assists",
    "help",
    "mentoring",
    "learning",
    "feedback",
    "bonus",
    "activity",
]
CATEGORIES: tuple[str, ...] = (
    "deals",
    "team_share",
    "assists",
    "help",
    "mentoring",
    "learning",
    "feedback",
    "bonus",
    "activity",
)


class Award(Struct, frozen=True):
    """Points for one member in one category (a Struct: a deal makes a dozen, and a
    frozen dataclass takes several times as long to build)."""

    member_id: int
    category: str
    cents: int


class DealFacts(Struct, frozen=True):
    """A deal as the scoring rules see it."""

    seller_id: int
    won: bool
    amount: float
    seller_is_newcomer: bool
    teammate_ids: tuple[int, ...]
    assist_ids: tuple[int, ...] = ()


def deal_base_cents(amount: float, policy: Policy) -> int:
    """Deal points: base + 1 per ``points_per_amount`` (floored), capped at ``max_deal_points``."""
    points = policy.deal_points + math.floor(amount / policy.points_per_amount)
    return to_cents(min(points, policy.max_deal_points))


def score_deal(deal: DealFacts, policy: Policy) -> tuple[Award, ...]:
    """Score a deal: a lost deal scores nothing; a won one pays the seller, team and assists.

    Worked example (API.md): team of 4, 50 000 won → 60 points; team share 20% = 12 split
    among 3 teammates (4 each); the seller keeps 48.
    """
    check_assists(deal, policy)
    if not deal.won:
        return ()
    cents = deal_base_cents(deal.amount, policy)
    if deal.seller_is_newcomer:
        # newcomer multiplier: on the newcomer's own deal points, after the cap, before the share
        cents = to_cents(cents * policy.newcomer_multiplier / 100)
    awards: list[Award] = []
    teammates = [m for m in deal.teammate_ids if m != deal.seller_id]
    share_each = 0
    if teammates:
        # team share: the share is split equally; rounding leftovers stay with the seller,
        # so the team total always rises by exactly the deal's points
        share_each = to_cents(cents * policy.team_share / 100) // len(teammates)
    seller_cents = cents - share_each * len(teammates)
    awards.append(Award(deal.seller_id, "deals", seller_cents))
    if share_each:
        awards.extend(Award(m, "team_share", share_each) for m in teammates)
    assist_cents = to_cents(policy.assist_points)
    if assist_cents:
        awards.extend(Award(m, "assists", assist_cents) for m in deal.assist_ids)
    return tuple(a for a in awards if a.cents)


def check_assists(deal: DealFacts, policy: Policy) -> None:
    """Assists: at most ``max_assists``, each member once, never the seller."""
    if len(deal.assist_ids) > policy.max_assists:
        raise Invalid(
            f"A deal can have at most {policy.max_assists} assists; "
            f"{len(deal.assist_ids)} were given."
        )
    if len(set(deal.assist_ids)) != len(deal.assist_ids):
        raise Invalid("Each assisting member may be named only once.")
    if deal.seller_id in deal.assist_ids:
        raise Invalid("The seller cannot assist their own deal; remove them from assists.")
