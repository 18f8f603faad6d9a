"""Badges: small achievements, each earned at most once per season.

The rules are pure: which badges an entry of a given kind may unlock for whom, and the
count each badge needs. The database adapter counts, under the write lock, and awards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from .calendar import iso_week
from .entries import (
    Award,
    BadgeEarned,
    BadgeRevoked,
    DealReversed,
    DealWon,
    Entry,
    KudosGiven,
    KudosRevoked,
    LossReviewed,
    MentoringAwarded,
    MentoringRevoked,
    Payload,
)

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
    "badge_changes",
    "badge_steps",
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


def badge_changes(
    entries: Sequence[Entry], state: State, ids: Ids
) -> list[tuple[int, BadgeEarned | BadgeRevoked]]:
    """The badges the entries of one decision earn, and those a correction among them
    takes away (the state is as it was before the entries), each with its season (0:
    none). Each (member, season, badge)
    is held at most once; what the entries add to each counter is summed first, so a
    correction that takes a deal back and scores it again changes nothing it should not."""
    pending: dict[tuple[str | int, ...], int] = {}
    # (member, season, badge) → whether any step adds, whether any takes back
    touched: dict[tuple[int, int, str], tuple[bool, bool]] = {}
    for entry in entries:
        for step in badge_steps(entry, state):
            pending[step.counter] = pending.get(step.counter, 0) + step.add
            key = (step.member, step.season, step.code)
            adds, takes = touched.get(key, (False, False))
            touched[key] = (adds or step.add > 0, takes or step.add < 0)
    changes: list[tuple[int, BadgeEarned | BadgeRevoked]] = []
    for (member_id, season, code), (adds, takes) in touched.items():
        member = state.members.get(member_id)
        held = (member_id, season, code) in state.badges
        if member is None or (held and not takes) or (not held and not adds):
            continue  # nothing can change
        earned = is_earned(code, _count(state, member_id, season, code, pending))
        if earned and not held:
            badge = BadgeEarned(
                code, BADGES[code].title, member_id, member.name, member.team_id, ids.take("badge")
            )
            changes.append((season, badge))
        elif held and not earned:
            title = BADGES[code].title
            changes.append(
                (season, BadgeRevoked(code, title, member_id, member.name, member.team_id))
            )
    return changes


# -- counting: what an entry adds to each badge's counter -------------------------------
# The same steps move the counters in ``evolve`` and tell ``badge_changes`` what new
# entries would count. A correction's steps are the corrected entry's, negated.


class Step(NamedTuple):
    """What one entry adds to one badge counter of one member."""

    counter: tuple[str | int, ...]  # the counter's key in the state
    member: int
    season: int
    code: str
    add: int  # +1, or -1 for what a correction takes back


def _roles(entry: Entry) -> dict[str, list[int]]:
    """The members of an entry in each role the candidate table names."""
    p = entry.payload
    roles = {"seller": [entry.member_id] if entry.member_id else []}
    if isinstance(p, DealWon):
        # an assist credited with assist points (none when the policy pays none)
        paid = {a.member_id for a in entry.awards if a.category == "assists" and a.cents > 0}
        roles["assists"] = [m for m in p.assists if m in paid]
    elif isinstance(p, KudosGiven):
        roles["recipient"], roles["giver"] = [p.to_member_id], [p.from_member_id]
    elif isinstance(p, MentoringAwarded):
        roles["recipient"] = [p.member_id]
    return roles


def _step(entry: Entry, state: State, member: int, season: int, code: str, add: int) -> Step | None:
    p = entry.payload
    if code == "hat-trick":  # counted per ISO week the deal was closed in
        week = iso_week(entry.occurred_at, state.tz)
        return Step((code, member, season, week), member, season, code, add)
    if code == "mentor":  # named 'coach' in kudos, or given mentoring points
        if isinstance(p, KudosGiven):
            if p.strength != "coach":
                return None
            return Step(("mentor-coach", member, season), member, season, code, add)
        return Step(("mentor-mentoring", member, season), member, season, code, add)
    if code == "team-player":  # distinct teammates thanked: one counter per teammate
        assert isinstance(p, KudosGiven)
        giver, to = state.members.get(member), state.members.get(p.to_member_id)
        if not (giver and to and giver.team_id == to.team_id):
            return None
        return Step((code, member, season, p.to_member_id), member, season, code, add)
    return Step((code, member, season), member, season, code, add)


# the corrections whose steps are the corrected entry's, negated (a tuple: isinstance
# with one is faster than with a union, and this is asked of every entry twice)
_CORRECTIONS = (DealReversed, KudosRevoked, MentoringRevoked)


def badge_steps(entry: Entry, state: State) -> list[Step]:
    """What this entry adds to each badge's counter, for whom (by the candidate table);
    a correction takes back the steps of what it corrects."""
    if isinstance(entry.payload, _CORRECTIONS):
        taken_back = _taken_back(entry)
        return [s._replace(add=-s.add) for e in taken_back for s in badge_steps(e, state)]
    candidates = badge_candidates(entry.kind)
    if not candidates:  # most entries (an activity, a lost deal): no badge counts them
        return []
    season = entry.season_id or 0
    roles = _roles(entry)
    steps = []
    for role, codes in candidates.items():
        for member in roles.get(role, []):
            for code in codes:
                if (step := _step(entry, state, member, season, code, 1)) is not None:
                    steps.append(step)
    return steps


def _taken_back(entry: Entry) -> list[Entry]:
    """The entries a correction takes back, rebuilt from its payload (as far as badges
    count them: who, when, which season)."""
    p = entry.payload
    if isinstance(p, DealReversed):
        found = []
        if p.outcome == "won":
            won = DealWon(p.amount, p.customer, list(p.assists), p.external_id, p.deal_id)
            # the assist points it takes back say which assists were paid
            paid = tuple(
                Award(a.member_id, a.team_id, a.category, -a.cents)
                for a in entry.awards
                if a.category == "assists"
            )
            found.append(_like(entry, won, p.seller_id, p.closed_at, paid))
        if p.review:
            review = LossReviewed(p.deal_id, p.customer)
            found.append(_like(entry, review, p.seller_id, p.closed_at))
        return found
    if isinstance(p, KudosRevoked):
        kudos = KudosGiven(p.from_member_id, p.to_member_id, p.points, "", p.strength)
        return [_like(entry, kudos, p.from_member_id, entry.occurred_at)]
    if isinstance(p, MentoringRevoked):
        mentoring = MentoringAwarded(p.member_id, p.points, "", p.awarded_by_member_id)
        return [_like(entry, mentoring, p.member_id, entry.occurred_at)]
    return []


def _like(
    entry: Entry,
    payload: Payload,
    member_id: int,
    occurred_at: datetime,
    awards: tuple[Award, ...] = (),
) -> Entry:
    return Entry(
        seq=entry.seq,
        occurred_at=occurred_at,
        recorded_at=entry.recorded_at,
        week=entry.week,
        actor=entry.actor,
        policy_id=entry.policy_id,
        payload=payload,
        member_id=member_id,
        season_id=entry.season_id,
        awards=awards,
    )


def _count(
    state: State,
    member: int,
    season: int,
    code: str,
    pending: dict[tuple[str | int, ...], int],
) -> int:
    """The badge's count for a member and season, with the ``pending`` steps taken."""

    def value(key: tuple[str | int, ...]) -> int:
        return state.badge_counts.get(key, 0) + pending.get(key, 0)

    part = (code, member, season)
    if code == "mentor":  # the larger of the two ways to earn it
        return max(value(("mentor-coach", *part[1:])), value(("mentor-mentoring", *part[1:])))
    if code == "team-player":  # a counter per teammate: how many were thanked
        thanked = set(state.thanked.get((member, season), ()))
        for key in pending:
            if key[:3] == part:
                (thanked.add if value(key) > 0 else thanked.discard)(key[3])  # type: ignore[arg-type]
        return len(thanked)
    if code == "hat-trick":  # a counter per week: the best week
        keys = {k for k in pending if k[:3] == part}
        if any(pending[k] < 0 for k in keys):  # a correction: every week counts
            keys |= {k for k in state.badge_counts if k[:3] == part}
        return max((value(k) for k in keys), default=0)
    return value(part)
