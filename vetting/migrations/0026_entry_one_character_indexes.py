"""The one-character keys of list entries as expression indexes on the entries themselves.

The "one character apart" rule compared keys that the import wrote into a table of their
own, about 2.5 rows per entry with four indexes and a foreign key each: a third of a
100,000-row import (benchmarks/README.md). The entries now carry them as the register's
subjects do (migration 0010): an index per blanked position of the first three, the
expression of vetting.engine ``variant_key_sql`` with a constant position, so that either
side of the rule may probe the other's. Names longer than three characters have their
later positions' keys computed, found through a partial index; so have the rare masked
names (张*), whose keys may meet at different positions. Nothing to copy: the indexes are
built from the entries' own columns, and the table of keys goes.

Not partial, as in migration 0010: PostgreSQL estimates the rows of a probe from the
statistics of an expression index only when it is not partial. For the same reason the
long and the masked names have statistics of their own expressions on PostgreSQL: without
them the planner guessed a third of the list for either test and read the whole list
(0.4 s at 1,000,000 entries) where the partial index finds the few. SQLite, used for
development and tests, gets the same indexes with its own year expression.
"""

from django.db import migrations

TABLE = "vetting_watchlistentry"
POSITIONS = (1, 2, 3)


def _key(vendor: str, position: int) -> str:
    year = (
        "CAST(EXTRACT(YEAR FROM birth_date) AS TEXT)"
        if vendor == "postgresql"
        else "CAST(substr(CAST(birth_date AS TEXT), 1, 4) AS TEXT)"
    )
    return (
        f"{year} || '|' || sex || '|' || "
        f"substr(name_key, 1, {position - 1}) || '*' || substr(name_key, {position + 1})"
    )


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    star = "strpos" if vendor == "postgresql" else "instr"
    for position in POSITIONS:
        schema_editor.execute(
            f"CREATE INDEX entry_variant_{position}_idx ON {TABLE} (({_key(vendor, position)}))"
        )
    schema_editor.execute(
        f"CREATE INDEX entry_long_name_idx ON {TABLE} (id) "
        f"WHERE length(name_key) > {POSITIONS[-1]}"
    )
    schema_editor.execute(
        f"CREATE INDEX entry_star_name_idx ON {TABLE} (id) WHERE {star}(name_key, '*') > 0"
    )
    if vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS entry_name_length_stat ON (length(name_key)) FROM {TABLE}"
        )
        schema_editor.execute(
            f"CREATE STATISTICS entry_name_star_stat ON (strpos(name_key, '*')) FROM {TABLE}"
        )


def drop(apps, schema_editor):
    for position in POSITIONS:
        schema_editor.execute(f"DROP INDEX entry_variant_{position}_idx")
    schema_editor.execute("DROP INDEX entry_long_name_idx")
    schema_editor.execute("DROP INDEX entry_star_name_idx")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS entry_name_length_stat")
        schema_editor.execute("DROP STATISTICS entry_name_star_stat")


class Migration(migrations.Migration):
    dependencies = [("vetting", "0025_duties")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.DeleteModel(name="EntryNameVariant"),
    ]
