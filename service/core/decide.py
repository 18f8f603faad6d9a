"""``decide``: the one entry point from a command to the entries it appends.

Each command has its decider (deals in ``core.deals``, kudos and mentoring in
``core.peers``, reviews, stories and feedback in ``core.learning``, the organisation in
``core.org``). A decider checks who may do it and every rule against the state, and
returns the entries with their awards, or raises a ``HuddleError`` that says why not.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from msgspec import Struct

from ..errors import Forbidden, Invalid
from . import (
    activities,
    challenges,
    contests,
    corrections,
    crm,
    deals,
    learning,
    org,
    peers,
    rewards,
    settlement,
)
from .achievements import badge_changes
from .commands import (
    AllowanceLeft,
    AnswerChallenge,
    AnswerFeedback,
    AwardMentoring,
    CancelContest,
    ChangeGoal,
    ChangePolicy,
    ChangeReward,
    ChangeSeason,
    Command,
    ContestsRead,
    Context,
    CorrectDeal,
    CreateContest,
    CreateMember,
    CreateReward,
    CreateSeason,
    CreateTeam,
    Decider,
    DecideRedemption,
    Decision,
    DefineMetric,
    GiveKudos,
    ImprovementProgress,
    IssueChallenge,
    PostStory,
    RecordActivity,
    RecordDeal,
    Redeem,
    RemoveGoal,
    RemoveSeason,
    ReverseDeal,
    ReviewLoss,
    RevokeKudos,
    RevokeMentoring,
    SetChallengeCap,
    SetGoal,
    SetRewardBudget,
    SettleContests,
    SyncActivity,
    SyncDeal,
    UpdateMember,
    UpdateTeam,
    WalletOf,
)
from .entries import Actor
from .improvement import improvement_changes
from .state import State

__all__ = ["check_text", "decide"]

_DECIDERS: dict[type, Decider] = {
    RecordDeal: deals.decide_deal,
    DefineMetric: activities.decide_metric,
    RecordActivity: activities.decide_activity,
    ReverseDeal: corrections.decide_reversal,
    CorrectDeal: corrections.decide_correction,
    RevokeKudos: corrections.decide_revocation,
    RevokeMentoring: corrections.decide_revocation,
    SetGoal: deals.decide_goal,
    ChangeGoal: deals.decide_goal_change,
    RemoveGoal: deals.decide_goal_removal,
    GiveKudos: peers.decide_kudos,
    AwardMentoring: peers.decide_mentoring,
    ReviewLoss: learning.decide_review,
    PostStory: learning.decide_story,
    AnswerFeedback: learning.decide_feedback,
    CreateTeam: org.decide_team,
    UpdateTeam: org.decide_team_update,
    CreateMember: org.decide_member,
    UpdateMember: org.decide_member_update,
    CreateSeason: org.decide_season,
    ChangeSeason: org.decide_season_change,
    RemoveSeason: org.decide_season_removal,
    ChangePolicy: org.decide_policy,
    AllowanceLeft: peers.decide_allowance,
    ImprovementProgress: learning.decide_progress,
    SyncDeal: crm.decide_crm_deal,
    SyncActivity: crm.decide_crm_activity,
    CreateReward: rewards.decide_reward,
    ChangeReward: rewards.decide_reward_change,
    Redeem: rewards.decide_redeem,
    DecideRedemption: rewards.decide_redemption,
    SetRewardBudget: rewards.decide_budget,
    WalletOf: rewards.decide_wallet,
    CreateContest: contests.decide_contest,
    CancelContest: settlement.decide_cancel,
    IssueChallenge: challenges.decide_challenge,
    AnswerChallenge: challenges.decide_answer,
    SettleContests: settlement.decide_settle,
    ContestsRead: contests.decide_contests_read,
    SetChallengeCap: challenges.decide_challenge_cap,
}


MAX_EXTERNAL_ID = 200  # characters, as the ledger's columns hold

# commands that only read: a member who left may still see what is theirs
_READS = frozenset({AllowanceLeft, WalletOf, ImprovementProgress, ContestsRead})


def _still_here(actor: Actor, state: State) -> None:
    """A seller or manager who has left records nothing more, whatever their token (it
    may still be valid): no mentoring, story, review, challenge, redemption, goal..."""
    if state.has_left(actor.member_id):
        name = state.members[actor.member_id or 0].name
        raise Forbidden(f"{name} has left the team: this token records nothing more.")


# control characters other than tab and line breaks: never meant, often an attack, and
# PostgreSQL refuses NUL in text outright (which would fail the whole batch's insert)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# values that hold no text (None among them): skipped at a glance
_PLAIN = frozenset({type(None), bool, int, float, date, datetime, Decimal})


def check_text(value: object, field: str) -> None:
    """Refuse text anywhere in a command (nested in lists and changes too) that holds a
    control character; ``field`` names where it was."""
    if isinstance(value, str):
        if found := _CONTROL.search(value):
            raise Invalid(
                f"{field} contains a control character (U+{ord(found.group()):04X}); "
                "remove it and send plain text.",
                field=field,
            )
    elif isinstance(value, Struct):
        for name in value.__struct_fields__:
            item = getattr(value, name)
            kind = type(item)
            if kind in _PLAIN or (kind is str and not _CONTROL.search(item)):
                continue  # most fields: nothing (more) to look at
            check_text(item, name if field == "command" else f"{field}.{name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, field)
            check_text(item, f"{field}.{key}" if field != "command" else str(key))
    elif isinstance(value, list | tuple):
        for item in value:
            if isinstance(item, str | Struct | dict | list | tuple):
                check_text(item, field)


def decide(command: Command, actor: Actor, state: State, ctx: Context) -> Decision:
    """Decide one command against the state; the badges its entries earn, or a correction
    takes away, are added here (each to the last entry of the badge's season), and so
    are improvement bonuses paid or taken back (to the last entry that moved the week),
    and the settlement of a race the entries finish (numbered after them)."""
    if id(command) not in ctx.plain:
        check_text(command, "command")
    if actor.role in ("seller", "manager") and type(command) not in _READS:
        _still_here(actor, state)
    external_id = getattr(command, "external_id", None)
    if isinstance(external_id, str) and len(external_id) > MAX_EXTERNAL_ID:
        # the ledger keeps 200 characters: a longer id would fail the batch's insert
        raise Invalid(
            f"external_id must be at most {MAX_EXTERNAL_ID} characters long.", field="external_id"
        )
    decision = _DECIDERS[type(command)](command, actor, state, ctx)
    entries = decision.entries
    if not entries:
        return decision
    for season, badge in badge_changes(entries, state, ctx.ids):
        entry = next((e for e in reversed(entries) if (e.season_id or 0) == season), entries[-1])
        entry.events = (*entry.events, badge)
    for entry, event, award in improvement_changes(entries, state):
        entry.events = (*entry.events, event)
        entry.awards = (*entry.awards, award)
        if award.member_id not in entry.names:
            entry.names = {**entry.names, award.member_id: event.name}
    if state.open_contests:  # a race these entries finish ends with them
        decision.finishes = settlement.race_finishes(entries, state, ctx)
    return decision
