"""Pages of the management records. Every queryset is scoped; writes go through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cadres.documents import document_response
from cadres.forms import add_service_errors, submit
from cadres.identity import mask_id_number
from cadres.models import Person, Post, Village
from cadres.records import filters, forms, selectors, services
from cadres.records.listing import Header, ListSpec, export_response, list_response
from cadres.records.models import (
    DutyShift,
    FilingDocument,
    ProgressDocument,
    Recusal,
    SecretaryChange,
    SecretaryChangeDocument,
    SecretaryFiling,
)
from cadres.scoping import object_or_404, scope, user_townships
from cadres.services import require_perm
from cadres.xlsx_export import Column


def perm(codename: str):
    return permission_required(f"records.{codename}", raise_exception=True)


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


def _action_form(request, form_class, action, success, **form_kwargs):
    """Run a POSTed action form through a service; on error show the record page's message."""
    form = form_class(request.POST, request.FILES, **form_kwargs)
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, success)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for message in errors:
                messages.error(request, f"{label}：{message}" if label else message)
    return form


# 1. Secretary filing --------------------------------------------------------


def _filing_spec() -> ListSpec:
    return ListSpec(
        title=_("Secretary filings"),
        headers=[
            Header(_("Filing number"), "number"),
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
            Header(_("Secretary")),
            Header(_("Filing date"), "filed_on"),
            Header(_("Handling status"), "status"),
        ],
        sorts={
            "number": ["filing_number"],
            "village": ["village__code"],
            "filed_on": ["filed_on"],
            "status": ["status"],
        },
        default_sort="-filed_on",
        export_name="secretary-filings",
        export_columns=[
            Column(_("Filing number"), 18, text=True),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Secretary")),
            Column(_("Filing date"), 12),
            Column(_("Handling status")),
            Column(_("Reason for returning"), 30),
        ],
        export_row=lambda f: [
            f.filing_number,
            f.village.township.name,
            f.village.name,
            f.person.name,
            f.filed_on,
            f.get_status_display(),
            f.return_reason,
        ],
        template="cadres/records/filing_list.html",
    )


@login_required
@perm("view_secretaryfiling")
def filing_list(request):
    filterset = filters.SecretaryFilingFilter(
        request.GET, queryset=selectors.filings(request.user), request=request
    )
    return list_response(request, spec=_filing_spec(), filterset=filterset)


@login_required
@perm("view_secretaryfiling")
def unfiled_list(request):
    spec = ListSpec(
        title=_("Villages whose secretary is not filed"),
        headers=[
            Header(_("Township or subdistrict"), "township"),
            Header(_("Village"), "village"),
            Header(_("Secretary"), "secretary"),
            Header(_("In office since"), "since"),
            Header(_("Last filing")),
        ],
        sorts={
            "township": ["township__code", "code"],
            "village": ["code"],
            "secretary": ["secretary_name"],
            "since": ["secretary_since"],
        },
        default_sort="village",
        export_name="unfiled-secretaries",
        export_columns=[
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Secretary")),
            Column(_("In office since"), 12),
            Column(_("Last filing")),
        ],
        export_row=lambda v: [
            v.township.name,
            v.name,
            v.secretary_name,
            v.secretary_since,
            SecretaryFiling.Status(v.last_filing_status).label if v.last_filing_status else "",
        ],
        template="cadres/records/unfiled_list.html",
    )
    filterset = filters.UnfiledFilter(
        request.GET, queryset=selectors.unfiled_villages(request.user), request=request
    )
    return list_response(
        request,
        spec=spec,
        filterset=filterset,
        extra={"statuses": dict(SecretaryFiling.Status.choices)},
    )


@login_required
@perm("add_secretaryfiling")
def filing_create(request):
    form = forms.SecretaryFilingForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and (
        filing := submit(
            form,
            lambda data: services.secretary_filing_submit(
                actor=request.user,
                village=data["village"],
                filing_number=data["filing_number"],
                filed_on=data["filed_on"],
                documents=data["documents"],
                note=data["note"],
            ),
        )
    ):
        messages.success(request, _("The filing was sent to the district."))
        return redirect("cadres:records:filing_detail", filing.pk)
    return render(
        request,
        "cadres/records/form.html",
        {"form": form, "title": _("File a village party secretary"), "multipart": True},
    )


@login_required
@perm("view_secretaryfiling")
def filing_detail(request, pk):
    filing = get_object_or_404(
        selectors.filings(request.user).select_related("post", "filed_by", "decided_by"), pk=pk
    )
    if request.method == "POST":
        _action_form(
            request,
            forms.DecisionForm,
            lambda d: services.secretary_filing_decide(
                actor=request.user,
                filing=filing,
                confirm=d["decision"] == "confirm",
                reason=d["reason"],
            ),
            _("The decision was recorded."),
        )
        return redirect("cadres:records:filing_detail", filing.pk)
    return render(
        request,
        "cadres/records/filing_detail.html",
        {
            "filing": filing,
            "documents": filing.documents.all(),
            "decision_form": forms.DecisionForm(),
            "history": filing.history.select_related("history_user")[:20],
        },
    )


@login_required
@perm("view_secretaryfiling")
def filing_document(request, pk):
    document = get_object_or_404(scope(FilingDocument.objects.all(), request.user), pk=pk)
    return document_response(request, document)


# 1a. Secretary change ----------------------------------------------------------


def _change_spec() -> ListSpec:
    return ListSpec(
        title=_("Secretary change requests"),
        headers=[
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
            Header(_("Secretary"), "person"),
            Header(_("Planned end date"), "ends_on"),
            Header(_("End reason")),
            Header(_("Proposed successor")),
            Header(_("Requested on"), "created"),
            Header(_("Handling status"), "status"),
        ],
        sorts={
            "village": ["village__code"],
            "person": ["person__name_key__pinyin_order"],
            "ends_on": ["ends_on"],
            "created": ["created_at"],
            "status": ["status"],
        },
        default_sort="-created",
        export_name="secretary-changes",
        export_columns=[
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Secretary")),
            Column(_("Planned end date"), 12),
            Column(_("End reason")),
            Column(_("Reason for the change"), 40),
            Column(_("Proposed successor")),
            Column(_("Requested on"), 12),
            Column(_("Handling status")),
            Column(_("Decision note"), 30),
        ],
        export_row=lambda c: [
            c.village.township.name,
            c.village.name,
            c.person.name,
            c.ends_on,
            c.get_end_reason_display(),
            c.reason,
            c.successor,
            timezone.localdate(c.created_at),
            c.get_status_display(),
            c.decision_note or c.withdraw_reason,
        ],
        template="cadres/records/change_list.html",
    )


@login_required
@perm("view_secretarychange")
def change_list(request):
    filterset = filters.SecretaryChangeFilter(
        request.GET, queryset=selectors.secretary_changes(request.user), request=request
    )
    return list_response(request, spec=_change_spec(), filterset=filterset)


@login_required
@perm("add_secretarychange")
def change_create(request, post_pk):
    post = get_object_or_404(
        scope(Post.objects.select_related("person", "village__township"), request.user),
        pk=post_pk,
    )
    live = post.secretary_changes.filter(status__in=services.LIVE_CHANGE).first()
    if live is not None:
        messages.info(request, _("A change request for this secretary is already in progress."))
        return redirect("cadres:records:change_detail", live.pk)
    form = forms.SecretaryChangeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and (
        change := submit(
            form,
            lambda data: services.secretary_change_request(actor=request.user, post=post, **data),
        )
    ):
        messages.success(request, _("The request was sent to the district for approval."))
        return redirect("cadres:records:change_detail", change.pk)
    return render(
        request,
        "cadres/records/form.html",
        {
            "form": form,
            "title": _("Request a change of the party secretary of %(village)s: %(name)s")
            % {"village": post.village.name, "name": post.person.name},
            "help": _(
                "The secretary's post ends only when the district approves, on the planned date "
                "and for the reason given here."
            ),
            "multipart": True,
        },
    )


@login_required
@perm("view_secretarychange")
def change_detail(request, pk):
    change = get_object_or_404(
        selectors.secretary_changes(request.user).select_related(
            "post", "requested_by", "decided_by"
        ),
        pk=pk,
    )
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "revise":
            require_perm(request.user, "records.change_secretarychange")
            _action_form(
                request,
                forms.SecretaryChangeForm,
                lambda d: services.secretary_change_revise(actor=request.user, change=change, **d),
                _("The request was sent to the district again."),
                revision=True,
            )
        elif action == "withdraw":
            require_perm(request.user, "records.change_secretarychange")
            _action_form(
                request,
                forms.WithdrawForm,
                lambda d: services.secretary_change_withdraw(
                    actor=request.user, change=change, reason=d["reason"]
                ),
                _("The request was withdrawn."),
            )
        else:
            require_perm(request.user, "records.decide_secretarychange")
            _action_form(
                request,
                forms.ApprovalForm,
                lambda d: services.secretary_change_decide(
                    actor=request.user,
                    change=change,
                    approve=d["decision"] == "confirm",
                    note=d["reason"],
                ),
                _("The decision was recorded."),
            )
        return redirect("cadres:records:change_detail", change.pk)
    approved = change.status == SecretaryChange.Status.APPROVED
    return render(
        request,
        "cadres/records/change_detail.html",
        {
            "change": change,
            "documents": change.documents.all(),
            "decision_form": forms.ApprovalForm(),
            "withdraw_form": forms.WithdrawForm(),
            "revise_form": forms.SecretaryChangeForm(
                revision=True,
                initial={
                    "ends_on": change.ends_on,
                    "end_reason": change.end_reason,
                    "reason": change.reason,
                    "successor": change.successor,
                },
            ),
            "filing_state": selectors.village_filing_state(change.village) if approved else None,
            "timeline": change.history.select_related("history_user").order_by("history_date"),
        },
    )


@login_required
@perm("view_secretarychange")
def change_document(request, pk):
    document = get_object_or_404(scope(SecretaryChangeDocument.objects.all(), request.user), pk=pk)
    return document_response(request, document)


# 2. Personal matters reports --------------------------------------------------


@login_required
@perm("view_personalreport")
def report_list(request):
    spec = ListSpec(
        title=_("Personal matters reports"),
        headers=[
            Header(_("Cadre"), "person"),
            Header(_("Village"), "village"),
            Header(_("Year"), "year"),
            Header(_("Kind")),
            Header(_("Matters reported")),
            Header(_("Reported on"), "reported_on"),
            Header(_("Handling status"), "status"),
        ],
        sorts={
            "person": ["person__name_key__pinyin_order"],
            "village": ["village__code"],
            "year": ["year"],
            "reported_on": ["reported_on"],
            "status": ["status"],
        },
        default_sort="-reported_on",
        export_name="personal-reports",
        export_columns=[
            Column(_("Cadre")),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Year"), 8),
            Column(_("Kind")),
            Column(_("Matters reported"), 30),
            Column(_("Content"), 40),
            Column(_("Reported on"), 12),
            Column(_("Handling status")),
            Column(_("Review note"), 30),
        ],
        export_row=lambda r: [
            r.person.name,
            r.village.township.name,
            r.village.name,
            r.year,
            r.get_kind_display(),
            "、".join(r.category_labels()),
            r.content,
            r.reported_on,
            r.get_status_display(),
            r.review_note,
        ],
        template="cadres/records/report_list.html",
    )
    filterset = filters.PersonalReportFilter(
        request.GET, queryset=selectors.personal_reports(request.user), request=request
    )
    return list_response(request, spec=spec, filterset=filterset)


@login_required
@perm("view_personalreport")
def missing_report_list(request):
    year = _year(request)
    spec = ListSpec(
        title=_("Cadres whose annual report is missing"),
        headers=[
            Header(_("Cadre"), "name"),
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
        ],
        sorts={
            "name": ["name_key__pinyin_order"],
            "village": ["village_name", "name_key__pinyin_order"],
        },
        default_sort="village",
        export_name=f"missing-reports-{year}",
        export_columns=[
            Column(_("Cadre")),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
        ],
        export_row=lambda p: [p.name, p.township_name, p.village_name],
        template="cadres/records/missing_report_list.html",
    )
    # Township, village and name filter the serving posts; the people follow from them.
    filterset = filters.MissingReportFilter(
        request.GET, queryset=selectors.serving_posts(request.user), request=request
    )
    people = selectors.missing_reports(filterset.qs, year)
    return list_response(
        request, spec=spec, filterset=filterset, queryset=people, extra={"year": year}
    )


def _scoped_person(request, pk):
    return object_or_404(scope(Person.objects.all(), request.user), pk)


@login_required
@perm("add_personalreport")
def report_create(request, person_pk):
    person = _scoped_person(request, person_pk)
    villages = scope(Village.objects.filter(pk__in=person.posts.values("village_id")), request.user)
    form = forms.PersonalReportForm(request.POST or None, villages=villages)
    if request.method == "POST" and (
        report := submit(
            form,
            lambda data: services.personal_report_submit(actor=request.user, person=person, **data),
        )
    ):
        messages.success(request, _("The report was recorded and awaits township review."))
        return redirect("cadres:records:report_detail", report.pk)
    return render(
        request,
        "cadres/records/form.html",
        {"form": form, "title": _("Personal matters report of %(name)s") % {"name": person.name}},
    )


@login_required
@perm("view_personalreport")
def report_detail(request, pk):
    report = get_object_or_404(selectors.personal_reports(request.user), pk=pk)
    if request.method == "POST":
        if request.POST.get("action") == "revise":
            _action_form(
                request,
                forms.ReportReviseForm,
                lambda d: services.personal_report_resubmit(actor=request.user, report=report, **d),
                _("The report was sent for review again."),
            )
        else:
            _action_form(
                request,
                forms.DecisionForm,
                lambda d: services.personal_report_review(
                    actor=request.user,
                    report=report,
                    approve=d["decision"] == "confirm",
                    note=d["reason"],
                ),
                _("The review was recorded."),
            )
        return redirect("cadres:records:report_detail", report.pk)
    return render(
        request,
        "cadres/records/report_detail.html",
        {
            "report": report,
            "review_form": forms.DecisionForm(),
            "revise_form": forms.ReportReviseForm(
                initial={"categories": report.categories, "content": report.content}
            ),
            "history": report.history.select_related("history_user")[:20],
        },
    )


# 3. Duty roster ---------------------------------------------------------------


@login_required
@perm("view_dutyroster")
def roster_list(request):
    spec = ListSpec(
        title=_("Duty rosters"),
        headers=[
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
            Header(_("Period")),
            Header(_("From"), "starts_on"),
            Header(_("Until")),
            Header(_("Duties scheduled"), "scheduled"),
            Header(_("Done"), "done"),
            Header(_("Missed")),
        ],
        sorts={
            "village": ["village__code", "starts_on"],
            "starts_on": ["starts_on"],
            "scheduled": ["scheduled"],
            "done": ["done"],
        },
        default_sort="-starts_on",
        export_name="duty-rosters",
        export_columns=[
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Period")),
            Column(_("From"), 12),
            Column(_("Until"), 12),
            Column(_("Duties scheduled")),
            Column(_("Done")),
            Column(_("Missed")),
        ],
        export_row=lambda r: [
            r.village.township.name,
            r.village.name,
            r.get_period_display(),
            r.starts_on,
            r.ends_on,
            r.scheduled,
            r.done,
            r.missed,
        ],
        template="cadres/records/roster_list.html",
    )
    filterset = filters.DutyRosterFilter(
        request.GET, queryset=selectors.rosters(request.user), request=request
    )
    return list_response(request, spec=spec, filterset=filterset)


@login_required
@perm("add_dutyroster")
def roster_create(request):
    form = forms.DutyRosterForm(request.POST or None, user=request.user)
    if request.method == "POST" and (
        roster := submit(form, lambda data: services.duty_roster_create(actor=request.user, **data))
    ):
        return redirect("cadres:records:roster_detail", roster.pk)
    return render(
        request, "cadres/records/form.html", {"form": form, "title": _("New duty roster")}
    )


def _roster(request, pk):
    return get_object_or_404(selectors.rosters(request.user), pk=pk)


@login_required
@perm("view_dutyroster")
def roster_detail(request, pk):
    roster = _roster(request, pk)
    people = selectors.village_cadres(roster.village)
    if request.method == "POST":
        form = forms.DutyShiftForm(request.POST, people=people)
        if submit(
            form,
            lambda data: services.duty_shift_add(actor=request.user, roster=roster, **data),
        ):
            messages.success(request, _("The duty was added."))
            return redirect("cadres:records:roster_detail", roster.pk)
    else:
        form = forms.DutyShiftForm(people=people, initial={"date": roster.starts_on})
    return render(
        request,
        "cadres/records/roster_detail.html",
        {
            "roster": roster,
            "shifts": roster.shifts.select_related("person"),
            "tally": selectors.roster_tally(roster),
            "form": form,
            "outcome_form": forms.ShiftOutcomeForm(auto_id=False),
            "today": timezone.localdate(),
        },
    )


@login_required
@perm("view_dutyroster")
def roster_print(request, pk):
    roster = _roster(request, pk)
    return render(
        request,
        "cadres/records/roster_print.html",
        {"roster": roster, "shifts": roster.shifts.select_related("person")},
    )


@login_required
@require_POST
def shift_action(request, pk):
    shift = get_object_or_404(
        scope(DutyShift.objects.select_related("roster"), request.user), pk=pk
    )
    removing = request.POST.get("action") == "remove"
    require_perm(
        request.user, "records.delete_dutyshift" if removing else "records.change_dutyshift"
    )
    if removing:
        try:
            services.duty_shift_remove(actor=request.user, shift=shift)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The duty was taken off the roster."))
    else:
        _action_form(
            request,
            forms.ShiftOutcomeForm,
            lambda d: services.duty_shift_record(
                actor=request.user, shift=shift, outcome=d["outcome"], note=d["note"]
            ),
            _("The outcome was recorded."),
        )
    return redirect("cadres:records:roster_detail", shift.roster_id)


@login_required
@perm("view_leaveperiod")
def leave_list(request):
    spec = ListSpec(
        title=_("Leave"),
        headers=[
            Header(_("Cadre"), "person"),
            Header(_("First day"), "starts_on"),
            Header(_("Last day"), "ends_on"),
            Header(_("Reason")),
            Header(_("Recorded by")),
        ],
        sorts={
            "person": ["person__name_key__pinyin_order"],
            "starts_on": ["starts_on"],
            "ends_on": ["ends_on"],
        },
        default_sort="-starts_on",
        export_name="leave",
        export_columns=[
            Column(_("Cadre")),
            Column(_("First day"), 12),
            Column(_("Last day"), 12),
            Column(_("Reason"), 30),
        ],
        export_row=lambda leave: [leave.person.name, leave.starts_on, leave.ends_on, leave.reason],
        template="cadres/records/leave_list.html",
    )
    filterset = filters.LeaveFilter(
        request.GET, queryset=selectors.leaves(request.user), request=request
    )
    return list_response(request, spec=spec, filterset=filterset)


@login_required
@perm("add_leaveperiod")
def leave_create(request, person_pk):
    person = _scoped_person(request, person_pk)
    form = forms.LeaveForm(request.POST or None)
    if request.method == "POST" and submit(
        form, lambda data: services.leave_record(actor=request.user, person=person, **data)
    ):
        messages.success(request, _("The leave was recorded."))
        return redirect("cadres:records:person_records", person.pk)
    return render(
        request,
        "cadres/records/form.html",
        {"form": form, "title": _("Leave of %(name)s") % {"name": person.name}},
    )


# 4. Pioneer projects ----------------------------------------------------------


@login_required
@perm("view_pioneerproject")
def project_list(request):
    spec = ListSpec(
        title=_("Pioneer projects"),
        headers=[
            Header(_("Year"), "year"),
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
            Header(_("Secretary")),
            Header(_("Project title"), "title"),
            Header(_("Handling status"), "status"),
            Header(_("Score"), "score"),
        ],
        sorts={
            "year": ["year", "village__code"],
            "village": ["village__code"],
            "title": ["title"],
            "status": ["status"],
            "score": ["score"],
        },
        default_sort="-year",
        export_name="pioneer-projects",
        export_columns=[
            Column(_("Year"), 8),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Secretary")),
            Column(_("Project title"), 30),
            Column(_("Goals"), 40),
            Column(_("Handling status")),
            Column(_("Completed on"), 12),
            Column(_("Score"), 8),
        ],
        export_row=lambda p: [
            p.year,
            p.village.township.name,
            p.village.name,
            p.person.name,
            p.title,
            p.goals,
            p.get_status_display(),
            p.completed_on,
            p.score,
        ],
        template="cadres/records/project_list.html",
    )
    filterset = filters.PioneerProjectFilter(
        request.GET, queryset=selectors.projects(request.user), request=request
    )
    return list_response(request, spec=spec, filterset=filterset)


@login_required
@perm("view_pioneerproject")
def project_overview(request):
    year = _year(request)
    rows = selectors.project_overview(request.user, year)
    township = None
    if request.GET.get("township"):
        township = object_or_404(user_townships(request.user), request.GET["township"])
    unclaimed = selectors.unclaimed_villages(request.user, year, township)
    if request.GET.get("format") == "xlsx":
        spec = ListSpec(
            title=_("Pioneer projects overview"),
            headers=[],
            sorts={},
            default_sort="",
            export_name=f"pioneer-overview-{year}",
            export_columns=[
                Column(_("Township or subdistrict")),
                Column(_("Villages")),
                Column(_("Claimed")),
                Column(_("Unclaimed")),
                Column(_("Completed")),
            ],
            export_row=lambda t: [t.name, t.village_count, t.claimed, t.unclaimed, t.completed],
            template="",
        )
        return export_response(request, spec=spec, rows=list(rows))
    return render(
        request,
        "cadres/records/project_overview.html",
        {"rows": rows, "year": year, "township": township, "unclaimed": unclaimed[:200]},
    )


@login_required
@perm("add_pioneerproject")
def project_create(request):
    form = forms.PioneerProjectForm(request.POST or None, user=request.user)
    if request.method == "POST" and (
        project := submit(
            form, lambda data: services.pioneer_project_claim(actor=request.user, **data)
        )
    ):
        messages.success(request, _("The project was recorded."))
        return redirect("cadres:records:project_detail", project.pk)
    return render(
        request, "cadres/records/form.html", {"form": form, "title": _("Claim a pioneer project")}
    )


@login_required
@perm("view_pioneerproject")
def project_detail(request, pk):
    project = get_object_or_404(
        selectors.projects(request.user).select_related("assessed_by"), pk=pk
    )
    progress_form = forms.ProgressForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "progress":
            progress_form = forms.ProgressForm(request.POST, request.FILES)
            if submit(
                progress_form,
                lambda data: services.project_progress_add(
                    actor=request.user, project=project, **data
                ),
            ):
                messages.success(request, _("The progress was recorded."))
                return redirect("cadres:records:project_detail", project.pk)
        elif action == "complete":
            _action_form(
                request,
                forms.ProjectCompleteForm,
                lambda d: services.pioneer_project_complete(
                    actor=request.user, project=project, **d
                ),
                _("The project was marked completed."),
            )
            return redirect("cadres:records:project_detail", project.pk)
        else:
            _action_form(
                request,
                forms.ProjectAssessForm,
                lambda d: services.pioneer_project_assess(actor=request.user, project=project, **d),
                _("The assessment was recorded."),
            )
            return redirect("cadres:records:project_detail", project.pk)
    return render(
        request,
        "cadres/records/project_detail.html",
        {
            "project": project,
            "progress": project.progress.select_related("recorded_by").prefetch_related(
                "documents"
            ),
            "progress_form": progress_form,
            "complete_form": forms.ProjectCompleteForm(),
            "assess_form": forms.ProjectAssessForm(),
            "history": project.history.select_related("history_user")[:20],
        },
    )


@login_required
@perm("view_pioneerproject")
def progress_document(request, pk):
    document = get_object_or_404(scope(ProgressDocument.objects.all(), request.user), pk=pk)
    return document_response(request, document)


# 5. Annual evaluation ---------------------------------------------------------


def _evaluation_spec(template: str) -> ListSpec:
    return ListSpec(
        title=_("Annual evaluations"),
        headers=[
            Header(_("Year"), "year"),
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
            Header(_("Secretary"), "person"),
            Header(_("Work results")),
            Header(_("Discipline")),
            Header(_("Public reputation")),
            Header(_("Weighted total"), "total"),
            Header(_("Grade"), "grade"),
        ],
        sorts={
            "year": ["year", "village__code"],
            "village": ["village__code"],
            "person": ["person__name_key__pinyin_order"],
            "total": ["total"],
            "grade": ["grade"],
        },
        default_sort="-year",
        export_name="annual-evaluations",
        export_columns=[
            Column(_("Year"), 8),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Secretary")),
            Column(_("Work results")),
            Column(_("Discipline")),
            Column(_("Public reputation")),
            Column(_("Weighted total")),
            Column(_("Grade")),
            Column(_("Evaluator")),
            Column(_("Evaluation date"), 12),
            Column(_("Comments"), 40),
        ],
        export_row=lambda e: [
            e.year,
            e.village.township.name,
            e.village.name,
            e.person.name,
            e.performance,
            e.discipline,
            e.reputation,
            e.total,
            e.get_grade_display(),
            e.evaluator,
            e.evaluated_on,
            e.comments,
        ],
        template=template,
    )


@login_required
@perm("view_annualevaluation")
def evaluation_list(request):
    filterset = filters.EvaluationFilter(
        request.GET, queryset=selectors.evaluations(request.user), request=request
    )
    return list_response(
        request,
        spec=_evaluation_spec("cadres/records/evaluation_list.html"),
        filterset=filterset,
        extra={"rule": services.GradingRule.objects.filter(active=True).first()},
    )


@login_required
@perm("add_annualevaluation")
def evaluation_create(request):
    """Evaluate the village's serving secretary, or with ?person= a secretary past or present."""
    person = _scoped_person(request, request.GET["person"]) if "person" in request.GET else None
    villages = None
    if person is not None:
        villages = scope(
            Village.objects.filter(
                pk__in=person.posts.filter(
                    body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
                ).values("village_id")
            ).select_related("township"),
            request.user,
        )
    form = forms.EvaluationForm(request.POST or None, user=request.user, villages=villages)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if person is None:
            post = services.serving_secretary_post(village=data["village"])
            person = post.person if post else None
        if person is None:
            form.add_error("village", _("This village has no serving party secretary."))
        else:
            try:
                evaluation = services.evaluation_record(actor=request.user, person=person, **data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The evaluation was recorded."))
                return redirect("cadres:records:evaluation_detail", evaluation.pk)
    return render(
        request,
        "cadres/records/form.html",
        {
            "form": form,
            "title": _("Evaluate %(name)s") % {"name": person.name}
            if person
            else _("Evaluate a village party secretary"),
            "help": _("The grade is computed from the scores by the district's grading rule."),
        },
    )


@login_required
@perm("change_gradingrule")
def grading_rule_edit(request):
    current = services.GradingRule.objects.filter(active=True).first()
    form = forms.GradingRuleForm(request.POST or None, instance=current)
    if request.method == "POST" and submit(
        form,
        lambda data: services.grading_rule_replace(
            actor=request.user,
            **{field: data[field] for field in forms.GradingRuleForm.Meta.fields},
        ),
    ):
        messages.success(request, _("The new grading rule applies to evaluations from now on."))
        return redirect("cadres:records:evaluation_list")
    return render(
        request,
        "cadres/records/form.html",
        {
            "form": form,
            "title": _("Grading rule"),
            "help": _(
                "Saving makes a new rule; evaluations already recorded keep the rule they "
                "were graded by. The weights add up to 1; a discipline score below the veto "
                "line makes the grade incompetent whatever the total."
            ),
        },
    )


@login_required
@perm("view_annualevaluation")
def evaluation_detail(request, pk):
    evaluation = get_object_or_404(
        selectors.evaluations(request.user).select_related("recorded_by"), pk=pk
    )
    return render(
        request,
        "cadres/records/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "earlier": selectors.evaluations(request.user).filter(person=evaluation.person),
            "history": evaluation.history.select_related("history_user")[:20],
        },
    )


# 6. Recusal in party member development -------------------------------------


@login_required
@perm("view_partycandidate")
def candidate_list(request):
    spec = ListSpec(
        title=_("Party membership candidates"),
        headers=[
            Header(_("Name"), "name"),
            Header(_("ID number")),
            Header(_("Township or subdistrict")),
            Header(_("Village"), "village"),
            Header(_("Stage"), "stage"),
            Header(_("Open recusals"), "open"),
        ],
        sorts={
            "name": ["name_key__pinyin_order"],
            "village": ["village__code", "name_key__pinyin_order"],
            "stage": ["stage"],
            "open": ["open_recusals"],
        },
        default_sort="village",
        export_name="party-candidates",
        export_columns=[
            Column(_("Name")),
            Column(_("ID number"), 22, text=True),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Stage")),
            Column(_("Open recusals")),
        ],
        export_row=lambda c: [
            c.name,
            mask_id_number(c.id_number) if c.id_number else "",
            c.village.township.name,
            c.village.name,
            c.get_stage_display(),
            c.open_recusals,
        ],
        template="cadres/records/candidate_list.html",
    )
    filterset = filters.PartyCandidateFilter(
        request.GET, queryset=selectors.candidates(request.user), request=request
    )
    return list_response(request, spec=spec, filterset=filterset)


@login_required
@perm("add_partycandidate")
def candidate_create(request):
    form = forms.PartyCandidateForm(request.POST or None, user=request.user)
    if request.method == "POST" and (
        candidate := submit(
            form, lambda data: services.party_candidate_add(actor=request.user, **data)
        )
    ):
        count = candidate.recusals.count()
        if count:
            messages.warning(
                request,
                _("%(count)d cadres of the village are relatives and must recuse themselves.")
                % {"count": count},
            )
        return redirect("cadres:records:candidate_detail", candidate.pk)
    return render(
        request,
        "cadres/records/form.html",
        {"form": form, "title": _("Record a party membership candidate")},
    )


@login_required
@perm("view_partycandidate")
def candidate_detail(request, pk):
    candidate = get_object_or_404(selectors.candidates(request.user), pk=pk)
    if request.method == "POST":
        _action_form(
            request,
            forms.CandidateStageForm,
            lambda d: services.party_candidate_advance(
                actor=request.user, candidate=candidate, stage=d["stage"]
            ),
            _("The stage was changed."),
        )
        return redirect("cadres:records:candidate_detail", candidate.pk)
    return render(
        request,
        "cadres/records/candidate_detail.html",
        {
            "candidate": candidate,
            "recusals": candidate.recusals.select_related("cadre", "relative", "recorded_by"),
            "stage_form": forms.CandidateStageForm(initial={"stage": candidate.stage}),
            "recusal_form": forms.RecusalForm(),
            "history": candidate.history.select_related("history_user")[:20],
        },
    )


@login_required
@perm("view_recusal")
def recusal_list(request):
    spec = ListSpec(
        title=_("Recusals"),
        headers=[
            Header(_("Cadre"), "cadre"),
            Header(_("Relation")),
            Header(_("Candidate"), "candidate"),
            Header(_("Village"), "village"),
            Header(_("Handling status"), "status"),
            Header(_("Opened"), "created"),
        ],
        sorts={
            "cadre": ["cadre__name_key__pinyin_order"],
            "candidate": ["candidate__name_key__pinyin_order"],
            "village": ["candidate__village__code"],
            "status": ["status"],
            "created": ["created_at"],
        },
        default_sort="created",
        export_name="recusals",
        export_columns=[
            Column(_("Cadre")),
            Column(_("Relation")),
            Column(_("Candidate")),
            Column(_("Township or subdistrict")),
            Column(_("Village")),
            Column(_("Handling status")),
            Column(_("Recorded on"), 12),
            Column(_("Recusal statement"), 40),
        ],
        export_row=lambda r: [
            r.cadre.name,
            r.relative.get_relation_display() if r.relative else "",
            r.candidate.name,
            r.candidate.village.township.name,
            r.candidate.village.name,
            r.get_status_display(),
            r.recorded_on,
            r.statement,
        ],
        template="cadres/records/recusal_list.html",
    )
    data = request.GET.copy()
    data.setdefault("status", Recusal.Status.OPEN)
    filterset = filters.RecusalFilter(
        data, queryset=selectors.recusals(request.user), request=request
    )
    return list_response(request, spec=spec, filterset=filterset)


@login_required
@require_POST
def recusal_record(request, pk):
    recusal = get_object_or_404(selectors.recusals(request.user), pk=pk)
    require_perm(request.user, "records.change_recusal")
    _action_form(
        request,
        forms.RecusalForm,
        lambda d: services.recusal_record(actor=request.user, recusal=recusal, **d),
        _("The recusal was recorded."),
    )
    return redirect("cadres:records:candidate_detail", recusal.candidate_id)


# The person's records ---------------------------------------------------------


@login_required
@perm("view_personalreport")
def person_records(request, pk):
    person = _scoped_person(request, pk)
    return render(
        request,
        "cadres/records/person_records.html",
        {
            "person": person,
            "serving_posts": Post.objects.serving().filter(person=person).select_related("village"),
            **selectors.person_records(person, request.user),
        },
    )
