"""The access log page (访问日志), for the district's administering roles: who read what, about
whom, newest first, filtered and exported as every list; and the last verification of its
hash chain, with a button to verify it now (a background job: it reads every entry)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from cadres import access_log, access_log_page
from cadres.access_log_page import entries_describe
from cadres.filters import AccessLogFilter
from cadres.listing import Col, ListSpec, field_column, list_response
from cadres.models import AccessLogEntry, Job


def _require(user) -> None:
    if not user.has_perm(access_log_page.VERIFY_PERM):
        raise PermissionDenied


def _parameters(entry) -> str:
    return "；".join(f"{label}：{value}" for label, value in entry.described.parameters or ())


ACCESS_LOG_SPEC = ListSpec(
    title=gettext_lazy("Access log"),
    columns=[
        Col(
            gettext_lazy("Time"),
            lambda e: f"{timezone.localtime(e.at):%Y-%m-%d %H:%M:%S}",
            key="at",
            sort=["at"],
            width=19,
        ),
        Col(gettext_lazy("User"), lambda e: str(e.user), width=16),
        field_column(pgettext_lazy("access log", "Action"), "action", display=True, width=14),
        Col(gettext_lazy("About whom"), lambda e: e.described.subject_name, width=12),
        Col(
            gettext_lazy("ID number (masked)"),
            lambda e: e.described.subject_id,
            width=22,
            text=True,
        ),
        Col(gettext_lazy("Kind of record"), lambda e: e.described.kind, width=14),
        Col(gettext_lazy("Record"), lambda e: e.described.text, width=30),
        Col(gettext_lazy("Detail"), lambda e: e.described.note, width=40),
        Col(gettext_lazy("Filter used"), _parameters, width=40),
    ],
    filename="access-log-{date}.xlsx",
    template="cadres/access_log.html",
    default_sort="-at",
    context_name="entries",
)


@login_required
def access_log_list(request):
    _require(request.user)
    filterset = AccessLogFilter(
        request.GET, queryset=AccessLogEntry.objects.select_related("user"), request=request
    )
    running = Job.objects.filter(
        kind=access_log_page.VERIFY_JOB, state__in=[Job.State.QUEUED, Job.State.RUNNING]
    ).first()
    return list_response(
        request,
        spec=ACCESS_LOG_SPEC,
        filterset=filterset,
        prepare=lambda entries: entries_describe(entries, user=request.user, request=request),
        prepare_export=lambda entries: entries_describe(entries, request=request),
        extra={
            "verification": access_log.access_log_last_verification(),
            "running": running,
        },
    )


@login_required
@require_POST
def access_log_verify(request):
    _require(request.user)
    job = access_log_page.access_log_verification_start(actor=request.user)
    messages.success(
        request,
        _(
            "The verification of the access log has started; its result shows here when it "
            "is done (job #%(pk)d)."
        )
        % {"pk": job.pk},
    )
    return redirect("cadres:access_log")
