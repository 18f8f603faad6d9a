"""Connecting Tortoise, and applying migrations (never ``generate_schemas`` in production)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

__all__ = ["APP", "close_db", "init_db", "migrate", "tortoise_config"]

APP = "huddle"


def tortoise_config(db_url: str) -> dict[str, Any]:
    if db_url.startswith("sqlite://"):
        path = db_url.removeprefix("sqlite://").split("?", 1)[0]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # a second instance on the same file waits for the write lock instead of failing
        if "busy_timeout" not in db_url:
            db_url += ("&" if "?" in db_url else "?") + "busy_timeout=10000"
    return {
        "connections": {"default": db_url},
        "apps": {
            APP: {
                "models": ["service.db.models"],
                "migrations": "service.db.migrations",
                "default_connection": "default",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def migrate(db_url: str, progress: Callable[[str, str, str], object] | None = None) -> None:
    """Apply every pending migration to the database at ``db_url``."""
    await tortoise_migrate(config=tortoise_config(db_url), progress=progress)
    await Tortoise.close_connections()


async def init_db(db_url: str, create_db: bool = False) -> None:
    # Tortoise caches prepared INSERT statements per connection *name*, not per dialect:
    # after a SQLite run, the same process would send '?' placeholders to PostgreSQL.
    EXECUTOR_CACHE.clear()
    await Tortoise.init(
        config=tortoise_config(db_url), _create_db=create_db, _enable_global_fallback=True
    )


async def close_db() -> None:
    await Tortoise.close_connections()
