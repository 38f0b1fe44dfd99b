import datetime as dt
import io

from openpyxl import load_workbook

from cadres.xlsx_export import Column, WorkbookWriter, neutralize


def build(rows):
    writer = WorkbookWriter()
    sheet = writer.sheet(
        "花名册", [Column("姓名"), Column("身份证号", 22, text=True), Column("日期")]
    )
    sheet.extend(rows)
    stream = io.BytesIO()
    writer.save(stream)
    stream.seek(0)
    return load_workbook(stream)["花名册"]


def test_header_is_frozen_filtered_and_styled():
    sheet = build([["王元", "220502199001011233", dt.date(2020, 1, 2)]])
    assert [c.value for c in sheet[1]] == ["姓名", "身份证号", "日期"]
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:C2"
    assert sheet.column_dimensions["B"].width == 22


def test_id_numbers_are_text_and_dates_are_dates():
    sheet = build([["王元", "220502199001011233", dt.date(2020, 1, 2)]])
    assert sheet["B2"].value == "220502199001011233"
    assert sheet["B2"].number_format == "@"
    assert sheet["C2"].value.date() == dt.date(2020, 1, 2)
    assert sheet["C2"].is_date
    # a plain value written after the styled ID cell has its own format, not "@"
    assert sheet["C2"].number_format == "yyyy-mm-dd"


def test_formulas_are_neutralized():
    sheet = build([['=HYPERLINK("http://x")', "@SUM(1)", "+1"]])
    assert sheet["A2"].value == '\'=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == "'@SUM(1)"
    assert neutralize(-5) == -5
    assert neutralize("-5") == "'-5"
