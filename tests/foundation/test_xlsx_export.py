import datetime as dt
import io

from openpyxl import load_workbook

from cadres.xlsx_export import Column, WorkbookWriter, csv_safe


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


def test_formulas_are_kept_intact_as_text():
    """Issue 20 finding 7: no visible apostrophe; the cell is text by its quote-prefix style."""
    sheet = build([['=HYPERLINK("http://x")', "@SUM(1)", "+1"], ["-1", "220502199001011233", -5]])
    assert sheet["A2"].value == '=HYPERLINK("http://x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["A2"].quotePrefix
    assert sheet["B2"].value == "@SUM(1)"
    assert sheet["B2"].quotePrefix
    assert sheet["B2"].number_format == "@"
    assert sheet["A3"].value == "-1"
    assert sheet["A3"].quotePrefix
    assert sheet["B3"].value == "220502199001011233"
    assert not sheet["B3"].quotePrefix
    assert sheet["C3"].value == -5
    assert not sheet["C3"].quotePrefix


def test_csv_fields_are_neutralized():
    assert csv_safe("+cmd|'/Ccalc'!A0") == "'+cmd|'/Ccalc'!A0"
    assert csv_safe("@SUM(1+1)") == "'@SUM(1+1)"
    assert csv_safe("\t=1") == "'\t=1"
    assert csv_safe("王元") == "王元"
    assert csv_safe(-5) == -5
