"""The tables every deal, kudos and mentoring award appends to drop their foreign keys
on PostgreSQL, as ``entry`` and ``point_award`` did in 0004 and for the same reason.

Only the writer inserts into ``deal``, ``kudos`` and ``mentoring``; the member each row
names was checked by the decision against the writer's state under the lock, and its
entry is inserted by the same statement. Each foreign key cost PostgreSQL a trigger
query per inserted row, inside the ledger's lock. SQLite keeps them (it checks them
in-process, and dropping one there means rebuilding the table).
"""

from typing import Any

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

_TABLES = ("deal", "kudos", "mentoring")

_DROP_ON_POSTGRES = """
DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conname, conrelid::regclass AS tbl FROM pg_constraint
           WHERE contype = 'f'
             AND conrelid IN ('deal'::regclass, 'kudos'::regclass, 'mentoring'::regclass)
  LOOP
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tbl, c.conname);
  END LOOP;
END $$;
"""

# (table, column, referenced table), to put them back when migrating backwards
_KEYS = (
    ("deal", "entry_id", "entry"),
    ("deal", "seller_id", "member"),
    ("kudos", "entry_id", "entry"),
    ("kudos", "giver_id", "member"),
    ("kudos", "recipient_id", "member"),
    ("mentoring", "entry_id", "entry"),
    ("mentoring", "member_id", "member"),
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
    models); the database side is ``drop_foreign_keys`` (see 0004)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        return None


def _key(kind: Any, model: str, related_name: str, source: str) -> Any:
    return kind(
        model,
        source_field=source,
        db_constraint=False,
        to_field="id",
        related_name=related_name,
        on_delete=OnDelete.RESTRICT,
    )


class Migration(migrations.Migration):
    dependencies = [("huddle", "0006_write_lock_function")]

    initial = False

    operations = [
        _RecordNoConstraint(
            "Deal", "entry", _key(fields.OneToOneField, "huddle.Entry", "deal", "entry_id")
        ),
        _RecordNoConstraint(
            "Deal", "seller", _key(fields.ForeignKeyField, "huddle.Member", "deals", "seller_id")
        ),
        _RecordNoConstraint(
            "Kudos", "entry", _key(fields.OneToOneField, "huddle.Entry", "kudos", "entry_id")
        ),
        _RecordNoConstraint(
            "Kudos",
            "giver",
            _key(fields.ForeignKeyField, "huddle.Member", "kudos_given", "giver_id"),
        ),
        _RecordNoConstraint(
            "Kudos",
            "recipient",
            _key(fields.ForeignKeyField, "huddle.Member", "kudos_received", "recipient_id"),
        ),
        _RecordNoConstraint(
            "Mentoring",
            "entry",
            _key(fields.OneToOneField, "huddle.Entry", "mentoring", "entry_id"),
        ),
        _RecordNoConstraint(
            "Mentoring",
            "member",
            _key(fields.ForeignKeyField, "huddle.Member", "mentoring_received", "member_id"),
        ),
        ops.RunPython(drop_foreign_keys, restore_foreign_keys),
    ]
