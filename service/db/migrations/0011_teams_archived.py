"""Teams with no active members can be archived: ``team.archived``, false for every team."""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class _AddWithDefault(ops.AddField):
    """A NOT NULL column with a database default, so teams already there get it (see 0009)."""

    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        client = state_editor.client
        false = "FALSE" if client.capabilities.dialect == "postgres" else "0"
        await client.execute_script(
            f'ALTER TABLE "team" ADD COLUMN "archived" BOOLEAN NOT NULL DEFAULT {false}'
        )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        await state_editor.client.execute_script('ALTER TABLE "team" DROP COLUMN "archived"')


class Migration(migrations.Migration):
    dependencies = [("huddle", "0010_activities")]

    initial = False

    operations = [
        _AddWithDefault("Team", "archived", fields.BooleanField(default=False)),
    ]
