"""Screening benchmark (DESIGN.md §5): full re-screen against the bare join, delta screen
after an import, watchlist import against the bare parse, one-person screen, peak memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/screening_bench \
        python benchmarks/screening.py [--scale S]

S=1.0 is the budget's size: 100,000 cadres + 300,000 relatives against 1,000,000 entries,
and a 1,000,000-row workbook. The database must be empty (it is migrated here). Prints
``name value`` lines, ``ratio <full re-screen / bare join>`` last.

The full re-screen is timed twice: the first finds every hit and writes it, the second
finds the same hits on unchanged data, as the nightly run does, and writes nothing. The
budget's ratio is the second's (the first happens once, when a list is first screened).
A run's chunks are executed as the workers do it: by as many processes as the machine has
cores (Celery's default concurrency), each chunk in its own transaction; the floor, a
single statement, gets PostgreSQL's parallel workers. The unchanged run is also timed
with its chunks one after the other, in this process. The delta screen imports 10,000
new entries and times the run that import starts. The data are generated in a child
process and the workbook is parsed after the import, so the peak memory is that of the
screening and the imports.
"""

import argparse
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dongchang.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")


def _setup_django() -> None:
    import django

    django.setup()


def _execute_chunk(chunk_id: int) -> None:
    from vetting.services import screening

    screening.screening_chunk_execute(chunk_id=chunk_id)


def watchlist_workbook(path: Path, rows: int, seed: int) -> None:
    """A workbook of ``rows`` list entries as the district receives them, without ID numbers."""
    from openpyxl import Workbook

    from vetting.management.commands.make_benchmark_data import random_name

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    sheet.append(
        ["姓名", "身份证号", "性别", "出生日期", "处分种类", "决定机关", "决定日期", "简要情况"]
    )
    for n in range(rows):
        sheet.append(
            [
                random_name(rng),
                None,
                "男" if n % 2 else "女",
                f"19{rng.randrange(40, 99)}-0{rng.randrange(1, 10)}-1{rng.randrange(0, 9)}",
                "有期徒刑一年",
                "东昌区人民法院",
                "2024-05-01",
                f"案件{n}",
            ]
        )
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    scale = parser.parse_args().scale

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.files import File
    from django.core.management import call_command
    from django.db import connection
    from python_calamine import CalamineWorkbook

    from vetting.models import ScreeningRun, WatchlistSource
    from vetting.models.screening import SubjectKind
    from vetting.services import screening
    from vetting.services.watchlists import watchlist_import_upload

    call_command("migrate", verbosity=0)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "make_benchmark_data", f"--scale={scale}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    # What autovacuum does within a minute of a bulk load: statistics, and the visibility
    # map that the index-only scans of the join on ID number need.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    # Figures are printed as they are measured: a long run still shows its first ones.
    print(f"cadres {int(100_000 * scale)}", flush=True)
    print(f"entries {int(1_000_000 * scale)}", flush=True)
    print(f"load_average_start {os.getloadavg()[0]:.1f}", flush=True)

    workers = os.cpu_count() or 1
    print(f"workers {workers}", flush=True)
    # Spawned, not forked: each worker opens its own database connection.
    pool = multiprocessing.get_context("spawn").Pool(workers, initializer=_setup_django)

    def execute(run: ScreeningRun, *, parallel: bool = True) -> None:
        chunk_ids = list(run.chunks.values_list("pk", flat=True))
        if parallel:
            pool.map(_execute_chunk, chunk_ids, chunksize=1)
        else:
            for chunk_id in chunk_ids:
                _execute_chunk(chunk_id)
        run.refresh_from_db()
        assert run.status == ScreeningRun.Status.DONE, run.status

    def rescreen(*, parallel: bool = True) -> tuple[ScreeningRun, float]:
        """A full re-screen, planned and executed to the end."""
        start = time.perf_counter()
        run = screening.screening_run_start(trigger=ScreeningRun.Trigger.MANUAL)
        execute(run, parallel=parallel)
        return run, time.perf_counter() - start

    run, first = rescreen()
    print(f"first_rescreen_seconds {first:.3f}", flush=True)
    run, full = rescreen()
    _run, serial = rescreen(parallel=False)

    # The floor is one statement of a fraction of a second: the median of three runs.
    bare_runs = []
    with connection.cursor() as cursor:
        for _attempt in range(3):
            start = time.perf_counter()
            cursor.execute(
                "SELECT COUNT(*) FROM ("
                " SELECT p.id, e.id FROM cadres_person p"
                " JOIN vetting_watchlistentry e ON e.id_number = p.id_number"
                " UNION ALL SELECT r.id, e.id FROM cadres_relative r"
                " JOIN vetting_watchlistentry e ON e.id_number = r.id_number) t"
            )
            cursor.fetchone()
            bare_runs.append(time.perf_counter() - start)
    bare = sorted(bare_runs)[1]

    # One person against every entry (a new cadre, a candidate at submission).
    person_id = run.chunks.filter(subject_kind=SubjectKind.CADRE).values_list("pk_from", flat=True)[
        0
    ]
    start = time.perf_counter()
    screening.screening_subject_screen(subject_kind=SubjectKind.CADRE, subject_id=person_id)
    one = time.perf_counter() - start
    print(f"hits {run.matches}")
    print(f"chunks {run.chunks_total}")
    print(f"full_rescreen_seconds {full:.3f}")
    print(f"full_rescreen_serial_seconds {serial:.3f}")
    print(f"bare_join_seconds {bare:.3f}")
    print(f"person_screen_ms {one * 1000:.1f}", flush=True)

    user = get_user_model().objects.get(username="benchmark")
    user.is_superuser = True
    user.save()

    def import_list(path: Path, name: str):
        with path.open("rb") as handle:
            imp, _earlier = watchlist_import_upload(
                actor=user,
                upload=File(handle, name=path.name),
                source_name=name,
                kind=WatchlistSource.Kind.CRIMINAL,
            )
        return imp

    with tempfile.TemporaryDirectory() as folder:
        # The delta screen: 10,000 new entries (at every scale, as the budget says) against
        # everyone, the run the import starts.
        path = Path(folder) / "new_entries.xlsx"
        watchlist_workbook(path, 10_000, seed=11)
        imp = import_list(path, "基准新增名单")
        start = time.perf_counter()
        delta = ScreeningRun.objects.get(watchlist_import=imp)
        execute(delta)
        print(f"delta_screen_seconds {time.perf_counter() - start:.3f}")
        print(f"delta_hits {delta.matches}", flush=True)
        pool.close()
        pool.join()

        # Import of a workbook of the same scale, against the bare parse of the same file.
        path = Path(folder) / "watchlist.xlsx"
        watchlist_workbook(path, max(1, int(1_000_000 * scale)), seed=7)
        start = time.perf_counter()
        import_list(path, "基准导入名单")
        imported = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        start = time.perf_counter()
        workbook = CalamineWorkbook.from_path(str(path))
        for _row in workbook.get_sheet_by_index(0).iter_rows():
            pass
        parse = time.perf_counter() - start

    print(f"import_seconds {imported:.3f}")
    print(f"parse_seconds {parse:.3f}")
    print(f"import_ratio {imported / parse:.2f}")
    print(f"peak_memory_mb {peak:.0f}")
    print(f"load_average_end {os.getloadavg()[0]:.1f}")
    print(f"first_ratio {first / bare:.2f}")
    print(f"serial_ratio {serial / bare:.2f}")
    print(f"ratio {full / bare:.2f}")


if __name__ == "__main__":
    main()
