"""The other side of bench/reads.py: agoragames' leaderboard-python doing the same reads.

Runs in its own virtualenv (``leaderboard==3.7.3`` with ``redis<3``, which Huddle's
redis-py cannot share a process with), on a sorted set bench/reads.py seeded with the
same members and scores. Reads the plan (a JSON file: Redis host and port, the key, the
pages and members to ask for, how many of each) and prints, as JSON, per operation the
microseconds of each call and the round trips to Redis (a count of the commands sent:
a pipeline is one) and the commands Redis ran (``INFO commandstats``, before and after).

    bench/.venvs/leaderboard-3.7.3/bin/python bench/reads_leaderboard.py plan.json
"""

from __future__ import annotations

import json
import sys
import time

import redis
from leaderboard.competition_ranking_leaderboard import CompetitionRankingLeaderboard

ROUND_TRIPS = [0]
_send = redis.connection.Connection.send_packed_command


def _counted(self, command):  # type: ignore[no-untyped-def]
    ROUND_TRIPS[0] += 1
    return _send(self, command)


redis.connection.Connection.send_packed_command = _counted


def commands(client: redis.StrictRedis) -> int:
    stats = client.info("commandstats")
    return sum(v["calls"] for k, v in stats.items() if k != "cmdstat_info")


def main() -> None:
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    client = redis.StrictRedis(host=plan["host"], port=plan["port"])
    board = CompetitionRankingLeaderboard(
        plan["key"], redis_connection=client, page_size=plan["page_size"]
    )
    pages, members = plan["pages"], [str(m) for m in plan["members"]]
    ops = {
        "page": lambda i: board.leaders(pages[i % len(pages)]),
        "around_me": lambda i: board.around_me(members[i % len(members)]),
        "rank_for": lambda i: board.rank_for(members[i % len(members)]),
    }
    # what each answers, for bench/reads.py to hold against Huddle's
    sample = {
        "page": [r["rank"] for r in board.leaders(pages[0])],
        "around_me": [r["rank"] for r in board.around_me(members[0])],
        "rank_for": board.rank_for(members[0]),
    }
    out = {"sample": sample}
    for name, op in ops.items():
        for i in range(plan["warmup"]):
            op(i)
        before, trips = commands(client), ROUND_TRIPS[0]
        took = []
        for i in range(plan["count"]):
            start = time.perf_counter()
            op(i)
            took.append((time.perf_counter() - start) * 1e6)
        out[name] = {
            "us": took,
            "round_trips": (ROUND_TRIPS[0] - trips) / plan["count"],
            "commands": (commands(client) - before) / plan["count"],
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
