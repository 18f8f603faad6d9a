"""Contests: how many challenges a team's members may have open at once. Contests
themselves live in the ledger alone (every writer's state folds them)."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("huddle", "0013_rewards")]

    initial = False

    operations = [
        ops.AddField("Team", "challenge_cap", fields.IntField(null=True)),
    ]
