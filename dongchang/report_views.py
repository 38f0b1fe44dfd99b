from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadres.documents import document_response
from dongchang.models import MonthlyReport
from dongchang.reports import Month
from dongchang.tasks import build_monthly_report


@login_required
@permission_required("dongchang.view_monthlyreport", raise_exception=True)
def report_list(request):
    reports = MonthlyReport.objects.select_related("built_by").order_by("-month")
    default_month = Month.previous(timezone.localdate())
    return render(
        request,
        "dongchang/reports.html",
        {"reports": reports, "default_month": default_month},
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
    transaction.on_commit(
        lambda: build_monthly_report.delay(month=str(month), user_id=request.user.pk)
    )
    messages.success(
        request,
        _("The workbook for %(month)s is being built; refresh this page in a minute.")
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
        request, report, file=report.file, filename=f"东昌区村干部队伍月报-{month}.xlsx"
    )
