"""Two Huddle instances (two ``huddle serve`` processes, one worker each) on one PostgreSQL
database and one Redis prefix: the group-commit writers of both keep every rule under
parallel requests spread over both, and the ledger stays gapless."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Api

# two instances share one database only on PostgreSQL (a SQLite file is one host's)
pytestmark = pytest.mark.parametrize("db_url", ["postgres"], indirect=True)

ANSWERS = ["yes"] * 12


class Pair:
    """Two Api helpers, one per instance; ``api(i)`` spreads request i over both."""

    def __init__(self, one: Api, two: Api) -> None:
        self.apis = (one, two)
        self.admin = one

    def api(self, i: int) -> Api:
        return self.apis[i % 2]

    async def squad(self, size: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        team = await self.admin.team()
        members = [await self.admin.member(team["id"]) for _ in range(size)]
        return team, members

    def token(self, member: dict[str, Any]) -> str:
        return self.admin.tokens[member["id"]]


@pytest.fixture
async def pair(start_server: Any) -> AsyncIterator[Pair]:
    """Two real server processes, 1 worker each, on the same database and Redis prefix."""
    one, two = start_server(workers=1), start_server(workers=1)
    async with (
        httpx.AsyncClient(base_url=one.url, timeout=60) as a,
        httpx.AsyncClient(base_url=two.url, timeout=60) as b,
    ):
        yield Pair(Api(a), Api(b))


def award_sums(entries: list[dict[str, Any]], category: str | None = None) -> dict[int, float]:
    sums: dict[int, float] = {}
    for entry in entries:
        for a in entry["awards"]:
            if category is None or a["category"] == category:
                sums[a["member_id"]] = round(sums.get(a["member_id"], 0) + a["points"], 2)
    return sums


async def assert_ledger_whole(pair: Pair) -> list[dict[str, Any]]:
    """Seqs 1..N without gaps, seen alike by both instances; each board equals the feed."""
    entries = await pair.apis[0].ledger()
    seqs = [e["seq"] for e in entries]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [e["seq"] for e in await pair.apis[1].ledger()] == seqs
    expected = {m: p for m, p in award_sums(entries).items() if p}
    for api in pair.apis:
        for _ in range(50):  # the other instance's last batch may still be on its way
            board = {m: s for m, s in (await api.board(season="all")).items() if s}
            if board == expected:
                break
            await asyncio.sleep(0.1)
        assert board == expected
    return entries


async def test_parallel_kudos_over_two_instances_keep_the_allowance(pair):
    """20 parallel 1-point kudos from one giver over both instances: exactly 10 accepted."""
    _, (giver, *others) = await pair.squad(5)
    token = pair.token(giver)
    results = await asyncio.gather(
        *(
            pair.api(i).post(
                "/api/kudos",
                {"to_member_id": others[i % 4]["id"], "points": 1, "message": f"ty {i}"},
                token=token,
            )
            for i in range(20)
        )
    )
    assert Counter(r.status_code for r in results) == {201: 10, 409: 10}
    entries = await assert_ledger_whole(pair)
    assert sum(award_sums(entries, "help").values()) == 10
    assert max(award_sums(entries, "help").values()) <= 5  # per-recipient weekly cap
    left = [r.json()["allowance_left"] for r in results if r.status_code == 201]
    assert sorted(left) == list(range(10))


async def test_parallel_redelivery_over_two_instances_records_once(pair):
    """20 parallel deliveries of one external_id over both instances: one 201, 19 200s."""
    _, (seller,) = await pair.squad(1)
    results = await asyncio.gather(
        *(
            pair.api(i).deal(seller["id"], 5000, external_id="crm-42", expect=None)
            for i in range(20)
        )
    )
    assert Counter(r.status_code for r in results) == {201: 1, 200: 19}
    assert len({r.json()["deal"]["id"] for r in results}) == 1
    assert all(r.json()["awards"] == [] for r in results if r.status_code == 200)
    entries = await assert_ledger_whole(pair)
    assert len([e for e in entries if e["kind"] == "deal.won"]) == 1
    assert award_sums(entries) == {seller["id"]: 15}


async def test_parallel_mentoring_over_two_instances_keeps_the_budget(pair):
    """10 parallel 10-point awards by one manager over both instances: exactly 5 accepted."""
    team, members = await pair.squad(3)
    manager = await pair.admin.member(team["id"], role="manager")
    token = pair.token(manager)
    results = await asyncio.gather(
        *(
            pair.api(i).post(
                "/api/mentoring",
                {"member_id": members[i % 3]["id"], "points": 10, "note": "pairing"},
                token=token,
            )
            for i in range(10)
        )
    )
    assert Counter(r.status_code for r in results) == {201: 5, 409: 5}
    entries = await assert_ledger_whole(pair)
    assert sum(award_sums(entries, "mentoring").values()) == 50


async def test_parallel_deals_over_two_instances_pay_the_goal_bonus_once(pair):
    """Parallel won deals crossing a team goal, over both instances: the bonus is paid once."""
    season = await pair.admin.season()
    team, members = await pair.squad(3)
    goal = {"team_id": team["id"], "season_id": season["id"], "metric": "deals", "target": 5}
    await pair.admin.post("/api/goals", goal, expect=201)
    results = await asyncio.gather(
        *(pair.api(i).deal(members[i % 3]["id"], 0, expect=None) for i in range(16))
    )
    assert Counter(r.status_code for r in results) == {201: 16}
    entries = await assert_ledger_whole(pair)
    assert award_sums(entries, "bonus") == {m["id"]: 25 for m in members}
    reached = [ev for e in entries for ev in e["events"] if ev["type"] == "goal_reached"]
    assert len(reached) == 1
    bonus_board = await pair.apis[1].board(season="all", category="bonus")
    assert bonus_board == {m["id"]: 25 for m in members}


async def test_parallel_review_and_story_over_two_instances_land_once(pair):
    """10× the same loss review and 10× the same story over both instances: one 201 each."""
    _, (seller,) = await pair.squad(1)
    token = pair.token(seller)
    lost = (await pair.admin.deal(seller["id"], 1000, outcome="lost")).json()["deal"]["id"]
    won = (await pair.admin.deal(seller["id"], 1000)).json()["deal"]["id"]
    review = {"answers": ANSWERS, "lesson": "qualify earlier"}
    results = await asyncio.gather(
        *(
            pair.api(i).post(f"/api/deals/{lost}/loss-review", review, token=token)
            for i in range(10)
        ),
        *(
            pair.api(i).post(f"/api/deals/{won}/story", {"text": "We listened."}, token=token)
            for i in range(10)
        ),
    )
    reviews, stories = results[:10], results[10:]
    assert Counter(r.status_code for r in reviews) == {201: 1, 409: 9}
    assert Counter(r.status_code for r in stories) == {201: 1, 409: 9}
    entries = await assert_ledger_whole(pair)
    kinds = Counter(e["kind"] for e in entries)
    assert kinds["loss.reviewed"] == 1 and kinds["story.posted"] == 1
    assert award_sums(entries, "learning") == {seller["id"]: 7}


async def test_everything_at_once_over_two_instances(pair):
    """Deals, redeliveries, kudos and mentoring all in parallel over both instances: every
    rule holds together, seqs are 1..N and the boards equal the feed on both."""
    season = await pair.admin.season()
    team, members = await pair.squad(4)
    manager = await pair.admin.member(team["id"], role="manager")
    goal = {"team_id": team["id"], "season_id": season["id"], "metric": "revenue", "target": 10_000}
    await pair.admin.post("/api/goals", goal, expect=201)
    giver = pair.token(members[0])
    calls = []
    for i in range(60):
        api, member = pair.api(i), members[i % 4]
        if i % 4 == 0:
            body = {"to_member_id": members[1 + i % 3]["id"], "points": 1, "message": "ty"}
            calls.append(api.post("/api/kudos", body, token=giver))
        elif i % 4 == 1:
            body = {"member_id": member["id"], "points": 5, "note": "pairing"}
            calls.append(api.post("/api/mentoring", body, token=pair.token(manager)))
        elif i % 4 == 2:
            calls.append(api.deal(member["id"], 1000, external_id=f"x-{i % 3}", expect=None))
        else:
            calls.append(api.deal(member["id"], 1000, expect=None))
    results = await asyncio.gather(*calls)
    assert all(r.status_code in (200, 201, 409) for r in results), [
        (r.status_code, r.text) for r in results if r.status_code not in (200, 201, 409)
    ]
    entries = await assert_ledger_whole(pair)
    kinds = Counter(e["kind"] for e in entries)
    assert kinds["kudos"] == 10 and kinds["mentoring"] == 10
    assert kinds["deal.won"] == 15 + 3  # 15 without external_id, 3 distinct external_ids
    assert award_sums(entries, "bonus") == {m["id"]: 25 for m in (*members, manager)}


async def test_a_failed_batch_releases_the_ledger_lock(pair, settings):
    """A batch PostgreSQL refuses on one instance answers 503 and saves nothing; its
    writer lets go of the ledger's lock at once (the other instance writes straight
    away) and writes again itself on its next batch. Both ways a batch appends: one
    statement (inserts only), and a transaction (a deal that moves a goal)."""
    import asyncpg

    season = await pair.admin.season()
    team, (seller,) = await pair.squad(1)
    goal = {"team_id": team["id"], "season_id": season["id"], "metric": "revenue", "target": 9e6}
    await pair.admin.post("/api/goals", goal, expect=201)
    _, (other,) = await pair.squad(1)
    conn = await asyncpg.connect(settings.db_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
            "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql"
        )
        for table, trigger_on, seller_id in (
            ("deal", "BEFORE INSERT", other["id"]),  # one statement
            ("goal", "BEFORE UPDATE", seller["id"]),  # a transaction
        ):
            await conn.execute(
                f"CREATE TRIGGER refuse {trigger_on} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse()"
            )
            before = len(await pair.admin.ledger())
            r = await pair.apis[0].deal(seller_id, 1000, expect=503)
            assert "nothing was recorded" in r.json()["detail"]
            assert len(await pair.admin.ledger()) == before
            await conn.execute(f"DROP TRIGGER refuse ON {table}")
            # the other instance is not left waiting for a lock nobody will release
            await asyncio.wait_for(pair.apis[1].deal(seller_id, 1000, expect=201), 10)
            await asyncio.wait_for(pair.apis[0].deal(seller_id, 1000, expect=201), 10)
            assert len(await pair.admin.ledger()) == before + 2
    finally:
        await conn.close()
    await assert_ledger_whole(pair)


async def test_a_remembered_token_follows_changes_made_on_the_other_instance(pair):
    """Each instance remembers the tokens it checked; a member's role changed on one
    instance, and then the token revoked there, reach the other's memory by the
    announcements within moments."""

    async def within_moments(api: Api, token: str, expect: int, role: str | None = None):
        for _ in range(100):
            r = await api.call("GET", "/api/me", token=token)
            if r.status_code == expect and (role is None or r.json()["role"] == role):
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"still {r.status_code} {r.text}")

    _, (seller,) = await pair.squad(1)
    token = pair.token(seller)
    me = await pair.apis[1].get("/api/me", token=token)  # checked, remembered on two
    assert me["role"] == "seller"
    path = f"/api/members/{seller['id']}"
    await pair.apis[0].call("PATCH", path, json={"role": "manager"}, expect=200)
    await within_moments(pair.apis[1], token, 200, role="manager")
    await pair.apis[0].call("DELETE", f"/api/tokens/{me['token_id']}", expect=204)
    await within_moments(pair.apis[1], token, 401)


async def test_a_board_follows_directory_changes_made_on_the_other_instance(pair):
    """Each instance keeps the directory its boards show; a member added and renamed on
    one instance reaches the other's boards by the ledger's entries within moments."""
    team = await pair.admin.team()
    await pair.apis[1].get("/api/leaderboards/members")  # two has loaded its directory

    async def names_on_two() -> list[str]:
        entries = (await pair.apis[1].get("/api/leaderboards/members"))["entries"]
        return [e["name"] for e in entries]

    async def within_moments(expected: list[str]) -> None:
        for _ in range(100):
            if await names_on_two() == expected:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"two still shows {await names_on_two()}")

    member = await pair.admin.member(team["id"], "Kari")
    await within_moments(["Kari"])
    path = f"/api/members/{member['id']}"
    await pair.admin.call("PATCH", path, json={"name": "Kari N."}, expect=200)
    await within_moments(["Kari N."])


async def test_corrections_racing_new_deals_over_two_instances(pair):
    """Reversals, corrections and new deals in parallel over both instances, around a
    team goal: each deal is reversed once, the goal counts exactly the deals standing,
    its bonus is paid net once if it ends reached (never twice), and the boards equal
    the feed on both instances."""
    season = await pair.admin.season()
    team, members = await pair.squad(3)
    goal = {"team_id": team["id"], "season_id": season["id"], "metric": "revenue", "target": 20_000}
    await pair.admin.post("/api/goals", goal, expect=201)
    deals = [
        (await pair.admin.deal(members[i % 3]["id"], 5_000)).json()["deal"]["id"] for i in range(6)
    ]
    reason = {"reason": "entered twice"}
    calls = [
        # the same deal reversed ten times: once
        *(pair.api(i).post(f"/api/deals/{deals[0]}/reverse", reason) for i in range(10)),
        # two others reversed, two corrected (amount, seller), while new deals arrive
        pair.api(0).post(f"/api/deals/{deals[1]}/reverse", reason),
        pair.api(1).post(f"/api/deals/{deals[2]}/reverse", reason),
        pair.api(0).call("PATCH", f"/api/deals/{deals[3]}", json={"amount": 1_000}),
        pair.api(1).call("PATCH", f"/api/deals/{deals[4]}", json={"seller_id": members[0]["id"]}),
        *(pair.api(i).deal(members[i % 3]["id"], 2_000, expect=None) for i in range(12)),
    ]
    results = await asyncio.gather(*calls)
    assert Counter(r.status_code for r in results[:10]) == {201: 1, 409: 9}
    assert all(r.status_code in (200, 201) for r in results[10:]), [r.text for r in results[10:]]
    entries = await assert_ledger_whole(pair)
    assert Counter(e["kind"] for e in entries)["deal.reversed"] == 3 + 2
    # standing: deals 3 (now 1,000), 4 and 5 (5,000 each) and twelve of 2,000
    standing = 1_000 + 2 * 5_000 + 12 * 2_000
    (progress,) = [g["progress"] for g in await pair.apis[1].get("/api/goals")]
    assert progress["value"] == standing and progress["reached_at"]
    assert award_sums(entries, "bonus") == {m["id"]: 25 for m in members}
    reached = sum(ev["type"] == "goal_reached" for e in entries for ev in e["events"])
    reopened = sum(ev["type"] == "goal_reopened" for e in entries for ev in e["events"])
    assert reached - reopened == 1


async def test_an_idle_instance_follows_the_ledger_without_the_write_lock(pair, settings):
    """Every few seconds an instance that does not write catches up with what the other
    wrote (a contest may have been created there) without taking the ledger's write lock:
    with the lock held elsewhere for longer than that, no instance waits for it (before,
    the idle one queued behind the holder, and an import's writer waited up to a second
    for it every five). Writes go on as before once the lock is free."""
    import asyncpg

    from service.engine.tables import LEDGER_LOCK

    _, (seller,) = await pair.squad(1)
    for _ in range(20):
        await pair.apis[0].deal(seller["id"], 1000, expect=201)
    conn = await asyncpg.connect(settings.db_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(f"SELECT pg_advisory_lock({LEDGER_LOCK})")
        waiting = []
        for _ in range(14):  # the referee looks at the ledger every 5 s
            await asyncio.sleep(0.5)
            waiting += await conn.fetch(
                "SELECT pid, query FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND wait_event = 'advisory' "
                "AND datname = current_database()"  # not another test's, run beside it
            )
        assert waiting == []
        await conn.execute(f"SELECT pg_advisory_unlock({LEDGER_LOCK})")
    finally:
        await conn.close()
    await asyncio.wait_for(pair.apis[1].deal(seller["id"], 1000, expect=201), 10)
    await assert_ledger_whole(pair)
