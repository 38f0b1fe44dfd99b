"""Watchlist import against its floor (DESIGN.md §5: ≤ 2× the floor, peak memory ≤ 512 MB).

Runs on whatever DATABASE_URL is set (PostgreSQL: the floor is a COPY), in a fresh test
database that it creates and drops. Writes a workbook of ``--rows`` list entries as the
district receives them (the screening benchmark's workbook: no ID numbers, names drawn
from the national distributions), then measures, in this order:

- ``parse_seconds``: python-calamine reading every cell of the file, in a child process
  (it holds the whole sheet in memory, which would otherwise count in this one's peak);
- ``import_seconds``: the real import, ``watchlist_import_upload`` into an empty database
  (the file kept with its hash, read, checked, staged, merged, the one-character keys
  derived, the statistics refreshed and the delta run planned), committed;
- ``copy_seconds``: the entries that import wrote, copied out to a file beforehand, then
  written again by one bare COPY into ``CREATE TABLE … (LIKE vetting_watchlistentry
  INCLUDING ALL)`` (every index and check of the entries, not their foreign keys),
  committed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/watchlist_import.py [--rows 1000000]

Prints ``name value`` lines; the floor is parse + COPY, and ``ratio`` (import / floor) last.
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from scratch import scratch_database
from screening import watchlist_workbook


def parse_seconds(path: Path) -> float:
    """python-calamine reading every cell, timed in a process of its own."""
    code = (
        "import sys, time\n"
        "from python_calamine import CalamineWorkbook\n"
        "start = time.perf_counter()\n"
        "for _row in CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).iter_rows():\n"
        "    pass\n"
        "print(time.perf_counter() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True
    )
    return float(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with scratch_database() as tmp:
        run(tmp, args.rows)


def run(tmp: Path, rows: int) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.db import connection, transaction

    from vetting.models import WatchlistEntry, WatchlistSource
    from vetting.services.watchlists import watchlist_import_upload

    assert connection.vendor == "postgresql", "the floor is a PostgreSQL COPY"
    # As in production: with DEBUG on, Django keeps the text of every statement.
    settings.DEBUG = False
    path = tmp / "watchlist.xlsx"
    watchlist_workbook(path, rows, seed=7)
    print(f"rows {rows}", flush=True)
    print(f"load_average_start {os.getloadavg()[0]:.1f}", flush=True)
    parse = parse_seconds(path)
    print(f"parse_seconds {parse:.2f}", flush=True)

    actor = get_user_model().objects.create_superuser("bench", password=None)
    start = time.perf_counter()
    with path.open("rb") as handle:
        imp, _earlier = watchlist_import_upload(
            actor=actor,
            upload=File(handle, name=path.name),
            source_name="基准导入名单",
            kind=WatchlistSource.Kind.CRIMINAL,
        )
    imported = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert imp.rows == rows, (imp.rows, rows)
    print(f"import_seconds {imported:.2f}", flush=True)
    # A name drawn twice with the same birth date is one entry (the file's first row stands).
    print(f"entries {imp.added}", flush=True)
    print(f"peak_memory_mb {peak:.0f}", flush=True)

    entry = WatchlistEntry._meta.db_table
    columns = ", ".join(f.column for f in WatchlistEntry._meta.concrete_fields if not f.primary_key)
    with tempfile.TemporaryFile() as dump, connection.cursor() as cursor:
        cursor.cursor.copy_expert(f"COPY (SELECT {columns} FROM {entry}) TO STDOUT", dump)
        cursor.execute(f"CREATE TABLE bench_entry_copy (LIKE {entry} INCLUDING ALL)")
        dump.seek(0)
        start = time.perf_counter()
        with transaction.atomic():
            cursor.cursor.copy_expert(f"COPY bench_entry_copy ({columns}) FROM STDIN", dump)
        copy = time.perf_counter() - start
        cursor.execute("DROP TABLE bench_entry_copy")
    floor = parse + copy
    print(f"copy_seconds {copy:.2f}")
    print(f"floor_seconds {floor:.2f}")
    print(f"load_average_end {os.getloadavg()[0]:.1f}")
    print(f"import_parse_ratio {imported / parse:.2f}")
    print(f"ratio {imported / floor:.2f}")


if __name__ == "__main__":
    main()
