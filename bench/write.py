"""Benchmark: the write path (won deals and kudos through HTTP) against its floor.

In one run, on PostgreSQL with 2 workers (plus SQLite with 1 and 2 workers):

1. the floor: raw asyncpg doing Huddle's serialized transaction (bump the ``seq`` counter
   row, insert an entry and 5 awards, commit) from 16 clients, one entry per transaction
   and batches of 10 and 100;
2. Huddle through HTTP, ``wrk`` at 16 and 64 connections: won deals (admin token) and
   kudos (a token per seller), for "today" (a ``git worktree`` of ``--today``) and "now"
   (this working tree), each on a fresh database with 20 teams × 5 sellers;
3. ``huddle rebuild`` of a large ledger seeded straight into PostgreSQL, beside the raw
   aggregate query it needs.

Prints one table and writes bench/results/write-<timestamp>.json. Loopback only.

    make bench                                   # or: .venv/bin/python bench/write.py
    .venv/bin/python bench/write.py --quick      # a short run while developing
    .venv/bin/python bench/write.py --duration 20 --size 1000000 --skip sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench import floor as floor_mod
from bench import rebuild as rebuild_mod
from bench.common import (
    ADMIN,
    PG,
    REDIS,
    ROOT,
    Code,
    cpu_times,
    create_pg_database,
    delete_redis_prefix,
    drop_pg_database,
    free_port,
    git_checkout,
    machine_busy,
    pg_dsn,
    process_tree,
    reachable,
    revision,
    start,
    stop,
)

TODAY_REF = "6dbdfd9"
WRK_DIR = Path(__file__).resolve().parent / "wrk"
RESULTS = Path(__file__).resolve().parent / "results"
TARGET_RATE = 3000
TARGET_P99_MS = 50
TARGET_SPEEDUP = 20


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- CPU accounting: who used the cores during a run ----------------------------------------


def _named(*names: str) -> list[int]:
    import psutil

    return [
        p.pid
        for p in psutil.process_iter(["name"])
        if p.info["name"] and p.info["name"].startswith(names)
    ]


class CpuMeter:
    """Cores used by the server tree, PostgreSQL, Redis and wrk between start() and stop().

    Processes are listed again at the end, so backends opened during the run count too.
    PostgreSQL and Redis are shared: other work on the machine shows up in their figures.
    """

    def __init__(self, server_pid: int) -> None:
        self.groups = {
            "server": lambda: process_tree(server_pid),
            "postgres": lambda: _named("postgres"),
            "redis": lambda: _named("redis-server"),
        }

    def start(self) -> None:
        self.t0 = time.perf_counter()
        self.before = {k: cpu_times(pids()) for k, pids in self.groups.items()}
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.children0 = usage.ru_utime + usage.ru_stime
        self.machine0 = machine_busy()

    def stop(self) -> dict[str, float]:
        elapsed = time.perf_counter() - self.t0
        cores = {}
        for k, pids in self.groups.items():
            before = self.before[k]
            after = cpu_times(pids())
            cores[k] = sum(t - before.get(pid, 0.0) for pid, t in after.items()) / elapsed
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        cores["wrk"] = (usage.ru_utime + usage.ru_stime - self.children0) / elapsed
        # everything else on the machine: other work sharing the cores skews the figures
        cores["other"] = max(0.0, (machine_busy() - self.machine0) / elapsed - sum(cores.values()))
        return {k: round(v, 2) for k, v in cores.items()}


# -- seeding through the API ----------------------------------------------------------------


def seed_http(url: str, tmp: Path) -> dict[str, Any]:
    """A season around today, 20 teams × 5 sellers with a token each, generous kudos limits.

    Teams of 5: a won deal writes an entry and 5 awards (the seller's and 4 teammates'
    shares), the same work as the floor's transaction."""
    headers = {"Authorization": f"Bearer {ADMIN}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as http:

        def post(path: str, body: dict[str, Any], method: str = "POST") -> Any:
            r = http.request(method, path, json=body)
            if r.status_code >= 300:
                raise RuntimeError(f"{method} {path} → {r.status_code}: {r.text}")
            return r.json()

        today = date.today()
        post(
            "/api/seasons",
            {
                "name": "Bench season",
                "starts_on": str(today - timedelta(days=30)),
                "ends_on": str(today + timedelta(days=60)),
            },
        )
        big = 1_000_000_000
        post(
            "/api/policy",
            {
                "kudos_weekly_allowance": big,
                "kudos_recipient_weekly_cap": big,
                "kudos_reciprocity_limit": 2 * big,
            },
            method="PUT",
        )
        # thanks round rings and weekly swaps (newer code): random pairs make both at once
        r = http.put("/api/policy", json={"kudos_ring_limit": 0, "kudos_swap_weeks": 0})
        if r.status_code not in (200, 422):  # 422: older code, which has no such keys
            raise RuntimeError(f"PUT /api/policy → {r.status_code}: {r.text}")
        members: list[tuple[int, str]] = []
        for t in range(20):
            team = post("/api/teams", {"name": f"Team {t + 1}"})
            for m in range(5):
                member = post(
                    "/api/members",
                    {
                        "name": f"Seller {t + 1}.{m + 1}",
                        "team_id": team["id"],
                        "role": "seller",
                        "joined_on": "2020-01-01",
                    },
                )
                token = post("/api/tokens", {"member_id": member["id"]})["token"]
                members.append((member["id"], token))
    sellers = tmp / f"sellers-{uuid.uuid4().hex[:6]}.txt"
    sellers.write_text("".join(f"{m}\n" for m, _ in members))
    tokens = tmp / f"tokens-{uuid.uuid4().hex[:6]}.txt"
    tokens.write_text("".join(f"{t} {m}\n" for m, t in members))
    return {"sellers": sellers, "tokens": tokens, "members": members}


def sample_error(url: str, scenario: str, seed: dict[str, Any]) -> str:
    """One request shaped like the load's, to show what a non-2xx answer says."""
    (m1, t1), (m2, _) = seed["members"][0], seed["members"][1]
    if scenario == "deals":
        headers = {"Authorization": f"Bearer {ADMIN}"}
        body: dict[str, Any] = {"seller_id": m1, "outcome": "won", "amount": 5000, "customer": "X"}
        path = "/api/deals"
    else:
        headers = {"Authorization": f"Bearer {t1}"}
        body = {"to_member_id": m2, "points": 1, "message": "sample"}
        path = "/api/kudos"
    r = httpx.post(url + path, json=body, headers=headers, timeout=30)
    return f"{r.status_code} {r.text[:300]}"


# -- wrk ------------------------------------------------------------------------------------


def wrk(
    url: str,
    scenario: str,
    connections: int,
    seconds: float,
    seed: dict[str, Any],
    scripts: Path = WRK_DIR,
) -> dict:
    """``wrk`` with ``<scripts>/<scenario>.lua`` against a seeded server: its figures."""
    if scenario == "deals":
        lua, args = scripts / "deals.lua", [ADMIN, str(seed["sellers"])]
    else:
        lua, args = scripts / "kudos.lua", [str(seed["tokens"])]
    cmd = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(lua),
        url,
        "--",
        *args,
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    seconds_run = raw["duration_us"] / 1e6
    errors = raw["non2xx"] + raw["connect"] + raw["read"] + raw["write"] + raw["timeout"]
    return {
        "requests": raw["requests"],
        "ok_per_s": (raw["requests"] - raw["non2xx"]) / seconds_run,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non2xx": raw["non2xx"],
        "socket_errors": errors - raw["non2xx"],
        # nothing answered within the run (wrk only counts finished requests)
        "stalled": raw["requests"] == 0,
        "seconds": seconds_run,
    }


# -- the write lock, from the server's /metrics ---------------------------------------------
LOCK_STEPS = ("catch_up", "decide", "append", "commit")


def lock_counters(url: str) -> dict[str, float] | None:
    """The writers' lock counters (seconds per step, waiting, batches), all workers; None
    for code without them. Counters reach Redis once a second: wait for the last flush."""
    time.sleep(1.2)
    r = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {ADMIN}"}, timeout=10)
    if r.status_code != 200 or "huddle_write_lock_held_seconds_total" not in r.text:
        return None
    out: dict[str, float] = {}
    for line in r.text.splitlines():
        name, _, value = line.rpartition(" ")
        for step in LOCK_STEPS:
            if name == f'huddle_write_lock_held_seconds_total{{step="{step}"}}':
                out[step] = float(value)
        key = {
            "huddle_write_lock_wait_seconds_total": "wait",
            "huddle_batches_total": "batches",
            "huddle_batch_commands_total": "commands",
        }.get(name)
        if key:
            out[key] = float(value)
    return out


def lock_use(
    before: dict[str, float] | None, after: dict[str, float] | None, seconds: float
) -> dict[str, float] | None:
    """Share of the run the ledger's lock was held, and a batch's milliseconds per step."""
    if before is None or after is None:
        return None
    d = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    batches = d.get("batches") or 1.0
    held = sum(d.get(s, 0.0) for s in LOCK_STEPS)
    return {
        "held_share": held / seconds,
        "batch_commands": d.get("commands", 0.0) / batches,
        **{f"{s}_ms": d.get(s, 0.0) * 1000 / batches for s in LOCK_STEPS},
        "wait_ms": d.get("wait", 0.0) * 1000 / batches,
    }


def bad(run: dict[str, Any]) -> bool:
    """A run with refused requests, socket errors or no finished request is not a figure."""
    return bool(
        run["non2xx"] or run["socket_errors"] or run["stalled"] or run.get("workers_replaced")
    )


# -- one Huddle target: fresh database, server, seed, wrk runs ------------------------------


class Target:
    """One Huddle under load: its own fresh database, Redis prefix and server, seeded."""

    def __init__(self, code: Code, db: str, workers: int, tmp: Path) -> None:
        self.code, self.db, self.workers, self.tmp = code, db, workers, tmp
        self.label = f"{db} {workers}w {code.label}"
        self.proc: Any = None
        self.db_url = ""

    def __enter__(self) -> Target:
        say(f"== {self.label}: {self.code.module_file()}")
        if self.db == "postgres":
            self.db_url = asyncio.run(create_pg_database("bench"))
        else:
            self.db_url = f"sqlite://{self.tmp / f'bench-{uuid.uuid4().hex[:8]}.sqlite3'}"
        self.prefix = f"bench{uuid.uuid4().hex[:8]}"
        env = {
            "HUDDLE_DATABASE_URL": self.db_url,
            "HUDDLE_REDIS_URL": REDIS,
            "HUDDLE_REDIS_PREFIX": self.prefix,
            "HUDDLE_DATA_DIR": str(self.tmp),
        }
        try:
            self.code.run(["migrate"], env, capture_output=True)
            self.proc, self.url = start(
                self.db_url, REDIS, self.workers, self.tmp, code=self.code, prefix=self.prefix
            )
            self.seed = seed_http(self.url, self.tmp)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
        if self.db == "postgres" and self.db_url:
            asyncio.run(drop_pg_database(self.db_url))
        delete_redis_prefix(REDIS, self.prefix)

    def run(self, scenario: str, connections: int, seconds: float) -> dict[str, Any]:
        workers = set(process_tree(self.proc.pid)[1:])
        before = lock_counters(self.url)
        meter = CpuMeter(self.proc.pid)
        meter.start()
        r = wrk(self.url, scenario, connections, seconds, self.seed)
        r["cores"] = meter.stop()
        r["lock"] = lock_use(before, lock_counters(self.url), r["seconds"])
        # uvicorn's supervisor kills a worker that misses its health check and starts another
        r["workers_replaced"] = len(workers - set(process_tree(self.proc.pid)[1:]))
        r.update(
            db=self.db,
            workers=self.workers,
            code=self.code.label,
            scenario=scenario,
            clients=connections,
        )
        if r["workers_replaced"]:
            say(
                f"!! {self.label} {scenario} c{connections}: {r['workers_replaced']} server "
                "process(es) died or were replaced during the run"
            )
        if bad(r):
            r["sample_error"] = sample_error(self.url, scenario, self.seed)
            say(
                f"!! {self.label} {scenario} c{connections}: {r['non2xx']} NON-2XX and "
                f"{r['socket_errors']} socket errors of {r['requests']} requests"
                f"{' (NONE FINISHED)' if r['stalled'] else ''}; "
                f"a sample answer: {r['sample_error']}"
            )
        say(
            f"   {self.label:20s} {scenario:5s} c{connections:<3d} {r['ok_per_s']:8.0f}/s  "
            f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
            f"non-2xx {r['non2xx']}  cores {r['cores']}"
        )
        if r["lock"]:
            say(f"   {'':20s} write lock: {lock_text(r['lock'])}")
        return r


def lock_text(lock: dict[str, float]) -> str:
    steps = ", ".join(f"{s.replace('_', '-')} {lock[f'{s}_ms']:.1f}" for s in LOCK_STEPS)
    return (
        f"held {lock['held_share']:.0%} of the run; a batch of {lock['batch_commands']:.0f} "
        f"commands held it {sum(lock[f'{s}_ms'] for s in LOCK_STEPS):.1f} ms ({steps}) "
        f"after waiting {lock['wait_ms']:.1f} ms"
    )


class Anchor(Target):
    """The HTTP anchor (``bench/anchor_http.py``): Litestar under uvicorn with the same
    workers and options as ``huddle serve``, answering the same requests with no work."""

    def __init__(self, workers: int, tmp: Path) -> None:
        super().__init__(Code("anchor"), "http", workers, tmp)
        self.label = f"anchor {workers}w litestar"

    def __enter__(self) -> Anchor:
        say(f"== {self.label}: bench/anchor_http.py, no ledger, no database, no Redis")
        port = free_port()
        log = open(self.tmp / f"anchor-{port}.log", "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "bench.anchor_http:app",
                "--port",
                str(port),
                "--workers",
                str(self.workers),
                "--log-level",
                "warning",
                "--no-access-log",
                "--proxy-headers",
            ],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            if reachable("127.0.0.1", port):
                break
            time.sleep(0.1)
        ids = list(range(1, 101))
        sellers = self.tmp / f"anchor-sellers-{port}.txt"
        sellers.write_text("".join(f"{m}\n" for m in ids))
        tokens = self.tmp / f"anchor-tokens-{port}.txt"
        tokens.write_text("".join(f"hud_anchor{m} {m}\n" for m in ids))
        self.seed = {"sellers": sellers, "tokens": tokens, "members": [(m, "") for m in ids]}
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None


def run_targets(targets: list[Target], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Start every target, then take turns run by run, so drift in the machine's other load
    falls on all of them alike; results grouped by target."""
    with contextlib.ExitStack() as stack:
        for t in targets:
            stack.enter_context(t)
        if not args.quick:  # one second of warm-up each, not counted
            for t in targets:
                wrk(t.url, "deals", 16, 1, t.seed)
        runs: dict[str, list[dict[str, Any]]] = {t.label: [] for t in targets}
        for scenario in args.scenarios:
            for connections in args.connections:
                for t in targets:
                    runs[t.label].append(t.run(scenario, connections, args.duration))
    return [r for t in targets for r in runs[t.label]]


# -- the floor ------------------------------------------------------------------------------


def run_floor(args: argparse.Namespace) -> list[dict[str, Any]]:
    say("\n== floor: raw asyncpg, 16 clients, bump seq + entry + 5 awards + commit")
    url = asyncio.run(create_pg_database("bench_floor"))
    try:
        Code("now").run(["migrate"], {"HUDDLE_DATABASE_URL": url}, capture_output=True)
        dsn = pg_dsn(url)

        async def measure_all() -> list[dict[str, Any]]:
            await floor_mod.seed(dsn)
            out = []
            for batch in (1, 10, 100):
                busy0, t0 = machine_busy(), time.perf_counter()
                r = await floor_mod.measure(dsn, batch, clients=16, seconds=args.floor_seconds)
                r["machine_cores_busy"] = round(
                    (machine_busy() - busy0) / (time.perf_counter() - t0), 2
                )
                say(
                    f"   {batch:3d}/txn {r['entries_per_s']:8.0f} entries/s  "
                    f"txn p50 {r['txn_p50_ms']:6.1f} ms  p99 {r['txn_p99_ms']:6.1f} ms  "
                    f"machine busy {r['machine_cores_busy']:.1f} cores"
                )
                out.append(r)
            return out

        return asyncio.run(measure_all())
    finally:
        asyncio.run(drop_pg_database(url))


# -- rebuild --------------------------------------------------------------------------------


def run_rebuild(code: Code, size: int, tmp: Path) -> dict[str, Any]:
    say(f"\n== rebuild: {code.label}, {size:,} entries")
    url = asyncio.run(create_pg_database("bench_rebuild"))
    prefix = f"benchrb{uuid.uuid4().hex[:8]}"
    env = {
        "HUDDLE_DATABASE_URL": url,
        "HUDDLE_REDIS_URL": REDIS,
        "HUDDLE_REDIS_PREFIX": prefix,
        "HUDDLE_DATA_DIR": str(tmp),
    }
    try:
        code.run(["migrate"], env, capture_output=True)
        seeded = asyncio.run(rebuild_mod.seed_ledger(pg_dsn(url), size, rebuild_mod.stderr))
        say(f"   seeded in {seeded:.1f} s")
        t0 = time.perf_counter()
        code.run(["rebuild"], env, stdout=subprocess.DEVNULL)  # its progress bar shows
        seconds = time.perf_counter() - t0
        floor_s, groups, awards = asyncio.run(rebuild_mod.floor(pg_dsn(url)))
        say(
            f"   huddle rebuild {seconds:.1f} s ({size / seconds:,.0f} entries/s); "
            f"floor GROUP BY over {awards:,} awards → {groups} rows: {floor_s:.2f} s"
        )
        return {
            "code": code.label,
            "entries": size,
            "awards": awards,
            "seed_s": seeded,
            "rebuild_s": seconds,
            "floor_s": floor_s,
        }
    finally:
        asyncio.run(drop_pg_database(url))
        delete_redis_prefix(REDIS, prefix)


# -- the report -----------------------------------------------------------------------------


def report(out: dict[str, Any]) -> str:
    floors = {f["batch"]: f["entries_per_s"] for f in out["floor"]}
    runs = out["http"]
    today = {
        (r["db"], r["workers"], r["scenario"], r["clients"]): r["ok_per_s"]
        for r in runs
        if r["code"] == "today"
    }
    anchors = {(r["scenario"], r["clients"]): r for r in runs if r["code"] == "anchor"}
    lines = []
    if floors:
        lines.append(
            "floor (raw asyncpg, PostgreSQL, 16 clients, entries/s): "
            + ", ".join(f"{b}/txn {v:,.0f}" for b, v in floors.items())
        )
    head = (
        f"{'scenario':34s} {'req/s':>8s} {'p50 ms':>8s} {'p99 ms':>8s} {'non2xx':>7s} "
        f"{'÷floor1':>8s} {'÷floor100':>9s} {'now/today':>9s} {'÷anchor':>8s} "
        f"{'srv µs/req':>10s}  cores srv/pg/redis/wrk/other"
    )
    lines += [head, "-" * len(head)]
    for r in runs:
        name = f"{r['db']} {r['workers']}w {r['code']:5s} {r['scenario']} c{r['clients']}"
        pg = r["db"] == "postgres"  # the floor is PostgreSQL's
        f1 = f"{r['ok_per_s'] / floors[1]:.2f}×" if 1 in floors and pg else "-"
        f100 = f"{r['ok_per_s'] / floors[100]:.2f}×" if 100 in floors and pg else "-"
        base = today.get((r["db"], r["workers"], r["scenario"], r["clients"]))
        vs = f"{r['ok_per_s'] / base:.1f}×" if base and r["code"] != "today" else ""
        anchor = anchors.get((r["scenario"], r["clients"]))
        va = f"{r['ok_per_s'] / anchor['ok_per_s']:.2f}×" if anchor and anchor is not r else ""
        c = r["cores"]
        flag = "  !! ERRORS" if bad(r) else ""
        lines.append(
            f"{name:34s} {r['ok_per_s']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['non2xx']:7d} {f1:>8s} {f100:>9s} {vs:>9s} {va:>8s} {cpu_per_request(r):10.0f}  "
            f"{c['server']:.1f}/{c['postgres']:.1f}/{c['redis']:.1f}/{c['wrk']:.1f}/"
            f"{c['other']:.1f}{flag}"
        )
    for rb in out["rebuild"]:
        lines.append(
            f"rebuild {rb['code']:5s} {rb['entries']:>9,} entries ({rb['awards']:,} awards): "
            f"{rb['rebuild_s']:6.1f} s ({rb['entries'] / rb['rebuild_s']:,.0f} entries/s)   "
            f"floor GROUP BY {rb['floor_s']:.2f} s   seeded in {rb['seed_s']:.0f} s"
        )
    lines += verdict(out, floors)
    return "\n".join(lines)


def cpu_per_request(r: dict[str, Any]) -> float:
    """Server CPU µs per answered request."""
    return r["cores"]["server"] * 1e6 / r["ok_per_s"] if r["ok_per_s"] else 0.0


def cpu_ceiling(r: dict[str, Any]) -> tuple[str, float]:
    """The run's CPU account: what a won deal cost the machine (every process on it: the
    server, PostgreSQL, Redis, wrk and anything else), in words, and the most deals/s the
    cores allow at that cost, as if every core were busy all the time."""
    c = r["cores"]
    per = {k: c[k] * 1e6 / r["ok_per_s"] for k in ("server", "postgres", "redis", "wrk", "other")}
    total = sum(per.values())
    cores = os.cpu_count() or 2
    most = cores * 1e6 / total
    parts = ", ".join(f"{k} {v:.0f}" for k, v in per.items() if v >= 1)
    return (
        f"{total:.0f} µs of the machine's CPU per won deal ({parts}): its {cores} cores "
        f"allow at most {most:,.0f}/s with every core busy"
    ), most


def speedup_bound(r: dict[str, Any], needed: float) -> str:
    """What the speed-up target asks of the machine: the rate it needs beside the most the
    cores allow at this run's CPU per won deal."""
    account, most = cpu_ceiling(r)
    share = needed / most
    return (
        f"it needs {needed:,.0f}/s; at {account} (this run reached "
        f"{r['ok_per_s'] / most:.0%} of that, the target needs {share:.0%}): "
        + (
            "the CPU per deal must fall"
            if share >= 0.9
            else "the cores have room; what holds it back is waiting"
        )
    )


def verdict(out: dict[str, Any], floors: dict[int, float]) -> list[str]:
    lines = []
    now = [
        r
        for r in out["http"]
        if r["code"] == "now"
        and r["db"] == "postgres"
        and r["scenario"] == "deals"
        and r["clients"] == 64
    ]
    if now:
        r = now[0]
        met = r["ok_per_s"] >= TARGET_RATE and r["p99_ms"] <= TARGET_P99_MS
        bound = []
        if floors.get(100, 1e9) < TARGET_RATE:
            bound.append(f"the floor at 100/txn is {floors[100]:,.0f}/s, below the target")
        if r["cores"]["wrk"] >= 0.8:
            bound.append(f"wrk itself used {r['cores']['wrk']:.1f} cores of 2")
        c = r["cores"]
        busy = c["server"] + c["postgres"] + c["redis"] + c["wrk"] + c["other"]
        if busy >= 0.9 * (os.cpu_count() or 2):
            bound.append(f"the cores were busy ({busy:.1f} in use, {c['other']:.1f} by other work)")
        elif c["other"] >= 0.3:
            bound.append(f"other work used {c['other']:.1f} cores during the run")
        anchor = next(
            (
                a
                for a in out["http"]
                if a["code"] == "anchor" and a["scenario"] == "deals" and a["clients"] == 64
            ),
            None,
        )
        lock = r.get("lock")
        if lock and lock["held_share"] >= 0.8:
            bound.append(
                f"the ledger's write lock: {lock_text(lock)}; every writer takes turns on it, "
                f"so this design tops out near {r['ok_per_s'] / lock['held_share']:,.0f}/s "
                "here whatever the spare CPU"
            )
        elif lock and c["server"] < 0.8 * (os.cpu_count() or 2):
            # neither the cores nor the lock are full: each client waits one whole cycle
            # of its worker's writer (Little's law: rate = clients / time per request)
            bound.append(
                f"latency, not capacity: the server used {c['server']:.1f} cores and the "
                f"lock was {lock_text(lock)}; with {r['clients']} clients, each answered "
                f"after {r['p50_ms']:.0f} ms (p50), the rate is {r['clients']} / "
                f"{r['p50_ms'] / 1000:.3f} s ≈ {r['clients'] * 1000 / r['p50_ms']:,.0f}/s: "
                "a request waits for its worker's batch (lock, catch-up, decide, insert, "
                "commit), the Redis apply, and its answer"
            )
        if anchor:
            bound.append(
                f"CPU: Litestar alone, answering the same requests with no work, reaches "
                f"{anchor['ok_per_s']:,.0f}/s here at {cpu_per_request(anchor):.0f} µs of "
                f"server CPU each; Huddle's server spends {cpu_per_request(r):.0f} µs per "
                f"won deal, and at {cpu_ceiling(r)[0]}"
            )
        lines.append(
            f"target ≥{TARGET_RATE:,} won deals/s with p99 ≤{TARGET_P99_MS} ms at 64 clients "
            f"(PostgreSQL, 2 workers): {r['ok_per_s']:,.0f}/s, p99 {r['p99_ms']:.1f} ms → "
            f"{'MET' if met else 'NOT MET'}" + (f"; bound: {'; '.join(bound)}" if bound else "")
        )
        base = [
            t
            for t in out["http"]
            if t["code"] == "today"
            and t["db"] == "postgres"
            and t["scenario"] == "deals"
            and t["clients"] == 64
        ]
        if base:
            x = r["ok_per_s"] / base[0]["ok_per_s"]
            line = (
                f"now/today at 64 clients: {x:.1f}× (target ≥{TARGET_SPEEDUP}×) → "
                f"{'MET' if x >= TARGET_SPEEDUP else 'NOT MET'}"
            )
            if x < TARGET_SPEEDUP:
                line += "; " + speedup_bound(r, TARGET_SPEEDUP * base[0]["ok_per_s"])
            lines.append(line)
    for rb in out["rebuild"]:
        if rb["code"] == "now" and rb["entries"] >= 1_000_000:
            lines.append(
                f"target huddle rebuild of {rb['entries']:,} entries ≤60 s: "
                f"{rb['rebuild_s']:.1f} s → {'MET' if rb['rebuild_s'] <= 60 else 'NOT MET'}"
            )
    errors = [r for r in out["http"] if bad(r)]
    if errors:
        lines.append(f"!! {len(errors)} run(s) had errors: those figures are not figures")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=8, help="seconds of load per run (8)")
    parser.add_argument("--quick", action="store_true", help="3 s runs, a 100k-entry rebuild")
    parser.add_argument("--size", type=int, help="entries for the rebuild (1,000,000)")
    parser.add_argument(
        "--today-size",
        type=int,
        default=20_000,
        help="entries for today's code's rebuild, to show its slope (20,000; 0 skips it)",
    )
    parser.add_argument("--today", default=TODAY_REF, help=f"git ref of today's code ({TODAY_REF})")
    parser.add_argument(
        "--connections", default="16,64", help="wrk connections, comma-separated (16,64)"
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated parts to leave out: floor, today, anchor, postgres, sqlite, rebuild",
    )
    parser.add_argument("--scenarios", default="deals,kudos", help="deals,kudos")
    args = parser.parse_args()
    if args.quick:
        args.duration = min(args.duration, 3)
    args.size = args.size or (100_000 if args.quick else 1_000_000)
    args.floor_seconds = min(args.duration, 4)
    args.connections = [int(c) for c in args.connections.split(",")]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    skip = {s for s in args.skip.split(",") if s}

    if not shutil.which("wrk"):
        say("wrk is not installed: apt-get install wrk (make bench does it when it can)")
        return 2
    pg_host, pg_port = PG.rsplit("@", 1)[-1].split("/")[0].split(":")
    if not reachable(pg_host, int(pg_port)):
        say(f"PostgreSQL is not reachable at {PG} (set HUDDLE_TEST_POSTGRES_URL)")
        return 2
    redis_host, redis_port = REDIS.split("://", 1)[1].split("/")[0].split(":")
    if not reachable(redis_host, int(redis_port)):
        say(f"Redis is not reachable at {REDIS} (set HUDDLE_TEST_REDIS_URL)")
        return 2

    started = time.perf_counter()
    out: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **revision(),
        "today_ref": args.today,
        "cores": os.cpu_count(),
        "duration_s": args.duration,
        "floor": [],
        "http": [],
        "rebuild": [],
    }
    with tempfile.TemporaryDirectory(prefix="huddle-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        if "floor" not in skip:
            out["floor"] = run_floor(args)
        now = Code("now")
        with git_checkout(args.today, tmp) as today_path:
            today = Code("today", today_path)
            if "postgres" not in skip:
                say("")
                pg = [Target(now, "postgres", 2, tmp)]
                if "today" not in skip:
                    pg.insert(0, Target(today, "postgres", 2, tmp))
                if "anchor" not in skip:
                    pg.append(Anchor(2, tmp))
                out["http"] += run_targets(pg, args)
            if "sqlite" not in skip:
                say("")
                sqlite = [Target(now, "sqlite", w, tmp) for w in (1, 2)]
                out["http"] += run_targets(sqlite, args)
            if "rebuild" not in skip:
                out["rebuild"].append(run_rebuild(now, args.size, tmp))
                if args.today_size and "today" not in skip:
                    if args.today_size != args.size:
                        out["rebuild"].append(run_rebuild(now, args.today_size, tmp))
                    out["rebuild"].append(run_rebuild(today, args.today_size, tmp))
    out["total_s"] = round(time.perf_counter() - started, 1)
    text = report(out)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"write-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(out, indent=2, default=str))
    print(f"\nHuddle write benchmark — {out['at']}, commit {out['commit']}", end="")
    print(f"{' (service/ modified)' if out['dirty'] else ''}, today = {args.today}, ", end="")
    print(f"{out['cores']} cores, {args.duration:g} s per run, {out['total_s']:.0f} s in all\n")
    print(text)
    print(f"\nfigures: {path.relative_to(ROOT)}")
    return 1 if any(bad(r) for r in out["http"]) else 0


if __name__ == "__main__":
    sys.exit(main())
