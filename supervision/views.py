"""Pages of 监督约束. Every object is fetched from a scoped queryset (404 outside the
user's townships) and every write goes through a service (403 for a role that may not act)."""

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cadres.dates import date_cell
from cadres.documents import document_response
from cadres.forms import submit
from cadres.models import Person, Village
from cadres.records.listing import PAGE_SIZE, Header, ListSpec, export_response, list_response
from cadres.scoping import scope
from cadres.services import require_perm
from cadres.xlsx_export import Column
from supervision import filters, forms, selectors, services
from supervision.models import (
    Audit,
    AuditAttachment,
    Disclosure,
    DisclosureKind,
    DisclosureSchedule,
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


def _list(request, spec: ListSpec, filterset, **kwargs):
    """list_response with the spec's lazy texts made real for this request's language."""
    spec = replace(
        spec,
        title=str(spec.title),
        export_columns=[replace(c, header=str(c.header)) for c in spec.export_columns],
    )
    return list_response(request, spec=spec, filterset=filterset, **kwargs)


def _names(people) -> str:
    return "、".join(p.name for p in people)


RECORD_SPEC = ListSpec(
    title=gettext_lazy("Supervision records"),
    headers=[
        Header(gettext_lazy("Date"), "date"),
        Header(gettext_lazy("Township"), "township"),
        Header(gettext_lazy("Village"), "village"),
        Header(gettext_lazy("Tier"), "tier"),
        Header(gettext_lazy("Kind"), "kind"),
        Header(gettext_lazy("Cadres concerned")),
        Header(gettext_lazy("Findings")),
        Header(gettext_lazy("Rectification deadline"), "deadline"),
        Header(gettext_lazy("Rectification")),
    ],
    sorts={
        "date": ["date"],
        "township": ["village__township__code", "village__code"],
        "village": ["village__code"],
        "tier": ["tier"],
        "kind": ["kind"],
        "deadline": ["rectification_deadline"],
    },
    default_sort="-date",
    export_name="supervision-records",
    export_columns=[
        Column(gettext_lazy("Date"), 12),
        Column(gettext_lazy("Township"), 12),
        Column(gettext_lazy("Village"), 14),
        Column(gettext_lazy("Tier"), 24),
        Column(gettext_lazy("Kind"), 10),
        Column(gettext_lazy("Cadres concerned"), 20),
        Column(gettext_lazy("Findings"), 40),
        Column(gettext_lazy("Rectification required"), 40),
        Column(gettext_lazy("Rectification deadline"), 12),
        Column(gettext_lazy("Rectified on"), 12),
    ],
    export_row=lambda r: [
        r.date,
        r.village.township.name,
        r.village.name,
        r.get_tier_display(),
        r.get_kind_display(),
        _names(r.cadres.all()),
        r.findings,
        r.rectification,
        r.rectification_deadline,
        r.rectified_on,
    ],
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
    return _list(
        request,
        spec,
        filterset,
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
    headers=[
        Header(gettext_lazy("Kind"), "kind"),
        Header(gettext_lazy("Township"), "township"),
        Header(gettext_lazy("Village"), "village"),
        Header(gettext_lazy("Audited")),
        Header(gettext_lazy("Status"), "status"),
        Header(gettext_lazy("Auditor")),
        Header(gettext_lazy("Amount questioned (yuan)"), "amount"),
        Header(gettext_lazy("Completed on"), "completed"),
    ],
    sorts={
        "kind": ["kind"],
        "township": ["village__township__code", "village__code"],
        "village": ["village__code"],
        "status": ["status"],
        "amount": ["amount_questioned"],
        "completed": ["completed_on"],
        "created": ["created_at"],
    },
    default_sort="-created",
    export_name="audits",
    export_columns=[
        Column(gettext_lazy("Kind"), 14),
        Column(gettext_lazy("Township"), 12),
        Column(gettext_lazy("Village"), 14),
        Column(gettext_lazy("Audited"), 30),
        Column(gettext_lazy("Status"), 10),
        Column(gettext_lazy("Auditor"), 20),
        Column(gettext_lazy("Findings"), 40),
        Column(gettext_lazy("Amount questioned (yuan)"), 14),
        Column(gettext_lazy("Conclusion"), 40),
        Column(gettext_lazy("Completed on"), 12),
    ],
    export_row=lambda a: [
        a.get_kind_display(),
        a.village.township.name,
        a.village.name,
        a.subject,
        a.get_status_display(),
        a.auditor,
        a.findings,
        a.amount_questioned,
        a.conclusion,
        a.completed_on,
    ],
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
    return _list(request, AUDIT_SPEC, filterset)


DUE_SPEC = ListSpec(
    title=gettext_lazy("Audits due"),
    headers=[
        Header(gettext_lazy("Audit due"), "due"),
        Header(gettext_lazy("Township"), "township"),
        Header(gettext_lazy("Village"), "village"),
        Header(gettext_lazy("Cadre"), "person"),
        Header(gettext_lazy("Post")),
        Header(gettext_lazy("Term end"), "term_end"),
        Header(gettext_lazy("Ended on"), "ended_on"),
        Header(""),
    ],
    sorts={
        "due": ["due_kind"],
        "township": ["village__township__code", "village__code"],
        "village": ["village__code"],
        "person": ["person__name_key__pinyin_order"],
        "term_end": ["term_end"],
        "ended_on": ["ended_on"],
    },
    default_sort="term_end",
    export_name="audits-due",
    export_columns=[
        Column(gettext_lazy("Audit due"), 14),
        Column(gettext_lazy("Township"), 12),
        Column(gettext_lazy("Village"), 14),
        Column(gettext_lazy("Cadre"), 10),
        Column(gettext_lazy("Post"), 24),
        Column(gettext_lazy("Term end"), 12),
        Column(gettext_lazy("Ended on"), 12),
        Column(gettext_lazy("End reason"), 12),
    ],
    export_row=lambda p: [
        Audit.Kind(p.due_kind).label,
        p.village.township.name,
        p.village.name,
        p.person.name,
        f"{p.get_body_display()}{p.get_title_display()}",
        date_cell(p, "term_end"),
        p.ended_on,
        p.get_end_reason_display(),
    ],
    template="supervision/audit_due_list.html",
)


@login_required
def audit_due_list(request):
    _require(request.user, "view_audit")
    due = selectors.posts_due_for_audit(request.user)
    filterset = filters.DuePostFilter(request.GET, queryset=due, request=request)
    return _list(request, DUE_SPEC, filterset)


@login_required
def audit_create(request):
    _require(request.user, "add_audit")
    initial = {}
    if post_id := request.GET.get("post"):
        post = get_object_or_404(
            selectors.posts_due_for_audit(request.user), pk=post_id
        )  # only a post whose audit is due
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
    headers=[
        Header(gettext_lazy("Period"), "period"),
        Header(gettext_lazy("Township"), "township"),
        Header(gettext_lazy("Village"), "village"),
        Header(gettext_lazy("Kind"), "kind"),
        Header(gettext_lazy("Published on"), "published"),
        Header(gettext_lazy("Disclosed through")),
        Header(gettext_lazy("Verified by")),
    ],
    sorts={
        "period": ["period_start"],
        "township": ["village__township__code", "village__code"],
        "village": ["village__code"],
        "kind": ["kind"],
        "published": ["published_on"],
    },
    default_sort="-period",
    export_name="disclosures",
    export_columns=[
        Column(gettext_lazy("Period"), 12),
        Column(gettext_lazy("Township"), 12),
        Column(gettext_lazy("Village"), 14),
        Column(gettext_lazy("Kind"), 12),
        Column(gettext_lazy("What was published"), 40),
        Column(gettext_lazy("Published on"), 12),
        Column(gettext_lazy("Disclosed through"), 14),
        Column(gettext_lazy("Verified by"), 10),
        Column(gettext_lazy("Verified on"), 12),
    ],
    export_row=lambda d: [
        d.period_start,
        d.village.township.name,
        d.village.name,
        d.get_kind_display(),
        d.content,
        d.published_on,
        d.get_channel_display(),
        str(d.verified_by or ""),
        d.verified_on,
    ],
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
    return _list(request, DISCLOSURE_SPEC, filterset)


OVERDUE_DISCLOSURE_COLUMNS = [
    Column(gettext_lazy("Township"), 12),
    Column(gettext_lazy("Village"), 14),
    Column(gettext_lazy("Kind"), 12),
    Column(gettext_lazy("Period"), 14),
    Column(gettext_lazy("Due by"), 12),
]


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
    rows = selectors.overdue_disclosures(villages, kind=kind)
    if request.GET.get("format") == "xlsx":
        spec = replace(
            DISCLOSURE_SPEC,
            title=_("Overdue disclosures"),
            export_name="disclosures-overdue",
            export_columns=[replace(c, header=str(c.header)) for c in OVERDUE_DISCLOSURE_COLUMNS],
            export_row=lambda r: [
                r.village.township.name,
                r.village.name,
                r.kind_label,
                r.period_label,
                r.deadline,
            ],
        )
        return export_response(request, spec=spec, rows=rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/disclosure_overdue.html",
        {"form": form, "page_obj": page, "schedules": DisclosureSchedule.objects.all()},
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
    headers=[
        Header(gettext_lazy("Date"), "date"),
        Header(gettext_lazy("Township"), "township"),
        Header(gettext_lazy("Village"), "village"),
        Header(gettext_lazy("Cadre"), "person"),
        Header(gettext_lazy("Category"), "category"),
        Header(gettext_lazy("Source")),
        Header(gettext_lazy("Disposition"), "disposition"),
        Header(gettext_lazy("Referred to")),
        Header(gettext_lazy("Status"), "status"),
    ],
    sorts={
        "date": ["occurred_on"],
        "township": ["village__township__code", "village__code"],
        "village": ["village__code"],
        "person": ["person__name_key__pinyin_order"],
        "category": ["category"],
        "disposition": ["disposition"],
        "status": ["status"],
    },
    default_sort="-date",
    export_name="misconduct-cases",
    export_columns=[
        Column(gettext_lazy("Date"), 12),
        Column(gettext_lazy("Township"), 12),
        Column(gettext_lazy("Village"), 14),
        Column(gettext_lazy("Cadre"), 10),
        Column(gettext_lazy("Category"), 14),
        Column(gettext_lazy("Facts"), 40),
        Column(gettext_lazy("Source"), 12),
        Column(gettext_lazy("Disposition"), 14),
        Column(gettext_lazy("Disposed on"), 12),
        Column(gettext_lazy("Referred to"), 20),
        Column(gettext_lazy("Referred on"), 12),
        Column(gettext_lazy("Outcome"), 30),
        Column(gettext_lazy("Status"), 10),
    ],
    export_row=lambda c: [
        c.occurred_on,
        c.village.township.name,
        c.village.name,
        c.person.name,
        c.get_category_display(),
        c.facts,
        c.get_source_display(),
        c.get_disposition_display(),
        c.disposed_on,
        c.referral_body_label,
        c.referred_on,
        c.referral_outcome,
        c.get_status_display(),
    ],
    template="supervision/case_list.html",
)


def _cases(user):
    return scope(MisconductCase.objects.select_related("person", "village__township"), user)


@login_required
def case_list(request):
    _require(request.user, "view_misconductcase")
    filterset = filters.CaseFilter(request.GET, queryset=_cases(request.user), request=request)
    return _list(request, CASE_SPEC, filterset)


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


def _case_forms(case: MisconductCase) -> list[dict]:
    """The actions that the case's state allows, each with its empty form."""
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
            "actions": _case_forms(case)
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
