"""The scoring policy: every number the rules use, with the defaults of the contract.

A policy is immutable; ``PUT /api/policy`` stores a new version and every ledger entry
remembers the version it was scored with, so a change applies only to later entries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from ..errors import Invalid

__all__ = ["DEFAULT_FEEDBACK_POINTS", "Policy"]

DEFAULT_FEEDBACK_POINTS: dict[int, float] = {1: 1, 2: 1, 3: 1, 4: 3, 5: 5}


@dataclass(frozen=True)
class Policy:
    """Scoring rules; see the README's "Scoring rules" for each key in plain words."""

    deal_points: float = 10
    points_per_amount: float = 1000
    max_deal_points: float = 100
    team_share: float = 0.2
    assist_points: float = 5
    max_assists: int = 3
    newcomer_days: int = 90
    newcomer_multiplier: float = 1.5
    # a newcomer whose own points in a week reach the week before's plus the gain earns the
    # bonus once that week (0: off; the formula is in core/improvement.py and the README)
    improvement_bonus: float = 10
    improvement_min_gain: float = 10
    kudos_max_points: float = 5
    kudos_weekly_allowance: float = 10
    kudos_recipient_weekly_cap: float = 5
    # both directions together; below twice the recipient cap, or it could never bite
    kudos_reciprocity_limit: float = 8
    # a ring of three (A→B, B→C, C→A) this week or last: each link carries at most this
    # many points over the two weeks (0: no limit)
    kudos_ring_limit: float = 3
    # two members who thanked each other (both ways) in each of this many weeks before
    # this one: only one of them may thank the other this week (0: no limit)
    kudos_swap_weeks: int = 3
    mentoring_max_points: float = 20
    mentoring_weekly_budget: float = 50
    loss_review_points: float = 5
    # loss reviews a member is paid for in an ISO week; more are kept (the learning is
    # the point) but pay nothing: a lost deal costs nothing to log, so without a bound a
    # seller could log and review made-up losses for points (0: no limit)
    loss_reviews_weekly_paid: int = 5
    # a lost deal still without its review this many days after it closed is overdue: the
    # coach's page lists it (reviews are wanted while the deal is fresh in mind)
    loss_review_due_days: int = 3
    story_points: float = 2
    feedback_points: dict[int, float] = field(default_factory=lambda: dict(DEFAULT_FEEDBACK_POINTS))
    feedback_link_days: int = 14
    # links one seller may have created per ISO week: a seller could answer their own links
    feedback_requests_weekly_limit: int = 20
    team_goal_bonus: float = 25
    member_goal_bonus: float = 10
    # coins (the reward shop's currency) every point earned also earns; a point taken
    # back takes its coins back
    coins_per_point: float = 1
    # how many days back a seller or manager may date an activity they log (0: today
    # only); every day has its own daily cap, so without a bound a seller could fill the
    # cap of every day of the past years. Imports, integrations and admins: any day
    activity_backdate_days: int = 7

    def to_dict(self) -> dict[str, Any]:
        """The policy as JSON-ready data (feedback keys become strings)."""
        data = asdict(self)
        data["feedback_points"] = {str(k): v for k, v in sorted(self.feedback_points.items())}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: Policy | None = None) -> Policy:
        """Build a policy from ``data`` laid over ``base``; unknown or bad keys raise Invalid."""
        base = base or cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise Invalid(
                f"Unknown policy key(s): {', '.join(unknown)}. "
                f"Known keys are: {', '.join(sorted(known))}."
            )
        changes: dict[str, Any] = {}
        for name, value in data.items():
            changes[name] = _coerce(name, value, getattr(base, name))
        policy = replace(base, **changes)
        policy.validate()
        return policy

    def validate(self) -> None:
        """Raise Invalid when a value makes no sense (negative points, share above 1...)."""
        if not 0 <= self.team_share <= 1:
            raise Invalid("team_share must be between 0 and 1 (0.2 means 20%).")
        if self.points_per_amount <= 0:
            raise Invalid("points_per_amount must be greater than 0.")
        if not 0 <= self.coins_per_point <= 1000:
            raise Invalid("coins_per_point must be from 0 to 1000 (0: points earn no coins).")
        if self.newcomer_multiplier < 1:
            raise Invalid("newcomer_multiplier must be 1 or more.")
        if self.kudos_max_points < 1 or self.mentoring_max_points < 1:
            raise Invalid("kudos_max_points and mentoring_max_points must be at least 1.")
        if self.max_assists < 0 or self.newcomer_days < 0 or self.feedback_link_days < 1:
            raise Invalid(
                "max_assists and newcomer_days must be 0 or more, feedback_link_days at least 1."
            )
        if self.feedback_requests_weekly_limit < 1:
            raise Invalid("feedback_requests_weekly_limit must be at least 1.")
        if sorted(self.feedback_points) != [1, 2, 3, 4, 5]:
            raise Invalid("feedback_points must give points for each rating 1 to 5.")
        for f in fields(self):
            value = getattr(self, f.name)
            values = value.values() if isinstance(value, dict) else [value]
            if any(v < 0 for v in values):
                raise Invalid(f"{f.name} must not be negative.")


# the keys that count whole things (days, weeks, assists, links): the rest take decimals
_WHOLE = frozenset(f.name for f in fields(Policy) if f.type in ("int", int))

# The largest value each key may take: beyond these a policy is a typo, and numbers such
# as 1e300 points or 1e12 newcomer days would break every later write (hundredths must
# fit a 64-bit integer, days a date). Weekly limits go high so they can be switched off.
_MAXIMA: dict[str, float] = {
    "deal_points": 1_000_000,
    "points_per_amount": 1e12,
    "max_deal_points": 1_000_000,
    "team_share": 1,
    "assist_points": 1_000_000,
    "max_assists": 20,
    "newcomer_days": 3650,
    "newcomer_multiplier": 10,
    "improvement_bonus": 1_000_000,
    "improvement_min_gain": 1_000_000,
    "kudos_max_points": 1_000_000,
    "kudos_weekly_allowance": 1e10,
    "kudos_recipient_weekly_cap": 1e10,
    "kudos_reciprocity_limit": 2e10,
    "kudos_ring_limit": 1e10,
    "kudos_swap_weeks": 5,  # the state keeps six weeks of kudos
    "mentoring_max_points": 1_000_000,
    "mentoring_weekly_budget": 1e10,
    "loss_review_points": 1_000_000,
    "loss_review_due_days": 365,
    "loss_reviews_weekly_paid": 1000,
    "story_points": 1_000_000,
    "feedback_points": 1_000_000,
    "feedback_link_days": 365,
    "activity_backdate_days": 3650,
    "feedback_requests_weekly_limit": 10_000,
    "team_goal_bonus": 1_000_000,
    "member_goal_bonus": 1_000_000,
    "coins_per_point": 1000,
}


def _coerce(name: str, value: Any, current: Any) -> Any:
    """Check one value against the key's declared type (not the value it has now: a
    share set to 0 takes 0.2 again)."""
    if isinstance(current, dict):
        if not isinstance(value, dict):
            raise Invalid(f'{name} must be an object like {{"1": 1, ..., "5": 5}}.')
        try:
            return {int(k): _points(name, _number(name, v)) for k, v in value.items()}
        except ValueError:
            raise Invalid(f"{name} keys must be the ratings 1 to 5.") from None
    number = _number(name, value)
    if name in _WHOLE:
        if number != int(number):
            raise Invalid(f"{name} must be a whole number.")
        return int(number)
    if name in {"team_share", "newcomer_multiplier"}:  # a share and a factor, not points
        return number
    return _points(name, number)


def _points(name: str, number: float) -> float:
    """Points and coins are kept to the hundredth."""
    if round(number, 2) != number:
        raise Invalid(f"{name} may have at most 2 decimals.")
    return number


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid(f"{name} must be a number, got {value!r}.", field=name)
    top = _MAXIMA[name]
    if not -top <= value <= top:  # also refuses NaN; negatives are refused by validate()
        raise Invalid(f"{name} must be between 0 and {top:,.0f}; got {value!r}.", field=name)
    return float(value) if isinstance(value, float) else value
