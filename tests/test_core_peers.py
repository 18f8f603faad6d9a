"""Peer points attacked the way colluding sellers would farm them: kudos split, paired,
passed round rings of three, four and seven, across week boundaries, through managers
and other teams; mentoring between managers and by people who left; allowances and caps
when the policy or a revocation moves them; and whether refusals and the allowance read
tell the truth. Pure core (the Org helper of test_core_decide), no I/O.

Tests marked xfail state the documented rule the code breaks; unmarked tests that say
"not limited" or "no ... limit" pin a hole the docs do not promise to close (its size in a
comment).
Weeks: NOW is Wednesday 18 November 2026 (2026-W47); week n is NOW + n weeks."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from service.api.peers import _weekly_left
from service.core.commands import (
    AllowanceLeft,
    AwardMentoring,
    ChangePolicy,
    Decision,
    GiftRef,
    GiveKudos,
    RevokeKudos,
    RevokeMentoring,
    UpdateMember,
)
from service.core.entries import Actor, Entry, KudosGiven, MentoringAwarded
from service.errors import HuddleError, Invalid, LimitReached
from tests.test_core_decide import NOW, TZ, Org, cents, manager_actor, seller_actor


def week(org: Org, n: int) -> Org:
    """Move the clock to the Wednesday of week ``n`` after NOW's."""
    org.ctx.now = NOW + timedelta(weeks=n)
    return org


def give(org: Org, giver: int, to: int, points: float, actor: Actor | None = None) -> Decision:
    return org.decide(GiveKudos(to, points, "thanks"), actor or seller_actor(giver))


def refused(org: Org, giver: int, to: int, points: float) -> HuddleError:
    error = org.refuse(LimitReached, GiveKudos(to, points, "thanks"), seller_actor(giver))
    assert isinstance(error, HuddleError)
    return error


def received(org: Org, member: int, category: str = "help") -> int:
    """Hundredths of ``category`` points the member got over every entry so far."""
    return sum(cents(e).get((member, category), 0) for e in org.entries)


def kudos_left(org: Org, member: int) -> int | None:
    return org.decide(AllowanceLeft("kudos"), seller_actor(member)).remaining


def gift_ref(entry: Entry, giver: int | None) -> GiftRef:
    """What a revocation looks up about recorded kudos or mentoring."""
    p = entry.payload
    assert isinstance(p, KudosGiven | MentoringAwarded) and entry.member_id is not None
    gift_id = p.kudos_id if isinstance(p, KudosGiven) else p.mentoring_id
    points = sum(a.cents for a in entry.awards)
    awards = list(entry.awards)
    return GiftRef(
        gift_id or 0, entry.seq, giver, entry.member_id, points, entry.week, None, awards=awards
    )


# -- holes the docs do not promise to close ----------------------------------------------------


def test_a_ring_of_four_is_not_limited():
    """Only rings of three are limited: a ring of four passes 5 a link, 3 back, week after week."""
    # size: 32 points a week, 20 in every fourth (swap rule): ~29 a week for 4 people, for ever
    org = Org()
    _, ring = org.squad(4)
    links = list(zip(ring, ring[1:] + ring[:1], strict=True))
    for n in range(8):
        week(org, n)
        for a, b in links:
            give(org, a, b, 5)
        for a, b in links:
            if n % 4 == 3:  # thanked both ways in each of the last 3 weeks: one way only
                refused(org, b, a, 3)
            else:
                give(org, b, a, 3)
    assert [received(org, m) for m in ring] == [(6 * 8 + 2 * 5) * 100] * 4  # 29 a week for 4


def test_seven_colleagues_each_thanking_the_next_two_never_meet_a_limit():
    """Seven colleagues each thanking the next two with 5 a week never meet a limit."""
    # size: 70 points a week for 7 people, 10 each (the whole allowance), for ever
    org = Org()
    _, group = org.squad(7)
    for n in range(6):
        week(org, n)
        for i, giver in enumerate(group):
            give(org, giver, group[(i + 1) % 7], 5)
            give(org, giver, group[(i + 2) % 7], 5)
        assert all(kudos_left(org, m) == 0 for m in group)
    assert [received(org, m) for m in group] == [6 * 1000] * 7


def test_a_ring_of_three_still_passes_22_points_a_fortnight():
    """Only a ring's closing gift is held to 3 a link: a ring of three passes 22 a fortnight."""
    # size: 5 + 5 + 3 one way, 3 + 3 + 3 back = 22 a fortnight (3 a link would be 18)
    org = Org()
    _, (a, b, c) = org.squad(3)
    for n in (0, 2, 4):
        week(org, n)
        give(org, a, b, 5)
        give(org, b, c, 5)
        give(org, c, a, 3)  # closes the ring: at most 3
        for giver, to in ((a, c), (c, b), (b, a)):  # the ring the other way, 3 a link
            give(org, giver, to, 3)
        week(org, n + 1)
        for giver, to in ((a, b), (b, c), (c, a), (a, c), (c, b), (b, a)):
            refused(org, giver, to, 1)
    assert received(org, a) + received(org, b) + received(org, c) == 3 * 2200


def test_co_managers_mentor_each_other_with_their_whole_budgets():
    """Mentoring has no pair limit: two managers of a team award each other their whole budget."""
    # size: 100 points a week for the pair (50 each), for ever
    org = Org()
    team, (seller,) = org.squad(1)
    one, two = org.member(team, "manager"), org.member(team, "manager")
    for n in range(2):
        week(org, n)
        for giver, to in ((one, two), (two, one)):
            for points in (20, 20, 10):
                org.decide(AwardMentoring(to, points, "coaching"), manager_actor(giver))
            org.refuse(LimitReached, AwardMentoring(seller, 1, "x"), manager_actor(giver))
    assert received(org, one, "mentoring") == received(org, two, "mentoring") == 10_000


# -- the documented rules, attacked ------------------------------------------------------------


def test_small_gifts_add_up_on_the_cap_and_on_a_ring_link():
    """Many small gifts count as their sum on the recipient cap and on a ring link."""
    org = Org()
    _, (a, b, c) = org.squad(3)
    for _ in range(5):
        give(org, a, b, 1)
    assert "at most 5 points a week" in str(refused(org, a, b, 1))
    give(org, b, c, 5)
    for _ in range(3):
        give(org, c, a, 1)  # closes the ring a→b→c→a, one point at a time
    error = refused(org, c, a, 1)
    assert "ring of three" in str(error) and error.extra == {"remaining": 0}
    week(org, 1)
    refused(org, c, a, 1)  # last week's three small gifts still fill the link


def test_a_ring_through_a_manager_and_another_team_is_a_ring():
    """A ring of three through a manager and another team's member is held to 3 a link too."""
    org = Org()
    team, (seller,) = org.squad(1)
    boss = org.member(team, "manager")
    _, (stranger,) = org.squad(1)
    give(org, seller, boss, 5)
    give(org, boss, stranger, 5, manager_actor(boss))
    error = refused(org, stranger, seller, 4)
    names = org.state.members
    assert f"{names[seller].name} thanked {names[boss].name}" in str(error)
    assert error.extra == {"remaining": 3}
    give(org, stranger, seller, 3)


def test_the_pair_limit_is_per_iso_week_and_a_weekly_swap_stays_below_it():
    """The pair limit is per ISO week: 5 late Sunday, 5 back on Monday, then only 3 more."""
    org = Org()
    _, (a, b) = org.squad(2)
    org.ctx.now = NOW + timedelta(days=4, hours=10, minutes=59)  # Sunday 23:59 in Oslo
    give(org, a, b, 5)
    org.ctx.now += timedelta(minutes=2)  # Monday 00:01, 2026-W48
    give(org, b, a, 5)
    assert "back and forth" in str(refused(org, a, b, 4))
    give(org, a, b, 3)


def test_a_policy_lowered_mid_week_counts_what_was_given():
    """An allowance, cap or budget lowered mid-week counts what was given: 0 left once reached."""
    org = Org()
    team, (a, b, c, d) = org.squad(4)
    boss = manager_actor(org.member(team, "manager"))
    give(org, a, b, 5)
    give(org, a, c, 3)
    org.decide(AwardMentoring(b, 20, "x"), boss)
    org.decide(AwardMentoring(c, 20, "x"), boss)
    org.decide(ChangePolicy({"kudos_weekly_allowance": 6, "mentoring_weekly_budget": 30}))
    assert kudos_left(org, a) == 0
    assert refused(org, a, d, 1).extra == {"remaining": 0}
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 0
    error = org.refuse(LimitReached, AwardMentoring(d, 1, "x"), boss)
    assert error.extra == {"remaining": 0}  # type: ignore[attr-defined]
    org.decide(ChangePolicy({"kudos_weekly_allowance": 10, "kudos_recipient_weekly_cap": 2}))
    assert refused(org, a, c, 1).extra == {"remaining": 0}  # 3 given, the cap is 2 now
    assert give(org, a, d, 2).remaining == 0


def test_revoked_kudos_give_back_their_week_only_and_count_in_no_pattern():
    """Revoked kudos give back their own week's allowance and cap only, and close no ring."""
    org = Org()
    _, (a, b, c, d) = org.squad(4)
    first = give(org, a, b, 5).entries[0]
    org.ctx.kudos[1] = gift_ref(first, a)
    org.decide(RevokeKudos(1))
    assert kudos_left(org, a) == 1000
    give(org, a, b, 5)  # the cap is free again: B holds 5, as before
    assert received(org, b) == 500
    link = give(org, b, c, 5).entries[0]
    org.ctx.kudos[2] = gift_ref(link, b)
    org.decide(RevokeKudos(2))
    give(org, c, a, 5)  # b→c was taken back: no ring a→b→c→a
    last_week = give(org, a, d, 5).entries[0]
    week(org, 1)
    give(org, a, c, 5)
    give(org, a, d, 5)
    org.ctx.kudos[3] = gift_ref(last_week, a)
    org.decide(RevokeKudos(3))
    assert kudos_left(org, a) == 0
    refused(org, a, b, 1)


def test_revoked_mentoring_gives_back_the_budget_of_its_own_week_only():
    """Revoked mentoring gives back the budget of the week it was awarded in, no other week's."""
    org = Org()
    team, (a, b) = org.squad(2)
    boss_id = org.member(team, "manager")
    boss = manager_actor(boss_id)
    org.decide(AwardMentoring(a, 20, "x"), boss)
    award = org.decide(AwardMentoring(b, 20, "x"), boss).entries[0]
    org.decide(AwardMentoring(a, 10, "x"), boss)
    org.ctx.mentoring[1] = gift_ref(award, boss_id)
    org.decide(RevokeMentoring(1))
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 2000
    org.decide(AwardMentoring(b, 20, "again"), boss)
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 0
    week(org, 1)
    org.decide(AwardMentoring(a, 20, "x"), boss)
    org.decide(AwardMentoring(a, 20, "x"), boss)
    org.decide(AwardMentoring(a, 10, "x"), boss)
    last_week = next(e for e in org.entries if e.kind == "mentoring" and e.week == "2026-W47")
    org.ctx.mentoring[2] = gift_ref(last_week, boss_id)
    org.decide(RevokeMentoring(2))
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 0
    org.refuse(LimitReached, AwardMentoring(b, 1, "x"), boss)


def test_mentoring_never_to_oneself_and_admins_have_no_budget():
    """A manager never mentors themselves; an admin mentors anyone with no budget, using none."""
    org = Org()
    team, _ = org.squad(1)
    boss_id = org.member(team, "manager")
    boss = manager_actor(boss_id)
    org.refuse(Invalid, AwardMentoring(boss_id, 5, "me"), boss)
    _, (stranger,) = org.squad(1)
    for _ in range(4):
        assert org.decide(AwardMentoring(stranger, 20, "x")).remaining is None
    assert received(org, stranger, "mentoring") == 8000
    assert org.decide(AllowanceLeft("mentoring"), boss).remaining == 5000


# -- members who left, and refusals that tell the truth -------------------------------------


def test_a_manager_who_left_awards_no_mentoring():
    """A manager who has left gives nothing more: no mentoring points."""
    org = Org()
    team, (seller,) = org.squad(1)
    boss = org.member(team, "manager")
    org.decide(UpdateMember(boss, {"active": False}))
    org.refuse(HuddleError, AwardMentoring(seller, 20, "still here?"), manager_actor(boss))


def test_a_ring_refusal_says_truly_when_thanks_may_resume():
    """A ring refusal says truly when the link is free again: next week for last week's points."""
    org = Org()
    _, (a, b, c) = org.squad(3)
    give(org, a, b, 5)
    give(org, b, c, 5)
    give(org, c, a, 3)
    week(org, 1)
    error = refused(org, c, a, 1)
    week(org, 2)
    give(org, c, a, 3)  # next week, the link is free
    assert "week after next" not in str(error)


def test_a_cap_refusal_says_what_may_still_be_given_with_the_pair_limit():
    """A refusal's remaining is what may still go to that colleague, the pair limit counted."""
    org = Org()
    _, (a, b) = org.squad(2)
    give(org, a, b, 3)
    give(org, b, a, 5)
    error = refused(org, a, b, 3)
    assert "back and forth" in str(refused(org, a, b, 2))  # the 2 it offered
    assert error.extra == {"remaining": 0}


def test_an_allowance_refusal_says_what_may_still_be_given_with_the_cap():
    """A refusal's remaining is what may still go to that colleague, the recipient cap counted."""
    org = Org()
    _, (a, b, c) = org.squad(3)
    give(org, a, b, 5)
    give(org, a, c, 3)
    error = refused(org, a, b, 3)
    assert "at most 5 points a week" in str(refused(org, a, b, 1))
    assert error.extra == {"remaining": 0}


def test_a_member_who_left_has_no_kudos_allowance_left():
    """A member who has left gives nothing, so the allowance read says nothing is left."""
    org = Org()
    _, (a, b) = org.squad(2)
    org.decide(UpdateMember(a, {"active": False}))
    org.refuse(HuddleError, GiveKudos(b, 1, "bye"), seller_actor(a))
    assert kudos_left(org, a) == 0


def test_the_allowance_read_says_what_was_used_after_the_policy_is_lowered():
    """The allowance read's used is what was given this week, also once the allowance is lowered."""
    org = Org()
    _, (a, b, c) = org.squad(3)
    give(org, a, b, 5)
    give(org, a, c, 3)
    org.decide(ChangePolicy({"kudos_weekly_allowance": 5}))

    async def submit(command: object, actor: Actor) -> Decision:
        return org.decide(command, actor)  # type: ignore[arg-type]

    writer = SimpleNamespace(submit=submit, policy=org.state.policy, tz=TZ)
    caller = SimpleNamespace(actor=seller_actor(a))
    read = asyncio.run(_weekly_left(writer, caller, "kudos"))  # type: ignore[arg-type]
    assert (read["allowance"], read["left"]) == (5, 0)
    assert read["used"] == 8
