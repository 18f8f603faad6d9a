"""Tortoise models. They never leave ``service.db`` and ``service.api``'s services:
responses are built from msgspec schemas, not from these rows."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model as TortoiseModel
from tortoise.models import ModelMeta

__all__ = [
    "Badge",
    "Counter",
    "CrmDelivery",
    "CurrencyRate",
    "Deal",
    "Entry",
    "Feedback",
    "FeedbackRequest",
    "Goal",
    "Kudos",
    "LossReview",
    "Member",
    "MemberGoal",
    "Mentoring",
    "PointAward",
    "PolicyVersion",
    "Redemption",
    "Reward",
    "Season",
    "StateSnapshot",
    "Story",
    "Team",
    "Token",
]


class _WithoutComments(ModelMeta):
    """Tortoise reads every model class's source for ``#:`` field comments, parsing this
    whole file once per model: about 0.15 s of every process's start. These models keep
    their descriptions in docstrings, never in such comments."""

    def __new__(mcs, name: str, bases: tuple[type, ...], attrs: dict[str, Any]) -> Any:
        attrs.setdefault("_no_comments", True)
        return super().__new__(mcs, name, bases, attrs)


class Model(TortoiseModel, metaclass=_WithoutComments):
    class Meta:
        abstract = True


class Team(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    nickname = fields.CharField(max_length=100, null=True)
    color = fields.CharField(max_length=20, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    archived = fields.BooleanField(default=False)  # no active members; off the boards
    # coins its members may redeem a month (None: no budget)
    reward_budget = fields.DecimalField(max_digits=16, decimal_places=2, null=True)
    challenge_cap = fields.IntField(null=True)

    class Meta:
        table = "team"


class Member(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "huddle.Team", related_name="members", on_delete=fields.RESTRICT
    )
    team_id: int
    role = fields.CharField(max_length=20)
    email = fields.CharField(max_length=200, null=True, unique=True)
    joined_on = fields.DateField()
    active = fields.BooleanField(default=True)  # false: left; off current boards
    # owner ids in the CRMs that post to Huddle: {"hubspot": "61523445", ...}
    external_ids: Any = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "member"


class Token(Model):
    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharField(max_length=20)
    label = fields.CharField(max_length=200, null=True)
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="tokens", null=True, on_delete=fields.CASCADE
    )
    member_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "token"


class Season(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    starts_on = fields.DateField()
    ends_on = fields.DateField()

    class Meta:
        table = "season"


class PolicyVersion(Model):
    id = fields.IntField(primary_key=True)
    data: Any = fields.JSONField()
    created_at = fields.DatetimeField(auto_now_add=True)
    created_by = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "policy_version"


# Named counters; ``seq`` numbers ledger entries and doubles as the org-wide write lock.
class Counter(Model):
    name = fields.CharField(max_length=50, primary_key=True)
    value = fields.BigIntField(default=0)

    class Meta:
        table = "counter"


# A writer's state as the fold of the ledger up to ``seq`` (service/engine/snapshots.py):
# a process starts, or follows another's import, from the newest one and folds only the
# entries after it. Made by the core's code ``code``: any other code ignores it.
class StateSnapshot(Model):
    seq = fields.BigIntField(primary_key=True)
    code = fields.CharField(max_length=64)
    made_at = fields.DatetimeField()
    data = fields.BinaryField()

    class Meta:
        table = "state_snapshot"


# One ledger entry: append-only, numbered by ``seq`` without gaps.
#
# The ledger's hot tables, ``entry`` and ``point_award`` (and ``deal``, ``kudos`` and
# ``mentoring`` below), declare their relations with ``db_constraint=False``: only the
# writer appends to them, every id they name is checked by the decision against the
# writer's state under the lock, and nothing is ever deleted. On PostgreSQL each foreign
# key is a trigger query per inserted row, which was half of a batch's insert
# (``docs/engine.md``, "What the database still enforces").
class Entry(Model):
    id = fields.IntField(primary_key=True)
    seq = fields.BigIntField(unique=True)
    kind = fields.CharField(max_length=40, db_index=True)
    occurred_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField()
    week = fields.CharField(max_length=10)
    actor_role = fields.CharField(max_length=20)
    actor_token_id = fields.IntField(null=True)
    actor_member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "huddle.Member",
        related_name="acted",
        null=True,
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    actor_member_id: int | None
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "huddle.Member",
        related_name="entries",
        null=True,
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    member_id: int | None
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "huddle.Team",
        related_name="entries",
        null=True,
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    team_id: int | None
    season: fields.ForeignKeyNullableRelation[Season] = fields.ForeignKeyField(
        "huddle.Season",
        related_name="entries",
        null=True,
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    season_id: int | None
    policy: fields.ForeignKeyRelation[PolicyVersion] = fields.ForeignKeyField(
        "huddle.PolicyVersion",
        related_name="entries",
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    policy_id: int
    data: Any = fields.JSONField()

    class Meta:
        table = "entry"


# An Idempotency-Key a write was sent with, scoped by the token that sent it, and the
# entry that answered it: the same key again gets that entry back instead of a new one.
# Written in the entry's own transaction; no foreign key (like the ledger's, see Entry).
class RequestKey(Model):
    key = fields.CharField(max_length=300, primary_key=True)
    entry_id = fields.IntField()
    hash = fields.CharField(max_length=64)  # of the request, to refuse a key reused for another

    class Meta:
        table = "request_key"


# Points one entry gave one member; the team and season are fixed when awarded.
class PointAward(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[Entry] = fields.ForeignKeyField(
        "huddle.Entry", related_name="awards", db_constraint=False, on_delete=fields.RESTRICT
    )
    entry_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="awards", db_constraint=False, on_delete=fields.RESTRICT
    )
    member_id: int
    team_id = fields.IntField()
    season_id = fields.IntField(null=True)
    category = fields.CharField(max_length=20)
    cents = fields.BigIntField()

    class Meta:
        table = "point_award"
        indexes = (("entry_id",),)  # catch-up reads an entry's awards by entry_id


class Deal(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="deal", db_constraint=False, on_delete=fields.RESTRICT
    )
    entry_id: int
    seller: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="deals", db_constraint=False, on_delete=fields.RESTRICT
    )
    seller_id: int
    team_id = fields.IntField()
    season_id = fields.IntField(null=True)
    outcome = fields.CharField(max_length=10)
    amount = fields.DecimalField(max_digits=16, decimal_places=2)
    customer = fields.CharField(max_length=200)
    assists: Any = fields.JSONField(default=list)
    external_id = fields.CharField(max_length=200, null=True, unique=True)
    closed_at = fields.DatetimeField()
    reversed_seq = fields.BigIntField(null=True)  # the deal.reversed entry, while reversed
    learning_reversed_seq = fields.BigIntField(null=True)  # took its story/review points
    # sent by a CRM in another currency: the amount there and its ISO code
    original_amount = fields.DecimalField(max_digits=16, decimal_places=2, null=True)
    currency = fields.CharField(max_length=3, null=True)

    class Meta:
        table = "deal"


class Kudos(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="kudos", db_constraint=False, on_delete=fields.RESTRICT
    )
    entry_id: int
    giver: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member",
        related_name="kudos_given",
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    giver_id: int
    recipient: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member",
        related_name="kudos_received",
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    recipient_id: int
    cents = fields.BigIntField()
    message = fields.TextField()
    strength = fields.CharField(max_length=30, null=True)
    week = fields.CharField(max_length=10)
    revoked_seq = fields.BigIntField(null=True)

    class Meta:
        table = "kudos"
        indexes = (("giver_id", "week"),)


class Mentoring(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="mentoring", db_constraint=False, on_delete=fields.RESTRICT
    )
    entry_id: int
    awarded_by_member_id = fields.IntField(null=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member",
        related_name="mentoring_received",
        db_constraint=False,
        on_delete=fields.RESTRICT,
    )
    member_id: int
    cents = fields.BigIntField()
    note = fields.TextField()
    week = fields.CharField(max_length=10)
    revoked_seq = fields.BigIntField(null=True)

    class Meta:
        table = "mentoring"
        indexes = (("awarded_by_member_id", "week"),)


# An activity metric the org counts (calls, meetings booked); its units per member are a
# board of their own, its points go to category "activity"
class Metric(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=40, unique=True)
    name = fields.CharField(max_length=100)
    points_per_unit = fields.DecimalField(max_digits=16, decimal_places=2)
    daily_cap = fields.DecimalField(max_digits=16, decimal_places=2, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "metric"


class Activity(Model):
    id = fields.IntField(primary_key=True)
    entry_id = fields.IntField(unique=True)
    member_id = fields.IntField()
    team_id = fields.IntField()
    season_id = fields.IntField(null=True)
    metric = fields.CharField(max_length=40)
    day = fields.DateField()  # org-local: the daily cap's day
    value = fields.BigIntField()  # units
    cents = fields.BigIntField()  # the points they earned, in hundredths
    external_id = fields.CharField(max_length=200, null=True, unique=True)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "activity"
        indexes = (("metric", "day", "member_id"),)


# A team goal for a season; ``value`` grows with each won deal, ``reached_at`` is set once.
class Goal(Model):
    id = fields.IntField(primary_key=True)
    team: fields.ForeignKeyRelation[Team] = fields.ForeignKeyField(
        "huddle.Team", related_name="goals", on_delete=fields.RESTRICT
    )
    team_id: int
    season: fields.ForeignKeyRelation[Season] = fields.ForeignKeyField(
        "huddle.Season", related_name="goals", on_delete=fields.RESTRICT
    )
    season_id: int
    metric = fields.CharField(max_length=20)
    target = fields.DecimalField(max_digits=16, decimal_places=2)
    value = fields.DecimalField(max_digits=16, decimal_places=2, default=0)
    reached_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "goal"
        unique_together = (("team_id", "season_id", "metric"),)


class MemberGoal(Model):
    id = fields.IntField(primary_key=True)
    goal: fields.ForeignKeyRelation[Goal] = fields.ForeignKeyField(
        "huddle.Goal", related_name="member_goals", on_delete=fields.CASCADE
    )
    goal_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="goals", on_delete=fields.RESTRICT
    )
    member_id: int
    target = fields.DecimalField(max_digits=16, decimal_places=2)
    value = fields.DecimalField(max_digits=16, decimal_places=2, default=0)
    reached_at = fields.DatetimeField(null=True)

    class Meta:
        table = "member_goal"
        unique_together = (("goal_id", "member_id"),)


# -- the learning loop ----------------------------------------------------------------------


class LossReview(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="loss_review", on_delete=fields.RESTRICT
    )
    entry_id: int
    deal: fields.OneToOneRelation[Deal] = fields.OneToOneField(
        "huddle.Deal", related_name="loss_review", on_delete=fields.RESTRICT
    )
    deal_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="loss_reviews", on_delete=fields.RESTRICT
    )
    member_id: int
    team_id = fields.IntField()
    season_id = fields.IntField(null=True)
    answers: Any = fields.JSONField()
    lesson = fields.TextField(null=True)

    class Meta:
        table = "loss_review"


class Story(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="story", on_delete=fields.RESTRICT
    )
    entry_id: int
    deal: fields.OneToOneRelation[Deal] = fields.OneToOneField(
        "huddle.Deal", related_name="story", on_delete=fields.RESTRICT
    )
    deal_id: int
    member_id = fields.IntField()
    text = fields.TextField()

    class Meta:
        table = "story"


# a one-time public link a customer answers; `key` is unguessable, `used_at` set once
class FeedbackRequest(Model):
    id = fields.IntField(primary_key=True)
    key = fields.CharField(max_length=64, unique=True)
    seller: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="feedback_requests", on_delete=fields.RESTRICT
    )
    seller_id: int
    customer = fields.CharField(max_length=200)
    meeting_on = fields.DateField(null=True)
    created_by_role = fields.CharField(max_length=20)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "feedback_request"


class Feedback(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="feedback", on_delete=fields.RESTRICT
    )
    entry_id: int
    request: fields.OneToOneRelation[FeedbackRequest] = fields.OneToOneField(
        "huddle.FeedbackRequest", related_name="feedback", on_delete=fields.RESTRICT
    )
    request_id: int
    seller_id = fields.IntField(db_index=True)
    team_id = fields.IntField()
    season_id = fields.IntField(null=True)
    rating = fields.IntField()
    comment = fields.TextField(null=True)

    class Meta:
        table = "feedback"


# a badge is earned once per season (season_key 0: outside any season); the unique
# constraint backs the check made under the write lock
class Badge(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[Entry] = fields.ForeignKeyField(
        "huddle.Entry", related_name="badges", on_delete=fields.RESTRICT
    )
    entry_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="badges", on_delete=fields.RESTRICT
    )
    member_id: int
    season_key = fields.IntField(default=0)
    code = fields.CharField(max_length=40)
    awarded_at = fields.DatetimeField()

    class Meta:
        table = "badge"
        unique_together = (("member_id", "season_key", "code"),)


class CrmDelivery(Model):
    """One thing a CRM connector received (a deal, an activity): what became of it
    (``stored``, ``duplicate``, ``ignored``, ``rejected`` with its reason, ``replayed``),
    and for a rejected one what it said, so that it can be replayed once the mapping is
    fixed."""

    id = fields.IntField(primary_key=True)
    connector = fields.CharField(max_length=20)
    received_at = fields.DatetimeField()
    state = fields.CharField(max_length=20)
    reason = fields.TextField(null=True)
    external_id = fields.CharField(max_length=200, null=True)
    item: Any = fields.JSONField(null=True)  # the CRM's record, read (connectors.items)
    text = fields.TextField()  # the CRM's own text for it, as received (capped)
    seq = fields.BigIntField(null=True)  # the ledger entry it became, if one
    updated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "crm_delivery"
        indexes = (("connector", "received_at"), ("state", "received_at"))


class CurrencyRate(Model):
    """What one unit of a currency is worth in the org's (``HUDDLE_CURRENCY``)."""

    code = fields.CharField(max_length=3, primary_key=True)
    rate = fields.DecimalField(max_digits=18, decimal_places=6)
    updated_at = fields.DatetimeField()

    class Meta:
        table = "currency_rate"


class Reward(Model):
    """A reward in the shop (written from ``reward.*`` ledger entries)."""

    id = fields.IntField(primary_key=True)
    entry_id = fields.IntField(unique=True)
    name = fields.CharField(max_length=100)
    cost = fields.DecimalField(max_digits=16, decimal_places=2)
    stock = fields.IntField(null=True)  # left; None: no limit
    per_member_limit = fields.IntField(null=True)
    description = fields.TextField(null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "reward"


class Redemption(Model):
    """A member's redemption of a reward, and what was decided (``redemption.*``)."""

    id = fields.IntField(primary_key=True)
    entry_id = fields.IntField(unique=True)
    member_id = fields.IntField()
    team_id = fields.IntField()
    reward_id = fields.IntField()
    cost = fields.DecimalField(max_digits=16, decimal_places=2)
    note = fields.TextField(null=True)
    state = fields.CharField(max_length=20)  # pending | approved | declined | fulfilled
    requested_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)
    decided_by_member_id = fields.IntField(null=True)
    decision_note = fields.TextField(null=True)

    class Meta:
        table = "redemption"
        indexes = (("state", "team_id"), ("member_id",))
