"""The reward shop: rewards, redemptions, and a team's monthly reward budget."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("huddle", "0012_crm_connectors")]

    initial = False

    operations = [
        ops.AddField(
            "Team",
            "reward_budget",
            fields.DecimalField(max_digits=16, decimal_places=2, null=True),
        ),
        ops.CreateModel(
            name="Reward",
            fields=[
                ("id", fields.IntField(primary_key=True)),
                ("entry_id", fields.IntField(unique=True)),
                ("name", fields.CharField(max_length=100)),
                ("cost", fields.DecimalField(max_digits=16, decimal_places=2)),
                ("stock", fields.IntField(null=True)),
                ("per_member_limit", fields.IntField(null=True)),
                ("description", fields.TextField(null=True)),
                ("active", fields.BooleanField(default=True)),
                ("created_at", fields.DatetimeField()),
            ],
            options={"table": "reward", "app": "huddle", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Redemption",
            fields=[
                ("id", fields.IntField(primary_key=True)),
                ("entry_id", fields.IntField(unique=True)),
                ("member_id", fields.IntField()),
                ("team_id", fields.IntField()),
                ("reward_id", fields.IntField()),
                ("cost", fields.DecimalField(max_digits=16, decimal_places=2)),
                ("note", fields.TextField(null=True)),
                ("state", fields.CharField(max_length=20)),
                ("requested_at", fields.DatetimeField()),
                ("decided_at", fields.DatetimeField(null=True)),
                ("decided_by_member_id", fields.IntField(null=True)),
                ("decision_note", fields.TextField(null=True)),
            ],
            options={"table": "redemption", "app": "huddle", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddIndex(model_name="Redemption", index=Index(fields=["state", "team_id"])),
        ops.AddIndex(model_name="Redemption", index=Index(fields=["member_id"])),
    ]
