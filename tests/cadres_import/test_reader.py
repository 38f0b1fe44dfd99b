import datetime as dt
import io
import zipfile

import pytest
from django.utils import translation

from cadres import spreadsheets
from cadres.choices import Ethnicity, PoliticalStatus
from cadres.dates import MONTH, YEAR, PartialDate, parse_partial_date
from cadres.identity import normalize_id_number
from cadres.spreadsheets import (
    Column,
    RowError,
    SheetReport,
    SpreadsheetError,
    parse_choice,
    parse_date,
    parse_text,
    read_sheet,
    sheet_names,
    sheet_report_display,
)
from tests.cadres_import.workbooks import (
    messy_sheet,
    read_cells,
    shared_strings_bytes,
    workbook_bytes,
    zip_bytes,
)
from tests.factories import make_id_number


@pytest.fixture(autouse=True, params=["calamine", "stream"])
def backend(request, monkeypatch):
    """Every reader test runs on both backends: calamine, and streaming for big sheets."""
    if request.param == "stream":
        monkeypatch.setattr(spreadsheets, "STREAM_ABOVE_BYTES", -1)
    return request.param


COLUMNS = [
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号", ("公民身份号码", "身份证号码"), required=True),
    Column("post", "职务", ("现任职务",)),
    Column("township", "乡镇", ("乡镇（街道）", "街道（乡镇）")),
    Column("start", "任职时间"),
]


def rows(data: bytes, columns=COLUMNS, **kwargs):
    return list(read_sheet(io.BytesIO(data), columns, **kwargs))


def test_header_under_title_rows_and_merged_cells():
    data = workbook_bytes(
        {
            "Sheet1": [
                ["东昌区村干部花名册", None, None, None],
                ["填报单位：金厂镇", None, None, "2026年1月"],
                [],
                ["姓名", "公民身份号码", "任职情况", None],
                [None, None, "现任职务", "任职时间"],
                ["王 元", "220502199001011237", "村委会主任", "2021-12-01"],
                [None, None, None, None],
                ["李四", "22050219900101123x", "委员", None],
            ]
        },
        merges={"Sheet1": ["A1:D1", "A4:A5", "B4:B5", "C4:D4"]},
    )
    result = rows(data)
    assert [r.number for r in result] == [6, 8]
    assert result[0].values == {
        "name": "王 元",
        "id_number": "220502199001011237",
        "post": "村委会主任",
        "township": None,
        "start": "2021-12-01",
    }
    assert result[1].values["post"] == "委员"


@pytest.mark.parametrize(
    "header",
    [
        "身份证号码",
        "公民身份号码",
        "身 份 证 号",
        "身份证号＊",
        "*身份证号",
        "身份證號",
        "身份证号\n",
    ],
)
def test_header_synonyms_spaces_markers_traditional(header):
    data = workbook_bytes({"S": [["姓名", header], ["张三", "x"]]})
    assert rows(data)[0].values["id_number"] == "x"


def test_full_width_brackets_in_header():
    data = workbook_bytes({"S": [["姓名", "身份证号", "乡镇(街道)"], ["张三", "1", "金厂镇"]]})
    assert rows(data)[0].values["township"] == "金厂镇"
    data = workbook_bytes({"S": [["姓名", "身份证号", "街道（乡镇）"], ["张三", "1", "金厂镇"]]})
    assert rows(data)[0].values["township"] == "金厂镇"


def test_invisible_characters_in_headers_and_choices_are_ignored():
    # Headers and choices pasted from chat programs carry zero-width characters and BOMs.
    data = workbook_bytes({"S": [["\ufeff姓名", "身份\u200b证号"], ["张三", "1"]]})
    assert rows(data)[0].values["id_number"] == "1"
    assert parse_choice("中共\u200d党员\u00ad", PoliticalStatus) == PoliticalStatus.CPC_MEMBER


def test_extra_columns_ignored_and_leading_empty_columns():
    data = workbook_bytes(
        {"S": [[None, "序号", "姓名", "备注", "身份证号"], [None, 1, "张三", "无", "1"]]}
    )
    assert rows(data)[0].values == {
        "name": "张三",
        "id_number": "1",
        "post": None,
        "township": None,
        "start": None,
    }


def test_rows_with_only_unknown_columns_are_skipped():
    data = workbook_bytes(
        {"S": [["序号", "姓名", "身份证号"], [1, "张三", "1"], [2, None, None], [3, " ", ""]]}
    )
    assert [r.number for r in rows(data)] == [2]


def test_id_numbers_stored_as_numbers_reach_the_normalizer_as_numbers():
    data = workbook_bytes(
        {"S": [["姓名", "身份证号"], ["张三", 220502199001011237], ["李四", 220502900101123]]}
    )
    first, second = rows(data)
    assert isinstance(first.values["id_number"], int | float)
    assert normalize_id_number(first.values["id_number"]).errors
    # A 15-digit legacy number survives being stored as a number.
    assert normalize_id_number(second.values["id_number"]).value.startswith("22050219900101")


def test_lowercase_x_and_full_width_digits_normalize():
    number = next(
        n for i in range(500) if (n := make_id_number(dt.date(1980, 5, 6), i)).endswith("X")
    )
    data = workbook_bytes({"S": [["姓名", "身份证号"], ["张三", number.lower()]]})
    assert normalize_id_number(rows(data)[0].values["id_number"]).value == number.upper()


def test_dates_as_excel_dates_and_text():
    data = workbook_bytes(
        {
            "S": [
                ["姓名", "身份证号", "任职时间"],
                ["张三", "1", dt.date(2021, 12, 1)],
                ["李四", "2", "2021.12"],
            ]
        }
    )
    first, second = rows(data)
    assert parse_date(first.values["start"]) == dt.date(2021, 12, 1)
    assert parse_date(second.values["start"]) == dt.date(2021, 12, 1)


def test_sheet_by_name_and_index():
    data = workbook_bytes(
        {
            "干部": [["姓名", "身份证号"], ["张三", "1"]],
            "家庭成员": [["姓名", "身份证号"], ["李四", "2"]],
        }
    )
    assert sheet_names(io.BytesIO(data)) == ["干部", "家庭成员"]
    assert rows(data, sheet="家庭成员")[0].values["name"] == "李四"
    assert rows(data, sheet=1)[0].values["name"] == "李四"
    with pytest.raises(SpreadsheetError, match="家属"):
        rows(data, sheet="家属")


def test_reads_from_a_path(tmp_path):
    path = tmp_path / "a.xlsx"
    path.write_bytes(workbook_bytes({"S": [["姓名", "身份证号"], ["张三", "1"]]}))
    assert [r.values["name"] for r in read_sheet(path, COLUMNS)] == ["张三"]
    assert [r.values["name"] for r in read_sheet(str(path), COLUMNS)] == ["张三"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "空"),
        (b"name,id\n", "xlsx"),
        (b"\xd0\xcf\x11\xe0" + b"\0" * 100, "xlsx"),
        (zip_bytes({"a.txt": b"hello"}), "损坏"),
        (b"PK\x03\x04" + b"\0" * 100, "损坏"),
        (workbook_bytes({"S": []}), "空"),
        (workbook_bytes({"S": [["说明"], ["随便写点"]]}), "表头"),
        (workbook_bytes({"S": [["姓名", "性别"], ["张三", "男"]]}), "「身份证号」"),
        (workbook_bytes({"S": [["身份证号", "性别"], ["1", "男"]]}), "「姓名」"),
    ],
)
def test_malformed_files_raise_clear_errors(data, message):
    with pytest.raises(SpreadsheetError, match=message):
        rows(data)


def test_header_beyond_search_window_is_not_found():
    data = workbook_bytes({"S": [*[["标题"]] * 30, ["姓名", "身份证号"], ["张三", "1"]]})
    with pytest.raises(SpreadsheetError, match="30"):
        rows(data)


def test_row_error_text():
    assert str(RowError(7, "身份证号", "不能为空。")) == "第7行「身份证号」：不能为空。"
    assert str(RowError(7, "", "重复。")) == "第7行：重复。"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (dt.date(2021, 12, 1), dt.date(2021, 12, 1)),
        (dt.datetime(2021, 12, 1, 8, 30), dt.date(2021, 12, 1)),
        ("2021-12-01", dt.date(2021, 12, 1)),
        ("2021/12/1", dt.date(2021, 12, 1)),
        ("2021.12.1", dt.date(2021, 12, 1)),
        ("2021年12月1日", dt.date(2021, 12, 1)),
        ("2021年12月", dt.date(2021, 12, 1)),
        ("２０２１－１２－０１", dt.date(2021, 12, 1)),
        ("202112", dt.date(2021, 12, 1)),
        ("20211201", dt.date(2021, 12, 1)),
        ("2021.12", dt.date(2021, 12, 1)),
        ("1990-01", dt.date(1990, 1, 1)),
        ("2021-12-01 00:00:00", dt.date(2021, 12, 1)),
        (202112, dt.date(2021, 12, 1)),
        (2021.12, dt.date(2021, 12, 1)),
        (44531, dt.date(2021, 12, 1)),
        (44531.0, dt.date(2021, 12, 1)),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


def formatted_dates_bytes() -> bytes:
    """Birth dates as Excel cells (dates), each shown by a number format of its own."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "出生年月", "备注"])
    formats = {
        "王元": "yyyy-mm",
        "李明": 'yyyy"年"m"月"',
        "张华": "yyyy.mm;@",
        "赵刚": "[$-804]yyyy年",
        "孙强": "yyyy-mm-dd",
    }
    for name, code in formats.items():
        sheet.append([name, dt.datetime(1972, 8, 15), "1972-08-15"])
        sheet.cell(row=sheet.max_row, column=2).number_format = code
        # A text cell in a date style stays text.
        sheet.cell(row=sheet.max_row, column=3).number_format = code
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_date_cell_shown_as_a_year_and_month_is_known_to_the_month():
    read = rows(
        formatted_dates_bytes(),
        [
            Column("name", "姓名", required=True),
            Column("birth", "出生年月"),
            Column("note", "备注"),
        ],
    )
    found = {row.values["name"]: row.values["birth"] for row in read}
    month = PartialDate(dt.date(1972, 8, 1), MONTH)
    assert found["王元"] == month
    assert found["李明"] == month
    assert found["张华"] == month
    assert found["赵刚"] == PartialDate(dt.date(1972, 1, 1), YEAR)
    # A format that shows the day leaves the cell a day.
    assert parse_partial_date(found["孙强"]) == PartialDate(dt.date(1972, 8, 15))
    assert parse_text(found["王元"]) == "1972.08"
    assert {row.values["note"] for row in read} == {"1972-08-15"}


@pytest.mark.parametrize(
    "value", ["2021-13-01", "2021-02-30", "明年", "12/01/2021", True, -5, "1850-01-01"]
)
def test_parse_date_rejects(value):
    with pytest.raises(ValueError, match="日期"):
        parse_date(value)


def test_parse_text():
    assert parse_text(None) == ""
    assert parse_text("  张三 ") == "张三"
    assert parse_text(13800138000.0) == "13800138000"
    assert parse_text("ＡＢＣ１２３") == "ABC123"
    assert parse_text(dt.datetime(2021, 12, 1)) == "2021-12-01"


def test_parse_choice():
    assert parse_choice("中共党员", PoliticalStatus) == PoliticalStatus.CPC_MEMBER
    assert parse_choice(" 中共 党员 ", PoliticalStatus) == PoliticalStatus.CPC_MEMBER
    assert parse_choice("党员", PoliticalStatus, synonyms={"党员": "cpc_member"}) == "cpc_member"
    assert parse_choice("汉族", Ethnicity) == Ethnicity.values[0]
    assert parse_choice(PoliticalStatus.MASSES.value, PoliticalStatus) == PoliticalStatus.MASSES
    assert parse_choice("", PoliticalStatus) is None
    assert parse_choice(None, PoliticalStatus) is None
    with pytest.raises(ValueError, match="中共党员"):
        parse_choice("无党派", PoliticalStatus)


# Texts as Excel keeps them: plain, rich text runs with a phonetic guide, an entity,
# leading spaces, an escaped control character, and an empty one.
SHARED = [
    "<t>姓名</t>",
    "<t>身份证号</t>",
    '<r><t>张</t></r><r><rPr><b/></rPr><t xml:space="preserve">三</t></r>'
    '<rPh sb="0" eb="1"><t>zhang</t></rPh>',
    "<t>李&amp;四</t>",
    '<t xml:space="preserve">  王五</t>',
    "<t>赵_x000D_六</t>",
    "",
]
SHARED_ROWS = (
    '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c></row>'
    '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="B3" t="s"><v>1</v></c></row>'
    '<row r="5"><c t="s" r="A5" s="0"><v>3</v></c><c r="C5"><v>7</v></c></row>'
    '<row r="6"><c r="A6" t="s"><v>4</v></c></row>'
    '<row r="7"><c r="A7" t="s"><v>5</v></c><c r="B7" t="s"><v>6</v></c></row>'
)
SHARED_READ = {
    (2, 0): "姓名",
    (2, 1): "身份证号",
    (3, 0): "张三",
    (3, 1): "身份证号",
    (5, 0): "李&四",
    (5, 2): 7.0,
    (6, 0): "  王五",
    (7, 0): "赵\r六",
}


def test_shared_strings_are_read_with_their_rows():
    assert read_cells(shared_strings_bytes(SHARED, SHARED_ROWS)) == SHARED_READ


def test_a_shared_string_cell_of_another_shape_is_read_all_the_same():
    # A formula whose result is a shared string: not the shape that is inlined for
    # calamine, so the streaming reader parses that part's elements itself.
    rows_xml = SHARED_ROWS + '<row r="8"><c r="A8" t="s"><f>A2</f><v>0</v></c></row>'
    assert read_cells(shared_strings_bytes(SHARED, rows_xml)) == {**SHARED_READ, (8, 0): "姓名"}
    # Single quotes are XML too.
    rows_xml = SHARED_ROWS + "<row r='8'><c r='A8' t='s'><v>0</v></c></row>"
    assert read_cells(shared_strings_bytes(SHARED, rows_xml)) == {**SHARED_READ, (8, 0): "姓名"}


def test_a_shared_string_beyond_the_table_is_damage():
    rows_xml = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
        '<row r="2"><c r="A2" t="s"><v>99</v></c></row>'
    )
    with pytest.raises(SpreadsheetError):
        read_cells(shared_strings_bytes(SHARED, rows_xml))


def test_a_sheet_with_prefixed_tags_is_read():
    data = shared_strings_bytes(SHARED, "")
    prefixed = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>钱七</x:t></x:is></x:c>'
        '<x:c r="B2"><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["xl/worksheets/s1.xml"] = prefixed.encode()
    assert read_cells(zip_bytes(members)) == {(1, 0): "姓名", (2, 0): "钱七", (2, 1): 3.0}


# Rows that are not data, and the header as reported ---------------------------------


def _id(sequence):
    return make_id_number(dt.date(1980, 1, 1), sequence)


def _messy(data_rows, headers=("序号", "姓名", "身份证号", "现任职务", "籍贯")):
    sheet, merges, skipped = messy_sheet(headers, data_rows)
    return workbook_bytes({"Sheet1": sheet}, merges={"Sheet1": merges}), skipped


def _people(count):
    return [[i + 1, f"干部{i}", _id(i), "村委会委员", "吉林通化"] for i in range(count)]


def test_blank_repeated_header_footer_and_count_rows_are_skipped_and_reported():
    data, skipped = _messy(_people(6))
    report = SheetReport()
    read = rows(data, report=report)
    assert [row.values["name"] for row in read] == [f"干部{i}" for i in range(6)]
    assert report.header_row == 3
    assert report.skipped == skipped
    assert report.skipped_counts == {reason: len(numbers) for reason, numbers in skipped.items()}
    assert report.skipped_total == 1 + 1 + 8 + 1


def test_recognized_and_ignored_columns_are_reported_as_in_the_file():
    data, _skipped = _messy(_people(2))
    report = SheetReport()
    rows(data, report=report)
    assert report.columns == [("姓名", "姓名"), ("身份证号", "身份证号"), ("现任职务", "职务")]
    assert report.ignored == ["序号", "籍贯"]
    summary = sheet_report_display(report.as_summary())
    assert summary["ignored"] == ["序号", "籍贯"]
    with translation.override("zh-hans"):
        summary = sheet_report_display(report.as_summary())
    assert summary["warning"] == "以下列未导入：序号、籍贯。"
    assert "跳过8行合计、落款行：第8、9、10、11、12、13、14、15行。" in summary["skipped"]


def test_unknown_columns_are_kept_only_when_asked():
    data, _skipped = _messy(_people(2))
    assert all(row.extra is None for row in rows(data))
    kept = rows(data, keep_unknown=True)
    assert [row.extra for row in kept] == [
        {"序号": "1", "籍贯": "吉林通化"},
        {"序号": "2", "籍贯": "吉林通化"},
    ]


def test_a_subheader_is_reported_with_its_own_texts():
    data = workbook_bytes(
        {
            "Sheet1": [
                ["姓名", "身份证号", "任职情况", None, "备注"],
                [None, None, "现任职务", "任职时间", None],
                ["王元", _id(1), "村委会主任", "2021-12-01", "无"],
                ["姓名", "身份证号", "任职情况", None, "备注"],
                [None, None, "现任职务", "任职时间", None],
                ["李华", _id(2), "村委会委员", "2021-12-01", None],
            ]
        },
        merges={"Sheet1": ["C1:D1"]},
    )
    report = SheetReport()
    assert [row.values["name"] for row in rows(data, report=report)] == ["王元", "李华"]
    assert ("任职时间", "任职时间") in report.columns
    assert report.ignored == ["备注"]
    assert report.skipped == {"header": [4, 5]}


@pytest.mark.parametrize(
    "cells",
    [
        ["张三", 220502198001011234],  # an ID number stored as a number
        ["合作社", _id(4)],
        ["小红", _id(5)],  # starts like 小计
        ["说", _id(6)],
    ],
)
def test_data_rows_that_look_like_footers_are_kept(cells):
    data = workbook_bytes({"Sheet1": [["姓名", "身份证号"], cells]})
    report = SheetReport()
    assert [row.values["name"] for row in rows(data, report=report)] == [cells[0]]
    assert report.skipped_counts == {}


def test_a_name_with_a_six_digit_birth_month_is_not_a_count_row():
    columns = [Column("name", "姓名", required=True), Column("birth", "出生年月")]
    data = workbook_bytes({"Sheet1": [["姓名", "出生年月"], ["王元", 197208], ["共计", 1]]})
    report = SheetReport()
    assert [row.values["name"] for row in rows(data, columns, report=report)] == ["王元"]
    assert report.skipped == {"count": [3]}
