"""A constant-memory xlsx row reader, for sheets too large for calamine.

python-calamine (0.9) loads a whole sheet before giving the first row: about
1.6 bytes of memory per byte of sheet XML, so a 1,000,000-row sheet needs
~860 MB. This reader parses the sheet XML as it is unzipped (the C
ElementTree parser) and keeps only the shared strings and one row. Values come
out as calamine gives them: numbers as float, dates as date (or datetime with a
time), booleans, text, and "" for a formula without a cached value.
"""

from __future__ import annotations

import datetime as dt
import functools
import posixpath
import re
import zipfile
from collections.abc import Iterator

# Safe on untrusted files: ElementTree never fetches external entities, and the
# bundled expat (>= 2.4) caps entity expansion (billion laughs).
from xml.etree import ElementTree as ET

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_M = f"{{{MAIN_NS}}}"
_ROW, _C, _V, _IS, _T, _R, _SI = (f"{_M}{t}" for t in ("row", "c", "v", "is", "t", "r", "si"))
_DIGITS = "0123456789"


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


class StreamingWorkbook:
    def __init__(self, source):
        self.zip = zipfile.ZipFile(source)
        workbook = ET.fromstring(self.zip.read("xl/workbook.xml"))  # noqa: S314
        rels = ET.fromstring(self.zip.read("xl/_rels/workbook.xml.rels"))  # noqa: S314
        targets = {
            rel.get("Id"): rel.get("Target") for rel in rels.iter(f"{{{PKG_REL_NS}}}Relationship")
        }
        self.sheets: list[tuple[str, str]] = []
        for sheet in workbook.iter(f"{_M}sheet"):
            target = targets.get(sheet.get(f"{{{REL_NS}}}id"), "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            self.sheets.append((sheet.get("name"), posixpath.normpath(path)))
        properties = workbook.find(f"{_M}workbookPr")
        mac = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if mac else CALENDAR_WINDOWS_1900
        self._shared: list[str] | None = None
        self._date_styles: set[int] | None = None

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
            self._date_styles = set()
            if "xl/styles.xml" in self.zip.namelist():
                styles = ET.fromstring(self.zip.read("xl/styles.xml"))  # noqa: S314
                formats = dict(BUILTIN_FORMATS)
                for fmt in styles.iter(f"{_M}numFmt"):
                    formats[int(fmt.get("numFmtId"))] = fmt.get("formatCode", "")
                xfs = styles.find(f"{_M}cellXfs")
                for index, xf in enumerate(xfs if xfs is not None else ()):
                    code = formats.get(int(xf.get("numFmtId", 0)), "")
                    if code and is_date_format(code):
                        self._date_styles.add(index)
        return self._date_styles

    def iter_rows(self, path: str) -> Iterator[tuple[int, list]]:
        """(Excel row number, cell values from column A) for every row, gaps included."""
        shared = self._shared_strings()
        dates = {str(index) for index in self._dates()}
        last = 0
        with self.zip.open(path) as handle:
            for row in _row_elements(handle):
                reference = row.get("r")
                number = int(reference) if reference else last + 1
                for gap in range(last + 1, number):
                    yield gap, []
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
# Decompressed bytes parsed at a time: big enough that ElementTree's C parser does
# the work, small enough that memory stays flat.
_CHUNK = 1 << 20


def _row_elements(handle) -> Iterator:
    """The <row> elements of a sheet, parsed a chunk of whole rows at a time.

    Per-element events (iterparse) cost more than the parsing itself; instead
    each chunk of complete rows is wrapped in the sheet's own root tag (for its
    namespaces) and parsed in one call.
    """
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
    opening, closing = root.group(0), b"</" + root_prefix + b"worksheet>"
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
        yield from ET.fromstring(opening + body + closing)  # noqa: S314
        if buffer is None:
            return
