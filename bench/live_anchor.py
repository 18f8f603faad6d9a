"""The live anchor for ``bench/live.py``: a bare ``websockets`` server and its ``broadcast()``.

One process, the ``websockets`` library's own asyncio server (on uvloop when installed,
as uvicorn runs Huddle), per-message deflate off and pings every 20 s as ``huddle serve``
sets them. No framework, no per-board queue or task, no database, no Redis, nothing
built per message: what it costs to push one message to every board is the floor a live
board service pays for fan-out in Python.

- ``/board``: a board. It is sent ``{"type": "hello", "seq": S}`` (S: the last message
  broadcast) and then every broadcast, each carrying the next ``seq``.
- ``/trigger``: every message received there makes the server broadcast the next message
  to every board, then answer ``<seq> <ns>``: that message's ``seq`` and the time the
  broadcast began (CLOCK_MONOTONIC, one clock for every process of the machine). The
  driver times the boards from that instant, the counterpart of Huddle's POST answer,
  which goes out before Huddle's fan-out begins. Timing from the answer's arrival
  instead would leave out the broadcast itself, which writes every board's frame before
  the answer (the boards served first would get the message before it), and add
  however long the driver, woken just as the client processes are flooded, waits for a
  core.

The broadcast message is ``--message`` (a JSON object, e.g. one update Huddle sent) with
its ``seq`` replaced, or ``--size`` bytes of padding, so the boards receive what
Huddle's boards receive, byte for byte in length.

    .venv/bin/python bench/live_anchor.py --port 8765 --message update.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON, as Huddle writes it (msgspec)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


def template(args: argparse.Namespace) -> dict[str, Any]:
    if args.message:
        return dict(json.loads(Path(args.message).read_text()))
    # {"type":"update","seq":123456,"pad":"xx…"}: about --size bytes for six-digit seqs
    return {"type": "update", "seq": 0, "pad": "x" * max(0, args.size - 42)}


async def main(args: argparse.Namespace) -> None:
    message = template(args)
    boards: set[ServerConnection] = set()
    seq = 0

    async def handler(ws: ServerConnection) -> None:
        nonlocal seq
        if ws.request is not None and ws.request.path.startswith("/trigger"):
            async for _ in ws:
                seq += 1
                payload = dumps({**message, "seq": seq})
                at = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
                broadcast(boards, payload)
                await ws.send(f"{seq} {at}")
            return
        # the hello is written and the board added without yielding to the event loop in
        # between, so no broadcast can fall between the two
        broadcast([ws], dumps({"type": "hello", "seq": seq}))
        boards.add(ws)
        try:
            await ws.wait_closed()
        finally:
            boards.discard(ws)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        handler,
        "127.0.0.1",
        args.port,
        compression=None,
        ping_interval=20,
        ping_timeout=20,
        backlog=2048,  # uvicorn's, so a burst of connections is not refused here alone
    ):
        print("ready", flush=True)
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--message", help="a JSON object to broadcast, its seq replaced")
    parser.add_argument("--size", type=int, default=2000, help="bytes, without --message")
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        asyncio.run(main(args))
    else:
        uvloop.run(main(args))
