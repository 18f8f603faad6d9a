"""The ``huddle`` command: serve, migrate, demo, token create, rebuild, import."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from .logs import FORMATS
from .settings import Settings

__all__ = ["main"]


def _progress(label: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


async def _with_services(
    settings: Settings,
    work: Callable[[Any], Awaitable[int]],
    writes: bool = True,
    young: int = 10_000,
) -> int:
    """Run ``work(services)`` with the database, Redis (embedded if no URL), the writer and
    the board sync set up, as the service itself has them. ``writes=False`` leaves the
    writer stopped: starting it replays the whole ledger into its state, which a command
    that appends nothing (``rebuild``) does not need. ``young``: see ``collector.settle``."""
    from .app import Services, redis_client
    from .collector import settle
    from .db.connection import close_db, init_db
    from .store.embedded import EmbeddedRedis

    embedded = None
    url = settings.redis_url
    if not url:
        embedded = EmbeddedRedis(settings.data_dir)
        url = embedded.start()
    redis = redis_client(url)
    await init_db(settings.db_url)
    services = Services.build(settings, redis)
    try:
        if writes:
            await services.writer.start()
        settle(young)  # the writer's state loaded: set aside (service/collector.py)
        return await work(services)
    finally:
        await services.writer.stop()
        await redis.aclose()
        await close_db()
        if embedded:
            embedded.stop()


async def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from .db.connection import migrate

    def progress(event: str, app: str, name: str) -> None:
        if event.endswith("start"):
            print(f"  applying {app}.{name} ...", file=sys.stderr)

    await migrate(settings.db_url, progress=progress)
    print(f"database is up to date ({_redact(settings.db_url)})", file=sys.stderr)
    return 0


async def cmd_rebuild(settings: Settings, args: argparse.Namespace) -> int:
    async def work(services: Any) -> int:
        count = await services.sync.rebuild(progress=_progress("rebuilding boards"))
        print(f"rebuilt every board from {count} ledger entries", file=sys.stderr)
        return 0

    return await _with_services(settings, work, writes=False)


async def cmd_token(settings: Settings, args: argparse.Namespace) -> int:
    from .auth import hash_token, new_token
    from .db.connection import close_db, init_db
    from .db.models import Member, Token

    await init_db(settings.db_url)
    try:
        member = None
        if args.member_id is not None:
            member = await Member.get_or_none(id=args.member_id)
            if member is None:
                print(f"error: there is no member {args.member_id}", file=sys.stderr)
                return 2
        role = member.role if member else args.role
        secret = new_token()
        await Token.create(
            token_hash=hash_token(secret),
            role=role,
            member_id=member.id if member else None,
            label=args.label or (member.name if member else role),
        )
        print(secret)
        return 0
    finally:
        await close_db()


async def cmd_demo(settings: Settings, args: argparse.Namespace) -> int:
    from .demo import seed_demo

    async def work(services: Any) -> int:
        return await seed_demo(services.writer, settings, only_if_empty=args.if_empty)

    return await _with_services(settings, work)


async def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Import a file of deals and activities through the write path, showing progress
    (rows/s, accepted, duplicates, rejected) and writing the rejected rows to a report."""
    import contextlib
    import csv
    from pathlib import Path

    from .core.entries import Actor
    from .imports import ImportReport, Rejected, import_rows

    path = Path(args.file)
    if not path.is_file():
        print(f"error: there is no file {path}", file=sys.stderr)
        return 2
    fmt = args.format or ("ndjson" if path.suffix.lower() in (".ndjson", ".jsonl") else "csv")

    def show(report: ImportReport) -> None:
        sys.stderr.write(
            f"\rimporting {path.name}: {report.rows:,} rows · {report.per_second:,.0f} rows/s · "
            f"{report.accepted:,} accepted · {report.duplicates:,} duplicates · "
            f"{report.refused:,} rejected "
        )
        sys.stderr.flush()

    async def lines() -> Any:
        with path.open(encoding="utf-8", errors="replace", newline="") as file:
            for line in file:
                yield line.rstrip("\r\n")

    out = path.with_name(path.name + ".rejected.csv")
    out.unlink(missing_ok=True)  # a report of an earlier run would mislead

    async def work(services: Any) -> int:
        with contextlib.ExitStack() as files:
            rejected: Any = None

            def reject(row: Rejected) -> None:  # every one, as it comes: none is held
                nonlocal rejected
                if rejected is None:
                    rejected = csv.writer(
                        files.enter_context(out.open("w", newline="", encoding="utf-8"))
                    )
                    rejected.writerow(["line", "detail"])
                rejected.writerow([row.line, row.detail])

            report = await import_rows(
                lines(), fmt, services.writer, Actor("admin"), show, on_reject=reject
            )
        sys.stderr.write("\n")
        if report.refused:
            print(f"{report.refused:,} rejected rows, each with its line: {out}", file=sys.stderr)
        return 1 if report.refused and not report.accepted and not report.duplicates else 0

    # its objects live for a batch and die with it: the collector seldom looks (collector.py)
    return await _with_services(settings, work, young=500_000)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    from .logs import log_config
    from .store.embedded import EmbeddedRedis

    if not args.no_migrate:
        _run(cmd_migrate(settings, args))
    embedded = None
    if not settings.redis_url:
        # one embedded server shared by every worker process
        embedded = EmbeddedRedis(settings.data_dir)
        os.environ["HUDDLE_REDIS_URL"] = embedded.start()
    try:
        from .welcome import print_welcome

        os.environ["HUDDLE_LOG_FORMAT"] = args.log_format  # the workers' own loggers follow
        print_welcome(settings, args.host, args.port, json_lines=args.log_format == "json")
        uvicorn.run(
            "service.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            # websockets' own sans-I/O protocol, whose connections the live fan-out writes
            # its frames to (realtime/sockets.py); no per-message deflate: it costs CPU
            # per client and frames can't be shared;
            # pings drop dead screens; shutdown never waits long on a frozen one
            ws="websockets-sansio",
            ws_per_message_deflate=False,
            ws_ping_interval=20,
            ws_ping_timeout=20,
            timeout_graceful_shutdown=5,
            log_level=args.log_level,
            log_config=log_config(args.log_format, args.log_level) or LOGGING_CONFIG,
            proxy_headers=True,
        )
    finally:
        if embedded:
            embedded.stop()
    return 0


def _redact(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="huddle",
        description="Huddle: live team competition and rewards for sales teams.",
        epilog="Settings come from HUDDLE_* environment variables (the README's "
        "Configuration): with none, a SQLite database and an embedded Redis under .huddle/.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="migrate, then run the web service")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes, each with its own writer (1)"
    )
    serve.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="the least severe log lines written (info)",
    )
    serve.add_argument(
        "--log-format",
        choices=FORMATS,
        default=os.environ.get("HUDDLE_LOG_FORMAT", "text"),
        help="text lines, or one JSON object per line (default: $HUDDLE_LOG_FORMAT or text)",
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not apply migrations first (when a separate step does)",
    )
    sub.add_parser("migrate", help="apply database migrations")
    demo = sub.add_parser("demo", help="seed demo teams, members, goals and history")
    demo.add_argument("--if-empty", action="store_true", help="only when there are no teams yet")
    token = sub.add_parser("token", help="manage tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    create = token_sub.add_parser("create", help="create a token and print it (shown once)")
    who = create.add_mutually_exclusive_group(required=True)
    who.add_argument("--member-id", type=int, help="a member's own token (seller or manager)")
    who.add_argument(
        "--role", choices=["admin", "display", "integration"], help="a token of a role"
    )
    create.add_argument("--label", help="what the token is for, shown in the token list")
    sub.add_parser("rebuild", help="recompute every Redis board from the ledger")
    imp = sub.add_parser("import", help="import deals and activities from a CSV or NDJSON file")
    imp.add_argument("file", help="the file (.csv, or .ndjson / .jsonl: one JSON object a line)")
    imp.add_argument("--format", choices=["csv", "ndjson"], help="when the suffix does not say")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "log_format", "text") not in FORMATS:
        parser.error(f"HUDDLE_LOG_FORMAT must be one of: {', '.join(FORMATS)}")
    settings = Settings.from_env()
    if args.command == "serve":
        return cmd_serve(settings, args)
    commands = {
        "migrate": cmd_migrate,
        "rebuild": cmd_rebuild,
        "token": cmd_token,
        "demo": cmd_demo,
        "import": cmd_import,
    }
    return _run(commands[args.command](settings, args))


def _run(main: Coroutine[Any, Any, int]) -> int:
    """Run a command on uvloop, as ``huddle serve``'s workers run (uvicorn picks it):
    an import spends a sixth of its time in the event loop and its socket writes, which
    uvloop does in C. Python's own loop where uvloop is not installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


if __name__ == "__main__":
    sys.exit(main())
