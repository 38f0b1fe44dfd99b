"""A constant-memory xlsx row reader, for sheets too large for calamine.

python-calamine (0.9) loads a whole sheet before giving the first row: about
1.6 bytes of memory per byte of sheet XML, so a 1,000,000-row sheet needs
~860 MB. This reader cuts the sheet XML, as it is unzipped, into parts of whole
rows (about 1 MB each) and keeps only the shared strings and one part. Each part
is read by calamine itself, as a workbook of that part alone, with the shared
strings it refers to written into its cells. A part not written as Excel and its
peers write sheets (prefixed tags, a first row without its number, a shared
string cell of another shape) is parsed by the C ElementTree parser instead,
with the same results: numbers as float, dates as date (or datetime with a
time), booleans, text, and "" for a formula without a cached value.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

# Safe on untrusted files: ElementTree never fetches external entities, and the
# bundled expat (>= 2.4) caps entity expansion (billion laughs).
from xml.etree import ElementTree as ET

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel
from python_calamine import CalamineWorkbook

from cadres.dates import DatePrecision

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = f"{{{MAIN_NS}}}"
_V, _IS, _T, _R, _SI = (f"{_M}{t}" for t in ("v", "is", "t", "r", "si"))
_DIGITS = "0123456789"

# The parts of a workbook of one sheet, for calamine to read a part of a big sheet.
_PACKAGE_RELS = (
    f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
    f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    f'<Relationships xmlns="{PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL_NS}/styles" Target="styles.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><workbookPr%s/><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()
_UNREAD = object()
# A part whose first row gives its number: calamine then numbers the part's rows as the
# sheet does (it counts rows without a number from the one before, as this reader does).
_FIRST_ROW_RE = re.compile(rb'\s*<row\b[^>]*?\sr="\d+"')
# Any cell of the shared string type, however its attribute is written: the canonical
# shape is inlined, and a part where any other remains goes to the element reader.
_SHARED_ANY_RE = re.compile(rb"""\st\s*=\s*["']s["']""")
_SHARED_CELL_RE = re.compile(
    rb'<c((?:\s+[\w:.-]+="[^"]*")*?)\s+t="s"((?:\s+[\w:.-]+="[^"]*")*)\s*>'
    rb"\s*<v>\s*(\d+)\s*</v>\s*</c>"
)
_SI_RE = re.compile(rb"<si>(.*?)</si>|<si/>", re.DOTALL)
_PREFIXED_SI_RE = re.compile(rb"<[\w.-]+:si\b")


@functools.cache
def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


# Excel writes characters that XML cannot hold (control characters) as _xHHHH_, and a
# literal "_x" as _x005F_x; calamine decodes them, surrogates aside, and so does this reader.
_ESCAPE_RE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_char(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)


def _unescape(text: str) -> str:
    return _ESCAPE_RE.sub(_unescape_char, text) if "_x" in text else text


def _text(element) -> str:
    """The text of a shared or inline string, without phonetic (rPh) runs."""
    parts = []
    for child in element:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.extend(t.text or "" for t in child.iter(_T))
    return _unescape("".join(parts))


def _workbook_xml(archive: zipfile.ZipFile):
    return ET.fromstring(archive.read("xl/workbook.xml"))  # noqa: S314


def sheet_paths(archive: zipfile.ZipFile, workbook=None) -> list[tuple[str, str]]:
    """(name, path of its XML in the archive) of every sheet, in the workbook's order."""
    workbook = _workbook_xml(archive) if workbook is None else workbook
    rels = ET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
    targets = {
        rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{{{PKG_REL_NS}}}Relationship")
    }
    sheets = []
    for sheet in workbook.iter(f"{_M}sheet"):
        target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        sheets.append((sheet.get("name"), posixpath.normpath(path)))
    return sheets


# The built-in formats that Excel and WPS show as 1972年8月 in a Chinese locale; openpyxl
# knows only the locale-independent ones.
CJK_MONTH_FORMATS = dict.fromkeys((27, 36, 50, 52, 57), 'yyyy"年"m"月"')
# What a format shows, without its literal texts ("年", \-), colours and locales ([Red]).
_FORMAT_LITERALS_RE = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def _number_formats(archive: zipfile.ZipFile) -> list[str]:
    """The number format of each cell style (cellXfs), by the style's index."""
    if "xl/styles.xml" not in archive.namelist():
        return []
    styles = ET.fromstring(archive.read("xl/styles.xml"))  # noqa: S314
    formats = {**BUILTIN_FORMATS, **CJK_MONTH_FORMATS}
    for fmt in styles.iter(f"{_M}numFmt"):
        formats[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
    xfs = styles.find(f"{_M}cellXfs")
    return [formats.get(int(xf.get("numFmtId", 0)), "") for xf in (xfs if xfs is not None else ())]


def partial_date_styles(archive: zipfile.ZipFile) -> dict[int, int]:
    """The cell styles whose date format shows only a year and month (1972-08, 1972年8月,
    Aug-72), or only a year, with the precision each shows: a date cell in one of them
    is known to that precision."""
    found = {}
    for index, code in enumerate(_number_formats(archive)):
        if not code or not is_date_format(code):
            continue
        shown = _FORMAT_LITERALS_RE.sub("", code.split(";")[0]).lower()
        if "d" in shown or "h" in shown or "s" in shown or "y" not in shown:
            continue
        found[index] = DatePrecision.MONTH if "m" in shown else DatePrecision.YEAR
    return found


_CELL_REF_RE = re.compile(rb'\sr\s*=\s*"([A-Z]+)(\d+)"')


def partial_date_cells(
    archive: zipfile.ZipFile, path: str, styles: dict[int, int]
) -> Iterator[tuple[int, dict[int, int]]]:
    """(row number, {column: precision}) of the rows of a sheet that have cells in the
    ``styles`` of ``partial_date_styles``, in the sheet's order; a scan of the XML a chunk
    at a time, in constant memory. Cells without a reference (r="B5") are not found."""
    names = b"|".join(str(index).encode() for index in styles)
    tag = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\ss\s*=\s*"(' + names + rb')"[^>]*>')
    row, columns = 0, {}
    buffer = b""
    with archive.open(path) as handle:
        while True:
            more = handle.read(_CHUNK)
            buffer += more
            # A tag that starts before the last "<" ends before it too.
            cut = buffer.rfind(b"<") if more else len(buffer)
            for match in tag.finditer(buffer, 0, max(cut, 0)):
                reference = _CELL_REF_RE.search(match.group(0))
                if reference is None:
                    continue
                number = int(reference.group(2))
                if number != row and columns:
                    yield row, columns
                    columns = {}
                row = number
                columns[_column_index(reference.group(1).decode())] = styles[int(match.group(1))]
            if not more:
                break
            buffer = buffer[max(cut, 0) :]
    if columns:
        yield row, columns


class StreamingWorkbook:
    def __init__(self, source):
        self.zip = zipfile.ZipFile(source)
        workbook = _workbook_xml(self.zip)
        self.sheets: list[tuple[str, str]] = sheet_paths(self.zip, workbook)
        properties = workbook.find(f"{_M}workbookPr")
        mac = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900
        self._shared: list[str] | None = None
        self._date_styles: set[int] | None = None
        self._fragments: list[bytes] | object | None = _UNREAD
        names = set(self.zip.namelist())
        self._styles = self.zip.read("xl/styles.xml") if "xl/styles.xml" in names else None

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _path in self.sheets]

    def close(self) -> None:
        self.zip.close()

    def _shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if "xl/sharedStrings.xml" in self.zip.namelist():
                with self.zip.open("xl/sharedStrings.xml") as handle:
                    for _event, element in ET.iterparse(handle):  # noqa: S314
                        if element.tag == _SI:
                            self._shared.append(_text(element))
                            element.clear()
        return self._shared

    def _dates(self) -> set[int]:
        """Indexes of the cell styles whose number format shows a date."""
        if self._date_styles is None:
            self._date_styles = {
                index
                for index, code in enumerate(_number_formats(self.zip))
                if code and is_date_format(code)
            }
        return self._date_styles

    def iter_rows(self, path: str) -> Iterator[tuple[int, list]]:
        """(Excel row number, cell values from column A) for every row, gaps included."""
        last = 0
        with self.zip.open(path) as handle:
            for part in _row_parts(handle):
                rows = self._calamine_rows(part)
                for number, cells in rows if rows is not None else self._element_rows(part, last):
                    for gap in range(last + 1, number):
                        yield gap, []
                    last = number
                    yield number, cells

    def _calamine_rows(self, part: _Part) -> list[tuple[int, list]] | None:
        """The part's rows read by calamine, from a workbook of this part alone; None where
        the part is not as Excel and its peers write it (the elements are read then)."""
        body = part.body
        if part.prefix or _FIRST_ROW_RE.match(body) is None:
            return None  # prefixed tags, or rows numbered only by their order in the sheet
        if _SHARED_ANY_RE.search(body):
            shared = self._shared_fragments()
            if shared is None:
                return None

            def inline(match: re.Match) -> bytes:
                return b'<c%s t="inlineStr"%s><is>%s</is></c>' % (
                    match[1],
                    match[2],
                    shared[int(match[3])],
                )

            body = _SHARED_CELL_RE.sub(inline, body)
            if _SHARED_ANY_RE.search(body):
                return None
        sheet = CalamineWorkbook.from_filelike(
            self._single_sheet(part.opening + body + part.closing)
        ).get_sheet_by_index(0)
        if sheet.start is None:
            return []
        top, left = sheet.start
        pad = [None] * left
        return [(top + 1 + i, pad + cells) for i, cells in enumerate(sheet.to_python())]

    def _single_sheet(self, sheet_xml: bytes) -> io.BytesIO:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("_rels/.rels", _PACKAGE_RELS)
            archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
            mac = b' date1904="1"' if self.epoch == CALENDAR_MAC_1904 else b""
            archive.writestr("xl/workbook.xml", _WORKBOOK % mac)
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
            if self._styles is not None:
                archive.writestr("xl/styles.xml", self._styles)
        buffer.seek(0)
        return buffer

    def _shared_fragments(self) -> list[bytes] | None:
        """Each shared string's XML, to be inlined into the cells that refer to it; None if
        its tags are prefixed (they would not parse inside the sheet)."""
        if self._fragments is _UNREAD:
            data = b""
            if "xl/sharedStrings.xml" in self.zip.namelist():
                data = self.zip.read("xl/sharedStrings.xml")
            if _PREFIXED_SI_RE.search(data):
                self._fragments = None
            else:
                self._fragments = [m[1] or b"" for m in _SI_RE.finditer(data)]
        return self._fragments

    def _element_rows(self, part: _Part, last: int) -> Iterator[tuple[int, list]]:
        shared = self._shared_strings()
        dates = {str(index) for index in self._dates()}
        sheet_data = ET.fromstring(part.opening + part.body + part.closing)[0]  # noqa: S314
        for row in sheet_data:
            reference = row.get("r")
            number = int(reference) if reference else last + 1
            last = number
            cells: list = []
            for cell in row:
                reference = cell.get("r")
                if reference is not None:
                    column = _column_index(reference.rstrip(_DIGITS))
                    if column > len(cells):
                        cells.extend([None] * (column - len(cells)))
                kind = cell.get("t")
                if kind == "s":
                    value = cell.find(_V)
                    cells.append(shared[int(value.text)] if value is not None else "")
                elif kind is None or kind == "n":
                    value = cell.find(_V)
                    if value is None or value.text is None:
                        cells.append(None)
                    elif cell.get("s") in dates:
                        cells.append(self._date(float(value.text)))
                    else:
                        cells.append(float(value.text))
                else:
                    cells.append(self._other(cell, kind))
            yield number, cells

    def _date(self, number: float):
        moment = from_excel(number, self.epoch)
        if isinstance(moment, dt.datetime) and moment.time() == dt.time():
            return moment.date()
        return moment

    def _other(self, cell, kind: str):
        if kind == "inlineStr":
            inline = cell.find(_IS)
            if inline is None:
                return ""
            # Plain text (<is><t>) is the common case; rich text needs the runs joined.
            text = inline.findtext(_T)
            return _unescape(text) if text is not None else _text(inline)
        value = cell.find(_V)
        text = value.text if value is not None else None
        if kind == "str":
            return _unescape(text or "")
        if text is None or kind == "e":
            return None
        if kind == "b":
            return text == "1"
        if kind == "d":
            return dt.datetime.fromisoformat(text)
        return text


_SHEET_DATA_RE = re.compile(rb"<(?:([\w.-]+):)?sheetData\b[^>]*?(/?)>")
_ROOT_RE = re.compile(rb"<(?:([\w.-]+):)?worksheet\b[^>]*>")
# Decompressed bytes parsed at a time: big enough that the parsers do the work, small
# enough that memory stays flat.
_CHUNK = 1 << 20


@dataclass(frozen=True)
class _Part:
    """Whole rows of a sheet, with the sheet's own root tags around them (its namespaces)."""

    opening: bytes
    body: bytes
    closing: bytes
    prefix: bytes


def _row_parts(handle) -> Iterator[_Part]:
    """The sheet's rows, a chunk of whole rows at a time, each parsed in one call: per-row
    or per-element events cost more than the parsing itself."""
    buffer = b""
    while (match := _SHEET_DATA_RE.search(buffer)) is None:
        more = handle.read(_CHUNK)
        if not more:
            return
        buffer += more
    root = _ROOT_RE.search(buffer, 0, match.start())
    if root is None:
        raise ValueError("no worksheet element")
    if match.group(2):
        return  # <sheetData/>: no rows
    root_prefix = root.group(1) + b":" if root.group(1) else b""
    prefix = match.group(1) + b":" if match.group(1) else b""
    opening = root.group(0) + b"<" + prefix + b"sheetData>"
    closing = b"</" + prefix + b"sheetData></" + root_prefix + b"worksheet>"
    row_end, data_end = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
    buffer = buffer[match.end() :]
    while True:
        more = handle.read(_CHUNK)
        buffer += more
        stop = buffer.find(data_end)
        if stop >= 0:
            body, buffer = buffer[:stop], None
        elif not more:
            raise ValueError("the sheet ends inside its data")
        else:
            cut = buffer.rfind(row_end)
            if cut < 0:
                continue
            cut += len(row_end)
            body, buffer = buffer[:cut], buffer[cut:]
        yield _Part(opening, body, closing, prefix)
        if buffer is None:
            return
