"""Helpers shared by the benchmarks: ports, fresh databases, `huddle serve` processes.

Loopback only. Every database, Redis prefix and process made here is removed again.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "bench-admin"
PG = os.environ.get("HUDDLE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("HUDDLE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pg_dsn(url: str) -> str:
    """A Tortoise ``postgres://`` URL as asyncpg spells it."""
    return url.replace("postgres://", "postgresql://", 1)


async def create_pg_database(prefix: str = "bench") -> str:
    """CREATE DATABASE <prefix>_<random> next to $HUDDLE_TEST_POSTGRES_URL; its URL."""
    import asyncpg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(pg_dsn(PG))
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return PG.rsplit("/", 1)[0] + f"/{name}"


async def drop_pg_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(pg_dsn(PG))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextmanager
def pg_database(prefix: str = "bench") -> Any:
    url = asyncio.run(create_pg_database(prefix))
    try:
        yield url
    finally:
        asyncio.run(drop_pg_database(url))


async def fresh_db(kind: str, tmp: Path) -> str:
    """A migrated database of the working tree's code (SQLite file or new PostgreSQL db)."""
    from service.db.connection import migrate

    if kind == "sqlite":
        url = f"sqlite://{tmp / f'{uuid.uuid4().hex}.sqlite3'}"
    else:
        url = await create_pg_database("huddle_bench")
    await migrate(url)
    return url


def delete_redis_prefix(redis_url: str, prefix: str) -> None:
    """Remove every key a benchmark server wrote under ``prefix``."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for i in range(0, len(keys), 1000):
            client.delete(*keys[i : i + 1000])
    finally:
        client.close()


class Code:
    """Which Huddle code a process runs: the working tree, or a checkout at ``path``."""

    def __init__(self, label: str, path: Path | None = None) -> None:
        self.label = label
        self.path = path or ROOT

    def env(self, **extra: str) -> dict[str, str]:
        env = {**os.environ, **extra}
        if self.path != ROOT:
            env["PYTHONPATH"] = str(self.path)
        return env

    def run(self, args: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "service", *args],
            cwd=self.path,
            env=self.env(**env),
            check=True,
            **kw,
        )

    def module_file(self) -> str:
        """Where ``service`` is imported from under this code (a sanity check)."""
        out = subprocess.run(
            [sys.executable, "-c", "import service; print(service.__file__)"],
            cwd=self.path,
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()


@contextmanager
def git_checkout(ref: str, tmp: Path) -> Any:
    """``git worktree add --detach`` of ``ref`` in ``tmp``; removed afterwards."""
    path = tmp / f"huddle-{ref[:12]}"
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(path), ref],
        cwd=ROOT,
        check=True,
    )
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def start(
    db_url: str,
    redis_url: str,
    workers: int,
    tmp: Path,
    code: Code | None = None,
    prefix: str | None = None,
    extra_env: dict[str, str] | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start ``huddle serve --no-migrate`` and wait for /api/health; (process, base URL)."""
    code = code or Code("now")
    port = free_port()
    log = open(tmp / f"serve-{port}.log", "wb")  # noqa: SIM115 - lives as long as the server
    env = code.env(
        HUDDLE_DATABASE_URL=db_url,
        HUDDLE_REDIS_URL=redis_url,
        HUDDLE_ADMIN_TOKEN=ADMIN,
        HUDDLE_DATA_DIR=str(tmp),
        HUDDLE_REDIS_PREFIX=prefix or f"bench{uuid.uuid4().hex[:6]}",
        **(extra_env or {}),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service",
            "serve",
            "--no-migrate",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=code.path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    raise RuntimeError(f"server did not start; log:\n{(tmp / f'serve-{port}.log').read_text()}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def revision() -> dict[str, Any]:
    """The commit a run measured, and whether ``service/`` had uncommitted changes."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--", "service"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {"commit": commit, "dirty": bool(status)}


def cpu_times(pids: list[int]) -> dict[int, float]:
    """CPU seconds (user + system) each process has used, of those still running."""
    import psutil

    times = {}
    for pid in pids:
        try:
            t = psutil.Process(pid).cpu_times()
            times[pid] = t.user + t.system
        except psutil.Error:
            pass
    return times


def machine_busy() -> float:
    """CPU seconds the whole machine has spent busy (all cores)."""
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (a server and its workers)."""
    import psutil

    try:
        return [pid] + [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return [pid]
