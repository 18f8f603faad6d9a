"""Organisation changes (teams, members, seasons, policy), recorded in the ledger too,
so the feed and the live boards see them and the audit trail is complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..auth import Caller
from ..core.calendar import is_newcomer, local_date
from ..core.policy import Policy
from ..db.models import Entry, Member, PolicyVersion, Season, Team
from ..errors import Conflict, Invalid, NotFound
from ..ledger import Draft, Ledger, Txn

__all__ = [
    "create_member",
    "create_season",
    "create_team",
    "member_json",
    "season_json",
    "team_json",
    "update_policy",
]


def team_json(team: Team) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "nickname": team.nickname, "color": team.color}


def member_json(member: Member, policy: Policy, today: date) -> dict[str, Any]:
    return {
        "id": member.id,
        "name": member.name,
        "team_id": member.team_id,
        "role": member.role,
        "email": member.email,
        "joined_on": member.joined_on.isoformat(),
        "newcomer": is_newcomer(member.joined_on, today, policy.newcomer_days),
    }


def season_json(season: Season, today: date | None = None) -> dict[str, Any]:
    body = {
        "id": season.id,
        "name": season.name,
        "starts_on": season.starts_on.isoformat(),
        "ends_on": season.ends_on.isoformat(),
    }
    if today is not None:
        body["current"] = season.starts_on <= today <= season.ends_on
    return body


async def create_team(
    ledger: Ledger, caller: Caller, name: str, nickname: str | None, color: str | None
) -> Team:
    caller.require("admin")
    name = name.strip()
    if not name:
        raise Invalid("A team needs a name.")

    async def build(txn: Txn) -> Draft:
        if await Team.filter(name=name).using_db(txn.conn).exists():
            raise Conflict(f"A team named {name!r} already exists; choose another name.")

        async def attach(entry: Entry) -> Team:
            team = await Team.create(name=name, nickname=nickname, color=color, using_db=txn.conn)
            entry.team_id = team.id
            entry.data = {**entry.data, "team_id": team.id}
            await entry.save(using_db=txn.conn, update_fields=["team_id", "data"])
            return team

        return Draft(
            kind="team.created",
            attach=attach,
            data={"name": name, "nickname": nickname, "color": color},
        )

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]


@dataclass(frozen=True)
class MemberRequest:
    name: str
    team_id: int
    role: str
    email: str | None = None
    joined_on: date | None = None


async def create_member(ledger: Ledger, caller: Caller, req: MemberRequest) -> Member:
    caller.require("admin")
    if req.role not in ("seller", "manager"):
        raise Invalid("role must be 'seller' or 'manager' (display and integration are tokens).")
    if not req.name.strip():
        raise Invalid("A member needs a name.")
    team = await Team.get_or_none(id=req.team_id)
    if team is None:
        raise NotFound(f"There is no team {req.team_id}; create the team first.")
    email = req.email.strip().lower() if req.email else None

    async def build(txn: Txn) -> Draft:
        if email and await Member.filter(email=email).using_db(txn.conn).exists():
            raise Conflict(f"A member with the email {email} already exists.")
        joined_on = req.joined_on or local_date(txn.now, txn.tz)

        async def attach(entry: Entry) -> Member:
            member = await Member.create(
                name=req.name.strip(),
                team_id=team.id,
                role=req.role,
                email=email,
                joined_on=joined_on,
                using_db=txn.conn,
            )
            entry.member_id = member.id
            entry.data = {**entry.data, "names": {str(member.id): member.name}}
            await entry.save(using_db=txn.conn, update_fields=["member_id", "data"])
            return member

        return Draft(
            kind="member.joined",
            team_id=team.id,
            attach=attach,
            data={
                "name": req.name.strip(),
                "role": req.role,
                "joined_on": joined_on.isoformat(),
                "team_name": team.name,
            },
        )

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]


async def create_season(
    ledger: Ledger, caller: Caller, name: str, starts_on: date, ends_on: date
) -> Season:
    caller.require("admin")
    if ends_on < starts_on:
        raise Invalid("ends_on must be on or after starts_on.")
    if not name.strip():
        raise Invalid("A season needs a name.")

    async def build(txn: Txn) -> Draft:
        for span in txn.seasons:
            if span.overlaps(starts_on, ends_on):
                other = await Season.get(id=span.id, using_db=txn.conn)
                raise Conflict(
                    f"These dates overlap the season {other.name!r} "
                    f"({other.starts_on} to {other.ends_on}); seasons must not overlap."
                )

        async def attach(entry: Entry) -> Season:
            season = await Season.create(
                name=name.strip(), starts_on=starts_on, ends_on=ends_on, using_db=txn.conn
            )
            entry.data = {**entry.data, "season_id": season.id}
            await entry.save(using_db=txn.conn, update_fields=["data"])
            return season

        return Draft(
            kind="season.created",
            attach=attach,
            data={
                "name": name.strip(),
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]


async def update_policy(ledger: Ledger, caller: Caller, changes: dict[str, Any]) -> PolicyVersion:
    """Store a new policy version: ``changes`` laid over the current one."""
    caller.require("admin")
    if not changes:
        raise Invalid("Send at least one policy key to change.")

    async def build(txn: Txn) -> Draft:
        policy = Policy.from_dict(changes, base=txn.policy)

        async def attach(entry: Entry) -> PolicyVersion:
            version = await PolicyVersion.create(
                data=policy.to_dict(), created_by=caller.name, using_db=txn.conn
            )
            entry.data = {**entry.data, "version": version.id}
            await entry.save(using_db=txn.conn, update_fields=["data"])
            return version

        return Draft(kind="policy.changed", attach=attach, data={"changes": changes})

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]


async def update_team(
    ledger: Ledger, caller: Caller, team_id: int, changes: dict[str, Any]
) -> Team:
    """Rename a team or change its nickname or colour (admin)."""
    caller.require("admin")
    team = await Team.get_or_none(id=team_id)
    if team is None:
        raise NotFound(f"There is no team {team_id}.")

    async def build(txn: Txn) -> Draft:
        name = changes.get("name")
        if name and await Team.filter(name=name).exclude(id=team_id).using_db(txn.conn).exists():
            raise Conflict(f"A team named {name!r} already exists; choose another name.")

        async def attach(entry: Entry) -> Team:
            await Team.filter(id=team_id).using_db(txn.conn).update(**changes)
            return await Team.get(id=team_id, using_db=txn.conn)

        return Draft(
            kind="team.updated",
            team_id=team_id,
            attach=attach,
            data={"changes": changes, "was": team_json(team)},
        )

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]


async def update_member(
    ledger: Ledger, caller: Caller, member_id: int, changes: dict[str, Any]
) -> Member:
    """Rename a member, change their email or role, or move them to another team (admin).

    Points already earned stay with the team they were earned for; from the move on, the
    member's deals share with the new team and count in its per-member score.
    """
    caller.require("admin")
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    if "role" in changes and changes["role"] not in ("seller", "manager"):
        raise Invalid("role must be 'seller' or 'manager'.")
    if "team_id" in changes and not await Team.exists(id=changes["team_id"]):
        raise NotFound(f"There is no team {changes['team_id']}.")
    if changes.get("email"):
        changes["email"] = changes["email"].strip().lower()

    async def build(txn: Txn) -> Draft:
        email = changes.get("email")
        if (
            email
            and await Member.filter(email=email).exclude(id=member_id).using_db(txn.conn).exists()
        ):
            raise Conflict(f"A member with the email {email} already exists.")

        async def attach(entry: Entry) -> Member:
            await Member.filter(id=member_id).using_db(txn.conn).update(**changes)
            return await Member.get(id=member_id, using_db=txn.conn)

        return Draft(
            kind="member.updated",
            member_id=member_id,
            team_id=changes.get("team_id", member.team_id),
            attach=attach,
            data={
                "changes": {k: str(v) if isinstance(v, date) else v for k, v in changes.items()},
                "names": {str(member_id): changes.get("name", member.name)},
            },
        )

    return (await ledger.record(caller, build)).attached  # type: ignore[no-any-return]
