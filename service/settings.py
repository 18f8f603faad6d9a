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
    # CRM connectors (docs/crm.md): each is off until its secret is set
    currency: str | None = None  # the org's currency (ISO code); unset: amounts as they come
    hubspot_client_secret: str | None = None
    hubspot_legacy_signatures: bool = False  # also accept signatures v1 and v2
    hubspot_won_stages: tuple[str, ...] = ("closedwon",)
    hubspot_lost_stages: tuple[str, ...] = ("closedlost",)
    pipedrive_auth: str | None = None  # "user:password" of the webhook's HTTP Basic auth
    salesforce_org_id: str | None = None
    salesforce_token: str | None = None  # the ?token= of the outbound message's URL
    # days a CRM delivery that was used (or ignored) stays listed; rejected ones stay
    crm_keep_days: int = 30
    # a CRM's activity type → the Huddle metric a done one counts for
    crm_activity_metrics: tuple[tuple[str, str], ...] = (("meeting", "meetings"), ("call", "calls"))

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
            "currency": (env.get("HUDDLE_CURRENCY") or "").strip().upper() or None,
            "hubspot_client_secret": env.get("HUDDLE_HUBSPOT_CLIENT_SECRET") or None,
            "hubspot_legacy_signatures": env.get("HUDDLE_HUBSPOT_LEGACY_SIGNATURES", "").lower()
            in ("1", "true", "yes"),
            "hubspot_won_stages": _words(env.get("HUDDLE_HUBSPOT_WON_STAGES", "closedwon")),
            "hubspot_lost_stages": _words(env.get("HUDDLE_HUBSPOT_LOST_STAGES", "closedlost")),
            "pipedrive_auth": env.get("HUDDLE_PIPEDRIVE_AUTH") or None,
            "salesforce_org_id": env.get("HUDDLE_SALESFORCE_ORG_ID") or None,
            "salesforce_token": env.get("HUDDLE_SALESFORCE_TOKEN") or None,
            "crm_keep_days": int(env.get("HUDDLE_CRM_KEEP_DAYS", "30")),
            "crm_activity_metrics": _pairs(
                env.get("HUDDLE_CRM_ACTIVITY_METRICS", "meeting:meetings,call:calls")
            ),
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


def _words(value: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in value.split(",") if w.strip())


def _pairs(value: str) -> tuple[tuple[str, str], ...]:
    """``"meeting:meetings,call:calls"`` → (("meeting", "meetings"), ("call", "calls"))."""
    pairs = []
    for word in _words(value):
        kind, _, metric = word.partition(":")
        if not kind.strip() or not metric.strip():
            raise ValueError(
                f"HUDDLE_CRM_ACTIVITY_METRICS: {word!r} should be '<CRM activity type>:<metric "
                "key>', e.g. meeting:meetings,call:calls."
            )
        pairs.append((kind.strip().lower(), metric.strip()))
    return tuple(pairs)
