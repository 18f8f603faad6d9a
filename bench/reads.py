"""Benchmark: board reads, Huddle beside agoragames' leaderboard-python on the same Redis.

Seeds one board of ``--members`` members (a tenth of them without points, the rest on a
few hundred distinct scores, so ties are many) into a Redis of its own (``redis-server``
on a free loopback port: the command counts are then the bench's alone; ``--redis URL``
to use another), and the same members and scores into a plain sorted set for
leaderboard-python (``leaderboard==3.7.3`` with ``redis<3``, in a virtualenv of its own
under bench/.venvs/, made on first use; it runs as a separate process,
bench/reads_leaderboard.py). Then, in turns, each side does the same three reads —
a page of 25, the 25 rows around a member, a member's rank — ``--count`` times each, and
the floor: one bare Lua call returning the page with its competition ranks. Prints µs per
read (median and mean), round trips per read (counted in the client) and commands Redis
ran per read (``INFO commandstats``), the ratios, and writes bench/results/reads.json.
Also the least any read costs here: one PING on the same client.

Huddle's reads are ``Boards.page`` and ``Boards.around``, what the API's handlers call
(redis-py asyncio with hiredis, on uvloop as ``huddle serve`` runs; one EVALSHA).
Alongside, for scale: the read as it was before (the whole sorted set, every member
joined and ranked in Python, 25 rows kept).

    .venv/bin/python bench/reads.py [--members 10000] [--count 2000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, free_port
from service.boards import Boards
from service.core.ranking import top
from service.directory import Directory, MemberInfo, TeamInfo
from service.store.leaderboard import (
    AppliedAward,
    AwardSum,
    DirectoryRow,
    LeaderboardStore,
    PendingEntry,
)

PAGE = 25
VENV = ROOT / "bench" / ".venvs" / "leaderboard-3.7.3"
RESULTS = ROOT / "bench" / "results"
OPS = ("page", "around_me", "rank_for")

# the floor: a page of the plain sorted set with competition ranks, in one call
FLOOR = """
local rows = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2], 'WITHSCORES')
local out, rank = {}, 0
for i = 1, #rows, 2 do
  if i == 1 then
    rank = redis.call('ZCOUNT', KEYS[1], '(' .. rows[2], '+inf') + 1
  elseif rows[i + 1] ~= rows[i - 1] then
    rank = tonumber(ARGV[1]) + (i + 1) / 2
  end
  out[#out + 1] = rows[i]
  out[#out + 1] = rows[i + 1]
  out[#out + 1] = rank
end
return out
"""

# round trips: every command or pipeline redis-py sends is one send_packed_command
ROUND_TRIPS = [0]
_send = AbstractConnection.send_packed_command


async def _counted(self: AbstractConnection, command: Any, check_health: bool = True) -> None:
    ROUND_TRIPS[0] += 1
    await _send(self, command, check_health)


AbstractConnection.send_packed_command = _counted  # type: ignore[method-assign]


def leaderboard_python() -> Path | None:
    """The virtualenv's python with leaderboard-python 3.7.3, made when missing."""
    python = VENV / "bin" / "python"
    if python.exists():
        return python
    print(f"making {VENV} (leaderboard==3.7.3, redis<3) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", "--copies", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "--quiet", "leaderboard==3.7.3", "redis<3"],
            check=True,
        )
    except subprocess.CalledProcessError as exc:
        print(f"note: leaderboard-python could not be installed ({exc}); skipped")
        shutil.rmtree(VENV, ignore_errors=True)
        return None
    return python


class PrivateRedis:
    """A redis-server of the bench's own on a loopback TCP port, no persistence."""

    def __init__(self) -> None:
        from service.store.embedded import redis_server_binary

        self.port = free_port()
        binary = shutil.which("redis-server") or redis_server_binary()
        self.proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        self.version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.split()[2]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


async def commands(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")


async def seed(store: LeaderboardStore, key: str, members: int, rng: random.Random) -> None:
    """The same board twice: Huddle's (sums and directory, as a rebuild loads them) and a
    plain sorted set of member id -> hundredths for leaderboard-python."""
    first = ["Ann", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ida", "Jo", "Åse", "Zoë"]
    people = [
        DirectoryRow(i, f"{rng.choice(first)} {rng.randrange(2000)}", i % 20 + 1, True)
        for i in range(1, members + 1)
    ]
    cents = {p.member_id: 0 if rng.random() < 0.1 else rng.randrange(1, 400) * 500 for p in people}
    sums = [AwardSum(p.member_id, p.team_id, None, "deal", cents[p.member_id]) for p in people]
    await store.load_sums([s for s in sums if s.cents], 1, people)
    items = list(cents.items())
    for start in range(0, len(items), 1000):
        await store.redis.zadd(key, {str(m): c for m, c in items[start : start + 1000]})


async def timed(redis: Redis, count: int, op: Callable[[int], Awaitable[object]]) -> dict[str, Any]:
    for i in range(min(200, count)):
        await op(i)
    before, trips = await commands(redis), ROUND_TRIPS[0]
    took = []
    for i in range(count):
        start = time.perf_counter()
        await op(i)
        took.append((time.perf_counter() - start) * 1e6)
    return {
        "us": took,
        "round_trips": (ROUND_TRIPS[0] - trips) / count,
        "commands": (await commands(redis) - before) / count,
    }


async def apply_cost(store: LeaderboardStore, members: int, rng: random.Random) -> dict[str, float]:
    """What keeping ranked views level costs writes: Redis's own time per apply_batch of
    30 entries of 3 awards each, with no view, then with a view of every board they touch
    (the org's and each team's, total and category)."""
    redis, seq = store.redis, [await store.applied_seq() or 0]

    def batch() -> list[PendingEntry]:
        entries = []
        for _ in range(30):
            seq[0] += 1
            first = rng.randint(1, members - 2)
            awards = tuple(
                AppliedAward(m, m % 20 + 1, None, "deal", 500)
                for m in (first, first + 1, first + 2)
            )
            entries.append(PendingEntry(seq[0], "", awards))
        return entries

    async def server_us() -> float:
        await redis.config_resetstat()
        for _ in range(200):
            await store.apply_batch(batch(), publish=False)
        stats = await redis.info("commandstats")
        return float(stats["cmdstat_evalsha"]["usec_per_call"])

    out = {}
    views = await redis.smembers(store._make_key("views"))
    if views:
        await redis.delete(*views)
    await redis.delete(store._make_key("views"))
    out["no_views"] = await server_us()
    for team in (None, *range(1, 21)):
        for category in ("total", "deal"):
            await store.read_page("all", category, team)
    out["views"] = await redis.scard(store._make_key("views"))
    out["with_views"] = await server_us()
    return out


def merge(into: dict[str, Any], run: dict[str, Any]) -> None:
    into.setdefault("us", []).extend(run["us"])
    into["round_trips"] = run["round_trips"]
    into["commands"] = run["commands"]


def summary(run: dict[str, Any]) -> dict[str, float]:
    return {
        "p50_us": statistics.median(run["us"]),
        "mean_us": statistics.fmean(run["us"]),
        "round_trips": run["round_trips"],
        "commands": run["commands"],
    }


async def run(args: argparse.Namespace, host: str, port: int) -> dict[str, Any]:
    rng = random.Random(7)
    redis = Redis(host=host, port=port, decode_responses=True)
    store = LeaderboardStore(redis, f"benchreads{uuid.uuid4().hex[:6]}")
    lb_key = f"{store.prefix}:leaderboard-python"
    try:
        await seed(store, lb_key, args.members, rng)
        boards = Boards(store)
        pages = [rng.randrange(1, -(-args.members // PAGE) + 1) for _ in range(500)]
        members = rng.sample(range(1, args.members + 1), 500)

        start = time.perf_counter()
        await boards.page(None, limit=PAGE)
        cold_ms = (time.perf_counter() - start) * 1e3  # the view is built by this first read

        huddle = {
            "page": lambda i: boards.page(None, offset=(pages[i % 500] - 1) * PAGE, limit=PAGE),
            "around_me": lambda i: boards.around(members[i % 500], None, PAGE // 2),
            "rank_for": lambda i: boards.around(members[i % 500], None, 0),
        }
        floor_sha = await redis.script_load(FLOOR)

        def floor(i: int) -> Awaitable[object]:
            offset = (pages[i % 500] - 1) * PAGE
            return redis.evalsha(floor_sha, 1, lb_key, offset, offset + PAGE - 1)  # type: ignore[no-any-return]

        # the read before: the whole board ranked in Python, with the process's directory
        directory = Directory()
        directory.live = lambda: True
        people = await redis.hgetall(store._make_key("names"))
        dir_rows = {int(k): v for k, v in (await redis.hgetall(store._make_key("dir"))).items()}
        directory._members = {
            int(i): MemberInfo(n, int(dir_rows[int(i)].split(":")[0])) for i, n in people.items()
        }
        directory._teams = {t: TeamInfo(f"Team {t}", None, None) for t in range(1, 21)}
        before_boards = Boards(store, directory)

        async def before(i: int) -> object:
            board = await before_boards.ranking(None)
            return board.entries(top(board.ranked, PAGE, (pages[i % 500] - 1) * PAGE))

        # the same answers: Huddle's ranks equal leaderboard-python's (same scores)
        python = None if args.no_leaderboard_python else leaderboard_python()
        plan = {
            "host": host,
            "port": port,
            "key": lb_key,
            "page_size": PAGE,
            "pages": pages,
            "members": members,
            "count": args.count,
            "warmup": min(200, args.count),
        }
        results: dict[str, dict[str, Any]] = {"huddle": {}, "leaderboard_python": {}}
        floor_run: dict[str, Any] = {}
        ping_run: dict[str, Any] = {}
        before_run: dict[str, Any] = {}
        with tempfile.NamedTemporaryFile("w", suffix=".json") as plan_file:
            json.dump(plan, plan_file)
            plan_file.flush()
            for round_ in range(args.rounds):
                print(f"round {round_ + 1} of {args.rounds} ...", flush=True)
                for name in OPS:
                    merge(
                        results["huddle"].setdefault(name, {}),
                        await timed(redis, args.count, huddle[name]),
                    )
                merge(floor_run, await timed(redis, args.count, floor))
                merge(ping_run, await timed(redis, args.count, lambda i: redis.ping()))
                merge(before_run, await timed(redis, max(10, args.count // 200), before))
                if python is not None:
                    out = subprocess.run(
                        [str(python), str(ROOT / "bench" / "reads_leaderboard.py"), plan_file.name],
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    theirs = json.loads(out.stdout)
                    await check_agreement(theirs["sample"], boards, pages[0], members[0])
                    for name in OPS:
                        merge(results["leaderboard_python"].setdefault(name, {}), theirs[name])
        # CONFIG RESETSTAT: only on the bench's own Redis
        applying = None if args.redis else await apply_cost(store, args.members, rng)
        return {
            "apply_batch_us": applying,
            "members": args.members,
            "count": args.count,
            "rounds": args.rounds,
            "view_build_ms": cold_ms,
            "huddle": {n: summary(r) for n, r in results["huddle"].items()},
            "leaderboard_python": {n: summary(r) for n, r in results["leaderboard_python"].items()},
            "floor_page": summary(floor_run),
            "floor_round_trip": summary(ping_run),
            "before_page": summary(before_run),
            "answers_checked": python is not None,
        }
    finally:
        await store.reset()
        await redis.aclose()


async def check_agreement(sample: dict[str, Any], boards: Boards, page: int, member: int) -> None:
    """Both sides rank alike: the same ranks on a page, row for row, and the same rank of a
    member (within a tie the order differs: Huddle's by name, leaderboard-python's by
    member id as text, so the rows around a member may differ at the edges)."""
    _, rows = await boards.page(None, offset=(page - 1) * PAGE, limit=PAGE)
    assert [r.rank for r in rows] == sample["page"], "page ranks differ"
    me = (await boards.around(member, None, 0)).me
    assert me is not None and me.rank == sample["rank_for"], "rank_for differs"
    near = await boards.around(member, None, PAGE // 2)
    assert me.rank in sample["around_me"]
    assert len(near.rows) == len(sample["around_me"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=2_000, help="reads of each kind per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis", help="host:port of a Redis to use instead of a private one")
    parser.add_argument("--no-leaderboard-python", action="store_true")
    args = parser.parse_args()
    private = None
    if args.redis:
        host, port = args.redis.rsplit(":", 1)
    else:
        private = PrivateRedis()
        host, port = "127.0.0.1", str(private.port)
        for _ in range(100):
            if (
                subprocess.run(
                    ["redis-cli", "-p", port, "ping"], capture_output=True, check=False
                ).returncode
                == 0
            ):
                break
            time.sleep(0.05)
    try:
        # on uvloop, as `huddle serve` runs (uvicorn picks it when it is installed)
        try:
            import uvloop

            result = uvloop.run(run(args, host, int(port)))
        except ImportError:
            result = asyncio.run(run(args, host, int(port)))
    finally:
        if private:
            private.stop()
    report(result)


def report(result: dict[str, Any]) -> None:
    ours, theirs = result["huddle"], result["leaderboard_python"]
    print(f"\n{result['members']:,} members, {result['count']} reads × {result['rounds']} rounds")
    print(
        "| read | Huddle µs (p50 / mean) | round trips | commands "
        "| leaderboard-python µs | round trips | commands | ratio (p50) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in OPS:
        h = ours[name]
        t = theirs.get(name)
        other = (
            f"{t['p50_us']:.0f} / {t['mean_us']:.0f} | {t['round_trips']:g} | {t['commands']:g}"
            if t
            else "– | – | –"
        )
        ratio = f"{t['p50_us'] / h['p50_us']:.1f}×" if t else "–"
        print(
            f"| {name} | {h['p50_us']:.0f} / {h['mean_us']:.0f} | {h['round_trips']:g} | "
            f"{h['commands']:g} | {other} | {ratio} |"
        )
    f, b, p = result["floor_page"], result["before_page"], result["floor_round_trip"]
    print(
        f"floor (one bare Lua call, page of 25 with ranks): {f['p50_us']:.0f} µs p50, "
        f"{f['round_trips']:g} round trip; Huddle's page ÷ floor: "
        f"{ours['page']['p50_us'] / f['p50_us']:.2f}×"
    )
    print(
        f"one round trip with nothing to do (PING, the same asyncio client): {p['p50_us']:.0f} µs"
        " p50 — no read here costs less"
    )
    print(
        f"before (whole board ranked in Python): {b['p50_us']:.0f} µs p50, "
        f"{b['p50_us'] / ours['page']['p50_us']:.0f}× Huddle's page now"
    )
    a = result["apply_batch_us"]
    if a:
        print(
            f"writes: apply_batch of 30 entries (90 awards), Redis's own time: "
            f"{a['no_views']:.0f} µs without ranked views, {a['with_views']:.0f} µs with "
            f"{a['views']:.0f} (every board the awards touch)"
        )
    cold = result["view_build_ms"]
    print(f"first read after a directory change (builds the ranked view): {cold:.1f} ms")
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "reads.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
