"""Deciding organisation changes: teams, members, seasons and the policy. They are
ledger entries too, so the feed and the live boards see them and the audit trail is
complete."""

from __future__ import annotations

from datetime import date
from typing import Any

from ..errors import Conflict, Invalid, NotFound
from .calendar import local_date
from .commands import (
    ChangePolicy,
    Context,
    CreateMember,
    CreateSeason,
    CreateTeam,
    Decision,
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
    SeasonCreated,
    TeamCreated,
    TeamUpdated,
)
from .names import clean_name, same_name
from .policy import Policy
from .state import State

__all__ = [
    "decide_member",
    "decide_member_update",
    "decide_policy",
    "decide_season",
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
    if changes.get("email"):
        changes["email"] = changes["email"].strip().lower()
        owner = state.emails.get(changes["email"])
        if owner is not None and owner != member.id:
            raise Conflict(f"A member with the email {changes['email']} already exists.")
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


def decide_season(cmd: CreateSeason, actor: Actor, state: State, ctx: Context) -> Decision:
    require(actor, "admin")
    if cmd.ends_on < cmd.starts_on:
        raise Invalid("ends_on must be on or after starts_on.")
    if cmd.starts_on.year < 1970 or cmd.ends_on.year > 2999:
        raise Invalid("Season dates must be between 1970-01-01 and 2999-12-31.", field="starts_on")
    name = cmd.name.strip()
    if not name:
        raise Invalid("A season needs a name.")
    for span in state.seasons:
        if span.overlaps(cmd.starts_on, cmd.ends_on):
            raise Conflict(
                f"These dates overlap the season {state.season_names.get(span.id)!r} "
                f"({span.starts_on} to {span.ends_on}); seasons must not overlap."
            )
    payload = SeasonCreated(name, cmd.starts_on, cmd.ends_on, ctx.ids.take("season"))
    return Decision([new_entry(state, ctx, actor, payload)])


def decide_policy(cmd: ChangePolicy, actor: Actor, state: State, ctx: Context) -> Decision:
    """A new policy version: the changes laid over the current one; later entries use it."""
    require(actor, "admin")
    if not cmd.changes:
        raise Invalid("Send at least one policy key to change.")
    Policy.from_dict(cmd.changes, base=state.policy)  # refuses unknown keys and bad values
    payload = PolicyChanged(dict(cmd.changes), ctx.ids.take("policy_version"))
    return Decision([new_entry(state, ctx, actor, payload)])
