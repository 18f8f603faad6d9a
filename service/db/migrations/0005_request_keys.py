from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("huddle", "0004_ledger_without_foreign_keys")]

    initial = False

    operations = [
        ops.CreateModel(
            name="RequestKey",
            fields=[
                ("key", fields.CharField(max_length=300, primary_key=True, unique=True)),
                ("entry_id", fields.IntField()),
                ("hash", fields.CharField(max_length=64)),
            ],
            options={"table": "request_key", "app": "huddle", "pk_attr": "key"},
            bases=["Model"],
        ),
    ]
