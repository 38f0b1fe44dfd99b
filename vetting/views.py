"""Screening pages: the hit queue and a hit's review, runs and their progress, watchlists
and their import, removal cases.

Who sees what: district reviewers see and decide everything; township staff and
township reviewers see the hits and removal cases of their townships, read-only;
joint-review departments see none (403). Viewing hits is written to the access log.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from cadres.error_workbook import error_workbook_response
from cadres.forms import add_service_errors
from cadres.import_templates import template_response
from cadres.listing import (
    Col,
    ListSpec,
    field_column,
    filter_detail,
    id_number_column,
    list_response,
    person_column,
)
from cadres.models import AccessLogEntry, ImportFile
from cadres.scoping import query_numbers, scope
from cadres.selectors import import_file_earlier
from cadres.services import access_log_append
from cadres.spreadsheets import sheet_report_display
from vetting.filters import HitFilter, RemovalFilter, RunFilter
from vetting.forms import DecisionForm, RemovalDecisionForm, WatchlistUploadForm
from vetting.models import Hit, RemovalCase, ScreeningRun, WatchlistSource
from vetting.selectors import hits_with_related, watchlist_sources
from vetting.services import removal, review, screening, watchlists


def _require(user, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


def _visible_hits(user):
    _require(user, "vetting.view_hit")
    return scope(hits_with_related(Hit.objects.current()), user)


def _hit_filter(request) -> HitFilter:
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = Hit.Status.PENDING
    return HitFilter(data, queryset=_visible_hits(request.user), request=request)


HIT_SPEC = ListSpec(
    title=gettext_lazy("Screening hits"),
    columns=[
        Col(
            gettext_lazy("Township or subdistrict"),
            lambda hit: hit.township.name if hit.township else "",
        ),
        Col(gettext_lazy("Village"), lambda hit: hit.village.name if hit.village else "", width=12),
        Col(gettext_lazy("Subject"), lambda hit: hit.subject.name, width=10),
        Col(
            gettext_lazy("Kind of subject"), lambda hit: hit.get_subject_kind_display(), page=False
        ),
        id_number_column(gettext_lazy("ID number"), "subject"),
        Col(gettext_lazy("Watchlist"), lambda hit: hit.entry.source.name, width=18, page=False),
        Col(gettext_lazy("List kind"), lambda hit: hit.entry.source.get_kind_display(), width=10),
        Col(gettext_lazy("On the list"), lambda hit: hit.entry.name, width=10),
        id_number_column(gettext_lazy("ID number on the list"), "entry", page=False),
        Col(gettext_lazy("Match"), lambda hit: hit.get_match_kind_display(), width=10),
        Col(gettext_lazy("Why"), lambda hit: hit.get_rule_display(), width=28),
        Col(pgettext_lazy("hit", "Score"), lambda hit: hit.score, width=6),
        Col(gettext_lazy("Status"), lambda hit: hit.get_status_display(), width=8),
    ],
    filename="screening-hits.xlsx",
    template="vetting/hit_list.html",
    context_name="hits",
)


@login_required
def hit_list(request):
    filterset = _hit_filter(request)
    # Written before the page: viewing the hits is logged, whatever the page shows.
    access_log_append(
        user=request.user,
        action=AccessLogEntry.Action.VIEW_HITS,
        # The list shows the pending hits when no status is asked for.
        detail=filter_detail(request.GET.urlencode() or "status=pending", filterset),
    )
    return list_response(
        request,
        spec=HIT_SPEC,
        filterset=filterset,
        extra={
            "can_review": request.user.has_perm("vetting.review_hit"),
            "form": DecisionForm(),
            # The bulk dismissal returns to the list as filtered.
            "query": request.GET.urlencode(),
        },
    )


@login_required
def hit_detail(request, pk: int):
    hit = get_object_or_404(_visible_hits(request.user), pk=pk)
    access_log_append(user=request.user, action=AccessLogEntry.Action.VIEW_HITS, obj=hit)
    return _render_hit(request, hit, DecisionForm())


def _render_hit(request, hit, form):
    subject = hit.subject
    return render(
        request,
        "vetting/hit_detail.html",
        {
            "hit": hit,
            "subject": subject,
            "entry": hit.entry,
            "form": form,
            "can_review": request.user.has_perm("vetting.review_hit"),
            "removal_case": RemovalCase.objects.filter(hit=hit).first(),
        },
    )


@login_required
@require_POST
def hit_decide(request, pk: int):
    _require(request.user, "vetting.review_hit")
    hit = get_object_or_404(_visible_hits(request.user), pk=pk)
    form = DecisionForm(request.POST)
    action = request.POST.get("action")
    if action not in ("confirm", "dismiss"):
        raise PermissionDenied
    if form.is_valid():
        decide = review.hit_confirm if action == "confirm" else review.hit_dismiss
        try:
            decide(actor=request.user, hit=hit, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The decision was recorded."))
            return redirect("vetting:hit_detail", pk=hit.pk)
    return _render_hit(request, hit, form)


@login_required
@require_POST
def hits_dismiss(request):
    _require(request.user, "vetting.review_hit")
    ids = query_numbers(request.POST.getlist("hit"))
    allowed = list(_visible_hits(request.user).filter(pk__in=ids).values_list("pk", flat=True))
    form = DecisionForm(request.POST)
    if not allowed:
        messages.error(request, _("Tick the hits to dismiss."))
    elif not form.is_valid():
        messages.error(request, _("Give the reason for the decision."))
    else:
        count = review.hits_dismiss_bulk(
            actor=request.user, hit_ids=allowed, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("%(count)d hits were dismissed.") % {"count": count})
    return redirect(f"{reverse('vetting:hit_list')}?{request.POST.get('query', '')}")


# Runs ---------------------------------------------------------------------------------


def _trigger(run: ScreeningRun) -> str:
    source = f"（{run.watchlist_import.source.name}）" if run.watchlist_import else ""
    return f"{run.get_trigger_display()}{source}"


RUN_SPEC = ListSpec(
    title=gettext_lazy("Screening runs"),
    columns=[
        field_column(gettext_lazy("Started"), "started_at", key="started", width=17),
        Col(gettext_lazy("Trigger"), _trigger, key="trigger", sort=["trigger"], width=24),
        field_column(gettext_lazy("Status"), "status", display=True, width=10),
        Col(pgettext_lazy("screening run", "Progress"), lambda run: run.percent, width=8),
        field_column(gettext_lazy("Subjects screened"), "subjects", width=10),
        field_column(gettext_lazy("Matches found"), "matches", width=10),
        field_column(gettext_lazy("New hits"), "hits_new", width=10),
    ],
    filename="screening-runs-{date}.xlsx",
    template="vetting/run_list.html",
    default_sort="-started",
    context_name="runs",
)


@login_required
def run_list(request):
    _require(request.user, "vetting.view_screeningrun")
    filterset = RunFilter(
        request.GET,
        queryset=ScreeningRun.objects.select_related("started_by", "watchlist_import__source"),
    )
    return list_response(
        request,
        spec=RUN_SPEC,
        filterset=filterset,
        extra={"can_start": request.user.has_perm("vetting.run_screening")},
    )


@login_required
@require_POST
def run_start(request):
    _require(request.user, "vetting.run_screening")
    run = screening.screening_run_start(actor=request.user, trigger=ScreeningRun.Trigger.MANUAL)
    return redirect("vetting:run_detail", pk=run.pk)


@login_required
def run_detail(request, pk: int):
    _require(request.user, "vetting.view_screeningrun")
    run = get_object_or_404(ScreeningRun.objects.select_related("started_by"), pk=pk)
    template = "vetting/_run_progress.html" if request.htmx else "vetting/run_detail.html"
    return render(request, template, {"run": run})


# Watchlists ---------------------------------------------------------------------------


@login_required
def watchlist_list(request):
    _require(request.user, "vetting.view_watchlistsource")
    sources = watchlist_sources()
    return render(
        request,
        "vetting/watchlist_list.html",
        {"sources": sources, "can_import": request.user.has_perm("vetting.import_watchlist")},
    )


@login_required
def watchlist_upload(request):
    _require(request.user, "vetting.import_watchlist")
    form = WatchlistUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, _earlier = watchlists.watchlist_upload(
                actor=request.user,
                upload=form.cleaned_data["file"],
                source_name=form.cleaned_data["source"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_error(None if hasattr(error, "error_dict") else "file", error)
        else:
            return redirect("vetting:watchlist_preview", pk=record.pk)
    return render(request, "vetting/watchlist_upload.html", {"form": form})


@login_required
def watchlist_template(request):
    _require(request.user, "vetting.import_watchlist")
    return template_response(watchlists.TEMPLATE)


def _watchlist_file(user, pk: int) -> ImportFile:
    return get_object_or_404(
        ImportFile.objects.filter(kind=ImportFile.Kind.WATCHLIST, uploaded_by=user).select_related(
            "job"
        ),
        pk=pk,
    )


@login_required
def watchlist_preview(request, pk: int):
    """The uploaded list's page: checking, its preview to confirm, importing, the outcome.

    While a worker reads or imports the file, the status part polls itself (htmx).
    """
    _require(request.user, "vetting.import_watchlist")
    record = _watchlist_file(request.user, pk)
    summary = record.summary
    context = {
        "record": record,
        "summary": summary,
        "error_rows": summary.get("error_rows", 0),
        "valid_rows": summary.get("rows", 0) - summary.get("error_rows", 0),
        "errors_url": reverse("vetting:watchlist_errors", args=[record.pk]),
        "imported": record.status != ImportFile.Status.PREVIEWED,
        "kind_label": dict(WatchlistSource.Kind.choices).get(summary.get("kind"), ""),
        "sheet": sheet_report_display(summary["sheet"]) if "sheet" in summary else None,
        "run": ScreeningRun.objects.filter(watchlist_import=summary.get("import")).first()
        if summary.get("import")
        else None,
    }
    if request.htmx:
        return render(request, "vetting/_watchlist_status.html", context)
    context["earlier"] = import_file_earlier(
        request.user, kind=record.kind, sha256=record.sha256, before=record.created_at
    )
    return render(request, "vetting/watchlist_preview.html", context)


@login_required
@require_POST
def watchlist_confirm(request, pk: int):
    _require(request.user, "vetting.import_watchlist")
    record = _watchlist_file(request.user, pk)
    try:
        watchlists.watchlist_import_start(
            actor=request.user,
            import_file=record,
            keep_unknown="keep_unknown" in request.POST,
            skip_errors="skip_errors" in request.POST,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("vetting:watchlist_preview", pk=record.pk)


@login_required
def watchlist_errors(request, pk: int):
    """The rows in error that the worker found, as a workbook to correct."""
    _require(request.user, "vetting.import_watchlist")
    record = _watchlist_file(request.user, pk)
    if not record.error_file:
        raise Http404
    return error_workbook_response(request, record=record)


# Removal cases ------------------------------------------------------------------------


def _visible_cases(user):
    _require(user, "vetting.view_removalcase")
    return scope(
        RemovalCase.objects.select_related(
            "person", "township", "hit__entry__source", "decided_by", "opened_by"
        ),
        user,
    )


def _listed_on(case: RemovalCase) -> str:
    return case.hit.entry.source.name if case.hit_id else case.misconduct_case_label


def _measure(case: RemovalCase) -> str:
    return case.hit.entry.measure if case.hit_id else case.reason


REMOVAL_SPEC = ListSpec(
    title=gettext_lazy("Removal cases"),
    columns=[
        person_column(gettext_lazy("Cadre"), width=10),
        Col(
            gettext_lazy("Township"),
            lambda case: case.township.name if case.township else "",
            key="township",
            sort=["township__code"],
        ),
        field_column(gettext_lazy("Source"), "source", display=True, width=10),
        Col(gettext_lazy("List or case"), _listed_on, width=24),
        Col(gettext_lazy("Measure taken"), _measure, width=40),
        field_column(gettext_lazy("Status"), "status", display=True, width=10),
        field_column(gettext_lazy("Opened"), "created_at", key="opened", width=17),
    ],
    filename="removal-cases-{date}.xlsx",
    template="vetting/removal_list.html",
    # Open cases first: "open" sorts before "removed" and "retained".
    default_sort="status",
    context_name="cases",
)


@login_required
def removal_list(request):
    filterset = RemovalFilter(request.GET, queryset=_visible_cases(request.user), request=request)
    return list_response(request, spec=REMOVAL_SPEC, filterset=filterset)


@login_required
def removal_detail(request, pk: int):
    case = get_object_or_404(_visible_cases(request.user), pk=pk)
    can_decide = removal.removal_may_decide(request.user, case)
    form = RemovalDecisionForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            raise PermissionDenied
        if form.is_valid():
            try:
                removal.removal_case_decide(
                    actor=request.user,
                    case=case,
                    remove=form.cleaned_data["remove"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The decision was recorded."))
                return redirect("vetting:removal_detail", pk=case.pk)
    return render(
        request,
        "vetting/removal_detail.html",
        {"case": case, "form": form, "can_decide": can_decide},
    )
