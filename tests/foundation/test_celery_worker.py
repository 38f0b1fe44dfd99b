"""A real task on a real broker, run by a real worker process."""

import datetime as dt
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from cadres.models import Job
from dongchang.models import MonthlyReport
from dongchang.reports import Month
from dongchang.services import monthly_report_start
from dongchang.tasks import clear_expired_sessions
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_runs_an_enqueued_task(celery_worker_process):
    Session.objects.create(
        session_key="expired-session-key-0001",
        session_data="",
        expire_date=timezone.now() - timedelta(days=1),
    )
    clear_expired_sessions.delay()
    wait_for(lambda: not Session.objects.filter(session_key="expired-session-key-0001").exists())


def test_worker_runs_a_job_end_to_end(celery_worker_process, django_capture_on_commit_callbacks):
    """The monthly workbook as a job: sent after commit, run by the one task, result kept."""
    with django_capture_on_commit_callbacks(execute=True):
        job = monthly_report_start(month=Month.parse("2026-10"))
    wait_for(lambda: Job.objects.filter(pk=job.pk, state__in=["done", "failed"]).exists())
    job.refresh_from_db()
    assert (job.state, job.error) == (Job.State.DONE, "")
    report = MonthlyReport.objects.get(month=dt.date(2026, 10, 1))
    assert job.result_file.name == report.file.name
    assert job.started_at <= job.finished_at
