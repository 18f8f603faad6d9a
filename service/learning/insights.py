"""What the team learns: loss-review insights, strengths named by peers, rising stars."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..boards import Boards
from ..core.achievements import LOSS_QUESTIONS, weakness
from ..core.calendar import is_newcomer, local_date
from ..core.points import from_cents
from ..core.policy import Policy
from ..core.ranking import Row, rank_all
from ..db.models import Deal, Feedback, Kudos, LossReview, Member, Mentoring, PointAward, Season
from ..db.models import Entry as LedgerEntry

__all__ = [
    "coaching_profile",
    "loss_insights",
    "most_improved",
    "newcomers",
    "pair_up",
    "strengths",
    "team_strengths",
    "who_to_ask",
]

MIN_REVIEWS = 2  # a seller's weak or strong question needs at least this many reviews
WEAK = 0.5  # a question is a seller's weak one from this weakness up
STRONG = 0.25  # a teammate is strong on it at or below this, and clearly better


def _questions(reviews: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Per loss question, from the reviews' answers: its number and text, the yes, partly
    and no counts and its weakness (``core.achievements.weakness``)."""
    counts = [{"yes": 0, "partly": 0, "no": 0} for _ in LOSS_QUESTIONS]
    for answers in reviews:
        for i, answer in enumerate(answers):
            counts[i][answer] += 1
    return [
        {
            "number": i + 1,
            "question": text,
            **c,
            "weakness": weakness(i + 1, c["yes"], c["partly"], c["no"]),
        }
        for i, (text, c) in enumerate(zip(LOSS_QUESTIONS, counts, strict=True))
    ]


async def loss_insights(team_id: int | None, season_id: int | None) -> dict[str, Any]:
    """Per question the yes/partly/no counts, weakest first, and the lessons written."""
    query = LossReview.all()
    if team_id is not None:
        query = query.filter(team_id=team_id)
    if season_id is not None:
        query = query.filter(season_id=season_id)
    reviews = await query.order_by("-id")
    questions = _questions([r.answers for r in reviews])
    questions.sort(key=lambda q: (-q["weakness"], q["number"]))
    deals = {d.id: d for d in await Deal.filter(id__in=[r.deal_id for r in reviews])}
    names = {m.id: m.name for m in await Member.filter(id__in={r.member_id for r in reviews})}
    lessons = [
        {
            "deal_id": r.deal_id,
            "member_id": r.member_id,
            "name": names.get(r.member_id),
            "customer": deals[r.deal_id].customer,
            "lesson": r.lesson,
        }
        for r in reviews
        if r.lesson
    ]
    return {"team_id": team_id, "reviews": len(reviews), "questions": questions, "lessons": lessons}


async def strengths(member_id: int, season_id: int | None) -> dict[str, int]:
    """How often peers named each strength in kudos to this member (most named first)."""
    query = Kudos.filter(recipient_id=member_id, strength__not_isnull=True)
    if season_id is not None:
        query = query.filter(entry__season_id=season_id)
    counts: dict[str, int] = {}
    for tag in await query.values_list("strength", flat=True):
        counts[str(tag)] = counts.get(str(tag), 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


async def team_strengths(team_id: int, season_id: int | None) -> dict[str, Any]:
    """For each strength, the team's members ranked by how often peers named it."""
    members = {m.id: m.name for m in await Member.filter(team_id=team_id)}
    query = Kudos.filter(recipient_id__in=list(members), strength__not_isnull=True)
    if season_id is not None:
        query = query.filter(entry__season_id=season_id)
    tally: dict[str, dict[int, int]] = {}
    for recipient, tag in await query.values_list("recipient_id", "strength"):
        by_member = tally.setdefault(str(tag), {})
        by_member[recipient] = by_member.get(recipient, 0) + 1
    out: dict[str, list[dict[str, Any]]] = {}
    for tag, by_member in sorted(tally.items()):
        ranked = sorted(by_member.items(), key=lambda kv: (-kv[1], members[kv[0]]))
        out[tag] = [{"member_id": m, "name": members[m], "count": c} for m, c in ranked]
    return {
        "team_id": team_id,
        "strengths": out,
        "leaders": {tag: rows[0] for tag, rows in out.items()},
    }


async def newcomers(
    boards: Boards, season_id: int | None, policy: Policy, today: date
) -> list[dict[str, Any]]:
    """The member board of newcomers only, re-ranked among themselves."""
    joined = {m.id: m.joined_on for m in await Member.all()}
    entries = [
        e
        for e in await boards.members(season_id)
        if is_newcomer(joined[e.member_id], today, policy.newcomer_days)
    ]
    teams = {e.member_id: e.team_id for e in entries}
    ranked = rank_all(Row(e.member_id, e.name, e.score) for e in entries)
    return [
        {
            "rank": r.rank,
            "member_id": r.row.key,
            "name": r.row.name,
            "team_id": teams[r.row.key],
            "score": r.row.score,
            "joined_on": joined[r.row.key].isoformat(),
        }
        for r in ranked
    ]


async def most_improved(
    boards: Boards, season: Season, today: date, tz: ZoneInfo, newcomer_days: int
) -> list[dict[str, Any]]:
    """Who improved most this season, each against their own past.

    - A member with earlier seasons (those that ended before this one started and after
      the member joined): points this season minus their average over those seasons
      (``basis`` "seasons").
    - A newcomer with none (within ``newcomer_days`` of joining today, or on the last
      day of a season that is over): their later days in the season against their first
      ones. From the day they could first score in it (the later of joining and the
      season's start) to today (or its end), split in two equal halves: points in the
      second half minus points in the first (``basis`` "first_weeks"). They need
      ``MIN_DAYS_TO_COMPARE`` days for that; before, the rising stars board is theirs.
    - Anyone else with none (a veteran in the first season Huddle has, or a member past
      their newcomer days) is left out: no baseline, and their first weeks were long ago.
    """
    earlier = await Season.filter(ends_on__lt=season.starts_on).order_by("starts_on")
    now = {e.member_id: e for e in await boards.members(season.id)}
    joined = {m.id: m.joined_on for m in await Member.all()}
    history = {s.id: await boards.store.member_scores(boards.store.scope(s.id)) for s in earlier}
    rows, extra = [], {}
    halves: dict[int, date] = {}  # member → the first day of their second half
    end = min(today, season.ends_on)
    for member_id, entry in now.items():
        mine = [history[s.id].get(member_id, 0) for s in earlier if s.ends_on >= joined[member_id]]
        if not mine:
            start = max(joined[member_id], season.starts_on)
            newcomer = is_newcomer(joined[member_id], end, newcomer_days)
            if newcomer and (end - start).days + 1 >= MIN_DAYS_TO_COMPARE:
                halves[member_id] = start + timedelta(days=((end - start).days + 1) // 2)
            continue
        baseline = sum(mine) / len(mine)
        gain = round(entry.score - from_cents(round(baseline)), 2)
        rows.append(Row(member_id, entry.name, gain))
        extra[member_id] = {
            "team_id": entry.team_id,
            "current": entry.score,
            "baseline": from_cents(round(baseline)),
            "seasons": len(mine),
            "basis": "seasons",
        }
    for member_id, (first, second) in (await _halves(season.id, halves, tz)).items():
        entry = now[member_id]
        rows.append(Row(member_id, entry.name, from_cents(second - first)))
        extra[member_id] = {
            "team_id": entry.team_id,
            "current": from_cents(second),
            "baseline": from_cents(first),
            "seasons": 0,
            "basis": "first_weeks",
            "since": halves[member_id].isoformat(),
        }
    return [
        {
            "rank": r.rank,
            "member_id": r.row.key,
            "name": r.row.name,
            "score": r.row.score,
            **extra[r.row.key],
        }
        for r in rank_all(rows)
    ]


MIN_DAYS_TO_COMPARE = 14  # two halves of at least a week each
# corrections count on the day of what they correct: the entry that scored it
_CORRECTIONS = ("deal.reversed", "kudos.revoked", "mentoring.revoked")


async def _halves(
    season_id: int, second_half: dict[int, date], tz: ZoneInfo
) -> dict[int, tuple[int, int]]:
    """Member → (hundredths before, from) the day in ``second_half``, in the season."""
    if not second_half:
        return {}
    awards = await PointAward.filter(
        season_id=season_id, member_id__in=list(second_half)
    ).values_list("member_id", "cents", "entry_id")
    entry_ids = {e for _, _, e in awards}
    when = dict(await LedgerEntry.filter(id__in=list(entry_ids)).values_list("id", "occurred_at"))
    corrections = await LedgerEntry.filter(
        id__in=list(entry_ids), kind__in=_CORRECTIONS
    ).values_list("id", "data")
    if corrections:
        corrected = {e: d.get("reverses") for e, d in corrections if d.get("reverses")}
        scored = dict(
            await LedgerEntry.filter(seq__in=list(set(corrected.values()))).values_list(
                "seq", "occurred_at"
            )
        )
        for entry_id, seq in corrected.items():
            if seq in scored:
                when[entry_id] = scored[seq]
    out = {m: (0, 0) for m in second_half}
    for member_id, cents, entry_id in awards:
        first, second = out[member_id]
        if local_date(when[entry_id], tz) < second_half[member_id]:
            first += cents
        else:
            second += cents
        out[member_id] = (first, second)
    return out


def pair_up(
    reviews: list[tuple[int, tuple[str, ...]]], team: dict[int, str]
) -> list[dict[str, Any]]:
    """Who to ask: from (member, answers) of loss reviews, each member of ``team`` (id →
    name) with at least MIN_REVIEWS reviews, their weakest question (weakness ≥ WEAK, the
    lowest number on a tie) and the teammate strongest on it (weakness ≤ STRONG, at least
    MIN_REVIEWS reviews, the lowest weakness, then the most reviews), or none. Members
    weakest first."""
    by_member: dict[int, list[Sequence[str]]] = {}
    for member_id, answers in reviews:
        by_member.setdefault(member_id, []).append(answers)
    total = {m: len(lists) for m, lists in by_member.items()}
    weak_of = {m: [q["weakness"] for q in _questions(lists)] for m, lists in by_member.items()}
    out: list[dict[str, Any]] = []
    for member_id, name in team.items():
        if total.get(member_id, 0) < MIN_REVIEWS:
            continue
        scores = weak_of[member_id]
        worst = max(scores)
        if worst < WEAK:
            continue
        number = scores.index(worst) + 1
        helpers = sorted(
            (weak_of[m][number - 1], -total[m], team[m], m)
            for m in team
            if m != member_id
            and total.get(m, 0) >= MIN_REVIEWS
            and weak_of[m][number - 1] <= STRONG
        )
        ask = None
        if helpers:
            score, _, helper_name, helper = helpers[0]
            ask = {
                "member_id": helper,
                "name": helper_name,
                "weakness": score,
                "reviews": total[helper],
            }
        out.append(
            {
                "member_id": member_id,
                "name": name,
                "reviews": total[member_id],
                "question": number,
                "question_text": LOSS_QUESTIONS[number - 1],
                "weakness": worst,
                "ask": ask,
            }
        )
    out.sort(key=lambda row: (-float(row["weakness"]), str(row["name"])))
    return out


async def who_to_ask(team_id: int) -> list[dict[str, Any]]:
    """``pair_up`` over the loss reviews of the team's current members (wherever each
    review was written)."""
    team = {m.id: m.name for m in await Member.filter(team_id=team_id, active=True).order_by("id")}
    reviews = await LossReview.filter(member_id__in=list(team)).values("member_id", "answers")
    return pair_up([(r["member_id"], tuple(r["answers"])) for r in reviews], team)


async def coaching_profile(member_id: int) -> dict[str, Any]:
    """What a coach (and the member) want to see beside the points, over all time: what
    customers said (count and average rating), the loss-review questions the member
    answers worst (up to three, with their counts), and mentoring points received and
    given (revoked ones left out)."""
    ratings: list[int] = [
        r["rating"] for r in await Feedback.filter(seller_id=member_id).values("rating")
    ]
    reviews = [r["answers"] for r in await LossReview.filter(member_id=member_id).values("answers")]
    questions = [q for q in _questions(reviews) if q["weakness"] > 0]
    questions.sort(key=lambda q: (-float(q["weakness"]), int(q["number"])))
    live = Mentoring.filter(revoked_seq=None)
    received = [m["cents"] for m in await live.filter(member_id=member_id).values("cents")]
    given = [m["cents"] for m in await live.filter(awarded_by_member_id=member_id).values("cents")]
    return {
        "ratings": {
            "count": len(ratings),
            "average": round(sum(ratings) / len(ratings), 2) if ratings else None,
        },
        "loss_reviews": len(reviews),
        "weakest_questions": questions[:3],
        "mentoring": {"received": from_cents(sum(received)), "given": from_cents(sum(given))},
    }
