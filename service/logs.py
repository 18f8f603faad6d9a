"""Logging that never writes a secret: bearer tokens in query strings are redacted.

Pages and live boards may carry their token in the URL (``/tv?token=…``,
``/ws/board?token=…``, the bootstrap ``/manage?token=…``). The server's access log and
its websocket lines print the whole path, so ``install()`` adds a filter to uvicorn's
loggers that rewrites ``token=<secret>`` to ``token=***`` before anything is written.
"""

from __future__ import annotations

import logging
import re

__all__ = ["RedactTokens", "install", "redact"]

_SECRET = re.compile(r"(?i)\b((?:access_)?token|ticket)=[^&\s\"']+")
_LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn")


def redact(text: str) -> str:
    return _SECRET.sub(r"\1=***", text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message and string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install() -> None:
    """Put the filter on uvicorn's loggers (once per process)."""
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
