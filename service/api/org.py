"""Teams, members, tokens, seasons and the scoring policy."""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Response, delete, get, patch, post, put
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from msgspec import Meta, Struct
from redis.exceptions import RedisError

from ..auth import Caller, TokenCache, hash_token, new_token
from ..core import commands as cmd
from ..core.entries import SeasonCreated
from ..db.models import Member, PolicyVersion, Season, Team, Token
from ..db.queries import current_policy
from ..engine.writer import Writer
from ..errors import Conflict, Invalid, NotFound
from ..reads import member_out, season_out, team_out
from ..schemas import Id, IdParam, MemberOut, OptionalId, SeasonOut, TeamOut, TokenCreated
from ..settings import Settings
from ..store.leaderboard import LeaderboardStore
from .problems import refusals

__all__ = ["routes"]

log = logging.getLogger(__name__)

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Color = Annotated[
    str,
    Meta(pattern=r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$", description="CSS hex colour, e.g. #c8102e"),
]


class TeamIn(Struct, forbid_unknown_fields=True):
    name: Name
    nickname: Annotated[str, Meta(max_length=100)] | None = None
    color: Color | None = None


class MemberIn(Struct, forbid_unknown_fields=True):
    name: Name
    team_id: Id
    role: Literal["seller", "manager"]
    email: Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)] | None = None
    joined_on: date | None = None


class TeamPatch(Struct, forbid_unknown_fields=True):
    name: Name | None = None
    nickname: Annotated[str, Meta(max_length=100)] | None = None
    color: Color | None = None
    # true: off the boards (only a team with no active members); false: back
    archived: bool | None = None


OwnerId = Annotated[str, Meta(max_length=100, description="the CRM's owner id; empty removes it")]


class ExternalIds(Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The member's owner id in each CRM that posts deals to Huddle (the connectors map a
    delivery's owner to its member with them); a CRM left out stays as it is."""

    hubspot: OwnerId | None = None
    pipedrive: OwnerId | None = None
    salesforce: OwnerId | None = None


class MemberPatch(Struct, forbid_unknown_fields=True):
    name: Name | None = None
    team_id: Id | None = None
    role: Literal["seller", "manager"] | None = None
    email: Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)] | None = None
    joined_on: date | None = None
    # false: the member leaves (off current boards and head counts, keeps history)
    active: bool | None = None
    external_ids: ExternalIds | None = None


def _changes(data: Struct) -> dict[str, Any]:
    """The fields a PATCH body actually sent (null means 'leave as is')."""
    changes = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not None}
    if isinstance(changes.get("external_ids"), Struct):
        changes["external_ids"] = msgspec.structs.asdict(changes["external_ids"])
        changes["external_ids"] = {
            k: v for k, v in changes["external_ids"].items() if v is not None
        }
        if not changes["external_ids"]:
            raise Invalid('external_ids names no CRM: send e.g. {"hubspot": "61523445"}.')
    if not changes:
        raise Invalid("Send at least one field to change.")
    return changes


class TokenIn(Struct, forbid_unknown_fields=True):
    member_id: Id | None = None
    role: Literal["display", "integration", "admin"] | None = None
    label: Annotated[str, Meta(max_length=200)] | None = None


class SeasonIn(Struct, forbid_unknown_fields=True):
    name: Name
    starts_on: date
    ends_on: date


class SeasonPatch(Struct, forbid_unknown_fields=True):
    """What to change of a season; a field left out stays as it is."""

    name: Name | None = None
    starts_on: date | None = None
    ends_on: date | None = None


@post("/api/teams", status_code=HTTP_201_CREATED, tags=["org"], **refusals(403, 409, body=True))
async def create_team(data: TeamIn, caller: Caller, writer: Writer) -> TeamOut:
    """Create a team (admin). A duplicate name is a 409."""
    decision = await writer.submit(
        cmd.CreateTeam(data.name, data.nickname, data.color), caller.actor
    )
    return team_out(await Team.get(id=decision.entries[0].team_id))


@get("/api/teams", tags=["org"], **refusals())
async def list_teams(caller: Caller) -> list[TeamOut]:
    """All teams."""
    return [team_out(t) for t in await Team.all().order_by("name")]


@get("/api/teams/{team_id:int}", tags=["org"], **refusals(404, 422))
async def get_team(team_id: IdParam, caller: Caller) -> dict[str, Any]:
    """One team, with its member count (members who have not left)."""
    team = await Team.get_or_none(id=team_id)
    if team is None:
        raise NotFound(f"There is no team {team_id}.")
    members = await Member.filter(team_id=team_id, active=True).count()
    return {**msgspec.structs.asdict(team_out(team)), "members": members}


@patch("/api/teams/{team_id:int}", tags=["org"], **refusals(403, 404, 409, body=True))
async def patch_team(team_id: IdParam, data: TeamPatch, caller: Caller, writer: Writer) -> TeamOut:
    """Rename a team or change its nickname or colour (admin)."""
    await writer.submit(cmd.UpdateTeam(team_id, _changes(data)), caller.actor)
    return team_out(await Team.get(id=team_id))


@post(
    "/api/members",
    status_code=HTTP_201_CREATED,
    tags=["org"],
    **refusals(403, 404, 409, body=True),
)
async def create_member(
    data: MemberIn, caller: Caller, writer: Writer, settings: Settings
) -> MemberOut:
    """Add a seller or manager to a team (admin)."""
    command = cmd.CreateMember(data.name, data.team_id, data.role, data.email, data.joined_on)
    decision = await writer.submit(command, caller.actor)
    member = await Member.get(id=decision.entries[0].member_id)
    return member_out(member, writer.policy, settings.today(), caller)


@get("/api/members", tags=["org"], **refusals(422))
async def list_members(
    caller: Caller, settings: Settings, team_id: OptionalId = None
) -> list[MemberOut]:
    """Members, optionally of one team."""
    query = Member.all() if team_id is None else Member.filter(team_id=team_id)
    policy, day = await current_policy(), settings.today()
    members = await query.order_by("name", "id")
    return [member_out(m, policy, day, caller) for m in members]


@get("/api/members/{member_id:int}", tags=["org"], **refusals(404, 422))
async def get_member(member_id: IdParam, caller: Caller, settings: Settings) -> MemberOut:
    """One member."""
    member = await Member.get_or_none(id=member_id)
    if member is None:
        raise NotFound(f"There is no member {member_id}.")
    return member_out(member, await current_policy(), settings.today(), caller)


@patch("/api/members/{member_id:int}", tags=["org"], **refusals(403, 404, 409, body=True))
async def patch_member(
    member_id: IdParam,
    data: MemberPatch,
    caller: Caller,
    writer: Writer,
    settings: Settings,
) -> MemberOut:
    """Change a member's name, email, role, joining date or team (admin). Points already
    earned stay with the team they were earned for."""
    await writer.submit(cmd.UpdateMember(member_id, _changes(data)), caller.actor)
    member = await Member.get(id=member_id)
    return member_out(member, writer.policy, settings.today(), caller)


@post("/api/tokens", status_code=HTTP_201_CREATED, tags=["org"], **refusals(403, 404, body=True))
async def create_token(data: TokenIn, caller: Caller) -> TokenCreated:
    """Issue a token (admin): for a member (role from the member) or a display,
    integration or admin token with a label. The token is shown only in this response."""
    caller.require("admin")
    if (data.member_id is None) == (data.role is None):
        raise Invalid(
            "Send either member_id (a seller's or manager's token) or role "
            "(display, integration or admin) with a label, not both."
        )
    role: str | None = data.role
    member_id, label = data.member_id, data.label
    if member_id is not None:
        member = await Member.get_or_none(id=member_id)
        if member is None:
            raise NotFound(f"There is no member {member_id}.")
        role, label = member.role, label or member.name
    elif not label:
        raise Invalid("A display, integration or admin token needs a label, e.g. 'Oslo TV'.")
    secret = new_token()
    row = await Token.create(
        token_hash=hash_token(secret), role=role, member_id=member_id, label=label
    )
    return TokenCreated(id=row.id, token=secret, role=row.role, member_id=member_id, label=label)


@get("/api/tokens", tags=["org"], **refusals(403))
async def list_tokens(caller: Caller) -> list[dict[str, Any]]:
    """Issued tokens without their secrets (admin)."""
    caller.require("admin")
    return [
        {
            "id": t.id,
            "role": t.role,
            "member_id": t.member_id,
            "label": t.label,
            "created_at": t.created_at.isoformat(),
            "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
        }
        for t in await Token.all().order_by("id")
    ]


@delete(
    "/api/tokens/{token_id:int}",
    status_code=HTTP_204_NO_CONTENT,
    tags=["org"],
    **refusals(403, 404, 422),
)
async def revoke_token(
    token_id: IdParam, caller: Caller, store: LeaderboardStore, tokens: TokenCache
) -> None:
    """Revoke a token (admin): it stops working at once, open websockets included."""
    caller.require("admin")
    token = await Token.get_or_none(id=token_id)
    if token is None:
        raise NotFound(f"There is no token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        await token.save(update_fields=["revoked_at"])
    tokens.drop_token(token_id)  # this process at once; the others by the announcement
    try:  # let every instance close the websockets opened with it
        await store.announce(json.dumps({"type": "token_revoked", "token_id": token_id}))
    except RedisError as exc:  # open sockets re-check their token on their own too
        log.warning("could not announce revoked token %s (%s)", token_id, exc)


@get("/api/me", tags=["org"], **refusals())
async def whoami(caller: Caller) -> dict[str, Any]:
    """Who the token belongs to: its role and, for sellers and managers, their member."""
    return {
        "role": caller.role,
        "member_id": caller.member_id,
        "team_id": caller.team_id,
        "name": caller.name,
        "token_id": caller.token_id,
    }


@post("/api/seasons", status_code=HTTP_201_CREATED, tags=["org"], **refusals(403, 409, body=True))
async def create_season(
    data: SeasonIn, caller: Caller, writer: Writer, settings: Settings
) -> SeasonOut:
    """Create a season (admin); overlapping an existing season is a 409."""
    command = cmd.CreateSeason(data.name, data.starts_on, data.ends_on)
    payload = (await writer.submit(command, caller.actor)).entries[0].payload
    assert isinstance(payload, SeasonCreated)
    season = await Season.get(id=payload.season_id)
    return season_out(season, settings.today())


@patch("/api/seasons/{season_id:int}", tags=["org"], **refusals(403, 404, 409, body=True))
async def patch_season(
    season_id: IdParam,
    data: SeasonPatch,
    caller: Caller,
    writer: Writer,
    settings: Settings,
    store: LeaderboardStore,
) -> SeasonOut:
    """Rename a season or move its dates (admin). What was recorded stays in its season,
    so the dates must keep covering every day something counted in it (409 otherwise),
    and may not take in days whose points count in no season."""
    command = cmd.ChangeSeason(season_id, data.name, data.starts_on, data.ends_on)
    return await _season_changed(
        await writer.submit(command, caller.actor), season_id, settings, store
    )


@post(
    "/api/seasons/{season_id:int}/close",
    status_code=HTTP_200_OK,
    tags=["org"],
    **refusals(403, 404, 409, 422),
)
async def close_season(
    season_id: IdParam, caller: Caller, writer: Writer, settings: Settings, store: LeaderboardStore
) -> SeasonOut:
    """End a running season today (admin): from tomorrow, no season is current until the
    next one starts. A season that has not started can be removed instead; one that has
    ended already is a 409."""
    caller.require("admin")
    today = settings.today()
    season = await Season.get_or_none(id=season_id)
    if season is None:
        raise NotFound(f"There is no season {season_id}.")
    if season.ends_on < today:
        raise Conflict(f"{season.name!r} ended on {season.ends_on} already.")
    if season.starts_on > today:
        raise Conflict(
            f"{season.name!r} has not started (it starts on {season.starts_on}): change its "
            "dates, or remove it."
        )
    command = cmd.ChangeSeason(season_id, ends_on=today)
    return await _season_changed(
        await writer.submit(command, caller.actor), season_id, settings, store
    )


@delete(
    "/api/seasons/{season_id:int}",
    status_code=HTTP_204_NO_CONTENT,
    tags=["org"],
    **refusals(403, 404, 409, 422),
)
async def delete_season(
    season_id: IdParam, caller: Caller, writer: Writer, store: LeaderboardStore
) -> None:
    """Remove a season nothing was recorded in and no goal belongs to (admin); one with
    history is a 409 (close it instead)."""
    await writer.submit(cmd.RemoveSeason(season_id), caller.actor)
    await _refresh_boards(store)


async def _season_changed(
    decision: cmd.Decision, season_id: int, settings: Settings, store: LeaderboardStore
) -> SeasonOut:
    if decision.entries:  # which season is current may have changed: boards start again
        await _refresh_boards(store)
    return season_out(await Season.get(id=season_id), settings.today())


async def _refresh_boards(store: LeaderboardStore) -> None:
    """Every live board on every instance takes a fresh snapshot (its season may be
    another now)."""
    try:
        await store.announce(json.dumps({"type": "boards_refresh"}))
    except RedisError as exc:  # live boards refresh on their own within hours
        log.warning("could not announce the season change (%s)", exc)


@get("/api/seasons", tags=["org"], **refusals())
async def list_seasons(caller: Caller, settings: Settings) -> list[SeasonOut]:
    """All seasons, oldest first, marking the current one."""
    day = settings.today()
    seasons = await Season.all().order_by("starts_on")
    return [season_out(s, day) for s in seasons]


async def _policy_body() -> dict[str, Any]:
    version = await PolicyVersion.all().order_by("-id").first()
    policy = await current_policy()
    return {
        **policy.to_dict(),
        "version": version.id if version else 0,
        "updated_at": version.created_at.isoformat() if version else None,
    }


@get("/api/policy", tags=["org"], **refusals())
async def get_policy(caller: Caller) -> dict[str, Any]:
    """The scoring policy in force."""
    return await _policy_body()


@put("/api/policy", tags=["org"], **refusals(403, body=True))
async def put_policy(data: dict[str, Any], caller: Caller, writer: Writer) -> Response[Any]:
    """Change policy keys (admin); keys not sent keep their value. Applies to later entries."""
    for key in ("version", "updated_at"):
        data.pop(key, None)
    await writer.submit(cmd.ChangePolicy(data), caller.actor)
    return Response(await _policy_body())


routes = [
    create_team,
    list_teams,
    get_team,
    patch_team,
    create_member,
    list_members,
    get_member,
    patch_member,
    create_token,
    list_tokens,
    revoke_token,
    whoami,
    create_season,
    list_seasons,
    patch_season,
    close_season,
    delete_season,
    get_policy,
    put_policy,
]
