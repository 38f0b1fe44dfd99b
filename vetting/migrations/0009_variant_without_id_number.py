"""The rules by name compare a subject holding an ID number only with list entries that
have none (vetting.engine): two different ID numbers are two people, whatever the names.

Partial indexes over the entries without an ID number: (name key, birth date), and on
PostgreSQL (pinyin, birth year), the expression of the homophone join (migration 0008).
The variant rows carry a copy of "the entry has no ID number", filled here for the rows
already stored, with a partial index on the key.
"""

from django.db import migrations, models

INDEX = "entry_anon_pinyin_year_idx"


def fill(apps, schema_editor):
    variant = apps.get_model("vetting", "EntryNameVariant")
    variant.objects.filter(entry__id_number__isnull=True).update(without_id_number=True)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {INDEX} ON vetting_watchlistentry "
            "(name_pinyin, (EXTRACT(YEAR FROM birth_date))) WHERE id_number IS NULL"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("vetting", "0008_entry_pinyin_birth_year_index_on_postgresql"),
    ]

    operations = [
        migrations.AddField(
            model_name="entrynamevariant",
            name="without_id_number",
            field=models.BooleanField(default=False, verbose_name="entry without ID number"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="entrynamevariant",
            index=models.Index(
                condition=models.Q(("without_id_number", True)),
                fields=["key"],
                name="variant_anon_key_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="watchlistentry",
            index=models.Index(
                condition=models.Q(("id_number__isnull", True)),
                fields=["name_key", "birth_date"],
                name="entry_anon_name_birth_idx",
            ),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
