"""Logging that never writes a secret, as text or as one JSON object per line.

Pages and live boards may carry their token in the URL (``/tv?token=…``,
``/ws/board?token=…``, the bootstrap ``/manage?token=…``). The server's access log and
its websocket lines print the whole path, so ``install()`` adds a filter to uvicorn's
loggers that rewrites ``token=<secret>`` to ``token=***`` before anything is written.

``huddle serve --log-format json`` (or ``HUDDLE_LOG_FORMAT=json``) hands uvicorn
``log_config("json", level)``: every line on stdout/stderr is then a JSON object with
``time``, ``level``, ``logger`` and ``message``, and access lines also carry ``client``,
``method``, ``path`` and ``status`` as fields, for a log shipper to index.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the app's; ``huddle serve``'s supervising process never loads Litestar
    from litestar.logging.config import LoggingConfig

__all__ = [
    "FORMATS",
    "JsonFormatter",
    "RedactTokens",
    "app_logging",
    "install",
    "log_config",
    "redact",
]

FORMATS = ("text", "json")

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


class JsonFormatter(logging.Formatter):
    """One JSON object per record; secrets redacted even if a filter was bypassed."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            client, method, path, _version, status = args
            out |= {"client": client, "method": method, "path": redact(str(path)), "status": status}
        if record.exc_info:
            out["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def app_logging(fmt: str) -> LoggingConfig:
    """Litestar's logging (root, ``litestar``, ``huddle``, Tortoise) in the same format."""
    from litestar.logging.config import LoggingConfig

    if fmt == "json":
        return LoggingConfig(formatters={"standard": {"()": f"{__name__}.JsonFormatter"}})
    return LoggingConfig()


def log_config(fmt: str, level: str) -> dict[str, Any] | None:
    """uvicorn's ``log_config`` for a format: None keeps uvicorn's own text lines."""
    if fmt == "text":
        return None
    if fmt != "json":
        raise ValueError(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)}")
    level = level.upper()
    handler = {"formatter": "json", "class": "logging.StreamHandler"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "default": handler | {"stream": "ext://sys.stderr"},
            "access": handler | {"stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": level},
    }
