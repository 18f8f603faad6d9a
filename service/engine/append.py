"""Appending a batch of decided entries: the ledger rows, their awards, and the tables
that answer questions about them (deals, kudos, goals, badges, ...), in bulk.

Rows are grouped per table and inserted in foreign-key order (``Sql.insert_all``: one
statement on PostgreSQL); goal progress carries absolute values, so its updates can
simply run in order, after the inserts and in the same transaction.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from ..core.codec import entry_data
from ..core.entries import (
    ActivityLogged,
    BadgeEarned,
    BadgeRevoked,
    ChallengeAnswered,
    ContestCancelled,
    ContestCreated,
    ContestSettled,
    DealLost,
    DealReversed,
    DealWon,
    Entry,
    FeedbackReceived,
    GoalChanged,
    GoalProgress,
    GoalReached,
    GoalRemoved,
    GoalReopened,
    GoalSet,
    KudosGiven,
    KudosRevoked,
    LossReviewed,
    MemberJoined,
    MemberUpdated,
    MentoringAwarded,
    MentoringRevoked,
    MetricDefined,
    PolicyChanged,
    RedemptionDecided,
    RedemptionRequested,
    RewardChanged,
    RewardCreated,
    SeasonChanged,
    SeasonCreated,
    SeasonRemoved,
    StoryPosted,
    TeamCreated,
    TeamUpdated,
)
from ..core.points import to_cents
from ..core.policy import Policy
from .tables import Direct, Sql

_Rows = tuple[str, tuple[tuple[str, str], ...], list[Sequence[Any]]]

__all__ = ["Appender"]

_LIST = msgspec.json.Encoder()  # a deal's assists: json.dumps took a microsecond a deal

# table → (column, PostgreSQL type) in the order rows are inserted (parents first)
_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "policy_version": (
        ("id", "int"),
        ("data", "jsonb"),
        ("created_at", "timestamptz"),
        ("created_by", "text"),
    ),
    "team": (
        ("id", "int"),
        ("name", "text"),
        ("nickname", "text"),
        ("color", "text"),
        ("created_at", "timestamptz"),
    ),
    "season": (("id", "int"), ("name", "text"), ("starts_on", "date"), ("ends_on", "date")),
    "member": (
        ("id", "int"),
        ("name", "text"),
        ("team_id", "int"),
        ("role", "text"),
        ("email", "text"),
        ("joined_on", "date"),
        ("created_at", "timestamptz"),
    ),
    "entry": (
        ("id", "int"),
        ("seq", "bigint"),
        ("kind", "text"),
        ("occurred_at", "timestamptz"),
        ("recorded_at", "timestamptz"),
        ("week", "text"),
        ("actor_role", "text"),
        ("actor_token_id", "int"),
        ("actor_member_id", "int"),
        ("member_id", "int"),
        ("team_id", "int"),
        ("season_id", "int"),
        ("policy_id", "int"),
        ("data", "jsonb"),
    ),
    "request_key": (("key", "text"), ("entry_id", "int"), ("hash", "text")),
    "reward": (
        ("id", "int"),
        ("entry_id", "int"),
        ("name", "text"),
        ("cost", "numeric"),
        ("stock", "int"),
        ("per_member_limit", "int"),
        ("description", "text"),
        ("active", "boolean"),
        ("created_at", "timestamptz"),
    ),
    "redemption": (
        ("id", "int"),
        ("entry_id", "int"),
        ("member_id", "int"),
        ("team_id", "int"),
        ("reward_id", "int"),
        ("cost", "numeric"),
        ("note", "text"),
        ("state", "text"),
        ("requested_at", "timestamptz"),
    ),
    "deal": (
        ("id", "int"),
        ("entry_id", "int"),
        ("seller_id", "int"),
        ("team_id", "int"),
        ("season_id", "int"),
        ("outcome", "text"),
        ("amount", "numeric"),
        ("customer", "text"),
        ("assists", "jsonb"),
        ("external_id", "text"),
        ("closed_at", "timestamptz"),
        ("original_amount", "numeric"),
        ("currency", "text"),
    ),
    "kudos": (
        ("id", "int"),
        ("entry_id", "int"),
        ("giver_id", "int"),
        ("recipient_id", "int"),
        ("cents", "bigint"),
        ("message", "text"),
        ("strength", "text"),
        ("week", "text"),
    ),
    "mentoring": (
        ("id", "int"),
        ("entry_id", "int"),
        ("awarded_by_member_id", "int"),
        ("member_id", "int"),
        ("cents", "bigint"),
        ("note", "text"),
        ("week", "text"),
    ),
    "goal": (
        ("id", "int"),
        ("team_id", "int"),
        ("season_id", "int"),
        ("metric", "text"),
        ("target", "numeric"),
        ("value", "numeric"),
        ("created_at", "timestamptz"),
    ),
    "member_goal": (
        ("goal_id", "int"),
        ("member_id", "int"),
        ("target", "numeric"),
        ("value", "numeric"),
    ),
    "story": (
        ("id", "int"),
        ("entry_id", "int"),
        ("deal_id", "int"),
        ("member_id", "int"),
        ("text", "text"),
    ),
    "feedback": (
        ("id", "int"),
        ("entry_id", "int"),
        ("request_id", "int"),
        ("seller_id", "int"),
        ("team_id", "int"),
        ("season_id", "int"),
        ("rating", "int"),
        ("comment", "text"),
    ),
    "metric": (
        ("id", "int"),
        ("key", "text"),
        ("name", "text"),
        ("points_per_unit", "numeric"),
        ("daily_cap", "numeric"),
        ("created_at", "timestamptz"),
    ),
    "activity": (
        ("id", "int"),
        ("entry_id", "int"),
        ("member_id", "int"),
        ("team_id", "int"),
        ("season_id", "int"),
        ("metric", "text"),
        ("day", "date"),
        ("value", "bigint"),
        ("cents", "bigint"),
        ("external_id", "text"),
        ("occurred_at", "timestamptz"),
    ),
    "badge": (
        ("id", "int"),
        ("entry_id", "int"),
        ("member_id", "int"),
        ("season_key", "int"),
        ("code", "text"),
        ("awarded_at", "timestamptz"),
    ),
    "point_award": (
        ("entry_id", "int"),
        ("member_id", "int"),
        ("team_id", "int"),
        ("season_id", "int"),
        ("category", "text"),
        ("cents", "bigint"),
    ),
}


class _Batch:
    """The rows and updates one batch writes."""

    def __init__(self, sql: Sql, policies: Callable[[int], Policy]) -> None:
        self.sql = sql
        self.policies = policies
        self.rows: dict[str, list[Sequence[Any]]] = defaultdict(list)
        # updates, by (table, condition, key): progress is absolute, so the last one wins
        self.after: dict[tuple[str, str, tuple[Any, ...]], dict[str, Any]] = {}
        self.reviews: list[Sequence[Any]] = []
        # rows a correction or a change removes, deleted before the inserts (the same
        # batch may insert them again: a badge earned again, a goal set anew)
        self.deletes: list[tuple[str, list[Any]]] = []
        # statements after the inserts, before the updates (a goal's member goals changed)
        self.later: list[tuple[str, list[Any]]] = []
        # a correction's updates (a goal reopened) need the transaction's plain updates
        self.corrects = False

    def add(self, entry: Entry) -> None:
        sql, p = self.sql, entry.payload
        self.rows["entry"].append(
            (
                entry.id,
                entry.seq,
                entry.kind,
                sql.time(entry.occurred_at),
                sql.time(entry.recorded_at),
                entry.week,
                entry.actor.role,
                entry.actor.token_id,
                entry.actor.member_id,
                entry.member_id,
                entry.team_id,
                entry.season_id,
                entry.policy_id,
                entry_data(entry).decode(),
            )
        )
        if entry.request_key:
            self.rows["request_key"].append((entry.request_key, entry.id, entry.request_hash))
        self.rows["point_award"].extend(
            (entry.id, a.member_id, a.team_id, entry.season_id, a.category, a.cents)
            for a in entry.awards
        )
        _ADDERS[type(p)](self, entry)
        for event in entry.events:
            self._event(entry, event)

    def _event(self, entry: Entry, event: object) -> None:
        sql = self.sql
        if isinstance(event, GoalProgress):
            value = sql.money(event.value)
            if event.member_id is None:
                self.update("goal", {"value": value}, "id = ?", [event.goal_id])
            else:
                where = "goal_id = ? AND member_id = ?"
                self.update(
                    "member_goal", {"value": value}, where, [event.goal_id, event.member_id]
                )
        elif isinstance(event, GoalReached | GoalReopened):
            # reached once, or again after a correction reopened it: the last one wins
            at = {"reached_at": sql.time(entry.recorded_at)}
            if isinstance(event, GoalReopened):
                at, self.corrects = {"reached_at": None}, True
            if event.member_id is None:
                self.update("goal", at, "id = ?", [event.goal_id])
            else:
                where = "goal_id = ? AND member_id = ?"
                self.update("member_goal", at, where, [event.goal_id, event.member_id])
        elif isinstance(event, BadgeEarned):
            self.rows["badge"].append(
                (
                    event.badge_id,
                    entry.id,
                    event.member_id,
                    entry.season_id or 0,
                    event.badge,
                    sql.time(entry.recorded_at),
                )
            )
        elif isinstance(event, BadgeRevoked):
            key = (event.member_id, entry.season_id or 0, event.badge)
            self.delete("badge", "member_id = ? AND season_key = ? AND code = ?", list(key))
            self.rows["badge"] = [r for r in self.rows["badge"] if (r[2], r[3], r[4]) != key]

    def delete(self, table: str, where: str, key: list[Any]) -> None:
        self.deletes.append((f"DELETE FROM {table} WHERE {where}", key))
        self.corrects = True

    def update(self, table: str, changes: dict[str, Any], where: str, key: list[Any]) -> None:
        self.after.setdefault((table, where, tuple(key)), {}).update(changes)

    async def write(self, seq: int) -> None:
        tables = [(t, _TABLES[t], self.rows[t]) for t in _TABLES if self.rows.get(t)]
        plain = self.sql.pg and not self.reviews and not self.corrects
        progress = self._progress() if plain else None
        if progress is not None:
            # inserts and goal progress: one statement, which commits and unlocks
            await self.sql.insert_all(tables, seq, unlock=True, progress=progress)
            return
        async with self.sql.transaction():
            for statement, values in self.deletes:
                await self.sql.rows(statement, values)
            await self.sql.insert_all(tables, seq)
            for statement, values in self.later:
                await self.sql.rows(statement, values)
            if self.reviews:
                # the review keeps the deal's team and season (insights count by them)
                await self.sql.many(
                    "INSERT INTO loss_review (id, entry_id, deal_id, member_id, team_id, "
                    "season_id, answers, lesson) SELECT ?, ?, d.id, ?, d.team_id, d.season_id, "
                    "?, ? FROM deal d WHERE d.id = ?",
                    self.reviews,
                )
            for (table, where, key), changes in self.after.items():
                await self.sql.update(table, changes, where, key)

    def _progress(self) -> list[tuple[str, list[Sequence[Any]]]] | None:
        """The batch's updates as goal progress rows for ``Sql.insert_all`` (one per goal
        or member's part, its changes merged: a statement updates a row once), or None
        when there is anything else to update, or a goal the batch itself sets."""
        merged: dict[str, dict[tuple[Any, ...], dict[str, Any]]] = {"goal": {}, "member_goal": {}}
        for (table, _, key), changes in self.after.items():
            if table not in merged:
                return None
            merged[table].setdefault(key, {}).update(changes)
        if not any(merged.values()):
            return []
        new_goals = {row[0] for row in self.rows.get("goal", ())}
        if any(key[0] in new_goals for rows in merged.values() for key in rows):
            return None
        return [
            (table, [(*key, c.get("value"), c.get("reached_at")) for key, c in rows.items()])
            for table, rows in merged.items()
            if rows
        ]


def _deal(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, DealWon | DealLost)
    sql = batch.sql
    row = (
        p.deal_id,
        entry.id,
        entry.member_id,
        entry.team_id,
        entry.season_id,
        "won" if isinstance(p, DealWon) else "lost",
        sql.money(p.amount),
        p.customer,
        _LIST.encode(p.assists).decode(),
        p.external_id,
        sql.time(entry.occurred_at),
        sql.money(p.original_amount) if p.original_amount is not None else None,
        p.currency,
    )
    if p.rescores is None:
        batch.rows["deal"].append(row)
        return
    # scored again (a correction, or won again after a reversal): the same deal row, as
    # it is now, no longer reversed (an update: it runs after the batch's inserts, in
    # order with the reversal's)
    columns = [c for c, _ in _TABLES["deal"]][1:]
    changes = dict(zip(columns, row[1:], strict=True))
    batch.update("deal", {**changes, "reversed_seq": None}, "id = ?", [p.deal_id])


def _deal_reversed(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, DealReversed)
    changes: dict[str, Any] = {} if p.correction else {"reversed_seq": entry.seq}
    if p.story or p.review:
        changes["learning_reversed_seq"] = entry.seq
    if changes:
        batch.update("deal", changes, "id = ?", [p.deal_id])
    batch.corrects = True


def _revoked(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, KudosRevoked | MentoringRevoked)
    table, gift_id = (
        ("kudos", p.kudos_id) if isinstance(p, KudosRevoked) else ("mentoring", p.mentoring_id)
    )
    batch.update(table, {"revoked_seq": entry.seq}, "id = ?", [gift_id])


def _kudos(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, KudosGiven)
    batch.rows["kudos"].append(
        (
            p.kudos_id,
            entry.id,
            p.from_member_id,
            p.to_member_id,
            to_cents(p.points),
            p.message,
            p.strength,
            entry.week,
        )
    )


def _mentoring(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MentoringAwarded)
    batch.rows["mentoring"].append(
        (
            p.mentoring_id,
            entry.id,
            p.awarded_by_member_id,
            p.member_id,
            to_cents(p.points),
            p.note,
            entry.week,
        )
    )


def _goal(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, GoalSet)
    sql = batch.sql
    batch.rows["goal"].append(
        (
            p.goal_id,
            entry.team_id,
            p.season_id,
            p.metric,
            sql.money(p.target),
            sql.money(0),
            sql.time(entry.recorded_at),
        )
    )
    batch.rows["member_goal"].extend(
        (p.goal_id, t.member_id, sql.money(t.target), sql.money(0)) for t in p.member_targets
    )


def _goal_changed(batch: _Batch, entry: Entry) -> None:
    """New targets: member goals dropped, added (their progress comes with the entry's
    events) or given a new target."""
    p = entry.payload
    assert isinstance(p, GoalChanged)
    sql = batch.sql
    batch.update("goal", {"target": sql.money(p.target)}, "id = ?", [p.goal_id])
    kept = [t.member_id for t in p.member_targets]
    marks = ", ".join("?" for _ in kept)
    where = f"goal_id = ? AND member_id NOT IN ({marks})" if kept else "goal_id = ?"
    # after the inserts (the goal may be new in this batch), before its progress updates
    batch.later.append((f"DELETE FROM member_goal WHERE {where}", [p.goal_id, *kept]))
    for t in p.member_targets:
        # an upsert: the row of a member goal kept keeps its progress and reached_at
        batch.later.append(
            (
                "INSERT INTO member_goal (goal_id, member_id, target, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (goal_id, member_id) DO UPDATE SET target = excluded.target",
                [p.goal_id, t.member_id, sql.money(t.target), sql.money(0)],
            )
        )
    batch.corrects = True


def _goal_removed(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, GoalRemoved)
    new = [row for row in batch.rows.get("goal", []) if row[0] == p.goal_id]
    if new:  # set in this same batch: simply not inserted
        batch.rows["goal"] = [r for r in batch.rows["goal"] if r[0] != p.goal_id]
        batch.rows["member_goal"] = [r for r in batch.rows["member_goal"] if r[0] != p.goal_id]
        batch.later = [(q, k) for q, k in batch.later if not (k and k[0] == p.goal_id)]
    else:  # before the inserts: the batch may set a goal of the same metric again
        batch.delete("member_goal", "goal_id = ?", [p.goal_id])
        batch.delete("goal", "id = ?", [p.goal_id])
    # progress on it earlier in the batch updates nothing now
    gone = [k for k in batch.after if k[0] in ("goal", "member_goal") and k[2][0] == p.goal_id]
    for key in gone:
        del batch.after[key]
    batch.corrects = True


def _metric(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MetricDefined)
    sql = batch.sql
    cap = sql.money(p.daily_cap) if p.daily_cap is not None else None
    batch.rows["metric"].append(
        (p.metric_id, p.key, p.name, sql.money(p.points_per_unit), cap, sql.time(entry.recorded_at))
    )


def _activity(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, ActivityLogged)
    sql = batch.sql
    batch.rows["activity"].append(
        (
            p.activity_id,
            entry.id,
            entry.member_id,
            entry.team_id,
            entry.season_id,
            p.metric,
            sql.day(p.day),
            int(p.value),
            to_cents(p.points),
            p.external_id,
            sql.time(entry.occurred_at),
        )
    )


def _review(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, LossReviewed)
    batch.reviews.append(
        (p.review_id, entry.id, entry.member_id, json.dumps(p.answers), p.lesson, p.deal_id)
    )


def _story(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, StoryPosted)
    batch.rows["story"].append((p.story_id, entry.id, p.deal_id, entry.member_id, p.text))


def _feedback(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, FeedbackReceived)
    batch.rows["feedback"].append(
        (
            p.feedback_id,
            entry.id,
            p.request_id,
            entry.member_id,
            entry.team_id,
            entry.season_id,
            p.rating,
            p.comment,
        )
    )
    used = {"used_at": batch.sql.time(entry.recorded_at)}
    batch.update("feedback_request", used, "id = ?", [p.request_id])


def _team(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, TeamCreated)
    batch.rows["team"].append(
        (p.team_id, p.name, p.nickname, p.color, batch.sql.time(entry.recorded_at))
    )


def _team_update(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, TeamUpdated)
    changes = dict(p.changes)
    if changes.get("reward_budget") is not None:
        changes["reward_budget"] = batch.sql.money(changes["reward_budget"])
    batch.update("team", changes, "id = ?", [entry.team_id])


def _reward(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RewardCreated)
    sql = batch.sql
    batch.rows["reward"].append(
        (
            p.reward_id,
            entry.id,
            p.name,
            sql.money(p.cost),
            p.stock,
            p.per_member_limit,
            p.description,
            True,
            sql.time(entry.recorded_at),
        )
    )


def _reward_changed(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RewardChanged)
    changes = dict(p.changes)
    if "cost" in changes:
        changes["cost"] = batch.sql.money(changes["cost"])
    batch.update("reward", changes, "id = ?", [p.reward_id])


def _redemption(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RedemptionRequested)
    sql = batch.sql
    batch.rows["redemption"].append(
        (
            p.redemption_id,
            entry.id,
            entry.member_id,
            entry.team_id,
            p.reward_id,
            sql.money(p.cost),
            p.note,
            "pending",
            sql.time(entry.recorded_at),
        )
    )
    batch.update("reward", {"stock": p.stock_left}, "id = ?", [p.reward_id])


def _redemption_decided(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RedemptionDecided)
    changes: dict[str, Any] = {
        "state": p.state,
        "decided_at": batch.sql.time(entry.recorded_at),
        "decided_by_member_id": entry.actor.member_id,
    }
    if p.note is not None:  # a later step without a note keeps the earlier one's
        changes["decision_note"] = p.note
    batch.update("redemption", changes, "id = ?", [p.redemption_id])
    batch.update("reward", {"stock": p.stock_left}, "id = ?", [p.reward_id])


def _member(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MemberJoined)
    sql = batch.sql
    batch.rows["member"].append(
        (
            entry.member_id,
            p.name,
            entry.team_id,
            p.role,
            p.email,
            sql.day(p.joined_on),
            sql.time(entry.recorded_at),
        )
    )


def _member_update(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MemberUpdated)
    changes = dict(p.changes)
    if "joined_on" in changes:
        from datetime import date

        changes["joined_on"] = batch.sql.day(date.fromisoformat(changes["joined_on"]))
    if "external_ids" in changes:
        changes["external_ids"] = json.dumps(changes["external_ids"])
    batch.update("member", changes, "id = ?", [entry.member_id])


def _season(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonCreated)
    sql = batch.sql
    batch.rows["season"].append((p.season_id, p.name, sql.day(p.starts_on), sql.day(p.ends_on)))


def _season_changed(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonChanged)
    sql = batch.sql
    changes = {"name": p.name, "starts_on": sql.day(p.starts_on), "ends_on": sql.day(p.ends_on)}
    batch.update("season", changes, "id = ?", [p.season_id])


def _season_removed(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonRemoved)
    batch.delete("season", "id = ?", [p.season_id])


def _policy(batch: _Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, PolicyChanged)
    policy = batch.policies(p.version)
    batch.rows["policy_version"].append(
        (
            p.version,
            json.dumps(policy.to_dict()),
            batch.sql.time(entry.recorded_at),
            entry.names.get(entry.actor.member_id or 0) or entry.actor.role,
        )
    )


def _ledger_only(batch: _Batch, entry: Entry) -> None:
    """Nothing beside the entry (and its awards) to write."""


_ADDERS: dict[type, Callable[[_Batch, Entry], None]] = {
    DealWon: _deal,
    DealLost: _deal,
    DealReversed: _deal_reversed,
    KudosRevoked: _revoked,
    MentoringRevoked: _revoked,
    KudosGiven: _kudos,
    MentoringAwarded: _mentoring,
    GoalSet: _goal,
    MetricDefined: _metric,
    ActivityLogged: _activity,
    GoalChanged: _goal_changed,
    GoalRemoved: _goal_removed,
    LossReviewed: _review,
    StoryPosted: _story,
    FeedbackReceived: _feedback,
    TeamCreated: _team,
    TeamUpdated: _team_update,
    MemberJoined: _member,
    MemberUpdated: _member_update,
    RewardCreated: _reward,
    RewardChanged: _reward_changed,
    RedemptionRequested: _redemption,
    RedemptionDecided: _redemption_decided,
    SeasonCreated: _season,
    SeasonChanged: _season_changed,
    SeasonRemoved: _season_removed,
    PolicyChanged: _policy,
    # contests live in the ledger alone: every writer's state folds them (core.tally)
    ContestCreated: _ledger_only,
    ContestCancelled: _ledger_only,
    ChallengeAnswered: _ledger_only,
    ContestSettled: _ledger_only,
}


# the ledger's own tables: rows only ever inserted, never deleted by a later entry of
# the same batch, with no foreign key to a row the batch writes later (so they can go in
# while the rest of the batch is still being decided)
_STREAMED = ("entry", "point_award", "activity", "deal")
STREAM_ENTRIES = 300  # entries (and their rows) in a slice sent while the batch goes on


class Appender:
    """A batch's entries, written as they are decided.

    ``add`` takes each decision's entries; ``finish`` writes what is left, moves the seq
    counter to the last entry and commits. On PostgreSQL, once a batch holds
    ``STREAM_ENTRIES`` entries not yet sent (an import's batch: thousands; a batch of
    requests, at most 256 commands, seldom does), the ledger's own rows start going in by
    COPY, a slice at a time, in a transaction of the writer's connection, while the
    writer decides the rest: the database takes in one slice while Python decides the
    next, instead of each waiting for the other. The writer lets the COPY move on
    (``busy``: now and then it yields to it). Nothing is committed before ``finish``: a
    batch that fails leaves nothing (the writer closes the connection, which rolls back).
    """

    def __init__(self, sql: Sql, policies: Callable[[int], Policy]) -> None:
        self.sql = sql
        self.batch = _Batch(sql, policies)
        self.streams = sql.pg and isinstance(sql.conn, Direct)
        self.sending: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether rows are on their way to the database (the writer yields now and then)."""
        return self.sending is not None and not self.sending.done()

    def add(self, entries: Sequence[Entry]) -> None:
        batch = self.batch
        for entry in entries:
            batch.add(entry)
        if self.streams and len(batch.rows["entry"]) >= STREAM_ENTRIES:
            tables = [(t, _TABLES[t], batch.rows.pop(t)) for t in _STREAMED if batch.rows.get(t)]
            self.sending = asyncio.create_task(self._send(self.sending, tables))

    async def _send(self, before: asyncio.Task[None] | None, tables: list[_Rows]) -> None:
        if before is None:
            await self.sql.begin()  # committed by ``finish``
        else:
            await before
        for table, columns, rows in tables:
            await self.sql.copy(table, [c for c, _ in columns], rows)

    async def finish(self, seq: int) -> None:
        """The rest of the batch, the seq counter at ``seq``, committed."""
        if self.sending is None:
            await self.batch.write(seq)
            return
        await self.sending
        await self.batch.write(seq)  # in the transaction the slices went in
        await self.sql.commit()

    async def abandon(self) -> None:
        """The batch failed: no slice is left running (the connection is closed next)."""
        if self.sending is not None:
            self.sending.cancel()  # nothing happens to one that is done
            await asyncio.gather(self.sending, return_exceptions=True)
