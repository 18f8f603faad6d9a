"""The ledger's hot tables (``entry``, ``point_award``) drop their foreign keys.

Only the writer appends to them; every id an entry or award names was checked by the
decision against the writer's state under the lock, and neither table nor anything they
name is ever deleted. On PostgreSQL each foreign key costs a trigger query per inserted
row: for a batch of 30 won deals, 300 checks and half of the batch's insert. SQLite
checks them in-process for next to nothing, and dropping one there means rebuilding the
table, so SQLite keeps them.
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

_DROP_ON_POSTGRES = """
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conname, conrelid::regclass AS tbl FROM pg_constraint
           WHERE contype = 'f' AND conrelid IN ('entry'::regclass, 'point_award'::regclass)
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
  END LOOP;
END $$;
"""


# (table, column, referenced table), to put them back when migrating backwards
_KEYS = (
    ("entry", "actor_member_id", "member"),
    ("entry", "member_id", "member"),
    ("entry", "team_id", "team"),
    ("entry", "season_id", "season"),
    ("entry", "policy_id", "policy_version"),
    ("point_award", "entry_id", "entry"),
    ("point_award", "member_id", "member"),
)


async def drop_foreign_keys(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(_DROP_ON_POSTGRES)


async def restore_foreign_keys(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(
            "\n".join(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{table}_{column}_fkey" FOREIGN KEY '
                f'("{column}") REFERENCES "{parent}" ("id") ON DELETE RESTRICT;'
                for table, column, parent in _KEYS
            )
        )


class _RecordNoConstraint(ops.AlterField):
    """``db_constraint=False`` in the migration state only (so the state matches the
    models); the database side is ``drop_foreign_keys``. Tortoise's own AlterField would
    rebuild the tables on SQLite and lose their indexes."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


def _fk(model: str, related_name: str, source: str, null: bool = False) -> Any:
    options: dict[str, Any] = {
        "source_field": source,
        "db_constraint": False,
        "to_field": "id",
        "related_name": related_name,
        "on_delete": OnDelete.RESTRICT,
    }
    if null:
        return fields.ForeignKeyField(model, null=True, **options)
    return fields.ForeignKeyField(model, **options)


class Migration(migrations.Migration):
    dependencies = [("huddle", "0003_point_award_entry_index")]

    initial = False

    operations = [
        _RecordNoConstraint(
            "Entry", "actor_member", _fk("huddle.Member", "acted", "actor_member_id", True)
        ),
        _RecordNoConstraint("Entry", "member", _fk("huddle.Member", "entries", "member_id", True)),
        _RecordNoConstraint("Entry", "team", _fk("huddle.Team", "entries", "team_id", True)),
        _RecordNoConstraint("Entry", "season", _fk("huddle.Season", "entries", "season_id", True)),
        _RecordNoConstraint("Entry", "policy", _fk("huddle.PolicyVersion", "entries", "policy_id")),
        _RecordNoConstraint("PointAward", "entry", _fk("huddle.Entry", "awards", "entry_id")),
        _RecordNoConstraint("PointAward", "member", _fk("huddle.Member", "awards", "member_id")),
        ops.RunPython(drop_foreign_keys, restore_foreign_keys),
    ]
