"""Indexes that give the register's sorts their order, so a page reads only its rows.

Township scoping and the sort by village read posts by (village, person); the sort by term
end walks posts by (term end, person); the sort by birth date reads people by (birth date,
id), and descending, with people without a birth date still last, by an index that only
PostgreSQL can build (SQLite has no NULLS LAST in an index). At 100,000 cadres a sorted
first page went from 60-110 ms of SQL to about 1 ms (benchmarks/README.md).
"""

import django.db.models.deletion
from django.db import migrations, models

BIRTH_DESC = "person_birth_desc_idx"


def create_birth_desc(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {BIRTH_DESC} ON cadres_person (birth_date DESC NULLS LAST, id DESC)"
        )


def drop_birth_desc(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX {BIRTH_DESC}")


SECRETARY = "post_one_serving_secretary_per_village"


def restore_secretary_constraint(apps, schema_editor):
    # Dropping the foreign key's own index (db_index=False) also drops, on PostgreSQL, the
    # partial unique index on the same single column: one serving secretary per village.
    Post = apps.get_model("cadres", "Post")
    with schema_editor.connection.cursor() as cursor:
        found = schema_editor.connection.introspection.get_constraints(cursor, Post._meta.db_table)
    if SECRETARY not in found:
        constraint = next(c for c in Post._meta.constraints if c.name == SECRETARY)
        schema_editor.add_constraint(Post, constraint)


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0015_renewal_end_reasons"),
    ]

    operations = [
        migrations.AlterField(
            model_name="post",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="posts",
                to="cadres.village",
                verbose_name="village",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["birth_date", "id"], name="person_birth_idx"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["village", "person"], name="post_village_person_idx"),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(fields=["term_end", "person"], name="post_term_end_person_idx"),
        ),
        migrations.RunPython(restore_secretary_constraint, migrations.RunPython.noop),
        migrations.RunPython(create_birth_desc, drop_birth_desc),
    ]
