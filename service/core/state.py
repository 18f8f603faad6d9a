"""The state a decision needs (``evolve.py`` says how one entry changes it).

Every writer keeps a ``State`` in memory. It is the fold of ``evolve`` over the ledger:
built by replaying every entry at start-up, and caught up under the write lock from the
entries other writers appended since (``seq`` greater than its own). It holds only what
rules check: the member and team directory, seasons, the policy, this week's kudos and
mentoring totals, goal progress, and badge counters. Unbounded things (idempotency keys,
whether a deal has its story) are looked up once per batch instead (``Lookups``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .calendar import SeasonSpan
from .entries import Award
from .policy import Policy
from .tally import ContestFacts

__all__ = [
    "ALL",
    "KUDOS_WEEKS",
    "GoalState",
    "MemberFacts",
    "MemberGoalState",
    "MetricFacts",
    "RedemptionFacts",
    "RewardFacts",
    "State",
    "TeamFacts",
    "Wallet",
]


@dataclass
class MemberFacts:
    id: int
    name: str
    team_id: int
    role: str
    joined_on: date
    email: str | None = None
    active: bool = True  # false: left the company (keeps history, gets and gives nothing)
    # the member's owner id in each CRM that feeds Huddle: crm → id
    external_ids: dict[str, str] = field(default_factory=dict)


@dataclass
class MetricFacts:
    key: str
    name: str
    points_per_unit: int  # hundredths of points per unit
    daily_cap: int | None  # hundredths of points per member and day


@dataclass
class TeamFacts:
    id: int
    name: str
    nickname: str | None = None
    color: str | None = None
    archived: bool = False  # no active members left, and off the boards
    reward_budget: int | None = None  # coins (hundredths) its members may redeem a month
    challenge_cap: int | None = None  # challenges its members may have open at once


@dataclass
class RewardFacts:
    id: int
    name: str
    cost: int  # coins, in hundredths
    stock: int | None  # left; None: no limit
    per_member_limit: int | None
    active: bool = True


@dataclass
class RedemptionFacts:
    id: int
    member_id: int
    team_id: int
    reward_id: int
    cost: int  # hundredths
    state: str  # pending | approved | declined | fulfilled
    month: str  # the org-local month it was asked in ("2026-11"): a team's budget


@dataclass
class Wallet:
    """A member's coins, in hundredths: earned with points and prizes (less what
    reversals took back), held by redemptions waiting for a decision, spent."""

    earned: int = 0
    held: int = 0
    spent: int = 0

    @property
    def balance(self) -> int:
        return self.earned - self.held - self.spent


@dataclass
class MemberGoalState:
    member_id: int
    target: int  # hundredths (a deals goal of 3 is 300)
    value: int = 0
    reached: bool = False
    paid: tuple[Award, ...] = ()  # the bonus paid when reached (taken back if reopened)
    # the target it was reached at: a target raised since keeps the bonus until the value
    # falls below this one (None: not reached, or reached before this was kept)
    paid_at: int | None = None


@dataclass
class GoalState:
    id: int
    team_id: int
    season_id: int
    metric: str
    target: int
    value: int = 0
    reached: bool = False
    members: dict[int, MemberGoalState] = field(default_factory=dict)
    paid: tuple[Award, ...] = ()
    paid_at: int | None = None  # as a member goal's


ALL = "*"  # every row of a contest (state.contests_moved)
KUDOS_WEEKS = 6  # weeks of kudos kept per pair: the longest pattern looked for, and room


@dataclass
class State:
    tz: ZoneInfo
    seq: int = 0
    policy: Policy = field(default_factory=Policy)
    policy_id: int = 1
    seasons: list[SeasonSpan] = field(default_factory=list)
    season_names: dict[int, str] = field(default_factory=dict)
    # season → when the first and the last thing that counts in it by its date happened (a
    # season's dates must keep covering them); the seasons any entry names (they stay:
    # the ledger refers to them); the org-local days of points that count in no season
    season_used: dict[int, tuple[datetime, datetime]] = field(default_factory=dict)
    seasons_named: set[int] = field(default_factory=set)
    unseasoned_days: set[date] = field(default_factory=set)
    teams: dict[int, TeamFacts] = field(default_factory=dict)
    members: dict[int, MemberFacts] = field(default_factory=dict)
    emails: dict[str, int] = field(default_factory=dict)
    # (crm, the CRM's owner id) → member: how a CRM's deliveries find their member
    external_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    week: str = ""  # the newest ISO week seen; older weeks' totals are dropped
    mentoring_used: dict[int, int] = field(default_factory=dict)  # manager → hundredths
    reviews_paid: dict[int, int] = field(default_factory=dict)  # member → paid reviews
    # kudos per ISO week, giver → recipient → hundredths, for the last KUDOS_WEEKS weeks:
    # this week's allowances and caps are read from it, and rings of three and pairs that
    # swap thanks every week are looked for in it
    kudos_weeks: dict[str, dict[int, dict[int, int]]] = field(default_factory=dict)
    goals: dict[int, GoalState] = field(default_factory=dict)
    metrics: dict[str, MetricFacts] = field(default_factory=dict)
    badges: set[tuple[int, int, str]] = field(default_factory=set)  # member, season, code
    badge_counts: dict[tuple[str | int, ...], int] = field(default_factory=dict)
    # (member, season) → the teammates they thanked (their counters in badge_counts > 0)
    thanked: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    # (member, Monday of an ISO week) → own points that week, for newcomers' weeks and
    # the week before each; and the improvement bonus paid for a week (core.improvement)
    own_weeks: dict[tuple[int, date], int] = field(default_factory=dict)
    improved: dict[tuple[int, date], Award] = field(default_factory=dict)
    # the highest row id of each table the writer hands ids out for (entries carry them)
    last_ids: dict[str, int] = field(default_factory=dict)
    # the reward shop: member → coins; the rewards; every redemption; what counts against
    # a per-member limit ((member, reward) → redemptions not declined) and against a
    # team's monthly budget ((team, month) → hundredths not declined)
    wallets: dict[int, Wallet] = field(default_factory=dict)
    rewards: dict[int, RewardFacts] = field(default_factory=dict)
    redemptions: dict[int, RedemptionFacts] = field(default_factory=dict)
    redeemed: dict[tuple[int, int], int] = field(default_factory=dict)
    team_redeemed: dict[tuple[int, str], int] = field(default_factory=dict)
    # contests: every one; those still counting (or a challenge waiting for its answer);
    # since the engine last looked (live boards), each contest whose standings moved →
    # the participant keys that did (ALL: every row may have, or the contest itself)
    contests: dict[int, ContestFacts] = field(default_factory=dict)
    open_contests: dict[int, ContestFacts] = field(default_factory=dict)
    contests_moved: dict[int, set[str]] = field(default_factory=dict)
    # team → its active member ids, in join order: built on first use, dropped whenever a member
    # joins or changes (every deal asks for its team; scanning the directory each time
    # cost more than the rest of the decision at a few hundred members)
    _teams_index: dict[int, tuple[int, ...]] | None = field(default=None, compare=False, repr=False)
    # day → its season, as asked (every entry asks): dropped whenever a season changes
    _season_days: dict[date, SeasonSpan | None] = field(
        default_factory=dict, compare=False, repr=False
    )

    def team_member_ids(self, team_id: int) -> tuple[int, ...]:
        if self._teams_index is None:
            index: dict[int, list[int]] = {}
            for m in self.members.values():
                if m.active:
                    index.setdefault(m.team_id, []).append(m.id)
            self._teams_index = {team: tuple(ids) for team, ids in index.items()}
        return self._teams_index.get(team_id, ())

    def members_changed(self) -> None:
        self._teams_index = None

    def team_of(self, member_id: int) -> int:
        return self.members[member_id].team_id

    def has_left(self, member_id: int | None) -> bool:
        """Whether a member the org knows has left (an unknown id has not)."""
        member = self.members.get(member_id or 0)
        return member is not None and not member.active

    def season_for(self, day: date) -> SeasonSpan | None:
        try:
            return self._season_days[day]
        except KeyError:
            found = next((s for s in self.seasons if s.contains(day)), None)
            self._season_days[day] = found
            return found

    def seasons_changed(self) -> None:
        self._season_days.clear()

    def kudos_week(self, week: str) -> dict[int, dict[int, int]]:
        """This week's kudos, giver → recipient → hundredths (empty when the state's newest
        week is another)."""
        return self.kudos_weeks.get(week, {}) if week == self.week else {}

    def mentoring_week(self, week: str) -> dict[int, int]:
        return self.mentoring_used if week == self.week else {}

    def reviews_week(self, week: str) -> dict[int, int]:
        """This week's paid loss reviews, member → count."""
        return self.reviews_paid if week == self.week else {}

    def wallet(self, member_id: int) -> Wallet:
        found = self.wallets.get(member_id)
        if found is None:
            found = self.wallets[member_id] = Wallet()
        return found
