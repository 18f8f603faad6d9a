"""``evolve``: how one ledger entry changes the ``State`` (``state.py``), kind by kind.

``evolve`` changes the state in place and returns it: copying a whole directory for each
of thousands of entries a second would cost more than the decision itself.
"""

from __future__ import annotations

from datetime import date

from .achievements import Step, badge_steps
from .calendar import SeasonSpan, local_date, monday_of, period_end
from .entries import (
    ActivityLogged,
    Award,
    BadgeEarned,
    BadgeRevoked,
    ChallengeAnswered,
    ContestCancelled,
    ContestCreated,
    ContestSettled,
    DealReversed,
    DealWon,
    Entry,
    GoalChanged,
    GoalProgress,
    GoalReached,
    GoalRemoved,
    GoalReopened,
    GoalSet,
    Improved,
    ImprovementRevoked,
    KudosGiven,
    KudosRevoked,
    LossReviewed,
    MemberJoined,
    MemberUpdated,
    MentoringAwarded,
    MentoringRevoked,
    MetricDefined,
    PolicyChanged,
    RedemptionDecided,
    RedemptionRequested,
    RewardChanged,
    RewardCreated,
    SeasonChanged,
    SeasonCreated,
    SeasonRemoved,
    TeamCreated,
    TeamUpdated,
)
from .improvement import own_steps
from .points import to_cents
from .policy import Policy
from .state import (
    ALL,
    KUDOS_WEEKS,
    GoalState,
    MemberFacts,
    MemberGoalState,
    MetricFacts,
    RedemptionFacts,
    RewardFacts,
    State,
    TeamFacts,
)
from .tally import ContestFacts, count, counting_time

__all__ = ["evolve"]


def evolve(state: State, entry: Entry) -> State:
    """Apply one entry to the state (in place) and return it."""
    payload = entry.payload
    _roll_week(state, entry.week)
    handler = _HANDLERS.get(type(payload))
    if handler:
        handler(state, entry)
    if entry.awards and state.policy.coins_per_point:
        rate = state.policy.coins_per_point
        for award in entry.awards:  # every point earns coins; a point taken back, its coins
            state.wallet(award.member_id).earned += round(award.cents * rate)
    for event in entry.events:
        _apply_event(state, event, entry)
    if state.open_contests:
        if entry.awards or isinstance(payload, DealWon | DealReversed | ActivityLogged):
            for contest in state.open_contests.values():
                if contest.counting and (keys := count(contest, entry)):
                    state.contests_moved.setdefault(contest.id, set()).update(keys)
        elif isinstance(payload, MemberJoined | MemberUpdated):  # who is in, head counts
            for contest in state.open_contests.values():
                state.contests_moved[contest.id] = {ALL}
    for step in badge_steps(entry, state):
        _count_badge_step(state, step)
    for member_id, monday, cents in own_steps(entry, state):
        key = (member_id, monday)
        state.own_weeks[key] = state.own_weeks.get(key, 0) + cents
    _track_season(state, entry)
    state.policy_id = max(state.policy_id, entry.policy_id)
    state.seq = max(state.seq, entry.seq)
    _track_ids(state, entry)
    return state


# payload field → the table whose id it is
_ID_FIELDS = {
    "deal_id": "deal",
    "kudos_id": "kudos",
    "mentoring_id": "mentoring",
    "goal_id": "goal",
    "review_id": "loss_review",
    "story_id": "story",
    "feedback_id": "feedback",
    "team_id": "team",
    "season_id": "season",
    "version": "policy_version",
    "metric_id": "metric",
    "activity_id": "activity",
    "reward_id": "reward",
    "redemption_id": "redemption",
    "contest_id": "contest",
}


# payload type → its id fields (name, table): worked out once per type
_ID_FIELDS_OF: dict[type, tuple[tuple[str, str], ...]] = {}


def _id_fields(kind: type) -> tuple[tuple[str, str], ...]:
    found = _ID_FIELDS_OF.get(kind)
    if found is None:
        fields = getattr(kind, "__struct_fields__", ())
        found = _ID_FIELDS_OF[kind] = tuple((n, t) for n, t in _ID_FIELDS.items() if n in fields)
    return found


def _track_ids(state: State, entry: Entry) -> None:
    ids = state.last_ids
    if entry.id > ids.get("entry", 0):
        ids["entry"] = entry.id
    # the policy version it was scored with exists (version 1, the defaults, is written
    # before the first entry and by no entry): a writer that followed the first entries
    # of another must not hand that id out again
    if entry.policy_id > ids.get("policy_version", 0):
        ids["policy_version"] = entry.policy_id
    payload = entry.payload
    member_id = entry.member_id
    if isinstance(payload, MemberJoined) and member_id and member_id > ids.get("member", 0):
        ids["member"] = member_id
    # a field that names an existing row (a story's deal_id) is at most the highest id
    # anyway, so every id field can count
    for name, table in _id_fields(type(payload)):
        value = getattr(payload, name)
        if isinstance(value, int) and value > ids.get(table, 0):
            ids[table] = value
    for event in entry.events:
        badge = event.badge_id if isinstance(event, BadgeEarned) else None
        if badge and badge > ids.get("badge", 0):
            ids["badge"] = badge


def _roll_week(state: State, week: str) -> None:
    if week > state.week:
        state.week = week
        state.mentoring_used = {}
        state.reviews_paid = {}


def _kudos(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, KudosGiven)
    _kudos_week(state, entry.week, p.from_member_id, p.to_member_id, to_cents(p.points))


def _kudos_revoked(state: State, entry: Entry) -> None:
    """The giver gets the points back in the allowance of the week they were given in
    (only this week's allowance counts: an older week's is over anyway)."""
    p = entry.payload
    assert isinstance(p, KudosRevoked)
    _kudos_week(state, p.week, p.from_member_id, p.to_member_id, -to_cents(p.points))


def _kudos_week(state: State, week: str, giver: int, to: int, cents: int) -> None:
    weeks = state.kudos_weeks
    if week not in weeks:
        if len(weeks) >= KUDOS_WEEKS and week < min(weeks):
            return  # older than every week kept
        weeks[week] = {}
        for old in sorted(weeks)[:-KUDOS_WEEKS]:  # ISO week names sort by time
            del weeks[old]
    given = weeks[week].setdefault(giver, {})
    given[to] = max(0, given.get(to, 0) + cents)


def _mentoring_revoked(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MentoringRevoked)
    if p.awarded_by_member_id is None or p.week != state.week:
        return
    used = state.mentoring_used.get(p.awarded_by_member_id, 0)
    state.mentoring_used[p.awarded_by_member_id] = max(0, used - to_cents(p.points))


def _mentoring(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MentoringAwarded)
    if p.awarded_by_member_id is None or entry.week != state.week:
        return
    used = state.mentoring_used.get(p.awarded_by_member_id, 0)
    state.mentoring_used[p.awarded_by_member_id] = used + to_cents(p.points)


def _reviewed(state: State, entry: Entry) -> None:
    """A paid review counts against its member's reviews paid this week."""
    if entry.awards and entry.member_id and entry.week == state.week:
        state.reviews_paid[entry.member_id] = state.reviews_paid.get(entry.member_id, 0) + 1


def _team_created(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, TeamCreated)
    state.teams[p.team_id] = TeamFacts(p.team_id, p.name, p.nickname, p.color)


def _team_updated(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, TeamUpdated)
    team = state.teams.get(entry.team_id or 0)
    if team:
        for key in ("name", "nickname", "color", "archived", "challenge_cap"):
            if key in p.changes:
                setattr(team, key, p.changes[key])
        if "reward_budget" in p.changes:
            budget = p.changes["reward_budget"]
            team.reward_budget = to_cents(budget) if budget is not None else None


def _reward_created(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RewardCreated)
    state.rewards[p.reward_id] = RewardFacts(
        p.reward_id, p.name, to_cents(p.cost), p.stock, p.per_member_limit
    )


def _reward_changed(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RewardChanged)
    reward = state.rewards.get(p.reward_id)
    if reward is None:
        return
    for key in ("name", "stock", "per_member_limit", "active"):
        if key in p.changes:
            setattr(reward, key, p.changes[key])
    if "cost" in p.changes:
        reward.cost = to_cents(p.changes["cost"])


def _redemption_requested(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RedemptionRequested) and entry.member_id
    cost = to_cents(p.cost)
    team_id = entry.team_id or 0
    month = local_date(entry.recorded_at, state.tz).isoformat()[:7]
    state.redemptions[p.redemption_id] = RedemptionFacts(
        p.redemption_id, entry.member_id, team_id, p.reward_id, cost, "pending", month
    )
    state.wallet(entry.member_id).held += cost
    key = (entry.member_id, p.reward_id)
    state.redeemed[key] = state.redeemed.get(key, 0) + 1
    state.team_redeemed[(team_id, month)] = state.team_redeemed.get((team_id, month), 0) + cost
    if p.reward_id in state.rewards:
        state.rewards[p.reward_id].stock = p.stock_left


def _redemption_decided(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, RedemptionDecided)
    redemption = state.redemptions.get(p.redemption_id)
    if redemption is None:
        return
    wallet = state.wallet(redemption.member_id)
    was, redemption.state = redemption.state, p.state
    if was == "pending":
        wallet.held -= redemption.cost
    else:
        wallet.spent -= redemption.cost
    if p.state == "declined":  # the coins, the stock and the limits come back
        key = (redemption.member_id, redemption.reward_id)
        state.redeemed[key] = state.redeemed.get(key, 1) - 1
        month = (redemption.team_id, redemption.month)
        state.team_redeemed[month] = (
            state.team_redeemed.get(month, redemption.cost) - redemption.cost
        )
        if p.reward_id in state.rewards:
            state.rewards[p.reward_id].stock = p.stock_left
    else:
        wallet.spent += redemption.cost


def _contest_created(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, ContestCreated)
    contest = ContestFacts.of(p, entry)
    if contest.recurrence:
        contest.next_ends_at = period_end(contest.ends_at, contest.recurrence, state.tz)
    state.contests[contest.id] = state.open_contests[contest.id] = contest
    state.contests_moved[contest.id] = {ALL}


def _contest_cancelled(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, ContestCancelled)
    contest = state.open_contests.pop(p.contest_id, None)
    if contest is not None:
        contest.state, contest.reason = "cancelled", p.reason
        contest.settled_at = entry.recorded_at
        state.contests_moved[contest.id] = {ALL}


def _challenge_answered(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, ChallengeAnswered)
    contest = state.open_contests.get(p.contest_id)
    if contest is None:
        return
    if p.accepted:  # it runs from the moment it was accepted
        contest.state, contest.starts_at = "open", entry.recorded_at
    else:
        contest.state, contest.settled_at = "declined", entry.recorded_at
        del state.open_contests[contest.id]
    state.contests_moved[contest.id] = {ALL}


def _contest_settled(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, ContestSettled)
    contest = state.open_contests.pop(p.contest_id, None) or state.contests.get(p.contest_id)
    if contest is None:
        return
    contest.state, contest.settled_at = "settled", entry.recorded_at
    contest.winners, contest.standings = p.winners, p.standings
    state.contests_moved[contest.id] = {ALL}
    for member_id, cents in p.coins:
        state.wallet(member_id).earned += cents


def _member_joined(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MemberJoined) and entry.member_id and entry.team_id
    state.members[entry.member_id] = MemberFacts(
        entry.member_id, p.name, entry.team_id, p.role, p.joined_on, p.email
    )
    state.members_changed()
    if p.email:
        state.emails[p.email] = entry.member_id


def _member_updated(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MemberUpdated)
    member = state.members.get(entry.member_id or 0)
    if member is None:
        return
    changes = p.changes
    state.members_changed()
    for key in ("name", "team_id", "role", "active"):
        if key in changes:
            setattr(member, key, changes[key])
    if "joined_on" in changes:
        member.joined_on = date.fromisoformat(str(changes["joined_on"]))
    if "email" in changes:
        if member.email:
            state.emails.pop(member.email, None)
        member.email = changes["email"] or None
        if member.email:
            state.emails[member.email] = member.id
    if "external_ids" in changes:
        for crm, owner in member.external_ids.items():
            state.external_ids.pop((crm, owner), None)
        member.external_ids = dict(changes["external_ids"] or {})
        for crm, owner in member.external_ids.items():
            state.external_ids[(crm, owner)] = member.id


def _season_created(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonCreated)
    state.seasons.append(SeasonSpan(p.season_id, p.starts_on, p.ends_on))
    state.season_names[p.season_id] = p.name
    state.seasons_changed()


def _season_changed(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonChanged)
    state.seasons = [
        SeasonSpan(s.id, p.starts_on, p.ends_on) if s.id == p.season_id else s
        for s in state.seasons
    ]
    state.season_names[p.season_id] = p.name
    state.seasons_changed()


def _season_removed(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, SeasonRemoved)
    state.seasons = [s for s in state.seasons if s.id != p.season_id]
    state.season_names.pop(p.season_id, None)
    state.seasons_changed()


def _track_season(state: State, entry: Entry) -> None:
    """When things were recorded in each season; the days of points in none. An entry
    that counts in a season by reference rather than by its date (a reversal in a later
    season, a goal set ahead for the next one) names the season but does not pin its
    dates."""
    season = entry.season_id
    if season is None:
        if entry.awards:
            # a take-back on the day of what it takes back (a reversal today of a deal
            # closed in no season leaves today free for a season)
            state.unseasoned_days.add(local_date(counting_time(entry), state.tz))
        return
    state.seasons_named.add(season)
    at = entry.occurred_at
    used = state.season_used.get(season)
    if used is not None and used[0] <= at <= used[1]:
        return  # nothing to widen (most entries): no date to work out
    by_date = state.season_for(local_date(at, state.tz))
    if by_date is None or by_date.id != season:
        return
    state.season_used[season] = (min(used[0], at), max(used[1], at)) if used else (at, at)


def _policy_changed(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, PolicyChanged)
    state.policy = Policy.from_dict(p.changes, base=state.policy)
    state.policy_id = p.version


def _goal_changed(state: State, entry: Entry) -> None:
    """New targets; member goals kept (their progress and bonus), added or dropped. A new
    member goal's progress comes with the entry's events."""
    p = entry.payload
    assert isinstance(p, GoalChanged)
    goal = state.goals.get(p.goal_id)
    if goal is None:
        return
    goal.target = to_cents(p.target)
    members = {}
    for t in p.member_targets:
        mg = goal.members.get(t.member_id) or MemberGoalState(t.member_id, 0)
        mg.target = to_cents(t.target)
        members[t.member_id] = mg
    goal.members = members


def _metric_defined(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, MetricDefined)
    cap = to_cents(p.daily_cap) if p.daily_cap is not None else None
    state.metrics[p.key] = MetricFacts(p.key, p.name, to_cents(p.points_per_unit), cap)


def _goal_removed(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, GoalRemoved)
    state.goals.pop(p.goal_id, None)


def _goal_set(state: State, entry: Entry) -> None:
    p = entry.payload
    assert isinstance(p, GoalSet) and entry.team_id is not None
    state.goals[p.goal_id] = GoalState(
        p.goal_id,
        entry.team_id,
        p.season_id,
        p.metric,
        to_cents(p.target),
        members={
            t.member_id: MemberGoalState(t.member_id, to_cents(t.target)) for t in p.member_targets
        },
    )


_HANDLERS = {
    KudosGiven: _kudos,
    KudosRevoked: _kudos_revoked,
    MentoringAwarded: _mentoring,
    LossReviewed: _reviewed,
    MentoringRevoked: _mentoring_revoked,
    TeamCreated: _team_created,
    TeamUpdated: _team_updated,
    MemberJoined: _member_joined,
    MemberUpdated: _member_updated,
    SeasonCreated: _season_created,
    SeasonChanged: _season_changed,
    SeasonRemoved: _season_removed,
    PolicyChanged: _policy_changed,
    GoalSet: _goal_set,
    GoalChanged: _goal_changed,
    GoalRemoved: _goal_removed,
    MetricDefined: _metric_defined,
    RewardCreated: _reward_created,
    RewardChanged: _reward_changed,
    RedemptionRequested: _redemption_requested,
    RedemptionDecided: _redemption_decided,
    ContestCreated: _contest_created,
    ContestCancelled: _contest_cancelled,
    ChallengeAnswered: _challenge_answered,
    ContestSettled: _contest_settled,
}


def _apply_event(state: State, event: object, entry: Entry) -> None:
    if isinstance(event, GoalProgress):
        goal = state.goals.get(event.goal_id)
        if goal is None:
            return
        if event.member_id is None:
            goal.value = to_cents(event.value)
        elif event.member_id in goal.members:
            goal.members[event.member_id].value = to_cents(event.value)
    elif isinstance(event, GoalReached | GoalReopened):
        goal = state.goals.get(event.goal_id)
        if goal is None:
            return
        reached = isinstance(event, GoalReached)
        part: GoalState | MemberGoalState | None = (
            goal if event.member_id is None else goal.members.get(event.member_id)
        )
        if part is not None:
            part.reached = reached
            part.paid = _bonus_paid(state, goal, event) if isinstance(event, GoalReached) else ()
            part.paid_at = part.target if reached else None
    elif isinstance(event, BadgeEarned):
        state.badges.add((event.member_id, entry.season_id or 0, event.badge))
    elif isinstance(event, BadgeRevoked):
        state.badges.discard((event.member_id, entry.season_id or 0, event.badge))
    elif isinstance(event, Improved):
        if event.bonus:
            state.improved[(event.member_id, monday_of(event.week))] = event.bonus[0]
    elif isinstance(event, ImprovementRevoked):
        state.improved.pop((event.member_id, monday_of(event.week)), None)


def _bonus_paid(state: State, goal: GoalState, event: GoalReached) -> tuple[Award, ...]:
    """The bonus a goal paid when reached: as the event says, or (entries written before
    events said) as the policy in force then paid it."""
    if event.bonus:
        return event.bonus
    policy = state.policy
    if event.member_id is None:
        cents = to_cents(policy.team_goal_bonus)
        return (
            tuple(
                Award(m, goal.team_id, "bonus", cents) for m in state.team_member_ids(goal.team_id)
            )
            if cents
            else ()
        )
    member = state.members.get(event.member_id)
    cents = to_cents(policy.member_goal_bonus)
    if member is None or not cents:
        return ()
    return (Award(member.id, member.team_id, "bonus", cents),)


def _count_badge_step(state: State, step: Step) -> None:
    state.badge_counts[step.counter] = count = state.badge_counts.get(step.counter, 0) + step.add
    if step.code == "team-player":
        thanked = state.thanked.setdefault((step.member, step.season), set())
        teammate = int(step.counter[3])  # type: ignore[call-overload]
        if count > 0:
            thanked.add(teammate)
        else:
            thanked.discard(teammate)
