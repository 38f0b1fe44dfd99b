"""The one spreadsheet reader behind every import (DESIGN.md §3 "Spreadsheets in").

Real workbooks put title rows and merged cells above the header, name columns by
synonyms and mix full-width and half-width characters. ``read_sheet`` finds the
header row, maps the columns it knows and yields the data rows with their Excel
row numbers; the cell parsers turn raw values into dates, texts and choices with
Chinese errors that name the problem.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from python_calamine import CalamineError, CalamineWorkbook

from cadres.dates import PartialDate, parse_partial_date
from cadres.identity import INVISIBLE_CHARACTERS, strip_invisible
from cadres.xlsx_export import FORMULA_TRIGGERS
from cadres.xlsx_stream import (
    StreamingWorkbook,
    partial_date_cells,
    partial_date_styles,
    sheet_paths,
)

# The column an error workbook adds after the original ones (cadres.error_workbook): the
# rows' reasons, read by people, never by an import.
REASONS_HEADER = "错误原因"
# The header row must appear within this many rows from the top of the sheet.
HEADER_SEARCH_ROWS = 30
_ZIP_MAGIC = b"PK\x03\x04"
_SPACE_RE = re.compile(r"\s+")
# Markers of required columns in templates: 姓名* / 姓名＊ / *姓名.
_MARKER_RE = re.compile(r"^[*※]+|[*※]+$")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


class SpreadsheetError(Exception):
    """A problem with the file as a whole; the message is for the user."""


# Shown when an import's write fails in the database (a constraint the preview could not
# foresee, a lost connection): its transaction rolled back, so the file may be confirmed again.
IMPORT_WRITE_FAILED = gettext_lazy(
    "The database refused the import; nothing was imported. Try again, and tell the "
    "administrator if it happens again."
)


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, object]
    # The cells of the columns the reader does not know, by their header as in the file;
    # filled only when the caller keeps them (``read_sheet(keep_unknown=True)``).
    extra: dict[str, str] | None = None
    # Every cell of the row as read, by position; only when the caller asks for them
    # (``read_sheet(keep_cells=True)``): an import that streams writes its failed rows so
    # into its error workbook.
    cells: list | None = None


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)d, column “%(column)s”: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)d: %(message)s") % {"row": self.row, "message": self.message}


def normalize_header(text: object) -> str:
    """A header as compared: width folded, spaces gone, required-markers dropped, simplified."""
    if text is None:
        return ""
    folded = strip_invisible(unicodedata.normalize("NFKC", str(text)))
    folded = _SPACE_RE.sub("", folded)
    folded = _MARKER_RE.sub("", folded)
    return _t2s(folded).lower()


@functools.lru_cache(maxsize=4096)
def _t2s(text: str) -> str:
    # Headers come from traditional-character templates too (身份證號).
    from cadres.identity import _t2s as converter

    return converter().convert(text)


# Opening ---------------------------------------------------------------------------

# Sheets whose XML unpacks larger than this are streamed (cadres.xlsx_stream), in
# constant memory; below it calamine is faster. Figures in benchmarks/README.md.
STREAM_ABOVE_BYTES = 150 * 1024 * 1024


def _damaged(exc: Exception) -> SpreadsheetError:
    return SpreadsheetError(
        _("The workbook is damaged and cannot be read: %(reason)s") % {"reason": exc}
    )


# What a damaged file makes the readers raise: a broken zip or deflate stream, a missing
# part, XML that does not parse, a value that is not what its cell type says.
_DAMAGE = (
    CalamineError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    IndexError,
    TypeError,
    ET.ParseError,
    OSError,
    ValueError,
    OverflowError,
)


class _Book:
    """One workbook, read by calamine or streamed; rows come as (Excel row number, cells)."""

    def __init__(self, source):
        self.calamine: CalamineWorkbook | None = None
        self.stream: StreamingWorkbook | None = None
        # Open only where a style shows a date as a year and month (or a year): its cells
        # are found by a second scan of the sheet's XML, which the readers do not expose.
        self.styled: zipfile.ZipFile | None = None
        self.partial_styles: dict[int, int] = {}
        try:
            archive = zipfile.ZipFile(_path_or_file(source))
            try:
                largest = max(
                    (
                        m.file_size
                        for m in archive.infolist()
                        if m.filename.startswith("xl/worksheets/")
                    ),
                    default=0,
                )
                self.partial_styles = partial_date_styles(archive)
                if self.partial_styles:
                    self.sheet_paths = [path for _name, path in sheet_paths(archive)]
                    self.styled = archive
            finally:
                if self.styled is None:
                    archive.close()
            if largest > STREAM_ABOVE_BYTES:
                self.stream = StreamingWorkbook(_path_or_file(source))
                self.sheet_names = self.stream.sheet_names
            else:
                self.calamine = _calamine(source)
                self.sheet_names = list(self.calamine.sheet_names)
        except _DAMAGE as exc:
            raise _damaged(exc) from exc

    def close(self) -> None:
        if self.styled is not None:
            self.styled.close()
        (self.calamine or self.stream).close()

    def rows(self, sheet: str | int | None) -> tuple[str, Iterator[tuple[int, list]]]:
        names = self.sheet_names
        if not names:
            raise SpreadsheetError(_("The workbook has no sheets."))
        index = _sheet_index(names, sheet)
        if index is None:
            raise SpreadsheetError(
                _("The workbook has no sheet “%(sheet)s”; its sheets are: %(names)s.")
                % {"sheet": sheet, "names": "、".join(names)}
            )
        if self.stream is not None:
            rows = _stream_rows(self.stream, self.stream.sheets[index][1])
        else:
            try:
                selected = self.calamine.get_sheet_by_index(index)
            except CalamineError as exc:
                raise _damaged(exc) from exc
            rows = _calamine_rows(selected)
        if self.styled is not None and index < len(self.sheet_paths):
            marks = partial_date_cells(self.styled, self.sheet_paths[index], self.partial_styles)
            rows = _with_precision(rows, marks)
        return names[index], rows


def _with_precision(
    rows: Iterator[tuple[int, list]], marks: Iterator[tuple[int, dict[int, int]]]
) -> Iterator[tuple[int, list]]:
    """The rows with each date cell in a year-and-month (or year) style as a PartialDate of
    that precision; ``marks`` come in row order, as the rows do."""
    try:
        mark = next(marks, None)
        for number, cells in rows:
            while mark is not None and mark[0] < number:
                mark = next(marks, None)
            if mark is not None and mark[0] == number:
                for position, precision in mark[1].items():
                    value = cells[position] if position < len(cells) else None
                    if isinstance(value, dt.date):
                        day = value.date() if isinstance(value, dt.datetime) else value
                        cells[position] = PartialDate.of(day, precision)
            yield number, cells
    except _DAMAGE as exc:
        raise _damaged(exc) from exc


def _stream_rows(stream: StreamingWorkbook, path: str) -> Iterator[tuple[int, list]]:
    # The stream reader meets a damaged part only when it reaches it, row by row.
    try:
        yield from stream.iter_rows(path)
    except _DAMAGE as exc:
        raise _damaged(exc) from exc


def _calamine_rows(selected) -> Iterator[tuple[int, list]]:
    if selected.start is None:
        return
    first_col = selected.start[1]
    # python-calamine (0.9) yields the empty rows above the first used one too, so rows
    # count from the top; but not the empty columns left of it: pad them so that
    # positions are absolute.
    pad = [None] * first_col
    for number, cells in enumerate(selected.iter_rows(), start=1):
        yield number, pad + cells


def _sheet_index(names: list[str], sheet: str | int | None) -> int | None:
    if sheet is None:
        return 0
    if isinstance(sheet, int):
        return sheet if 0 <= sheet < len(names) else None
    wanted = normalize_header(sheet)
    return next((i for i, name in enumerate(names) if normalize_header(name) == wanted), None)


def _path_or_file(source):
    if isinstance(source, str | os.PathLike):
        return source
    path = _local_path(source)
    if path:
        return path
    source.seek(0)
    return source


def _calamine(source) -> CalamineWorkbook:
    target = _path_or_file(source)
    if isinstance(target, str | os.PathLike):
        return CalamineWorkbook.from_path(Path(target))
    return CalamineWorkbook.from_filelike(target)


def _open(source) -> _Book:
    """Open a path or a binary file object as a workbook; SpreadsheetError if it is not one."""
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            magic = handle.read(4)
    else:
        if hasattr(source, "open") and getattr(source, "closed", False):
            source.open("rb")
        source.seek(0)
        magic = source.read(4)
        source.seek(0)
    if not magic:
        raise SpreadsheetError(_("The file is empty."))
    if magic != _ZIP_MAGIC:
        raise SpreadsheetError(
            _("The file is not an Excel workbook (.xlsx). Save it as .xlsx and upload it again.")
        )
    return _Book(source)


def _local_path(source) -> str | None:
    # Large Django uploads and stored files sit on disk: read them there.
    if hasattr(source, "temporary_file_path"):
        return source.temporary_file_path()
    try:
        return source.path
    except (AttributeError, NotImplementedError, ValueError):
        return None


def sheet_names(source) -> list[str]:
    book = _open(source)
    try:
        return list(book.sheet_names)
    finally:
        book.close()


# What reading a sheet found besides its data rows -----------------------------------

# Why a row below the header is not data. Blank rows at the very end are not reported.
SKIP_BLANK = "blank"
SKIP_HEADER = "header"
SKIP_FOOTER = "footer"
SKIP_COUNT = "count"
SKIP_REASONS = {
    SKIP_BLANK: gettext_lazy("blank rows"),
    SKIP_HEADER: gettext_lazy("repeated header rows"),
    SKIP_FOOTER: gettext_lazy("total and signature rows"),
    SKIP_COUNT: gettext_lazy("rows with only a label and a number"),
}
# Row numbers kept per reason for the preview; the count is always complete.
SKIPPED_ROWS_SHOWN = 50


@dataclass
class SheetReport:
    """The header as read (which file column feeds which field, which are ignored) and the
    rows skipped as not data, by reason. Filled while ``read_sheet`` is iterated."""

    sheet: str = ""
    header_row: int = 0
    # (header as in the file, the field's label), in the file's order.
    columns: list[tuple[str, str]] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    skipped: dict[str, list[int]] = field(default_factory=dict)
    skipped_counts: dict[str, int] = field(default_factory=dict)
    # Every header cell's text by position ("" between them): the error workbook's header.
    header: list[str] = field(default_factory=list)
    # The sheet has the 错误原因 column of an error workbook: it is an earlier import's
    # skipped rows, corrected and uploaded again.
    reasons_column: bool = False

    def skip(self, reason: str, number: int) -> None:
        count = self.skipped_counts.get(reason, 0)
        self.skipped_counts[reason] = count + 1
        if count < SKIPPED_ROWS_SHOWN:
            self.skipped.setdefault(reason, []).append(number)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped_counts.values())

    @property
    def shown(self) -> dict:
        """The report as the preview shows it (``sheet_report_display``)."""
        return sheet_report_display(self.as_summary())

    def as_summary(self) -> dict:
        """JSON for an ImportFile's summary; ``sheet_report_display`` shows it."""
        return {
            "sheet": self.sheet,
            "header_row": self.header_row,
            "columns": [list(pair) for pair in self.columns],
            "ignored": list(self.ignored),
            "header": list(self.header),
            "reasons_column": self.reasons_column,
            "skipped": [
                {"reason": reason, "count": count, "rows": self.skipped.get(reason, [])}
                for reason, count in self.skipped_counts.items()
            ],
        }


def sheet_report_display(summary: dict) -> dict:
    """A stored report with its texts for the preview and the commands: a warning naming
    the ignored columns, and a line per reason for skipping rows, with their numbers."""
    skipped = []
    for item in summary.get("skipped", ()):
        rows = "、".join(str(number) for number in item["rows"])
        if item["count"] > len(item["rows"]):
            rows += "…"
        skipped.append(
            ngettext(
                "Skipped %(count)d row, %(reason)s: row %(rows)s.",
                "Skipped %(count)d rows, %(reason)s: rows %(rows)s.",
                item["count"],
            )
            % {
                "count": item["count"],
                "reason": SKIP_REASONS.get(item["reason"], item["reason"]),
                "rows": rows,
            }
        )
    ignored = summary.get("ignored", ())
    warning = (
        ngettext(
            "This column is not imported: %(names)s.",
            "These columns are not imported: %(names)s.",
            len(ignored),
        )
        % {"names": "、".join(ignored)}
        if ignored
        else ""
    )
    return {**summary, "skipped": skipped, "warning": warning}


# Footer rows start with these words (after normalization); the letters are what a
# cheap first test looks at, traditional forms included, before normalizing a cell.
FOOTER_WORDS = ("合计", "小计", "总计", "填表人", "审核人", "制表", "负责人", "说明")
_FOOTER_INITIALS = frozenset("合小总填审制负说總審製負說")
# A label and a count in one cell: 合计：5人, 共计5名.
_LABEL_COUNT_RE = re.compile(
    r"^(?P<label>[^\d]*[^\d:：])[:：]?(?P<count>\d{1,7})[人名个户条项位]?$"
)
# Words that make a text a label of a count (共计, 人数, 总数 …), not a name.
_COUNT_WORDS = ("计", "共", "数", "总", "合")


def _is_footer(text: str) -> bool:
    # A BOM or zero-width space pasted before 合计 hides the initial from the first test.
    initial = text.lstrip()[:1]
    return (initial in _FOOTER_INITIALS or initial in INVISIBLE_CHARACTERS) and normalize_header(
        text
    ).startswith(FOOTER_WORDS)


def _is_count(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return float(value).is_integer() and 0 <= value < 10_000_000
    return isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 7


def _is_count_label(text: str) -> bool:
    label = normalize_header(text).rstrip(":：")
    return (
        bool(label)
        and not any(c.isdigit() for c in label)
        and any(word in label for word in _COUNT_WORDS)
    )


def _is_label_and_number(filled: list) -> bool:
    """A row of a label and a number only: 共计 | 5, or 合计：5人 in one cell."""
    if len(filled) == 1 and isinstance(filled[0], str):
        match = _LABEL_COUNT_RE.match(normalize_header(filled[0]))
        return bool(match) and _is_count_label(match.group("label"))
    if len(filled) == 2:
        label, number = filled
        return isinstance(label, str) and _is_count_label(label) and _is_count(number)
    return False


# Reading ---------------------------------------------------------------------------


def _is_empty(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_index(columns: Sequence[Column]) -> dict[str, Column]:
    index: dict[str, Column] = {}
    for column in columns:
        for text in (column.label, *column.synonyms):
            index.setdefault(normalize_header(text), column)
    return index


def _match_header(
    cells: Sequence[object], above: Sequence[object], index: dict[str, Column]
) -> dict[int, Column]:
    """Columns found in a header row; an empty cell takes the text of a vertical merge above."""
    found: dict[int, Column] = {}
    seen: set[str] = set()
    for position in range(max(len(cells), len(above))):
        text = cells[position] if position < len(cells) else None
        if _is_empty(text) and position < len(above):
            text = above[position]
        column = index.get(normalize_header(text))
        if column and column.key not in seen:
            found[position] = column
            seen.add(column.key)
    return found


def read_sheet(
    source,
    columns: Sequence[Column],
    *,
    sheet: str | int | None = None,
    report: SheetReport | None = None,
    keep_unknown: bool = False,
    keep_cells: bool = False,
) -> Iterator[Row]:
    """Yield the data rows of a sheet below its header row, by column key.

    Rows that are not data (blank, the header again, totals and signatures, a label and a
    number) are skipped; ``report``, when given, learns which they were and how the header
    was read. ``keep_unknown`` puts the cells of unknown columns into each row's ``extra``;
    ``keep_cells`` puts all its cells as read into its ``cells``. The 错误原因 column of an
    error workbook is neither data nor an unknown column: it is passed over in silence.
    """
    book = _open(source)
    try:
        yield from _read(
            book,
            columns,
            sheet,
            report or SheetReport(),
            keep_unknown=keep_unknown,
            keep_cells=keep_cells,
        )
    finally:
        book.close()


def sheet_rows(source, sheet: str, numbers: Collection[int]) -> Iterator[tuple[int, list]]:
    """The cells, as read, of the rows of a sheet with these Excel row numbers, in order."""
    wanted = set(numbers)
    last = max(wanted, default=0)
    book = _open(source)
    try:
        _name, rows = book.rows(sheet)
        for number, cells in rows:
            if number in wanted:
                yield number, cells
            if number >= last:
                break
    finally:
        book.close()


def _header_texts(cells: Sequence[object], above: Sequence[object]) -> dict[int, str]:
    """The header's text by position as in the file; an empty cell takes a merge above it."""
    texts = {}
    for position in range(max(len(cells), len(above))):
        text = cells[position] if position < len(cells) else None
        if _is_empty(text) and position < len(above):
            text = above[position]
        if not _is_empty(text):
            texts[position] = _SPACE_RE.sub(" ", str(text)).strip()
    return texts


def _first_filled(cells: Sequence[object]) -> object:
    for cell in cells:
        if cell is not None and cell != "":
            return cell
    return None


def _read(
    book: _Book,
    columns: Sequence[Column],
    sheet,
    report: SheetReport,
    *,
    keep_unknown: bool,
    keep_cells: bool,
) -> Iterator[Row]:
    sheet_name, rows = book.rows(sheet)
    index = _header_index(columns)
    required = {column.key for column in columns if column.required}
    report.sheet = sheet_name

    header: dict[int, Column] | None = None
    best: dict[int, Column] = {}
    above: list = []
    empty = True
    for number, cells in rows:
        empty = empty and all(_is_empty(cell) for cell in cells)
        found = _match_header(cells, above, index)
        keys = {column.key for column in found.values()}
        if found and required <= keys:
            header = found
            report.header_row = number
            texts = _header_texts(cells, above)
            break
        if len(found) > len(best):
            best = found
        above = cells
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if empty:
            raise SpreadsheetError(_("The sheet “%(sheet)s” is empty.") % {"sheet": sheet_name})
        if not best:
            raise SpreadsheetError(
                _(
                    "No header row found in the first %(count)d rows of sheet “%(sheet)s”; "
                    "the expected headers are: %(headers)s."
                )
                % {
                    "count": HEADER_SEARCH_ROWS,
                    "sheet": sheet_name,
                    "headers": "、".join(column.label for column in columns),
                }
            )
        found_keys = {column.key for column in best.values()}
        missing = [c.label for c in columns if c.required and c.key not in found_keys]
        raise SpreadsheetError(
            _("The sheet “%(sheet)s” has no column %(columns)s.")
            % {"sheet": sheet_name, "columns": "、".join(f"「{m}」" for m in missing)}
        )

    # Every column's key is present; columns missing from the sheet read as None.
    keys = [column.key for column in columns]
    known = {column.key for column in header.values()}
    # The texts of the header rows, by position: a row made of them is the header again
    # (printed on every page).
    header_cells: dict[int, set[str]] = {p: {t} for p, t in texts.items()}
    check_subheader = True
    unknown: dict[int, str] = {}
    blanks: list[int] = []
    for data_number, cells in rows:
        if check_subheader:
            # A second header row under merged group headers (任职情况 → 职务 | 任职时间).
            check_subheader = False
            below = _match_header(cells, [], index)
            extra = {p: c for p, c in below.items() if c.key not in known}
            filled = {p for p, cell in enumerate(cells) if not _is_empty(cell)}
            if extra and filled <= set(below):
                header.update(extra)
                for position, text in _header_texts(cells, []).items():
                    texts[position] = text
                    header_cells.setdefault(position, set()).add(text)
                unknown = _report_columns(report, header, texts)
                continue
            unknown = _report_columns(report, header, texts)
        first = _first_filled(cells)
        if first is None:
            blanks.append(data_number)
            continue
        reason = None
        if isinstance(first, str):
            if _is_footer(first):
                reason = SKIP_FOOTER
            elif _is_header_again(cells, header_cells):
                reason = SKIP_HEADER
        values = dict.fromkeys(keys)
        filled_count = 0
        if reason is None:
            for position, column in header.items():
                value = cells[position] if position < len(cells) else None
                if _is_empty(value):
                    continue
                values[column.key] = value
                filled_count += 1
            if filled_count <= 2:
                filled_cells = [cell for cell in cells if not _is_empty(cell)]
                if _is_label_and_number(filled_cells):
                    reason = SKIP_COUNT
                elif not filled_count:
                    # Only columns the reader does not know (a 序号 left behind).
                    reason = SKIP_BLANK
        # Blank rows count only once more rows follow them: not the sheet's empty tail.
        for blank in blanks:
            report.skip(SKIP_BLANK, blank)
        blanks.clear()
        if reason is not None:
            report.skip(reason, data_number)
            continue
        kept = None
        if keep_unknown and unknown:
            kept = {
                text: parse_text(cells[position])
                for position, text in unknown.items()
                if position < len(cells) and not _is_empty(cells[position])
            } or None
        yield Row(
            number=data_number, values=values, extra=kept, cells=cells if keep_cells else None
        )
    if check_subheader:
        _report_columns(report, header, texts)


def _is_header_again(cells: Sequence[object], header_cells: dict[int, set[str]]) -> bool:
    """Every filled cell of the row sits under a header cell with its text (spaces aside)."""
    matched = 0
    for position, cell in enumerate(cells):
        if _is_empty(cell):
            continue
        if _SPACE_RE.sub(" ", str(cell)).strip() not in header_cells.get(position, ()):
            return False
        matched += 1
    return matched >= 2 or matched == len(header_cells)


def _report_columns(
    report: SheetReport, header: dict[int, Column], texts: dict[int, str]
) -> dict[int, str]:
    """Note in the report which header cells feed which field; return the unknown ones."""
    report.columns = [
        (texts.get(position, column.label), column.label)
        for position, column in sorted(header.items())
    ]
    report.header = [texts.get(p, "") for p in range(max(texts, default=-1) + 1)]
    unknown = {}
    for position, text in sorted(texts.items()):
        if position in header:
            continue
        if normalize_header(text) == normalize_header(REASONS_HEADER):
            report.reasons_column = True
        else:
            unknown[position] = text
    report.ignored = list(unknown.values())
    return unknown


# Cell parsers ------------------------------------------------------------------------


def parse_text(value: object) -> str:
    """A cell as text: width folded, invisible characters (pasted from web pages and chat
    programs) dropped, trimmed; whole numbers without “.0”; the apostrophe that our exports
    used to put before text a spreadsheet would run as a formula (they mark such cells as
    text now; the older files are still in circulation) taken off again."""
    if type(value) is str:
        return _parse_str(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return _parse_str(str(value))


# Cached: most columns of an import repeat a few values (性别, 处分种类, 决定机关, dates
# written as text) over every row, and every cell is read as text once.
@functools.lru_cache(maxsize=65536)
def _parse_str(text: str) -> str:
    if text.isascii():
        # No invisible character and nothing NFKC would change.
        if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
            text = text[1:]
        return text.strip()
    text = strip_invisible(text)
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        text = text[1:]
    return unicodedata.normalize("NFKC", text).strip()


def parse_date(value: object) -> dt.date | None:
    """The first day of a date given to the day, the month or the year, for the dates stored
    without their precision (terms); ``parse_partial_date`` tells which it was."""
    partial = parse_partial_date(value)
    return partial.date if partial is not None else None


def _choice_key(text: object) -> str:
    return _SPACE_RE.sub("", strip_invisible(unicodedata.normalize("NFKC", str(text)))).casefold()


@functools.cache
def _choice_index(choices) -> dict[str, str]:
    index: dict[str, str] = {}
    with translation.override("zh-hans"):
        for value, label in choices.choices:
            index.setdefault(_choice_key(label), value)
            index.setdefault(_choice_key(value), value)
    return index


def parse_choice(value: object, choices, *, synonyms: dict[str, str] | None = None) -> str | None:
    """The value of a TextChoices member named by its Chinese label, its value or a synonym."""
    if value is None:
        return None
    key = _choice_key(parse_text(value))
    if not key:
        return None
    found = _choice_index(choices).get(key)
    if found is None and synonyms:
        found = next((v for s, v in synonyms.items() if _choice_key(s) == key), None)
    if found is None:
        with translation.override("zh-hans"):
            labels = "、".join(str(label) for label in choices.labels)
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": parse_text(value), "choices": labels}
        )
    return found
