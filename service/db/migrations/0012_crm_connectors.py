"""CRM connectors: members' owner ids in each CRM, a deal's original currency, the
deliveries the connectors received, and the currency rates an admin sets.

``member.external_ids`` is added by hand with a database default (``{}``), as 0009 does
for ``active``: members already there get it, and the writer's inserts need not name it.
"""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class _AddExternalIds(ops.AddField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        client = state_editor.client
        kind = "JSONB" if client.capabilities.dialect == "postgres" else "JSON"
        await client.execute_script(
            f"ALTER TABLE \"member\" ADD COLUMN \"external_ids\" {kind} NOT NULL DEFAULT '{{}}'"
        )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        await state_editor.client.execute_script('ALTER TABLE "member" DROP COLUMN "external_ids"')


class Migration(migrations.Migration):
    dependencies = [("huddle", "0011_teams_archived")]

    initial = False

    operations = [
        _AddExternalIds("Member", "external_ids", fields.JSONField(default=dict)),
        ops.AddField(
            "Deal",
            "original_amount",
            fields.DecimalField(max_digits=16, decimal_places=2, null=True),
        ),
        ops.AddField("Deal", "currency", fields.CharField(max_length=3, null=True)),
        ops.CreateModel(
            name="CrmDelivery",
            fields=[
                ("id", fields.IntField(primary_key=True)),
                ("connector", fields.CharField(max_length=20)),
                ("received_at", fields.DatetimeField()),
                ("state", fields.CharField(max_length=20)),
                ("reason", fields.TextField(null=True)),
                ("external_id", fields.CharField(max_length=200, null=True)),
                ("item", fields.JSONField(null=True)),
                ("text", fields.TextField()),
                ("seq", fields.BigIntField(null=True)),
                ("updated_at", fields.DatetimeField(null=True)),
            ],
            options={"table": "crm_delivery", "app": "huddle", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddIndex(
            model_name="CrmDelivery", index=Index(fields=["connector", "received_at"])
        ),
        ops.AddIndex(model_name="CrmDelivery", index=Index(fields=["state", "received_at"])),
        ops.CreateModel(
            name="CurrencyRate",
            fields=[
                ("code", fields.CharField(max_length=3, primary_key=True)),
                ("rate", fields.DecimalField(max_digits=18, decimal_places=6)),
                ("updated_at", fields.DatetimeField()),
            ],
            options={"table": "currency_rate", "app": "huddle", "pk_attr": "code"},
            bases=["Model"],
        ),
    ]
