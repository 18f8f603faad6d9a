"""Migrations: a database at the first schema, with rows, migrates to the latest intact."""

import pytest
from tortoise import Tortoise
from tortoise.migrations.api.migrate import migrate as tortoise_migrate

from service.db.connection import tortoise_config
from tests.test_api_org import _rows


async def test_migrating_a_database_with_rows(db_url, tmp_path):
    """0001 → latest keeps teams, members and ledger rows; new tables work afterwards."""
    fresh = db_url
    if db_url.startswith("sqlite://"):
        fresh = f"sqlite://{tmp_path / 'old.sqlite3'}"
    else:  # the fixture's database is migrated already: roll it back to 0001 first
        await tortoise_migrate(config=tortoise_config(db_url), target="huddle.0001_initial")
        await Tortoise.close_connections()
    if fresh != db_url:
        await tortoise_migrate(config=tortoise_config(fresh), target="huddle.0001_initial")
        await Tortoise.close_connections()
    await _rows(fresh, "INSERT INTO team (name, created_at) VALUES ('Oslo', '2026-01-01')")
    await _rows(
        fresh,
        "INSERT INTO member (name, team_id, role, joined_on, created_at) "
        "VALUES ('Kari', 1, 'seller', '2026-01-01', '2026-01-01')",
    )
    tables = "SELECT count(*) FROM loss_review"
    with pytest.raises(Exception, match="loss_review"):  # 0002 creates it
        await _rows(fresh, tables)
    await tortoise_migrate(config=tortoise_config(fresh))
    await Tortoise.close_connections()
    assert await _rows(fresh, "SELECT name FROM member") == [("Kari",)]
    assert await _rows(fresh, tables) == [(0,)]
    await _rows(
        fresh,
        "INSERT INTO feedback_request (key, customer, created_by_role, "
        "created_at, expires_at, seller_id) VALUES ('k', 'Acme', 'seller', "
        "'2026-01-01', '2026-02-01', 1)",
    )
    assert await _rows(fresh, "SELECT customer FROM feedback_request") == [("Acme",)]
