"""Deciding activity metrics: what a team counts besides deals (calls made, meetings
booked, demos), and the points each unit earns under a daily cap.

A metric has a key, a name, points per unit and an optional daily cap: at most that many
points per member, metric and org-local day, however many units are logged (the units
still count on the metric's own board). The same ``external_id`` again answers with the
activity recorded the first time and adds nothing.
"""

from __future__ import annotations

import re
from datetime import timedelta

from ..errors import Conflict, Forbidden, Invalid, NotFound
from .calendar import local_date
from .commands import Context, Decision, DefineMetric, RecordActivity, new_entry, require
from .deals import CLOCK_SKEW, EARLIEST, actor_team
from .entries import ActivityLogged, Actor, Award, MetricDefined
from .points import from_cents, to_cents
from .state import State

__all__ = ["MAX_UNITS", "METRIC_KEY", "decide_activity", "decide_metric"]

METRIC_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
MAX_UNITS = 10_000  # per activity logged
MAX_POINTS_PER_UNIT = 1_000


def decide_metric(cmd: DefineMetric, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    key = cmd.key.strip()
    if not METRIC_KEY.match(key):
        raise Invalid(
            "key must be 1 to 40 lowercase letters, digits, '-' or '_', starting with a "
            "letter (e.g. calls, meetings_booked).",
            field="key",
        )
    if key in state.metrics:
        raise Conflict(f"There is a metric {key!r} already.")
    name = cmd.name.strip()
    if not name:
        raise Invalid("name must say what is counted (e.g. 'Calls made').", field="name")
    if not 0 <= cmd.points_per_unit <= MAX_POINTS_PER_UNIT:
        raise Invalid(
            f"points_per_unit must be from 0 to {MAX_POINTS_PER_UNIT}.", field="points_per_unit"
        )
    if cmd.daily_cap is not None and cmd.daily_cap < 0:
        raise Invalid("daily_cap must be 0 or more (or left out: no cap).", field="daily_cap")
    payload = MetricDefined(
        ctx.ids.take("metric"),
        key,
        name,
        from_cents(to_cents(cmd.points_per_unit)),
        from_cents(to_cents(cmd.daily_cap)) if cmd.daily_cap is not None else None,
    )
    return Decision([new_entry(state, ctx, actor, payload)])


def decide_activity(cmd: RecordActivity, actor: Actor, state: State, ctx: Context) -> Decision:
    """Units of a metric for one member: points per unit, up to what is left of the day's
    cap (0 once it is reached: the units still count on the metric's board)."""
    require(actor, "seller", "manager", "integration", "admin")
    metric = state.metrics.get(cmd.metric)
    if metric is None:
        known = ", ".join(sorted(state.metrics)) or "none yet: an admin defines them"
        raise NotFound(f"There is no metric {cmd.metric!r} (metrics: {known}).")
    member_id = cmd.member_id
    if member_id is None and cmd.member_email:
        member_id = state.emails.get(cmd.member_email.strip().lower())
        if member_id is None:
            raise NotFound(f"No member has the email {cmd.member_email.strip()!r}.")
    if member_id is None:
        member_id = actor.member_id
    if member_id is None:
        raise Invalid("Name the member: member_id or member_email.", field="member_id")
    member = state.members.get(member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    if actor.role == "seller" and actor.member_id != member.id:
        raise Forbidden("Sellers log their own activities only.")
    if actor.role == "manager" and actor_team(state, actor) != member.team_id:
        raise Forbidden("Managers log activities for members of their own team only.")
    if not member.active:
        raise Conflict(f"{member.name} has left (inactive): no activity counts for them now.")
    if not 0 < cmd.value <= MAX_UNITS or to_cents(cmd.value) != round(cmd.value) * 100:
        raise Invalid(f"value must be a whole number from 1 to {MAX_UNITS}.", field="value")
    occurred = cmd.occurred_at or ctx.now
    if occurred.tzinfo is None:
        raise Invalid(
            "occurred_at needs a time zone offset, e.g. 2026-11-20T14:00:00+01:00.",
            field="occurred_at",
        )
    if occurred > ctx.now + CLOCK_SKEW:
        raise Invalid("occurred_at is in the future.", field="occurred_at")
    if occurred < EARLIEST:
        raise Invalid("occurred_at must be in 1970 or later.", field="occurred_at")
    if cmd.external_id and cmd.external_id in ctx.activities_by_external:
        return Decision(replay=ctx.activities_by_external[cmd.external_id])
    day = local_date(occurred, state.tz)
    back = state.policy.activity_backdate_days
    if actor.role in ("seller", "manager") and day < local_date(ctx.now, state.tz) - timedelta(
        days=back
    ):
        raise Invalid(
            f"occurred_at is more than {back} day(s) ago: sellers and managers log the "
            f"activities of the last {back} day(s) (policy activity_backdate_days); older "
            "ones come in by import or an integration.",
            field="occurred_at",
        )
    cents = round(cmd.value) * metric.points_per_unit
    if metric.daily_cap is not None:
        used = ctx.activity_used.get((member.id, metric.key, day), 0)
        cents = max(0, min(cents, metric.daily_cap - used))
    payload = ActivityLogged(
        metric.key,
        round(cmd.value),
        from_cents(cents),
        ctx.ids.take("activity"),
        cmd.external_id,
        day,
    )
    awards = (Award(member.id, member.team_id, "activity", cents),) if cents else ()
    entry = new_entry(
        state,
        ctx,
        actor,
        payload,
        member_id=member.id,
        team_id=member.team_id,
        occurred_at=occurred,
        awards=awards,
        day=day,
    )
    return Decision([entry])
