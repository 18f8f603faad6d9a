"""The `huddle` command on a fresh data dir: migrate, demo, token create, and serve with the
embedded Redis — the path `make run` takes on a machine with nothing but Python."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT, Server, free_port


def huddle(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUDDLE_")}
    clean.update({"HUDDLE_DATA_DIR": str(data_dir), **env})
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_fresh_machine_demo_and_serve(tmp_path):
    """migrate + demo + serve with SQLite and an embedded Redis: a working, seeded demo."""
    data = tmp_path / "data"
    assert huddle(data, "migrate").returncode == 0
    assert huddle(data, "migrate").returncode == 0  # idempotent
    seeded = huddle(data, "demo", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    assert "history" in seeded.stderr  # long steps show progress
    again = huddle(data, "demo", "--if-empty")
    assert again.returncode == 0 and "nothing seeded" in again.stderr
    tokens = json.loads((data / "demo-tokens.json").read_text())
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HUDDLE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**clean, "HUDDLE_DATA_DIR": str(data)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        banner = ""
        assert proc.stdout is not None
        while "Admin token" not in banner:
            line = proc.stdout.readline()
            assert line, banner
            banner += line
        assert tokens["admin"] in banner
        for _ in range(200):
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            proc.poll()
            assert proc.returncode is None
            time.sleep(0.1)
        auth = {"Authorization": f"Bearer {tokens['display']}"}
        teams = httpx.get(f"{url}/api/leaderboards/teams", headers=auth).json()["entries"]
        assert {t["nickname"] for t in teams} == {"The Vikings", "The Gunners", "The Rainmakers"}
        contests = httpx.get(f"{url}/api/contests?state=running", headers=auth).json()
        assert len(contests) == 3 and all(c["recurrence"] for c in contests)
        meetings = next(c for c in contests if c["metric"] == "activity:meetings")
        assert len(meetings["standings"]) == 12  # every member, ranked
        # the history reaches into the month before: "most improved" has baselines to beat
        improved = next(c for c in contests if c["format"] == "improvement")
        assert sum(1 for r in improved["standings"] if r["baseline"]) >= 6
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        losses = httpx.get(f"{url}/api/insights/losses", headers=admin).json()
        assert losses["reviews"] >= 3 and losses["lessons"]  # older losses were reviewed
        assert all(t["total"] > 0 for t in teams)
        members = httpx.get(f"{url}/api/members", headers=auth).json()
        assert len(members) == 12 and any(m["newcomer"] for m in members)
        assert {m["role"] for m in members} == {"seller", "manager"}
        metrics = httpx.get(f"{url}/api/metrics", headers=auth).json()
        assert [m["key"] for m in metrics] == ["calls", "meetings"]
        calls = httpx.get(
            f"{url}/api/leaderboards/members", params={"metric": "calls"}, headers=auth
        ).json()["entries"]
        assert sum(e["score"] for e in calls) > 0
        goals = httpx.get(f"{url}/api/goals", headers=auth).json()
        assert len(goals) == 3 and all(g["member_targets"] for g in goals)
        health = httpx.get(f"{url}/api/health").json()
        assert health["applied_seq"] == health["ledger_seq"] > 0
        assert health["status"] == "ok" and health["database"] is True and health["redis"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    # the embedded Redis stops with the service (it removes its socket as it exits)
    for _ in range(100):
        if not list((data / "redis").glob("*.sock")):
            break
        time.sleep(0.1)
    assert not list((data / "redis").glob("*.sock"))


def test_token_create(settings):
    """`huddle token create` prints a working token once; unknown members are refused."""
    env = {
        "HUDDLE_DATABASE_URL": settings.db_url,
        "HUDDLE_REDIS_URL": settings.redis_url,
        "HUDDLE_REDIS_PREFIX": settings.redis_prefix,
    }
    out = huddle(settings.data_dir, "token", "create", "--role", "display", "--label", "TV", **env)
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    bad = huddle(settings.data_dir, "token", "create", "--member-id", "999", **env)
    assert bad.returncode == 2 and "no member" in bad.stderr
    server = Server(settings).start()
    try:
        r = httpx.get(f"{server.url}/api/teams", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
    finally:
        server.stop()
