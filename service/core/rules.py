"""Allowances and budgets: how many points a member may still give this week.

The database adapter sums what was already given inside the write transaction (which
holds the org-wide write lock) and asks these functions whether the new gift fits.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Invalid, LimitReached
from .points import from_cents, to_cents
from .policy import Policy

__all__ = ["KudosUsage", "check_kudos", "check_mentoring", "check_points_range"]


@dataclass(frozen=True)
class KudosUsage:
    """What a giver has already given this ISO week (hundredths of points)."""

    given_total: int
    given_to_recipient: int
    received_from_recipient: int


def check_points_range(points: float, low: float, high: float, what: str) -> int:
    """Points must lie in [low, high] with at most 2 decimals; returns hundredths."""
    cents = to_cents(points)
    if abs(cents - points * 100) > 1e-6:
        raise Invalid(f"{what} points may have at most 2 decimals.")
    if not to_cents(low) <= cents <= to_cents(high):
        raise Invalid(f"{what} points must be between {low:g} and {high:g}; got {points:g}.")
    return cents


def check_kudos(
    giver_id: int, recipient_id: int, points: float, usage: KudosUsage, policy: Policy
) -> int:
    """Kudos: 1..kudos_max_points, never to oneself, within the weekly allowance and caps."""
    if giver_id == recipient_id:
        raise Invalid("You cannot give kudos to yourself; thank a teammate instead.")
    cents = check_points_range(points, 1, policy.kudos_max_points, "Kudos")
    left = to_cents(policy.kudos_weekly_allowance) - usage.given_total
    cap_left = to_cents(policy.kudos_recipient_weekly_cap) - usage.given_to_recipient
    # reciprocity: A→B and B→A in the same week, beyond the limit, looks like a trade; a
    # one-way thank-you is bounded by the recipient cap alone
    swapped = usage.given_to_recipient + usage.received_from_recipient
    pair_left = to_cents(policy.kudos_reciprocity_limit) - swapped
    # what may still go to this colleague, every limit counted: a refusal offers no more
    # than a gift that would pass
    limits = [left, cap_left, *([pair_left] if usage.received_from_recipient else [])]
    most = from_cents(max(min(limits), 0))
    if cents > left:
        then = "" if most == from_cents(max(left, 0)) else f" For this teammate: {most:g} at most."
        raise LimitReached(
            f"This gift of {points:g} points is more than your weekly kudos allowance allows: "
            f"{from_cents(max(left, 0))} of {policy.kudos_weekly_allowance:g} points "
            f"left this week.{then}",
            remaining=most,
        )
    if cents > cap_left:
        then = "" if most == from_cents(max(cap_left, 0)) else f" You may give them {most:g} now."
        raise LimitReached(
            f"You may give the same teammate at most {policy.kudos_recipient_weekly_cap:g} "
            f"points a week; {from_cents(max(cap_left, 0))} left for them this week.{then}",
            remaining=most,
        )
    if usage.received_from_recipient and cents > pair_left:
        raise LimitReached(
            f"You and this teammate have already swapped {from_cents(swapped)} kudos points "
            f"this week; trading kudos back and forth is capped at "
            f"{policy.kudos_reciprocity_limit:g} points a week between two people "
            f"({from_cents(max(pair_left, 0))} left between you).",
            remaining=most,
        )
    return cents


def check_mentoring(
    manager_member_id: int | None, member_id: int, points: float, used: int, policy: Policy
) -> int:
    """Mentoring: 1..mentoring_max_points, never to oneself, within the weekly budget."""
    if manager_member_id == member_id:
        raise Invalid("You cannot award mentoring points to yourself.")
    cents = check_points_range(points, 1, policy.mentoring_max_points, "Mentoring")
    left = to_cents(policy.mentoring_weekly_budget) - used
    if cents > left:
        raise LimitReached(
            f"This award of {points:g} points is more than your weekly mentoring budget allows: "
            f"{from_cents(max(left, 0))} of {policy.mentoring_weekly_budget:g} points left.",
            remaining=from_cents(max(left, 0)),
        )
    return cents
