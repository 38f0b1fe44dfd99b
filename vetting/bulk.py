"""Writing many rows fast: COPY on PostgreSQL, executemany on SQLite.

For derived or freshly imported rows only, where model instances would cost more
than the database work (watchlist imports, benchmark data). Values are written
as given: callers pass text, numbers, dates, None, booleans and JSON text.
"""

import io
import re
from collections.abc import Iterable, Sequence

from django.db import connection

BATCH = 20_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    return str(value).translate(_COPY_ESCAPES)


def _copy_plain(value) -> str:
    return r"\N" if value is None else str(value)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (sequences in ``columns`` order) into ``table``; returns the count."""
    count = 0
    batch: list[Sequence] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            count += _flush(table, columns, batch)
            batch = []
    return count + _flush(table, columns, batch)


def _flush(table: str, columns: Sequence[str], batch: list[Sequence]) -> int:
    if not batch:
        return 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            # Escaping every value costs more than the COPY itself; one search over the
            # batch's text tells whether any value needs it (rarely: a line break).
            text = "".join(v for row in batch for v in row if isinstance(v, str))
            value = _copy_value if _COPY_SPECIAL.search(text) else _copy_plain
            for row in batch:
                buffer.write("\t".join([value(v) for v in row]))
                buffer.write("\n")
            buffer.seek(0)
            cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                [[_sqlite_value(v) for v in row] for row in batch],
            )
    return len(batch)


def _sqlite_value(value):
    # The sqlite3 module's own date adapters are deprecated; Django stores ISO text.
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return value
