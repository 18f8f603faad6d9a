"""Settings read from the environment (see the README's Configuration table)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path(".huddle")
    database_url: str | None = None
    redis_url: str | None = None
    redis_prefix: str = "huddle"
    admin_token: str | None = None
    webhook_secret: str | None = None
    # refuse CRM webhook deliveries signed over the body alone (no X-Huddle-Timestamp)
    webhook_require_timestamp: bool = False
    timezone: str = "UTC"
    public_url: str | None = None
    stream_length: int = 1000
    feedback_rate_limit: int = 30
    live_buffer: int = 1 << 20
    log_format: str = "text"
    # PostgreSQL: how long a writer waits for the ledger's lock before its batch is a 503
    write_lock_timeout: float = 10.0

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "data_dir": Path(env.get("HUDDLE_DATA_DIR", ".huddle")),
            "database_url": env.get("HUDDLE_DATABASE_URL") or None,
            "redis_url": env.get("HUDDLE_REDIS_URL") or None,
            "redis_prefix": env.get("HUDDLE_REDIS_PREFIX", "huddle"),
            "admin_token": env.get("HUDDLE_ADMIN_TOKEN") or None,
            "webhook_secret": env.get("HUDDLE_WEBHOOK_SECRET") or None,
            "webhook_require_timestamp": env.get("HUDDLE_WEBHOOK_REQUIRE_TIMESTAMP", "").lower()
            in ("1", "true", "yes"),
            "timezone": env.get("HUDDLE_TIMEZONE", "UTC"),
            "public_url": env.get("HUDDLE_PUBLIC_URL") or None,
            "stream_length": int(env.get("HUDDLE_STREAM_LENGTH", "1000")),
            "feedback_rate_limit": int(env.get("HUDDLE_FEEDBACK_RATE_LIMIT", "30")),
            "live_buffer": int(env.get("HUDDLE_LIVE_BUFFER", str(1 << 20))),
            "log_format": env.get("HUDDLE_LOG_FORMAT", "text"),
            "write_lock_timeout": float(env.get("HUDDLE_WRITE_LOCK_TIMEOUT", "10")),
        }
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        settings.tz  # noqa: B018 - fail early on an unknown zone
        return settings

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"HUDDLE_TIMEZONE={self.timezone!r} is not a known IANA time zone "
                "(for example Europe/Oslo)."
            ) from None

    def today(self) -> date:
        """Today's date in the org's time zone."""
        return datetime.now(UTC).astimezone(self.tz).date()

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite://{(self.data_dir / 'huddle.sqlite3').resolve()}"
