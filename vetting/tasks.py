"""Celery tasks: thin, they take ids and call one service."""

from celery import shared_task

from vetting.models import ScreeningRun
from vetting.services import screening


@shared_task
def screening_full_run() -> None:
    """Nightly (beat): screen every serving cadre and relative against every entry."""
    screening.screening_run_start(trigger=ScreeningRun.Trigger.SCHEDULE)


@shared_task(name=screening.CHUNK_TASK)
def screening_chunk_execute(chunk_id: int) -> None:
    screening.screening_chunk_execute(chunk_id=chunk_id)


@shared_task
def screening_runs_resume_stalled() -> None:
    """Watchdog (beat): re-enqueue the chunks of runs whose worker died."""
    screening.screening_runs_resume_stalled()
