"""Pages of 监督约束. Every object is fetched from a scoped queryset (404 outside the
user's townships) and every write goes through a service (403 for a role that may not act)."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from cadres.dates import date_cell
from cadres.documents import document_response
from cadres.forms import submit
from cadres.listing import (
    Col,
    ListSpec,
    field_column,
    list_response,
    person_column,
    township_column,
    village_column,
)
from cadres.models import Person, Village
from cadres.scoping import object_or_404, scope
from cadres.services import require_perm
from supervision import filters, forms, selectors, services
from supervision.models import (
    Audit,
    AuditAttachment,
    Disclosure,
    DisclosureKind,
    DisclosureSchedule,
    Handover,
    HandoverDocument,
    HandoverLine,
    MisconductCase,
    SupervisionRecord,
)


def _require(user, *perms: str) -> None:
    if not any(user.has_perm(f"supervision.{perm}") for perm in perms):
        raise PermissionDenied


def _form_page(request, form, title, *, back, multipart=False):
    return render(
        request,
        "supervision/form.html",
        {"form": form, "title": title, "back": back, "multipart": multipart},
    )


# Supervision records ----------------------------------------------------------------------


def _names(people) -> str:
    return "、".join(p.name for p in people)


RECORD_SPEC = ListSpec(
    title=gettext_lazy("Supervision records"),
    columns=[
        field_column(gettext_lazy("Date"), "date", width=12),
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        field_column(gettext_lazy("Tier"), "tier", display=True, width=24),
        field_column(gettext_lazy("Kind"), "kind", display=True, width=10),
        Col(gettext_lazy("Cadres concerned"), lambda r: _names(r.cadres.all()), width=20),
        Col(gettext_lazy("Findings"), lambda r: r.findings, width=40),
        Col(
            gettext_lazy("Rectification required"), lambda r: r.rectification, width=40, page=False
        ),
        field_column(
            gettext_lazy("Rectification deadline"),
            "rectification_deadline",
            key="deadline",
            width=12,
        ),
        Col(gettext_lazy("Rectified on"), lambda r: r.rectified_on, width=12, page=False),
        Col(gettext_lazy("Rectification")),
    ],
    default_sort="-date",
    filename="supervision-records-{date}.xlsx",
    template="supervision/record_list.html",
)


def _records(user):
    return selectors.visible_records(user).select_related("village__township")


@login_required
def record_list(request, overdue: bool = False):
    if not (
        request.user.has_perm("supervision.view_supervisionrecord")
        or selectors.is_agriculture_bureau(request.user)
    ):
        raise PermissionDenied
    records = _records(request.user).prefetch_related(
        Prefetch("cadres", queryset=Person.objects.only("pk", "name"))
    )
    if overdue:
        records = selectors.overdue_rectifications(records)
    filterset = filters.RecordFilter(request.GET, queryset=records, request=request)
    spec = RECORD_SPEC
    if overdue:
        spec = replace(RECORD_SPEC, title=_("Overdue rectifications"))
    return list_response(
        request,
        spec=spec,
        filterset=filterset,
        extra={"today": selectors.today(), "overdue": overdue},
    )


@login_required
def record_create(request):
    user = request.user
    if not (
        user.has_perm("supervision.add_supervisionrecord") or selectors.is_agriculture_bureau(user)
    ):
        raise PermissionDenied
    form = forms.RecordForm(request.POST or None, user=user)
    if request.method == "POST":
        record = submit(
            form,
            lambda data: services.record_create(
                actor=user,
                tier=data["tier"],
                date=data["date"],
                village=data["village"],
                kind=data["kind"],
                findings=data["findings"],
                cadres=data["cadres"],
                rectification=data["rectification"],
                rectification_deadline=data["rectification_deadline"],
            ),
        )
        if record:
            messages.success(request, _("The supervision record was saved."))
            return redirect("supervision:record_detail", record.pk)
    return _form_page(request, form, _("New supervision record"), back="supervision:record_list")


def _record(request, pk):
    return get_object_or_404(
        _records(request.user).prefetch_related("cadres"),
        pk=pk,
    )


@login_required
def record_detail(request, pk):
    record = _record(request, pk)
    return render(
        request,
        "supervision/record_detail.html",
        {
            "record": record,
            "overdue": selectors.overdue_rectifications(
                SupervisionRecord.objects.filter(pk=record.pk)
            ).exists(),
            "rectify_form": forms.RectifyForm(initial={"rectified_on": selectors.today()}),
            "cases": scope(record.misconduct_cases.select_related("person"), request.user),
        },
    )


@login_required
def record_edit(request, pk):
    record = _record(request, pk)
    if not services.may_change_record(request.user, record):
        raise PermissionDenied
    form = forms.RecordForm(request.POST or None, instance=record, user=request.user)
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.record_update(
                actor=request.user,
                record=record,
                date=data["date"],
                kind=data["kind"],
                findings=data["findings"],
                cadres=data["cadres"],
                rectification=data["rectification"],
                rectification_deadline=data["rectification_deadline"],
            ),
        )
        if saved:
            messages.success(request, _("The supervision record was saved."))
            return redirect("supervision:record_detail", record.pk)
    return _form_page(request, form, _("Edit supervision record"), back="supervision:record_list")


@login_required
@require_POST
def record_rectify(request, pk):
    record = _record(request, pk)
    if not services.may_change_record(request.user, record):
        raise PermissionDenied
    form = forms.RectifyForm(request.POST)
    done = submit(
        form,
        lambda data: services.record_rectify(
            actor=request.user, record=record, rectified_on=data["rectified_on"], note=data["note"]
        ),
    )
    if done:
        messages.success(request, _("The rectification was marked as done."))
        return redirect("supervision:record_detail", record.pk)
    return _form_page(
        request, form, _("Mark the rectification as done"), back="supervision:record_list"
    )


# Audits --------------------------------------------------------------------------------------


AUDIT_SPEC = ListSpec(
    title=gettext_lazy("Audits"),
    columns=[
        field_column(gettext_lazy("Kind"), "kind", display=True, width=14),
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        Col(gettext_lazy("Audited"), lambda a: a.subject, width=30),
        field_column(gettext_lazy("Status"), "status", display=True, width=10),
        Col(gettext_lazy("Auditor"), lambda a: a.auditor, width=20),
        Col(gettext_lazy("Findings"), lambda a: a.findings, width=40, page=False),
        field_column(
            gettext_lazy("Amount questioned (yuan)"), "amount_questioned", key="amount", width=14
        ),
        Col(gettext_lazy("Conclusion"), lambda a: a.conclusion, width=40, page=False),
        field_column(gettext_lazy("Completed on"), "completed_on", key="completed", width=12),
    ],
    sorts={"created": ["created_at"]},
    default_sort="-created",
    filename="audits-{date}.xlsx",
    template="supervision/audit_list.html",
)


def _audits(user):
    return scope(
        Audit.objects.select_related("village__township", "post__person", "post__village"), user
    )


@login_required
def audit_list(request):
    _require(request.user, "view_audit")
    filterset = filters.AuditFilter(request.GET, queryset=_audits(request.user), request=request)
    return list_response(request, spec=AUDIT_SPEC, filterset=filterset)


DUE_SPEC = ListSpec(
    title=gettext_lazy("Audits due"),
    columns=[
        Col(
            gettext_lazy("Audit due"),
            lambda p: Audit.Kind(p.due_kind).label,
            key="due",
            sort=["due_kind"],
            width=14,
        ),
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        person_column(gettext_lazy("Cadre"), width=10),
        Col(
            gettext_lazy("Post"),
            lambda p: f"{p.get_body_display()}{p.get_title_display()}",
            width=24,
        ),
        Col(
            gettext_lazy("Term end"),
            lambda p: date_cell(p, "term_end"),
            key="term_end",
            sort=["term_end"],
            width=12,
        ),
        field_column(gettext_lazy("Ended on"), "ended_on", width=12),
        Col(gettext_lazy("End reason"), lambda p: p.get_end_reason_display(), width=12, page=False),
        Col(""),
    ],
    default_sort="term_end",
    filename="audits-due-{date}.xlsx",
    template="supervision/audit_due_list.html",
)


@login_required
def audit_due_list(request):
    _require(request.user, "view_audit")
    due = selectors.posts_due_for_audit(request.user)
    filterset = filters.DuePostFilter(request.GET, queryset=due, request=request)
    return list_response(request, spec=DUE_SPEC, filterset=filterset)


@login_required
def audit_create(request):
    _require(request.user, "add_audit")
    initial = {}
    if post_id := request.GET.get("post"):
        # Only a post whose audit is due.
        post = object_or_404(selectors.posts_due_for_audit(request.user), post_id)
        initial = {"post": post, "kind": post.due_kind}
    form = forms.AuditCreateForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        audit = submit(
            form,
            lambda data: services.audit_create(actor=request.user, **data),
        )
        if audit:
            messages.success(request, _("The audit was planned."))
            return redirect("supervision:audit_detail", audit.pk)
    return _form_page(request, form, _("Plan an audit"), back="supervision:audit_list")


def _audit(request, pk):
    return get_object_or_404(_audits(request.user), pk=pk)


@login_required
def audit_detail(request, pk):
    audit = _audit(request, pk)
    return render(
        request,
        "supervision/audit_detail.html",
        {
            "audit": audit,
            "attachments": audit.attachments.select_related("uploaded_by"),
            "attachment_form": forms.AttachmentForm(),
            "cases": scope(audit.misconduct_cases.select_related("person"), request.user),
        },
    )


@login_required
def audit_edit(request, pk):
    audit = _audit(request, pk)
    _require(request.user, "change_audit")
    form = forms.AuditForm(request.POST or None, instance=audit)
    if request.method == "POST":
        saved = submit(
            form, lambda data: services.audit_update(actor=request.user, audit=audit, **data)
        )
        if saved:
            messages.success(request, _("The audit was saved."))
            return redirect("supervision:audit_detail", audit.pk)
    return _form_page(request, form, _("Edit audit"), back="supervision:audit_list")


@login_required
@require_POST
def audit_attach(request, pk):
    audit = _audit(request, pk)
    require_perm(request.user, "supervision.change_audit")
    form = forms.AttachmentForm(request.POST, request.FILES)
    saved = submit(
        form,
        lambda data: services.audit_attach(actor=request.user, audit=audit, upload=data["file"]),
    )
    if saved:
        messages.success(request, _("The attachment was uploaded."))
        return redirect("supervision:audit_detail", audit.pk)
    return _form_page(
        request, form, _("Upload an attachment"), back="supervision:audit_list", multipart=True
    )


@login_required
def attachment_download(request, pk):
    attachment = get_object_or_404(scope(AuditAttachment.objects.all(), request.user), pk=pk)
    return document_response(request, attachment)


# Disclosure ----------------------------------------------------------------------------------


DISCLOSURE_SPEC = ListSpec(
    title=gettext_lazy("Affairs disclosure"),
    columns=[
        field_column(gettext_lazy("Period"), "period_start", key="period", width=12),
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        field_column(gettext_lazy("Kind"), "kind", display=True, width=12),
        Col(gettext_lazy("What was published"), lambda d: d.content, width=40, page=False),
        field_column(gettext_lazy("Published on"), "published_on", key="published", width=12),
        Col(gettext_lazy("Disclosed through"), lambda d: d.get_channel_display(), width=14),
        Col(gettext_lazy("Verified by"), lambda d: str(d.verified_by or ""), width=10),
        Col(gettext_lazy("Verified on"), lambda d: d.verified_on, width=12, page=False),
    ],
    default_sort="-period",
    filename="disclosures-{date}.xlsx",
    template="supervision/disclosure_list.html",
)


def _disclosures(user):
    return scope(
        Disclosure.objects.select_related("village__township", "verified_by", "recorded_by"), user
    )


@login_required
def disclosure_list(request):
    _require(request.user, "view_disclosure")
    filterset = filters.DisclosureFilter(
        request.GET, queryset=_disclosures(request.user), request=request
    )
    return list_response(request, spec=DISCLOSURE_SPEC, filterset=filterset)


OVERDUE_DISCLOSURE_SPEC = ListSpec(
    title=gettext_lazy("Overdue disclosures"),
    columns=[
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        Col(gettext_lazy("Kind"), lambda r: r.kind_label, width=12),
        Col(gettext_lazy("Period"), lambda r: r.period_label, width=14),
        Col(gettext_lazy("Due by"), lambda r: r.deadline, width=12),
    ],
    filename="disclosures-overdue-{date}.xlsx",
    template="supervision/disclosure_overdue.html",
)


@login_required
def disclosure_overdue(request):
    _require(request.user, "view_disclosure")
    form = filters.OverdueDisclosureFilter(request.GET or None, user=request.user)
    villages = scope(Village.objects.all(), request.user)
    kind = ""
    if form.is_valid():
        kind = form.cleaned_data["kind"]
        if form.cleaned_data["township"]:
            villages = villages.filter(township=form.cleaned_data["township"])
    # Computed rows in the selector's order (village, kind), filtered by a plain form.
    return list_response(
        request,
        spec=OVERDUE_DISCLOSURE_SPEC,
        filterset=form,
        queryset=selectors.overdue_disclosures(villages, kind=kind),
        extra={"form": form, "schedules": DisclosureSchedule.objects.all()},
    )


@login_required
def disclosure_create(request):
    _require(request.user, "add_disclosure")
    form = forms.DisclosureForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        disclosure = submit(
            form,
            lambda data: services.disclosure_create(
                actor=request.user,
                village=data["village"],
                kind=data["kind"],
                period_day=data["period_day"],
                content=data["content"],
                published_on=data["published_on"],
                channel=data["channel"],
                photo=data["photo"] or None,
            ),
        )
        if disclosure:
            messages.success(request, _("The disclosure was recorded."))
            return redirect("supervision:disclosure_detail", disclosure.pk)
    return _form_page(
        request,
        form,
        _("Record a disclosure"),
        back="supervision:disclosure_list",
        multipart=True,
    )


def _disclosure(request, pk):
    return get_object_or_404(_disclosures(request.user), pk=pk)


@login_required
def disclosure_detail(request, pk):
    disclosure = _disclosure(request, pk)
    period, _grace = selectors.schedules()[disclosure.kind]
    return render(
        request,
        "supervision/disclosure_detail.html",
        {
            "disclosure": disclosure,
            "period_label": selectors.period_label(disclosure.period_start, period),
        },
    )


@login_required
@require_POST
def disclosure_verify(request, pk):
    disclosure = _disclosure(request, pk)
    try:
        services.disclosure_verify(actor=request.user, disclosure=disclosure)
        messages.success(request, _("The disclosure was verified."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("supervision:disclosure_detail", disclosure.pk)


@login_required
def disclosure_photo(request, pk):
    disclosure = _disclosure(request, pk)
    if not disclosure.photo:
        return redirect("supervision:disclosure_detail", disclosure.pk)
    # An <img> shows an attachment all the same; opened on its own, the photo is saved under
    # a name that the suffix of its sniffed type completes.
    name = f"{disclosure.village.name}{disclosure.get_kind_display()}{disclosure.period_start:%Y%m}"
    return document_response(request, disclosure, file=disclosure.photo, filename=name)


@login_required
def schedule_list(request):
    _require(request.user, "view_disclosureschedule")
    rows = []
    for kind, (period, grace) in selectors.schedules().items():
        rows.append(
            {
                "kind": kind,
                "label": DisclosureKind(kind).label,
                "period": DisclosureSchedule.Period(period).label,
                "grace": grace,
            }
        )
    return render(request, "supervision/schedule_list.html", {"rows": rows})


@login_required
def schedule_edit(request, kind):
    _require(request.user, "change_disclosureschedule")
    if kind not in DisclosureKind.values:
        return redirect("supervision:schedule_list")
    schedule = DisclosureSchedule.objects.filter(kind=kind).first()
    if schedule is None:
        period, grace = selectors.DEFAULT_SCHEDULE[kind]
        schedule = DisclosureSchedule(kind=kind, period=period, grace_days=grace)
    form = forms.ScheduleForm(request.POST or None, instance=schedule)
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.disclosure_schedule_set(actor=request.user, kind=kind, **data),
        )
        if saved:
            messages.success(request, _("The disclosure schedule was saved."))
            return redirect("supervision:schedule_list")
    title = _("Disclosure schedule: %(kind)s") % {"kind": DisclosureKind(kind).label}
    return _form_page(request, form, title, back="supervision:schedule_list")


# Misconduct cases -----------------------------------------------------------------------------


CASE_SPEC = ListSpec(
    title=gettext_lazy("Misconduct cases"),
    columns=[
        field_column(gettext_lazy("Date"), "occurred_on", key="date", width=12),
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        person_column(gettext_lazy("Cadre"), width=10),
        field_column(gettext_lazy("Category"), "category", display=True, width=14),
        Col(gettext_lazy("Facts"), lambda c: c.facts, width=40, page=False),
        Col(gettext_lazy("Source"), lambda c: c.get_source_display(), width=12),
        field_column(gettext_lazy("Disposition"), "disposition", display=True, width=14),
        Col(gettext_lazy("Disposed on"), lambda c: c.disposed_on, width=12, page=False),
        Col(gettext_lazy("Referred to"), lambda c: c.referral_body_label, width=20),
        Col(gettext_lazy("Referred on"), lambda c: c.referred_on, width=12, page=False),
        Col(gettext_lazy("Outcome"), lambda c: c.referral_outcome, width=30, page=False),
        field_column(gettext_lazy("Status"), "status", display=True, width=10),
    ],
    default_sort="-date",
    filename="misconduct-cases-{date}.xlsx",
    template="supervision/case_list.html",
)


def _cases(user):
    return scope(MisconductCase.objects.select_related("person", "village__township"), user)


@login_required
def case_list(request):
    _require(request.user, "view_misconductcase")
    filterset = filters.CaseFilter(request.GET, queryset=_cases(request.user), request=request)
    return list_response(request, spec=CASE_SPEC, filterset=filterset)


@login_required
def case_create(request):
    _require(request.user, "add_misconductcase")
    initial = {
        key: request.GET[key] for key in ("source_record", "source_audit") if key in request.GET
    }
    if initial:
        initial["source"] = (
            MisconductCase.Source.SUPERVISION
            if "source_record" in initial
            else MisconductCase.Source.AUDIT
        )
    form = forms.CaseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        case = submit(form, lambda data: services.case_open(actor=request.user, **data))
        if case:
            messages.success(request, _("The case was opened."))
            return redirect("supervision:case_detail", case.pk)
    return _form_page(request, form, _("Open a misconduct case"), back="supervision:case_list")


def _case(request, pk):
    return get_object_or_404(
        _cases(request.user).select_related(
            "source_record", "source_audit__post__person", "source_audit__village"
        ),
        pk=pk,
    )


CASE_ACTIONS = {
    "dispose": (forms.DisposeForm, services.case_dispose, gettext_lazy("Decide the disposition")),
    "refer": (forms.ReferForm, services.case_refer, gettext_lazy("Refer the case")),
    "outcome": (
        forms.OutcomeForm,
        services.case_record_outcome,
        gettext_lazy("Record the outcome of the referral"),
    ),
    "note": (forms.NoteForm, services.case_add_note, gettext_lazy("Add a note")),
    "close": (forms.NoteForm, services.case_close, gettext_lazy("Close the case")),
    "reopen": (forms.NoteForm, services.case_reopen, gettext_lazy("Reopen the case")),
}


# What whoever opened the case or changed its facts may not do (separation of duties).
CASE_DECISIONS = {"dispose", "refer", "close"}


def _case_forms(case: MisconductCase, user) -> list[dict]:
    """The actions that the case's state allows the user, each with its empty form."""
    closed = case.status == MisconductCase.Status.CLOSED
    allowed = ["note"]
    if closed:
        allowed.append("reopen")
    else:
        allowed.append("dispose")
        if case.referred_on is None:
            allowed.append("refer")
        elif not case.referral_outcome:
            allowed.append("outcome")
        allowed.append("close")
    if not services.may_decide_case(user, case):
        allowed = [name for name in allowed if name not in CASE_DECISIONS]
    return [
        {"name": name, "title": CASE_ACTIONS[name][2], "form": CASE_ACTIONS[name][0](prefix=name)}
        for name in allowed
    ]


@login_required
def case_detail(request, pk):
    case = _case(request, pk)
    return render(
        request,
        "supervision/case_detail.html",
        {
            "case": case,
            "events": case.events.select_related("actor"),
            "actions": _case_forms(case, request.user)
            if request.user.has_perm("supervision.change_misconductcase")
            else [],
        },
    )


@login_required
def case_edit(request, pk):
    case = _case(request, pk)
    _require(request.user, "change_misconductcase")
    form = forms.CaseEditForm(request.POST or None, instance=case)
    if request.method == "POST":
        saved = submit(
            form, lambda data: services.case_update(actor=request.user, case=case, **data)
        )
        if saved:
            messages.success(request, _("The case was saved."))
            return redirect("supervision:case_detail", case.pk)
    return _form_page(request, form, _("Edit misconduct case"), back="supervision:case_list")


@login_required
def case_action(request, pk, action):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _case(request, pk)
    require_perm(request.user, "supervision.change_misconductcase")
    if action not in CASE_ACTIONS:
        return redirect("supervision:case_detail", case.pk)
    form_class, service, title = CASE_ACTIONS[action]
    form = form_class(request.POST, prefix=action)
    done = submit(form, lambda data: service(actor=request.user, case=case, **data))
    if done:
        messages.success(request, _("Saved: %(action)s.") % {"action": title})
        return redirect("supervision:case_detail", case.pk)
    return _form_page(request, form, title, back="supervision:case_list")


# Handovers (移交) ---------------------------------------------------------------------------------


def _holder_name(row) -> str:
    return row.incoming_holder.name if row.incoming_holder else ""


HANDOVER_SPEC = ListSpec(
    title=gettext_lazy("Handovers"),
    columns=[
        township_column(gettext_lazy("Township"), width=12),
        village_column(gettext_lazy("Village"), width=14),
        person_column(gettext_lazy("Outgoing holder"), through="outgoing_post.person", width=10),
        Col(gettext_lazy("Post"), lambda h: h.post_label, width=24),
        Col(
            gettext_lazy("Post ended on"),
            lambda h: h.outgoing_post.ended_on,
            key="ended",
            sort=["outgoing_post__ended_on"],
            width=12,
        ),
        Col(gettext_lazy("Incoming holder"), _holder_name, width=10),
        field_column(gettext_lazy("Opened on"), "opened_on", key="opened", width=12),
        field_column(pgettext_lazy("handover", "Due by"), "due_on", key="due", width=12),
        field_column(pgettext_lazy("handover", "State"), "state", display=True, width=10),
        Col(gettext_lazy("Items"), lambda h: h.line_count, width=8),
        field_column(gettext_lazy("Completed on"), "completed_on", key="completed", width=12),
    ],
    default_sort="due",
    filename="handovers-{date}.xlsx",
    template="supervision/handover_list.html",
)


@login_required
def handover_list(request):
    _require(request.user, "view_handover")
    rows = selectors.handovers(request.user).annotate(line_count=Count("lines"))
    filterset = filters.HandoverFilter(request.GET, queryset=rows, request=request)
    return list_response(
        request,
        spec=HANDOVER_SPEC,
        filterset=filterset,
        prepare=selectors.incoming_holders_attach,
        prepare_export=selectors.incoming_holders_attach,
        extra={"today": selectors.today()},
    )


@login_required
def handover_create(request):
    _require(request.user, "add_handover")
    initial = {}
    if post_id := request.GET.get("post"):
        post = object_or_404(selectors.handover_posts(request.user), post_id)
        initial = {
            "post": post,
            "due_on": max(selectors.handover_due_on(post.ended_on), selectors.today()),
        }
    form = forms.HandoverOpenForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST":
        handover = submit(
            form,
            lambda data: services.handover_open(
                actor=request.user, post=data["post"], due_on=data["due_on"]
            ),
        )
        if handover:
            messages.success(request, _("The handover was opened."))
            return redirect("supervision:handover_detail", handover.pk)
    return _form_page(request, form, _("Open a handover"), back="supervision:handover_list")


def _handover(request, pk) -> Handover:
    handover = get_object_or_404(
        selectors.handovers(request.user).select_related(
            "outgoing_post__village",
            "incoming_post",
            "opened_by",
            "outgoing_confirmed_by",
            "incoming_confirmed_by",
            "witness",
        ),
        pk=pk,
    )
    selectors.incoming_holders_attach([handover])
    return handover


CONFIRMATIONS = [
    (services.HandoverSide.OUTGOING, gettext_lazy("Outgoing holder")),
    (services.HandoverSide.INCOMING, gettext_lazy("Incoming holder")),
    (services.HandoverSide.WITNESS, gettext_lazy("Township witness")),
]


def _confirmations(handover: Handover, user, may_change: bool) -> list[dict]:
    """The three confirmations: who recorded each and when, and whether the user may record
    it now (the witness last, by a township user who did not write the list)."""
    sides = {
        "outgoing": (handover.outgoing_confirmed_at, handover.outgoing_confirmed_by),
        "incoming": (handover.incoming_confirmed_at, handover.incoming_confirmed_by),
        "witness": (handover.witness_confirmed_at, handover.witness),
    }
    holders_done = all(sides[side][0] for side in ("outgoing", "incoming"))
    has_lines = handover.line_count > 0
    rows = []
    for side, label in CONFIRMATIONS:
        at, by = sides[side]
        action = may_change and has_lines and at is None
        if side == "incoming":
            action = action and handover.incoming_holder is not None
        if side == "witness":
            action = action and holders_done and services.may_witness(user, handover)
        rows.append({"side": side, "label": label, "at": at, "by": by, "action": action})
    return rows


@login_required
def handover_detail(request, pk):
    handover = _handover(request, pk)
    lines = list(
        handover.lines.select_related("recorded_by").prefetch_related(
            Prefetch("documents", queryset=HandoverDocument.objects.select_related("uploaded_by"))
        )
    )
    handover.line_count = len(lines)
    may_change = services.may_change_handover(request.user, handover)
    return render(
        request,
        "supervision/handover_detail.html",
        {
            "handover": handover,
            "lines": lines,
            "may_change": may_change,
            "overdue": handover.state == Handover.State.OPEN
            and handover.due_on < selectors.today(),
            "confirmations": _confirmations(handover, request.user, may_change),
            "line_form": forms.HandoverLineForm() if may_change else None,
        },
    )


def _changeable(request, pk) -> Handover:
    """The handover, if the user may change it: 404 outside their townships, 403 otherwise."""
    handover = _handover(request, pk)
    require_perm(request.user, "supervision.change_handover")
    return handover


@login_required
def handover_edit(request, pk):
    handover = _changeable(request, pk)
    if handover.state == Handover.State.COMPLETED:
        messages.error(request, _("The handover is completed and can no longer be changed."))
        return redirect("supervision:handover_detail", handover.pk)
    form = forms.HandoverForm(request.POST or None, instance=handover)
    if request.method == "POST":
        saved = submit(
            form,
            lambda data: services.handover_update(actor=request.user, handover=handover, **data),
        )
        if saved:
            messages.success(request, _("The handover was saved."))
            return redirect("supervision:handover_detail", handover.pk)
    return _form_page(request, form, _("Edit handover"), back="supervision:handover_list")


@login_required
@require_POST
def handover_line_add(request, pk):
    handover = _changeable(request, pk)
    form = forms.HandoverLineForm(request.POST, request.FILES)
    line = submit(
        form,
        lambda data: services.handover_line_add(actor=request.user, handover=handover, **data),
    )
    if line:
        messages.success(request, _("The item was added."))
        return redirect("supervision:handover_detail", handover.pk)
    return _form_page(
        request, form, _("Add an item"), back="supervision:handover_list", multipart=True
    )


@login_required
@require_POST
def handover_line_remove(request, pk, line_pk):
    handover = _changeable(request, pk)
    line = get_object_or_404(HandoverLine, pk=line_pk, handover=handover)
    try:
        services.handover_line_remove(actor=request.user, line=line)
        messages.success(request, _("The item was removed."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("supervision:handover_detail", handover.pk)


@login_required
@require_POST
def handover_confirm(request, pk, side):
    handover = _changeable(request, pk)
    try:
        services.handover_confirm(actor=request.user, handover=handover, side=side)
        messages.success(request, _("The confirmation was recorded."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("supervision:handover_detail", handover.pk)


@login_required
def handover_document(request, pk):
    document = get_object_or_404(scope(HandoverDocument.objects.all(), request.user), pk=pk)
    return document_response(request, document)


# The person's profile section (registered in SupervisionConfig.ready()) -------------------------


def profile_section_context(request, person: Person) -> dict | None:
    user = request.user
    if not user.has_perm("supervision.view_misconductcase"):
        return None
    cases = list(
        scope(MisconductCase.objects.filter(person=person), user)
        .select_related("village")
        .annotate(event_count=Count("events"))
    )
    records = list(
        scope(person.supervision_records.select_related("village"), user).order_by("-date")[:10]
    )
    return {"supervision_cases": cases, "supervision_records": records}
