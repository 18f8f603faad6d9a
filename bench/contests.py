"""Benchmark: live contest standings against a plain board update, per ledger entry.

The issue's target: with 20 contests running, an entry costs the server at most twice
the CPU it costs with none. Every running contest is counted in the writer's state for
every entry (``core.tally``), and each entry's live ``update`` on ``/ws/board`` carries
``entry.contests``: the standings rows of every running contest its batch moved
(``core.contests``, computed by the writer under the lock). One run, one server, the same
boards throughout:

- ``huddle serve`` (1 worker) on a fresh PostgreSQL database (``--db sqlite``: a SQLite
  file), its own Redis prefix, seeded through the API with 20 teams × 5 sellers
  (bench/write.py's seed, as bench/live.py); N boards on ``/ws/board`` with a display
  token, opened over the client processes of bench/live.py (its ``Clients``: separate
  processes, every arrival stamped with CLOCK_MONOTONIC, every board's ``seq`` checked).
- phase A, no contest: K won deals through ``POST /api/deals`` (admin token), one after
  another; after each, the driver waits until every board has its ``update``, then
  ``--pause`` (bench/live.py's ``paced``). A few deals before, not counted, warm up.
- 20 contests created through ``POST /api/contests`` (admin token), every one running
  (``starts_at`` an hour ago, ``ends_at`` in a day), over every member: 6 ``ranking``
  (points, revenue, deals_won and the ``deals`` category by member; points by team;
  revenue for half the teams' members), 3 ``race`` (points, revenue, deals_won by team)
  with targets no run reaches, 3 ``tiers``, 3 ``head_to_head`` of two sides of teams,
  3 ``improvement`` on points (by member, by team, half the teams' members) and 2
  ``team_target`` (points, revenue) of every team.
- phase B: the same K deals (the same sellers and amounts, drawn from the same seed),
  with the 20 contests running; the same warm-up and figures.

Figures, for each phase:

- server CPU per entry: utime + stime of every process of the server's tree (from
  /proc, as bench/live.py's ``Window``) over the K deals ÷ K. The boards are connected in
  both phases, so this is an entry's whole cost: deciding, appending, publishing and the
  fan-out to N boards. Each phase starts right after a round of Huddle's heartbeats
  (every 15 s); the rounds that fall in among the deals are counted and printed.
- POST p50/p99: the driver's ``POST /api/deals`` from sending to reading the answer.
- delivery p50/p99: from the POST's answer (stamped by the driver as it reads it) to
  each board receiving that ``seq``'s ``update``, over every delivery (N × K); and the
  median of each deal's last board.
- message size: the mean size of the ``update`` messages of the K deals (as a board
  receives them), and in phase B how many contests and standings rows they carry.
- the writer's time under the write lock deciding (``decide``: folding the entry into the
  state, the contests' tallies, their live rows) per entry, from ``GET /metrics``.

Then the ratio B ÷ A of each, and whether CPU per entry B ÷ A ≤ 2 (the target). At the
end every board must have every update (0 missed) and every contest still be running.

Prints a table, writes bench/results/contests-<UTC timestamp>.json. Loopback only; the
server, client processes, database and Redis prefix made here are removed again.

    make bench                                      # or: .venv/bin/python bench/contests.py
    .venv/bin/python bench/contests.py --quick      # 100 boards, 50 deals
    .venv/bin/python bench/contests.py --boards 1000 --deals 400 --db sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import math
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import (
    PG,
    REDIS,
    ROOT,
    reachable,
    revision,
)
from bench.live import (
    Clients,
    await_heartbeat,
    check_text,
    connect_boards,
    latencies,
    paced,
    pct,
    raise_nofile,
    say,
    start_seeded,
    verdict,
)

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TARGET_RATIO = 2.0  # CPU per entry with 20 contests running ÷ with none
WARM_UP = 5  # deals before each phase, not counted
HUGE = 1e11  # a race's target: no run gets near it

Post = Callable[[], Awaitable[tuple[int, int]]]


def service_digest() -> str:
    """A digest of the code measured: every file under service/ (the working tree is
    edited between runs; the commit and ``dirty`` alone do not tell which code ran)."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "service").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()[:12]


# -- the 20 contests ------------------------------------------------------------------------


def contests(teams: list[int]) -> list[dict[str, Any]]:
    """20 contests over every member and team, all running: a realistic mix of formats."""
    now = datetime.now(UTC)
    when = {
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
    }
    half, other = teams[: len(teams) // 2], teams[len(teams) // 2 :]
    quarter = len(teams) // 4
    podium = [{"coins": 500}, {"coins": 300}, {"coins": 100}]
    everyone: dict[str, Any] = {}  # no participants listed: every active member
    by_team = {"participants": {"team_ids": teams, "by": "team"}}
    half_members = {"participants": {"team_ids": half, "by": "member"}}

    def tiers(*targets: float) -> list[dict[str, Any]]:
        return [{"target": t, "prize": {"coins": 50 * (i + 1)}} for i, t in enumerate(targets)]

    def sides(a: list[int], b: list[int]) -> dict[str, Any]:
        return {
            "sides": [{"name": "North", "team_ids": a}, {"name": "South", "team_ids": b}],
            "prizes": [{"description": "Breakfast on the other side"}],
        }

    out: list[dict[str, Any]] = [
        # 6 ranking
        {"format": "ranking", "metric": "points", **everyone, "prizes": podium},
        {"format": "ranking", "metric": "revenue", **everyone, "prizes": podium},
        {"format": "ranking", "metric": "deals_won", **everyone, "prizes": podium},
        {"format": "ranking", "metric": "deals", **everyone, "min_score": 1},
        {"format": "ranking", "metric": "points", **by_team, "prizes": podium[:1]},
        {"format": "ranking", "metric": "revenue", **half_members, "prizes": podium},
        # 3 race, never finished here
        {"format": "race", "metric": "points", **everyone, "target": HUGE},
        {"format": "race", "metric": "revenue", **everyone, "target": HUGE},
        {"format": "race", "metric": "deals_won", **by_team, "target": HUGE},
        # 3 tiers
        {"format": "tiers", "metric": "revenue", **everyone, "tiers": tiers(1e5, 5e5, 1e6)},
        {"format": "tiers", "metric": "deals_won", **everyone, "tiers": tiers(3, 10)},
        {"format": "tiers", "metric": "points", **by_team, "tiers": tiers(100, 1000, 5000)},
        # 3 head-to-head, two sides of teams
        {"format": "head_to_head", "metric": "points", **sides(half, other)},
        {"format": "head_to_head", "metric": "revenue", **sides(half[:quarter], half[quarter:])},
        {
            "format": "head_to_head",
            "metric": "deals_won",
            **sides(other[:quarter], other[quarter:]),
        },
        # 3 improvement on points
        {"format": "improvement", "metric": "points", **everyone, "prizes": podium},
        {"format": "improvement", "metric": "points", **by_team},
        {"format": "improvement", "metric": "points", **half_members},
        # 2 team targets
        {"format": "team_target", "metric": "points", **by_team, "target": 2000},
        {"format": "team_target", "metric": "revenue", **by_team, "target": 1e6},
    ]
    return [
        {"name": f"{c['format'].replace('_', ' ').title()} {i + 1}: {c['metric']}", **when, **c}
        for i, c in enumerate(out)
    ]


async def create_contests(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    r = await http.get("/api/teams")
    r.raise_for_status()
    teams = sorted(t["id"] for t in r.json())
    made = []
    for body in contests(teams):
        r = await http.post("/api/contests", json=body)
        if r.status_code != 201:
            raise RuntimeError(f"POST /api/contests {body['name']} → {r.status_code}: {r.text}")
        c = r.json()
        if c["state"] != "running":
            raise RuntimeError(f"{c['name']} is {c['state']}, not running")
        made.append(c)
    return made


async def running(http: httpx.AsyncClient) -> int:
    r = await http.get("/api/contests", params={"state": "running"})
    r.raise_for_status()
    return len(r.json())


# -- the writer's own clock: GET /metrics ---------------------------------------------------


async def lock_held(http: httpx.AsyncClient) -> dict[str, float]:
    """Seconds the writer held the write lock, by step (catch_up, decide, append, commit),
    as every worker has flushed them to Redis (once a second)."""
    r = await http.get("/metrics")
    r.raise_for_status()
    out: dict[str, float] = {}
    for line in r.text.splitlines():
        if line.startswith("huddle_write_lock_held_seconds_total{"):
            labels, _, value = line.partition("} ")
            step = labels.split('step="', 1)[1].split('"', 1)[0]
            out[step] = out.get(step, 0.0) + float(value)
    return out


# -- one phase ------------------------------------------------------------------------------


async def phase(
    label: str,
    post: Post,
    post_ms: list[float],
    args: argparse.Namespace,
    clients: Clients,
    http: httpx.AsyncClient,
    pid: int,
    boards: int,
) -> dict[str, Any]:
    """K deals one by one, every board reached before the next: CPU per entry, POST and
    delivery latencies, message sizes, the writer's time deciding."""
    for _ in range(WARM_UP):
        seq, _ = await post()
        if not await clients.wait_got(seq, 30):
            raise RuntimeError(f"a warm-up deal (seq {seq}) did not reach every board")
    await asyncio.sleep(1.2)  # the writer's metrics of the warm-up are flushed
    held0 = await lock_held(http)
    aligned = await await_heartbeat(clients)
    _, _, hb0 = await clients.collect([])
    post_ms.clear()
    run = await paced(post, args.deals, args.pause, clients, pid)
    seqs = [s for s, _ in run["posted"]]
    arrivals, samples, hb1 = await clients.collect(seqs)
    await asyncio.sleep(1.2)
    held1 = await lock_held(http)
    k = args.deals
    sizes = [len(t.encode()) for t in samples.values()]
    carried = [len(json.loads(t)["entry"].get("contests") or ()) for t in samples.values()]
    rows = [
        sum(len(c["rows"]) for c in json.loads(t)["entry"].get("contests") or ())
        for t in samples.values()
    ]
    contest_bytes = [
        len(json.dumps(json.loads(t)["entry"].get("contests") or [], separators=(",", ":")))
        for t in samples.values()
    ]
    use = run["use"]
    out = {
        "deals": k,
        "heartbeat_aligned": aligned,
        "cpu_s": run["cpu_s"],
        "cpu_per_entry_ms": run["cpu_s"] * 1000 / k,
        "use": use,
        "late": run["late"],
        "post": {
            "p50_ms": pct(post_ms, 0.5),
            "p99_ms": pct(post_ms, 0.99),
            "max_ms": max(post_ms, default=math.nan),
        },
        "latency": latencies(run["posted"], arrivals, boards),
        "message_bytes": sum(sizes) / len(sizes) if sizes else math.nan,
        "messages_sampled": len(sizes),
        "contests_per_update": sum(carried) / len(carried) if carried else math.nan,
        "contest_rows_per_update": sum(rows) / len(rows) if rows else math.nan,
        "contest_bytes": sum(contest_bytes) / len(contest_bytes) if contest_bytes else math.nan,
        "lock_held_per_entry_ms": {
            step: (held1.get(step, 0.0) - held0.get(step, 0.0)) * 1000 / k
            for step in sorted(set(held0) | set(held1))
        },
        "heartbeats_in_window": hb1 - hb0,
        "first_seq": seqs[0],
        "last_seq": seqs[-1],
    }
    lat = out["latency"]
    say(
        f"   {label}: {k} deals, server CPU {run['cpu_s'] * 1000:.0f} ms → "
        f"{out['cpu_per_entry_ms']:.2f} ms an entry; POST p50 {out['post']['p50_ms']:.1f} ms, "
        f"p99 {out['post']['p99_ms']:.1f} ms; deal → board p50 {lat['p50_ms']:.1f} ms, "
        f"p99 {lat['p99_ms']:.1f} ms; {out['message_bytes']:,.0f} bytes an update"
        + (
            f" ({out['contests_per_update']:.1f} contests, "
            f"{out['contest_rows_per_update']:.0f} rows, {out['contest_bytes']:,.0f} bytes)"
            if out["contests_per_update"]
            else ""
        )
        + f"; decide {out['lock_held_per_entry_ms'].get('decide', math.nan):.2f} ms an entry; "
        f"machine {use['machine_cores']:.1f} cores busy"
        + (f"; {out['heartbeats_in_window']} heartbeats fell in" if hb1 - hb0 else "")
    )
    return out


async def measure(
    args: argparse.Namespace, clients: Clients, tmp: Path, redis_url: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with contextlib.AsyncExitStack() as stack:
        target = await start_seeded(stack, args.db, 1, tmp, redis_url, "contests")
        url, http, ws_url, post, post_ms, rng = (
            target.url,
            target.http,
            target.ws_url,
            target.post,
            target.post_ms,
            target.rng,
        )
        pid = out["server_pid"] = target.pid
        say(f"== Huddle, 1 worker on {args.db}: {url} (pid {pid})")
        for _ in range(10):  # the write path warms up before any board is there
            await post()
        out["connect"] = await connect_boards(clients, ws_url, args.boards, "snapshot", pid)
        boards = out["boards_connected"] = out["connect"]["boards"]

        rng.seed(11)  # both phases post the same deals: the same sellers, the same amounts
        out["a"] = await phase("A, no contest", post, post_ms, args, clients, http, pid, boards)

        t0 = time.perf_counter()
        made = await create_contests(http)
        out["contests"] = [
            {"id": c["id"], "name": c["name"], "format": c["format"], "metric": c["metric"]}
            for c in made
        ]
        out["create_s"] = time.perf_counter() - t0
        say(
            f"   {len(made)} contests created in {out['create_s']:.2f} s: "
            + ", ".join(
                f"{count} {kind}" for kind, count in Counter(c["format"] for c in made).items()
            )
        )

        rng.seed(11)
        out["b"] = await phase(
            f"B, {len(made)} contests", post, post_ms, args, clients, http, pid, boards
        )
        out["running_after"] = await running(http)
        final, _ = await post()  # the last entry: every board must reach it
        out["check"] = await clients.finish(final)
        out["final_seq"] = final
        say(f"   boards checked to seq {final}: {check_text(out['check'])}")
        await clients.close()
    return out


# -- the report -----------------------------------------------------------------------------


def ratio(b: float, a: float) -> float:
    return b / a if a > 0 and b == b else math.nan


def report(out: dict[str, Any]) -> str:
    a, b = out["a"], out["b"]
    n, k, c = out["boards_connected"], out["deals"], len(out["contests"])

    def row(name: str, av: str, bv: str, r: float, note: str = "") -> str:
        rt = f"{r:.2f}×" if r == r else "-"
        return f"{name:28s}{av:>14s}{bv:>16s}{rt:>10s}   {note}".rstrip()

    lines = [
        f"live contest standings, {n:,} boards, {k} deals a phase, {out['client_procs']} "
        f"client processes, Huddle 1 worker on "
        f"{'PostgreSQL' if out['db'] == 'postgres' else 'SQLite'}",
        f"{'':28s}{'A: no contest':>14s}{f'B: {c} contests':>16s}{'B ÷ A':>10s}",
    ]
    cpu_ratio = ratio(b["cpu_per_entry_ms"], a["cpu_per_entry_ms"])
    lines.append(
        row(
            "server CPU per entry",
            f"{a['cpu_per_entry_ms']:.2f} ms",
            f"{b['cpu_per_entry_ms']:.2f} ms",
            cpu_ratio,
            f"(target ≤{TARGET_RATIO:g}×)",
        )
    )
    for name, key in (("POST p50", "p50_ms"), ("POST p99", "p99_ms")):
        av, bv = a["post"][key], b["post"][key]
        lines.append(row(name, f"{av:.1f} ms", f"{bv:.1f} ms", ratio(bv, av)))
    for name, key in (
        ("deal → board p50", "p50_ms"),
        ("deal → board p99", "p99_ms"),
        ("deal → last board, p50", "last_board_p50_ms"),
    ):
        av, bv = a["latency"][key], b["latency"][key]
        lines.append(row(name, f"{av:.1f} ms", f"{bv:.1f} ms", ratio(bv, av)))
    av, bv = a["message_bytes"], b["message_bytes"]
    lines.append(row("update message size", f"{av:,.0f} B", f"{bv:,.0f} B", ratio(bv, av)))
    carried = f"{b['contest_bytes']:,.0f} B"
    lines.append(
        f"{'  of it entry.contests':28s}{'-':>14s}{carried:>16s}{'':10s}   "
        f"({b['contests_per_update']:.1f} contests, "
        f"{b['contest_rows_per_update']:.0f} rows an update)"
    )
    ad = a["lock_held_per_entry_ms"].get("decide", math.nan)
    bd = b["lock_held_per_entry_ms"].get("decide", math.nan)
    lines.append(
        row("writer deciding per entry", f"{ad:.2f} ms", f"{bd:.2f} ms", ratio(bd, ad), "(lock)")
    )
    am, bm = a["use"]["machine_cores"], b["use"]["machine_cores"]
    lines.append(row("machine cores busy", f"{am:.1f}", f"{bm:.1f}", math.nan))
    notes = []
    for who, x in (("A", a), ("B", b)):
        if x["heartbeats_in_window"]:
            notes.append(
                f"{who}: {x['heartbeats_in_window']:,} heartbeats fell in among its deals "
                "(their CPU is counted in its figure)"
            )
        if x["late"]:
            notes.append(f"{who}: {x['late']} deal(s) had not reached every board after 10 s")
        if x["latency"]["missing"]:
            notes.append(f"{who}: {x['latency']['missing']} deliveries not timed (never came)")
        use = x["use"]
        ours = (use["server_cpu_s"] + use["clients_cpu_s"]) / use["seconds"]
        if use["machine_cores"] - ours >= 0.3:
            notes.append(
                f"while {who}'s deals were measured, other work used about "
                f"{use['machine_cores'] - ours:.1f} of the {out['cores']} cores (PostgreSQL, "
                "Redis, this driver and anything else on the machine)"
            )
    if out["connect"].get("failed"):
        notes.append(f"{out['connect']['failed']} board(s) failed to connect")
    if out["running_after"] != c:
        notes.append(f"!! {out['running_after']} of the {c} contests were still running after B")
    check = out["check"]
    if check["closed_by_server"]:
        notes.append(f"boards closed by the server: {check['closed_by_server']}")
    if check["errors"]:
        notes.append(f"client errors: {check['errors']}")
    lines.append(f"{'missed updates':28s}{check['misses']:>30}   (target 0, both phases)")
    lines += [f"note: {t}" for t in notes]
    ok = cpu_ratio <= TARGET_RATIO
    lines.append(
        f"target: server CPU per entry with {c} contests running ÷ with none = "
        f"{cpu_ratio:.2f}× (≤{TARGET_RATIO:g}×): {verdict(ok)}; "
        f"0 misses: {verdict(check['misses'] == 0 and not check['closed_by_server'])}"
    )
    return "\n".join(lines)


# -- main -----------------------------------------------------------------------------------


async def amain(args: argparse.Namespace, tmp: Path, redis_url: str) -> dict[str, Any]:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    clients = Clients(args.client_procs)  # bench/live.py --worker processes
    try:
        await clients.start()
        return await measure(args, clients, tmp, redis_url)
    finally:
        await clients.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--boards", type=int, default=500, help="boards connected (500)")
    parser.add_argument("--deals", type=int, default=200, help="deals a phase, one by one (200)")
    parser.add_argument("--pause", type=float, default=0.05, help="s between deals (0.05)")
    parser.add_argument("--client-procs", type=int, default=2, help="client processes (2)")
    parser.add_argument(
        "--db",
        choices=("auto", "postgres", "sqlite"),
        default="auto",
        help="Huddle's database: PostgreSQL when reachable (auto)",
    )
    parser.add_argument("--quick", action="store_true", help="100 boards, 50 deals")
    args = parser.parse_args()
    if args.quick:
        args.boards, args.deals = 100, 50
    pg_host, pg_port = PG.rsplit("@", 1)[-1].split("/")[0].split(":")
    if args.db == "auto":
        args.db = "postgres" if reachable(pg_host, int(pg_port)) else "sqlite"
    elif args.db == "postgres" and not reachable(pg_host, int(pg_port)):
        say(f"PostgreSQL is not reachable at {PG} (set HUDDLE_TEST_POSTGRES_URL)")
        return 2
    raise_nofile()
    started = time.perf_counter()
    at = datetime.now(UTC)
    out: dict[str, Any] = {
        "at": at.isoformat(timespec="seconds"),
        **revision(),
        "cores": os.cpu_count(),
        "target_cpu_ratio": TARGET_RATIO,
        "boards": args.boards,
        "deals": args.deals,
        "pause_s": args.pause,
        "warm_up": WARM_UP,
        "client_procs": args.client_procs,
        "db": args.db,
        "service_digest": service_digest(),
    }
    embedded = None
    redis_url = REDIS
    redis_host, redis_port = REDIS.split("://", 1)[1].split("/")[0].split(":")
    with tempfile.TemporaryDirectory(prefix="huddle-contests-") as tmp_dir:
        tmp = Path(tmp_dir)
        try:
            if not reachable(redis_host, int(redis_port)):
                from service.store.embedded import EmbeddedRedis

                embedded = EmbeddedRedis(tmp / "redis")
                redis_url = embedded.start()
            out.update(asyncio.run(amain(args, tmp, redis_url)))
        except (KeyboardInterrupt, asyncio.CancelledError):
            say("interrupted: the server, client processes, database and Redis keys are gone")
            return 130
        finally:
            if embedded is not None:
                embedded.stop()
    out["total_s"] = round(time.perf_counter() - started, 1)
    out["service_changed"] = service_digest() != out["service_digest"]
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"contests-{at.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nHuddle contests benchmark — {out['at']}, commit {out['commit']}", end="")
    print(f"{' (service/ modified)' if out['dirty'] else ''}, ", end="")
    print(f"{out['cores']} cores, {out['total_s']:.0f} s in all, service/ {out['service_digest']}")
    if out["service_changed"]:
        print("!! service/ changed during the run: the server ran the code of its start")
    print()
    print(report(out))
    print(f"\nfigures: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
