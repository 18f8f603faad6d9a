"""/metrics: Prometheus text for the whole service, counted across workers."""

from __future__ import annotations

import asyncio
import re

from tests.conftest import Api

STEPS = ("catch_up", "decide", "append", "commit")


def _value(text: str, series: str) -> float:
    match = re.search(rf"^{re.escape(series)} (\S+)$", text, re.M)
    assert match, f"{series} not in:\n{text}"
    return float(match.group(1))


async def test_metrics_count_writes_refusals_batches_and_lag(api: Api) -> None:
    await api.season()
    team = await api.team()
    seller = await api.member(team["id"])
    mate = await api.member(team["id"])
    for _ in range(3):
        await api.deal(seller["id"], 1000)
    kudos = {"to_member_id": mate["id"], "points": 5, "message": "ty"}
    token = api.tokens[seller["id"]]
    await api.post("/api/kudos", kudos, token=token, expect=201)
    await api.post("/api/kudos", kudos, token=token, expect=409)  # over the recipient cap
    await api.call("GET", "/metrics", token=token, expect=403)
    text = ""
    for _ in range(50):  # counts reach Redis within a second
        text = (await api.call("GET", "/metrics", expect=200)).text
        if 'huddle_refusals_total{reason="Limit reached",status="409"}' in text:
            break
        await asyncio.sleep(0.1)
    assert _value(text, 'huddle_entries_total{kind="deal.won"}') == 3
    assert _value(text, 'huddle_entries_total{kind="kudos"}') == 1
    assert _value(text, 'huddle_refusals_total{reason="Limit reached",status="409"}') == 1
    assert _value(text, "huddle_batches_total") >= 1
    assert _value(text, 'huddle_batch_size_bucket{le="+Inf"}') == _value(
        text, "huddle_batch_size_count"
    )
    assert _value(text, "huddle_redis_lag") == 0
    assert _value(text, "huddle_ledger_seq") == _value(text, "huddle_redis_applied_seq") > 0
    assert "# TYPE huddle_batch_size histogram" in text
    # where the write lock's time went, in seconds, per step
    steps = [_value(text, f'huddle_write_lock_held_seconds_total{{step="{s}"}}') for s in STEPS]
    assert all(seconds > 0 for seconds in steps) and sum(steps) < 60
    assert _value(text, "huddle_write_lock_wait_seconds_total") >= 0
    assert "# TYPE huddle_entries_total counter" in text
    r = await api.client.get("/metrics")
    assert r.status_code == 401
