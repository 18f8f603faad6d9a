"""Members who leave: ``member.active``, true for everyone until an admin says otherwise.

Tortoise adds a column without a database default, which a NOT NULL column on a table
with rows cannot be: the column is added by hand, with ``DEFAULT TRUE``, so existing
members stay active and the writer's inserts (which name the column) need nothing else.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class _AddWithDefault(ops.AddField):
    async def database_forward(self, app_label, old_state, new_state, state_editor=None) -> None:
        client = state_editor.client
        true = "TRUE" if client.capabilities.dialect == "postgres" else "1"
        await client.execute_script(
            f'ALTER TABLE "member" ADD COLUMN "active" BOOLEAN NOT NULL DEFAULT {true}'
        )

    async def database_backward(self, app_label, old_state, new_state, state_editor=None) -> None:
        await state_editor.client.execute_script('ALTER TABLE "member" DROP COLUMN "active"')


class Migration(migrations.Migration):
    dependencies = [("huddle", "0008_corrections")]

    initial = False

    operations = [
        _AddWithDefault("Member", "active", fields.BooleanField(default=True)),
    ]
