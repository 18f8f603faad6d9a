"""Challenges, the challenge cap, cancelling and reading contests in the pure core: who may
challenge whom, answer or cancel, what a team's cap of open challenges stops, and what the
contests read answers, decided with no I/O (``test_core_contests`` has creation and
settlement)."""

from __future__ import annotations

from datetime import timedelta

from service.core.commands import (
    AnswerChallenge,
    CancelContest,
    ContestsRead,
    CreateContest,
    IssueChallenge,
    RecordDeal,
    SetChallengeCap,
    SettleContests,
    UpdateMember,
)
from service.core.entries import (
    Actor,
    ChallengeAnswered,
    ContestCancelled,
    ContestCreated,
    ContestSettled,
    Prize,
    Side,
    TeamUpdated,
)
from service.errors import Conflict, Forbidden, Invalid, NotFound
from tests.test_core_contests import Clock
from tests.test_core_decide import ADMIN, NOW, manager_actor, seller_actor

LATER = NOW + timedelta(days=2)


def challenge(
    org: Clock,
    challenger: int,
    opponent: int,
    role: str = "seller",
    name: str | None = None,
    prize: object = None,
) -> int:
    """``challenger`` challenges ``opponent`` on revenue until LATER; the contest's id."""
    command = IssueChallenge(opponent, "revenue", LATER, name, prize)
    decision = org.decide(command, Actor(role, member_id=challenger))
    return decision.entries[0].payload.contest_id  # type: ignore[union-attr]


def answer(org: Clock, contest_id: int, member: int, accept: bool = True) -> None:
    org.decide(AnswerChallenge(contest_id, accept), seller_actor(member))


def contest(org: Clock, actor: Actor = ADMIN, **extra: object) -> int:
    """A ranking contest on revenue from NOW to LATER (participants, prizes in ``extra``)."""
    command = CreateContest(
        extra.pop("name", "Revenue week"),  # type: ignore[arg-type]
        "ranking",
        "revenue",
        extra.pop("starts_at", NOW),  # type: ignore[arg-type]
        extra.pop("ends_at", LATER),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )
    return org.decide(command, actor).entries[0].payload.contest_id  # type: ignore[union-attr]


def names(org: Clock, *members: int) -> list[str]:
    return [org.state.members[m].name for m in members]


# -- issuing a challenge ---------------------------------------------------------------------


def test_a_challenge_is_a_proposed_head_to_head_of_two_one_member_sides():
    """A seller's challenge is a head-to-head of two one-member sides, waiting for the
    opponent, counting nothing, with the words prize and no coins."""
    org = Clock()
    team, (a, b) = org.squad(2)
    a_name, b_name = names(org, a, b)
    command = IssueChallenge(b, "revenue", LATER, prize={"description": "  Lunch  "})
    (entry,) = org.decide(command, seller_actor(a)).entries
    assert entry.kind == "contest.created" and entry.actor == seller_actor(a)
    assert (entry.member_id, entry.team_id, entry.season_id) == (b, team, None)
    assert entry.awards == () and entry.seq == org.state.seq
    p = entry.payload
    assert isinstance(p, ContestCreated)
    assert (p.name, p.format, p.metric, p.starts_at, p.ends_at) == (
        f"{a_name} vs {b_name}",
        "head_to_head",
        "revenue",
        NOW,
        LATER,
    )
    assert p.sides == (Side(a_name, (), (a,)), Side(b_name, (), (b,)))
    assert p.prizes == (Prize(0, None, "Lunch"),) and p.challenge is True
    assert (p.team_ids, p.member_ids, p.target, p.recurrence) == ((), (), None, None)
    c = org.state.contests[p.contest_id]
    assert c.state == "proposed" and c.challenge and p.contest_id in org.state.open_contests
    org.decide(RecordDeal(a, "won", 10_000, "Acme"), seller_actor(a))
    assert c.tally == {}  # nothing counts before it is accepted
    named = challenge(org, b, a, name="  Rematch ", prize={"description": ""})
    assert org.state.contests[named].name == "Rematch"
    assert org.state.contests[named].prizes == ()  # an empty description is no prize


def test_anyone_active_may_challenge_a_colleague_of_any_team_or_role():
    """A manager may challenge a seller of another team, and a seller a manager: a
    colleague is anyone active in the organisation."""
    org = Clock()
    team, (seller,) = org.squad(1)
    boss = org.member(team, "manager")
    _, (stranger,) = org.squad(1)
    across = challenge(org, boss, stranger, "manager")
    upward = challenge(org, seller, boss)
    assert org.state.contests[across].sides[1].member_ids == (stranger,)
    assert org.state.contests[across].team_id == team
    assert org.state.contests[upward].sides[1].member_ids == (boss,)


def test_only_an_active_member_challenges_for_themselves():
    """Admin and integration tokens, a token without a member and a member who has left
    may not challenge: Forbidden."""
    org = Clock()
    _, (a, b, gone) = org.squad(3)
    org.decide(UpdateMember(gone, {"active": False}))
    command = IssueChallenge(b, "revenue", LATER)
    org.refuse(Forbidden, command, ADMIN)
    org.refuse(Forbidden, command, Actor("integration"))
    org.refuse(Forbidden, command, Actor("seller"))  # no member behind the token
    org.refuse(Forbidden, command, seller_actor(999))
    org.refuse(Forbidden, command, seller_actor(gone))
    challenge(org, a, b)


def test_challenging_yourself_nobody_or_someone_who_left_is_refused():
    """Oneself is Invalid; an unknown member or one who has left is NotFound."""
    org = Clock()
    _, (a, gone) = org.squad(2)
    org.decide(UpdateMember(gone, {"active": False}))
    error = org.refuse(Invalid, IssueChallenge(a, "revenue", LATER), seller_actor(a))
    assert error.extra == {"field": "opponent_id"}  # type: ignore[attr-defined]
    org.refuse(NotFound, IssueChallenge(999, "revenue", LATER), seller_actor(a))
    org.refuse(NotFound, IssueChallenge(gone, "revenue", LATER), seller_actor(a))


def test_a_challenge_ends_in_the_future_within_31_days_on_a_known_metric():
    """ends_at now or before, over 31 days ahead, or without a time zone is Invalid, and
    so is a metric that does not exist; exactly 31 days is fine."""
    org = Clock()
    _, (a, b) = org.squad(2)
    me = seller_actor(a)
    for ends in (
        NOW,
        NOW - timedelta(seconds=1),
        NOW + timedelta(days=31, seconds=1),
        LATER.replace(tzinfo=None),
    ):
        org.refuse(Invalid, IssueChallenge(b, "revenue", ends), me)
    for metric in ("", "likes", "activity:calls"):
        org.refuse(Invalid, IssueChallenge(b, metric, LATER), me)
    org.refuse(Invalid, IssueChallenge(b, "revenue", LATER, name="x" * 101), me)
    org.decide(IssueChallenge(b, "deals", NOW + timedelta(days=31)), me)


def test_a_challenge_stakes_words_never_coins_or_rewards():
    """A challenge's prize is {description} only: coins, a reward or anything but an
    object is Invalid, so no player stakes what they cannot cover."""
    org = Clock()
    _, (a, b) = org.squad(2)
    me = seller_actor(a)
    for prize in (
        {"coins": 5},
        {"description": "Lunch", "coins": 0.01},
        {"reward_id": 1},
        "Lunch",
        ["Lunch"],
        {"description": "   "},
    ):
        org.refuse(Invalid, IssueChallenge(b, "revenue", LATER, prize=prize), me)
    long = challenge(org, a, b, prize={"description": "y" * 300})
    assert org.state.contests[long].prizes == (Prize(0, None, "y" * 200),)


def test_a_challenge_without_a_name_is_accepted_whatever_the_members_are_called():
    """name is optional: two members with long names may challenge without one, and the
    name made for it shortens each ("…") to fit 100 characters."""
    org = Clock()
    team = org.team("Wolves")
    a, b = (org.member(team) for _ in range(2))
    org.decide(UpdateMember(a, {"name": "A" * 60}))
    org.decide(UpdateMember(b, {"name": "B" * 60}))
    cid = challenge(org, a, b)
    name = org.state.contests[cid].name
    assert name == f"{'A' * 47}… vs {'B' * 47}…" and len(name) <= 100


# -- the cap on open challenges --------------------------------------------------------------


def test_the_cap_counts_waiting_and_running_challenges_on_either_side():
    """With a cap of 1, one waiting or running challenge involving the team's members
    stops another challenge from, or to, any of them (409 in words); a declined or
    cancelled one frees the place; other teams are not held back."""
    org = Clock()
    wolves, (a1, a2, a3) = org.squad(3)
    boss = org.member(wolves, "manager")
    _, (b1, b2) = org.squad(2)
    (entry,) = org.decide(SetChallengeCap(wolves, 1), manager_actor(boss)).entries
    assert entry.kind == "team.updated" and entry.team_id == wolves
    assert entry.payload == TeamUpdated({"challenge_cap": 1}, {"challenge_cap": None})
    assert org.state.teams[wolves].challenge_cap == 1
    first = challenge(org, a1, a2)  # both of the team: one challenge
    error = org.refuse(Conflict, IssueChallenge(b1, "revenue", LATER), seller_actor(a3))
    assert "1 challenge(s) open already" in str(error)
    org.refuse(Conflict, IssueChallenge(a3, "revenue", LATER), seller_actor(b1))  # to them
    challenge(org, b1, b2)  # the other team has no cap
    answer(org, first, a2)
    org.refuse(Conflict, IssueChallenge(b1, "revenue", LATER), seller_actor(a3))  # running
    org.decide(CancelContest(first), seller_actor(a1))
    second = challenge(org, b1, a3)
    org.refuse(Conflict, IssueChallenge(a2, "revenue", LATER), seller_actor(a1))
    answer(org, second, a3, accept=False)
    challenge(org, a1, a2)
    org.decide(SetChallengeCap(wolves, 0), manager_actor(boss))
    org.refuse(Conflict, IssueChallenge(b1, "revenue", LATER), seller_actor(a3))
    org.decide(SetChallengeCap(wolves, None), manager_actor(boss))
    challenge(org, a3, b1)


def test_only_the_teams_manager_or_an_admin_sets_the_cap():
    """A seller, or another team's manager, is Forbidden; an unknown team is NotFound;
    max_open is a whole number 0 to 1000 or null; the same cap again appends nothing."""
    org = Clock()
    wolves, (seller,) = org.squad(1)
    boss = org.member(wolves, "manager")
    bears, _ = org.squad(1)
    other_boss = org.member(bears, "manager")
    org.refuse(Forbidden, SetChallengeCap(wolves, 5), seller_actor(seller))
    org.refuse(Forbidden, SetChallengeCap(wolves, 5), manager_actor(other_boss))
    org.refuse(Forbidden, SetChallengeCap(wolves, 5), Actor("manager"))  # no member
    org.refuse(Forbidden, SetChallengeCap(wolves, 5), Actor("integration"))
    org.refuse(NotFound, SetChallengeCap(999, 5))
    for bad in (-1, 1001, True, 2.5, "3"):
        org.refuse(Invalid, SetChallengeCap(wolves, bad))  # type: ignore[arg-type]
    org.decide(SetChallengeCap(wolves, 1000), manager_actor(boss))
    assert org.decide(SetChallengeCap(wolves, 1000), manager_actor(boss)).entries == []
    (entry,) = org.decide(SetChallengeCap(bears, 0)).entries  # an admin: any team
    assert entry.payload == TeamUpdated({"challenge_cap": 0}, {"challenge_cap": None})
    assert org.state.teams[bears].challenge_cap == 0
    assert org.state.teams[wolves].challenge_cap == 1000


# -- answering -------------------------------------------------------------------------------


def test_an_accepted_challenge_runs_from_the_moment_it_is_accepted():
    """The challenged colleague accepts: it runs from then to its end, counting only
    what happens from then, and is settled as a head-to-head paying no coins."""
    org = Clock()
    team, (a, b) = org.squad(2)
    cid = challenge(org, a, b, prize={"description": "Coffee"})
    org.decide(RecordDeal(b, "won", 90_000, "Early"), seller_actor(b))  # before: not counted
    accepted_at = org.at(NOW + timedelta(hours=1)).ctx.now
    (entry,) = org.decide(AnswerChallenge(cid, True), seller_actor(b)).entries
    assert entry.kind == "challenge.answered" and entry.actor == seller_actor(b)
    assert entry.payload == ChallengeAnswered(cid, org.state.contests[cid].name, True)
    assert (entry.member_id, entry.team_id, entry.season_id) == (b, team, None)
    c = org.state.contests[cid]
    assert (c.state, c.starts_at, c.ends_at) == ("open", accepted_at, LATER)
    org.decide(RecordDeal(a, "won", 20_000, "Acme"), seller_actor(a))
    org.decide(RecordDeal(b, "won", 5_000, "Acme"), seller_actor(b))
    assert c.tally == {"s0": 2_000_000, "s1": 500_000}
    earned = org.state.wallets[a].earned
    org.at(LATER)
    (settled,) = (e.payload for e in org.decide(SettleContests()).entries)
    assert isinstance(settled, ContestSettled) and settled.format == "head_to_head"
    assert [(w.place, w.side, w.coins, w.prize) for w in settled.winners] == [
        (1, names(org, a)[0], 0, Prize(0, None, "Coffee"))
    ]
    assert settled.coins == () and org.state.wallets[a].earned == earned


def test_a_declined_challenge_is_over():
    """Declining closes the challenge at once: declined, no longer open, nothing counted."""
    org = Clock()
    _, (a, b) = org.squad(2)
    cid = challenge(org, a, b)
    (entry,) = org.decide(AnswerChallenge(cid, False), seller_actor(b)).entries
    assert entry.payload == ChallengeAnswered(cid, org.state.contests[cid].name, False)
    c = org.state.contests[cid]
    assert (c.state, c.settled_at) == ("declined", NOW) and cid not in org.state.open_contests
    org.decide(RecordDeal(a, "won", 1000, "Acme"), seller_actor(a))
    assert c.tally == {}


def test_only_the_challenged_colleague_answers():
    """The challenger, a third colleague, the opponent's manager or an admin answering is
    Forbidden; an unknown id, or a contest that is no challenge, is NotFound."""
    org = Clock()
    team, (a, b, c) = org.squad(3)
    boss = org.member(team, "manager")
    cid = challenge(org, a, b)
    for actor in (seller_actor(a), seller_actor(c), manager_actor(boss), ADMIN, Actor("seller")):
        for accept in (True, False):
            org.refuse(Forbidden, AnswerChallenge(cid, accept), actor)
    org.refuse(NotFound, AnswerChallenge(999, True), seller_actor(b))
    plain = contest(org, member_ids=(a, b))
    org.refuse(NotFound, AnswerChallenge(plain, True), seller_actor(b))
    assert org.state.contests[cid].state == "proposed"
    answer(org, cid, b)


def test_a_challenge_is_answered_once():
    """Answering again after an accept or a decline, or after the challenger cancelled,
    is a Conflict."""
    org = Clock()
    _, (a, b) = org.squad(2)
    accepted, declined, withdrawn = (challenge(org, a, b) for _ in range(3))
    answer(org, accepted, b)
    answer(org, declined, b, accept=False)
    org.decide(CancelContest(withdrawn, "changed my mind"), seller_actor(a))
    for cid in (accepted, declined, withdrawn):
        for accept in (True, False):
            error = org.refuse(Conflict, AnswerChallenge(cid, accept), seller_actor(b))
            assert "answered already" in str(error)
    assert [org.state.contests[c].state for c in (accepted, declined, withdrawn)] == [
        "open",
        "declined",
        "cancelled",
    ]


def test_a_challenge_not_answered_before_its_end_cannot_be_answered():
    """Once ends_at has passed it cannot be accepted (Conflict), before and after
    SettleContests lets it lapse as cancelled."""
    org = Clock()
    _, (a, b) = org.squad(2)
    cid = challenge(org, a, b)
    org.at(LATER - timedelta(seconds=1))
    org.decide(AnswerChallenge(cid, True), seller_actor(b))  # the last second is fine
    late = challenge(org, b, a)  # ends LATER too
    org.at(LATER)
    error = org.refuse(Conflict, AnswerChallenge(late, True), seller_actor(a))
    assert "ended before it was accepted" in str(error)
    lapsed = [e.payload for e in org.decide(SettleContests()).entries]
    reason = "The challenge was not accepted in time."
    assert ContestCancelled(late, org.state.contests[late].name, reason) in lapsed
    assert org.state.contests[late].state == "cancelled"
    org.refuse(Conflict, AnswerChallenge(late, True), seller_actor(a))
    org.refuse(Conflict, AnswerChallenge(late, False), seller_actor(a))


# -- cancelling ------------------------------------------------------------------------------


def test_the_creator_cancels_and_nothing_is_paid():
    """A manager cancels their own contest with a reason (trimmed, at most 500
    characters): it is over, and its coin prizes are never paid."""
    org = Clock()
    team, (a, b) = org.squad(2)
    boss = manager_actor(org.member(team, "manager"))
    cid = contest(org, boss, prizes=({"coins": 100},))
    org.decide(RecordDeal(a, "won", 10_000, "Acme"), seller_actor(a))
    earned = org.state.wallets[a].earned
    (entry,) = org.decide(CancelContest(cid, "  typo in the name  "), boss).entries
    assert entry.kind == "contest.cancelled" and entry.actor == boss
    assert entry.payload == ContestCancelled(cid, "Revenue week", "typo in the name")
    assert (entry.team_id, entry.season_id, entry.awards) == (team, None, ())
    c = org.state.contests[cid]
    assert (c.state, c.reason, c.settled_at) == ("cancelled", "typo in the name", NOW)
    assert cid not in org.state.open_contests
    org.at(LATER)
    assert org.decide(SettleContests()).entries == []
    assert org.state.wallets[a].earned == earned and c.winners == ()
    blank = contest(org, boss, starts_at=LATER, ends_at=LATER + timedelta(days=1))
    assert org.decide(CancelContest(blank, "   "), boss).entries[0].payload.reason is None  # type: ignore[union-attr]
    long = contest(org, boss, starts_at=LATER, ends_at=LATER + timedelta(days=1))
    cancelled = org.decide(CancelContest(long, "z" * 600), boss).entries[0].payload
    assert cancelled.reason == "z" * 500  # type: ignore[union-attr]


def test_only_who_created_a_contest_or_an_admin_cancels_it():
    """A seller, the creator's fellow manager, the challenged colleague or a token
    without a member is Forbidden; the creator, the challenger or an admin may; an
    unknown contest is NotFound."""
    org = Clock()
    team, (a, b) = org.squad(2)
    boss = manager_actor(org.member(team, "manager"))
    fellow = manager_actor(org.member(team, "manager"))
    mine = contest(org, boss)
    for actor in (seller_actor(a), fellow, Actor("manager"), Actor("integration")):
        org.refuse(Forbidden, CancelContest(mine), actor)
    org.refuse(NotFound, CancelContest(999))
    sent = challenge(org, a, b)
    org.refuse(Forbidden, CancelContest(sent), seller_actor(b))
    org.refuse(Forbidden, CancelContest(sent), boss)
    org.decide(CancelContest(sent), seller_actor(a))
    accepted = challenge(org, a, b)
    answer(org, accepted, b)
    org.decide(CancelContest(accepted))  # an admin, even a running challenge
    org.decide(CancelContest(mine), boss)
    assert {org.state.contests[c].state for c in (mine, sent, accepted)} == {"cancelled"}


def test_a_settled_cancelled_or_declined_contest_cannot_be_cancelled():
    """Cancelling what is over already (settled, cancelled, declined, lapsed) is a
    Conflict, even for an admin, and changes nothing."""
    org = Clock()
    _, (a, b) = org.squad(2)
    settled = contest(org, prizes=({"coins": 10},))
    cancelled = contest(org, name="Twice")
    org.decide(CancelContest(cancelled))
    declined = challenge(org, a, b)
    answer(org, declined, b, accept=False)
    lapsed = challenge(org, b, a)
    org.decide(RecordDeal(a, "won", 1000, "Acme"), seller_actor(a))
    org.at(LATER)
    org.decide(SettleContests())
    wallet = org.state.wallets[a].earned
    for cid, state in (
        (settled, "settled"),
        (cancelled, "cancelled"),
        (declined, "declined"),
        (lapsed, "cancelled"),
    ):
        assert org.state.contests[cid].state == state
        error = org.refuse(Conflict, CancelContest(cid))
        assert f"is {state}" in str(error)
    org.refuse(Conflict, CancelContest(declined), seller_actor(a))
    assert org.state.wallets[a].earned == wallet


def test_an_ended_contest_cannot_be_cancelled_before_it_is_settled():
    """From its end the winners are decided: cancelling in the seconds before it is
    settled (to withhold the prizes) is a Conflict, for its creator and an admin alike;
    it is then settled and paid as if nobody had tried."""
    org = Clock()
    team, (a,) = org.squad(1)
    boss = org.member(team, "manager")
    cid = contest(org, manager_actor(boss), prizes=({"coins": 10},))
    org.decide(RecordDeal(a, "won", 1000, "Acme"), seller_actor(a))
    org.at(LATER)
    for actor in (manager_actor(boss), ADMIN):
        error = org.refuse(Conflict, CancelContest(cid), actor)
        assert "has ended" in str(error)
    wallet = org.state.wallets[a].earned
    org.decide(SettleContests())
    assert org.state.contests[cid].state == "settled"
    assert org.state.wallets[a].earned == wallet + 1000


# -- reading ---------------------------------------------------------------------------------


def test_one_contest_is_read_as_the_api_shows_it():
    """A challenge read by id: proposed, its two sides ranked at 0, who sent it, no
    winners yet; an unknown id is NotFound. A read appends nothing."""
    org = Clock()
    team, (a, b) = org.squad(2)
    a_name, b_name = names(org, a, b)
    cid = challenge(org, a, b, prize={"description": "Cake"})
    decision = org.decide(ContestsRead(contest_id=cid), seller_actor(b))
    view = decision.answer
    assert decision.entries == []
    assert view["id"] == cid and view["state"] == "proposed" and view["challenge"] is True
    assert (view["format"], view["metric"], view["team_id"]) == ("head_to_head", "revenue", team)
    assert view["sides"] == [
        {"name": a_name, "team_ids": [], "member_ids": [a]},
        {"name": b_name, "team_ids": [], "member_ids": [b]},
    ]
    assert view["prizes"] == [{"coins": 0, "reward_id": None, "description": "Cake"}]
    assert view["created_by"] == {"member_id": a, "name": a_name, "role": "seller"}
    assert [(r["key"], r["side"], r["score"], r["rank"]) for r in view["standings"]] == [
        ("s0", a_name, 0, 1),
        ("s1", b_name, 0, 1),
    ]
    assert view["winners"] is None and view["settled_at"] is None
    assert view["seq"] == org.state.seq
    org.refuse(NotFound, ContestsRead(contest_id=999))


def test_contests_are_listed_by_state_and_by_member():
    """upcoming, running and proposed list those alone; ended lists settled, cancelled
    and declined ones latest first; member_id keeps those the member takes part in; any
    other state is Invalid."""
    org = Clock()
    _, (a, b, c) = org.squad(3)
    running = contest(org, member_ids=(a, c))
    upcoming = contest(org, starts_at=LATER, ends_at=LATER + timedelta(days=1))
    proposed = challenge(org, a, b)
    declined = challenge(org, b, c)
    answer(org, declined, c, accept=False)
    short = challenge(org, c, a)
    answer(org, short, a)
    cancelled = contest(org, ends_at=NOW + timedelta(days=3))
    org.decide(CancelContest(cancelled))
    org.at(NOW + timedelta(hours=1))
    settled = contest(org, ends_at=NOW + timedelta(hours=2))
    org.at(NOW + timedelta(hours=3))
    org.decide(SettleContests())

    def ids(**query: object) -> list[int]:
        found = org.decide(ContestsRead(**query), seller_actor(a)).answer  # type: ignore[arg-type]
        return [v["id"] for v in found]

    assert ids(state="upcoming") == [upcoming]
    assert ids(state="running") == [running, short]
    assert ids(state="proposed") == [proposed]
    assert ids(state="ended") == [cancelled, declined, settled]  # latest end first
    assert ids() == [settled, running, proposed, declined, short, upcoming, cancelled]
    assert ids(member_id=b) == [settled, proposed, declined, upcoming, cancelled]
    assert ids(member_id=c, state="running") == [running, short]
    assert ids(member_id=999) == []
    for state in ("settled", "all", ""):
        org.refuse(Invalid, ContestsRead(state=state))
    assert org.state.contests[settled].state == "settled"
