"""Commands (what someone asks for) and the context a decision is made in.

``decide(command, actor, state, ctx)`` is the one entry point: it returns a ``Decision``
(the entries to append, or an earlier result to hand back) or raises a ``HuddleError``
saying, in words a user understands, why the command is refused. It never changes the
state: the engine ``evolve``\\s it with the entries once a decision is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from msgspec import Struct

from ..errors import wrong_role
from .calendar import iso_week, local_date
from .entries import (
    ActivityLogged,
    Actor,
    Award,
    DealLost,
    DealReversed,
    DealWon,
    Entry,
    Event,
    KudosRevoked,
    LossReviewed,
    MentoringRevoked,
    Payload,
    StoryPosted,
)
from .improvement import WeekProgress
from .points import to_cents
from .state import State

# the largest row id: ids are 32-bit integers in the database; a larger one names nothing
MAX_ID = 2**31 - 1

__all__ = [
    "MAX_ID",
    "ActivityRef",
    "AllowanceLeft",
    "AnswerChallenge",
    "AnswerFeedback",
    "AwardMentoring",
    "CancelContest",
    "ChangeGoal",
    "ChangePolicy",
    "ChangeReward",
    "ChangeSeason",
    "Command",
    "ContestsRead",
    "Context",
    "CorrectDeal",
    "CreateContest",
    "CreateMember",
    "CreateReward",
    "CreateSeason",
    "CreateTeam",
    "DealRef",
    "DecideRedemption",
    "Decision",
    "DefineMetric",
    "FeedbackRef",
    "GiftRef",
    "GiveKudos",
    "Ids",
    "IssueChallenge",
    "PostStory",
    "RecordActivity",
    "RecordDeal",
    "Redeem",
    "RemoveGoal",
    "RemoveSeason",
    "ReverseDeal",
    "ReviewLoss",
    "RevokeKudos",
    "RevokeMentoring",
    "SetChallengeCap",
    "SetGoal",
    "SetRewardBudget",
    "SettleContests",
    "SyncActivity",
    "SyncDeal",
    "UpdateMember",
    "UpdateTeam",
    "WalletOf",
    "new_entry",
    "require",
]


class RecordDeal(Struct, frozen=True):
    seller_id: int
    outcome: str
    amount: float
    customer: str
    assists: tuple[int, ...] = ()
    external_id: str | None = None
    closed_at: datetime | None = None
    # a deal a CRM sent in another currency: its amount and currency there (``amount``
    # is converted to the org's currency)
    original_amount: float | None = None
    currency: str | None = None


class SyncDeal(Struct, frozen=True):
    """Where a CRM's deal stands now."""

    crm: str
    external_id: str  # the CRM's id, prefixed with the CRM: "hubspot:9876543210"
    status: str  # won | lost | open
    owner: str | None = None  # the CRM's owner id
    owner_email: str | None = None
    amount: float | None = None  # in the org's currency
    customer: str | None = None
    closed_at: datetime | None = None
    original_amount: float | None = None
    currency: str | None = None


class SyncActivity(Struct, frozen=True):
    """A CRM activity (a meeting, a call) done: one unit of a Huddle metric."""

    crm: str
    external_id: str
    metric: str
    owner: str | None = None
    owner_email: str | None = None
    occurred_at: datetime | None = None
    value: float = 1


class CreateReward(Struct, frozen=True):
    name: str
    cost: float
    stock: int | None = None
    per_member_limit: int | None = None
    description: str | None = None


class ChangeReward(Struct, frozen=True):
    """Any of name, cost, stock, per_member_limit, description, active."""

    reward_id: int
    changes: dict[str, Any]


class Redeem(Struct, frozen=True):
    reward_id: int
    note: str | None = None


class DecideRedemption(Struct, frozen=True):
    redemption_id: int
    action: str  # approve | decline | fulfil
    note: str | None = None


class SetRewardBudget(Struct, frozen=True):
    """What a team's members may redeem a month, in coins (None: no budget)."""

    team_id: int
    monthly: float | None


class WalletOf(Struct, frozen=True):
    """Not a change: a member's coins, read under the lock."""

    member_id: int


class CreateContest(Struct, frozen=True):
    """A contest as asked for (checked by the decider). ``counted``: what the ledger up
    to ``counted_upto`` holds for its period (and the period before), counted outside
    the lock; the entries after it are counted under the lock (``Context.contest_counts``)."""

    name: str
    format: str
    metric: str
    starts_at: datetime
    ends_at: datetime
    team_ids: tuple[int, ...] = ()
    member_ids: tuple[int, ...] = ()
    by: str | None = None
    sides: tuple[Any, ...] = ()  # dicts {name, team_ids?, member_ids?}
    target: float | None = None
    tiers: tuple[Any, ...] = ()  # dicts {target, prize?}
    prizes: tuple[Any, ...] = ()  # dicts {coins?, reward_id?, description?}
    min_score: float | None = None
    recurrence: str | None = None
    counted_upto: int = 0
    tally: dict[str, int] = {}
    baseline: dict[str, int] = {}


class CancelContest(Struct, frozen=True):
    contest_id: int
    reason: str | None = None


class IssueChallenge(Struct, frozen=True):
    opponent_id: int
    metric: str
    ends_at: datetime
    name: str | None = None
    prize: Any = None  # {description?}


class AnswerChallenge(Struct, frozen=True):
    contest_id: int
    accept: bool


class SettleContests(Struct, frozen=True):
    """Settle every contest whose end has come (and let challenges nobody accepted in
    time lapse); what settles nothing appends nothing."""


class ContestsRead(Struct, frozen=True):
    """Not a change: contests as they stand, read under the lock."""

    contest_id: int | None = None
    state: str | None = None  # upcoming | running | ended | proposed
    member_id: int | None = None


class SetChallengeCap(Struct, frozen=True):
    """How many challenges a team's members may have open at once (None: no cap)."""

    team_id: int
    max_open: int | None


class GiveKudos(Struct, frozen=True):
    to_member_id: int
    points: float
    message: str
    strength: str | None = None


class AwardMentoring(Struct, frozen=True):
    member_id: int
    points: float
    note: str


class SetGoal(Struct, frozen=True):
    team_id: int
    season_id: int
    metric: str
    target: float
    member_targets: tuple[tuple[int, float], ...] = ()


class ChangeGoal(Struct, frozen=True):
    """New targets (None: as it is); ``member_targets`` replaces the member goals."""

    goal_id: int
    target: float | None = None
    member_targets: tuple[tuple[int, float], ...] | None = None


class RemoveGoal(Struct, frozen=True):
    goal_id: int
    reason: str | None = None


class ReviewLoss(Struct, frozen=True):
    deal_id: int
    answers: tuple[str, ...]
    lesson: str | None = None


class PostStory(Struct, frozen=True):
    deal_id: int
    text: str


class AnswerFeedback(Struct, frozen=True):
    request_id: int
    rating: int
    comment: str | None = None


class ReverseDeal(Struct, frozen=True):
    deal_id: int
    reason: str


class CorrectDeal(Struct, frozen=True):
    """What changes in a deal (None: stays as it is)."""

    deal_id: int
    reason: str | None = None
    amount: float | None = None
    seller_id: int | None = None
    assists: tuple[int, ...] | None = None
    closed_at: datetime | None = None
    outcome: str | None = None
    customer: str | None = None
    # a CRM's new amount in another currency: the amount there (``amount`` converted)
    original_amount: float | None = None
    currency: str | None = None


class RevokeKudos(Struct, frozen=True):
    kudos_id: int
    reason: str | None = None


class RevokeMentoring(Struct, frozen=True):
    mentoring_id: int
    reason: str | None = None


class DefineMetric(Struct, frozen=True):
    key: str
    name: str
    points_per_unit: float
    daily_cap: float | None = None


class RecordActivity(Struct, frozen=True):
    metric: str
    member_id: int | None = None
    member_email: str | None = None
    value: float = 1
    occurred_at: datetime | None = None
    external_id: str | None = None


class CreateTeam(Struct, frozen=True):
    name: str
    nickname: str | None = None
    color: str | None = None


class UpdateTeam(Struct, frozen=True):
    team_id: int
    changes: dict[str, Any]


class CreateMember(Struct, frozen=True):
    name: str
    team_id: int
    role: str
    email: str | None = None
    joined_on: date | None = None


class UpdateMember(Struct, frozen=True):
    member_id: int
    changes: dict[str, Any]


class CreateSeason(Struct, frozen=True):
    name: str
    starts_on: date
    ends_on: date


class ChangeSeason(Struct, frozen=True):
    """Rename a season or move its dates (None: unchanged)."""

    season_id: int
    name: str | None = None
    starts_on: date | None = None
    ends_on: date | None = None


class RemoveSeason(Struct, frozen=True):
    season_id: int


class ChangePolicy(Struct, frozen=True):
    changes: dict[str, Any]


class ImprovementProgress(Struct, frozen=True):
    """Not a change: where a member stands this week against the improvement bonus."""

    member_id: int


class AllowanceLeft(Struct, frozen=True):
    """Not a change: what is left of the caller's weekly kudos allowance or mentoring
    budget, read under the lock with the same state the rules use."""

    what: str  # "kudos" or "mentoring"


Command = (
    RecordDeal
    | DefineMetric
    | RecordActivity
    | ReverseDeal
    | CorrectDeal
    | RevokeKudos
    | RevokeMentoring
    | GiveKudos
    | AwardMentoring
    | SetGoal
    | ChangeGoal
    | RemoveGoal
    | ReviewLoss
    | PostStory
    | AnswerFeedback
    | CreateTeam
    | UpdateTeam
    | CreateMember
    | UpdateMember
    | CreateSeason
    | ChangeSeason
    | RemoveSeason
    | ChangePolicy
    | AllowanceLeft
    | ImprovementProgress
    | SyncDeal
    | SyncActivity
    | CreateReward
    | ChangeReward
    | Redeem
    | DecideRedemption
    | SetRewardBudget
    | WalletOf
    | CreateContest
    | CancelContest
    | IssueChallenge
    | AnswerChallenge
    | SettleContests
    | ContestsRead
    | SetChallengeCap
)


# -- what a batch looks up once, for things too many to keep in memory ----------------------


@dataclass
class DealRef:
    """A recorded deal as the rules and the API's answers need it."""

    id: int
    seq: int
    seller_id: int
    team_id: int
    season_id: int | None
    outcome: str
    amount: float
    customer: str
    assists: list[int]
    external_id: str | None
    closed_at: datetime
    has_story: bool = False
    has_review: bool = False
    reversed_seq: int | None = None  # the entry that reversed it, if it was
    original_amount: float | None = None  # in ``currency``, as the CRM sent it
    currency: str | None = None
    # what it scored (bonuses aside: a goal's bonus is the goal's), and what its story
    # and loss review scored; looked up only for a batch that corrects deals
    awards: list[Award] = field(default_factory=list)
    story_awards: list[Award] = field(default_factory=list)
    review_awards: list[Award] = field(default_factory=list)

    @classmethod
    def of(cls, entry: Entry) -> DealRef | None:
        """The deal a ``deal.won``/``deal.lost`` entry records (None for other kinds)."""
        p = entry.payload
        if not isinstance(p, (DealWon, DealLost)) or not p.deal_id or not entry.member_id:
            return None
        outcome = "won" if isinstance(p, DealWon) else "lost"
        awards = [a for a in entry.awards if a.category != "bonus"]
        return cls(
            p.deal_id,
            entry.seq,
            entry.member_id,
            entry.team_id or 0,
            entry.season_id,
            outcome,
            float(p.amount),
            p.customer,
            list(p.assists),
            p.external_id,
            entry.occurred_at,
            awards=awards,
            original_amount=float(p.original_amount) if p.original_amount is not None else None,
            currency=p.currency,
        )


@dataclass
class ActivityRef:
    """A recorded activity (for the same ``external_id`` again)."""

    id: int
    seq: int
    member_id: int
    metric: str
    value: float
    points: float
    external_id: str | None


@dataclass
class GiftRef:
    """Recorded kudos or mentoring, as a revocation needs it."""

    id: int
    seq: int
    giver_id: int | None
    member_id: int  # who received the points
    cents: int
    week: str
    season_id: int | None
    strength: str | None = None
    revoked_seq: int | None = None
    awards: list[Award] = field(default_factory=list)
    given_at: datetime | None = None  # when it was given: a revocation counts then


@dataclass
class FeedbackRef:
    id: int
    seller_id: int
    customer: str
    expires_at: datetime
    used: bool


class Ids:
    """Row ids handed out under the write lock: the next id of each table."""

    def __init__(self, last: dict[str, int]) -> None:
        self.last = dict(last)

    def take(self, table: str) -> int:
        self.last[table] = self.last.get(table, 0) + 1
        return self.last[table]


@dataclass
class Context:
    """The moment of the batch, its ids and what it looked up."""

    now: datetime
    ids: Ids
    deals: dict[int, DealRef] = field(default_factory=dict)
    deals_by_external: dict[str, DealRef] = field(default_factory=dict)
    feedback_requests: dict[int, FeedbackRef] = field(default_factory=dict)
    kudos: dict[int, GiftRef] = field(default_factory=dict)
    activities_by_external: dict[str, ActivityRef] = field(default_factory=dict)
    # (member, metric, org-local day) → hundredths of points already earned that day
    activity_used: dict[tuple[int, str, date], int] = field(default_factory=dict)
    # the (metric, org-local day) pairs ``activity_used`` was looked up for
    activity_days: set[tuple[str, date]] = field(default_factory=set)
    mentoring: dict[int, GiftRef] = field(default_factory=dict)
    # (team, season) → won deals (seller, amount), for goals set mid-season
    won_deals: dict[tuple[int, int], list[tuple[int, float]]] = field(default_factory=dict)
    # a contest being created: the entries recorded after its ``counted_upto`` (read
    # under the lock), for the decider to count like the rest
    newer_entries: list[Entry] = field(default_factory=list)
    # the entries decided so far in this batch (a contest created later in it counts them)
    batch: list[Entry] = field(default_factory=list)
    # the commands of the batch whose text was found plain already (by id: they live as
    # long as the batch), so ``decide`` does not look at it twice
    plain: set[int] = field(default_factory=set)
    _week: tuple[datetime, ZoneInfo, str] | None = field(default=None, repr=False, compare=False)

    def week(self, tz: ZoneInfo) -> str:
        """The ISO week of ``now`` in the org's zone: every entry of the batch's."""
        known = self._week
        if known is None or known[0] is not self.now or known[1] is not tz:
            known = self._week = (self.now, tz, iso_week(self.now, tz))
        return known[2]

    def note(self, entry: Entry) -> None:
        """Keep the lookups true for the next commands of the same batch."""
        self.batch.append(entry)
        p = entry.payload
        ref = DealRef.of(entry)
        if ref is not None:
            before = self.deals.get(ref.id)
            if before is not None and before.outcome == ref.outcome:  # re-scored: same story
                ref.has_story, ref.story_awards = before.has_story, before.story_awards
                ref.has_review, ref.review_awards = before.has_review, before.review_awards
            self.deals[ref.id] = ref
            if ref.external_id:
                self.deals_by_external[ref.external_id] = ref
            key = (ref.team_id, entry.season_id or 0)
            if ref.outcome == "won" and key in self.won_deals:
                self.won_deals[key].append((ref.seller_id, ref.amount))
        elif isinstance(p, ActivityLogged) and entry.member_id and p.day is not None:
            day = (entry.member_id, p.metric, p.day)
            self.activity_used[day] = self.activity_used.get(day, 0) + to_cents(p.points)
            if p.external_id:
                self.activities_by_external[p.external_id] = ActivityRef(
                    p.activity_id,
                    entry.seq,
                    entry.member_id,
                    p.metric,
                    float(p.value),
                    float(p.points),
                    p.external_id,
                )
        elif isinstance(p, DealReversed) and p.deal_id in self.deals:
            deal = self.deals[p.deal_id]
            deal.reversed_seq = entry.seq
            if p.story:
                deal.story_awards = []
            if p.review:
                deal.review_awards = []
            if deal.external_id and deal.external_id in self.deals_by_external:
                # the same deal, looked up by its CRM id too: a re-open then a win in one
                # batch must find it reversed there (the win scores it again)
                self.deals_by_external[deal.external_id] = deal
            key = (deal.team_id, deal.season_id or 0)
            if deal.outcome == "won" and (deal.seller_id, deal.amount) in self.won_deals.get(
                key, []
            ):
                self.won_deals[key].remove((deal.seller_id, deal.amount))
        elif isinstance(p, KudosRevoked | MentoringRevoked):
            gifts = self.kudos if isinstance(p, KudosRevoked) else self.mentoring
            gift_id = p.kudos_id if isinstance(p, KudosRevoked) else p.mentoring_id
            if gift_id in gifts:
                gifts[gift_id].revoked_seq = entry.seq
        elif isinstance(p, StoryPosted) and p.deal_id in self.deals:
            self.deals[p.deal_id].has_story = True
            self.deals[p.deal_id].story_awards = list(entry.awards)
        elif isinstance(p, LossReviewed) and p.deal_id in self.deals:
            self.deals[p.deal_id].has_review = True
            self.deals[p.deal_id].review_awards = list(entry.awards)
        elif entry.kind == "feedback.received":
            request_id = getattr(p, "request_id", None)
            if request_id in self.feedback_requests:
                self.feedback_requests[request_id].used = True


@dataclass
class Decision:
    """The entries to append (possibly none) and what to answer the caller."""

    entries: list[Entry] = field(default_factory=list)
    replay: DealRef | ActivityRef | None = None
    remaining: int | None = None  # hundredths left of the allowance or budget used
    progress: WeekProgress | None = None  # an ImprovementProgress read
    # the entries were appended earlier, for a request with the same Idempotency-Key
    replayed: bool = False
    answer: Any = None  # what a read (a wallet) found
    # the settlement of a race the entries finished: appended right after them (kept
    # apart so that ``entries`` is what the command itself made)
    finishes: list[Entry] = field(default_factory=list)


Decider = Callable[[Any, Actor, State, Context], Decision]


def require(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise wrong_role(actor.role, roles)


def new_entry(
    state: State,
    ctx: Context,
    actor: Actor,
    payload: Payload,
    *,
    member_id: int | None = None,
    team_id: int | None = None,
    occurred_at: datetime | None = None,
    awards: tuple[Award, ...] = (),
    events: tuple[Event, ...] = (),
    names: dict[int, str] | None = None,
    seq: int | None = None,
    season_id: int | Literal["when"] | None = "when",
    day: date | None = None,
) -> Entry:
    """An entry numbered after the state's last one (or ``seq``: the second entry of a
    decision), in the season of when it happened (``day``: its org-local date, when the
    caller has it already; or ``season_id``: a correction counts in the season of what
    it corrects)."""
    occurred = occurred_at or ctx.now
    if season_id == "when":
        season = state.season_for(day or local_date(occurred, state.tz))
        season_id = season.id if season else None
    members = state.members
    all_names: dict[int, str] = {}
    for m in (member_id, actor.member_id, *(a.member_id for a in awards)):
        if m is not None and m not in all_names and (member := members.get(m)) is not None:
            all_names[m] = member.name
    if names:
        all_names.update(names)
    return Entry(
        seq=seq or state.seq + 1,
        occurred_at=occurred,
        recorded_at=ctx.now,
        week=ctx.week(state.tz),
        actor=actor,
        policy_id=state.policy_id,
        payload=payload,
        member_id=member_id,
        team_id=team_id,
        season_id=season_id,
        awards=awards,
        events=events,
        names=all_names,
        id=ctx.ids.take("entry"),
    )
