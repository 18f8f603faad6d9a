"""Tokens never reach the server's log, though pages and boards carry them in URLs."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import websockets

from service.logs import RedactTokens, redact
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
