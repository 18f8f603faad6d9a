"""A working demo: three teams with nicknames, a season, goals and two weeks of history,
all recorded through the same write path as real use."""

from __future__ import annotations

import contextlib
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from .actions import org, peers
from .actions.deals import DealRequest, record_deal
from .actions.goals import create_goal
from .auth import Caller, hash_token, new_token
from .db.models import Entry, Member, Team, Token
from .errors import HuddleError
from .ledger import Ledger
from .settings import Settings

__all__ = ["print_welcome", "seed_demo"]

TEAMS = [
    ("Oslo", "The Vikings", "#c8102e", ["Ingrid Berg", "Ola Nordmann", "Kari Hansen", "Jonas Lie"]),
    (
        "Stockholm",
        "The Gunners",
        "#0a5ca8",
        ["Astrid Lind", "Erik Svensson", "Maja Holm", "Lars Ek"],
    ),
    ("Bergen", "The Rainmakers", "#2e8b57", ["Sigrid Dahl", "Henrik Moe", "Nora Vik", "Emil Aas"]),
]
CUSTOMERS = [
    "Equinor",
    "Telenor",
    "DNB",
    "Volvo",
    "Spotify",
    "IKEA",
    "Orkla",
    "Schibsted",
    "Ericsson",
    "H&M",
    "Kahoot!",
    "Vipps",
    "Norwegian",
    "Storebrand",
]
THANKS = [
    "Thanks for the demo prep!",
    "Great call notes, saved my meeting.",
    "You untangled the pricing for me.",
    "Perfect intro to their CFO.",
    "Thanks for covering my follow-ups.",
]
STRENGTHS = ["communicator", "big-picture", "closer", "coach", "product-expert", "listener"]


def _tokens_file(settings: Settings) -> Path:
    return settings.data_dir / "demo-tokens.json"


async def seed_demo(ledger: Ledger, settings: Settings, only_if_empty: bool = False) -> int:
    if await Entry.exists():
        if only_if_empty:
            print("demo: data already present, nothing seeded", file=sys.stderr)
            return 0
        print("demo: refusing to seed into a database that already has data", file=sys.stderr)
        return 1
    rng = random.Random(2026)
    admin = Caller(role="admin", name="demo")
    today = datetime.now(settings.tz).date()
    quarter = (today.month - 1) // 3
    start = date(today.year, quarter * 3 + 1, 1)
    end = date(today.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    season = await org.create_season(ledger, admin, f"Q{quarter + 1} {today.year}", start, end)
    teams: list[tuple[Team, list[Member]]] = []
    for name, nickname, color, people in TEAMS:
        team = await org.create_team(ledger, admin, name, nickname, color)
        members = []
        for i, person in enumerate(people):
            joined = today - timedelta(days=30 if (name, i) == ("Oslo", 3) else 400 + 37 * i)
            email = person.lower().replace(" ", ".") + "@example.com"
            req = org.MemberRequest(
                person, team.id, "manager" if i == 0 else "seller", email, joined
            )
            members.append(await org.create_member(ledger, admin, req))
        teams.append((team, members))
        print(f"demo: team {name} ({nickname}) with {len(members)} members", file=sys.stderr)
    for team, members in teams:
        sellers = members[1:]
        await create_goal(
            ledger,
            admin,
            team.id,
            season.id,
            "revenue",
            900_000,
            [(m.id, 300_000) for m in sellers],
        )
    everyone = [m for _, ms in teams for m in ms]
    await _history(ledger, teams, everyone, rng)
    tokens = await _demo_tokens(teams)
    path = _tokens_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tokens, indent=2))
    path.chmod(0o600)
    print(f"demo: seeded; tokens saved in {path}", file=sys.stderr)
    return 0


async def _history(
    ledger: Ledger,
    teams: list[tuple[Team, list[Member]]],
    everyone: list[Member],
    rng: random.Random,
) -> None:
    now = datetime.now(UTC)
    integration = Caller(role="integration", name="demo CRM")
    steps = 40
    for step in range(steps):
        _team, members = rng.choice(teams)
        seller = rng.choice(members[1:])
        when = now - timedelta(days=14) + timedelta(hours=step * 8 + rng.randint(0, 5))
        won = rng.random() < 0.7
        teammates = [m.id for m in members if m.id != seller.id]
        assists = tuple(rng.sample(teammates, k=rng.choice([0, 0, 1, 2])))
        amount = rng.choice([8_000, 15_000, 25_000, 40_000, 60_000, 120_000])
        req = DealRequest(
            seller.id,
            "won" if won else "lost",
            amount,
            rng.choice(CUSTOMERS),
            assists,
            f"demo-{step}",
            min(when, now),
        )
        await record_deal(ledger, integration, req)
        _bar(step + 1, steps)
    for giver in everyone:
        recipient = rng.choice([m for m in everyone if m.id != giver.id])
        caller = Caller(role=giver.role, member_id=giver.id, team_id=giver.team_id, name=giver.name)
        with contextlib.suppress(HuddleError):
            await peers.give_kudos(
                ledger,
                caller,
                peers.KudosRequest(
                    recipient.id, rng.choice([2, 3, 4]), rng.choice(THANKS), rng.choice(STRENGTHS)
                ),
            )
    for _team, members in teams:
        manager = members[0]
        caller = Caller(
            role="manager", member_id=manager.id, team_id=manager.team_id, name=manager.name
        )
        await peers.award_mentoring(
            ledger,
            caller,
            peers.MentoringRequest(
                rng.choice(members[1:]).id, 10, "Ran a discovery-call clinic for the newer sellers"
            ),
        )


def _bar(done: int, total: int) -> None:
    filled = 30 * done // total
    sys.stderr.write(
        f"\rdemo: two weeks of history [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
    )
    if done == total:
        sys.stderr.write("\n")


async def _demo_tokens(teams: list[tuple[Team, list[Member]]]) -> dict[str, Any]:
    async def make(role: str, label: str, member: Member | None = None) -> str:
        secret = new_token()
        await Token.create(
            token_hash=hash_token(secret),
            role=role,
            label=label,
            member_id=member.id if member else None,
        )
        return secret

    _, oslo = teams[0]
    return {
        "admin": await make("admin", "demo admin"),
        "display": await make("display", "demo office TV"),
        "manager": {"name": oslo[0].name, "token": await make("manager", oslo[0].name, oslo[0])},
        "seller": {"name": oslo[1].name, "token": await make("seller", oslo[1].name, oslo[1])},
    }


def print_welcome(settings: Settings, host: str, port: int) -> None:
    """Print the admin token and the board URLs of the demo, if one was seeded."""
    path = _tokens_file(settings)
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    lines = ["", f"Huddle is starting on {base}", f"  API docs:      {base}/schema"]
    if path.exists():
        tokens = json.loads(path.read_text())
        lines += [
            f"  Admin token:   {tokens['admin']}",
            f"  Office TV:     {base}/tv?token={tokens['display']}",
            f"  Seller board:  {base}/board?token={tokens['seller']['token']}"
            f"   ({tokens['seller']['name']})",
            f"  Manager view:  {base}/manage?token={tokens['manager']['token']}"
            f"   ({tokens['manager']['name']})",
            f"  (tokens are kept in {path})",
        ]
    elif settings.admin_token:
        lines.append("  Admin token:   the value of HUDDLE_ADMIN_TOKEN")
    print("\n".join(lines) + "\n", flush=True)
