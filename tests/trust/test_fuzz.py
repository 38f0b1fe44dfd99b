"""Fuzzing (hypothesis) of what reads untrusted input: the spreadsheet reader, on both of
its paths, and the identity normalizer."""

import datetime as dt
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from cadres import spreadsheets
from cadres.identity import (
    check_character,
    clean_name,
    name_initials,
    name_key,
    name_pinyin,
    normalize_id_number,
)
from cadres.spreadsheets import Column, SpreadsheetError, read_sheet, sheet_names
from cadres.xlsx_stream import _unescape
from tests.cadres_import.workbooks import read_cells, workbook_bytes, zip_bytes

CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])

# Cells -------------------------------------------------------------------------------

# XML 1.0 cannot hold the other control characters (openpyxl refuses them); a carriage
# return is normalized to a line feed by every XML parser, so it is left out too.
_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc")),
        st.sampled_from("\t\n 张王李　·＊*豆🙂𠀀_x000D__x005F_"),
    ),
    max_size=12,
).filter(lambda text: not text.startswith("="))  # openpyxl writes those as formulas
cells = st.one_of(
    st.none(),
    _TEXT,
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    # After 1900-02-28: Excel's serial numbers count a 29 February 1900 that never was.
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 12, 31)).map(
        lambda moment: moment.replace(microsecond=0)
    ),
    st.sampled_from(["=1+1", '=A1&"x"', "=SUM(A1:A3)"]),
)


def expected(value):
    """A written value as the reader gives it back; None for what reads as empty."""
    if isinstance(value, str):
        # A formula without a cached value (openpyxl computes none) reads as empty;
        # _xHHHH_ is Excel's escape of a character (calamine decodes it the same way).
        value = "" if value.startswith("=") else _unescape(value)
        # Blank text is empty to the reader (calamine drops a cell of spaces).
        return None if spreadsheets._is_empty(value) else value
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        # openpyxl writes 16 significant digits (the largest floats become infinite).
        return float(f"{float(value):.16g}")
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    return value


sheets = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=3),  # blank rows above
        st.integers(min_value=0, max_value=3),  # blank columns to the left
        st.lists(st.lists(cells, max_size=6), max_size=6),
    ),
    min_size=1,
    max_size=3,
)


def build(layout) -> tuple[bytes, list[dict]]:
    """A workbook with the given sheets, and each sheet's non-empty cells as read back."""
    book = Workbook()
    book.remove(book.active)
    wanted = []
    for index, (top, left, rows) in enumerate(layout):
        sheet = book.create_sheet(f"表{index}")
        cells_wanted = {}
        for r, row in enumerate(rows, start=top + 1):
            for c, value in enumerate(row, start=left):
                if value is not None:
                    sheet.cell(row=r, column=c + 1, value=value)
                if expected(value) is not None:
                    cells_wanted[(r, c)] = expected(value)
        wanted.append(cells_wanted)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), wanted


def both_paths(read):
    """``read()`` through calamine, then through the streaming reader."""
    with pytest.MonkeyPatch.context() as patch:
        by_calamine = read()
        patch.setattr(spreadsheets, "STREAM_ABOVE_BYTES", -1)
        return by_calamine, read()


def typed(cells_read: dict) -> dict:
    # 1 == 1.0 == True in Python: compare the types too.
    return {key: (type(value), value) for key, value in cells_read.items()}


@FUZZ
@given(sheets)
@example([(0, 0, [["a_x000D_b", "_x005F_x0041_"]])])  # Excel's escapes, decoded by both
@example([(2, 1, [["姓名"], ["张三"]])])  # rows counted from the top of the sheet
@example([(0, 0, [[" ", "\n"]])])  # blank text
def test_random_workbooks_read_the_same_on_both_paths_as_written(layout):
    data, wanted = build(layout)
    for index, cells_wanted in enumerate(wanted):
        by_calamine, by_stream = both_paths(lambda index=index: read_cells(data, index))
        assert typed(by_calamine) == typed(by_stream)
        assert typed(by_calamine) == typed(cells_wanted)


@FUZZ
@given(st.lists(_TEXT, min_size=1, max_size=5), st.lists(st.lists(cells, max_size=5), max_size=5))
def test_random_headers_find_the_same_rows_on_both_paths(headers, rows):
    # Numbered, so that no two headers are the same once normalized.
    labels = [f"列{n}：{text}" for n, text in enumerate(headers)]
    columns = [Column(key=f"c{n}", label=label) for n, label in enumerate(labels)]
    data = workbook_bytes({"S": [labels, *rows]})
    by_calamine, by_stream = both_paths(lambda: list(read_sheet(io.BytesIO(data), columns)))
    assert by_calamine == by_stream
    assert all(row.number >= 2 for row in by_calamine)


# Damaged files -----------------------------------------------------------------------

GOOD = workbook_bytes({"名单": [["姓名", "身份证号"], ["张三", "1"]], "家属": [["关系"]]})


def _without(member: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(GOOD)) as archive:
        return zip_bytes({n: archive.read(n) for n in archive.namelist() if n != member})


def _replacing(member: str, content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(GOOD)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    return zip_bytes({**members, member: content})


damaged = st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=200).map(lambda junk: b"PK\x03\x04" + junk),
    st.integers(min_value=0, max_value=len(GOOD) - 1).map(lambda cut: GOOD[:cut]),
    st.tuples(st.integers(min_value=30, max_value=len(GOOD) - 1), st.binary(min_size=1)).map(
        lambda spot: GOOD[: spot[0]] + spot[1] + GOOD[spot[0] + len(spot[1]) :]
    ),
    st.sampled_from(
        [
            "xl/worksheets/sheet1.xml",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "[Content_Types].xml",
        ]
    ).flatmap(
        lambda member: st.one_of(
            st.just(_without(member)),
            st.binary(max_size=300).map(lambda junk, member=member: _replacing(member, junk)),
        )
    ),
)
COLUMNS = [Column("name", "姓名", required=True), Column("id_number", "身份证号")]


def read_all(data: bytes) -> None:
    sheet_names(io.BytesIO(data))
    for sheet in (0, 1):
        list(read_sheet(io.BytesIO(data), COLUMNS, sheet=sheet))


@FUZZ
@given(damaged)
@example(_replacing("xl/worksheets/sheet1.xml", b"\0" * (8 * 1024 * 1024)))  # ratio ~1000:1
@example(_replacing("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>"))
def test_damaged_files_raise_only_the_readers_error_in_chinese(data):
    for read in both_paths(lambda: _outcome(data)):
        assert read is None or CHINESE.search(read), read


def _outcome(data: bytes) -> str | None:
    """The reader's message for the file, or None if it reads (a harmless change)."""
    try:
        read_all(data)
    except SpreadsheetError as error:
        return str(error)
    return None


# Identity ----------------------------------------------------------------------------

anything = st.one_of(
    st.text(),
    st.text(alphabet="0123456789xX -—–．.·\u3000\t\n", max_size=25),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)


@FUZZ
@given(anything)
@example("11010519491231002x")
@example(float("nan"))
@example(10**30)
def test_any_input_is_an_id_number_or_a_chinese_reason(raw):
    result = normalize_id_number(raw, today=dt.date(2026, 1, 1))
    if result.value is None:
        assert raw in (None, "") or result.errors
        assert all(CHINESE.search(str(error)) for error in result.errors)
    else:
        assert result.ok
        assert re.fullmatch(r"\d{17}[\dX]", result.value)
        assert result.value[-1] == check_character(result.value[:17])
        assert result.birth_date.isoformat().replace("-", "") == result.value[6:14]
        # The normal form reads as itself.
        assert normalize_id_number(result.value, today=dt.date(2026, 1, 1)).value == result.value


@FUZZ
@given(st.one_of(st.text(), st.integers(), st.none()))
@example("U¯")  # NFKC makes ¯ a space and a combining macron; the space went, the macron stayed
def test_any_text_gives_a_name_key_pinyin_and_initials(raw):
    key = name_key(raw)
    assert not re.search(r"\s", clean_name(raw))
    assert name_key(key) == key  # a key is its own key
    assert name_pinyin(key) == name_pinyin(key).lower()
    assert set(name_initials(key)) <= set(name_pinyin(key))
