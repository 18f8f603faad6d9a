"""Activity metrics (calls, meetings booked, demos) and the activities logged for them."""

from tortoise import fields, migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("huddle", "0009_members_leave")]

    initial = False

    operations = [
        ops.CreateModel(
            name="Metric",
            fields=[
                ("id", fields.IntField(primary_key=True)),
                ("key", fields.CharField(max_length=40, unique=True)),
                ("name", fields.CharField(max_length=100)),
                ("points_per_unit", fields.DecimalField(max_digits=16, decimal_places=2)),
                ("daily_cap", fields.DecimalField(max_digits=16, decimal_places=2, null=True)),
                ("created_at", fields.DatetimeField()),
            ],
            options={"table": "metric", "app": "huddle", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Activity",
            fields=[
                ("id", fields.IntField(primary_key=True)),
                ("entry_id", fields.IntField(unique=True)),
                ("member_id", fields.IntField()),
                ("team_id", fields.IntField()),
                ("season_id", fields.IntField(null=True)),
                ("metric", fields.CharField(max_length=40)),
                ("day", fields.DateField()),
                ("value", fields.BigIntField()),
                ("cents", fields.BigIntField()),
                ("external_id", fields.CharField(max_length=200, null=True, unique=True)),
                ("occurred_at", fields.DatetimeField()),
            ],
            options={"table": "activity", "app": "huddle", "pk_attr": "id"},
            bases=["Model"],
        ),
        # the daily cap's look-up: what members earned for a metric on a day
        ops.AddIndex(model_name="Activity", index=Index(fields=["metric", "day", "member_id"])),
    ]
