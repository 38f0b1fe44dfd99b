"""Writing many rows fast: one streaming COPY on PostgreSQL, executemany on SQLite.

For derived or freshly imported rows only, where model instances would cost more
than the database work (watchlist imports, benchmark data). Values are written
as given: callers pass text, numbers, dates, None, booleans and JSON text.
"""

import io
import itertools
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection

BATCH = 20_000
# Rows formatted per read of the COPY: enough to amortize the escaping check.
COPY_BLOCK = 1_000
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    return str(value).translate(_COPY_ESCAPES)


def _copy_plain(value) -> str:
    return r"\N" if value is None else str(value)


def _blocks(rows: Iterable[Sequence], size: int) -> Iterator[list[Sequence]]:
    iterator = iter(rows)
    while block := list(itertools.islice(iterator, size)):
        yield block


class _CopySource(io.TextIOBase):
    """The rows as COPY text, formatted a block at a time as the COPY reads them.

    One COPY takes every row, so the server writes a block (and its indexes) while
    this process produces the next: the rows may come from a generator that reads
    and checks a file. psycopg2 reports an exception raised here only as a failed
    COPY; ``error`` keeps the original.
    """

    def __init__(self, rows: Iterable[Sequence]):
        self._blocks = _blocks(rows, COPY_BLOCK)
        self.count = 0
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        try:
            block = next(self._blocks, None)
        except BaseException as exc:
            self.error = exc
            raise
        if block is None:
            return ""
        self.count += len(block)
        # Escaping every value costs more than the COPY itself. Written plainly, the block
        # holds exactly one tab between values, one line break a row, one backslash a null
        # and no carriage return, unless a value needs escaping (rarely: a line break).
        text = "".join("\t".join(map(_copy_plain, row)) + "\n" for row in block)
        if (
            text.count("\t") == sum(len(row) - 1 for row in block)
            and text.count("\n") == len(block)
            and text.count("\\") == sum(row.count(None) for row in block)
            and "\r" not in text
        ):
            return text
        return "".join("\t".join(map(_copy_value, row)) + "\n" for row in block)


def insert_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert ``rows`` (sequences in ``columns`` order) into ``table``; returns the count.

    An exception raised by ``rows`` propagates as itself, after nothing more is written.
    """
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            source = _CopySource(rows)
            try:
                cursor.cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", source)
            except Exception as exc:
                if source.error is not None:
                    raise source.error from exc
                raise
            return source.count
        count = 0
        marks = ", ".join(["%s"] * len(columns))
        for block in _blocks(rows, BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",  # noqa: S608
                [[_sqlite_value(v) for v in row] for row in block],
            )
            count += len(block)
        return count


def _sqlite_value(value):
    # The sqlite3 module's own date adapters are deprecated; Django stores ISO text.
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return value
