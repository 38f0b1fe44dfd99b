"""Monthly workbook at scale (issue 9): 100,000 serving cadres, against bare openpyxl.

Runs on whatever DATABASE_URL is set, in a fresh test database that it creates
and drops. The floor is openpyxl's write-only mode writing the very same cells
(read back from the built workbook), measured in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/monthly_export.py [--scale 1.0]

Prints `name value` lines, the ratio last.
"""

import argparse
import datetime as dt
import resource
import time
from pathlib import Path

from scratch import scratch_database

CADRES = 100_000
VILLAGES_PER_TOWNSHIP = 120
BATCH = 5_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with scratch_database() as tmp:
        run(tmp, int(CADRES * args.scale))


def populate(cadres: int) -> None:
    """Serving cadres with one post each, written in bulk (the shape, not the services)."""
    from cadres.identity import check_character, name_initials, name_key, name_pinyin
    from cadres.models import Person, Post, Township, Village

    villages = Village.objects.bulk_create(
        Village(township=t, code=f"{t.code}{n:03d}", name=f"基准{n}村")
        for t in Township.objects.order_by("code")
        for n in range(200, 200 + VILLAGES_PER_TOWNSHIP)
    )
    for start in range(0, cadres, BATCH):
        people = []
        for n in range(start, min(start + BATCH, cadres)):
            birth = dt.date(1961, 1, 1) + dt.timedelta(days=n % 14_600)
            first17 = f"220502{birth:%Y%m%d}{n // 14_600 % 1000:03d}"
            key = name_key(f"张{n % 977}")
            people.append(
                Person(
                    name=key, name_key=key, name_pinyin=name_pinyin(key),
                    name_initials=name_initials(key), id_number=first17 + check_character(first17),
                    birth_date=birth, sex="male", political_status="cpc_member",
                    education="high_school", phone=f"138{n:08d}",
                )
            )  # fmt: skip
        Person.objects.bulk_create(people)
        Post.objects.bulk_create(
            Post(
                person=person, village=villages[person.pk % len(villages)],
                body="villagers_committee", title="member",
                term_start=dt.date(2021, 12, 1), term_end=dt.date(2026, 12, 1),
                origin="roster",
            )
            for person in people
        )  # fmt: skip


def run(tmp: Path, cadres: int) -> None:
    from openpyxl import Workbook
    from python_calamine import CalamineWorkbook

    from dongchang.reports import Month, build_workbook

    populate(cadres)
    target = tmp / "report.xlsx"
    start = time.perf_counter()
    counts = build_workbook(Month(dt.date(2026, 10, 1)), str(target))
    export = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The floor: the same cells, sheet by sheet, through bare write-only openpyxl.
    source = CalamineWorkbook.from_path(str(target))
    sheets = {name: source.get_sheet_by_name(name).to_python() for name in source.sheet_names}
    start = time.perf_counter()
    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(str(tmp / "floor.xlsx"))
    floor = time.perf_counter() - start

    print(f"roster_rows {counts.get('干部花名册', 0)}")
    print(f"floor_seconds {floor:.2f}")
    print(f"peak_memory_mb {peak_mb:.0f}")
    print(f"export_seconds {export:.2f}")
    print(f"ratio {export / floor:.2f}")


if __name__ == "__main__":
    main()
