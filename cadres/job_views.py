"""The jobs page: the user's background jobs, each one's state (polled while it runs), its
retry when it failed and its result file when it is done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cadres import jobs
from cadres.documents import document_response
from cadres.filters import JobFilter
from cadres.listing import Col, ListSpec, field_column, list_response
from cadres.models import Job
from cadres.scoping import object_or_404


def _job(user, pk) -> Job:
    return object_or_404(jobs.jobs_visible(user).select_related("requested_by"), pk)


def _job_label(job: Job) -> str:
    township = f" · {job.township}" if job.township else ""
    return f"{jobs.job_kind_label(job.kind)}{township}"


JOB_SPEC = ListSpec(
    title=gettext_lazy("Background jobs"),
    columns=[
        Col(gettext_lazy("Job"), _job_label, width=30),
        field_column(gettext_lazy("State"), "state", display=True, width=10),
        Col(
            gettext_lazy("Requested by"),
            lambda job: str(job.requested_by or _("Started by the schedule")),
        ),
        field_column(gettext_lazy("Queued at"), "created_at", key="queued", width=17),
        field_column(gettext_lazy("Finished at"), "finished_at", key="finished", width=17),
        Col(""),  # the result's download, the page's only
    ],
    filename="jobs-{date}.xlsx",
    template="cadres/job_list.html",
    default_sort="-queued",
    context_name="jobs",
)


@login_required
def job_list(request):
    visible = jobs.jobs_visible(request.user).select_related("requested_by", "township")
    filterset = JobFilter(request.GET, queryset=visible)
    return list_response(request, spec=JOB_SPEC, filterset=filterset)


@login_required
def job_detail(request, pk: int):
    """The job's page; its status part polls itself (htmx) while the job is queued or running."""
    job = _job(request.user, pk)
    template = "cadres/_job_status.html" if request.htmx else "cadres/job_detail.html"
    return render(request, template, {"job": job})


@login_required
@require_POST
def job_retry(request, pk: int):
    job = _job(request.user, pk)
    try:
        jobs.job_retry(job=job, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        return redirect(back)
    return redirect("cadres:job_detail", job.pk)


@login_required
def job_download(request, pk: int):
    job = _job(request.user, pk)
    if job.state != Job.State.DONE:
        return redirect("cadres:job_detail", job.pk)
    return document_response(request, job, file=job.result_file, filename=job.result_name)
