"""PostgreSQL: the writer takes the ledger's lock and catches up in one round trip.

``huddle_begin_write(after)`` takes the ledger's advisory lock (held by the writer's own
connection, across statements, until it appends or gives up), waits for the previous
holder's append to commit (that statement updated the ``seq`` counter row, which it
keeps locked until its commit), and returns ``seq``'s value with every entry after
``after``. It is VOLATILE: each statement inside it sees what was committed when it
starts, so the entries a writer was waiting for are there. A batch then appends in one
statement that commits on its own (see ``service/engine/tables.py``): three round trips
(begin, catch-up, commit) fewer than a transaction around the same work.

SQLite keeps its transaction (one process's writes, with the database's own lock).
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

# the advisory lock's key (advisory locks are per database): 'hudd' in ASCII
LEDGER_LOCK = 0x68756464

_CREATE = f"""
CREATE OR REPLACE FUNCTION huddle_begin_write(after bigint)
RETURNS TABLE (
  top bigint, id int, seq bigint, kind text, occurred_at timestamptz,
  recorded_at timestamptz, week text, actor_role text, actor_token_id int,
  actor_member_id int, member_id int, team_id int, season_id int, policy_id int,
  data jsonb
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
           e.team_id, e.season_id, e.policy_id, e.data::jsonb
    FROM entry e WHERE e.seq > after ORDER BY e.seq;
  IF NOT FOUND THEN
    RETURN QUERY SELECT last, NULL::int, NULL::bigint, NULL::text, NULL::timestamptz,
      NULL::timestamptz, NULL::text, NULL::text, NULL::int, NULL::int, NULL::int,
      NULL::int, NULL::int, NULL::int, NULL::jsonb;
  END IF;
END
$$ LANGUAGE plpgsql VOLATILE;
"""


async def create_function(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script(_CREATE)


async def drop_function(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        await client.execute_script("DROP FUNCTION IF EXISTS huddle_begin_write(bigint);")


class Migration(migrations.Migration):
    dependencies = [("huddle", "0005_request_keys")]

    initial = False

    operations = [ops.RunPython(create_function, drop_function)]
