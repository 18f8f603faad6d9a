"""Tortoise models. They never leave ``service.db`` and ``service.api``'s services:
responses are built from msgspec schemas, not from these rows."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

__all__ = [
    "Counter",
    "Deal",
    "Entry",
    "Goal",
    "Kudos",
    "Member",
    "MemberGoal",
    "Mentoring",
    "PointAward",
    "PolicyVersion",
    "Season",
    "Team",
    "Token",
]


class Team(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100, unique=True)
    nickname = fields.CharField(max_length=100, null=True)
    color = fields.CharField(max_length=20, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

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


# One ledger entry: append-only, numbered by ``seq`` without gaps.
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
        "huddle.Member", related_name="acted", null=True, on_delete=fields.RESTRICT
    )
    actor_member_id: int | None
    member: fields.ForeignKeyNullableRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    member_id: int | None
    team: fields.ForeignKeyNullableRelation[Team] = fields.ForeignKeyField(
        "huddle.Team", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    team_id: int | None
    season: fields.ForeignKeyNullableRelation[Season] = fields.ForeignKeyField(
        "huddle.Season", related_name="entries", null=True, on_delete=fields.RESTRICT
    )
    season_id: int | None
    policy: fields.ForeignKeyRelation[PolicyVersion] = fields.ForeignKeyField(
        "huddle.PolicyVersion", related_name="entries", on_delete=fields.RESTRICT
    )
    policy_id: int
    data: Any = fields.JSONField()

    class Meta:
        table = "entry"


# Points one entry gave one member; the team and season are fixed when awarded.
class PointAward(Model):

    id = fields.IntField(primary_key=True)
    entry: fields.ForeignKeyRelation[Entry] = fields.ForeignKeyField(
        "huddle.Entry", related_name="awards", on_delete=fields.RESTRICT
    )
    entry_id: int
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="awards", on_delete=fields.RESTRICT
    )
    member_id: int
    team_id = fields.IntField()
    season_id = fields.IntField(null=True)
    category = fields.CharField(max_length=20)
    cents = fields.BigIntField()

    class Meta:
        table = "point_award"


class Deal(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="deal", on_delete=fields.RESTRICT
    )
    entry_id: int
    seller: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="deals", on_delete=fields.RESTRICT
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

    class Meta:
        table = "deal"


class Kudos(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="kudos", on_delete=fields.RESTRICT
    )
    entry_id: int
    giver: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="kudos_given", on_delete=fields.RESTRICT
    )
    giver_id: int
    recipient: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="kudos_received", on_delete=fields.RESTRICT
    )
    recipient_id: int
    cents = fields.BigIntField()
    message = fields.TextField()
    strength = fields.CharField(max_length=30, null=True)
    week = fields.CharField(max_length=10)

    class Meta:
        table = "kudos"
        indexes = (("giver_id", "week"),)


class Mentoring(Model):
    id = fields.IntField(primary_key=True)
    entry: fields.OneToOneRelation[Entry] = fields.OneToOneField(
        "huddle.Entry", related_name="mentoring", on_delete=fields.RESTRICT
    )
    entry_id: int
    awarded_by_member_id = fields.IntField(null=True)
    member: fields.ForeignKeyRelation[Member] = fields.ForeignKeyField(
        "huddle.Member", related_name="mentoring_received", on_delete=fields.RESTRICT
    )
    member_id: int
    cents = fields.BigIntField()
    note = fields.TextField()
    week = fields.CharField(max_length=10)

    class Meta:
        table = "mentoring"
        indexes = (("awarded_by_member_id", "week"),)


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
