"""Roster import at scale (issue 3): a 100,000-cadre workbook, previewed and imported.

Runs on whatever DATABASE_URL (and CELERY_BROKER_URL) is set, in a fresh test
database that it creates and drops. Generates the workbook into a temp dir:
villages spread over the district's townships, a secretary-director (一肩挑) in
each village, committee members for the rest, and one family member for every
fourth cadre.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/roster_import.py [--scale 1.0]

Prints `name value` lines. The budget (DESIGN.md §5): peak memory ≤ 512 MB, the whole
process; rows/s recorded.
"""

import argparse
import datetime as dt
import resource
import time
from pathlib import Path

from scratch import scratch_database

CADRES = 100_000
VILLAGES_PER_TOWNSHIP = 120


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    cadres = int(CADRES * args.scale)
    with scratch_database() as tmp:
        from django.db import connection

        run(tmp, cadres, connection.vendor)


def run(tmp: Path, cadres: int, database: str) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    from cadres.identity import check_character
    from cadres.models import Person, Post, Relative, Township, Village
    from cadres.roster import roster_import, roster_plan

    townships = list(Township.objects.order_by("code"))
    villages = Village.objects.bulk_create(
        Village(township=t, code=f"{t.code}{n:03d}", name=f"基准{n}村")
        for t in townships
        for n in range(200, 200 + VILLAGES_PER_TOWNSHIP)
    )
    actor = get_user_model().objects.create_superuser("bench", password=None)

    def id_number(n: int, birth: dt.date) -> str:
        first17 = f"220502{birth:%Y%m%d}{n % 1000:03d}"
        return first17 + check_character(first17)

    path = tmp / "roster.xlsx"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("干部花名册")
    family = book.create_sheet("家庭成员")
    sheet.append(
        [
            "乡镇",
            "村",
            "姓名",
            "民族",
            "身份证号",
            "政治面貌",
            "文化程度",
            "职务",
            "任职时间",
            "联系电话",
        ]
    )
    family.append(["干部身份证号", "姓名", "关系", "身份证号", "出生日期", "工作单位及职务"])
    used: set[str] = set()
    for n in range(cadres):
        village = villages[n % len(villages)]
        birth = dt.date(1961 + n % 40, 1, 1) + dt.timedelta(days=n // 40 % 365)
        number = id_number(n // 14600, birth)
        while number in used:  # the day-and-sequence grid is not unique at every scale
            birth += dt.timedelta(days=1)
            number = id_number(n // 14600, birth)
        used.add(number)
        post = "村党组织书记、村委会主任" if n < len(villages) else "村委会委员"
        sheet.append(
            [
                village.township.name,
                village.name,
                f"张{n % 977}{'伟芳娜敏静'[n % 5]}",
                "汉族",
                number,
                "中共党员",
                "高中",
                post,
                "2021-12-01",
                f"138{n:08d}",
            ]
        )
        if n % 4 == 0:
            family.append([number, f"李{n % 613}兰", "配偶", None, "1970-01-01", "务农"])
    book.save(path)

    # As in production: with DEBUG on, Django keeps the text of every statement, and the
    # bulk INSERTs of 125,000 rows with their history are 150 MB of it.
    settings.DEBUG = False
    start = time.perf_counter()
    plan = roster_plan(actor=actor, source=path)
    preview = time.perf_counter() - start
    assert plan.ok, plan.errors[:5]
    rows = len(plan.rows)
    # The preview and the import are two requests: the preview's plan is gone by then.
    del plan
    start = time.perf_counter()
    roster_import(actor=actor, source=path)
    seconds = time.perf_counter() - start
    assert Person.objects.count() == cadres
    assert Post.objects.count() == cadres + min(cadres, len(villages))
    assert Relative.objects.count() == (cadres + 3) // 4
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The floor: python-calamine reading every cell of the same file, after the peak is taken.
    start = time.perf_counter()
    workbook = CalamineWorkbook.from_path(str(path))
    for name in workbook.sheet_names:
        for _row in workbook.get_sheet_by_name(name).iter_rows():
            pass
    parse = time.perf_counter() - start
    print(f"database {database}")
    print(f"cadre_rows {cadres}")
    print(f"family_rows {rows - cadres}")
    print(f"preview_seconds {preview:.1f}")
    print(f"preview_rows_per_second {rows / preview:.0f}")
    print(f"import_seconds {seconds:.1f}")
    print(f"rows_per_second {rows / seconds:.0f}")
    print(f"parse_seconds {parse:.2f}")
    print(f"import_parse_ratio {seconds / parse:.1f}")
    print(f"peak_memory_mb {peak:.0f}")


if __name__ == "__main__":
    main()
