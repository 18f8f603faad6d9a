"""Importing a CRM's history: CSV and NDJSON, streamed through the write path; the same
file twice adds nothing; bad rows are reported by line and never stop the others."""

import json
import sqlite3

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.conftest import Api
from tests.test_cli import huddle
from tests.test_engine_failure import _sql
from tests.test_live import recv, ws_url

METRIC = {"key": "calls", "name": "Calls made", "points_per_unit": 1, "daily_cap": 10}


async def _setup(api):
    last_year = await api.season("2025-01-01", "2025-12-31", "2025")
    this_year = await api.season("2026-01-01", "2099-12-31", "Now")
    team = await api.team()
    a = await api.member(team["id"], email="ana@example.com")
    b = await api.member(team["id"], email="bo@example.com")
    await api.post("/api/metrics", METRIC, expect=201)
    return last_year, this_year, team, a, b


async def _import(api, body, media="text/csv", token=None, expect=200):
    headers = {**api.auth(token), "Content-Type": media}
    r = await api.client.post("/api/import", content=body, headers=headers)
    assert r.status_code == expect, r.text
    return r.json()


async def test_a_csv_imported_twice_gives_the_same_boards(api):
    last_year, this_year, team, a, b = await _setup(api)
    csv = (
        "type,external_id,seller_email,seller_id,outcome,amount,customer,assists,closed_at,"
        "member_email,metric,value,occurred_at\n"
        f"deal,d-1,ana@example.com,,won,50000,Equinor,{b['id']},2025-06-02T10:00:00+00:00,,,,\n"
        'deal,d-2,,{b},won,"10 000","Acme, Inc.",,2026-02-03T10:00:00+01:00,,,,\n'.format(b=b["id"])
        + "deal,d-3,bo@example.com,,lost,900,DNB,,2026-02-04T10:00:00+01:00,,,,\n"
        + "activity,c-1,,,,,,,,ana@example.com,calls,4,2026-02-03T09:00:00+01:00\n"
        + "activity,c-2,,,,,,,,bo@example.com,calls,12,2026-02-03T09:00:00+01:00\n"
    )
    first = await _import(api, csv)
    assert first == {"rows": 5, "accepted": 5, "duplicates": 0, "refused": 0, "rejected": []}
    boards = (await api.board(season="all"), await api.get("/api/leaderboards/teams", season="all"))
    again = await _import(api, csv)
    assert (again["accepted"], again["duplicates"], again["refused"]) == (0, 5, 0)
    assert (
        await api.board(season="all"),
        await api.get("/api/leaderboards/teams", season="all"),
    ) == boards
    # the 2025 deal is on last year's board, the rest on this year's
    assert (await api.board(season=last_year["id"]))[a["id"]] == 48 + 0
    now = await api.board(season=this_year["id"])
    assert now[b["id"]] == 16 + 10 and now[a["id"]] == 4 + 4  # 20 % of b's deal; calls capped
    calls = await api.get("/api/leaderboards/members", metric="calls", season="all")
    assert {e["member_id"]: e["score"] for e in calls["entries"]} == {a["id"]: 4, b["id"]: 12}


async def test_bad_rows_are_reported_by_line_and_the_rest_kept(api):
    *_, a, b = await _setup(api)
    csv = (
        "type,external_id,seller_id,amount,customer,metric,member_id\n"
        f"deal,ok-1,{a['id']},1000,Equinor,,\n"  # line 2
        f"deal,bad-amount,{a['id']},lots,Equinor,,\n"  # 3
        f"deal,,{a['id']},1000,Equinor,,\n"  # 4: no external_id
        "deal,who,99999,1000,Equinor,,\n"  # 5: no such seller
        f"meeting,m-1,{a['id']},,,,\n"  # 6: unknown type
        f"activity,x-1,,,,nope,{a['id']}\n"  # 7: unknown metric
        f'deal,ok-2,{b["id"]},2000,"Multi\nline AS",,\n'  # 8-9: a quoted field over two lines
        f"activity,c-9,,,,calls,{b['id']}\n"  # 10
    )
    report = await _import(api, csv)
    assert (report["rows"], report["accepted"], report["refused"]) == (8, 3, 5)
    assert [r["line"] for r in report["rejected"]] == [3, 4, 5, 6, 7]
    details = {r["line"]: r["detail"] for r in report["rejected"]}
    assert "amount must be a number" in details[3]
    assert "external_id is required" in details[4]
    assert "no member 99999" in details[5]
    assert "type must be" in details[6]
    assert "no metric" in details[7]
    feed = await api.ledger()
    assert any(e["data"].get("customer") == "Multi\nline AS" for e in feed)


async def test_ndjson_and_refusals(api):
    *_, a, b = await _setup(api)
    rows = [
        {
            "type": "deal",
            "external_id": "n-1",
            "seller_id": a["id"],
            "amount": 1000,
            "customer": "X",
        },
        {"type": "activity", "external_id": "n-2", "member_id": b["id"], "metric": "calls"},
        "not an object",
    ]
    body = "\n".join(json.dumps(r) for r in rows) + "\n{broken\n"
    report = await _import(api, body, media="application/x-ndjson")
    assert (report["accepted"], report["refused"]) == (2, 2)
    assert [r["line"] for r in report["rejected"]] == [3, 4]
    r = await _import(api, "x", media="application/json", expect=415)
    assert "text/csv" in r["detail"]
    seller = await _import(api, "type\n", token=api.tokens[a["id"]], expect=403)
    assert seller["detail"]


def test_the_import_command_shows_progress_and_reports_rejected_rows(tmp_path):
    data = tmp_path / "data"
    assert huddle(data, "migrate").returncode == 0
    assert huddle(data, "demo").returncode == 0
    db = sqlite3.connect(data / "huddle.sqlite3")
    (member,) = db.execute("SELECT id FROM member ORDER BY id LIMIT 1").fetchone()
    file = tmp_path / "history.csv"
    rows = [
        f"deal,h-{i},{member},{1000 + i},Customer {i},2026-01-0{1 + i % 9}T10:00:00+00:00"
        for i in range(50)
    ]
    bad = [f"deal,h-bad-{i},,1000,Nobody," for i in range(1_200)]  # more than the API lists
    file.write_text(
        "type,external_id,seller_id,amount,customer,closed_at\n" + "\n".join(rows + bad) + "\n"
    )
    done = huddle(data, "import", str(file))
    assert done.returncode == 0, done.stderr
    assert "50 accepted" in done.stderr and "1,200 rejected" in done.stderr
    assert "rows/s" in done.stderr
    report = (tmp_path / "history.csv.rejected.csv").read_text().splitlines()
    assert report[0] == "line,detail" and len(report) == 1 + 1_200  # every one, not 1,000
    assert report[1].startswith("52,") and "seller_id or seller_email" in report[1]
    assert report[-1].startswith("1251,")
    again = huddle(data, "import", str(file))
    assert "0 accepted" in again.stderr and "50 duplicates" in again.stderr


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_large_import_reaches_live_boards_as_one_snapshot(start_server):
    """The first 100 rows go out as updates; the rest reach live boards as one fresh
    snapshot at the end, with the boards as the API reads them."""
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        api = Api(client)
        await api.season()
        team = await api.team()
        a = await api.member(team["id"])
        display = await api.role_token("display")
        rows = "".join(f"deal,big-{i},{a['id']},100,C{i}\n" for i in range(250))
        async with connect(ws_url(server, display)) as ws:
            await recv(ws)  # the first snapshot
            report = await _import(api, "type,external_id,seller_id,amount,customer\n" + rows)
            assert report["accepted"] == 250
            updates = 0
            while True:
                message = await recv(ws)
                if message["type"] == "update":
                    updates += 1
                elif message["type"] == "snapshot":
                    break
            assert updates == 100
            assert message["seq"] == (await api.ledger())[-1]["seq"]
            (row,) = [m for m in message["members"] if m["member_id"] == a["id"]]
            assert row["score"] == (await api.board())[a["id"]] == 250 * 10


async def test_thousands_of_rows_in_large_batches_count_exactly_once(api):
    """Rows past the first hundred go to the writer a thousand at a time and are written
    in large batches (on PostgreSQL by COPY): the boards are exact, duplicates within the
    file and on a second import count nothing, a bad row among them is reported alone."""
    _, _, team, a, b = await _setup(api)
    lines = ["type,external_id,seller_id,member_id,amount,customer,metric,value,occurred_at"]
    for i in range(1_500):
        lines.append(f"deal,deal-{i},{a['id']},,100,Customer {i},,,")
        lines.append(f"activity,call-{i},,{b['id']},,,calls,1,2026-03-02T10:00:00+01:00")
        if i % 500 == 7:
            lines.append(f"deal,deal-{i},{a['id']},,100,Customer {i},,,")  # a duplicate
    lines.insert(1_234, "deal,bad-1,,,100,Nobody,,,")  # names no seller
    body = "\n".join(lines) + "\n"
    first = await _import(api, body)
    assert (first["accepted"], first["duplicates"], first["refused"]) == (3_000, 3, 1)
    assert first["rejected"] == [
        {"line": 1_235, "detail": "name the member: seller_id or seller_email"}
    ]
    board = await api.board(season="all")
    # a's deals: 10 points each, 20 % of it to the teammate; b's calls: capped at 10 a day
    assert board == {a["id"]: 1_500 * 8, b["id"]: 1_500 * 2 + 10}
    teams = await api.get("/api/leaderboards/teams", season="all")
    (row,) = [e for e in teams["entries"] if e["team_id"] == team["id"]]
    assert (row["total"], row["score"]) == (15_010, 15_010 / 2)  # per capita: 2 members
    calls = await api.get("/api/leaderboards/members", metric="calls", season="all")
    assert {e["member_id"]: e["score"] for e in calls["entries"]} == {a["id"]: 0, b["id"]: 1_500}
    again = await _import(api, body)
    assert (again["accepted"], again["duplicates"], again["refused"]) == (0, 3_003, 1)
    assert await api.board(season="all") == board


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_large_batch_that_fails_after_its_rows_went_in_leaves_nothing(api, settings):
    """On PostgreSQL a large batch's ledger rows start going in by COPY while the rest of
    it is still being decided. If the batch then fails (here the seq counter refuses to
    move 500 at once: every batch of 500 rows or more fails at its very end), none of its
    rows stays: they are reported, the ledger and the boards hold the rows of the smaller
    batches alone, and the same file again imports the rest exactly once."""
    _, _, _, _, b = await _setup(api)
    lines = ["type,external_id,member_id,metric,value,occurred_at"]
    for i in range(1_500):  # 5 calls a day (under the cap of 10 points)
        day = f"2026-{1 + i // 140:02d}-{1 + i // 5 % 28:02d}"
        lines.append(f"activity,call-{i},{b['id']},calls,1,{day}T10:00:00+01:00")
    body = "\n".join(lines) + "\n"
    top = (await _sql(settings.db_url, "SELECT MAX(seq) FROM entry"))[0][0]
    await _sql(
        settings.db_url,
        "CREATE FUNCTION test_refuse() RETURNS trigger AS $$ BEGIN "
        "IF NEW.value >= OLD.value + 500 THEN RAISE EXCEPTION 'refused by the test'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
    )
    await _sql(
        settings.db_url,
        "CREATE TRIGGER test_refuse BEFORE UPDATE ON counter FOR EACH ROW "
        "EXECUTE FUNCTION test_refuse()",
    )
    first = await _import(api, body)
    kept = first["accepted"]
    assert 100 <= kept < 1_000 and (first["duplicates"], first["refused"]) == (0, 1_500 - kept)
    assert all("nothing was recorded" in r["detail"] for r in first["rejected"])
    counts = (
        f"SELECT (SELECT COUNT(*) FROM entry WHERE seq > {top}), "
        "(SELECT COUNT(*) FROM activity), (SELECT COUNT(*) FROM point_award a "
        f"JOIN entry e ON e.id = a.entry_id WHERE e.seq > {top})"
    )
    assert await _sql(settings.db_url, counts) == [(kept, kept, kept)]
    assert (await api.board(season="all"))[b["id"]] == kept
    await _sql(settings.db_url, "DROP TRIGGER test_refuse ON counter")
    again = await _import(api, body)
    assert (again["accepted"], again["duplicates"], again["refused"]) == (1_500 - kept, kept, 0)
    assert await _sql(settings.db_url, counts) == [(1_500, 1_500, 1_500)]
    assert (await api.board(season="all"))[b["id"]] == 1_500
    calls = await api.get("/api/leaderboards/members", metric="calls", season="all")
    assert {e["member_id"]: e["score"] for e in calls["entries"]}[b["id"]] == 1_500


async def test_a_request_during_an_import_goes_ahead_of_its_queued_rows(start_server):
    """An import through the API hands its rows to the worker's writer thousands at a
    time; a request that arrives meanwhile is decided in the next batch, ahead of every
    row still queued (not after them). Here a deal posted once the import is under way
    lands with fewer than 9,000 more of the file's 30,000 rows before it than when it was
    posted (2,000 to 6,000 measured; with one queue for both, 11,800 to 13,800: the
    import's twelve chunks in flight)."""
    import asyncio

    server = start_server(workers=1)  # one writer: the import and the deal share it
    async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
        api = Api(client)
        _, _, _, a, b = await _setup(api)
        lines = ["type,external_id,member_id,metric,value,occurred_at"]
        for i in range(30_000):
            day = f"2025-{1 + i // 2_600:02d}-{1 + i // 100 % 26:02d}"
            lines.append(f"activity,call-{i},{b['id']},calls,1,{day}T10:00:00+01:00")
        body = "\n".join(lines) + "\n"
        top = (await api.get("/api/feed", limit=1))["entries"][0]["seq"]
        importing = asyncio.create_task(_import(api, body))
        while (await api.get("/api/feed", limit=1))["entries"][0]["seq"] < top + 2_000:
            await asyncio.sleep(0.01)
        started = (await api.get("/api/feed", limit=1))["entries"][0]["seq"] - top
        await api.deal(a["id"], 1000)
        report = await importing
        assert report["accepted"] == 30_000
        feed = await api.ledger()
        (deal,) = [e for e in feed if e["kind"] == "deal.won"]
        ahead = deal["seq"] - top - 1  # the import's rows recorded before the deal
        assert started <= ahead < started + 9_000
        assert [e["seq"] for e in feed] == list(range(1, len(feed) + 1))


async def test_requests_go_first_but_never_hold_an_import_up():
    """The writer's order, batch by batch: requests before an import's rows, but never two
    batches of requests in a row while rows wait (a steady stream of requests cannot stop
    an import, nor an import the requests)."""
    import asyncio
    from zoneinfo import ZoneInfo

    from service.core.commands import RecordDeal
    from service.core.entries import Actor
    from service.engine.writer import Writer, _Group, _Waiting

    writer = Writer(store=None, tz=ZoneInfo("Europe/Oslo"))  # type: ignore[arg-type]
    admin = Actor("admin")
    chunk = _Group(asyncio.get_running_loop().create_future(), [None] * 9, 9)

    def put(name: str, quiet: bool) -> None:  # a row of a chunk, or a request alone
        command = RecordDeal(1, "won", 1, name)
        if quiet:
            writer._put(_Waiting(command, admin, None, quiet=True, group=chunk))
        else:
            writer._put(_Waiting(command, admin, asyncio.get_running_loop().create_future()))

    async def batch() -> list[str]:
        taken = [await writer._next()]
        writer._drain(taken)
        return [w.command.customer for w in taken]

    for i in range(3):
        put(f"row {i}", quiet=True)
    put("request 1", quiet=False)
    assert await batch() == ["request 1"]  # ahead of the rows queued before it
    put("request 2", quiet=False)  # arrives while that batch is decided
    assert await batch() == ["row 0", "row 1", "row 2"]  # the rows' turn now
    put("row 3", quiet=True)
    put("request 3", quiet=False)
    assert await batch() == ["request 2", "request 3"]
    put("request 4", quiet=False)
    assert await batch() == ["row 3"]
    assert await batch() == ["request 4"]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("apart", [False, True], ids=["same instance", "another instance"])
async def test_a_request_cuts_a_batch_of_rows_short(settings, apart):
    """A batch of an import's rows takes thousands (``quiet_batch``); a request that
    arrives while one is decided ends it (once it holds ``max_batch`` rows): the request
    waits for the rows decided before it, not for the rest of the batch, which goes first
    in line for the next batch of rows, none lost or doubled. In the same instance the
    writer sees the request at once; in another, that instance's writer waits for the
    ledger's lock, and the importing writer sees it waiting when it looks the next part
    of the batch up (``Sql.others_wait``): the request waits for a part or two. PostgreSQL:
    there the writer yields while the batch's rows stream in (on SQLite the batch is
    decided in one go, and one file is one host's)."""
    import asyncio

    from service.app import Services, redis_client
    from service.core.commands import CreateMember, CreateTeam, DefineMetric, RecordActivity
    from service.core.entries import Actor
    from service.db.connection import close_db, init_db
    from service.engine.lookups import LOOK_AHEAD

    redis = redis_client(settings.redis_url)
    await init_db(settings.db_url)
    importer = Services.build(settings, redis).writer
    other = Services.build(settings, redis).writer if apart else importer
    writers = list(dict.fromkeys((importer, other)))
    admin = Actor("admin")
    for writer in writers:
        await writer.start()
    try:
        team = (await importer.submit(CreateTeam("Team"), admin)).entries[0].team_id
        a, b = [
            (await importer.submit(CreateMember(name, team, "seller"), admin)).entries[0].member_id
            for name in ("Ana", "Bo")
        ]
        await importer.submit(DefineMetric("calls", "Calls", 1), admin)
        await other.submit(RecordActivity("calls", a), admin)  # caught up, its lock free
        top, size = other.state.seq, importer.quiet_batch  # the ledger's last entry
        rows = [RecordActivity("calls", b, external_id=f"cut-{i}") for i in range(size)]
        importing = asyncio.create_task(importer.submit_many(rows, admin, quiet=True))
        decided = LOOK_AHEAD if apart else 2 * importer.max_batch
        while importer.state.seq < top + decided:  # that batch is being decided
            await asyncio.sleep(0)
        request = await other.submit(RecordActivity("calls", a), admin)
        outcomes = await importing
        assert all(o.entries for o in outcomes)
        seq = request.entries[0].seq - top
        assert decided < seq <= (4 * LOOK_AHEAD if apart else size // 2) < size, seq
        assert sorted(o.entries[0].seq - top for o in outcomes) == [
            n for n in range(1, size + 2) if n != seq
        ]
    finally:
        for writer in reversed(writers):
            await writer.stop()
        await redis.aclose()
        await close_db()


async def test_a_large_batch_finds_every_duplicate(api):
    """An import's batch holds thousands of rows; their external ids are looked up a few
    thousand at a time (``LOOK_UP_KEYS``), and every one is found the second time."""
    from service.engine.tables import LOOK_UP_KEYS

    _, _, _, a, b = await _setup(api)
    rows = 2 * LOOK_UP_KEYS + 500
    body = (
        "type,external_id,member_id,seller_id,outcome,amount,customer,metric,value,occurred_at,"
        "closed_at\n"
        + "".join(
            f"activity,big-{i},{b['id']},,,,,calls,1,2026-02-03T09:00:00+01:00,\n"
            for i in range(rows)
        )
        + "".join(
            f"deal,bigdeal-{i},,{a['id']},won,100,Acme,,,,2026-02-03T09:00:00+01:00\n"
            for i in range(2 * LOOK_UP_KEYS + 7)
        )
    )
    first = await _import(api, body)
    assert (first["accepted"], first["duplicates"], first["refused"]) == (
        rows + 2 * LOOK_UP_KEYS + 7,
        0,
        0,
    )
    board = await api.board(season="all")
    again = await _import(api, body)
    assert (again["accepted"], again["duplicates"]) == (0, rows + 2 * LOOK_UP_KEYS + 7)
    assert await api.board(season="all") == board


async def test_a_batch_looked_up_a_part_at_a_time_decides_as_one_look_up_would(
    api, settings, monkeypatch
):
    """On PostgreSQL a large batch of an import's rows is looked up a part at a time,
    each part while the one before it is decided (``LookAhead``): parts of 100 rows
    here. What the batch recorded in an earlier part (an external id, a day's capped
    points) and what the database held before it (earlier imports) both count, exactly
    as on SQLite, where a batch is looked up at once."""
    from service.engine import lookups

    merged = []
    merge = lookups._merge
    monkeypatch.setattr(lookups, "LOOK_AHEAD", 100)
    monkeypatch.setattr(lookups, "_merge", lambda ctx, found: merged.append(1) or merge(ctx, found))
    _, _, _, a, b = await _setup(api)  # calls: 1 point each, at most 10 a day
    head = "type,external_id,member_id,seller_id,outcome,amount,customer,metric,value,occurred_at\n"

    def call(key, day):
        return f"activity,{key},{b['id']},,,,,calls,1,2026-02-0{day}T09:00:00+01:00\n"

    # before: 4 calls on each of days 1-5, and three deals
    before = "".join(call(f"pre-{day}-{i}", day) for day in range(1, 6) for i in range(4))
    before += "".join(f"deal,pre-deal-{i},,{a['id']},won,100,Acme,,,\n" for i in range(3))
    assert (await _import(api, head + before))["accepted"] == 23
    lines = []
    for i in range(3_000):
        # days 1-5 all along (6 points left of each); day 6 only in the last part
        lines.append(call(f"call-{i}", 6 if i >= 2_950 else i % 5 + 1))
        if i % 250 == 249:  # a row of this import again, a few parts later
            lines.append(call(f"call-{i - 240}", 1))
        if i % 300 == 299:  # a row of the earlier import, first met in a late part
            lines.append(call(f"pre-{i % 5 + 1}-{i % 4}", i % 5 + 1))
            lines.append(f"deal,pre-deal-{i % 3},,{a['id']},won,100,Acme,,,\n")
    report = await _import(api, head + "".join(lines))
    assert (report["accepted"], report["duplicates"], report["refused"]) == (3_000, 32, 0)
    if settings.db_url.startswith("postgres"):
        assert merged  # the batch was looked up in parts
    calls = await api.get("/api/leaderboards/members", metric="calls", season="all")
    assert {e["member_id"]: e["score"] for e in calls["entries"]}[b["id"]] == 20 + 3_000
    # b: 4 points a day before, 6 more of each of days 1-5, 10 of day 6; a: 8 per deal
    assert await api.board(season="all") == {a["id"]: 3 * 8, b["id"]: 5 * 10 + 10 + 3 * 2}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_the_look_ups_by_external_id_read_the_index_however_large_the_table(db_url):
    """An import asks a batch's external ids 2,000 at a time. As ``= ANY`` of the keys,
    PostgreSQL chose to read the whole table for them (it was a fifth of an import's time,
    and grew with the table); the look-ups are index look-ups now, one per key, and they
    find what is there."""
    from datetime import UTC, date, datetime

    import asyncpg

    from service.engine.tables import LOOK_UP_KEYS, Direct, Sql

    conn = await asyncpg.connect(db_url.replace("postgres://", "postgresql://", 1))
    try:
        rows, day, at = 50_000, date(2026, 2, 3), datetime(2026, 2, 3, 9, tzinfo=UTC)
        await conn.copy_records_to_table(
            "activity",
            records=[
                (i, i, 1, 1, "calls", day, 1, 100, f"crm-act-{i}", at) for i in range(1, rows + 1)
            ],
            columns=[
                "id",
                "entry_id",
                "member_id",
                "team_id",
                "metric",
                "day",
                "value",
                "cents",
                "external_id",
                "occurred_at",
            ],
        )
        await conn.copy_records_to_table(
            "deal",
            records=[
                (i, i, 1, 1, "won", 100, "Acme", "[]", f"crm-deal-{i}", at)
                for i in range(1, rows + 1)
            ],
            columns=[
                "id",
                "entry_id",
                "seller_id",
                "team_id",
                "outcome",
                "amount",
                "customer",
                "assists",
                "external_id",
                "closed_at",
            ],
        )
        await conn.execute("ANALYZE activity; ANALYZE deal")

        plans: list[str] = []

        class Explained(Direct):
            async def execute_query_dict(self, sql, values=None):
                plan = await self.conn.fetch("EXPLAIN " + sql, *(values or ()))
                plans.append("\n".join(r[0] for r in plan))
                return await super().execute_query_dict(sql, values)

        sql = Sql(Explained(conn))
        # half of them there, half new: as a batch of a large import asks
        keys = sorted(
            f"crm-act-{i}" for i in range(rows - LOOK_UP_KEYS // 2, rows + LOOK_UP_KEYS // 2)
        )
        found = await sql.activities_by_external(keys)
        assert sorted(a.external_id for a in found) == [k for k in keys if int(k[8:]) <= rows]
        keys = sorted(
            f"crm-deal-{i}" for i in range(rows - LOOK_UP_KEYS // 2, rows + LOOK_UP_KEYS // 2)
        )
        found_deals = await sql.deals_by_external(keys)
        assert sorted(d.external_id for d in found_deals) == [k for k in keys if int(k[9:]) <= rows]
        assert len(plans) == 2
        for table, plan in zip(("activity", "deal"), plans, strict=True):
            assert f"Index Scan using {table}_external_id_key on {table}" in plan, plan
            assert f"Seq Scan on {table}" not in plan, plan
    finally:
        await conn.close()
