import time

from django.core.management.base import BaseCommand

from vetting.models import ScreeningRun
from vetting.services import screening


class Command(BaseCommand):
    help = "Start a full screening run on the workers; with --wait, print progress until it ends."

    def add_arguments(self, parser):
        parser.add_argument("--wait", action="store_true", help="wait for the run to finish")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between reports")

    def handle(self, *args, wait=False, interval=2.0, **options):
        run = screening.screening_run_start(trigger=ScreeningRun.Trigger.MANUAL)
        self.stdout.write(f"run {run.pk}: {run.chunks_total} chunks")
        if not wait:
            return
        last_done, last_change = -1, time.monotonic()
        while True:
            run.refresh_from_db()
            if run.chunks_done != last_done:
                last_done, last_change = run.chunks_done, time.monotonic()
                self.stdout.write(f"{run.percent}% ({run.chunks_done}/{run.chunks_total})")
            if run.status == ScreeningRun.Status.DONE:
                break
            if time.monotonic() - last_change > screening.STALL.total_seconds():
                # A worker died with a chunk the broker will not hand out again.
                screening.screening_run_resume(run=run)
                last_change = time.monotonic()
            time.sleep(interval)
        self.stdout.write(
            f"done in {run.seconds:.1f} s: {run.subjects} subjects, {run.matches} matches, "
            f"{run.hits_new} new hits, {run.hits_reopened} reopened"
        )
