"""Writing xlsx files: one helper for every export, in constant memory.

Exports write ID numbers as text (so Excel never turns them into lossy numbers)
and neutralize any text a spreadsheet would run as a formula (CSV/formula
injection: values starting with = + - @, tab or carriage return): in xlsx the
value stays as written in a cell marked as text (the quote-prefix style, which
shows no apostrophe); in CSV, which has no styles, ``csv_safe`` puts an
apostrophe before it.

Every sheet is ready to print: landscape A4 fitted to the page width, its header
(and title row, if it has one) frozen and repeated on each printed page, and
columns as wide as their content. The widths are estimated from the header and the
first rows (held back until then, so memory stays flat), CJK characters counted
double: a write-only sheet must know its widths before its first row is written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from cadres.dates import PartialDate, date_cell_value

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="B71C1C")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center", wrap_text=True)
TITLE_FONT = Font(bold=True, size=14)
TITLE_ALIGNMENT = Alignment(horizontal="center", vertical="center")
TOTAL_FONT = Font(bold=True)
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
# Rows held back to estimate the column widths from: enough to see the usual content.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
# Displayed widths of what is not text: yyyy-mm-dd and yyyy-mm-dd hh:mm.
DATE_WIDTH, DATETIME_WIDTH = 10, 16
PAPER_A4 = "9"  # the page setup's paperSize code
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
    width: float | None = None  # None: as wide as the content
    text: bool = False  # force text format (ID numbers, codes, phone numbers)


def display_width(value: object) -> int:
    """Roughly how many character widths a value takes on screen: CJK and other wide
    characters count double."""
    if value is None:
        return 0
    if isinstance(value, dt.datetime):
        return DATETIME_WIDTH
    if isinstance(value, dt.date):
        return DATE_WIDTH
    text = str(value)
    # The longest line of a wrapped text.
    return max(
        sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)
        for line in text.split("\n")
    )


def _shown(value: object) -> object:
    """A partial date as its cell shows it; anything else as it is."""
    if isinstance(value, PartialDate):
        return date_cell_value(value.date, value.precision)
    return value


class SheetWriter:
    """One sheet of a write-only workbook: an optional title row, a styled header, frozen,
    filtered, printed landscape on A4 to the page width with its top rows on each page,
    and columns as wide as their content.

    Rows are written after the first ``WIDTH_SAMPLE_ROWS`` (or at ``close``), once the
    widths are known; ``rows`` counts them all the same."""

    def __init__(
        self, workbook: Workbook, title: str, columns: Sequence[Column], heading: str = ""
    ):
        self.sheet = workbook.create_sheet(title=title[:31])
        self.columns = columns
        self.heading = heading
        self.rows = 0
        self._total: list[object] | None = None
        self._held: list[list[object]] | None = []
        self._widths = [display_width(column.header) for column in columns]
        self._top = 2 if heading else 1  # the header's row number
        self.sheet.freeze_panes = f"A{self._top + 1}"
        self.sheet.print_title_rows = f"1:{self._top}"
        self.sheet.sheet_properties.pageSetUpPr.fitToPage = True
        setup = self.sheet.page_setup
        setup.orientation = "landscape"
        setup.paperSize = PAPER_A4
        setup.fitToWidth = 1
        setup.fitToHeight = 0  # as many pages down as the rows need

    def append(self, values: Sequence[object]) -> None:
        if self._held is not None:
            values = [_shown(value) for value in values]
            self._measure(values)
        # Plain values go to openpyxl as they are: it writes them through one reused cell,
        # where a cell object of our own for each costs a third of a large export's time.
        # Dates get openpyxl's own format, yyyy-mm-dd; partial dates their text (1972.08).
        row: list[object] = []
        for column, value in zip(self.columns, values, strict=True):
            if isinstance(value, PartialDate):
                value = _shown(value)
            if column.text and value is not None and value != "":
                row.append(text_cell(self.sheet, str(value)))
            elif isinstance(value, dt.datetime):
                cell = WriteOnlyCell(self.sheet, value=value.replace(tzinfo=None))
                cell.number_format = DATETIME_FORMAT
                row.append(cell)
            else:
                row.append(neutralize(self.sheet, value))
        self.rows += 1
        if self._held is None:
            self.sheet.append(row)
            return
        self._held.append(row)
        if len(self._held) >= WIDTH_SAMPLE_ROWS:
            self._release()

    def extend(self, rows: Iterable[Sequence[object]]) -> None:
        for values in rows:
            self.append(values)

    def total(self, values: Sequence[object]) -> None:
        """The total row, in bold under the last row and outside the autofilter."""
        self._total = [_shown(value) for value in values]
        self._measure(self._total)

    def _measure(self, values: Sequence[object]) -> None:
        self._widths = [
            max(width, display_width(value))
            for width, value in zip(self._widths, values, strict=True)
        ]

    def _release(self) -> None:
        """Fix the column widths, then write the title, the header and the rows held."""
        for index, (column, width) in enumerate(
            zip(self.columns, self._widths, strict=True), start=1
        ):
            fitted = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
            self.sheet.column_dimensions[get_column_letter(index)].width = column.width or fitted
        if self.heading:
            cell = WriteOnlyCell(self.sheet, value=self.heading)
            cell.font = TITLE_FONT
            cell.alignment = TITLE_ALIGNMENT
            self.sheet.append([cell])
            self.sheet.merged_cells.add(f"A1:{get_column_letter(len(self.columns))}1")
        header = []
        for column in self.columns:
            cell = WriteOnlyCell(self.sheet, value=column.header)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            cell.alignment = HEADER_ALIGNMENT
            header.append(cell)
        self.sheet.append(header)
        held, self._held = self._held or [], None
        for row in held:
            self.sheet.append(row)

    def close(self) -> None:
        """Write what is held back and the total row, and set the autofilter over the
        header and the rows; call after the last row."""
        if self._held is not None:
            self._release()
        if self._total is not None:
            cells = []
            for value in self._total:
                cell = _cell(self.sheet, str(value) if isinstance(value, Promise) else value)
                cell.font = TOTAL_FONT
                cells.append(cell)
            self.sheet.append(cells)
        last = get_column_letter(len(self.columns))
        self.sheet.auto_filter.ref = f"A{self._top}:{last}{self._top + self.rows}"


class WorkbookWriter:
    """A constant-memory workbook, saved to a path or stream. With a ``heading``, every
    sheet has a title row: the heading and the sheet's name (东昌区…月报（2026年11月）— 汇总)."""

    def __init__(self, heading: str = ""):
        self.workbook = Workbook(write_only=True)
        self.heading = heading
        self.sheets: list[SheetWriter] = []

    def sheet(self, title: str, columns: Sequence[Column]) -> SheetWriter:
        heading = f"{self.heading} — {title}" if self.heading else ""
        writer = SheetWriter(self.workbook, title, columns, heading)
        self.sheets.append(writer)
        return writer

    def save(self, target: str | IO[bytes]) -> None:
        for sheet in self.sheets:
            sheet.close()
        self.workbook.save(target)
