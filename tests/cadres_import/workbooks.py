"""Test workbooks built with openpyxl, shaped like the files townships really send."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook

from cadres import spreadsheets

ROSTER_HEADERS = [
    "乡镇",
    "村",
    "村民小组",
    "姓名",
    "性别",
    "民族",
    "身份证号",
    "出生日期",
    "政治面貌",
    "入党时间",
    "文化程度",
    "职务",
    "任职时间",
    "任期届满",
    "联系电话",
]
FAMILY_HEADERS = ["干部身份证号", "姓名", "关系", "身份证号", "出生日期", "工作单位及职务"]


def workbook_bytes(
    sheets: dict[str, Sequence[Sequence[object]]],
    *,
    merges: dict[str, Iterable[str]] | None = None,
    text_columns: dict[str, Iterable[str]] | None = None,
) -> bytes:
    """An xlsx with the given sheets (name → rows), merged ranges and text-formatted columns."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
        for cell_range in (merges or {}).get(name, ()):
            sheet.merge_cells(cell_range)
        for letter in (text_columns or {}).get(name, ()):
            for cell in sheet[letter]:
                cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def roster_bytes(
    cadres: Sequence[dict[str, object]],
    relatives: Sequence[dict[str, object]] = (),
    *,
    headers: Sequence[str] = ROSTER_HEADERS,
    title_rows: Sequence[Sequence[object]] = (),
) -> bytes:
    """A roster workbook: rows given as dicts by header; missing cells stay empty."""
    sheets = {"干部花名册": [*title_rows, headers, *[[c.get(h) for h in headers] for c in cadres]]}
    if relatives:
        sheets["家庭成员"] = [
            FAMILY_HEADERS,
            *[[r.get(h) for h in FAMILY_HEADERS] for r in relatives],
        ]
    return workbook_bytes(sheets)


def zip_bytes(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb_bytes() -> bytes:
    """Looks like an xlsx, but one member unpacks to 20 MB of zeros."""
    minimal = workbook_bytes({"Sheet1": [["姓名"], ["张三"]]})
    out = io.BytesIO(minimal)
    with zipfile.ZipFile(out, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    return out.getvalue()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


def shared_strings_bytes(shared: Sequence[str], rows_xml: str) -> bytes:
    """An xlsx as Excel writes it, texts in a shared string table: openpyxl writes its
    texts into the cells instead. ``shared`` are the <si> elements' XML, ``rows_xml`` the
    sheet's <row> elements."""
    table = "".join(f"<si>{item}</si>" if item else "<si/>" for item in shared)
    return zip_bytes(
        {
            "[Content_Types].xml": (
                b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                b'<Default Extension="xml" ContentType="application/xml"/></Types>'
            ),
            "_rels/.rels": (
                f'<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" '
                f'Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
            ).encode(),
            "xl/workbook.xml": (
                f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELS}"><sheets>'
                '<sheet name="名单" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ).encode(),
            "xl/_rels/workbook.xml.rels": (
                f'<Relationships xmlns="{_PACKAGE}">'
                f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/s1.xml"/>'
                f'<Relationship Id="rId2" Type="{_RELS}/sharedStrings" '
                'Target="sharedStrings.xml"/></Relationships>'
            ).encode(),
            "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}">{table}</sst>'.encode(),
            "xl/worksheets/s1.xml": (
                f'<worksheet xmlns="{_MAIN}"><sheetData>{rows_xml}</sheetData></worksheet>'
            ).encode(),
        }
    )


def read_cells(data: bytes, sheet: int = 0) -> dict:
    """The non-empty cells of a sheet as the reader gives them, by (row number, column)."""
    book = spreadsheets._open(io.BytesIO(data))
    try:
        _name, rows = book.rows(sheet)
        return {
            (number, position): value
            for number, row in rows
            for position, value in enumerate(row)
            if not spreadsheets._is_empty(value)
        }
    finally:
        book.close()


# Rows a real file carries besides its data, as townships send them.
FOOTER_ROWS = (
    ["合计：{count}人"],
    ["小计", None, "{count}"],
    ["总 计", "{count}"],
    ["填表人：李四", None, "审核人：王五"],
    ["审核人：王五"],
    ["制表：金厂镇组织办"],
    ["负责人：赵六", None, "联系电话：0435-1234567"],
    ["说明：本表由乡镇填报"],
    ["共计", "{count}"],
)


def messy_sheet(
    headers: Sequence[str], data: Sequence[Sequence[object]], *, title: str = "东昌区名册"
) -> tuple[list[list[object]], list[str], dict[str, list[int]]]:
    """A sheet as printed and filled in by hand: a title row merged over the columns and a
    filled-in unit line above the header, a blank row and the header again between two
    halves of the data, then every kind of footer row and a blank tail. Returns the rows,
    the merged ranges and the row numbers that the reader must skip, by reason."""
    width = len(headers)
    last = chr(ord("A") + width - 1)
    half = len(data) // 2
    rows: list[list[object]] = [[title], ["填报单位：金厂镇", *[None] * (width - 2), "2026年1月"]]
    rows += [list(headers), *map(list, data[:half]), [None] * width, list(headers)]
    skipped = {"blank": [len(rows) - 1], "header": [len(rows)]}
    rows += map(list, data[half:])
    footer_start = len(rows) + 1
    count = str(len(data))
    for footer in FOOTER_ROWS:
        rows.append([cell.format(count=count) if cell else cell for cell in footer])
    skipped["footer"] = list(range(footer_start, footer_start + len(FOOTER_ROWS) - 1))
    skipped["count"] = [footer_start + len(FOOTER_ROWS) - 1]
    rows += [[None] * width, [None] * width]
    return rows, [f"A1:{last}1"], skipped


def workbook_rows(data: bytes) -> dict[str, list[list[object]]]:
    """Every sheet of an xlsx as its rows of values, trailing empty cells dropped."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheets = {}
    for sheet in book.worksheets:
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = list(row)
            while values and values[-1] is None:
                values.pop()
            rows.append(values)
        sheets[sheet.title] = rows
    return sheets


def workbook_edit(data: bytes, sheet: str, cell: str, value: object) -> bytes:
    """The workbook with one cell changed, as a user corrects an error workbook in Excel."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    book[sheet][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
