"""A task for tests only, imported by the test worker (``celery_worker_include``)."""

import time
from pathlib import Path

from celery import shared_task


@shared_task
def busy(path: str, seconds: float) -> None:
    """Keeps a worker busy; notes in ``path`` when it starts and when it ends."""
    note = Path(path)
    with note.open("a") as out:
        out.write("started\n")
    time.sleep(seconds)
    with note.open("a") as out:
        out.write("ended\n")
