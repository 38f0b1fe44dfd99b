"""Training pages: sessions, rosters and attendance, rounds, coverage, daily study.

Every object is fetched from a scoped queryset (another township's session is a
404); changing one needs ``can_manage`` (403 otherwise). Roles without
``training.view_session`` (joint-review departments) get 403 everywhere.
"""

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from cadres.documents import document_response
from cadres.error_workbook import IMPORTED_AND_SKIPPED, error_workbook_response
from cadres.forms import add_service_errors, submit
from cadres.import_templates import template_response
from cadres.listing import (
    Col,
    ListSpec,
    Sheet,
    field_column,
    id_number_column,
    list_headers,
    list_response,
    person_column,
    township_column,
    village_column,
)
from cadres.models import ImportFile, Person, Post
from cadres.scoping import query_number, query_numbers, scope
from cadres.spreadsheets import sheet_report_display
from training import selectors, services
from training.filters import (
    CoverageFilter,
    DailyStudyFilter,
    RosterFilter,
    RoundFilter,
    SessionFilter,
    person_q,
)
from training.forms import (
    AttendanceForm,
    DailyStudyForm,
    RosterFilterForm,
    RosterSearchForm,
    RoundForm,
    SessionForm,
    SigninResolveForm,
    SigninUploadForm,
)
from training.models import Attendance, DailyStudy, Material, Round, Session
from training.signin import TEMPLATE as SIGNIN_TEMPLATE
from training.signin import Unmatched
from training.signin_jobs import signin_import_start, signin_preview_start

SEARCH_LIMIT = 50


def training_required(view):
    """403 for roles that take no part in training; checked before any object lookup."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perm("training.view_session"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _session(request, pk: int) -> Session:
    return get_object_or_404(
        selectors.sessions_for(request.user).select_related("organizer", "round"), pk=pk
    )


def _managed_session(request, pk: int) -> Session:
    session = _session(request, pk)
    if not selectors.can_manage(request.user, session):
        raise PermissionDenied
    return session


def _round(request, pk: int) -> Round:
    return get_object_or_404(selectors.rounds_for(request.user).select_related("organizer"), pk=pk)


def _may_create(user) -> bool:
    return user.has_perm("training.add_session") or user.has_perm("training.organize_district")


# Sessions ----------------------------------------------------------------------------


def _session_filter(request) -> SessionFilter:
    queryset = selectors.sessions_for(request.user).select_related("organizer", "round")
    queryset = queryset.order_by("-starts_at", "-pk").annotate(
        invited=Count("attendances", filter=Q(attendances__in=_scoped_attendances(request))),
        present=Count(
            "attendances",
            filter=Q(
                attendances__in=_scoped_attendances(request),
                attendances__status=Attendance.Status.PRESENT,
            ),
        ),
    )
    return SessionFilter(request.GET or None, queryset=queryset, request=request)


def _scoped_attendances(request):
    return scope(Attendance.objects.all(), request.user).values("pk")


SESSION_SPEC = ListSpec(
    title=gettext_lazy("Training sessions"),
    columns=[
        Col(gettext_lazy("Session title"), lambda session: session.title, width=30),
        Col(gettext_lazy("Kind"), lambda session: session.get_kind_display(), width=12),
        Col(
            gettext_lazy("Organizer"),
            lambda session: session.organizer.name if session.organizer else _("District"),
        ),
        Col(
            gettext_lazy("Round"),
            lambda session: session.round.title if session.round else "",
            width=20,
        ),
        Col(gettext_lazy("Lecturer"), lambda session: session.lecturer, width=12, page=False),
        Col(gettext_lazy("Place"), lambda session: session.place, width=16, page=False),
        Col(gettext_lazy("Start"), lambda session: session.starts_at, width=18),
        Col(gettext_lazy("End time"), lambda session: session.ends_at, width=18, page=False),
        Col(gettext_lazy("Hours"), lambda session: float(session.hours), width=8),
        Col(gettext_lazy("Invited"), lambda session: session.invited, width=10),
        Col(gettext_lazy("Attended"), lambda session: session.present, width=10),
    ],
    filename="training-sessions-{date}.xlsx",
    template="training/session_list.html",
)


@training_required
def session_list(request):
    return list_response(
        request,
        spec=SESSION_SPEC,
        filterset=_session_filter(request),
        extra={"may_create": _may_create(request.user)},
    )


@training_required
def session_create(request):
    if not _may_create(request.user):
        raise PermissionDenied
    form = SessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and (
        session := submit(form, lambda data: services.session_create(actor=request.user, **data))
    ):
        messages.success(request, _("The session was created. Now invite the participants."))
        return redirect("training:roster", pk=session.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New training session")})


@training_required
def session_edit(request, pk: int):
    session = _managed_session(request, pk)
    form = SessionForm(request.POST or None, instance=session, user=request.user)
    if request.method == "POST" and submit(
        form, lambda data: services.session_update(actor=request.user, session=session, **data)
    ):
        messages.success(request, _("The changes were saved."))
        return redirect("training:session", pk=session.pk)
    return render(
        request,
        "training/form.html",
        {"form": form, "title": _("Edit %(title)s") % {"title": session.title}},
    )


@training_required
@require_POST
def session_delete(request, pk: int):
    session = _managed_session(request, pk)
    try:
        services.session_delete(actor=request.user, session=session)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("training:session", pk=session.pk)
    messages.success(request, _("The session was deleted."))
    return redirect("training:sessions")


@training_required
def session_detail(request, pk: int):
    session = _session(request, pk)
    roster = scope(session.attendances.all(), request.user)
    counts = dict(
        roster.order_by().values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    statuses = [(value, label, counts.get(value, 0)) for value, label in Attendance.Status.choices]
    return render(
        request,
        "training/session_detail.html",
        {
            "session": session,
            "townships": session.townships.all(),
            "materials": session.materials.all(),
            "statuses": statuses,
            "invited": sum(counts.values()),
            "can_manage": selectors.can_manage(request.user, session),
        },
    )


@training_required
@require_POST
def material_upload(request, pk: int):
    session = _managed_session(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            services.material_add(actor=request.user, session=session, upload=upload)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The material was uploaded."))
    return redirect("training:session", pk=session.pk)


@training_required
def material_download(request, pk: int):
    material = get_object_or_404(
        Material.objects.filter(session__in=selectors.sessions_for(request.user)), pk=pk
    )
    return document_response(request, material)


@training_required
@require_POST
def material_delete(request, pk: int):
    material = get_object_or_404(
        Material.objects.filter(session__in=selectors.sessions_for(request.user)), pk=pk
    )
    services.material_delete(actor=request.user, material=material)
    messages.success(request, _("The material was removed."))
    return redirect("training:session", pk=material.session_id)


# Roster and attendance -----------------------------------------------------------------


def _roster(request, session: Session):
    return (
        scope(session.attendances.all(), request.user)
        .select_related("person", "village__township")
        .order_by("village__code", "person__name_key__pinyin_order", "pk")
    )


@training_required
def roster(request, pk: int):
    """The roster, paginated, with the two ways to invite: by filters and by hand."""
    session = _session(request, pk)
    can_manage = selectors.can_manage(request.user, session)
    filterset = RosterFilter(
        request.GET or None, queryset=_roster(request, session), request=request
    )
    search = RosterSearchForm(request.GET if "find" in request.GET else None)
    found = []
    if can_manage and search.is_valid():
        found = _search_candidates(request, session, search.cleaned_data["find"])
    return list_response(
        request,
        spec=ROSTER_SPEC,
        filterset=filterset,
        obj=session,
        filename_args={"pk": pk},
        extra={
            "session": session,
            "can_manage": can_manage,
            "invite_form": _invite_form(request, session) if can_manage else None,
            "search_form": search,
            "found": found,
        },
    )


def _invite_form(request, session: Session) -> RosterFilterForm:
    """Prefilled with the round's target population when the session belongs to a round."""
    initial = {}
    if session.round is not None:
        round_ = session.round
        initial = {
            "townships": list(round_.target_townships.all()),
            "bodies": round_.target_bodies,
            "titles": round_.target_titles,
        }
    return RosterFilterForm(user=request.user, initial=initial)


def _search_candidates(request, session: Session, q: str):
    posts = selectors.first_post_per_person(
        selectors.session_posts(session, request.user).filter(person_q(q))
    )
    return list(
        posts.exclude(person__training_attendances__session=session)
        .select_related("person", "village__township")
        .order_by("person__name_key__pinyin_order")[:SEARCH_LIMIT]
    )


@training_required
@require_POST
def roster_invite(request, pk: int):
    session = _managed_session(request, pk)
    form = RosterFilterForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("The filters are not valid."))
        return redirect("training:roster", pk=session.pk)
    added = services.roster_add_matching(actor=request.user, session=session, **form.cleaned_data)
    messages.success(request, _("%(count)d people were invited.") % {"count": added})
    return redirect("training:roster", pk=session.pk)


@training_required
@require_POST
def roster_add(request, pk: int):
    session = _managed_session(request, pk)
    people = query_numbers(request.POST.getlist("person"))
    added = services.roster_add_people(actor=request.user, session=session, people=people)
    messages.success(request, _("%(count)d people were invited.") % {"count": added})
    return redirect("training:roster", pk=session.pk)


@training_required
@require_POST
def roster_remove(request, pk: int):
    session = _managed_session(request, pk)
    ids = query_numbers(request.POST.getlist("attendance"))
    removed = services.roster_remove(actor=request.user, session=session, attendance_ids=ids)
    messages.success(
        request, _("%(count)d people were removed from the roster.") % {"count": removed}
    )
    return redirect("training:roster", pk=session.pk)


@training_required
def attendance(request, pk: int):
    """The whole roster on one form: one POST marks everyone."""
    session = _managed_session(request, pk)
    rows = list(_roster(request, session))
    form = AttendanceForm(request.POST or None, rows=rows)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.attendance_mark(
                actor=request.user, session=session, statuses=form.statuses()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Attendance saved: %(count)d changed.") % {"count": changed}
            )
            return redirect("training:session", pk=session.pk)
    return render(
        request,
        "training/attendance.html",
        {"session": session, "form": form, "pairs": form.pairs()},
    )


@training_required
def signin_upload(request, pk: int):
    """Upload a sign-in sheet; a worker reads it and the next page previews what it matches."""
    session = _managed_session(request, pk)
    form = SigninUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            stored, earlier = signin_preview_start(
                actor=request.user, session=session, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, ValidationError({"file": error.messages}))
        else:
            if earlier is not None:
                messages.warning(
                    request,
                    _("The same file was uploaded on %(date)s by %(user)s.")
                    % {
                        "date": f"{earlier.created_at:%Y-%m-%d %H:%M}",
                        "user": earlier.uploaded_by,
                    },
                )
            return redirect("training:signin_preview", pk=session.pk, file_pk=stored.pk)
    return render(
        request,
        "training/form.html",
        {
            "form": form,
            "title": _("Import the sign-in sheet of %(title)s") % {"title": session.title},
            "template_url": reverse("training:signin_template", args=[session.pk]),
        },
    )


@training_required
def signin_template(request, pk: int):
    # Behind the same check as the upload page, though the template is the same for every session.
    _managed_session(request, pk)
    return template_response(SIGNIN_TEMPLATE)


def _signin_file(request, session: Session, file_pk: int) -> ImportFile:
    """The user's upload of a sign-in sheet of this session (its jobs name the session)."""
    stored = get_object_or_404(
        ImportFile.objects.filter(
            kind=ImportFile.Kind.ATTENDANCE, uploaded_by=request.user
        ).select_related("job"),
        pk=file_pk,
    )
    if stored.job is None or stored.job.params.get("session") != session.pk:
        raise Http404
    return stored


@training_required
def signin_errors(request, pk: int, file_pk: int):
    """The sheet's rows in error as the worker found them, as a workbook to correct."""
    session = _managed_session(request, pk)
    stored = _signin_file(request, session, file_pk)
    if not stored.error_file:
        raise Http404
    return error_workbook_response(request, record=stored)


def _unmatched(request, session: Session, rows: list[dict]) -> list[Unmatched]:
    """The rows to resolve, each with its namesakes that the user may still choose."""
    wanted = {pk for row in rows for pk in row["candidates"]}
    posts = selectors.session_posts(session, request.user).filter(pk__in=wanted)
    posts = {post.pk: post for post in posts.select_related("person", "village__township")}
    return [
        Unmatched(
            row=row["row"],
            name=row["name"],
            id_number=row["id_number"],
            village=row["village"],
            status="",
            reason=row["reason"],
            candidates=[posts[pk] for pk in row["candidates"] if pk in posts],
        )
        for row in rows
    ]


@training_required
def signin_preview(request, pk: int, file_pk: int):
    """The upload's page: being read (a worker matches it), what it matched with a choice
    per unmatched row (POST hands the choices to a worker), being recorded, and the outcome.
    While a worker is on it the status part polls itself and the page reloads when done."""
    session = _managed_session(request, pk)
    stored = _signin_file(request, session, file_pk)
    busy = stored.status in (ImportFile.Status.CHECKING, ImportFile.Status.IMPORTING)
    poll_url = reverse("training:signin_preview", args=[session.pk, stored.pk])
    if request.htmx:
        if busy:
            return render(
                request, "cadres/_import_status.html", {"record": stored, "poll_url": poll_url}
            )
        return HttpResponseClientRefresh()
    summary = stored.summary
    if stored.status == ImportFile.Status.FAILED:
        messages.error(request, summary.get("file_error", ""))
        return redirect("training:signin", pk=session.pk)
    if stored.status == ImportFile.Status.IMPORTED:
        messages.success(
            request,
            _(
                "Sign-in sheet imported: %(matched)d matched, %(resolved)d chosen by hand, "
                "%(ignored)d ignored; %(added)d added to the roster."
            )
            % summary,
        )
        if summary["skipped"]:
            messages.warning(
                request,
                IMPORTED_AND_SKIPPED
                % {
                    "imported": summary["matched"] + summary["resolved"],
                    "skipped": summary["skipped"],
                },
            )
        return redirect("training:session", pk=session.pk)
    preview = summary.get("preview", {})
    unmatched = _unmatched(request, session, preview.get("unmatched", []))
    matched = preview.get("matched", [])
    roster_posts = list(
        selectors.first_post_per_person(
            selectors.session_posts(session, request.user).filter(
                person__training_attendances__session=session
            )
        )
        .exclude(person__in=[match["person"] for match in matched])
        .select_related("person", "village__township")
        .order_by("village__code", "person__name_key__pinyin_order")
    )
    form = SigninResolveForm(
        request.POST if request.method == "POST" and not busy else None,
        unmatched=unmatched,
        roster_posts=roster_posts,
    )
    if form.is_bound and form.is_valid():
        try:
            signin_import_start(
                actor=request.user,
                session=session,
                import_file=stored,
                resolutions=form.resolutions(),
                skip_errors="skip_errors" in request.POST,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect(poll_url)
    return render(
        request,
        "training/signin_preview.html",
        {
            "session": session,
            "stored": stored,
            "record": stored,
            "busy": busy,
            "poll_url": poll_url,
            "preview": preview,
            "report": sheet_report_display(preview["report"]) if preview else None,
            "matched": matched,
            "unmatched": unmatched,
            "import_errors": summary.get("import_errors", ()),
            "form": form,
            "pairs": form.pairs(),
            "error_rows": preview.get("error_rows", 0),
            "valid_rows": len(matched) + len(unmatched),
            "errors_url": reverse("training:signin_errors", args=[session.pk, stored.pk]),
        },
    )


ROSTER_SPEC = ListSpec(
    title=gettext_lazy("Roster"),
    columns=[
        township_column(gettext_lazy("Township")),
        village_column(gettext_lazy("Village")),
        person_column(gettext_lazy("Cadre name"), width=10),
        id_number_column(gettext_lazy("ID number"), "person"),
        Col(gettext_lazy("Attendance"), lambda row: row.get_status_display(), width=10),
        Col(
            gettext_lazy("Hours"),
            # The session is the roster's own (the related manager's), no query per row.
            lambda row: float(row.session.hours) if row.status == Attendance.Status.PRESENT else 0,
            width=8,
            page=False,
        ),
    ],
    filename="training-roster-{pk}.xlsx",
    template="training/roster.html",
)


# Rounds and coverage ---------------------------------------------------------------------


def _round_target(round_: Round) -> str:
    bodies = "、".join(round_.get_target_bodies_display()) or _("Every body")
    titles = "、".join(round_.get_target_titles_display()) or _("Every title")
    return f"{bodies} · {titles}"


def _with_targets(rounds) -> None:
    """The page shows the target as the export writes it."""
    for round_ in rounds:
        round_.target = _round_target(round_)


ROUND_SPEC = ListSpec(
    title=gettext_lazy("Training rounds"),
    columns=[
        field_column(gettext_lazy("Round title"), "title", width=30),
        field_column(gettext_lazy("Year"), "year", width=8),
        Col(
            gettext_lazy("Organizer"),
            lambda round_: round_.organizer.name if round_.organizer else _("District"),
        ),
        Col(gettext_lazy("Target"), _round_target, width=30),
        Col(gettext_lazy("Sessions"), lambda round_: round_.session_count, width=8),
    ],
    filename="training-rounds-{date}.xlsx",
    template="training/round_list.html",
    default_sort="-year",
)


@training_required
def round_list(request):
    rounds = (
        selectors.rounds_for(request.user)
        .select_related("organizer")
        .annotate(session_count=Count("sessions"))
    )
    return list_response(
        request,
        spec=ROUND_SPEC,
        filterset=RoundFilter(request.GET or None, queryset=rounds, request=request),
        prepare=_with_targets,
        extra={"may_create": _may_create(request.user)},
    )


@training_required
def round_create(request):
    if not _may_create(request.user):
        raise PermissionDenied
    form = RoundForm(request.POST or None, user=request.user)
    if request.method == "POST" and (
        round_ := submit(form, lambda data: services.round_create(actor=request.user, **data))
    ):
        messages.success(request, _("The round was created."))
        return redirect("training:round", pk=round_.pk)
    return render(request, "training/form.html", {"form": form, "title": _("New training round")})


@training_required
def round_edit(request, pk: int):
    round_ = _round(request, pk)
    if not selectors.can_manage(request.user, round_):
        raise PermissionDenied
    form = RoundForm(request.POST or None, instance=round_, user=request.user)
    if request.method == "POST" and submit(
        form, lambda data: services.round_update(actor=request.user, round_=round_, **data)
    ):
        messages.success(request, _("The changes were saved."))
        return redirect("training:round", pk=round_.pk)
    return render(
        request,
        "training/form.html",
        {"form": form, "title": _("Edit %(title)s") % {"title": round_.title}},
    )


def _coverage_page(request, rows, *, title: str, filename: str, template: str, obj=None, **context):
    """The coverage of a round or a year: the summaries of every row, then the rows as
    filtered, a page at a time; the export is the summaries and the rows as filtered."""
    groups, totals = selectors.coverage_summary(rows)
    township_groups, _totals = selectors.coverage_summary(rows, by_village=False)
    filterset = CoverageFilter(request.GET or None, queryset=rows, request=request)
    return list_response(
        request,
        spec=_coverage_spec(filterset.qs, title=title, filename=filename, template=template),
        filterset=filterset,
        obj=obj,
        extra={
            "groups": groups,
            "township_groups": township_groups,
            "totals": totals,
            # The summaries' columns are the export's summary sheets'; the township summary
            # leaves out the village.
            "summary_headers": list_headers(request, SUMMARY_COLUMNS),
            "village_label": str(SUMMARY_COLUMNS[1].label),
            **context,
        },
    )


@training_required
def round_detail(request, pk: int):
    round_ = _round(request, pk)
    sessions = (
        selectors.sessions_for(request.user)
        .filter(round=round_)
        .select_related("organizer")
        .order_by("starts_at")
    )
    return _coverage_page(
        request,
        selectors.round_coverage(round_, request.user),
        title="参训名单",
        filename=f"training-round-{round_.pk}.xlsx",
        template="training/round_detail.html",
        obj=round_,
        round=round_,
        sessions=sessions,
        target_townships=round_.target_townships.all(),
        can_manage=selectors.can_manage(request.user, round_),
    )


def _year(request) -> int:
    year = query_number(request.GET.get("year", ""))
    return year if year is not None and 2000 <= year <= 2100 else dt.date.today().year


@training_required
def coverage(request):
    year = _year(request)
    return _coverage_page(
        request,
        selectors.year_coverage(year, request.user),
        title=f"{year}年参训情况",
        filename=f"training-coverage-{year}.xlsx",
        template="training/coverage.html",
        year=year,
        years=range(dt.date.today().year, dt.date.today().year - 6, -1),
    )


COVERAGE_COLUMNS = [
    township_column(gettext_lazy("Township")),
    village_column(gettext_lazy("Village")),
    person_column(gettext_lazy("Cadre name"), width=10),
    id_number_column(gettext_lazy("ID number"), "person", page=False),
    Col(
        gettext_lazy("Post"),
        lambda row: f"{row.get_body_display()}{row.get_title_display()}",
        width=24,
    ),
    Col(gettext_lazy("Invited"), lambda row: row.invited, width=10),
    Col(gettext_lazy("Attended"), lambda row: row.present, width=10),
    Col(gettext_lazy("Session hours"), lambda row: float(row.session_hours), width=10),
    Col(gettext_lazy("Study hours"), lambda row: float(row.study_hours), width=12),
    Col(gettext_lazy("Total hours"), lambda row: float(row.total_hours), width=10),
    Col(
        gettext_lazy("Trained"),
        lambda row: _("Yes") if row.total_hours > 0 else _("No"),
        width=10,
    ),
]
SUMMARY_COLUMNS = [
    Col(gettext_lazy("Township"), lambda group: group["village__township__name"]),
    Col(gettext_lazy("Village"), lambda group: group.get("village__name", "")),
    Col(gettext_lazy("Number of people"), lambda group: group["people"], width=8),
    Col(gettext_lazy("Trained"), lambda group: group["trained"], width=8),
    Col(gettext_lazy("Untrained"), lambda group: group["untrained"], width=8),
    Col(gettext_lazy("Share trained"), lambda group: group["trained_rate"], width=10),
    Col(gettext_lazy("Total hours"), lambda group: float(group["hours"]), width=10),
    Col(
        gettext_lazy("Hours per person"),
        lambda group: (
            None if group["hours_per_person"] is None else float(group["hours_per_person"])
        ),
        width=10,
    ),
    Col(gettext_lazy("Invited"), lambda group: group["invited_sum"], width=10),
    Col(gettext_lazy("Attended"), lambda group: group["present_sum"], width=10),
    Col(gettext_lazy("Attendance rate"), lambda group: group["attendance_rate"], width=10),
]


def _summary(rows, *, by_village: bool):
    """The summary's groups, then their totals."""
    groups, totals = selectors.coverage_summary(rows, by_village=by_village)
    return [*groups, {**totals, "village__township__name": _("Total"), "village__name": ""}]


def _coverage_spec(rows, *, title: str, filename: str, template: str) -> ListSpec:
    """Three sheets: the summary by township, by village (each with totals), then every
    person (the page's list) under ``title``."""
    return ListSpec(
        title=title,
        columns=COVERAGE_COLUMNS,
        sheets=[
            Sheet(
                SUMMARY_COLUMNS,
                title="分乡镇汇总",
                items=lambda: _summary(rows, by_village=False),
            ),
            Sheet(SUMMARY_COLUMNS, title="分村汇总", items=lambda: _summary(rows, by_village=True)),
            Sheet(COVERAGE_COLUMNS),
        ],
        filename=filename,
        template=template,
    )


# Daily study ------------------------------------------------------------------------------


STUDY_SPEC = ListSpec(
    title=gettext_lazy("Daily study"),
    columns=[
        Col(gettext_lazy("Date"), lambda study: study.studied_on, width=12),
        Col(gettext_lazy("Cadre name"), lambda study: study.person.name, width=10),
        Col(gettext_lazy("Topic"), lambda study: study.topic, width=30),
        Col(gettext_lazy("Hours"), lambda study: float(study.hours), width=8),
        Col(gettext_lazy("Recorded by"), lambda study: str(study.recorded_by), width=12),
    ],
    filename="daily-study-{date}.xlsx",
    template="training/study_list.html",
)


@training_required
def study_list(request):
    studies = scope(DailyStudy.objects.all(), request.user).select_related("person", "recorded_by")
    filterset = DailyStudyFilter(request.GET or None, queryset=studies, request=request)
    may_record = request.user.has_perm("training.add_dailystudy")
    form = None
    if may_record:
        form = DailyStudyForm(request.POST or None, people=_study_people(request))
        if request.method == "POST" and submit(
            form, lambda data: services.daily_study_record(actor=request.user, **data)
        ):
            messages.success(request, _("The study was recorded."))
            return redirect("training:studies")
    elif request.method == "POST":
        raise PermissionDenied
    return list_response(
        request,
        spec=STUDY_SPEC,
        filterset=filterset,
        extra={"form": form, "may_delete": request.user.has_perm("training.delete_dailystudy")},
    )


def _study_people(request):
    serving = scope(Post.objects.serving(), request.user).values("person_id")
    return Person.objects.filter(pk__in=serving).order_by("name_key__pinyin_order", "pk")


@training_required
@require_POST
def study_delete(request, pk: int):
    study = get_object_or_404(scope(DailyStudy.objects.all(), request.user), pk=pk)
    services.daily_study_delete(actor=request.user, study=study)
    messages.success(request, _("The record was deleted."))
    return redirect("training:studies")
