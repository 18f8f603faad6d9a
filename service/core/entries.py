"""What happened: one msgspec Struct per ledger entry kind, and the entry around it.

An ``Entry`` is the envelope every kind shares (seq, times, actor, subject, awards,
events); its ``payload`` is the kind's own Struct, tagged by ``kind`` ("deal.won",
"kudos", ...). The database row, the feed, the live ``update`` message, the CSV export
and the OpenAPI schema are all views of these types (``service.core.views``).

Stored ``data`` keeps the shape earlier versions wrote (the payload's fields plus
``names`` and ``events``), so ledgers written before these types decode unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from msgspec import Struct, field

__all__ = [
    "ActivityLogged",
    "Actor",
    "Award",
    "BadgeEarned",
    "BadgeRevoked",
    "ChallengeAnswered",
    "ContestCancelled",
    "ContestCreated",
    "ContestSettled",
    "DealLost",
    "DealReversed",
    "DealWon",
    "Entry",
    "Event",
    "FeedbackReceived",
    "GoalChanged",
    "GoalProgress",
    "GoalReached",
    "GoalRemoved",
    "GoalReopened",
    "GoalSet",
    "Improved",
    "ImprovementRevoked",
    "KudosGiven",
    "KudosRevoked",
    "LossReviewed",
    "MemberJoined",
    "MemberTarget",
    "MemberUpdated",
    "MentoringAwarded",
    "MentoringRevoked",
    "MetricDefined",
    "Payload",
    "PolicyChanged",
    "Prize",
    "RedemptionDecided",
    "RedemptionRequested",
    "RewardChanged",
    "RewardCreated",
    "SeasonChanged",
    "SeasonCreated",
    "SeasonRemoved",
    "Side",
    "StoryPosted",
    "TeamCreated",
    "TeamUpdated",
    "Tier",
    "Winner",
]

Number = int | float


class Award(Struct, frozen=True):
    """Points one member earned from one entry, in one category (hundredths of points).

    The team is fixed when awarded: a member who moves keeps past points with the team
    they were earned for."""

    member_id: int
    team_id: int
    category: str
    cents: int


class Actor(Struct, frozen=True):
    """Who made the entry: the token's role, the token, and its member if any."""

    role: str
    token_id: int | None = None
    member_id: int | None = None


# -- events: what an entry caused besides points -------------------------------------------


class GoalProgress(Struct, frozen=True, tag="goal_progress", tag_field="type"):
    """A goal moved; ``value`` is the new absolute value (so replaying it is idempotent)."""

    goal_id: int
    team_id: int
    metric: str
    member_id: int | None
    value: Number
    target: Number


class GoalReached(Struct, frozen=True, tag="goal_reached", tag_field="type"):
    goal_id: int
    team_id: int
    metric: str
    scope: str
    member_id: int | None
    # the bonus it paid (to take back exactly that if the goal is no longer reached;
    # entries written before corrections existed leave it out)
    bonus: tuple[Award, ...] = ()


class GoalReopened(Struct, frozen=True, tag="goal_reopened", tag_field="type"):
    """A correction took a goal back below its target: its bonus is taken back (the
    entry's negative ``bonus`` awards), and reaching it again pays it again."""

    goal_id: int
    team_id: int
    metric: str
    scope: str
    member_id: int | None


class BadgeEarned(Struct, frozen=True, tag="badge", tag_field="type"):
    badge: str
    title: str
    member_id: int
    name: str
    team_id: int
    badge_id: int | None = None


class BadgeRevoked(Struct, frozen=True, tag="badge_revoked", tag_field="type"):
    """A correction took away what earned a badge: the badge goes (earning it again
    gives it again)."""

    badge: str
    title: str
    member_id: int
    name: str
    team_id: int


class Improved(Struct, frozen=True, tag="improvement", tag_field="type"):
    """A newcomer beat their own points of the week before by the policy's margin: the
    once-a-week improvement bonus (``core.improvement``)."""

    member_id: int
    name: str
    team_id: int
    week: str  # the ISO week beaten into, e.g. 2026-W47
    points: Number  # the member's own points that week, with this entry
    baseline: Number  # their own points of the week before
    bonus: tuple[Award, ...] = ()


class ImprovementRevoked(Struct, frozen=True, tag="improvement_revoked", tag_field="type"):
    """A correction took the week back below what earned the improvement bonus: the bonus
    is taken back (the entry's negative ``bonus`` award); beating it again pays again."""

    member_id: int
    name: str
    team_id: int
    week: str


Event = (
    GoalProgress
    | GoalReached
    | GoalReopened
    | BadgeEarned
    | BadgeRevoked
    | Improved
    | ImprovementRevoked
)


# -- payloads: one per entry kind -----------------------------------------------------------


class DealWon(Struct, frozen=True, tag="deal.won", tag_field="kind"):
    amount: Number
    customer: str
    assists: list[int] = field(default_factory=list)
    external_id: str | None = None
    deal_id: int | None = None
    # a re-scoring: the seq of the reversal this entry scores the same deal again after
    # (a correction, or a CRM that won a re-opened deal again)
    rescores: int | None = None
    # sent by a CRM in another currency: the amount there, and its ISO code
    original_amount: Number | None = None
    currency: str | None = None


class DealLost(Struct, frozen=True, tag="deal.lost", tag_field="kind"):
    amount: Number
    customer: str
    assists: list[int] = field(default_factory=list)
    external_id: str | None = None
    deal_id: int | None = None
    rescores: int | None = None
    original_amount: Number | None = None
    currency: str | None = None


class DealReversed(Struct, frozen=True, tag="deal.reversed", tag_field="kind"):
    """A deal taken back: negative awards for every point it caused. The fields say what
    was reversed, so replaying the entry needs nothing else (badge counters)."""

    deal_id: int
    reason: str
    outcome: str  # of the deal as it was
    amount: Number
    customer: str
    seller_id: int
    closed_at: datetime
    reverses: int  # the seq of the entry that scored the deal
    assists: list[int] = field(default_factory=list)
    external_id: str | None = None
    # its story's and loss review's points were taken back too (a plain reversal, or a
    # correction that changes the outcome)
    story: bool = False
    review: bool = False
    # a correction (``PATCH``): the next entry scores the deal again
    correction: bool = False


class KudosGiven(Struct, frozen=True, tag="kudos", tag_field="kind"):
    from_member_id: int
    to_member_id: int
    points: Number
    message: str
    strength: str | None = None
    kudos_id: int | None = None


class KudosRevoked(Struct, frozen=True, tag="kudos.revoked", tag_field="kind"):
    """Kudos taken back: the recipient loses the points, and the giver gets them back in
    the allowance of the week they were given in."""

    kudos_id: int
    from_member_id: int
    to_member_id: int
    points: Number
    week: str  # the ISO week the kudos was given in
    reverses: int
    strength: str | None = None
    reason: str | None = None
    # when the kudos was given: a contest counts the revocation then, so it takes back
    # exactly what the kudos added (None: revoked before this was kept)
    given_at: datetime | None = None


class MentoringAwarded(Struct, frozen=True, tag="mentoring", tag_field="kind"):
    member_id: int
    points: Number
    note: str
    awarded_by_member_id: int | None = None
    mentoring_id: int | None = None


class MentoringRevoked(Struct, frozen=True, tag="mentoring.revoked", tag_field="kind"):
    mentoring_id: int
    member_id: int
    points: Number
    week: str
    reverses: int
    awarded_by_member_id: int | None = None
    reason: str | None = None
    given_at: datetime | None = None  # as a kudos revocation's


class MemberTarget(Struct, frozen=True):
    member_id: int
    target: Number


class GoalSet(Struct, frozen=True, tag="goal.set", tag_field="kind"):
    goal_id: int
    season_id: int
    metric: str
    target: Number
    team_name: str
    member_targets: list[MemberTarget] = field(default_factory=list)


class GoalChanged(Struct, frozen=True, tag="goal.changed", tag_field="kind"):
    """A goal's targets changed: ``target`` and the member goals as they are now (a member
    left out no longer has one). Bonuses already paid stay."""

    goal_id: int
    metric: str
    target: Number
    team_name: str
    member_targets: list[MemberTarget] = field(default_factory=list)


class GoalRemoved(Struct, frozen=True, tag="goal.removed", tag_field="kind"):
    """A goal removed: the bonuses it paid are taken back (the entry's negative awards)."""

    goal_id: int
    metric: str
    team_name: str
    reason: str | None = None


class LossReviewed(Struct, frozen=True, tag="loss.reviewed", tag_field="kind"):
    deal_id: int
    customer: str
    lesson: str | None = None
    answers: list[str] = field(default_factory=list)
    review_id: int | None = None


class StoryPosted(Struct, frozen=True, tag="story.posted", tag_field="kind"):
    deal_id: int
    customer: str
    amount: Number
    text: str
    story_id: int | None = None


class FeedbackReceived(Struct, frozen=True, tag="feedback.received", tag_field="kind"):
    customer: str
    rating: int
    comment: str | None = None
    request_id: int | None = None
    feedback_id: int | None = None


class MetricDefined(Struct, frozen=True, tag="metric.defined", tag_field="kind"):
    """An activity the org counts (calls, meetings booked, demos)."""

    metric_id: int
    key: str
    name: str
    points_per_unit: Number
    daily_cap: Number | None = None


class ActivityLogged(Struct, frozen=True, tag="activity", tag_field="kind"):
    """Units of an activity metric; the entry's ``activity`` award is what they earned
    under the metric's daily cap (``points``)."""

    metric: str
    value: Number
    points: Number
    activity_id: int
    external_id: str | None = None
    day: date | None = None  # the org-local day it counts in (the daily cap's)


class TeamCreated(Struct, frozen=True, tag="team.created", tag_field="kind"):
    name: str
    team_id: int
    nickname: str | None = None
    color: str | None = None


class TeamUpdated(Struct, frozen=True, tag="team.updated", tag_field="kind"):
    changes: dict[str, Any]
    was: dict[str, Any] = field(default_factory=dict)


class MemberJoined(Struct, frozen=True, tag="member.joined", tag_field="kind"):
    name: str
    role: str
    joined_on: date
    team_name: str = ""
    email: str | None = None


class MemberUpdated(Struct, frozen=True, tag="member.updated", tag_field="kind"):
    changes: dict[str, Any]


class SeasonCreated(Struct, frozen=True, tag="season.created", tag_field="kind"):
    name: str
    starts_on: date
    ends_on: date
    season_id: int


class SeasonChanged(Struct, frozen=True, tag="season.changed", tag_field="kind"):
    """A season renamed, or its dates moved (closed early, extended): what counted in it
    keeps counting in it, so its dates still cover all of that."""

    season_id: int
    name: str
    starts_on: date
    ends_on: date
    was: tuple[str, date, date]  # its name and dates before


class SeasonRemoved(Struct, frozen=True, tag="season.removed", tag_field="kind"):
    """A season nothing was recorded in, removed (made by mistake, or not wanted)."""

    season_id: int
    name: str


class PolicyChanged(Struct, frozen=True, tag="policy.changed", tag_field="kind"):
    changes: dict[str, Any]
    version: int


class RewardCreated(Struct, frozen=True, tag="reward.created", tag_field="kind"):
    """A reward in the shop: its cost in coins, the stock left (None: no limit) and how
    many one member may redeem (None: no limit)."""

    reward_id: int
    name: str
    cost: Number
    stock: int | None = None
    per_member_limit: int | None = None
    description: str | None = None


class RewardChanged(Struct, frozen=True, tag="reward.changed", tag_field="kind"):
    """``changes``: any of name, cost, stock (what is left now), per_member_limit,
    description, active (false: off the shop; redemptions made stay)."""

    reward_id: int
    changes: dict[str, Any]


class RedemptionRequested(Struct, frozen=True, tag="redemption.requested", tag_field="kind"):
    """A member spends coins on a reward: the coins are held until a manager decides;
    ``stock_left`` is the reward's stock after it (None: no limit)."""

    redemption_id: int
    reward_id: int
    reward_name: str
    cost: Number
    note: str | None = None
    stock_left: int | None = None


class RedemptionDecided(Struct, frozen=True, tag="redemption.decided", tag_field="kind"):
    """approved (the held coins are spent), declined (the coins and the stock come back)
    or fulfilled (the reward was handed over)."""

    redemption_id: int
    reward_id: int
    state: str
    cost: Number
    note: str | None = None
    stock_left: int | None = None


# -- contests --------------------------------------------------------------------------------


class Prize(Struct, frozen=True, omit_defaults=True):
    """What a place (or a tier) wins: coins, a reward from the shop, or words."""

    coins: Number = 0
    reward_id: int | None = None
    description: str | None = None


class Tier(Struct, frozen=True):
    target: Number
    prize: Prize = Prize()


class Side(Struct, frozen=True):
    """One side of a head-to-head: whole teams (scored per member) and/or members."""

    name: str
    team_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = ()


class ContestCreated(Struct, frozen=True, tag="contest.created", tag_field="kind"):
    """A contest (or a challenge one seller sends another, ``challenge``: it runs once
    the opponent accepts). ``tally`` and ``baseline`` are what had been recorded in its
    period (and, for ``improvement``, in the equal period before) when it was created,
    per participant key ("m<member>", "t<team>", "s<side>") in hundredths; every later
    entry is counted as it is recorded (``core.contests``)."""

    contest_id: int
    name: str
    format: str
    metric: str
    starts_at: datetime
    ends_at: datetime
    team_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = ()
    by: str = "member"  # member | team: who the participants are
    sides: tuple[Side, ...] = ()
    target: Number | None = None
    tiers: tuple[Tier, ...] = ()
    prizes: tuple[Prize, ...] = ()
    min_score: Number | None = None
    recurrence: str | None = None  # daily | weekly | monthly
    challenge: bool = False
    series: int | None = None  # the first contest of a recurring series
    tally: dict[str, int] = field(default_factory=dict)
    baseline: dict[str, int] = field(default_factory=dict)


class ContestCancelled(Struct, frozen=True, tag="contest.cancelled", tag_field="kind"):
    contest_id: int
    name: str
    reason: str | None = None


class ChallengeAnswered(Struct, frozen=True, tag="challenge.answered", tag_field="kind"):
    """The opponent accepted (the head-to-head runs from now) or declined a challenge."""

    contest_id: int
    name: str
    accepted: bool


class Winner(Struct, frozen=True, omit_defaults=True):
    """A place won: by a member, a team or a side (``key`` says which), its score and
    prize; ``coins`` is what each of its members was paid."""

    place: int
    key: str
    name: str
    score: Number
    prize: Prize = Prize()
    coins: Number = 0
    member_id: int | None = None
    team_id: int | None = None
    side: str | None = None


class ContestSettled(Struct, frozen=True, tag="contest.settled", tag_field="kind"):
    """A contest over, once: its winners (with their prizes), the coins each member won
    (hundredths), and its final standings (the top of them)."""

    contest_id: int
    name: str
    format: str
    metric: str
    winners: tuple[Winner, ...] = ()
    coins: tuple[tuple[int, int], ...] = ()  # (member, hundredths)
    standings: tuple[dict[str, Any], ...] = ()
    reason: str = "ended"  # ended | target reached


Payload = (
    DealWon
    | DealLost
    | DealReversed
    | KudosGiven
    | KudosRevoked
    | MentoringAwarded
    | MentoringRevoked
    | GoalSet
    | GoalChanged
    | GoalRemoved
    | LossReviewed
    | StoryPosted
    | FeedbackReceived
    | MetricDefined
    | ActivityLogged
    | TeamCreated
    | TeamUpdated
    | MemberJoined
    | MemberUpdated
    | SeasonCreated
    | SeasonChanged
    | SeasonRemoved
    | PolicyChanged
    | RewardCreated
    | RewardChanged
    | RedemptionRequested
    | RedemptionDecided
    | ContestCreated
    | ContestCancelled
    | ChallengeAnswered
    | ContestSettled
)

# fields kept in the ledger but not shown to every token in the feed
PRIVATE_FIELDS = {"member.joined": ("email",), "loss.reviewed": ("answers",)}


class Entry(Struct):
    """One ledger entry: numbered by ``seq`` without gaps, never edited."""

    seq: int
    occurred_at: datetime
    recorded_at: datetime
    week: str
    actor: Actor
    policy_id: int
    payload: Payload
    member_id: int | None = None
    team_id: int | None = None
    season_id: int | None = None
    awards: tuple[Award, ...] = ()
    events: tuple[Event, ...] = ()
    names: dict[int, str] = field(default_factory=dict)
    id: int = 0
    # the Idempotency-Key this entry answered ("<token scope>:<key>") and its request's
    # hash; set by the engine, stored beside the ledger (table request_key), not in it
    request_key: str | None = None
    request_hash: str | None = None
    # the contest standings rows this entry's batch moved, for live boards: set by the
    # engine after the batch is decided, sent with the entry, not stored
    contests: tuple[dict[str, Any], ...] = ()

    @property
    def kind(self) -> str:
        kind = type(self.payload)
        tag = _TAGS.get(kind)
        if tag is None:
            tag = _TAGS[kind] = str(kind.__struct_config__.tag)
        return tag


# payload type → its kind (``Entry.kind`` is asked several times of every entry)
_TAGS: dict[type, str] = {}
