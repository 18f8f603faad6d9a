"""The store's write side against a real Redis: batches in one round trip, out-of-order
writers, duplicates, and rebuilding from sums."""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections import defaultdict
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from service.store.embedded import EmbeddedRedis
from service.store.leaderboard import (
    AppliedAward,
    AwardSum,
    LeaderboardStore,
    PendingEntry,
    PendingSpan,
)

CATEGORIES = ("deal", "kudos", "mentoring")


def make_entries(count: int, seed: int = 1, members: int = 12) -> list[PendingEntry]:
    """``count`` entries from seq 1, each with 0–3 awards, some in a season, some not."""
    rng = random.Random(seed)
    entries = []
    for seq in range(1, count + 1):
        awards = tuple(
            AppliedAward(
                member_id=(m := rng.randint(1, members)),
                team_id=m % 3 + 1,
                season_id=rng.choice([None, 1, 2]),
                category=rng.choice(CATEGORIES),
                cents=rng.randint(-500, 5_000),
            )
            for _ in range(rng.randint(0, 3))
        )
        entries.append(PendingEntry(seq, json.dumps({"seq": seq}), awards))
    return entries


def sums_of(entries: list[PendingEntry]) -> list[AwardSum]:
    totals: dict[tuple[int, int, int | None, str], int] = defaultdict(int)
    for entry in entries:
        for a in entry.awards:
            totals[(a.member_id, a.team_id, a.season_id, a.category)] += a.cents
    return [AwardSum(*key, cents) for key, cents in totals.items()]


def span(entries: list[PendingEntry]) -> PendingSpan:
    """Consecutive entries as one span, as the writer sends an import's rows."""
    totals: dict[tuple[int, int, int, str], int] = defaultdict(int)
    for entry in entries:
        for a in entry.awards:
            totals[(a.member_id, a.team_id, a.season_id or 0, a.category)] += a.cents
    quiet = [e._replace(message="") for e in entries]
    awards = tuple((*key, cents) for key, cents in totals.items())
    return PendingSpan(entries[0].seq, entries[-1].seq, awards, lambda: quiet)


async def boards(store: LeaderboardStore) -> dict[str, dict[str, float]]:
    """Every board of a store, keyed without its prefix."""
    result = {}
    for pattern in ("m:*", "t:*"):
        async for key in store.redis.scan_iter(match=f"{store.prefix}:{pattern}"):
            rows = await store.redis.zrange(key, 0, -1, withscores=True)
            result[key.removeprefix(store.prefix)] = dict(rows)
    return result


async def test_a_batch_is_one_evalsha(tmp_path: Path) -> None:
    """A batch of 200 entries costs one EVALSHA on a private Redis, and nothing else."""
    server = EmbeddedRedis(tmp_path)
    client = Redis.from_url(server.start(), decode_responses=True)
    try:
        store = LeaderboardStore(client, "one")
        await store.load_script()
        await client.config_resetstat()
        assert await store.apply_batch(make_entries(200)) == 200
        stats = await client.info("commandstats")
        assert stats["cmdstat_evalsha"]["calls"] == 1
        assert not {"cmdstat_multi", "cmdstat_exec", "cmdstat_script|load"} & set(stats)
    finally:
        await client.aclose()
        server.stop()


async def test_two_writers_out_of_order_end_level(redis: Redis, store: LeaderboardStore) -> None:
    """Two concurrent writers sending batches in random order leave exact boards, every
    entry applied once, nothing parked, and the stream and pub/sub in seq order."""
    entries = make_entries(400, seed=7)
    rng = random.Random(3)
    cuts = sorted(rng.sample(range(1, 400), 60))
    batches = [entries[a:b] for a, b in zip([0, *cuts], [*cuts, 400], strict=True)]
    rng.shuffle(batches)
    pubsub = redis.pubsub()
    await pubsub.subscribe(store.channel)
    await pubsub.get_message(timeout=1)  # the subscribe confirmation

    parked_on_the_way = []

    async def writer(mine: list[list[PendingEntry]]) -> None:
        own = Redis(connection_pool=redis.connection_pool)
        writer_store = LeaderboardStore(own, store.prefix, store.stream_length)
        for batch in mine:
            if await writer_store.apply_batch(batch) < batch[-1].seq:
                parked_on_the_way.append(batch[-1].seq)
            await asyncio.sleep(rng.random() / 1000)

    await asyncio.gather(writer(batches[::2]), writer(batches[1::2]))
    last = 400
    assert parked_on_the_way  # the order really was scrambled
    assert await store.applied_seq() == last
    assert await store.parked_count() == 0
    expected = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        await expected.load_sums(sums_of(entries), last)
        assert await boards(store) == await boards(expected)
    finally:
        await expected.reset()
    stream = await redis.xrange(store._make_key("stream"))
    assert [int(i.split("-")[0]) for i, _ in stream] == list(range(1, last + 1))
    published = []
    while len(published) < last:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=2)
        assert message is not None, f"only {len(published)} of {last} published"
        # one message per call: the entries it applied, one per line
        published.extend(json.loads(line)["seq"] for line in message["data"].split("\n"))
    assert published == list(range(1, last + 1))
    await pubsub.aclose()


async def test_a_duplicate_batch_changes_nothing(redis: Redis, store: LeaderboardStore) -> None:
    """Sending applied entries again changes no board, stream, or seq and publishes nothing."""
    entries = make_entries(50)
    await store.apply_batch(entries)
    before = await boards(store)
    stream = await redis.xrange(store._make_key("stream"))
    pubsub = redis.pubsub()
    await pubsub.subscribe(store.channel)
    await pubsub.get_message(timeout=1)
    assert await store.apply_batch(entries[10:30]) == 50
    assert await store.apply_batch(entries) == 50
    assert await boards(store) == before
    assert await redis.xrange(store._make_key("stream")) == stream
    assert await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.3) is None
    await pubsub.aclose()


async def test_parked_entries_wait_for_the_gap(store: LeaderboardStore) -> None:
    """Entries after a gap park, change no board, and are applied by the call filling it."""
    entries = make_entries(10)
    assert await store.apply_batch(entries[5:]) == 0
    assert await store.parked_count() == 5
    assert await boards(store) == {}
    assert await store.apply_batch(entries[:3]) == 3
    assert await store.apply_batch(entries[3:5]) == 10
    assert await store.parked_count() == 0


async def test_a_malformed_batch_writes_nothing(store: LeaderboardStore) -> None:
    """A bad entry in a batch fails the whole call before anything is written."""
    keys = [store._make_key(k) for k in ("applied", "parked", "stream")]
    good = store._encode(make_entries(1)[0], publish=True)
    with pytest.raises(ResponseError, match="malformed entry #2"):
        await store._run(
            "apply_batch", keys, [store.channel, "10", store.prefix, *good, "[2, [[1]]]", "{}"]
        )
    assert await store.applied_seq() is None
    assert await boards(store) == {}


async def test_without_publish_nothing_is_streamed(redis: Redis, store: LeaderboardStore) -> None:
    """publish=False applies the boards but neither streams nor publishes."""
    await store.apply_batch(make_entries(5), publish=False)
    assert await store.applied_seq() == 5
    assert await redis.xlen(store._make_key("stream")) == 0


async def test_load_sums_equals_incremental(redis: Redis, store: LeaderboardStore) -> None:
    """Boards written from sums equal boards built entry by entry, totals included."""
    entries = make_entries(300, seed=11)
    await store.apply_batch(entries)
    rebuilt = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        assert await rebuilt.load_sums(sums_of(entries), 300) == 300
        assert await boards(rebuilt) == await boards(store)
        for scope in ("all", "s1", "s2"):
            total = await rebuilt.member_scores(scope)
            by_category: dict[int, int] = defaultdict(int)
            for category in CATEGORIES:
                for member, cents in (await rebuilt.member_scores(scope, category)).items():
                    by_category[member] += cents
            assert total == by_category
    finally:
        await rebuilt.reset()


async def test_rebase_keeps_only_later_parked_entries(store: LeaderboardStore) -> None:
    """After a rebuild to seq 30, entries parked meanwhile up to 30 are dropped, later apply."""
    entries = make_entries(40)
    await store.redis.set(store._make_key("applied"), -1)  # a rebuild under way
    assert await store.apply_batch(entries[25:35]) == -1
    assert await store.parked_count() == 10
    keys = [store._make_key("applied"), store._make_key("parked")]
    assert await store._run("rebase", keys, ["30"]) == 5
    assert await store.apply_batch([]) == 35
    assert await store.parked_count() == 0


async def test_load_sums_while_a_writer_applies(store: LeaderboardStore) -> None:
    """A writer applying during load_sums neither doubles nor loses anything once caught up."""
    entries = make_entries(400, seed=5)
    await store.apply_batch(entries[:100])
    done = asyncio.Event()

    async def writer() -> None:
        while not done.is_set():
            for start in range(300, 400, 7):
                await store.apply_batch(entries[start : start + 7])
            await asyncio.sleep(0)

    task = asyncio.create_task(writer())
    await store.load_sums(sums_of(entries[:300]), 300)
    done.set()
    await task
    assert await store.apply_batch(entries[300:]) == 400
    assert await store.parked_count() == 0
    expected = LeaderboardStore(store.redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        await expected.apply_batch(entries)
        assert await boards(store) == await boards(expected)
    finally:
        await expected.reset()


async def test_quiet_entries_go_as_one_span(tmp_path: Path) -> None:
    """Entries that are neither published nor change the directory (an import's) are sent
    as one head with their awards summed: the same boards as one by one, one EVALSHA, and
    a published entry in between keeps its place in the stream."""
    server = EmbeddedRedis(tmp_path)
    client = Redis.from_url(server.start(), decode_responses=True)
    try:
        entries = make_entries(300, seed=13)
        quiet = [e._replace(message="") for e in entries]
        quiet[150] = entries[150]  # a live one among them: streamed, in its place
        spans = LeaderboardStore(client, "spans")
        await spans.load_script()
        await client.config_resetstat()
        assert await spans.apply_batch([span(quiet[:150]), quiet[150], span(quiet[151:])]) == 300
        stats = await client.info("commandstats")
        assert stats["cmdstat_evalsha"]["calls"] == 1
        one_by_one = LeaderboardStore(client, "single")
        for entry in quiet:
            await one_by_one.apply_batch([entry])
        assert await boards(spans) == await boards(one_by_one)
        assert [i for i, _ in await client.xrange(spans._make_key("stream"))] == ["151-0"]
    finally:
        await client.aclose()
        server.stop()


async def test_spans_out_of_order_and_partly_applied(redis: Redis, store: LeaderboardStore) -> None:
    """Spans arriving out of order park and apply whole; a span part of which the board
    sync applied already (from the ledger, one by one) is sent again entry by entry:
    every award counts once."""
    entries = make_entries(120, seed=17)
    assert await store.apply_batch([span(entries[40:80])]) == 0  # parked: one span
    assert await store.parked_count() == 1
    assert await store.apply_batch(entries[:10]) == 10
    # the sync caught up 11..25 meanwhile; the writer's span 1..40 overlaps it
    await store.apply_batch(entries[10:25])
    assert await store.apply_batch([span(entries[:40])]) == 80  # and the parked span
    assert await store.parked_count() == 0
    assert await store.apply_batch([span(entries[60:120])]) == 120
    expected = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        await expected.load_sums(sums_of(entries), 120)
        assert await boards(store) == await boards(expected)
    finally:
        await expected.reset()


async def test_a_malformed_span_writes_nothing(store: LeaderboardStore) -> None:
    """A span that ends before it starts, or changes the directory, is refused whole."""
    keys = [store._make_key(k) for k in ("applied", "parked", "stream")]
    for head in ("[5, [], [], 4]", '[1, [], [[1, 1, 1, "a", "A"]], 3]', "[1, [], [], 2.5]"):
        with pytest.raises(ResponseError, match="malformed entry #1"):
            await store._run("apply_batch", keys, [store.channel, "10", store.prefix, head, ""])
    assert await store.applied_seq() is None


async def test_an_imports_entries_go_as_spans_with_the_boards_of_one_by_one(
    redis: Redis, store: LeaderboardStore
) -> None:
    """The writer sends consecutive quiet entries (an import's rows) as spans, summing
    their awards and each activity's units itself: the boards are those of the same
    entries sent one by one; a live entry or a member who joins among them stays an entry
    of its own, in its place."""
    from datetime import UTC, date, datetime

    from service.core.entries import (
        ActivityLogged,
        Actor,
        Award,
        DealWon,
        Entry,
        MemberJoined,
    )
    from service.engine.pending import pending_batch, pending_entry

    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    rng = random.Random(5)
    entries = []
    for seq in range(1, 401):
        member = rng.randint(1, 6)
        team, season = member % 2 + 1, rng.choice([None, 1])
        if seq == 150:
            payload: object = MemberJoined("Kari", "seller", date(2026, 3, 2), "Oslo")
            awards: tuple[Award, ...] = ()
        elif seq % 3:
            value = rng.randint(1, 4)
            payload = ActivityLogged(rng.choice(["calls", "meetings"]), value, value, seq, None)
            awards = (Award(member, team, "activity", value * 100),)
        else:
            payload = DealWon(1_000, "Acme", [], None, seq)
            awards = (Award(member, team, "deals", 800), Award(member + 2, team, "team_share", 200))
        entries.append(
            Entry(
                seq=seq,
                occurred_at=at,
                recorded_at=at,
                week="2026-W10",
                actor=Actor("admin"),
                policy_id=1,
                payload=payload,  # type: ignore[arg-type]
                member_id=member,
                team_id=team,
                season_id=season,
                awards=awards,
                names={member: f"M{member}"},
                id=seq,
            )
        )
    live = {1, 2, 3, 200, 201, 400}  # the first rows of an import, a live entry among them
    quiet = {e.seq for e in entries} - live
    pending = pending_batch(entries, quiet)
    assert len(pending) == 10  # 1 | 2 | 3 | 4..149 | 150 | 151..199 | 200 | 201 | 202..399 | 400
    assert sum(isinstance(p, PendingSpan) for p in pending) == 3
    assert await store.apply_batch(pending) == 400
    one_by_one = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}")
    try:
        for entry in entries:
            await one_by_one.apply_batch([pending_entry(entry, entry.seq not in quiet)])
        assert await boards(store) == await boards(one_by_one)
        assert any(key.endswith(":#calls") for key in await boards(store))
        streamed = await redis.xrange(store._make_key("stream"))
        assert [int(i.split("-")[0]) for i, _ in streamed] == sorted(live)
    finally:
        await one_by_one.reset()
