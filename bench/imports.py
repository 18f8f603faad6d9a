"""Import throughput: a year of CRM history (deals and activities) through ``huddle import``.

A generated NDJSON file (by default 200,000 deals + 1,000,000 activities, ordered by time
over the last year, as a CRM export is) is imported into a fresh PostgreSQL database with
the org made through the API (20 teams × 10 sellers, three activity metrics with daily caps,
quarterly seasons). The import runs as its own process (``huddle import FILE``), sampled
for memory every half second, and the CPU of each part of the machine is added up over
its run (the import process, PostgreSQL, Redis, the server following the ledger, anything
else) and printed per row: at 2 cores, the machine's CPU per row bounds the rate whatever
overlaps; then the same file again, which must add nothing.

The floor, in the same run and database: raw asyncpg reading the same file (``json.loads``
per line) and writing the rows Huddle writes for it (entry, deal or activity, awards) into
the same tables with ``COPY``, 5,000 rows a transaction: what is left when there is no
decision, no rule and no Redis.

    python bench/imports.py [--deals 200000] [--activities 1000000] [--skip floor,again]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ADMIN,
    PG,
    REDIS,
    ROOT,
    cpu_times,
    create_pg_database,
    delete_redis_prefix,
    drop_pg_database,
    machine_busy,
    pg_dsn,
    process_tree,
    reachable,
    revision,
    start,
    stop,
)

RESULTS = ROOT / "bench" / "results"
TEAMS, PER_TEAM = 20, 10
METRICS = [  # key, name, points per unit, daily cap (points)
    ("calls", "Calls", 1, 60),
    ("meetings", "Meetings booked", 5, 50),
    ("demos", "Demos", 10, 60),
]


def say(text: str, end: str = "\n") -> None:
    sys.stderr.write(text + end)
    sys.stderr.flush()


def seed(url: str) -> dict[int, int]:
    """The org, through the API: seasons per quarter, teams, sellers, metrics; the
    sellers' team ids, by seller id, team by team."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as http:

        def post(path: str, body: dict[str, Any]) -> Any:
            r = http.post(path, json=body, timeout=60)
            if r.status_code >= 300:
                raise RuntimeError(f"POST {path} → {r.status_code}: {r.text}")
            return r.json()

        today = date.today()
        start_q = date(today.year - 1, 1, 1)
        while start_q <= today + timedelta(days=1):
            end_q = (
                date(start_q.year + 1, 1, 1)
                if start_q.month == 10
                else date(start_q.year, start_q.month + 3, 1)
            )
            quarter = (start_q.month - 1) // 3 + 1
            post(
                "/api/seasons",
                {
                    "name": f"Q{quarter} {start_q.year}",
                    "starts_on": str(start_q),
                    "ends_on": str(end_q - timedelta(days=1)),
                },
            )
            start_q = end_q
        members: dict[int, int] = {}
        for t in range(TEAMS):
            team = post("/api/teams", {"name": f"Team {t + 1}"})
            for m in range(PER_TEAM):
                member = post(
                    "/api/members",
                    {
                        "name": f"Seller {t + 1}.{m + 1}",
                        "email": f"seller{t + 1}.{m + 1}@example.com",
                        "team_id": team["id"],
                        "role": "seller",
                        "joined_on": "2020-01-01",
                    },
                )
                members[member["id"]] = team["id"]
        for key, name, points, cap in METRICS:
            post(
                "/api/metrics",
                {"key": key, "name": name, "points_per_unit": points, "daily_cap": cap},
            )
    return members


def generate(path: Path, members: list[int], deals: int, activities: int) -> int:
    """An NDJSON export of the last year, oldest first; its size in bytes."""
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(days=365)
    span = int((now - first).total_seconds()) - 3600
    total = deals + activities
    step = span / total
    metrics = [m[0] for m in METRICS]
    deal_every = total / deals if deals else 0
    next_deal, d, a = 0.0, 0, 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(total):
            at = (first + timedelta(seconds=int(i * step))).isoformat()
            member = members[rng.randrange(len(members))]
            if deals and i >= next_deal and d < deals:
                next_deal += deal_every
                d += 1
                team = members.index(member) // PER_TEAM
                row: dict[str, Any] = {
                    "type": "deal",
                    "external_id": f"crm-deal-{d}",
                    "seller_id": member,
                    "outcome": "won" if rng.random() < 0.8 else "lost",
                    "amount": rng.randrange(1_000, 60_000),
                    "customer": f"Customer {rng.randrange(5_000)}",
                    "closed_at": at,
                }
                if rng.random() < 0.2:
                    row["assists"] = [members[team * PER_TEAM + rng.randrange(PER_TEAM)]]
                    if row["assists"][0] == member:
                        del row["assists"]
            else:
                a += 1
                row = {
                    "type": "activity",
                    "external_id": f"crm-act-{a}",
                    "member_id": member,
                    "metric": metrics[rng.randrange(len(metrics))],
                    "value": 1 if rng.random() < 0.9 else rng.randrange(2, 5),
                    "occurred_at": at,
                }
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
    return path.stat().st_size


class CpuSplit:
    """CPU seconds each part of the machine spent while an import ran: the import process
    (from the OS once it has exited and been waited for), the server following it, every
    PostgreSQL process (its own backend included: sampled while it lives, a process first
    seen counting from 0) and Redis, beside the whole machine's busy time."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.first: dict[str, dict[int, float]] = {}
        self.last: dict[str, dict[int, float]] = {}
        self.children = self._children()
        self.machine = machine_busy()
        for group, times in self._sample().items():
            self.first[group] = dict(times)
            self.last[group] = dict(times)

    @staticmethod
    def _children() -> float:
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    def _sample(self) -> dict[str, dict[int, float]]:
        import psutil

        named: dict[str, list[int]] = {"postgres": [], "redis": []}
        for p in psutil.process_iter(["name"]):
            name = p.info["name"] or ""
            if name.startswith("postgres"):
                named["postgres"].append(p.pid)
            elif name.startswith("redis-server"):
                named["redis"].append(p.pid)
        return {
            "server": cpu_times(process_tree(self.server_pid)),
            **{group: cpu_times(pids) for group, pids in named.items()},
        }

    def sample(self) -> None:
        for group, times in self._sample().items():
            self.last[group].update(times)

    def stop(self, rows: int) -> dict[str, float]:
        """µs of CPU per row for each part, and for everything else on the machine."""
        self.sample()
        seconds = {"import": self._children() - self.children}
        for group, times in self.last.items():
            first = self.first[group]
            seconds[group] = sum(t - first.get(pid, 0.0) for pid, t in times.items())
        busy = machine_busy() - self.machine
        seconds["other"] = max(0.0, busy - sum(seconds.values()))
        per_row = {k: round(v * 1e6 / rows, 1) for k, v in seconds.items()}
        per_row["machine"] = round(busy * 1e6 / rows, 1)
        return per_row


def run_import(
    file: Path,
    env: dict[str, str],
    label: str,
    rows: int,
    server_pid: int,
    profile: str | None = None,
) -> dict[str, Any]:
    """``huddle import FILE`` as its own process: seconds, its report line, memory and
    where the machine's CPU went (``profile``: under py-spy, its collapsed stacks written
    there, and py-spy's own CPU counted as the import's)."""
    import psutil

    command = [sys.executable, "-m", "service", "import", str(file)]
    if profile:
        spy = Path(sys.executable).with_name("py-spy")
        command = [str(spy), "record", "--format", "raw", "-o", profile, "--", *command]
    split = CpuSplit(server_pid)
    t0 = time.perf_counter()
    samples: list[tuple[float, int]] = []
    # its progress line goes to a file: a pipe nobody reads until the end fills and stops it
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        ps = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                samples.append((time.perf_counter() - t0, ps.memory_info().rss))
            except psutil.Error:
                break
            split.sample()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.5)  # returns as soon as it ends: the time is exact
        proc.wait()
        seconds = time.perf_counter() - t0
        cpu = split.stop(rows)
        log.seek(0)
        last = log.read().decode(errors="replace").strip().split("\r")[-1].strip()
    if proc.returncode != 0:
        raise RuntimeError(f"{label}: huddle import exited {proc.returncode}:\n{last}")
    rss = [r for _, r in samples]
    # memory flat: what the process holds after a fifth of the run vs at its peak
    early = [r for t, r in samples if t >= seconds * 0.2][:1] or rss[:1] or [0]
    return {
        "label": label,
        "seconds": round(seconds, 2),
        "report": last,
        "rss_mib_after_20pct": round(early[0] / 2**20, 1),
        "rss_mib_peak": round(max(rss or [0]) / 2**20, 1),
        "cpu_us_per_row": cpu,
    }


async def floor(file: Path, dsn: str, team_of: dict[int, int]) -> dict[str, Any]:
    """Raw asyncpg writing what Huddle writes for the same file, into the same tables
    (their keys, foreign keys and indexes): per row one ledger entry, its deal or activity
    row and its awards (a won deal: the seller's and a share for each teammate), by COPY,
    5,000 rows a transaction. What is left out: deciding (rules, caps, duplicates, goals,
    badges) and the boards in Redis."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        base = {
            t: await conn.fetchval(f"SELECT COALESCE(MAX(id), 0) FROM {t}")
            for t in ("entry", "deal", "activity")
        }
        base["seq"] = await conn.fetchval("SELECT COALESCE(MAX(seq), 0) FROM entry")
        team_members: dict[int, list[int]] = {}
        for member, team in team_of.items():
            team_members.setdefault(team, []).append(member)
        tables: dict[str, list[tuple[Any, ...]]] = {
            "entry": [],
            "point_award": [],
            "deal": [],
            "activity": [],
        }
        columns = {
            "entry": "id seq kind occurred_at recorded_at week actor_role member_id team_id "
            "policy_id data",
            "point_award": "entry_id member_id team_id category cents",
            "deal": "id entry_id seller_id team_id outcome amount customer assists external_id "
            "closed_at",
            "activity": "id entry_id member_id team_id metric day value cents external_id "
            "occurred_at",
        }
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        n = 0

        async def flush() -> None:
            async with conn.transaction():
                for table, rows in tables.items():
                    if rows:
                        await conn.copy_records_to_table(
                            table, records=rows, columns=columns[table].split()
                        )
                        rows.clear()

        with file.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                n += 1
                entry = base["entry"] + n
                deal = row["type"] == "deal"
                member = row["seller_id"] if deal else row["member_id"]
                team = team_of[member]
                at = datetime.fromisoformat(row["closed_at"] if deal else row["occurred_at"])
                year, week, _ = at.isocalendar()
                won = deal and row["outcome"] == "won"
                kind = ("deal.won" if won else "deal.lost") if deal else "activity"
                week_text = f"{year}-W{week:02d}"
                tables["entry"].append(
                    (
                        entry,
                        base["seq"] + n,
                        kind,
                        at,
                        now,
                        week_text,
                        "admin",
                        member,
                        team,
                        1,
                        line,
                    )
                )
                if deal:
                    outcome, amount = "won" if won else "lost", Decimal(row["amount"])
                    assists, key = json.dumps(row.get("assists")), "floor-" + row["external_id"]
                    head = (base["deal"] + n, entry, member, team, outcome, amount)
                    tables["deal"].append((*head, row["customer"], assists, key, at))
                    if won:
                        tables["point_award"].append((entry, member, team, "deals", 800))
                        tables["point_award"].extend(
                            (entry, m, team, "team_share", 10)
                            for m in team_members[team]
                            if m != member
                        )
                else:
                    key = "floor-" + row["external_id"]
                    head = (base["activity"] + n, entry, member, team, row["metric"], at.date())
                    tables["activity"].append((*head, row["value"], 100, key, at))
                    tables["point_award"].append((entry, member, team, "activity", 100))
                if len(tables["entry"]) >= 5_000:
                    await flush()
        await flush()
        seconds = time.perf_counter() - t0
    finally:
        await conn.close()
    return {"label": "floor", "seconds": round(seconds, 2), "rows": n}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--deals", type=int, default=200_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--skip", default="", help="comma-separated: floor, again")
    parser.add_argument("--profile", help="py-spy the first import; collapsed stacks to this file")
    args = parser.parse_args()
    skip = {s for s in args.skip.split(",") if s}
    pg_host, pg_port = PG.rsplit("@", 1)[-1].split("/")[0].split(":")
    if not reachable(pg_host, int(pg_port)):
        say(f"PostgreSQL is not reachable at {PG} (set HUDDLE_TEST_POSTGRES_URL)")
        return 2
    rows = args.deals + args.activities
    out: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **revision(),
        "deals": args.deals,
        "activities": args.activities,
        "runs": [],
    }
    prefix = f"benchimp{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="huddle-import-") as tmp_dir:
        tmp = Path(tmp_dir)
        db = asyncio.run(create_pg_database("huddle_import"))
        try:
            from service.db.connection import migrate

            asyncio.run(migrate(db))
            server, url = start(db, REDIS, 1, tmp, prefix=prefix)
            try:
                team_of = seed(url)
                members = list(team_of)
                file = tmp / "history.ndjson"
                say(f"generating {args.deals:,} deals + {args.activities:,} activities … ", "")
                size = generate(file, members, args.deals, args.activities)
                say(f"{size / 2**20:,.0f} MiB")
                env = {
                    **os.environ,
                    "HUDDLE_DATABASE_URL": db,
                    "HUDDLE_REDIS_URL": REDIS,
                    "HUDDLE_REDIS_PREFIX": prefix,
                    "HUDDLE_DATA_DIR": str(tmp),
                }
                passes = ["first import"] + ([] if "again" in skip else ["same file again"])
                for label in passes:
                    say(f"{label} … ", "")
                    profile = args.profile if label == "first import" else None
                    run = run_import(file, env, label, rows, server.pid, profile)
                    run["rows_per_s"] = round(rows / run["seconds"])
                    out["runs"].append(run)
                    say(f"{run['rows_per_s']:,} rows/s")
                r = httpx.get(
                    f"{url}/api/leaderboards/teams?season=all",
                    headers={"Authorization": f"Bearer {ADMIN}"},
                )
                out["teams_total"] = sum(e["score"] for e in r.json()["entries"])
            finally:
                stop(server)
            if "floor" not in skip:
                say("floor (raw asyncpg COPY) … ", "")
                f = asyncio.run(floor(file, pg_dsn(db), team_of))
                f["rows_per_s"] = round(rows / f["seconds"])
                out["floor"] = f
                say(f"{f['rows_per_s']:,} rows/s")
        finally:
            asyncio.run(drop_pg_database(db))
            delete_redis_prefix(REDIS, prefix)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"import-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(out, indent=2))
    print(
        f"\nHuddle import benchmark — {out['at']}, commit {out['commit']}, {os.cpu_count()} "
        f"cores, PostgreSQL\n{args.deals:,} deals + {args.activities:,} activities "
        f"({rows:,} rows, NDJSON)\n"
    )
    floor_rate = out.get("floor", {}).get("rows_per_s")
    for run in out["runs"]:
        ratio = f"   {run['rows_per_s'] / floor_rate:.2f} × floor" if floor_rate else ""
        print(
            f"  {run['label']:<16} {run['seconds']:>8.1f} s  {run['rows_per_s']:>8,} rows/s"
            f"   memory {run['rss_mib_after_20pct']:,.0f} MiB at 20% → "
            f"{run['rss_mib_peak']:,.0f} MiB peak{ratio}"
        )
        print(f"  {'':<16} {run['report']}")
        c = run["cpu_us_per_row"]
        print(
            f"  {'':<16} CPU a row: import {c['import']:.0f} µs, PostgreSQL {c['postgres']:.0f}, "
            f"Redis {c['redis']:.0f}, the server following it {c['server']:.0f}, other "
            f"{c['other']:.0f}: the machine {c['machine']:.0f} µs "
            f"({c['machine'] * run['rows_per_s'] / 1e6:.1f} of {os.cpu_count()} cores busy)"
        )
    if floor_rate:
        print(f"  {'floor':<16} {out['floor']['seconds']:>8.1f} s  {floor_rate:>8,} rows/s")
    print(f"\nfigures: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
