"""Batch nomination for the change of office (issue 6): 2,000 candidates from one workbook.

Runs on whatever DATABASE_URL is set, in a fresh test database that it creates and
drops. Makes a watchlist (10 entries per candidate, 1 in 20 candidates on it), then
a workbook of candidates for the villages of one township with two family members
each, and times the preview (``batch_plan``) and the confirmed nomination
(``batch_nominate``: plans again, creates the cases submitted and screens all of them
set-wise in one run). The budget is total_seconds ≤ 10 at scale 1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/batch_nomination.py [--scale 1.0]

Prints `name value` lines.
"""

import argparse
import datetime as dt
import io
import time

from scratch import scratch_database

CANDIDATES = 2_000
ENTRIES_PER_CANDIDATE = 10


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with scratch_database():
        run(max(1, int(CANDIDATES * args.scale)))


def _id_number(birth: dt.date, sequence: int, male: bool) -> str:
    from cadres.identity import check_character

    first17 = f"220502{birth:%Y%m%d}{sequence % 500 * 2 + (1 if male else 0):03d}"
    return first17 + check_character(first17)


def run(count: int) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from cadres.models import ImportFile, Township, Village
    from cadres.scoping import township_access_set
    from cadres.services import import_file_store
    from vetting.models import Hit, WatchlistSource
    from vetting.services.batch import batch_nominate, batch_plan
    from vetting.services.watchlists import watchlist_import_upload

    township = Township.objects.get(code="220502100")
    villages = Village.objects.bulk_create(
        Village(township=township, code=f"220502100{200 + i:03d}", name=f"第{i + 1}村")
        for i in range(max(1, count // 20))
    )
    users = get_user_model()
    staff = users.objects.create_user(username="bench-staff", name="乡镇干事")
    staff.groups.add(Group.objects.get(name="乡镇工作人员"))
    township_access_set(user=staff, townships=[township])
    district = users.objects.create_user(username="bench-district", name="组织部")
    district.groups.add(Group.objects.get(name="区级审核人"))

    def book_bytes(sheets: dict[str, list[list]]) -> bytes:
        book = Workbook(write_only=True)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()

    surnames, given = (
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗",
        "伟芳敏静丽强磊军洋勇艳杰涛明超霞平刚华",
    )
    candidates, family, entries = [], [], []
    for i in range(count):
        birth = dt.date(1970 + i % 25, 1 + i % 12, 1 + i % 28)
        number = _id_number(birth, i, True)
        name = surnames[i % 20] + given[i * 7 % 19] + given[i * 3 % 19]
        village = villages[i % len(villages)]
        post = ("村委会委员", "村党组织委员", "村务监督委员会委员")[i % 3]
        candidates.append(
            [
                township.name,
                village.name,
                name,
                "男",
                number,
                "中共党员",
                "高中",
                post,
                "2026-12-01",
                "群众基础好，带富能力强",
            ]
        )
        for k in range(2):
            family.append(
                [
                    number,
                    surnames[(i + k + 3) % 20] + given[(i + k) % 19],
                    ("妻子", "父亲")[k],
                    _id_number(dt.date(1950 + i % 30, 1 + k, 1 + i % 28), i + k, k == 1),
                    "",
                    "务农",
                ]
            )
        if i % 20 == 0:
            entries.append(
                [name, number, "男", birth, "开除党籍", "区纪委监委", dt.date(2020, 1, 1)]
            )
    for j in range(count * ENTRIES_PER_CANDIDATE - len(entries)):
        birth = dt.date(1950 + j % 50, 1 + j % 12, 1 + j % 28)
        entries.append(
            [
                surnames[j % 20] + given[j % 19] + given[j * 11 % 19],
                _id_number(birth, j + 7, False),
                "女",
                birth,
                "警告",
                "区纪委监委",
                dt.date(2021, 1, 1),
            ]
        )
    header = ["姓名", "身份证号", "性别", "出生日期", "处分种类", "决定机关", "决定日期"]
    watchlist_import_upload(
        actor=district,
        upload=SimpleUploadedFile("名单.xlsx", book_bytes({"名单": [header, *entries]})),
        source_name="区纪委监委处分名单",
        kind=WatchlistSource.Kind.PARTY_DISCIPLINE,
    )

    content = book_bytes(
        {
            "推荐人选": [
                [
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
                ],
                *candidates,
            ],
            "家庭成员": [
                ["人选身份证号", "姓名", "关系", "身份证号", "出生日期", "工作单位及职务"],
                *family,
            ],
        }
    )
    start = time.perf_counter()
    record, _earlier = import_file_store(
        actor=staff,
        upload=SimpleUploadedFile("换届推荐.xlsx", content),
        kind=ImportFile.Kind.CANDIDATES,
    )
    with record.file.open("rb") as handle:
        plan = batch_plan(actor=staff, source=handle)
    preview = time.perf_counter() - start
    assert plan.ok, plan.errors[:5]
    start = time.perf_counter()
    ids = batch_nominate(actor=staff, import_file=record)
    nominate = time.perf_counter() - start
    print(f"candidates {len(ids)}")
    print(f"relatives {len(family)}")
    print(f"watchlist_entries {len(entries)}")
    print(f"hits {Hit.objects.filter(candidate__isnull=False).count()}")
    print(f"preview_seconds {preview:.2f}")
    print(f"nominate_and_screen_seconds {nominate:.2f}")
    print(f"total_seconds {preview + nominate:.2f}")


if __name__ == "__main__":
    main()
