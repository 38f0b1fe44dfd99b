"""Writes of the district-wide layer: the monthly workbook, built by a background job."""

import os
import tempfile
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from cadres.hashing import content_sha256
from cadres.jobs import job_result_set, job_start, job_ticker
from cadres.models import Job
from dongchang.models import MonthlyReport
from dongchang.reports import Month, build_workbook

BUILD_PERM = "dongchang.build_monthlyreport"
REPORT_JOB = "monthly_report"


def monthly_report_filename(month: Month) -> str:
    return f"东昌区村干部队伍月报-{month}.xlsx"


def monthly_report_start(*, month: Month, actor=None) -> Job:
    """Have a worker build the month's workbook (a job; ``actor`` None for the schedule)."""
    return job_start(kind=REPORT_JOB, actor=actor, params={"month": str(month)})


def monthly_report_job(job: Job) -> None:
    """The job's handler: build the workbook; the job's result is the month's stored file
    (a later build of the month replaces it, and the job then serves the newer one)."""
    month = Month.parse(job.params["month"])
    report = monthly_report_build(month=month, actor=job.requested_by, tick=job_ticker(job))
    job_result_set(job=job, name=report.file.name, filename=monthly_report_filename(month))


def monthly_report_build(
    *, month: Month, actor=None, tick: Callable[[int, int], None] | None = None
) -> MonthlyReport:
    """Build the month's workbook and store it, replacing an earlier build atomically.

    ``actor`` is None for the monthly schedule and the command line. The file is
    written beside its final place and renamed over it under the row's lock, so a
    reader never sees half a file and two builds at once still leave one report
    whose file matches its hash. ``tick`` is told each sheet written (the job's heartbeat).
    """
    if actor is not None and not actor.has_perm(BUILD_PERM):
        raise PermissionDenied
    name = f"reports/monthly/{month.first:%Y-%m}.xlsx"
    final_path = default_storage.path(name)
    os.makedirs(os.path.dirname(final_path), exist_ok=True)
    handle, temp_path = tempfile.mkstemp(dir=os.path.dirname(final_path), suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            counts = build_workbook(month, stream, tick)
        with open(temp_path, "rb") as stream:
            sha256, size = content_sha256(stream)
        with transaction.atomic():
            report, _created = MonthlyReport.objects.get_or_create(month=month.first)
            report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
            os.replace(temp_path, final_path)
            report.file.name = name
            report.sha256 = sha256
            report.size = size
            report.built_at = timezone.now()
            report.built_by = actor
            report.row_counts = counts
            report.save()
    finally:
        if os.path.exists(temp_path):
            os.unlink(temp_path)
    return report
