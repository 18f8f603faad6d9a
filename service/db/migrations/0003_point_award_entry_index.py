from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('huddle', '0002_learning')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='PointAward',
            index=Index(fields=['entry_id']),
        ),
    ]
