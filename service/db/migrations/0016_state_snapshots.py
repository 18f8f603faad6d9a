"""Snapshots of a writer's state (``service/engine/snapshots.py``): the fold of the ledger
up to a seq, so that a process starts, or follows another's import, without folding the
whole ledger again."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("huddle", "0015_catch_up_with_awards")]

    initial = False

    operations = [
        ops.CreateModel(
            name="StateSnapshot",
            fields=[
                ("seq", fields.BigIntField(primary_key=True)),
                ("code", fields.CharField(max_length=64)),
                ("made_at", fields.DatetimeField()),
                ("data", fields.BinaryField()),
            ],
            options={"table": "state_snapshot", "app": "huddle", "pk_attr": "seq"},
            bases=["Model"],
        ),
    ]
