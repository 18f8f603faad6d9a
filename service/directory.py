"""The org's directory, for one process: each member's name and team, each team's name,
nickname and colour — what a board shows beside the scores.

Read from the database once, then kept exact by the ledger's own entries
(``member.joined``, ``member.updated``, ``team.created``, ``team.updated``), which reach
every process: its own writer's before their callers are answered, the other processes'
through the live feed. So a board read or a live update needs Redis alone. It is used
only while this process's feed subscription is up, and emptied whenever it (re)connects,
since pub/sub forgets what it sent while a subscriber was away; without it every board
reads the directory from the database, as before.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .db.models import Member, Season, Team
from .inflight import InFlight
from .reads import resolve_season

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["Directory", "MemberInfo", "Seasons", "TeamInfo"]

# the entries that change the directory, as they appear in a live message
_KINDS = ('"kind":"member.joined"', '"kind":"member.updated"', '"kind":"team.')


@dataclass(frozen=True)
class MemberInfo:
    name: str
    team_id: int
    active: bool = True


@dataclass(frozen=True)
class TeamInfo:
    name: str
    nickname: str | None
    color: str | None
    archived: bool = False


Members = dict[int, MemberInfo]
Teams = dict[int, TeamInfo]


class Directory:
    def __init__(self) -> None:
        # whether the announcements reach this process (the live feed is subscribed)
        self.live: Callable[[], bool] = lambda: False
        self._members: Members | None = None
        self._teams: Teams | None = None
        self._lock = asyncio.Lock()
        self._arrived: list[dict[str, Any]] | None = None  # entries seen while loading
        self._generation = 0

    async def get(self) -> tuple[Members, Teams]:
        """Members and teams as of now (do not change what is returned)."""
        if self._members is not None and self._teams is not None and self.live():
            return self._members, self._teams
        async with self._lock:
            if self._members is not None and self._teams is not None and self.live():
                return self._members, self._teams
            generation = self._generation
            self._arrived = []
            try:
                members, teams = await _load()
                # an entry that arrived while the database was read may be in it or not:
                # its values are absolute, so applying it again is right either way
                for entry in self._arrived:
                    _apply(members, teams, entry)
            finally:
                self._arrived = None
            if self.live() and generation == self._generation:
                self._members, self._teams = members, teams
            return members, teams

    def on_messages(self, messages: Iterable[str]) -> None:
        """Live messages of ledger entries, in seq order (from the writer or the feed)."""
        for raw in messages:
            head = raw[:96]  # '{"seq":…,"kind":"…"': the kind comes second
            if any(kind in head for kind in _KINDS):
                entry = json.loads(raw)
                if self._arrived is not None:
                    self._arrived.append(entry)
                if self._members is not None and self._teams is not None:
                    _apply(self._members, self._teams, entry)

    def clear(self) -> None:
        """Forget everything (the next read loads the directory again)."""
        self._generation += 1
        self._members = self._teams = None


class Seasons:
    """The season a board's ``season`` parameter names (``current``, ``all`` or an id),
    remembered per process so a board connects without a database round trip. Forgotten
    on every season entry (created, changed, removed) and whenever the live feed
    (re)connects; the current season is looked up again when the org's day changes."""

    _KIND = '"kind":"season.'

    def __init__(self) -> None:
        self.live: Callable[[], bool] = lambda: False
        self._known: dict[object, Season | None] = {}
        self._generation = 0
        # boards connecting together with the same season share one query
        self._asking: InFlight[object, Season | None] = InFlight()

    async def resolve(self, value: str | None, settings: Settings) -> Season | None:
        key: object = ("current", settings.today()) if value in (None, "", "current") else value
        if self.live() and key in self._known:
            return self._known[key]
        return await self._asking.ask(key, lambda: self._look_up(key, value, settings))

    async def _look_up(self, key: object, value: str | None, settings: Settings) -> Season | None:
        generation = self._generation
        season = await resolve_season(value, settings)  # raises for a bad or unknown one
        if self.live() and generation == self._generation:
            if len(self._known) >= 1000:
                self._known.clear()
            self._known[key] = season
        return season

    def on_messages(self, messages: Iterable[str]) -> None:
        if any(self._KIND in raw for raw in messages):
            self.clear()

    def clear(self) -> None:
        self._generation += 1
        self._known = {}
        self._asking.clear()


async def _load() -> tuple[Members, Teams]:
    members = {
        m["id"]: MemberInfo(m["name"], m["team_id"], bool(m["active"]))
        for m in await Member.all().values("id", "name", "team_id", "active")
    }
    teams = {
        t["id"]: TeamInfo(t["name"], t["nickname"], t["color"], bool(t["archived"]))
        for t in await Team.all().values("id", "name", "nickname", "color", "archived")
    }
    return members, teams


def _apply(members: Members, teams: Teams, entry: dict[str, Any]) -> None:
    kind, data = entry.get("kind"), entry.get("data") or {}
    if kind == "member.joined":
        members[entry["member_id"]] = MemberInfo(data["name"], entry["team_id"])
    elif kind == "member.updated" and entry.get("member_id") in members:
        changes = data.get("changes") or {}
        member = members[entry["member_id"]]
        members[entry["member_id"]] = replace(
            member,
            name=changes.get("name", member.name),
            team_id=changes.get("team_id", member.team_id),
            active=changes.get("active", member.active),
        )
    elif kind == "team.created":
        teams[data["team_id"]] = TeamInfo(data["name"], data.get("nickname"), data.get("color"))
    elif kind == "team.updated" and entry.get("team_id") in teams:
        changes = data.get("changes") or {}
        team = teams[entry["team_id"]]
        teams[entry["team_id"]] = TeamInfo(
            changes.get("name", team.name),
            changes.get("nickname", team.nickname),
            changes.get("color", team.color),
            changes.get("archived", team.archived),
        )
