from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('huddle', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Badge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.ForeignKeyField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='badges', on_delete=OnDelete.RESTRICT)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='badges', on_delete=OnDelete.RESTRICT)),
                ('season_key', fields.IntField(default=0)),
                ('code', fields.CharField(max_length=40)),
                ('awarded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'badge', 'app': 'huddle', 'unique_together': (('member_id', 'season_key', 'code'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='FeedbackRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(unique=True, max_length=64)),
                ('seller', fields.ForeignKeyField('huddle.Member', source_field='seller_id', db_constraint=True, to_field='id', related_name='feedback_requests', on_delete=OnDelete.RESTRICT)),
                ('customer', fields.CharField(max_length=200)),
                ('meeting_on', fields.DateField(null=True)),
                ('created_by_role', fields.CharField(max_length=20)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'feedback_request', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Feedback',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.OneToOneField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.RESTRICT)),
                ('request', fields.OneToOneField('huddle.FeedbackRequest', source_field='request_id', db_constraint=True, to_field='id', related_name='feedback', on_delete=OnDelete.RESTRICT)),
                ('seller_id', fields.IntField(db_index=True)),
                ('team_id', fields.IntField()),
                ('season_id', fields.IntField(null=True)),
                ('rating', fields.IntField()),
                ('comment', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'feedback', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LossReview',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.OneToOneField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='loss_review', on_delete=OnDelete.RESTRICT)),
                ('deal', fields.OneToOneField('huddle.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='loss_review', on_delete=OnDelete.RESTRICT)),
                ('member', fields.ForeignKeyField('huddle.Member', source_field='member_id', db_constraint=True, to_field='id', related_name='loss_reviews', on_delete=OnDelete.RESTRICT)),
                ('team_id', fields.IntField()),
                ('season_id', fields.IntField(null=True)),
                ('answers', fields.JSONField(encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('lesson', fields.TextField(null=True, unique=False)),
            ],
            options={'table': 'loss_review', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Story',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('entry', fields.OneToOneField('huddle.Entry', source_field='entry_id', db_constraint=True, to_field='id', related_name='story', on_delete=OnDelete.RESTRICT)),
                ('deal', fields.OneToOneField('huddle.Deal', source_field='deal_id', db_constraint=True, to_field='id', related_name='story', on_delete=OnDelete.RESTRICT)),
                ('member_id', fields.IntField()),
                ('text', fields.TextField(unique=False)),
            ],
            options={'table': 'story', 'app': 'huddle', 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
