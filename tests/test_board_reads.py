"""Board reads in one round trip (read_board.lua) against the pure ranking rule, on a real
Redis: random boards with many ties and members without points, through joins, renames,
team moves, members leaving and returning, rebuilds and a Redis that lost its data."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import dataclass

from service.core.points import from_cents
from service.core.ranking import Ranked, Row, around_me, rank_all, sort_key
from service.store.leaderboard import (
    AppliedAward,
    AwardSum,
    DirectoryChange,
    DirectoryRow,
    LeaderboardStore,
    PendingEntry,
)

# few names, in several cases and spellings, so that many rows tie on name as well
NAMES = ["ann", "Ann", "ANN", "Åse", "åse", "Straße", "STRASSE", "bo", "Bo b", "bob", "a\x00b", "a"]
CENTS = [0, 0, 100, 100, 200, -100, 300]
CATEGORIES = ["deal", "kudos", "#calls"]
TEAMS = [1, 2, 3]


@dataclass
class Member:
    name: str
    team: int
    active: bool = True


class Model:
    """What the boards should show, kept in Python from the same entries."""

    def __init__(self) -> None:
        self.members: dict[int, Member] = {}
        self.awards: list[AppliedAward] = []
        self.seq = 0

    def sums(self, scope: str, category: str, team: int | None) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for a in self.awards:
            in_scope = scope == "all" or scope == f"s{a.season_id}"
            counts = category == a.category or (category == "total" and a.category[0] != "#")
            if in_scope and counts and (team is None or a.team_id == team):
                out[a.member_id] += a.cents
        return out

    def ranked(self, scope: str, category: str, team: int | None, past: bool) -> list[Ranked]:
        scores = self.sums(scope, category, team)
        rows = [
            Row(key, m.name, from_cents(scores.get(key, 0)))
            for key, m in self.members.items()
            if (team is None or m.team == team) and (past or m.active)
        ]
        return rank_all(rows)

    def directory(self) -> list[DirectoryRow]:
        return [DirectoryRow(k, m.name, m.team, m.active) for k, m in self.members.items()]

    def award_sums(self) -> list[AwardSum]:
        totals: dict[tuple[int, int, int | None, str], int] = defaultdict(int)
        for a in self.awards:
            totals[(a.member_id, a.team_id, a.season_id, a.category)] += a.cents
        return [AwardSum(*key, cents) for key, cents in totals.items()]

    def entry(self, rng: random.Random) -> PendingEntry:
        """A random entry: mostly awards, sometimes a change to the directory."""
        self.seq += 1
        roll = rng.random()
        changes: tuple[DirectoryChange, ...] = ()
        awards: tuple[AppliedAward, ...] = ()
        if roll < 0.15 or not self.members:
            key = rng.choice([len(self.members) + 1, rng.randint(1, 10**6)])
            while key in self.members:
                key += 1
            self.members[key] = Member(rng.choice(NAMES), rng.choice(TEAMS))
            changes = (DirectoryChange(key, self.members[key].team, True, self.members[key].name),)
        elif roll < 0.25:
            key = rng.choice(list(self.members))
            m = self.members[key]
            what = rng.choice(["name", "team", "leave", "return", "all"])
            team = rng.choice(TEAMS) if what in ("team", "all") else None
            active = {"leave": False, "return": True, "all": rng.random() < 0.5}.get(what)
            name = rng.choice(NAMES) if what in ("name", "all") else None
            m.team = team or m.team
            m.active = m.active if active is None else active
            m.name = name or m.name
            changes = (DirectoryChange(key, team, active, name),)
        else:
            picked = rng.sample(list(self.members), min(len(self.members), rng.randint(1, 3)))
            awards = tuple(
                AppliedAward(
                    key,
                    # now and then, points for a team the member has left (a correction)
                    self.members[key].team if rng.random() < 0.9 else rng.choice(TEAMS),
                    rng.choice([None, 1]),
                    rng.choice(CATEGORIES),
                    rng.choice(CENTS),
                )
                for key in picked
            )
            self.awards.extend(awards)
        return PendingEntry(self.seq, json.dumps({"seq": self.seq}), awards, changes)


def as_tuples(ranked: list[Ranked], teams: dict[int, Member]) -> list[tuple]:
    return [(r.rank, r.row.key, r.row.name, teams[r.row.key].team, r.row.score) for r in ranked]


async def read_all(
    store: LeaderboardStore, scope: str, category: str, team: int | None, past: bool
) -> list[tuple]:
    page = await store.read_page(scope, category, team, past, 0, 10_000)
    assert page is not None
    rows = [(r.rank, r.member_id, r.name, r.team_id, from_cents(r.cents)) for r in page.rows]
    assert page.total == len(rows)
    return rows


BOARDS = [
    (scope, category, team, past)
    for scope in ("all", "s1")
    for category in ("total", *CATEGORIES)
    for team in (None, *TEAMS)
    for past in (False, True)
]


async def check(store: LeaderboardStore, model: Model, rng: random.Random, boards: int) -> None:
    """Some boards whole, a random page and a random member's rows around them, each
    equal to the pure rule's."""
    for scope, category, team, past in rng.sample(BOARDS, boards):
        expected = model.ranked(scope, category, team, past)
        assert await read_all(store, scope, category, team, past) == as_tuples(
            expected, model.members
        ), (scope, category, team, past)
        offset, limit = rng.randint(0, len(expected) + 2), rng.randint(1, 30)
        page = await store.read_page(scope, category, team, past, offset, limit)
        assert page is not None and page.total == len(expected)
        got = [(r.rank, r.member_id, r.name, r.team_id, from_cents(r.cents)) for r in page.rows]
        assert got == as_tuples(expected[offset : offset + limit], model.members)
        key, n = rng.choice(list(model.members)), rng.randint(0, 4)
        found = await store.read_around(scope, key, n, past, category, team)
        assert found is not None
        near, index = found
        want = around_me(expected, key, n)
        got = [(r.rank, r.member_id, r.name, r.team_id, from_cents(r.cents)) for r in near.rows]
        assert got == as_tuples(want, model.members)
        assert (index >= 0) == bool(want)
        if want:
            assert near.rows[index].member_id == key


async def test_reads_equal_the_ranking_rule(store: LeaderboardStore) -> None:
    """Random boards read from Redis row for row as rank_all ranks them, while entries
    keep coming (views kept level by apply_batch, dropped by directory changes)."""
    rng = random.Random(11)
    model = Model()
    for round_ in range(30):
        await store.apply_batch([model.entry(rng) for _ in range(rng.randint(1, 25))])
        await check(store, model, rng, boards=4 if round_ % 5 else 20)
    assert len(model.members) > 20
    # a rebuild from the sums and the directory: the same boards
    await store.load_sums(model.award_sums(), model.seq, model.directory())
    await check(store, model, rng, boards=len(BOARDS))
    for _ in range(10):
        await store.apply_batch([model.entry(rng) for _ in range(rng.randint(1, 25))])
        await check(store, model, rng, boards=6)


async def test_python_and_lua_sort_keys_agree(store: LeaderboardStore) -> None:
    """The directory apply_batch.lua writes equals the one a rebuild writes, byte for byte,
    and the sort key orders as (name casefolded, id) does, in Python and in Redis."""
    rng = random.Random(5)
    model = Model()
    await store.apply_batch([model.entry(rng) for _ in range(200)])
    lua_keys = await _directory(store)
    await store.load_sums(model.award_sums(), model.seq, model.directory())
    assert await _directory(store) == lua_keys
    rows = [(m.name, k) for k, m in model.members.items()]
    rows += [(name, 7) for name in ["a", "a\x00", "a\x00\x00", "a\x01", "a\x00b", "ab", ""]]
    expected = sorted(rows, key=lambda r: (r[0].casefold(), r[1]))
    assert sorted(rows, key=lambda r: sort_key(*r)) == expected
    assert sorted(rows, key=lambda r: sort_key(*r).encode()) == expected
    order = store._make_key("order")
    await store.redis.zadd(order, {sort_key(*r): 0 for r in rows})
    in_redis = await store.redis.zrange(order, 0, -1)
    assert in_redis == [sort_key(*r) for r in expected]


async def _directory(store: LeaderboardStore) -> dict[str, str]:
    """The directory hash, in hex (sort keys are not text)."""
    flat = await store.redis.execute_command(
        "EVAL",
        "local out = {} for i, v in ipairs(redis.call('HGETALL', KEYS[1])) do"
        " out[i] = string.gsub(v, '.', function(c) return string.format('%02x', c:byte()) end)"
        " end return out",
        1,
        store._make_key("dir"),
    )
    return dict(zip(flat[::2], flat[1::2], strict=True))


async def test_no_answer_without_a_whole_directory(store: LeaderboardStore) -> None:
    """Boards written before Redis kept the directory, a rebuild under way, and a Redis
    that lost its data: the read answers None (the caller ranks in Python)."""
    award = AppliedAward(1, 1, None, "deal", 100)
    await store.load_sums([AwardSum(1, 1, None, "deal", 100)], 5)  # no directory given
    assert await store.read_page("all") is None
    await store.load_sums([AwardSum(1, 1, None, "deal", 100)], 5, [DirectoryRow(1, "A", 1, True)])
    page = await store.read_page("all")
    assert page is not None and [(r.member_id, r.cents) for r in page.rows] == [(1, 100)]
    await store.redis.set(store._make_key("applied"), -1)  # a rebuild begins
    assert await store.read_page("all") is None
    await store.reset()  # Redis lost everything
    assert await store.read_page("all") is None
    # from the ledger's first entry on, Redis has seen the whole directory
    join = DirectoryChange(7, 2, True, "Zed")
    await store.apply_batch([PendingEntry(1, "{}", (award,), (join,))])
    page = await store.read_page("all")
    assert page is not None
    assert [(r.rank, r.member_id, r.name, r.team_id, r.cents) for r in page.rows] == [
        (1, 7, "Zed", 2, 0)
    ]


async def test_a_board_with_nobody_is_kept(store: LeaderboardStore) -> None:
    """A team with nobody in it reads as an empty board, built once and kept (not built
    again from the whole directory at every read); a new member joining shows."""
    join = DirectoryChange(1, 1, True, "Ann")
    await store.apply_batch([PendingEntry(1, "{}", (), (join,))])
    for _ in range(2):
        page = await store.read_page("all", team_id=2)
        assert page is not None and (page.total, page.rows) == (0, [])
        assert await store.redis.exists(store.view_key("all", team_id=2))
    assert await store.read_around("all", 1, 2, team_id=2) == (page, -1)
    moved = DirectoryChange(1, 2, None, None)
    award = AppliedAward(1, 2, None, "deal", 250)
    await store.apply_batch([PendingEntry(2, "{}", (award,), (moved,))])
    page = await store.read_page("all", team_id=2, offset=0, limit=5)
    assert page is not None and page.total == 1
    assert [(r.rank, r.member_id, r.name, r.team_id, r.cents) for r in page.rows] == [
        (1, 1, "Ann", 2, 250)
    ]
    assert await store.read_page("all", team_id=2, offset=1, limit=5) == type(page)(1, [])


async def test_api_answers_equal_python_ranking(settings, app_client) -> None:  # type: ignore[no-untyped-def]
    """Through the API: pages and a member's rank read from Redis equal what ranking in
    Python answers (Redis's directory set aside), through renames, team moves, a member
    leaving and one joining late, and again after a rebuild from the database."""
    from service.app import redis_client
    from tests.conftest import Api, huddle_rebuild

    api = Api(app_client)
    await api.season(starts_on="2002-01-01", name="Now")
    old = await api.season(starts_on="2000-01-01", ends_on="2001-12-31", name="Old")
    teams = [await api.team() for _ in range(3)]
    names = ["ann", "Bo", "åse", "Straße", "Zed", "bob", "Cy", "ada", "Eve", "dan"]
    members = [await api.member(teams[i % 3]["id"], name=n) for i, n in enumerate(names)]
    for i, m in enumerate(members[:7]):  # three without points; equal amounts: ties
        await api.deal(m["id"], (10_000, 20_000)[i % 2])
    for path, body in [
        (members[0]["id"], {"name": "Anna"}),
        (members[1]["id"], {"team_id": teams[2]["id"]}),
        (members[2]["id"], {"active": False}),
        (members[3]["id"], {"name": "ÅRE", "team_id": teams[0]["id"]}),
    ]:
        await api.call("PATCH", f"/api/members/{path}", json=body, expect=200)
    late = await api.member(teams[1]["id"], name="late")
    await api.deal(members[1]["id"], 20_000)
    ids = [m["id"] for m in members] + [late["id"]]

    async def answers() -> list[object]:
        out: list[object] = []
        for season in ("current", "all", str(old["id"])):
            for params in (
                {"limit": 50},
                {"limit": 3, "offset": 2},
                {"limit": 5, "offset": 9},
                {"team_id": teams[0]["id"]},
                {"team_id": teams[2]["id"], "limit": 1, "offset": 1},
                {"category": "deals"},
            ):
                out.append(await api.get("/api/leaderboards/members", season=season, **params))
            for key in ids:
                out.append(
                    await api.get(
                        f"/api/leaderboards/members/{key}", season=season, around=2, expect=None
                    )
                )
        return out

    redis = redis_client(settings.redis_url)
    try:
        store = LeaderboardStore(redis, settings.redis_prefix)
        assert await store.directory_ready()
        from_redis = await answers()
        await redis.delete(store._make_key("dir", "ready"))  # reads rank in Python again
        assert await store.read_page("all") is None
        assert await answers() == from_redis
        huddle_rebuild(settings)  # boards and directory from the database
        assert await store.directory_ready()
        assert await answers() == from_redis
    finally:
        await redis.aclose()
    # the member who left: on the past season's board, not on the current one
    assert from_redis[6 + 2]["detail"]  # type: ignore[index]
