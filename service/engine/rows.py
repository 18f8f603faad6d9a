"""What each kind of entry writes beside its ledger row and awards: the rows of the
tables that answer questions about it (deals, kudos, goals, rewards, ...) and the
updates and deletions a change makes, added to a batch (``ADDERS``, by payload type)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import msgspec

from ..core.entries import (
    ActivityLogged,
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
    GoalRemoved,
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
from .columns import TABLES

if TYPE_CHECKING:
    from .append import Batch

__all__ = ["ADDERS"]

_LIST = msgspec.json.Encoder()  # a deal's assists: json.dumps took a microsecond a deal


def _deal(batch: Batch, entry: Entry) -> None:
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
    columns = [c for c, _ in TABLES["deal"]][1:]
    changes = dict(zip(columns, row[1:], strict=True))
    batch.update("deal", {**changes, "reversed_seq": None}, "id = ?", [p.deal_id])


def _deal_reversed(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, DealReversed)
    changes: dict[str, Any] = {} if p.correction else {"reversed_seq": entry.seq}
    if p.story or p.review:
        changes["learning_reversed_seq"] = entry.seq
    if changes:
        batch.update("deal", changes, "id = ?", [p.deal_id])
    batch.corrects = True


def _revoked(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, KudosRevoked | MentoringRevoked)
    table, gift_id = (
        ("kudos", p.kudos_id) if isinstance(p, KudosRevoked) else ("mentoring", p.mentoring_id)
    )
    batch.update(table, {"revoked_seq": entry.seq}, "id = ?", [gift_id])


def _kudos(batch: Batch, entry: Entry) -> None:
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


def _mentoring(batch: Batch, entry: Entry) -> None:
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


def _goal(batch: Batch, entry: Entry) -> None:
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


def _goal_changed(batch: Batch, entry: Entry) -> None:
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


def _goal_removed(batch: Batch, entry: Entry) -> None:
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


def _metric(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MetricDefined)
    sql = batch.sql
    cap = sql.money(p.daily_cap) if p.daily_cap is not None else None
    batch.rows["metric"].append(
        (p.metric_id, p.key, p.name, sql.money(p.points_per_unit), cap, sql.time(entry.recorded_at))
    )


def _activity(batch: Batch, entry: Entry) -> None:
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


def _review(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, LossReviewed)
    batch.reviews.append(
        (p.review_id, entry.id, entry.member_id, json.dumps(p.answers), p.lesson, p.deal_id)
    )


def _story(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, StoryPosted)
    batch.rows["story"].append((p.story_id, entry.id, p.deal_id, entry.member_id, p.text))


def _feedback(batch: Batch, entry: Entry) -> None:
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


def _team(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, TeamCreated)
    batch.rows["team"].append(
        (p.team_id, p.name, p.nickname, p.color, batch.sql.time(entry.recorded_at))
    )


def _team_update(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, TeamUpdated)
    changes = dict(p.changes)
    if changes.get("reward_budget") is not None:
        changes["reward_budget"] = batch.sql.money(changes["reward_budget"])
    batch.update("team", changes, "id = ?", [entry.team_id])


def _reward(batch: Batch, entry: Entry) -> None:
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


def _reward_changed(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RewardChanged)
    changes = dict(p.changes)
    if "cost" in changes:
        changes["cost"] = batch.sql.money(changes["cost"])
    batch.update("reward", changes, "id = ?", [p.reward_id])


def _redemption(batch: Batch, entry: Entry) -> None:
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


def _redemption_decided(batch: Batch, entry: Entry) -> None:
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


def _member(batch: Batch, entry: Entry) -> None:
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


def _member_update(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MemberUpdated)
    changes = dict(p.changes)
    if "joined_on" in changes:
        from datetime import date

        changes["joined_on"] = batch.sql.day(date.fromisoformat(changes["joined_on"]))
    if "external_ids" in changes:
        changes["external_ids"] = json.dumps(changes["external_ids"])
    batch.update("member", changes, "id = ?", [entry.member_id])


def _season(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonCreated)
    sql = batch.sql
    batch.rows["season"].append((p.season_id, p.name, sql.day(p.starts_on), sql.day(p.ends_on)))


def _season_changed(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonChanged)
    sql = batch.sql
    changes = {"name": p.name, "starts_on": sql.day(p.starts_on), "ends_on": sql.day(p.ends_on)}
    batch.update("season", changes, "id = ?", [p.season_id])


def _season_removed(batch: Batch, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonRemoved)
    batch.delete("season", "id = ?", [p.season_id])


def _policy(batch: Batch, entry: Entry) -> None:
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


def _ledger_only(batch: Batch, entry: Entry) -> None:
    """Nothing beside the entry (and its awards) to write."""


ADDERS: dict[type, Callable[[Batch, Entry], None]] = {
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
