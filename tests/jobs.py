"""What a worker does with the jobs handed to it, for tests that follow a page through a job."""

from cadres import jobs
from cadres.models import Job


def run_queued_jobs() -> int:
    """Run every queued job as ``cadres.tasks.job_run`` would; returns how many ran."""
    queued = list(Job.objects.filter(state=Job.State.QUEUED).order_by("pk"))
    for job in queued:
        jobs.job_execute(job_id=job.pk, attempt=job.attempt)
    return len(queued)
