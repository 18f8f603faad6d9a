"""``decide``: the one entry point from a command to the entries it appends.

Each command has its decider (deals in ``core.deals``, kudos and mentoring in
``core.peers``, reviews, stories and feedback in ``core.learning``, the organisation in
``core.org``). A decider checks who may do it and every rule against the state, and
returns the entries with their awards, or raises a ``HuddleError`` that says why not.
"""

from __future__ import annotations

from . import deals, learning, org, peers
from .achievements import badges_earned
from .commands import (
    AllowanceLeft,
    AnswerFeedback,
    AwardMentoring,
    ChangePolicy,
    Command,
    Context,
    CreateMember,
    CreateSeason,
    CreateTeam,
    Decider,
    Decision,
    GiveKudos,
    PostStory,
    RecordDeal,
    ReviewLoss,
    SetGoal,
    UpdateMember,
    UpdateTeam,
)
from .entries import Actor
from .state import State

__all__ = ["decide"]

_DECIDERS: dict[type, Decider] = {
    RecordDeal: deals.decide_deal,
    SetGoal: deals.decide_goal,
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
    ChangePolicy: org.decide_policy,
    AllowanceLeft: peers.decide_allowance,
}


def decide(command: Command, actor: Actor, state: State, ctx: Context) -> Decision:
    """Decide one command against the state; badges the entries unlock are added here."""
    decision = _DECIDERS[type(command)](command, actor, state, ctx)
    for entry in decision.entries:
        badges = badges_earned(entry, state, ctx.ids)
        if badges:
            entry.events = (*entry.events, *badges)
    return decision
