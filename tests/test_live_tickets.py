"""Live tickets: a board opens with a one-time ticket instead of its token in the URL."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import Api


def _ws(server, ticket: str) -> str:
    return server.url.replace("http", "ws") + f"/ws/board?ticket={ticket}"


async def _closed_with(url: str) -> int:
    async with connect(url) as ws:
        problem = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert problem["type"] == "error", problem
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 10)
    return closed.value.rcvd.code


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_ticket_opens_one_board_once(start_server) -> None:
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        api = Api(client)
        display = await api.role_token("display")
        r = await api.post("/api/live/ticket", {}, token=display, expect=201)
        ticket = r.json()["ticket"]
        assert r.json()["expires_in"] == 60 and display not in ticket
        async with connect(_ws(server, ticket)) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "snapshot"
        assert await _closed_with(_ws(server, ticket)) == 4401  # spent
        assert await _closed_with(_ws(server, "hlt_made-up")) == 4401
        await api.post("/api/live/ticket", {}, token="nope", expect=401)
        # a token revoked after its ticket was issued cannot use the ticket
        made = (
            await api.post("/api/tokens", {"role": "display", "label": "TV"}, expect=201)
        ).json()
        ticket = (await api.post("/api/live/ticket", {}, token=made["token"])).json()["ticket"]
        await api.call("DELETE", f"/api/tokens/{made['id']}", expect=204)
        assert await _closed_with(_ws(server, ticket)) == 4401
