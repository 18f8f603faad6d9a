from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Counter',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=50)),
                ('value', fields.BigIntField(default=0)),
            ],
            options={'table': 'counter', 'app': 'huddle', 'pk_attr': 'name'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PolicyVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('data', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('created_by', fields.CharField(null=True, max_length=200)),
            ],
            options={'table': 'policy_version', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Season',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('starts_on', fields.DateField()),
                ('ends_on', fields.DateField()),
            ],
            options={'table': 'season', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Team',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=100)),
                ('nickname', fields.CharField(null=True, max_length=100)),
                ('color', fields.CharField(null=True, max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'team', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Goal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('team', fields.ForeignKeyField('huddle.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('season', fields.ForeignKeyField('huddle.Season', source_field='season_id', db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('metric', fields.CharField(max_length=20)),
                ('target', fields.DecimalField(max_digits=16, decimal_places=2)),
                ('value', fields.DecimalField(default=0, max_digits=16, decimal_places=2)),
                ('reached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'goal', 'app': 'huddle', 'unique_together': (('team_id', 'season_id', 'metric'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Member',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('team', fields.ForeignKeyField('huddle.Team', source_field='team_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT)),
                ('role', fields.CharField(max_length=20)),
                ('email', fields.CharField(null=True, unique=True, max_length=200)),
                ('joined_on', fields.DateField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'member', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Entry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('seq', fields.BigIntField(unique=True)),
                ('kind', fields.CharField(db_index=True, max_length=40)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('week', fields.CharField(max_length=10)),
                ('actor_role', fields.CharField(max_length=20)),
                ('actor_token_id', fields.IntField(null=True)),
                ('actor_member', fields.ForeignKeyField('huddle.Member', source_field='actor_member_id', null=True, db_constraint=True, to_field='id', related_name='acted', on_delete=OnDelete.RESTRICT)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('team', fields.ForeignKeyField('huddle.Team', source_field='team_id', null=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('season', fields.ForeignKeyField('huddle.Season', source_field='season_id', null=True, db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('policy', fields.ForeignKeyField('huddle.PolicyVersion', source_field='policy_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT)),
                ('data', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
            ],
            options={'table': 'entry', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Deal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.OneToOneField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='deal', on_delete=OnDelete.RESTRICT)),
                ('seller', fields.ForeignKeyField('huddle.Member', source_field='seller_id', db_constraint=True, to_field='id', related_name='deals', on_delete=OnDelete.RESTRICT)),
                ('team_id', fields.IntField()),
                ('season_id', fields.IntField(null=True)),
                ('outcome', fields.CharField(max_length=10)),
                ('amount', fields.DecimalField(max_digits=16, decimal_places=2)),
                ('customer', fields.CharField(max_length=200)),
                ('assists', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('external_id', fields.CharField(null=True, unique=True, max_length=200)),
                ('closed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deal', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Kudos',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.OneToOneField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='kudos', on_delete=OnDelete.RESTRICT)),
                ('giver', fields.ForeignKeyField('huddle.Member', source_field='giver_id', db_constraint=True, to_field='id', related_name='kudos_given', on_delete=OnDelete.RESTRICT)),
                ('recipient', fields.ForeignKeyField('huddle.Member', source_field='recipient_id', db_constraint=True, to_field='id', related_name='kudos_received', on_delete=OnDelete.RESTRICT)),
                ('cents', fields.BigIntField()),
                ('message', fields.TextField(unique=False)),
                ('strength', fields.CharField(null=True, max_length=30)),
                ('week', fields.CharField(max_length=10)),
            ],
            options={'table': 'kudos', 'app': 'huddle', 'indexes': [Index(fields=['giver_id', 'week'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='MemberGoal',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('goal', fields.ForeignKeyField('huddle.Goal', source_field='goal_id', db_constraint=True, to_field='id', related_name='member_goals', on_delete=OnDelete.CASCADE)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='goals', on_delete=OnDelete.RESTRICT)),
                ('target', fields.DecimalField(max_digits=16, decimal_places=2)),
                ('value', fields.DecimalField(default=0, max_digits=16, decimal_places=2)),
                ('reached_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'member_goal', 'app': 'huddle', 'unique_together': (('goal_id', 'member_id'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Mentoring',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.OneToOneField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='mentoring', on_delete=OnDelete.RESTRICT)),
                ('awarded_by_member_id', fields.IntField(null=True)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='mentoring_received', on_delete=OnDelete.RESTRICT)),
                ('cents', fields.BigIntField()),
                ('note', fields.TextField(unique=False)),
                ('week', fields.CharField(max_length=10)),
            ],
            options={'table': 'mentoring', 'app': 'huddle', 'indexes': [Index(fields=['awarded_by_member_id', 'week'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointAward',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='awards', on_delete=OnDelete.RESTRICT)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='awards', on_delete=OnDelete.RESTRICT)),
                ('team_id', fields.IntField()),
                ('season_id', fields.IntField(null=True)),
                ('category', fields.CharField(max_length=20)),
                ('cents', fields.BigIntField()),
            ],
            options={'table': 'point_award', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Token',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('role', fields.CharField(max_length=20)),
                ('label', fields.CharField(null=True, max_length=200)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', null=True, db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'token', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
