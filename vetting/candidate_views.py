"""Candidate vetting pages: my queue with the pipeline, the case list and its export, the
joint review ledger, a case with its timeline and the actions the user may take, and
the batch nomination of the change of office.

Who sees what: township users see their townships' cases (another township's case
is 404); the district sees all; a joint-review department sees only the cases it was
asked about; other roles get 403. What a user may do comes from vetting.workflow.
"""

from dataclasses import replace

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cadres.choices import Department
from cadres.dates import partial_date
from cadres.documents import document_response
from cadres.error_workbook import (
    IMPORTED_AND_SKIPPED,
    error_workbook_from,
    error_workbook_response,
)
from cadres.filters import PersonFilter
from cadres.forms import add_service_errors
from cadres.identity import name_key, normalize_query
from cadres.import_templates import template_response
from cadres.listing import (
    CHUNK_SIZE,
    REVEAL_PERM,
    Col,
    ListSpec,
    export_response,
    field_column,
    id_number_column,
    list_response,
    local_date_column,
    township_column,
    village_column,
)
from cadres.models import AccessLogEntry, ImportFile, Person, Post
from cadres.paper import Reader, batch_response, paper_response
from cadres.place_filters import TownshipFilter
from cadres.scoping import object_or_404, query_number, query_numbers, scope
from cadres.search import SearchFilter
from cadres.selectors import import_files
from cadres.services import access_log_append, import_file_store
from cadres.spreadsheets import SpreadsheetError
from vetting import review_form, workflow
from vetting.candidate_forms import (
    ApproveForm,
    AttachmentForm,
    BatchUploadForm,
    CaseForm,
    CheckpointsForm,
    JointReviewForm,
    LedgerForm,
    NoteForm,
    OpinionForm,
    RejectForm,
    RelativeForm,
    ReplyForm,
    ReturnForm,
    SupplementaryForm,
    WithdrawForm,
)
from vetting.models import (
    CandidateCase,
    CaseAttachment,
    Checkpoint,
    DepartmentOpinion,
    Election,
    Hit,
)
from vetting.selectors import (
    case_queue,
    cases_visible,
    cases_with_related,
    opinions_followed,
    opinions_overdue,
    pipeline_counts,
)
from vetting.services import batch, candidates, joint_review, register_cases
from vetting.services.election import election_batch_link

SORTS = {
    "recent": ("-created_at", "-pk"),
    "name": ("name_key__pinyin_order", "pk"),
    "village": ("village__code", "pk"),
}


class CaseFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label=gettext_lazy("State"),
        choices=CandidateCase.State.choices,
        empty_label=gettext_lazy("Any state"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind of case"),
        choices=CandidateCase.Kind.choices,
        empty_label=gettext_lazy("Any kind"),
    )
    township = TownshipFilter(field_name="village__township")
    name = SearchFilter(label=gettext_lazy("Name"), method="by_name")
    submitted_after = django_filters.DateFilter(
        label=gettext_lazy("Submitted from"), field_name="submitted_at__date", lookup_expr="gte"
    )
    submitted_before = django_filters.DateFilter(
        label=gettext_lazy("Submitted until"), field_name="submitted_at__date", lookup_expr="lte"
    )
    sort = django_filters.ChoiceFilter(
        label=gettext_lazy("Sort by"),
        empty_label=gettext_lazy("Default order"),
        method="sort_by",
        choices=[
            ("recent", gettext_lazy("Most recent")),
            ("name", gettext_lazy("Name")),
            ("village", gettext_lazy("Village")),
        ],
    )

    class Meta:
        model = CandidateCase
        fields = ["state", "kind", "township", "name"]

    def by_name(self, queryset, name, value):
        return queryset.filter(name_key__contains=name_key(value))

    def sort_by(self, queryset, name, value):
        return queryset.order_by(*SORTS.get(value, SORTS["recent"]))


def _case_filter(request) -> CaseFilter:
    return CaseFilter(
        request.GET, queryset=cases_with_related(cases_visible(request.user)), request=request
    )


@login_required
def queue(request):
    """The cases waiting for the user's action, oldest submission first, with the pipeline."""
    visible = cases_visible(request.user)
    waiting = cases_with_related(case_queue(request.user)).order_by("submitted_at", "pk")
    return list_response(
        request,
        spec=QUEUE_SPEC,
        filterset=CaseFilter(request.GET, queryset=waiting, request=request),
        extra={
            "pipeline": pipeline_counts(visible),
            "states": CandidateCase.State.choices,
            "can_nominate": request.user.has_perm(workflow.NOMINATE),
            "can_bulk_agree": request.user.has_perm(workflow.GIVE_OPINION),
        },
    )


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


CASE_SPEC = ListSpec(
    title=gettext_lazy("Candidate cases"),
    columns=[
        township_column(gettext_lazy("Township or subdistrict")),
        village_column(gettext_lazy("Village"), width=12),
        Col(gettext_lazy("Candidate for a post"), lambda case: case.name, width=10),
        id_number_column(gettext_lazy("ID number")),
        Col(
            gettext_lazy("Proposed post"),
            lambda case: f"{case.get_body_display()}{case.get_title_display()}",
            width=18,
        ),
        Col(gettext_lazy("State"), lambda case: case.get_state_display(), width=10),
        Col(gettext_lazy("Nominated by"), lambda case: str(case.nominated_by), width=10),
        Col(gettext_lazy("Submitted"), lambda case: _local(case.submitted_at), width=17),
        Col(
            gettext_lazy("Hits on the case"),
            lambda case: f"{case.hits_total}/{case.relative_hits}",
            width=12,
        ),
        Col(gettext_lazy("Kind of case"), lambda case: case.get_kind_display(), page=False),
    ],
    filename="candidate-cases.xlsx",
    template="vetting/candidates/list.html",
    context_name="cases",
)
QUEUE_SPEC = replace(
    CASE_SPEC,
    title=gettext_lazy("Cases waiting for me"),
    filename="candidate-queue-{date}.xlsx",
    template="vetting/candidates/queue.html",
)


@login_required
def case_list(request):
    return list_response(request, spec=CASE_SPEC, filterset=_case_filter(request))


def _checkpoints_text(checkpoints, level: str) -> str:
    return "；".join(
        f"{c.get_kind_display()}{c.get_verdict_display()}" + (f"（{c.note}）" if c.note else "")
        for c in checkpoints
        if c.level == level
    )


def _opinions_text(case) -> str:
    return "；".join(
        f"{o.get_department_display()}：{o.get_verdict_display()}"
        + (f"（{o.note}）" if o.note else "")
        for o in case.opinions.all()
    )


def _hits_text(case) -> str:
    return "；".join(
        f"{h.entry.source.get_kind_display()}·{h.get_status_display()}" for h in case.hits.all()
    )


# The joint review ledger (联审台账): the district's own form, a row (number, case) per case.
# Its headers are the form's, in Chinese whatever the language.
LEDGER_SPEC = ListSpec(
    title="联审台账",
    columns=[
        Col("序号", lambda row: row[0], width=6),
        Col("乡镇（街道）", lambda row: row[1].village.township.name),
        Col("村", lambda row: row[1].village.name, width=12),
        Col("姓名", lambda row: row[1].name, width=10),
        Col("身份证号", lambda row: row[1].id_number, width=22, id_number=True),
        Col(
            "拟任职务",
            lambda row: f"{row[1].get_body_display()}{row[1].get_title_display()}",
            width=18,
        ),
        Col("提交时间", lambda row: _local(row[1].submitted_at), width=17),
        Col(
            "乡镇初审（五关）",
            lambda row: _checkpoints_text(row[1].checkpoints.all(), Checkpoint.Level.TOWNSHIP),
            width=30,
        ),
        Col("联审部门意见", lambda row: _opinions_text(row[1]), width=40),
        Col(
            "区级审查（五关）",
            lambda row: _checkpoints_text(row[1].checkpoints.all(), Checkpoint.Level.DISTRICT),
            width=30,
        ),
        Col("比中情况", lambda row: _hits_text(row[1]), width=24),
        Col("结论", lambda row: row[1].get_state_display(), width=10),
        Col("决定人", lambda row: str(row[1].decided_by or ""), width=10),
        Col("决定时间", lambda row: _local(row[1].decided_at), width=17),
        Col("理由", lambda row: row[1].decision_reason, width=30),
    ],
    filename="ledger-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
)


@login_required
def ledger(request):
    """The joint review ledger (联审台账) of a period, by submission date, as xlsx."""
    if not request.user.has_perm(workflow.REVIEW_DISTRICT) and not request.user.has_perm(
        workflow.REVIEW_TOWNSHIP
    ):
        raise PermissionDenied
    form = LedgerForm(request.GET or None)
    if not form.is_valid():
        return render(request, "vetting/candidates/ledger.html", {"form": form})
    period = (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
    cases = (
        cases_visible(request.user)
        .filter(submitted_at__date__range=period)
        .select_related("village__township", "decided_by")
        .prefetch_related(
            "checkpoints",
            "opinions",
            Prefetch("hits", queryset=Hit.objects.select_related("entry__source")),
        )
        .order_by("submitted_at", "pk")
    )
    return export_response(
        request,
        spec=LEDGER_SPEC,
        items=enumerate(cases.iterator(chunk_size=CHUNK_SIZE), start=1),
        filename_args={"start": period[0], "end": period[1]},
    )


# Overdue opinions ---------------------------------------------------------------------


class OverdueOpinionFilter(django_filters.FilterSet):
    department = django_filters.ChoiceFilter(
        label=gettext_lazy("Department"), choices=Department.choices
    )
    township = TownshipFilter(field_name="case__village__township")

    class Meta:
        model = DepartmentOpinion
        fields = ["department", "township"]


def _overdue_spec() -> ListSpec:
    return ListSpec(
        title=_("Overdue department opinions"),
        columns=[
            field_column(_("Due on"), "due_on", key="due", width=12),
            field_column(_("Department"), "department", display=True, width=16),
            township_column(_("Township"), "case.village", width=14),
            village_column(_("Village"), "case.village", width=12),
            Col(
                pgettext("vetting", "Candidate"),
                lambda o: o.case.name,
                key="name",
                sort=["case__name_key__pinyin_order"],
                width=10,
            ),
            Col(
                _("Proposed post"),
                lambda o: f"{o.case.get_body_display()}{o.case.get_title_display()}",
                width=18,
            ),
            local_date_column(_("Asked on"), "created_at", key="asked"),
        ],
        default_sort="due",
        filename="overdue-opinions-{date}.xlsx",
        template="vetting/candidates/overdue_opinions.html",
    )


@login_required
def overdue_opinions(request):
    """Opinions past their due date on cases under district review: every department's for
    the district, its own for a department."""
    overdue = opinions_overdue(opinions_followed(request.user), timezone.localdate())
    filterset = OverdueOpinionFilter(request.GET, queryset=overdue, request=request)
    return list_response(request, spec=_overdue_spec(), filterset=filterset)


# Nomination ---------------------------------------------------------------------------


# What the register's 提名 links may fill in: ?person=…&village=…&body=…&title=….
PREFILL_KEYS = ("person", "village", "body", "title", "villager_group", "term_start", "election")


@login_required
def case_new(request):
    if not request.user.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    if "post" in request.GET:
        return _supplementary_new(request)
    initial = {key: request.GET[key] for key in PREFILL_KEYS if request.GET.get(key)}
    form = CaseForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            case = candidates.case_create(actor=request.user, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The nomination was saved as a draft."))
            return redirect("vetting:case_detail", pk=case.pk)
    return render(request, "vetting/candidates/form.html", {"form": form, "case": None})


def _supplementary_new(request):
    """补审 (?post=…): the post and its holder are fixed; the nominator gives the reason."""
    post = object_or_404(
        scope(Post.objects.select_related("person", "village__township"), request.user),
        request.GET["post"],
    )
    form = SupplementaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case = register_cases.supplementary_case_create(
                actor=request.user, post=post, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The supplementary review was saved as a draft."))
            return redirect("vetting:case_detail", pk=case.pk)
    return render(
        request, "vetting/candidates/form.html", {"form": form, "case": None, "reviewed_post": post}
    )


@login_required
@require_POST
def roster_nominate(request, pk: int):
    """The 需提名 rows of an imported roster become draft cases (once each)."""
    if not request.user.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    record = get_object_or_404(
        import_files(request.user).filter(kind=ImportFile.Kind.ROSTER), pk=pk
    )
    try:
        created, skipped = register_cases.roster_nominations_create(
            actor=request.user, import_file=record
        )
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
        return redirect("cadres:import_preview", pk=record.pk)
    messages.success(
        request,
        _("%(count)d candidate cases were opened as drafts; %(skipped)d had been opened before.")
        % {"count": len(created), "skipped": skipped},
    )
    return redirect(f"{reverse('vetting:case_list')}?state={CandidateCase.State.DRAFT}")


PICKER_SIZE = 10


@login_required
def person_search(request):
    """People of the user's townships for the nomination form's picker (an htmx fragment)."""
    if not request.user.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    text = normalize_query(request.GET.get("q"))
    people = Person.objects.none()
    if text:
        people = (
            PersonFilter({"q": text}, queryset=scope(Person.objects.all(), request.user))
            .qs.select_related("home_village")
            .order_by("name_key__pinyin_order", "pk")[:PICKER_SIZE]
        )
    return render(
        request,
        "vetting/candidates/_person_results.html",
        {"people": people, "picked": None, "searched": bool(text)},
    )


def _visible_case(request, pk: int) -> CandidateCase:
    return get_object_or_404(cases_visible(request.user).select_related("village"), pk=pk)


@login_required
def case_edit(request, pk: int):
    case = _visible_case(request, pk)
    if not workflow.may(request.user, case, "edit"):
        raise PermissionDenied
    form = CaseForm(request.POST or None, instance=case, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            candidates.case_update(actor=request.user, case=case, **form.service_values())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The nomination was saved."))
            return redirect("vetting:case_detail", pk=case.pk)
    return render(request, "vetting/candidates/form.html", {"form": form, "case": case})


# The case ------------------------------------------------------------------------------

ACTION_FORMS = {
    "submit": NoteForm,
    "forward": NoteForm,
    "return": ReturnForm,
    "reject": RejectForm,
    "approve": ApproveForm,
    "open_joint_review": JointReviewForm,
    "opinion": OpinionForm,
    "check": CheckpointsForm,
    "record_reply": ReplyForm,
    "withdraw_department": WithdrawForm,
}
# Forms that offer the case's own departments.
CASE_FORMS = {"record_reply", "withdraw_department"}


def _action_form(verb: str, case: CandidateCase, *args, **kwargs):
    # One page holds several action forms: ids of their own, so that each label finds its field.
    kwargs["auto_id"] = f"id_{verb}_%s"
    if verb in CASE_FORMS:
        kwargs["case"] = case
    return ACTION_FORMS[verb](*args, **kwargs)


def _render_case(request, case: CandidateCase, forms: dict | None = None, status: int = 200):
    case = (
        CandidateCase.objects.select_related(
            "village__township",
            "villager_group",
            "nominated_by",
            "decided_by",
            "post",
            "person",
            "reviewed_post",
        )
        .prefetch_related(
            "relatives",
            "attachments",
            "transitions__actor",
            "checkpoints__recorded_by",
            "opinions__given_by",
        )
        .get(pk=case.pk)
    )
    allowed = workflow.available(request.user, case)
    if (
        "opinion" in allowed
        and not case.opinions.filter(
            department=request.user.department or "", verdict=DepartmentOpinion.Verdict.PENDING
        ).exists()
    ):
        allowed.discard("opinion")
    if not any(o.verdict == DepartmentOpinion.Verdict.PENDING for o in case.opinions.all()):
        allowed -= CASE_FORMS
    forms = forms or {}
    action_forms = {
        verb: forms.get(verb) or _action_form(verb, case)
        for verb in allowed
        if verb in ACTION_FORMS
    }
    checkpoints = list(case.checkpoints.all())
    level = "township" if case.state == CandidateCase.State.TOWNSHIP_REVIEW else "district"
    if "check" in allowed:
        action_forms["check"] = forms.get("check") or _action_form(
            "check", case, initial_rows=[c for c in checkpoints if c.level == level]
        )
    hits = list(
        candidates.case_hits(case)
        .select_related("entry__source", "candidate_relative")
        .order_by("-score", "pk")
    )
    return render(
        request,
        "vetting/candidates/detail.html",
        {
            "case": case,
            "allowed": allowed,
            "action_forms": action_forms,
            "township_checkpoints": [c for c in checkpoints if c.level == "township"],
            "district_checkpoints": [c for c in checkpoints if c.level == "district"],
            "hits": hits,
            "unsettled": any(hit.status == Hit.Status.PENDING for hit in hits),
            "blockers": candidates.approval_blockers(case) if "approve" in allowed else [],
            "relative_form": forms.get("relative") or RelativeForm(),
            "attachment_form": forms.get("attachment") or AttachmentForm(),
            "can_edit": "edit" in allowed,
            "duty_conflicts": workflow.conflicts(request.user, case),
            "person_visible": bool(case.person_id)
            and scope(Person.objects.filter(pk=case.person_id), request.user).exists(),
            "can_reveal": request.user.has_perm(REVEAL_PERM),
            "today": timezone.localdate(),
        },
        status=status,
    )


@login_required
def case_detail(request, pk: int):
    return _render_case(request, _visible_case(request, pk))


@login_required
@require_POST
def case_act(request, pk: int, verb: str):
    """One step of the workflow; the form of the step, then the service of the step."""
    case = _visible_case(request, pk)
    if verb not in ACTION_FORMS:
        raise PermissionDenied
    if not workflow.may(request.user, case, verb):
        raise PermissionDenied
    form = _action_form(verb, case, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        calls = {
            "submit": lambda: candidates.case_submit(
                actor=request.user, case=case, note=data["note"]
            ),
            "forward": lambda: candidates.case_forward(
                actor=request.user, case=case, note=data["note"]
            ),
            "return": lambda: candidates.case_return(
                actor=request.user, case=case, note=data["note"]
            ),
            "reject": lambda: candidates.case_reject(
                actor=request.user, case=case, reason=data["reason"]
            ),
            "approve": lambda: candidates.case_approve(actor=request.user, case=case, **data),
            "open_joint_review": lambda: candidates.case_joint_review_open(
                actor=request.user, case=case, **data
            ),
            "opinion": lambda: candidates.case_opinion_give(actor=request.user, case=case, **data),
            "check": lambda: candidates.case_checkpoints_record(
                actor=request.user, case=case, verdicts=form.verdicts()
            ),
            "record_reply": lambda: joint_review.case_opinion_reply_record(
                actor=request.user,
                case=case,
                department=data["department"],
                verdict=data["verdict"],
                note=data["note"],
                reply_on=data["reply_on"],
                upload=data["file"],
            ),
            "withdraw_department": lambda: joint_review.case_department_withdraw(
                actor=request.user, case=case, department=data["department"], reason=data["reason"]
            ),
        }
        asked = (
            set(case.opinions.values_list("department", flat=True))
            if verb == "open_joint_review"
            else set()
        )
        try:
            calls[verb]()
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if verb == "open_joint_review":
                _joint_review_opened_messages(request, asked, data["departments"])
            else:
                messages.success(request, _("Done."))
            return redirect("vetting:case_detail", pk=case.pk)
    return _render_case(request, case, {verb: form}, status=400)


def _joint_review_opened_messages(request, asked: set[str], picked: list[str]) -> None:
    """Say what the (re)opening changed: the departments added, and those left asked."""
    added = [department for department in picked if department not in asked]
    messages.success(
        request,
        _("Asked for an opinion: %(departments)s.")
        % {"departments": candidates.department_labels(added)},
    )
    kept = sorted(asked - set(picked))
    if kept:
        messages.info(
            request,
            _(
                "Still asked: %(departments)s. A department asked stays asked; to take one "
                "out of this review, withdraw it."
            )
            % {"departments": candidates.department_labels(kept)},
        )


@never_cache
@require_POST
@login_required
def reveal_id_number(request, pk: int, relative_pk: int | None = None):
    """The full ID number of a candidate or of a relative, for an htmx swap; every reveal is
    written to the access log. A department may reveal them on the cases it was asked about
    (to look the person up in its own systems); others 404."""
    if not request.user.has_perm(REVEAL_PERM):
        raise PermissionDenied
    case = _visible_case(request, pk)
    record = case if relative_pk is None else get_object_or_404(case.relatives, pk=relative_pk)
    access_log_append(user=request.user, action=AccessLogEntry.Action.REVEAL_ID, obj=record)
    return render(request, "cadres/_id_revealed.html", {"id_number": record.id_number})


@login_required
@require_POST
def relative_add(request, pk: int):
    case = _visible_case(request, pk)
    if not workflow.may(request.user, case, "edit"):
        raise PermissionDenied
    form = RelativeForm(request.POST)
    if form.is_valid():
        try:
            candidates.case_relative_add(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("vetting:case_detail", pk=case.pk)
    return _render_case(request, case, {"relative": form}, status=400)


@login_required
def relative_edit(request, pk: int, relative_pk: int):
    case = _visible_case(request, pk)
    relative = get_object_or_404(case.relatives, pk=relative_pk)
    if not workflow.may(request.user, case, "edit"):
        raise PermissionDenied
    form = RelativeForm(
        request.POST or None,
        initial={
            "name": relative.name,
            "relation": relative.relation,
            "birth_date": partial_date(relative, "birth_date"),
            "work_unit_and_post": relative.work_unit_and_post,
        },
    )
    # Never put the full ID number back into the page.
    form.fields["id_number"].help_text = _("Leave empty to keep the number on file.")
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        if not values["id_number"]:
            values.pop("id_number")
        try:
            candidates.case_relative_update(actor=request.user, relative=relative, **values)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The family member was saved."))
            return redirect("vetting:case_detail", pk=case.pk)
    return render(
        request,
        "vetting/candidates/relative_form.html",
        {"form": form, "case": case, "relative": relative},
    )


@login_required
@require_POST
def relative_remove(request, pk: int, relative_pk: int):
    case = _visible_case(request, pk)
    relative = get_object_or_404(case.relatives, pk=relative_pk)
    if not workflow.may(request.user, case, "edit"):
        raise PermissionDenied
    try:
        candidates.case_relative_remove(actor=request.user, relative=relative)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("vetting:case_detail", pk=case.pk)


@login_required
@require_POST
def attachment_add(request, pk: int):
    case = _visible_case(request, pk)
    if not workflow.may(request.user, case, "edit"):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            candidates.case_attachment_add(
                actor=request.user, case=case, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("vetting:case_detail", pk=case.pk)
    return _render_case(request, case, {"attachment": form}, status=400)


@login_required
def attachment_download(request, pk: int):
    """Attachments are served only here, to those who may see the case."""
    attachment = get_object_or_404(
        CaseAttachment.objects.filter(case__in=cases_visible(request.user)), pk=pk
    )
    return document_response(request, attachment)


@login_required
@require_POST
def opinions_agree_bulk(request):
    if not request.user.has_perm(workflow.GIVE_OPINION):
        raise PermissionDenied
    ids = query_numbers(request.POST.getlist("case"))
    count = candidates.case_opinions_agree_bulk(
        actor=request.user, case_ids=ids, note=request.POST.get("note", "")
    )
    skipped = len(ids) - count
    messages.success(
        request,
        _("Agreed on %(count)d cases; %(skipped)d not clean, to be handled one by one.")
        % {"count": count, "skipped": skipped},
    )
    return redirect("vetting:case_queue")


# Batch nomination (换届) -----------------------------------------------------------------


def _batch_file(user, pk: int) -> ImportFile:
    return get_object_or_404(
        ImportFile.objects.filter(kind=ImportFile.Kind.CANDIDATES, uploaded_by=user), pk=pk
    )


def _plan_or_error(request, form, source):
    try:
        return batch.batch_plan(actor=request.user, source=source)
    except SpreadsheetError as error:
        form.add_error("file", str(error))
    return None


@login_required
def batch_upload(request):
    """Upload → check (a workbook without candidate rows is not kept) → preview → confirm."""
    if not request.user.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    # Within a general election (换届): the batch's cases will belong to it.
    election_pk = query_number(request.POST.get("election") or request.GET.get("election"))
    the_election = get_object_or_404(Election, pk=election_pk) if election_pk else None
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        plan = _plan_or_error(request, form, upload)
        if plan is not None and not plan.rows:
            return render(
                request,
                "vetting/candidates/batch_preview.html",
                {"plan": plan, "record": None},
            )
        # A workbook with rows in error is kept too: its good rows may be nominated, its
        # rows in error downloaded to correct.
        if plan is not None:
            try:
                record, _earlier = import_file_store(
                    actor=request.user, upload=upload, kind=ImportFile.Kind.CANDIDATES
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                if the_election is not None:
                    election_batch_link(
                        actor=request.user, election=the_election, import_file=record
                    )
                return redirect("vetting:batch_preview", pk=record.pk)
    return render(
        request, "vetting/candidates/batch_upload.html", {"form": form, "election": the_election}
    )


@login_required
def batch_template(request):
    if not request.user.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    return template_response(batch.TEMPLATE)


@login_required
def batch_preview(request, pk: int):
    record = _batch_file(request.user, pk)
    try:
        plan = batch.batch_plan_stored(actor=request.user, import_file=record)
    except SpreadsheetError as error:
        return render(
            request,
            "vetting/candidates/batch_preview.html",
            {"plan": None, "record": record, "file_error": str(error)},
        )
    return render(
        request,
        "vetting/candidates/batch_preview.html",
        {
            "plan": plan,
            "record": record,
            "sample": batch.plan_nominees(plan, 20),
            "error_rows": plan.error_rows,
            "valid_rows": plan.valid_rows if plan.cases else 0,
            "errors_url": reverse("vetting:batch_errors", args=[record.pk]),
            "imported": record.status == ImportFile.Status.IMPORTED,
            "dependents_note": _(
                "A family member whose candidate's row is in error is skipped with that row."
            ),
        },
    )


@login_required
def batch_errors(request, pk: int):
    """The workbook's rows in error, as a workbook to correct and upload again.

    Seen by whoever sees the preview: the uploader, who may still nominate (batch_plan)."""
    record = _batch_file(request.user, pk)
    try:
        plan = batch.batch_plan_stored(actor=request.user, import_file=record)
        workbook = error_workbook_from(record.file, plan.failures())
    except SpreadsheetError as error:
        raise Http404 from error
    return error_workbook_response(request, record=record, workbook=workbook)


@login_required
@require_POST
def batch_confirm(request, pk: int):
    if not request.user.has_perm(workflow.NOMINATE):
        raise PermissionDenied
    record = _batch_file(request.user, pk)
    if record.status == ImportFile.Status.IMPORTED:
        messages.info(request, _("This workbook has already been imported."))
        return redirect("vetting:case_queue")
    try:
        ids = batch.batch_nominate(
            actor=request.user,
            import_file=record,
            keep_unknown="keep_unknown" in request.POST,
            skip_errors="skip_errors" in request.POST,
        )
    except ValidationError as error:
        for message in error.messages[:20]:
            messages.error(request, message)
        return redirect("vetting:batch_preview", pk=record.pk)
    messages.success(
        request,
        _("%(count)d candidates were nominated, submitted and screened.") % {"count": len(ids)},
    )
    summary = record.summary
    if summary["skipped_rows"]:
        messages.warning(
            request,
            IMPORTED_AND_SKIPPED
            % {"imported": summary["imported_rows"], "skipped": summary["skipped_rows"]},
        )
        return redirect("vetting:batch_preview", pk=record.pk)
    return redirect("vetting:case_list")


@login_required
def case_form(request, pk: int):
    """The joint-review form of one case: print page, or .docx with ?format=docx."""
    case = review_form.review_form_case(request.user, pk)
    reader = Reader.of(request.user)
    paper = review_form.review_paper(case, reader, review_form.rules_in_force())
    return paper_response(
        request,
        paper,
        obj=case,
        filename=_("Joint review form %(name)s.docx") % {"name": case.name},
        reader=reader,
        docx_url=f"{request.path}?format=docx",
        back_url=reverse("vetting:case_detail", args=[case.pk]),
    )


@login_required
def batch_forms(request, pk: int):
    """The joint-review forms of every case of a nomination batch that the user may open."""
    batch = review_form.review_forms_batch(request.user, batch=pk)
    return batch_response(
        request,
        batch,
        title=_("Joint review forms"),
        job_kind=review_form.JOB,
        params={"batch": pk},
    )
