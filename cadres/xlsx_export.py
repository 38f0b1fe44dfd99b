"""Writing xlsx files: one helper for every export, in constant memory.

Exports write ID numbers as text (so Excel never turns them into lossy numbers)
and neutralize any text a spreadsheet would run as a formula (CSV/formula
injection: values starting with = + - @, tab or carriage return): in xlsx the
value stays as written in a cell marked as text (the quote-prefix style, which
shows no apostrophe); in CSV, which has no styles, ``csv_safe`` puts an
apostrophe before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_formula(value: object) -> bool:
    """Text that a spreadsheet would evaluate; numbers are never formulas."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_safe(value: object) -> object:
    """A CSV field that a spreadsheet opening the file shows as text, never runs."""
    return "'" + value if is_formula(value) else value


def _cell(sheet, value: object) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    if is_formula(value):
        cell.data_type = "s"  # openpyxl would write a leading "=" as a formula
        cell.quotePrefix = True  # and Excel would make one of it when the cell is edited
    return cell


def neutralize(sheet, value: object) -> object:
    """The value, or for formula-like text a cell that keeps it intact, as text."""
    if isinstance(value, Promise):  # a lazy translation (a choice's label) is its text
        value = str(value)
    return _cell(sheet, value) if is_formula(value) else value


def text_cell(sheet, value: object) -> WriteOnlyCell:
    """A cell in text format: what is typed over it stays text (an ID number, a code)."""
    cell = _cell(sheet, value)
    cell.number_format = "@"
    return cell


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    text: bool = False  # force text format (ID numbers, codes, phone numbers)


class SheetWriter:
    """One sheet of a write-only workbook: styled header, frozen, filtered, fixed widths."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]):
        self.sheet = workbook.create_sheet(title=title[:31])
        self.columns = columns
        self.rows = 0
        for index, column in enumerate(columns, start=1):
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width
        self.sheet.freeze_panes = "A2"
        header = []
        for column in columns:
            cell = WriteOnlyCell(self.sheet, value=column.header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        self.sheet.append(header)

    def append(self, values: Sequence[object]) -> None:
        # Plain values go to openpyxl as they are: it writes them through one reused cell,
        # where a cell object of our own for each costs a third of a large export's time.
        # Dates get openpyxl's own format, yyyy-mm-dd.
        row: list[object] = []
        for column, value in zip(self.columns, values, strict=True):
            if column.text and value is not None and value != "":
                row.append(text_cell(self.sheet, str(value)))
            elif isinstance(value, dt.datetime):
                cell = WriteOnlyCell(self.sheet, value=value.replace(tzinfo=None))
                cell.number_format = DATETIME_FORMAT
                row.append(cell)
            else:
                row.append(neutralize(self.sheet, value))
        self.sheet.append(row)
        self.rows += 1

    def extend(self, rows: Iterable[Sequence[object]]) -> None:
        for values in rows:
            self.append(values)

    def close(self) -> None:
        """Set the autofilter over what was written; call after the last row."""
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A1:{last}{self.rows + 1}"


class WorkbookWriter:
    """A constant-memory workbook. Use as a context manager and save to a path or stream."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)
        self.sheets: list[SheetWriter] = []

    def sheet(self, title: str, columns: Sequence[Column]) -> SheetWriter:
        writer = SheetWriter(self.workbook, title, columns)
        self.sheets.append(writer)
        return writer

    def save(self, target: str | IO[bytes]) -> None:
        for sheet in self.sheets:
            sheet.close()
        self.workbook.save(target)
