"""Badges: small achievements, each earned at most once per season.

The rules are pure: which badges an entry of a given kind may unlock for whom, and the
count each badge needs. The database adapter counts, under the write lock, and awards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .calendar import iso_week
from .entries import BadgeEarned, DealWon, Entry, KudosGiven, MentoringAwarded

if TYPE_CHECKING:
    from .commands import Ids
    from .state import State

__all__ = [
    "BADGES",
    "INVERTED_QUESTIONS",
    "LOSS_QUESTIONS",
    "Badge",
    "Step",
    "badge_candidates",
    "badge_steps",
    "badges_earned",
    "count_after",
    "is_earned",
    "weakness",
]


@dataclass(frozen=True)
class Badge:
    code: str
    title: str
    needs: int
    rule: str


BADGES: dict[str, Badge] = {
    b.code: b
    for b in (
        Badge("first-goal", "First goal", 1, "the season's first won deal"),
        Badge("hat-trick", "Hat-trick", 3, "3 won deals in one ISO week"),
        Badge("playmaker", "Playmaker", 5, "5 assists in a season"),
        Badge(
            "mentor",
            "Mentor",
            3,
            "named 'coach' in 3 kudos, or awarded mentoring points 3 times, in a season",
        ),
        Badge("student-of-the-game", "Student of the game", 3, "3 loss reviews in a season"),
        Badge("team-player", "Team player", 5, "kudos to 5 different teammates in a season"),
        Badge(
            "voice-of-the-customer",
            "Voice of the customer",
            5,
            "5 customer feedbacks collected in a season",
        ),
    )
}

# which entry kinds can unlock which badges, and for whom in the entry
_CANDIDATES: dict[str, dict[str, tuple[str, ...]]] = {
    "deal.won": {"seller": ("first-goal", "hat-trick"), "assists": ("playmaker",)},
    "kudos": {"recipient": ("mentor",), "giver": ("team-player",)},
    "mentoring": {"recipient": ("mentor",)},
    "loss.reviewed": {"seller": ("student-of-the-game",)},
    "feedback.received": {"seller": ("voice-of-the-customer",)},
}


def badge_candidates(kind: str) -> dict[str, tuple[str, ...]]:
    """For an entry kind: role in the entry (seller, assists, giver, recipient) → badges."""
    return _CANDIDATES.get(kind, {})


def is_earned(code: str, count: int) -> bool:
    """Whether ``count`` (what the badge's rule counts, this season) earns the badge."""
    return count >= BADGES[code].needs


LOSS_QUESTIONS: tuple[str, ...] = (
    "Did you gain control of the account (a trusted partner the customer shares real needs with)?",
    "Did you focus on the right decision maker?",
    "Did you have a coach inside the account?",
    "Did you make both the logical and the psychological value clear?",
    "Did you establish the customer's true motives and values?",
    'Did you identify the decision maker\'s personal "fantasy" (what they dream of gaining)?',
    "Did you take the customer's word for the truth (was the customer honest with you)?",
    "Did you notice exactly when the opportunity closed?",
    "Did you misinterpret information or misunderstand the customer?",
    "Did you follow your sales intuition (was there real forward momentum)?",
    "Did you use the right closing strategy?",
    "Should you have worked the deal at all (was it ever winnable and qualified)?",
)


# question 9 asks about a mistake ("did you misinterpret..."): there "yes" is the bad answer
INVERTED_QUESTIONS = frozenset({9})


def weakness(number: int, yes: int, partly: int, no: int) -> float:
    """How weak the team is on question ``number`` (1-based): 1 = always the bad answer,
    0 = always the good one; 'partly' counts half."""
    total = yes + partly + no
    bad = yes if number in INVERTED_QUESTIONS else no
    return round((bad + partly / 2) / total, 3) if total else 0.0


def badges_earned(entry: Entry, state: State, ids: Ids) -> tuple[BadgeEarned, ...]:
    """Badges this entry unlocks (the state is as it was before the entry); each
    (member, season, badge) is earned once."""
    earned: list[BadgeEarned] = []
    for step in badge_steps(entry, state):
        _, member_id, season, code, _ = step
        key = (member_id, season, code)
        member = state.members.get(member_id)
        if (
            member is None
            or key in state.badges
            or any((b.member_id, b.badge) == (member_id, code) for b in earned)
        ):
            continue
        if is_earned(code, count_after(state, step)):
            earned.append(
                BadgeEarned(
                    code,
                    BADGES[code].title,
                    member_id,
                    member.name,
                    member.team_id,
                    ids.take("badge"),
                )
            )
    return tuple(earned)


# -- counting: what an entry adds to each badge's counter -------------------------------
# A step is (counter key, member, season key, badge code, what to add): the same steps
# move the counters in ``evolve`` and tell ``badges_earned`` what a new entry would count.

Step = tuple[tuple[object, ...], int, int, str, object]


def _roles(entry: Entry) -> dict[str, list[int]]:
    """The members of an entry in each role the candidate table names."""
    p = entry.payload
    roles = {"seller": [entry.member_id] if entry.member_id else []}
    if isinstance(p, DealWon):
        roles["assists"] = list(p.assists)
    elif isinstance(p, KudosGiven):
        roles["recipient"], roles["giver"] = [p.to_member_id], [p.from_member_id]
    elif isinstance(p, MentoringAwarded):
        roles["recipient"] = [p.member_id]
    return roles


def _step(entry: Entry, state: State, member: int, season: int, code: str) -> Step | None:
    p = entry.payload
    if code == "hat-trick":  # counted per ISO week the deal was closed in
        return (
            (code, member, season, iso_week(entry.occurred_at, state.tz)),
            member,
            season,
            code,
            1,
        )
    if code == "mentor":  # named 'coach' in kudos, or given mentoring points
        if isinstance(p, KudosGiven):
            return (
                (("mentor-coach", member, season), member, season, code, 1)
                if (p.strength == "coach")
                else None
            )
        return (("mentor-mentoring", member, season), member, season, code, 1)
    if code == "team-player":  # distinct teammates thanked
        assert isinstance(p, KudosGiven)
        giver, to = state.members.get(member), state.members.get(p.to_member_id)
        if not (giver and to and giver.team_id == to.team_id):
            return None
        return ((code, member, season), member, season, code, p.to_member_id)
    return ((code, member, season), member, season, code, 1)


def badge_steps(entry: Entry, state: State) -> list[Step]:
    """What this entry adds to each badge's counter, for whom (by the candidate table)."""
    season = entry.season_id or 0
    roles = _roles(entry)
    steps = []
    for role, codes in badge_candidates(entry.kind).items():
        for member in roles.get(role, []):
            for code in codes:
                if (step := _step(entry, state, member, season, code)) is not None:
                    steps.append(step)
    return steps


def count_after(state: State, step: Step) -> int:
    """The badge's count for the step's member once the step is taken."""
    key, member, season, code, add = step
    if code == "team-player":
        return len(state.thanked.get((member, season), set()) | {add})
    now = state.badge_counts.get(key, 0) + int(add)  # type: ignore[call-overload]
    if code == "mentor":  # the larger of the two ways to earn it
        other = "mentor-mentoring" if key[0] == "mentor-coach" else "mentor-coach"
        return max(now, state.badge_counts.get((other, member, season), 0))
    return now
