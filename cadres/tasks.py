"""Celery tasks: thin, they take ids and call one service."""

from celery import shared_task
from django.utils import translation

from cadres import access_log, jobs


@shared_task(name=jobs.JOB_RUN_TASK)
def job_run(job_id: int, attempt: int) -> None:
    """The one task of every background job: runs the handler its kind registered."""
    jobs.job_execute(job_id=job_id, attempt=attempt)


@shared_task
def jobs_fail_stalled() -> None:
    """Watchdog (beat): fail the jobs without a heartbeat, so that they can be retried."""
    jobs.jobs_fail_stalled()


@shared_task
def access_log_checkpoint() -> None:
    """Beat, hourly: verify the access log and write a signed checkpoint of it.

    A broken log raises, so the failure is in the worker's log with its reason, and no
    checkpoint vouches for it; the access log page shows it as the last verification.
    """
    try:
        access_log.access_log_check()
    except access_log.AccessLogBroken as broken:
        # The worker's log is read by operators, as the command's output: untranslated.
        with translation.override(None):
            reason = str(broken)
        raise access_log.AccessLogBroken("%(reason)s", reason=reason) from None
