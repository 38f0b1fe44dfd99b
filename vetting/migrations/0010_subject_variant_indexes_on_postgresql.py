"""The one-character keys of the register's subjects, as expression indexes, on PostgreSQL.

A chunk of a full run compares its subjects that have an ID number with the few entries
that have none. The engine probes these indexes once per entry key (vetting.engine
``variant_key_sql`` with a constant position: the expressions below must stay equal to
it) instead of computing three keys for each of 100,000 subjects: 0.46 s of a chunk's
1.8 s before (benchmarks/README.md). Names of four characters or more have their later
positions' keys computed in the chunk. Not partial: PostgreSQL estimates the rows of a
probe from the statistics of an expression index only when it is not partial, and at its
default guess of 500 rows a probe it hashed the whole list for the few pairs found.
SQLite, used for development and tests, computes every key and needs no index.
"""

from django.db import migrations

TABLES = {"person": "cadres_person", "relative": "cadres_relative"}
POSITIONS = (1, 2, 3)


def _key(position: int) -> str:
    return (
        "CAST(EXTRACT(YEAR FROM birth_date) AS TEXT) || '|' || sex || '|' || "
        f"substr(name_key, 1, {position - 1}) || '*' || substr(name_key, {position + 1})"
    )


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in TABLES.items():
        for position in POSITIONS:
            schema_editor.execute(
                f"CREATE INDEX {name}_variant_{position}_idx ON {table} (({_key(position)}))"
            )
        # The few names longer than the indexed positions, whose later positions' keys the
        # chunk computes: found through this index, not by reading the whole table.
        schema_editor.execute(
            f"CREATE INDEX {name}_long_name_idx ON {table} (id) "
            f"WHERE length(name_key) > {POSITIONS[-1]}"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TABLES:
        for position in POSITIONS:
            schema_editor.execute(f"DROP INDEX {name}_variant_{position}_idx")
        schema_editor.execute(f"DROP INDEX {name}_long_name_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("cadres", "0003_people_posts_relatives"),
        ("vetting", "0009_variant_without_id_number"),
    ]

    operations = [migrations.RunPython(create, drop)]
