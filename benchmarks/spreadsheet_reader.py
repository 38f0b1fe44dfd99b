"""The shared spreadsheet reader against its floor (DESIGN.md §5, watchlist import row).

Generates a ROWS x 9-column xlsx (openpyxl write-only) into a temp dir, then in
separate processes (so that each peak is its own): python-calamine reading every
cell (the floor), and cadres.spreadsheets.read_sheet on the same file.

    .venv/bin/python benchmarks/spreadsheet_reader.py [--rows 1000000] [--file existing.xlsx]

Prints `name value` lines, ratios last.
"""

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADERS = ["序号", "姓名", "性别", "身份证号", "出生日期", "户籍地", "类别", "来源", "备注"]


def generate(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(HEADERS)
    for i in range(rows):
        birth = dt.date(1960 + i % 40, i % 12 + 1, i % 28 + 1)
        sheet.append(
            [
                i + 1,
                f"张{i % 977}华",
                "男" if i % 2 else "女",
                f"220502{birth:%Y%m%d}{i % 1000:03d}X",
                birth,
                "吉林省通化市东昌区",
                "刑满释放",
                "公安",
                "",
            ]
        )
    book.save(path)


def measure(mode: str, path: str) -> None:
    """Runs in a child process: read every row, print seconds and peak memory as JSON."""
    start = time.perf_counter()
    rows = 0
    if mode == "calamine":
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(path)
        for _row in book.get_sheet_by_index(0).iter_rows():
            rows += 1
    else:
        sys.path.insert(0, str(ROOT))
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dongchang.settings")
        import django

        django.setup()
        from cadres.spreadsheets import Column, read_sheet

        columns = [
            Column(f"c{i}", h, required=h in ("姓名", "身份证号")) for i, h in enumerate(HEADERS)
        ]
        for _row in read_sheet(path, columns):
            rows += 1
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": peak}))


def run(mode: str, path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--measure", mode, "--file", str(path)],
        cwd=ROOT,
        env={**os.environ, "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "true")},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--measure", choices=["calamine", "reader"])
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, str(args.file))
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = args.file
        if path is None:
            path = Path(tmp) / "rows.xlsx"
            generate(path, args.rows)
        floor = run("calamine", path)
        reader = run("reader", path)
    print(f"rows {reader['rows']}")
    print(f"floor_rows_per_second {floor['rows'] / floor['seconds']:.0f}")
    print(f"floor_peak_memory_mb {floor['peak_mb']:.0f}")
    print(f"rows_per_second {reader['rows'] / reader['seconds']:.0f}")
    print(f"peak_memory_mb {reader['peak_mb']:.0f}")
    print(f"time_ratio {reader['seconds'] / floor['seconds']:.2f}")


if __name__ == "__main__":
    main()
