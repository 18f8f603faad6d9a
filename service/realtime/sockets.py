"""Where a live board's messages go: the same frame bytes to every socket that gets them.

An update is encoded once per group of boards (``views.py``); here it is framed once —
a server's text frame is the same bytes for every connection when no extension (per-
message deflate) is negotiated, which ``huddle serve`` never offers — and those bytes are
written to each socket's transport, all the messages of one applied batch in one write.
No per-connection JSON, no per-message ASGI event, no task per board.

That needs the connection's transport, which ASGI does not expose. Under uvicorn's
sans-I/O websocket protocol (``websockets``' own ``ServerProtocol``, what ``huddle
serve`` runs) the ASGI ``send`` callable is a bound method of the connection's protocol
object, which holds both (Litestar wraps ``send``: the app keeps the server's own in the
scope, ``RAW_SEND``); :func:`socket_for` uses them when it finds them and keeps
everything else — the handshake, pings, the closing handshake — to uvicorn and the
``websockets`` library. Under any other ASGI server (or an in-process test client) a
board gets a :class:`QueuedSocket`: a bounded buffer drained by one task through ASGI,
with the same limit on how far behind it may fall.

Either way a board that falls more than ``limit`` bytes behind is told so (``write``
returns False) and the hub disconnects it (4408); it resumes with ``since``.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Protocol

from websockets.frames import Frame, Opcode
from websockets.protocol import State

__all__ = [
    "RAW_SEND",
    "BoardSocket",
    "DirectSocket",
    "Outgoing",
    "QueuedSocket",
    "socket_for",
]

log = logging.getLogger(__name__)


class Outgoing:
    """Messages for boards, in order: their texts, and their frames made once on demand."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)

    @cached_property
    def frames(self) -> bytes:
        """Every message as a server's unmasked text frame, concatenated."""
        return b"".join(
            Frame(Opcode.TEXT, text.encode()).serialize(mask=False) for text in self.texts
        )

    @cached_property
    def size(self) -> int:
        return sum(len(text) for text in self.texts)


class BoardSocket(Protocol):
    def write(self, out: Outgoing) -> bool:
        """Queue messages without waiting; False when the board is too far behind."""
        ...

    async def close(self, code: int, reason: str) -> None: ...

    def abort(self) -> None:
        """Cut the connection (a board too stuck to take its close frame)."""
        ...

    def stop(self) -> None:
        """The board left: release what was kept for it."""
        ...


class DirectSocket:
    """A board under uvicorn's sans-I/O protocol: frames go straight to its transport."""

    def __init__(self, websocket: Any, protocol: Any, limit: int) -> None:
        self.websocket = websocket
        self.protocol = protocol
        self.transport: asyncio.WriteTransport = protocol.transport
        self.limit = limit

    def write(self, out: Outgoing) -> bool:
        protocol, transport = self.protocol, self.transport
        if protocol.close_sent or protocol.conn.state is not State.OPEN or transport.is_closing():
            return True  # closing: the route's reader ends it, nothing more goes out
        if transport.get_write_buffer_size() > self.limit:
            return False
        transport.write(out.frames)
        return True

    async def close(self, code: int, reason: str) -> None:
        await self.websocket.close(code=code, reason=reason)

    def abort(self) -> None:
        self.transport.abort()

    def stop(self) -> None:
        pass


class QueuedSocket:
    """A board under any other ASGI server: one task sends its messages through ASGI."""

    def __init__(self, websocket: Any, limit: int) -> None:
        self.websocket = websocket
        self.limit = limit
        self.pending: deque[str] = deque()
        self.bytes = 0
        self.ready = asyncio.Event()
        self.task = asyncio.create_task(self._drain())

    def write(self, out: Outgoing) -> bool:
        if self.bytes > self.limit:
            return False
        self.pending.extend(out.texts)
        self.bytes += out.size
        self.ready.set()
        return True

    async def _drain(self) -> None:
        try:
            while True:
                await self.ready.wait()
                self.ready.clear()
                while self.pending:
                    text = self.pending.popleft()
                    self.bytes -= len(text)
                    await self.websocket.send_text(text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the board went away: the route's reader ends it
            log.debug("a live board's sender stopped: %s", exc)

    async def close(self, code: int, reason: str) -> None:
        self.stop()
        await self.websocket.close(code=code, reason=reason)

    def abort(self) -> None:
        self.stop()

    def stop(self) -> None:
        self.task.cancel()


RAW_SEND = "huddle.raw_send"  # the server's own ``send``, kept in the scope by the app


def socket_for(websocket: Any, limit: int) -> DirectSocket | QueuedSocket:
    """The fastest way to reach an accepted board's connection (see the module's doc)."""
    send = websocket.scope.get(RAW_SEND)
    protocol = getattr(send, "__self__", None)
    conn = getattr(protocol, "conn", None)
    if (
        conn is not None
        and hasattr(protocol, "transport")
        and hasattr(protocol, "close_sent")
        and getattr(conn, "state", None) is State.OPEN
        and not getattr(conn, "extensions", None)
    ):
        return DirectSocket(websocket, protocol, limit)
    return QueuedSocket(websocket, limit)
