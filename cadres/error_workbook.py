"""The error workbook of an import: the rows it skips, to correct and upload again.

Every import (roster, watchlist, sign-in sheet, batch nomination) may be confirmed with
its valid rows only; the rows in error are offered as a workbook with the original
sheet's header and each failed row's cells as they were in the file, plus a 错误原因
column naming each column and what is wrong with it. The readers pass over that column
(``cadres.spreadsheets.REASONS_HEADER``), so the corrected workbook imports as it is.

The imports that plan in the request (roster, sign-in, nomination) keep no cells: their
download plans again and reads the failed rows' cells from the stored upload
(``error_workbook_from``). The watchlist, read by a worker in one pass over up to a
million rows, writes its failed rows as it meets them (``ErrorWorkbook.sheet``) and
stores the workbook with the upload.

The rows hold ID numbers: a download is allowed to whoever may see the import's preview
and is written to the access log (``error_workbook_response``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import IO

from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.models import AccessLogEntry, ImportFile
from cadres.services import access_log_append
from cadres.spreadsheets import REASONS_HEADER, RowError, SheetReport, sheet_rows
from cadres.xlsx_export import XLSX_CONTENT_TYPE, Column, SheetWriter, WorkbookWriter, text_cell

# What a confirmation says once the rows without errors are in (every import).
IMPORTED_AND_SKIPPED = gettext_lazy(
    "Rows imported: %(imported)d; rows with errors skipped: %(skipped)d."
)
# A confirmation without the choice to skip the rows in error (every import).
REFUSED_WITH_ERRORS = gettext_lazy(
    "%(count)d rows are in error; nothing was imported. Correct them and upload the file "
    "again, or import the rows without errors and skip the rows with errors."
)


def row_reason(errors: Iterable[RowError]) -> str:
    """Every error of a row in one cell: the column named, then what is wrong."""
    parts = []
    for error in errors:
        text = (
            _("“%(column)s”: %(message)s") % {"column": error.column, "message": error.message}
            if error.column
            else error.message
        )
        if text not in parts:
            parts.append(text)
    return "；".join(parts)


def errors_by_row(errors: Iterable[RowError]) -> dict[int, list[RowError]]:
    found: dict[int, list[RowError]] = {}
    for error in errors:
        found.setdefault(error.row, []).append(error)
    return found


class ErrorSheet:
    """One sheet of the error workbook: the original header, then 错误原因."""

    def __init__(self, writer: SheetWriter, width: int):
        self._writer = writer
        self._width = width

    def append(self, cells: Sequence[object], errors: Iterable[RowError]) -> None:
        row = [_original(self._writer, value) for value in cells[: self._width]]
        row += [None] * (self._width - len(row))
        self._writer.append([*row, row_reason(errors)])

    @property
    def rows(self) -> int:
        return self._writer.rows


def _original(writer: SheetWriter, value: object) -> object:
    # Cells keep their type, but a text format lets a corrected ID number typed over a
    # number that Excel had rounded stay text. Dates keep a date format.
    if value is None or value == "":
        return None
    if isinstance(value, dt.date | dt.time | dt.timedelta):
        return value
    return text_cell(writer.sheet, value)


class ErrorWorkbook:
    """The failed rows of one import, sheet by sheet, written in constant memory."""

    def __init__(self):
        self._book = WorkbookWriter()
        self.sheets: list[ErrorSheet] = []

    def sheet(self, report: SheetReport) -> ErrorSheet:
        """A sheet named and headed as the one the import read (its report, once read)."""
        header = list(report.header)
        columns = [Column(text, width=14) for text in header]
        columns.append(Column(REASONS_HEADER, width=60))
        sheet = ErrorSheet(self._book.sheet(report.sheet or "Sheet1", columns), len(header))
        self.sheets.append(sheet)
        return sheet

    @property
    def rows(self) -> int:
        return sum(sheet.rows for sheet in self.sheets)

    def save(self, target: str | os.PathLike | IO[bytes]) -> None:
        if not self.sheets:
            # A workbook needs a sheet; one without failed rows still says so by its header.
            self._book.sheet("Sheet1", [Column(REASONS_HEADER, width=60)])
        self._book.save(target)

    def content(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


def error_workbook_from(
    source, failures: Sequence[tuple[SheetReport, Mapping[int, Sequence[RowError]]]]
) -> ErrorWorkbook:
    """The error workbook of a planned import: per sheet read (its report), the failed
    rows by number with their errors; their cells are read again from ``source``.

    Every sheet read is written, with its header alone if none of its rows failed: the
    import tells its sheets apart by their order and names (a roster's 家庭成员 sheet)."""
    book = ErrorWorkbook()
    for report, failed in failures:
        sheet = book.sheet(report)
        if not failed:
            continue
        for number, cells in sheet_rows(source, report.sheet, failed.keys()):
            sheet.append(cells, failed[number])
    return book


def error_workbook_response(
    request, *, record: ImportFile, workbook: ErrorWorkbook | None = None
) -> HttpResponse:
    """The error workbook as a download, logged: built now, or the one stored with
    ``record`` (``ImportFile.error_file``). The caller has checked that the user may see
    the import's preview."""
    stem = os.path.splitext(record.original_name)[0] or "workbook"
    filename = _("%(name)s-rows in error.xlsx") % {"name": stem}
    rows = workbook.rows if workbook is not None else record.summary.get("error_rows", "")
    access_log_append(
        user=request.user,
        action=AccessLogEntry.Action.DOWNLOAD,
        obj=record,
        detail=f"error workbook of {record.kind} import, {rows} rows",
    )
    if workbook is None:
        return FileResponse(
            record.error_file.open("rb"),
            as_attachment=True,
            filename=filename,
            content_type=XLSX_CONTENT_TYPE,
        )
    response = HttpResponse(workbook.content(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
