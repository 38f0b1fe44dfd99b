import datetime as dt
import io

from openpyxl import load_workbook

from cadres.dates import MONTH, PartialDate
from cadres.xlsx_export import WIDTH_SAMPLE_ROWS, Column, WorkbookWriter, csv_safe


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


def test_columns_fit_their_content_with_cjk_counted_double():
    sheet = build([["欧阳娜娜", "220502199001011233", dt.datetime(2020, 1, 2, 8, 30)]])
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABC"}
    assert widths["A"] == 4 * 2 + 2  # four CJK characters
    assert widths["B"] == 22  # given by the column
    assert widths["C"] == 16 + 2  # yyyy-mm-dd hh:mm


def test_widths_come_from_the_first_rows_only_and_every_row_is_written():
    """The rows past the sample are written as they come: memory stays flat."""
    late = "很长很长很长很长很长很长的名字"
    rows = [["王元", "1", None]] * WIDTH_SAMPLE_ROWS + [[late, "2", None]]
    sheet = build(rows)
    assert sheet.column_dimensions["A"].width == 6  # the header 姓名 and 王元, at the minimum
    assert sheet.max_row == len(rows) + 1
    assert sheet.cell(row=len(rows) + 1, column=1).value == late


def test_every_export_prints_landscape_on_a4_fitted_to_width_with_its_header_on_each_page():
    sheet = build([["王元", "220502199001011233", None]])
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"


def test_a_heading_adds_a_title_row_over_the_header_and_a_total_row_in_bold():
    writer = WorkbookWriter(heading="东昌区村干部队伍管理月报（2026年11月）")
    sheet = writer.sheet("汇总", [Column("乡镇"), Column("人数")])
    sheet.extend([["金厂镇", 2], ["环通乡", 3]])
    sheet.total(["合计", 5])
    stream = io.BytesIO()
    writer.save(stream)
    stream.seek(0)
    sheet = load_workbook(stream)["汇总"]
    assert sheet["A1"].value == "东昌区村干部队伍管理月报（2026年11月） — 汇总"
    assert [str(merged) for merged in sheet.merged_cells.ranges] == ["A1:B1"]
    assert [c.value for c in sheet[2]] == ["乡镇", "人数"]
    assert (sheet.freeze_panes, sheet.print_title_rows) == ("A3", "$1:$2")
    assert [c.value for c in sheet[5]] == ["合计", 5]
    assert sheet["A5"].font.bold
    assert sheet.auto_filter.ref == "A2:B4"  # sorting leaves the total row in place
    # The title is not counted in the first column's width: it spans the merged cells.
    assert sheet.column_dimensions["A"].width == 8


def test_partial_dates_are_written_at_their_precision():
    sheet = build([["王元", "1", PartialDate(dt.date(1972, 8, 1), MONTH)]])
    assert sheet["C2"].value == "1972.08"
    assert sheet.column_dimensions["C"].width == len("1972.08") + 2  # as shown, not as held
