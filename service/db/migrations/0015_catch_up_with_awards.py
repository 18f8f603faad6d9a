"""PostgreSQL: the writer's catch-up brings each entry's awards with it.

``huddle_begin_write(after)`` (migration 0006) now also returns, per entry, its awards as
a JSON array of ``[member_id, team_id, category, cents]`` in award order: the coins of a
wallet and a contest's points are folded from them, and a second query for them under the
lock (another round trip while every other writer waits) goes. The lock, the wait for the
last holder's commit and the entries are as before.
"""

import importlib

from tortoise import migrations
from tortoise.migrations import operations as ops

# the function as migration 0006 made it, to go back to
_BEFORE = importlib.import_module(f"{__package__}.0006_write_lock_function")
LEDGER_LOCK = _BEFORE.LEDGER_LOCK

_DROP = "DROP FUNCTION IF EXISTS huddle_begin_write(bigint);"

_CREATE = f"""
CREATE FUNCTION huddle_begin_write(after bigint)
RETURNS TABLE (
  top bigint, id int, seq bigint, kind text, occurred_at timestamptz,
  recorded_at timestamptz, week text, actor_role text, actor_token_id int,
  actor_member_id int, member_id int, team_id int, season_id int, policy_id int,
  data jsonb, awards json
) AS $$
DECLARE
  last bigint;
BEGIN
  PERFORM pg_advisory_lock({LEDGER_LOCK});
  SELECT c.value INTO last FROM counter c WHERE c.name = 'seq' FOR UPDATE;
  IF NOT FOUND THEN  -- a new ledger
    INSERT INTO counter (name, value) VALUES ('seq', 0) ON CONFLICT (name) DO NOTHING;
    SELECT c.value INTO last FROM counter c WHERE c.name = 'seq' FOR UPDATE;
  END IF;
  RETURN QUERY
    SELECT last, e.id, e.seq, e.kind::text, e.occurred_at, e.recorded_at, e.week::text,
           e.actor_role::text, e.actor_token_id, e.actor_member_id, e.member_id,
           e.team_id, e.season_id, e.policy_id, e.data::jsonb,
           (SELECT json_agg(json_build_array(a.member_id, a.team_id, a.category, a.cents)
                            ORDER BY a.id)
              FROM point_award a WHERE a.entry_id = e.id)
    FROM entry e WHERE e.seq > after ORDER BY e.seq;
  IF NOT FOUND THEN
    RETURN QUERY SELECT last, NULL::int, NULL::bigint, NULL::text, NULL::timestamptz,
      NULL::timestamptz, NULL::text, NULL::text, NULL::int, NULL::int, NULL::int,
      NULL::int, NULL::int, NULL::int, NULL::jsonb, NULL::json;
  END IF;
END
$$ LANGUAGE plpgsql VOLATILE;
"""


async def create_function(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(_DROP + _CREATE)


async def restore_function(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(_DROP + _BEFORE._CREATE)


class Migration(migrations.Migration):
    dependencies = [("huddle", "0014_contests")]

    initial = False

    operations = [ops.RunPython(create_function, restore_function)]
