"""A working demo: three teams with nicknames, a season, goals and six weeks of history,
all recorded through the same write path as real use."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .auth import hash_token, new_token
from .core import commands as cmd
from .core.achievements import LOSS_QUESTIONS
from .core.entries import Actor, DealLost, DealWon
from .core.learning import ANSWERS
from .db.models import Entry, Member, Team, Token
from .engine.writer import Writer
from .errors import HuddleError
from .settings import Settings
from .welcome import tokens_file

__all__ = ["seed_demo"]

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
# activity metrics a sales team counts besides deals
METRICS = [
    cmd.DefineMetric("calls", "Calls made", 1, 10),
    cmd.DefineMetric("meetings", "Meetings booked", 5, 20),
]
THANKS = [
    "Thanks for the demo prep!",
    "Great call notes, saved my meeting.",
    "You untangled the pricing for me.",
    "Perfect intro to their CFO.",
    "Thanks for covering my follow-ups.",
]
STRENGTHS = ["communicator", "big-picture", "closer", "coach", "product-expert", "listener"]
# what sellers wrote after a lost deal (a loss review's lesson) and how a won one was won
LESSONS = [
    "We never met the person who signs; ask for them in the second meeting.",
    "Our price came too early: show the value before the number.",
    "They had no deadline. Find the event that makes them buy this quarter.",
    "The competitor ran a trial; offer ours before they ask.",
]
STORIES = [
    "Brought their ops lead to our reference customer; the visit closed it.",
    "Rebuilt the proposal around their own numbers from the discovery call.",
    "Found the budget owner through a teammate's intro and kept them in every meeting.",
    "A two-week pilot with a clear yes/no goal; they signed the day it ended.",
]


async def seed_demo(writer: Writer, settings: Settings, only_if_empty: bool = False) -> int:
    if await Entry.exists():
        if only_if_empty:
            print("demo: data already present, nothing seeded", file=sys.stderr)
            return 0
        print("demo: refusing to seed into a database that already has data", file=sys.stderr)
        return 1
    rng = random.Random(2026)
    admin = Actor("admin")
    today = datetime.now(settings.tz).date()
    quarter = (today.month - 1) // 3
    start = date(today.year, quarter * 3 + 1, 1)
    end = date(today.year + (quarter == 3), (quarter * 3 + 3) % 12 + 1, 1) - timedelta(days=1)
    season = (
        await writer.submit(cmd.CreateSeason(f"Q{quarter + 1} {today.year}", start, end), admin)
    ).entries[0]
    season_id = season.payload.season_id  # type: ignore[union-attr]
    teams: list[tuple[Team, list[Member]]] = []
    for name, nickname, color, people in TEAMS:
        created = await writer.submit(cmd.CreateTeam(name, nickname, color), admin)
        team = await Team.get(id=created.entries[0].team_id)
        members = []
        for i, person in enumerate(people):
            joined = today - timedelta(days=30 if (name, i) == ("Oslo", 3) else 400 + 37 * i)
            email = person.lower().replace(" ", ".") + "@example.com"
            role = "manager" if i == 0 else "seller"
            joined_member = await writer.submit(
                cmd.CreateMember(person, team.id, role, email, joined), admin
            )
            members.append(await Member.get(id=joined_member.entries[0].member_id))
        teams.append((team, members))
        print(f"demo: team {name} ({nickname}) with {len(members)} members", file=sys.stderr)
    for team, members in teams:
        sellers = members[1:]
        targets = tuple((m.id, 300_000.0) for m in sellers)
        await writer.submit(cmd.SetGoal(team.id, season_id, "revenue", 900_000, targets), admin)
    everyone = [m for _, ms in teams for m in ms]
    for metric in METRICS:
        await writer.submit(metric, admin)
    await _history(writer, teams, everyone, rng)
    await _activities(writer, teams, rng)
    await _contests(writer, settings, teams)
    tokens = await _demo_tokens(teams)
    path = tokens_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(tokens, indent=2))
    path.chmod(0o600)
    print(f"demo: seeded; tokens saved in {path}", file=sys.stderr)
    return 0


async def _contests(
    writer: Writer, settings: Settings, teams: list[tuple[Team, list[Member]]]
) -> None:
    """This week's meetings, team against team this month, the most improved this
    month: each renewing itself, counting the history seeded above."""
    from .api.contests import count_recorded
    from .core.calendar import monday

    tz = settings.tz
    today = datetime.now(tz).date()
    week = datetime.combine(monday(today), datetime.min.time(), tzinfo=tz)
    month = datetime.combine(today.replace(day=1), datetime.min.time(), tzinfo=tz)
    next_month = datetime.combine(
        (today.replace(day=28) + timedelta(days=4)).replace(day=1), datetime.min.time(), tzinfo=tz
    )
    (first, _), (second, _) = teams[0], teams[1]
    places = ({"coins": 100, "description": "Lunch on the boss"}, {"coins": 50}, {"coins": 25})
    contests = [
        cmd.CreateContest(
            "Meetings booked this week",
            "ranking",
            "activity:meetings",
            week,
            week + timedelta(days=7),
            prizes=places,
            recurrence="weekly",
        ),
        cmd.CreateContest(
            f"{first.name} vs {second.name}: revenue this month",
            "head_to_head",
            "revenue",
            month,
            next_month,
            sides=(
                {"name": first.name, "team_ids": [first.id]},
                {"name": second.name, "team_ids": [second.id]},
            ),
            prizes=({"coins": 40, "description": "Breakfast for the team"},),
            recurrence="monthly",
        ),
        cmd.CreateContest(
            "Most improved this month",
            "improvement",
            "points",
            month,
            next_month,
            prizes=({"coins": 150},),
            min_score=20,
            recurrence="monthly",
        ),
    ]
    for contest in contests:
        await writer.submit(await count_recorded(contest), Actor("admin"))
    print(f"demo: {len(contests)} contests running", file=sys.stderr)


async def _history(
    writer: Writer,
    teams: list[tuple[Team, list[Member]]],
    everyone: list[Member],
    rng: random.Random,
) -> None:
    """Six weeks of deals, one every ten hours or so (the month before this one is the
    baseline of "most improved"); the older ones' loss reviews and win stories; then kudos
    and mentoring."""
    now = datetime.now(UTC)
    integration = Actor("integration")
    steps = 100
    older: list[tuple[int, Member, bool]] = []
    for step in range(steps):
        when = now - timedelta(days=42) + timedelta(hours=step * 10 + rng.randint(0, 5))
        _team, members = rng.choice(teams)
        # a seller closes deals from the day they joined
        seller = rng.choice([m for m in members[1:] if m.joined_on <= when.date()])
        won = rng.random() < 0.7
        teammates = [m.id for m in members if m.id != seller.id]
        assists = tuple(rng.sample(teammates, k=rng.choice([0, 0, 1, 2])))
        amount = rng.choice([8_000, 15_000, 25_000, 40_000, 60_000, 120_000])
        deal = cmd.RecordDeal(
            seller.id,
            "won" if won else "lost",
            amount,
            rng.choice(CUSTOMERS),
            assists,
            f"demo-{step}",
            min(when, now),
        )
        payload = (await writer.submit(deal, integration)).entries[0].payload
        if when < now - timedelta(days=10) and isinstance(payload, DealWon | DealLost):
            older.append((payload.deal_id or 0, seller, won))
        _bar(step + 1, steps)
    # deals older than ten days: most losses reviewed, most wins' stories told
    for deal_id, seller, won in older:
        actor = Actor(seller.role, member_id=seller.id)
        if won and rng.random() < 0.7:
            await writer.submit(cmd.PostStory(deal_id, rng.choice(STORIES)), actor)
        elif not won and rng.random() < 0.8:
            answers = tuple(rng.choices(ANSWERS, weights=(5, 3, 2), k=len(LOSS_QUESTIONS)))
            lesson = rng.choice(LESSONS) if rng.random() < 0.6 else None
            await writer.submit(cmd.ReviewLoss(deal_id, answers, lesson), actor)
    for giver in everyone:
        recipient = rng.choice([m for m in everyone if m.id != giver.id])
        kudos = cmd.GiveKudos(
            recipient.id, rng.choice([2, 3, 4]), rng.choice(THANKS), rng.choice(STRENGTHS)
        )
        with contextlib.suppress(HuddleError):
            await writer.submit(kudos, Actor(giver.role, member_id=giver.id))
    for _team, members in teams:
        manager = members[0]
        note = "Ran a discovery-call clinic for the newer sellers"
        mentoring = cmd.AwardMentoring(rng.choice(members[1:]).id, 10, note)
        await writer.submit(mentoring, Actor("manager", member_id=manager.id))


async def _activities(
    writer: Writer, teams: list[tuple[Team, list[Member]]], rng: random.Random
) -> None:
    """Two weeks of calls and meetings per seller, on working days, in one batch each
    (the writer decides them together, as an import would)."""
    now = datetime.now(UTC)
    integration = Actor("integration")
    logged = []
    for _team, members in teams:
        for seller in members[1:]:
            for back in range(14, 0, -1):
                day = now - timedelta(days=back)
                if day.weekday() >= 5:
                    continue
                at = day.replace(hour=9, minute=0, second=0, microsecond=0)
                calls = cmd.RecordActivity("calls", seller.id, None, rng.randint(4, 14), at)
                logged.append(writer.submit(calls, integration))
                if rng.random() < 0.6:
                    meetings = cmd.RecordActivity(
                        "meetings", seller.id, None, rng.randint(1, 3), at + timedelta(hours=4)
                    )
                    logged.append(writer.submit(meetings, integration))
    await asyncio.gather(*logged)
    print(f"demo: calls and meetings logged ({len(logged)} entries)", file=sys.stderr)


def _bar(done: int, total: int) -> None:
    filled = 30 * done // total
    sys.stderr.write(
        f"\rdemo: six weeks of history [{'#' * filled}{'.' * (30 - filled)}] {done}/{total}"
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
