"""The jobs page: the user's background jobs, each one's state (polled while it runs), its
retry when it failed and its result file when it is done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cadres import jobs
from cadres.documents import document_response
from cadres.models import Job
from cadres.scoping import object_or_404

PAGE_SIZE = 25


def _job(user, pk) -> Job:
    return object_or_404(jobs.jobs_visible(user).select_related("requested_by"), pk)


@login_required
def job_list(request):
    visible = jobs.jobs_visible(request.user).select_related("requested_by", "township")
    page = Paginator(visible, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cadres/job_list.html", {"page_obj": page, "jobs": page.object_list})


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
