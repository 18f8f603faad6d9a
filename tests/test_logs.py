"""Tokens never reach the server's log, though pages and boards carry them in URLs."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import httpx
import pytest
import websockets

from service.cli import main
from service.logs import JsonFormatter, RedactTokens, redact
from tests.conftest import ADMIN


def test_redact_rewrites_every_token_parameter() -> None:
    assert redact("/tv?token=hud_abc&lang=nb") == "/tv?token=***&lang=nb"
    assert redact("/ws/board?since=4&token=hud_x-y_z") == "/ws/board?since=4&token=***"
    assert redact("/manage?TOKEN=s3cret") == "/manage?TOKEN=***"
    assert redact("/api/feed?before=12") == "/api/feed?before=12"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/tv?token=hud_abc", "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokens().filter(record)
    assert record.getMessage() == '127.0.0.1:5 - "GET /tv?token=*** HTTP/1.1" 200'


async def test_the_access_log_of_a_real_server_holds_no_token(start_server: Any) -> None:
    """Pages, the API and a live board opened with ?token=… are logged without it."""
    server = start_server(log_level="info")
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        for path in (f"/tv?token={ADMIN}", f"/manage?token={ADMIN}", f"/api/feed?token={ADMIN}"):
            await client.get(path)
    ws_url = server.url.replace("http://", "ws://") + f"/ws/board?token={ADMIN}"
    async with websockets.connect(ws_url) as ws:
        await ws.recv()
    server.stop()
    log = server.log.read_text()
    assert "/tv?token=***" in log and "/ws/board?token=***" in log
    assert ADMIN not in log


async def test_json_logs_are_one_object_per_line_with_access_fields(start_server: Any) -> None:
    """``--log-format json``: every line parses; access lines carry their fields; no token."""
    server = start_server(workers=2, log_level="info", args=("--log-format", "json"))
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await client.get(f"/tv?token={ADMIN}")
        await client.get("/api/feed", headers={"Authorization": "Bearer nope"})
    server.stop()
    lines = [line for line in server.log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    assert all({"level", "logger", "message"} <= r.keys() for r in records)
    access = [r for r in records if r["logger"] == "uvicorn.access"]
    tv = next(r for r in access if r["path"].startswith("/tv"))
    assert {"method": "GET", "path": "/tv?token=***", "status": 200}.items() <= tv.items()
    assert any(r["path"] == "/api/feed" and r["status"] == 401 for r in access)
    assert any(r["logger"] == "uvicorn.error" and "startup" in r["message"] for r in records)
    assert ADMIN not in server.log.read_text()


def test_json_formatter_keeps_exceptions_and_redacts() -> None:
    try:
        raise ValueError("bad /x?token=hud_secret")
    except ValueError:
        record = logging.LogRecord(
            "huddle", logging.ERROR, "", 0, "failed on %s", ("/tv?token=hud_s",), sys.exc_info()
        )
    out = json.loads(JsonFormatter().format(record))
    assert out["level"] == "error" and out["message"] == "failed on /tv?token=***"
    assert "ValueError" in out["exception"] and "hud_secret" not in out["exception"]


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUDDLE_LOG_FORMAT", "xml")
    with pytest.raises(SystemExit) as exit_:
        main(["serve"])
    assert exit_.value.code == 2
