from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadres.documents import document_response
from cadres.jobs import jobs_visible
from dongchang.models import MonthlyReport
from dongchang.reports import Month
from dongchang.services import REPORT_JOB, monthly_report_filename, monthly_report_start

# The latest builds shown above the reports, each polling while it runs.
RECENT_JOBS = 5


@login_required
@permission_required("dongchang.view_monthlyreport", raise_exception=True)
def report_list(request):
    reports = MonthlyReport.objects.select_related("built_by").order_by("-month")
    default_month = Month.previous(timezone.localdate())
    recent = jobs_visible(request.user).filter(kind=REPORT_JOB)[:RECENT_JOBS]
    return render(
        request,
        "dongchang/reports.html",
        {"reports": reports, "default_month": default_month, "jobs": recent},
    )


@login_required
@permission_required("dongchang.build_monthlyreport", raise_exception=True)
@require_POST
def report_build(request):
    try:
        month = Month.parse(request.POST.get("month", ""))
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("reports:list")
    if month.first > timezone.localdate():
        messages.error(request, _("A month that has not begun cannot be reported."))
        return redirect("reports:list")
    monthly_report_start(month=month, actor=request.user)
    messages.success(
        request,
        _("The workbook for %(month)s is being built by a background worker: follow it below.")
        % {"month": month},
    )
    return redirect("reports:list")


@login_required
@permission_required("dongchang.view_monthlyreport", raise_exception=True)
def report_download(request, month: str):
    try:
        first = Month.parse(month).first
    except ValueError as error:
        raise Http404 from error
    # A workbook built by the system, not an upload: one file per month, replaced when the
    # month is built again, so it is no StoredDocument; it is served like one.
    report = get_object_or_404(MonthlyReport, month=first)
    return document_response(
        request, report, file=report.file, filename=monthly_report_filename(Month(first))
    )
