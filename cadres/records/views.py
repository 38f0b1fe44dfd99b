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
from cadres.listing import (
    Col,
    ListSpec,
    export_response,
    field_column,
    id_number_column,
    list_headers,
    list_response,
    local_date_column,
    person_column,
    township_column,
    village_column,
)
from cadres.models import Person, Post, Village
from cadres.records import filters, forms, selectors, services
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
        columns=[
            field_column(_("Filing number"), "filing_number", key="number", width=18, text=True),
            township_column(_("Township or subdistrict")),
            village_column(_("Village")),
            person_column(_("Secretary")),
            field_column(_("Filing date"), "filed_on", width=12),
            field_column(_("Handling status"), "status", display=True),
            Col(_("Reason for returning"), lambda f: f.return_reason, width=30, page=False),
        ],
        default_sort="-filed_on",
        filename="secretary-filings-{date}.xlsx",
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
        columns=[
            Col(
                _("Township or subdistrict"),
                lambda v: v.township.name,
                key="township",
                sort=["township__code", "code"],
            ),
            Col(_("Village"), lambda v: v.name, key="village", sort=["code"]),
            field_column(_("Secretary"), "secretary_name", key="secretary"),
            field_column(_("In office since"), "secretary_since", key="since", width=12),
            Col(
                _("Last filing"),
                lambda v: (
                    SecretaryFiling.Status(v.last_filing_status).label
                    if v.last_filing_status
                    else ""
                ),
            ),
        ],
        default_sort="village",
        filename="unfiled-secretaries-{date}.xlsx",
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
            "may_decide": services.may_decide_filing(request.user, filing),
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
        columns=[
            township_column(_("Township or subdistrict")),
            village_column(_("Village")),
            person_column(_("Secretary")),
            field_column(_("Planned end date"), "ends_on", width=12),
            Col(_("End reason"), lambda c: c.get_end_reason_display()),
            Col(_("Reason for the change"), lambda c: c.reason, width=40, page=False),
            Col(_("Proposed successor"), lambda c: c.successor),
            local_date_column(_("Requested on"), "created_at", key="created"),
            field_column(_("Handling status"), "status", display=True),
            Col(
                _("Decision note"),
                lambda c: c.decision_note or c.withdraw_reason,
                width=30,
                page=False,
            ),
        ],
        default_sort="-created",
        filename="secretary-changes-{date}.xlsx",
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
            "may_decide": services.may_decide_change(request.user, change),
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
        columns=[
            person_column(_("Cadre")),
            township_column(_("Township or subdistrict"), page=False),
            village_column(_("Village")),
            field_column(_("Year"), "year", width=8),
            Col(_("Kind"), lambda r: r.get_kind_display()),
            Col(_("Matters reported"), lambda r: "、".join(r.category_labels()), width=30),
            Col(_("Content"), lambda r: r.content, width=40, page=False),
            field_column(_("Reported on"), "reported_on", width=12),
            field_column(_("Handling status"), "status", display=True),
            Col(_("Review note"), lambda r: r.review_note, width=30, page=False),
        ],
        default_sort="-reported_on",
        filename="personal-reports-{date}.xlsx",
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
        columns=[
            Col(_("Cadre"), lambda p: p.name, key="name", sort=["name_key__pinyin_order"]),
            Col(_("Township or subdistrict"), lambda p: p.township_name),
            Col(
                _("Village"),
                lambda p: p.village_name,
                key="village",
                sort=["village_name", "name_key__pinyin_order"],
            ),
        ],
        default_sort="village",
        filename=f"missing-reports-{year}-{{date}}.xlsx",
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
            "may_review": services.may_review_report(request.user, report),
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
        columns=[
            township_column(_("Township or subdistrict")),
            village_column(_("Village"), sort=["village__code", "starts_on"]),
            Col(_("Period"), lambda r: r.get_period_display()),
            field_column(_("From"), "starts_on", width=12),
            Col(_("Until"), lambda r: r.ends_on, width=12),
            field_column(_("Duties scheduled"), "scheduled"),
            field_column(_("Done"), "done"),
            Col(_("Missed"), lambda r: r.missed),
        ],
        default_sort="-starts_on",
        filename="duty-rosters-{date}.xlsx",
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
        columns=[
            person_column(_("Cadre")),
            field_column(_("First day"), "starts_on", width=12),
            field_column(_("Last day"), "ends_on", width=12),
            Col(_("Reason"), lambda leave: leave.reason, width=30),
            Col(_("Recorded by")),
        ],
        default_sort="-starts_on",
        filename="leave-{date}.xlsx",
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
        columns=[
            Col(_("Year"), lambda p: p.year, key="year", sort=["year", "village__code"], width=8),
            township_column(_("Township or subdistrict")),
            village_column(_("Village")),
            person_column(_("Secretary")),
            field_column(_("Project title"), "title", width=30),
            Col(_("Goals"), lambda p: p.goals, width=40, page=False),
            field_column(_("Handling status"), "status", display=True),
            Col(_("Completed on"), lambda p: p.completed_on, width=12, page=False),
            field_column(_("Score"), "score", width=8),
        ],
        default_sort="-year",
        filename="pioneer-projects-{date}.xlsx",
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
    spec = ListSpec(
        title=_("Pioneer projects overview"),
        columns=[
            Col(_("Township or subdistrict"), lambda t: t.name),
            Col(_("Villages"), lambda t: t.village_count),
            Col(_("Claimed"), lambda t: t.claimed),
            Col(_("Unclaimed"), lambda t: t.unclaimed),
            Col(_("Completed"), lambda t: t.completed),
        ],
        filename=f"pioneer-overview-{year}-{{date}}.xlsx",
    )
    if request.GET.get("format") == "xlsx":
        # The rows as computed (unclaimed is set on them), a row per township.
        return export_response(request, spec=spec, items=list(rows))
    return render(
        request,
        "cadres/records/project_overview.html",
        {
            "rows": rows,
            "headers": list_headers(request, spec.columns),
            "year": year,
            "township": township,
            "unclaimed": unclaimed[:200],
        },
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
            "may_assess": services.may_assess_project(request.user, project),
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
        columns=[
            Col(_("Year"), lambda e: e.year, key="year", sort=["year", "village__code"], width=8),
            township_column(_("Township or subdistrict")),
            village_column(_("Village")),
            person_column(_("Secretary")),
            Col(_("Work results"), lambda e: e.performance),
            Col(_("Discipline"), lambda e: e.discipline),
            Col(_("Public reputation"), lambda e: e.reputation),
            field_column(_("Weighted total"), "total"),
            field_column(_("Grade"), "grade", display=True),
            Col(_("Evaluator"), lambda e: e.evaluator, page=False),
            Col(_("Evaluation date"), lambda e: e.evaluated_on, width=12, page=False),
            Col(_("Comments"), lambda e: e.comments, width=40, page=False),
        ],
        default_sort="-year",
        filename="annual-evaluations-{date}.xlsx",
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
        columns=[
            Col(_("Name"), lambda c: c.name, key="name", sort=["name_key__pinyin_order"]),
            id_number_column(_("ID number")),
            township_column(_("Township or subdistrict")),
            village_column(_("Village"), sort=["village__code", "name_key__pinyin_order"]),
            field_column(_("Stage"), "stage", display=True),
            field_column(_("Open recusals"), "open_recusals", key="open"),
        ],
        default_sort="village",
        filename="party-candidates-{date}.xlsx",
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
        columns=[
            person_column(_("Cadre"), "cadre", key="cadre"),
            Col(_("Relation"), lambda r: r.relative.get_relation_display() if r.relative else ""),
            person_column(_("Candidate"), "candidate", key="candidate"),
            township_column(_("Township or subdistrict"), "candidate.village", page=False),
            village_column(_("Village"), "candidate.village"),
            field_column(_("Handling status"), "status", display=True),
            Col(_("Recorded on"), lambda r: r.recorded_on, width=12, page=False),
            Col(_("Recusal statement"), lambda r: r.statement, width=40, page=False),
            Col(_("Opened"), key="created", sort=["created_at"]),
        ],
        default_sort="created",
        filename="recusals-{date}.xlsx",
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
