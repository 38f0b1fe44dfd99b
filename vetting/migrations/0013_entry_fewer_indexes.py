"""Fewer indexes on list entries: each costs every row of every import.

The name key alone and the source alone are the leading columns of other indexes;
the pinyin alone is covered on PostgreSQL by the (pinyin, birth year) indexes the
homophone rule uses; the last import is never looked up.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0012_id_number_indexes_cover_on_postgresql"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="watchlistentry",
            name="entry_pinyin_idx",
        ),
        migrations.AlterField(
            model_name="watchlistentry",
            name="last_import",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="vetting.watchlistimport",
                verbose_name="last seen in import",
            ),
        ),
        migrations.AlterField(
            model_name="watchlistentry",
            name="name_key",
            field=models.CharField(editable=False, max_length=50, verbose_name="name key"),
        ),
        migrations.AlterField(
            model_name="watchlistentry",
            name="source",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="entries",
                to="vetting.watchlistsource",
                verbose_name="watchlist",
            ),
        ),
    ]
