"""CRM ingest: Salesforce outbound messages of 100 Opportunity notifications, per second.

A fresh PostgreSQL database, ``huddle serve`` with 2 workers (its own processes), 10
sellers mapped to Salesforce owner ids. This process posts ``--messages`` messages of 100
notifications each (every opportunity new, 9 in 10 won), ``--clients`` at a time, and
waits for each SOAP Ack; then the same messages again (every notification a duplicate).

Beside it, in the same run and server: the same number of deals as single ``POST
/api/deals`` requests from 64 clients (what a CRM without a connector would need), and
the floor of reading a message: defusedxml parsing it and reading its 100 items, in this
process, per message.

    python bench/crm.py [--messages 200] [--clients 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
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
    create_pg_database,
    delete_redis_prefix,
    drop_pg_database,
    reachable,
    revision,
    start,
    stop,
)

RESULTS = ROOT / "bench" / "results"
ORG = "00DBENCH0000001MAA"
SELLERS = 10
PER_MESSAGE = 100
XML = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}


def say(text: str, end: str = "\n") -> None:
    sys.stderr.write(text + end)
    sys.stderr.flush()


def owner(i: int) -> str:
    return f"005BENCH{i:06d}AAA"


def message(number: int) -> bytes:
    """An outbound message of 100 new opportunities (number: which message)."""
    day = date.today().isoformat()
    parts = []
    for i in range(PER_MESSAGE):
        n = number * PER_MESSAGE + i
        won = "false" if n % 10 == 9 else "true"
        parts.append(
            f"<Notification><Id>04lBENCH{n:09d}</Id>"
            '<sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">'
            f"<sf:Id>006BENCH{n:09d}</sf:Id><sf:Amount>{1000 + n % 5000}.0</sf:Amount>"
            f"<sf:CloseDate>{day}</sf:CloseDate><sf:IsClosed>true</sf:IsClosed>"
            f"<sf:IsWon>{won}</sf:IsWon><sf:Name>Customer {n}</sf:Name>"
            f"<sf:OwnerId>{owner(n % SELLERS)}</sf:OwnerId></sObject></Notification>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
        '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">'
        f"<OrganizationId>{ORG}</OrganizationId><ActionId>04kBENCH000001AAA</ActionId>"
        '<SessionId xsi:nil="true"/>' + "".join(parts) + "</notifications></soapenv:Body>"
        "</soapenv:Envelope>"
    ).encode()


def seed(url: str) -> list[int]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as http:

        def call(method: str, path: str, body: dict[str, Any]) -> Any:
            r = http.request(method, path, json=body, timeout=60)
            if r.status_code >= 300:
                raise RuntimeError(f"{method} {path} → {r.status_code}: {r.text}")
            return r.json()

        today = date.today()
        call(
            "POST",
            "/api/seasons",
            {
                "name": "Bench",
                "starts_on": str(today - timedelta(days=30)),
                "ends_on": str(today + timedelta(days=30)),
            },
        )
        team = call("POST", "/api/teams", {"name": "Bench"})
        ids = []
        for i in range(SELLERS):
            m = call(
                "POST",
                "/api/members",
                {"name": f"Seller {i}", "team_id": team["id"], "role": "seller"},
            )
            call("PATCH", f"/api/members/{m['id']}", {"external_ids": {"salesforce": owner(i)}})
            ids.append(m["id"])
        return ids


async def post_all(url: str, bodies: list[bytes], clients: int) -> dict[str, Any]:
    """Every message, ``clients`` at a time; each must be answered with the Ack."""
    queue = list(enumerate(bodies))
    latencies: list[float] = []

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120) as http:
            while queue:
                _, body = queue.pop()
                started = time.perf_counter()
                r = await http.post("/api/connectors/salesforce", content=body, headers=XML)
                latencies.append(time.perf_counter() - started)
                if r.status_code != 200 or "<Ack>true</Ack>" not in r.text:
                    raise RuntimeError(f"no Ack: {r.status_code} {r.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    latencies.sort()
    return {
        "seconds": round(seconds, 2),
        "messages_per_s": round(len(bodies) / seconds, 1),
        "notifications_per_s": round(len(bodies) * PER_MESSAGE / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
    }


async def single_deals(url: str, sellers: list[int], count: int, clients: int) -> dict[str, Any]:
    """The same number of deals as one ``POST /api/deals`` each."""
    left = list(range(count))
    headers = {"Authorization": f"Bearer {ADMIN}"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=120, headers=headers) as http:
            while left:
                n = left.pop()
                body = {
                    "seller_id": sellers[n % len(sellers)],
                    "outcome": "lost" if n % 10 == 9 else "won",
                    "amount": 1000 + n % 5000,
                    "customer": f"Customer {n}",
                    "external_id": f"single:{n}",
                }
                r = await http.post("/api/deals", json=body)
                if r.status_code != 201:
                    raise RuntimeError(f"{r.status_code} {r.text[:300]}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 2), "deals_per_s": round(count / seconds)}


def parse_floor(body: bytes, rounds: int = 50) -> float:
    """µs to parse one message and read its 100 items, in this process."""
    from service.connectors import salesforce
    from service.settings import Settings

    settings = Settings(salesforce_org_id=ORG)
    started = time.perf_counter()
    for _ in range(rounds):
        message = salesforce._notifications(salesforce._parse(body))
        assert len(salesforce.read(message, settings)) == PER_MESSAGE
    return (time.perf_counter() - started) / rounds * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--single-deals", type=int, default=5_000)
    args = parser.parse_args()
    pg_host, pg_port = PG.rsplit("@", 1)[-1].split("/")[0].split(":")
    if not reachable(pg_host, int(pg_port)):
        say(f"PostgreSQL is not reachable at {PG} (set HUDDLE_TEST_POSTGRES_URL)")
        return 2
    bodies = [message(n) for n in range(args.messages)]
    out: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        **revision(),
        "messages": args.messages,
        "clients": args.clients,
        "message_kib": round(len(bodies[0]) / 1024, 1),
        "parse_us_per_message": round(parse_floor(bodies[0])),
    }
    prefix = f"benchcrm{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="huddle-crm-") as tmp_dir:
        tmp = Path(tmp_dir)
        db = asyncio.run(create_pg_database("huddle_crm"))
        try:
            from service.db.connection import migrate

            asyncio.run(migrate(db))
            env = {"HUDDLE_SALESFORCE_ORG_ID": ORG}
            server, url = start(db, REDIS, 2, tmp, prefix=prefix, extra_env=env)
            try:
                sellers = seed(url)
                say(f"{args.messages} messages × {PER_MESSAGE} new opportunities … ", "")
                out["first"] = asyncio.run(post_all(url, bodies, args.clients))
                say(f"{out['first']['messages_per_s']} messages/s")
                say("the same messages again (all duplicates) … ", "")
                out["again"] = asyncio.run(post_all(url, bodies, args.clients))
                say(f"{out['again']['messages_per_s']} messages/s")
                say(f"{args.single_deals:,} deals as single POST /api/deals, 64 clients … ", "")
                out["single"] = asyncio.run(single_deals(url, sellers, args.single_deals, 64))
                say(f"{out['single']['deals_per_s']:,} deals/s")
                with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {ADMIN}"}) as h:
                    feed = h.get("/api/connectors").json()
                out["health"] = [c for c in feed if c["connector"] == "salesforce"]
            finally:
                stop(server)
        finally:
            asyncio.run(drop_pg_database(db))
            delete_redis_prefix(REDIS, prefix)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"crm-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(out, indent=2))
    first, again, single = out["first"], out["again"], out["single"]
    print(
        f"\nHuddle CRM ingest benchmark — {out['at']}, commit {out['commit']}, "
        f"{os.cpu_count()} cores, PostgreSQL, 2 workers\nSalesforce outbound messages of "
        f"{PER_MESSAGE} Opportunity notifications ({out['message_kib']} KiB), "
        f"{args.clients} clients, each answered with the Ack\n"
    )
    for label, run in (("new opportunities", first), ("sent again", again)):
        print(
            f"  {label:<18} {run['messages_per_s']:>7,.1f} messages/s  "
            f"{run['notifications_per_s']:>7,} notifications/s   p50 {run['p50_ms']:>6.1f} ms"
            f"  p99 {run['p99_ms']:>6.1f} ms"
        )
    print(
        f"  {'POST /api/deals':<18} {single['deals_per_s']:>7,} deals/s (one request each, 64 "
        f"httpx clients in this process, which bound it: bench/write.py's wrk figure is the "
        f"write path's): messages ingest "
        f"{first['notifications_per_s'] / single['deals_per_s']:.1f}× as many deals/s\n"
        f"  {'reading a message':<18} {out['parse_us_per_message']:>7,} µs "
        f"(defusedxml + 100 items, one core): at most "
        f"{1e6 / out['parse_us_per_message']:,.0f} messages/s per core"
    )
    print(f"\nfigures: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
