"""Deciding organisation changes: teams, members, seasons and the policy. They are
ledger entries too, so the feed and the live boards see them and the audit trail is
complete."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..errors import Conflict, Invalid, NotFound
from .calendar import SeasonSpan, local_date
from .commands import (
    ChangePolicy,
    ChangeSeason,
    Context,
    CreateMember,
    CreateSeason,
    CreateTeam,
    Decision,
    RemoveSeason,
    UpdateMember,
    UpdateTeam,
    new_entry,
    require,
)
from .entries import (
    Actor,
    MemberJoined,
    MemberUpdated,
    PolicyChanged,
    SeasonChanged,
    SeasonCreated,
    SeasonRemoved,
    TeamCreated,
    TeamUpdated,
)
from .names import clean_name, same_name
from .policy import Policy
from .state import MemberFacts, State

__all__ = [
    "decide_member",
    "decide_member_update",
    "decide_policy",
    "decide_season",
    "decide_season_change",
    "decide_season_removal",
    "decide_team",
    "decide_team_update",
]

ROLES = ("seller", "manager")


def _team_name(state: State, raw: str, but: int | None = None) -> str:
    name = clean_name(raw, "team")
    taken = next((t for t in state.teams.values() if same_name(t.name, name) and t.id != but), None)
    if taken:
        raise Conflict(
            f"A team named {taken.name!r} already exists (names differing only in case "
            "count as the same); choose another name.",
            field="name",
        )
    return name


def _member_name(state: State, raw: str, but: int | None = None) -> str:
    name = clean_name(raw, "member")
    taken = next(
        (m for m in state.members.values() if same_name(m.name, name) and m.id != but), None
    )
    if taken:
        team = state.teams.get(taken.team_id)
        raise Conflict(
            f"A member named {taken.name!r} already exists"
            f"{f' (team {team.name!r})' if team else ''}; add an initial or a surname so "
            "boards can tell them apart.",
            field="name",
        )
    return name


def decide_team(cmd: CreateTeam, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    name = _team_name(state, cmd.name)
    nickname = clean_name(cmd.nickname, "team", "nickname") if cmd.nickname else None
    team_id = ctx.ids.take("team")
    payload = TeamCreated(name, team_id, nickname, cmd.color)
    return Decision([new_entry(state, ctx, actor, payload, team_id=team_id)])


def decide_team_update(cmd: UpdateTeam, actor: Actor, state: State, ctx: Context) -> Decision:
    """Rename a team or change its nickname or colour."""
    require(actor, "admin")
    team = state.teams.get(cmd.team_id)
    if team is None:
        raise NotFound(f"There is no team {cmd.team_id}.")
    changes = dict(cmd.changes)
    if changes.get("archived") is True and not team.archived:
        active = [m.name for m in state.members.values() if m.team_id == team.id and m.active]
        if active:
            raise Conflict(
                f"Team {team.name!r} still has active members ({', '.join(sorted(active))}): "
                "move them or mark them as left before archiving it."
            )
    if changes.get("name") is not None:
        changes["name"] = _team_name(state, changes["name"], but=team.id)
    if changes.get("nickname"):
        changes["nickname"] = clean_name(changes["nickname"], "team", "nickname")
    was = {"id": team.id, "name": team.name, "nickname": team.nickname, "color": team.color}
    payload = TeamUpdated(changes, was)
    return Decision([new_entry(state, ctx, actor, payload, team_id=team.id)])


def decide_member(cmd: CreateMember, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    if cmd.role not in ROLES:
        raise Invalid("role must be 'seller' or 'manager' (display and integration are tokens).")
    name = _member_name(state, cmd.name)
    team = state.teams.get(cmd.team_id)
    if team is None:
        raise NotFound(f"There is no team {cmd.team_id}; create the team first.")
    if team.archived:
        raise Conflict(f"Team {team.name!r} is archived; unarchive it first.")
    email = cmd.email.strip().lower() if cmd.email else None
    if email and email in state.emails:
        raise Conflict(f"A member with the email {email} already exists.")
    joined_on = cmd.joined_on or local_date(ctx.now, state.tz)
    _check_joined(joined_on)
    member_id = ctx.ids.take("member")
    payload = MemberJoined(name, cmd.role, joined_on, team.name, email)
    entry = new_entry(
        state, ctx, actor, payload, member_id=member_id, team_id=team.id, names={member_id: name}
    )
    return Decision([entry])


def decide_member_update(cmd: UpdateMember, actor: Actor, state: State, ctx: Context) -> Decision:
    """Rename a member, change their email, role or joining date, or move them to another
    team. Points already earned stay with the team they were earned for."""
    require(actor, "admin")
    member = state.members.get(cmd.member_id)
    if member is None:
        raise NotFound(f"There is no member {cmd.member_id}.")
    changes: dict[str, Any] = dict(cmd.changes)
    if changes.get("name") is not None:
        changes["name"] = _member_name(state, changes["name"], but=member.id)
    if "role" in changes and changes["role"] not in ROLES:
        raise Invalid("role must be 'seller' or 'manager'.")
    if "team_id" in changes and changes["team_id"] not in state.teams:
        raise NotFound(f"There is no team {changes['team_id']}.")
    if "team_id" in changes and state.teams[changes["team_id"]].archived:
        raise Conflict(f"Team {state.teams[changes['team_id']].name!r} is archived.")
    if "active" in changes and not isinstance(changes["active"], bool):
        raise Invalid("active must be true or false.", field="active")
    if changes.get("active") is False and not member.active and len(changes) == 1:
        raise Conflict(f"{member.name} has already left (active is false).")
    back_to = state.teams.get(changes.get("team_id", member.team_id))
    if changes.get("active") is True and not member.active and back_to and back_to.archived:
        raise Conflict(
            f"Team {back_to.name!r} is archived: {member.name} comes back into another team "
            "(send team_id with active) or the team is unarchived first."
        )
    if "joined_on" in changes:
        _check_joined(changes["joined_on"])
    if changes.get("email"):
        changes["email"] = changes["email"].strip().lower()
        owner = state.emails.get(changes["email"])
        if owner is not None and owner != member.id:
            raise Conflict(f"A member with the email {changes['email']} already exists.")
    if "external_ids" in changes:
        changes["external_ids"] = _external_ids(state, member, changes["external_ids"])
    changes = {k: v.isoformat() if isinstance(v, date) else v for k, v in changes.items()}
    entry = new_entry(
        state,
        ctx,
        actor,
        MemberUpdated(changes),
        member_id=member.id,
        team_id=changes.get("team_id", member.team_id),
        names={member.id: changes.get("name", member.name)},
    )
    return Decision([entry])


# the days a season or a joining date may fall on (a year 9999 broke date sums)
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)


def _check_joined(value: Any) -> None:
    """A joining date in 1970–2999, as seasons' dates."""
    try:
        day = date.fromisoformat(value) if isinstance(value, str) else value
    except ValueError:
        day = None
    if not isinstance(day, date) or not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid("joined_on must be a date from 1970 to 2999.", field="joined_on")


CRMS = ("hubspot", "pipedrive", "salesforce")


def _external_ids(state: State, member: MemberFacts, sent: Any) -> dict[str, str]:
    """The member's CRM owner ids after a change: ``sent`` names some CRMs (an empty id
    removes that CRM's); each id belongs to one member only."""
    if not isinstance(sent, dict):
        raise Invalid('external_ids must be an object, e.g. {"hubspot": "61523445"}.')
    ids = dict(member.external_ids)
    for crm, owner in sent.items():
        if crm not in CRMS:
            raise Invalid(
                f"external_ids names {crm!r}; Huddle connects to {', '.join(CRMS)}.",
                field="external_ids",
            )
        owner = str(owner or "").strip()
        if not owner:
            ids.pop(crm, None)
            continue
        other = state.external_ids.get((crm, owner))
        if other is not None and other != member.id:
            raise Conflict(
                f"The {crm} owner id {owner} already belongs to "
                f"{state.members[other].name}; take it off them first."
            )
        ids[crm] = owner
    return ids


def decide_season(cmd: CreateSeason, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    name = _season_span(state, cmd.name, cmd.starts_on, cmd.ends_on)
    _not_over_unseasoned(state, cmd.starts_on, cmd.ends_on, None)
    payload = SeasonCreated(name, cmd.starts_on, cmd.ends_on, ctx.ids.take("season"))
    return Decision([new_entry(state, ctx, actor, payload)])


def decide_season_change(cmd: ChangeSeason, actor: Actor, state: State, ctx: Context) -> Decision:
    """Rename a season or move its dates. Nothing recorded moves between seasons (the
    ledger is never rewritten), so the new dates must still cover every day something
    counted in the season, and may not take in a day whose points count in no season."""
    require(actor, "admin")
    span = _season(state, cmd.season_id)
    old = (state.season_names.get(span.id, ""), span.starts_on, span.ends_on)
    starts_on = cmd.starts_on or span.starts_on
    ends_on = cmd.ends_on or span.ends_on
    name = _season_span(
        state, old[0] if cmd.name is None else cmd.name, starts_on, ends_on, but=span.id
    )
    if (name, starts_on, ends_on) == old:
        return Decision([])  # as it is already: nothing to record
    used = state.season_used.get(span.id)
    if used:
        first, last = local_date(used[0], state.tz), local_date(used[1], state.tz)
        if first < starts_on or last > ends_on:
            raise Conflict(
                f"Points already count in {old[0]!r} from {first} to {last}: its dates must "
                "keep covering those days (what was recorded never moves to another season)."
            )
    _not_over_unseasoned(state, starts_on, ends_on, span)
    payload = SeasonChanged(span.id, name, starts_on, ends_on, old)
    return Decision([new_entry(state, ctx, actor, payload, season_id=None)])


def decide_season_removal(cmd: RemoveSeason, actor: Actor, state: State, ctx: Context) -> Decision:
    """Remove a season nothing was recorded in and no goal belongs to."""
    require(actor, "admin")
    span = _season(state, cmd.season_id)
    name = state.season_names.get(span.id, "")
    if span.id in state.seasons_named:
        raise Conflict(
            f"Things were recorded in {name!r}, so it stays in the history; to end it "
            "early, close it (POST /api/seasons/{id}/close) or change its end date."
        )
    goals = [g for g in state.goals.values() if g.season_id == span.id]
    if goals:
        raise Conflict(
            f"{len(goals)} goal(s) belong to {name!r}: remove them first "
            "(DELETE /api/goals/{id})."
        )
    payload = SeasonRemoved(span.id, name)
    return Decision([new_entry(state, ctx, actor, payload, season_id=None)])


def _not_over_unseasoned(
    state: State, starts_on: date, ends_on: date, was: SeasonSpan | None
) -> None:
    """Refuse dates that take in a day whose points were recorded in no season: they
    would not count in this one (the ledger is never rewritten), and its boards would
    silently leave them out."""
    days = sorted(
        d
        for d in state.unseasoned_days
        if starts_on <= d <= ends_on and not (was and was.starts_on <= d <= was.ends_on)
    )
    if days:
        more = f" and on {len(days) - 1} more day(s)" if len(days) > 1 else ""
        raise Conflict(
            f"Points were recorded on {days[0]}{more} when no season covered it, and they "
            "count in no season: a season cannot take in those days (the points would not "
            "count in it). Choose dates that leave them out; create seasons before "
            "recording or importing the points they should hold."
        )


def _season(state: State, season_id: int) -> SeasonSpan:
    span = next((s for s in state.seasons if s.id == season_id), None)
    if span is None:
        raise NotFound(f"There is no season {season_id}.")
    return span


def _season_span(
    state: State, name: str, starts_on: date, ends_on: date, but: int | None = None
) -> str:
    """A season's name (trimmed) once its dates are checked against the other seasons'."""
    if ends_on < starts_on:
        raise Invalid("ends_on must be on or after starts_on.", field="ends_on")
    if starts_on < FIRST_DAY or ends_on > LAST_DAY:
        raise Invalid("Season dates must be between 1970-01-01 and 2999-12-31.", field="starts_on")
    name = name.strip()
    if not name:
        raise Invalid("A season needs a name.", field="name")
    for span in state.seasons:
        if span.id != but and span.overlaps(starts_on, ends_on):
            raise Conflict(
                f"These dates overlap the season {state.season_names.get(span.id)!r} "
                f"({span.starts_on} to {span.ends_on}); seasons must not overlap."
            )
    return name


def decide_policy(cmd: ChangePolicy, actor: Actor, state: State, ctx: Context) -> Decision:
    """A new policy version: the changes laid over the current one; later entries use it."""
    require(actor, "admin")
    if not cmd.changes:
        raise Invalid("Send at least one policy key to change.")
    Policy.from_dict(cmd.changes, base=state.policy)  # refuses unknown keys and bad values
    payload = PolicyChanged(dict(cmd.changes), ctx.ids.take("policy_version"))
    return Decision([new_entry(state, ctx, actor, payload)])
