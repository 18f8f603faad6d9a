"""Corrections: a deal, kudos or a mentoring award remembers the entry that reversed it.

``deal.reversed_seq``: the ``deal.reversed`` entry that took the deal back (cleared when
the deal is scored again); ``deal.learning_reversed_seq``: the one that took back its
story's and loss review's points (they are taken back once); ``kudos.revoked_seq`` and
``mentoring.revoked_seq``: the entry that revoked them. All nullable: existing rows are
simply not reversed.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("huddle", "0007_actions_without_foreign_keys")]

    initial = False

    operations = [
        ops.AddField("Deal", "reversed_seq", fields.BigIntField(null=True)),
        ops.AddField("Deal", "learning_reversed_seq", fields.BigIntField(null=True)),
        ops.AddField("Kudos", "revoked_seq", fields.BigIntField(null=True)),
        ops.AddField("Mentoring", "revoked_seq", fields.BigIntField(null=True)),
    ]
