"""Nomination workbooks for tests and the benchmark: candidates, then family members."""

import io

from openpyxl import Workbook

HEADER = [
    "乡镇",
    "村",
    "姓名",
    "性别",
    "身份证号",
    "政治面貌",
    "文化程度",
    "拟任职务",
    "任职时间",
    "推荐理由",
]
FAMILY_HEADER = ["人选身份证号", "姓名", "关系", "身份证号", "出生日期", "工作单位及职务"]


def nomination_workbook(candidates: list[list], family: list[list], header=HEADER) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("推荐人选")
    sheet.append(["东昌区2026年村“两委”换届推荐人选名册"])
    sheet.append(header)
    for row in candidates:
        sheet.append(row)
    relatives = book.create_sheet("家庭成员")
    relatives.append(FAMILY_HEADER)
    for row in family:
        relatives.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
