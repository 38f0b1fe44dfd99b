"""People sort by name in pinyin order, through a collation named pinyin (cadres.search)."""

import django.db.models.functions.comparison
from django.contrib.postgres.operations import CreateCollation
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0011_person_kept_columns"),
    ]

    operations = [
        # On PostgreSQL only (the operation skips SQLite, where cadres.search registers it).
        CreateCollation("pinyin", provider="icu", locale="zh-u-co-pinyin"),
        migrations.AlterModelOptions(
            name="person",
            options={
                "ordering": ["name_key__pinyin_order", "pk"],
                "permissions": [
                    ("reveal_id_number", "Can reveal a full ID number"),
                    ("manage_strict_control", "Can set, review and lift strict control"),
                ],
                "verbose_name": "person",
                "verbose_name_plural": "people",
            },
        ),
        migrations.AlterModelOptions(
            name="relative",
            options={
                "ordering": ["cadre", "relation", "name_key__pinyin_order", "pk"],
                "verbose_name": "relative",
                "verbose_name_plural": "relatives",
            },
        ),
        migrations.AlterModelOptions(
            name="partycandidate",
            options={
                "ordering": ["village", "name_key__pinyin_order", "pk"],
                "verbose_name": "party membership candidate",
                "verbose_name_plural": "party membership candidates",
            },
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                django.db.models.functions.comparison.Collate("name_key", "pinyin"),
                name="person_name_order_idx",
            ),
        ),
    ]
