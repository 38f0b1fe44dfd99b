"""The ID number indexes of the list and of the register cover what the join needs, on
PostgreSQL.

A full run's chunks of the ID number part merge-join a range of subjects' ID numbers with
the same range of the list's. With the ids (and the entry's active flag, the relative's
cadre) in the indexes, both sides are index-only scans read in ID number order: no rows
are fetched and nothing is sorted (benchmarks/README.md). Each index keeps its name and
its key, so the models go on declaring the plain ones; Django's include= would do the
same but warns on SQLite, which has no covering indexes.
"""

from django.db import migrations

# name: (table, key and what it covers, the plain definition, unique)
INDEXES = {
    "entry_id_number_idx": (
        "vetting_watchlistentry",
        "(id_number) INCLUDE (id, active) WHERE id_number IS NOT NULL",
        "(id_number) WHERE id_number IS NOT NULL",
        False,
    ),
    "person_unique_id_number": (
        "cadres_person",
        "(id_number) INCLUDE (id) WHERE id_number IS NOT NULL",
        "(id_number) WHERE id_number IS NOT NULL",
        True,
    ),
    "relative_id_number_idx": (
        "cadres_relative",
        "(id_number) INCLUDE (id, cadre_id)",
        "(id_number)",
        False,
    ),
}


def _replace(schema_editor, covering: bool) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, cover, plain, unique) in INDEXES.items():
        schema_editor.execute(f"DROP INDEX {name}")
        schema_editor.execute(
            f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {table} "
            + (cover if covering else plain)
        )


def create(apps, schema_editor):
    _replace(schema_editor, covering=True)


def drop(apps, schema_editor):
    _replace(schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0003_people_posts_relatives"),
        ("vetting", "0011_chunk_parts"),
    ]

    operations = [migrations.RunPython(create, drop)]
