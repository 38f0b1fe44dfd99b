"""Warning lights for the whole district (DESIGN.md §5: ≤ 3× a bare SQL read of the sources).

Runs on whatever DATABASE_URL is set, in a fresh test database that it creates and drops,
with the monthly benchmark's cadres (S × 100,000, one post each) and, for a share of them,
the records that the rules read: strict control, misconduct cases, overdue rectifications,
missed duties, evaluations of each grade, annual reports, daily study and terms ending.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_db \\
        .venv/bin/python benchmarks/warning_lights.py [--scale 1.0]

The floor reads, in bare SQL, the serving cadres' ids and, from each source table, the
person ids that the rules filter on (median of three). Timed: the first ``lights_refresh``
(every light written), then the nightly run on unchanged data (median of three: every rule
queried, nothing written). Prints ``ratio`` last: the nightly run against the floor.
"""

import argparse
import datetime as dt
import os
import statistics
import time
from decimal import Decimal

from monthly_export import CADRES, populate
from scratch import scratch_database

TODAY = dt.date(2026, 7, 20)

FLOOR_SQL = [
    """SELECT DISTINCT person_id FROM cadres_post
       WHERE term_start <= %(today)s AND (ended_on IS NULL OR ended_on > %(today)s)""",
    "SELECT id FROM cadres_person WHERE strict_control_since IS NOT NULL",
    "SELECT person_id FROM supervision_misconductcase WHERE status <> 'closed'",
    """SELECT c.person_id FROM supervision_supervisionrecord r
       JOIN supervision_supervisionrecord_cadres c ON c.supervisionrecord_id = r.id
       WHERE r.rectified_on IS NULL AND r.rectification_deadline < %(today)s""",
    """SELECT person_id, count(*) FROM cadres_dutyshift
       WHERE outcome = 'missed' AND date >= %(since)s AND date <= %(today)s
       GROUP BY person_id HAVING count(*) >= 2""",
    "SELECT person_id, year, grade FROM cadres_annualevaluation",
    "SELECT person_id FROM cadres_personalreport WHERE year = %(year)s AND kind = 'annual'",
    """SELECT person_id, sum(hours) FROM training_dailystudy
       WHERE studied_on >= %(jan1)s AND studied_on < %(next_jan1)s GROUP BY person_id""",
    "SELECT person_id FROM training_attendance WHERE status = 'present'",
    """SELECT person_id FROM cadres_post WHERE term_end >= %(today)s AND term_end <= %(soon)s""",
    "SELECT person_id FROM vetting_hit WHERE subject_kind = 'cadre'",
    "SELECT person_id FROM vetting_removalcase WHERE status = 'open'",
    "SELECT village_id, kind FROM supervision_disclosure WHERE period_start >= %(quarter)s",
    "SELECT post_id FROM supervision_audit WHERE kind = 'departure' AND status = 'planned'",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with scratch_database():
        run(int(CADRES * args.scale))


def sources(cadres: int) -> None:
    """Records for a share of the cadres, in bulk (the shape, not the services)."""
    from django.contrib.auth import get_user_model

    from cadres.models import Person, Post
    from cadres.records.models import (
        AnnualEvaluation,
        DutyRoster,
        DutyShift,
        GradingRule,
        PersonalReport,
    )
    from supervision.models import MisconductCase, SupervisionRecord
    from training.models import DailyStudy

    user = get_user_model().objects.create(username="bench", name="基准")
    rule = GradingRule.objects.get(active=True)
    posts = list(Post.objects.order_by("person_id").values_list("person_id", "village_id", "pk"))
    Person.objects.filter(pk__in=[p for p, _v, _pk in posts[::200]]).update(
        strict_control_since=TODAY - dt.timedelta(days=30),
        strict_control_review_on=TODAY + dt.timedelta(days=60),
        strict_control_source="manual",
    )
    MisconductCase.objects.bulk_create(
        MisconductCase(
            person_id=p, village_id=v, occurred_on=TODAY, facts="基准", category="finance",
            source="complaint", opened_by=user,
        )
        for p, v, _pk in posts[1::100]
    )  # fmt: skip
    records = SupervisionRecord.objects.bulk_create(
        SupervisionRecord(
            tier="township_committee", date=TODAY - dt.timedelta(10), village_id=v,
            kind="inspection",
            findings="基准", rectification="整改", rectification_deadline=TODAY - dt.timedelta(3),
            recorded_by=user,
        )
        for p, v, _pk in posts[2::100]
    )  # fmt: skip
    SupervisionRecord.cadres.through.objects.bulk_create(
        SupervisionRecord.cadres.through(supervisionrecord_id=r.pk, person_id=p)
        for r, (p, _v, _pk) in zip(records, posts[2::100], strict=True)
    )
    rosters = {}
    shifts = []
    for p, v, _pk in posts[3::50]:
        if v not in rosters:
            rosters[v] = DutyRoster.objects.create(
                village_id=v, period="month", starts_on=TODAY.replace(day=1),
                ends_on=TODAY.replace(day=28), created_by=user,
            )  # fmt: skip
        shifts += [
            DutyShift(
                roster=rosters[v], person_id=p, date=TODAY - dt.timedelta(days), outcome="missed",
                start_time=dt.time(8), end_time=dt.time(17),
            )
            for days in (2, 9)
        ]  # fmt: skip
    DutyShift.objects.bulk_create(shifts, batch_size=5000)
    grades = ["excellent", "competent", "basic", "incompetent"]
    AnnualEvaluation.objects.bulk_create(
        (
            AnnualEvaluation(
                person_id=p, village_id=v, year=TODAY.year - 1, performance=Decimal(70),
                discipline=Decimal(70), reputation=Decimal(70), total=Decimal(70),
                grade=grades[n % 4], rule=rule, evaluator="镇党委", evaluated_on=TODAY,
                recorded_by=user,
            )
            for n, (p, v, _pk) in enumerate(posts[::10])
        ),
        batch_size=5000,
    )  # fmt: skip
    PersonalReport.objects.bulk_create(
        (
            PersonalReport(
                person_id=p, village_id=v, year=TODAY.year, kind="annual", content="无",
                reported_on=TODAY.replace(month=1, day=10), submitted_by=user,
            )
            for n, (p, v, _pk) in enumerate(posts) if n % 10
        ),
        batch_size=5000,
    )  # fmt: skip
    DailyStudy.objects.bulk_create(
        (
            DailyStudy(
                person_id=p, topic="基准", studied_on=TODAY.replace(month=3),
                hours=Decimal(6 + n % 10), recorded_by=user,
            )
            for n, (p, _v, _pk) in enumerate(posts) if n % 5
        ),
        batch_size=5000,
    )  # fmt: skip
    Post.objects.filter(pk__in=[pk for _p, _v, pk in posts[4::40]]).update(
        term_end=TODAY + dt.timedelta(days=30)
    )


def run(cadres: int) -> None:
    from django.db import connection

    from dongchang import warnings
    from dongchang.models import WarningLight

    populate(cadres)
    sources(cadres)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
    print(f"cadres {cadres}", flush=True)
    if hasattr(os, "getloadavg"):
        print(f"load_average {os.getloadavg()[0]:.2f}", flush=True)

    params = {
        "today": TODAY,
        "since": TODAY - dt.timedelta(days=29),
        "year": TODAY.year,
        "jan1": TODAY.replace(month=1, day=1),
        "next_jan1": TODAY.replace(year=TODAY.year + 1, month=1, day=1),
        "soon": TODAY + dt.timedelta(days=90),
        "quarter": TODAY.replace(month=7, day=1),
    }

    def floor_once() -> float:
        start = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in FLOOR_SQL:
                cursor.execute(sql, params)
                cursor.fetchall()
        return time.perf_counter() - start

    floor = statistics.median(floor_once() for _ in range(3))
    print(f"floor_s {floor:.3f}", flush=True)

    start = time.perf_counter()
    changes = warnings.lights_refresh(today=TODAY)
    first = time.perf_counter() - start
    print(f"first_refresh_s {first:.3f}", flush=True)
    print(f"changes {changes}", flush=True)
    lit = WarningLight.objects.exclude(light=0).count()
    print(f"lit {lit}", flush=True)

    def nightly_once() -> float:
        start = time.perf_counter()
        assert warnings.lights_refresh(today=TODAY) == 0
        return time.perf_counter() - start

    nightly = statistics.median(nightly_once() for _ in range(3))
    print(f"nightly_refresh_s {nightly:.3f}", flush=True)
    print(f"first_ratio {first / floor:.2f}", flush=True)
    print(f"ratio {nightly / floor:.2f}", flush=True)


if __name__ == "__main__":
    main()
