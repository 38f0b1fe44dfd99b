"""Pages of the general election (换届): elections, township plans, villages and results.

Every queryset is scoped to the user's townships (cadres.scoping); the services check the
permissions again. Townships fill their plans and enter results; the district opens the
election, confirms each village's results (starting the posts), or a township's at once, and
files them.
"""

from __future__ import annotations

from collections import Counter

import django_filters
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from cadres.error_workbook import error_workbook_from, error_workbook_response
from cadres.forms import add_service_errors
from cadres.import_templates import template_response
from cadres.listing import Col, ListSpec, field_column, list_response, township_column
from cadres.models import ImportFile, Post
from cadres.place_filters import TownshipFilter
from cadres.roster import post_label
from cadres.scoping import scope, sees_all_townships, user_townships
from cadres.services import import_file_store
from cadres.spreadsheets import SpreadsheetError
from vetting import election_stages, selectors
from vetting.election_forms import (
    ElectionOpenForm,
    FileForm,
    PlanForm,
    PlanVillagesForm,
    ResultsForm,
    ResultsUploadForm,
)
from vetting.models import CandidateCase, Election, ElectionPlan, ElectionVillage
from vetting.models.election import PLAN_TARGETS
from vetting.services import election as services
from vetting.services import election_results

VIEW = "vetting.view_election"


def _require(user, perm: str = VIEW) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


@login_required
def election_list(request):
    _require(request.user)
    return render(
        request,
        "vetting/election/list.html",
        {"elections": Election.objects.all(), "may_open": request.user.has_perm(services.OPEN)},
    )


@login_required
def election_open(request):
    _require(request.user, services.OPEN)
    form = ElectionOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            opened = services.election_open(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The election is open: townships can fill their plans."))
            return redirect("vetting:election_detail", pk=opened.pk)
    return render(request, "vetting/election/open.html", {"form": form})


def _villages(user, election_id: int):
    return scope(
        ElectionVillage.objects.filter(plan__election_id=election_id).select_related(
            "village__township", "plan"
        ),
        user,
    )


def _with_stages(rows) -> None:
    election_stages.with_stages(list(rows))


class VillageFilter(django_filters.FilterSet):
    township = TownshipFilter(field_name="plan__township")
    village = django_filters.CharFilter(
        label=gettext_lazy("Village"), field_name="village__name", lookup_expr="icontains"
    )


VILLAGE_SPEC = ListSpec(
    title=gettext_lazy("Villages in the election"),
    columns=[
        township_column(gettext_lazy("Township"), width=12),
        Col(
            gettext_lazy("Village"),
            lambda ev: ev.village.name,
            key="village",
            sort=["village__code"],
            width=14,
        ),
        field_column(gettext_lazy("Election date"), "election_on", width=12),
        Col(pgettext_lazy("election", "Stage"), lambda ev: str(ev.stage_label), width=10),
        Col(gettext_lazy("Candidates under review"), lambda ev: ev.pending_cases, width=10),
        Col(gettext_lazy("Candidates approved"), lambda ev: ev.approved_cases, width=10),
        Col(gettext_lazy("Posts won"), lambda ev: ev.result_count, width=10),
        field_column(gettext_lazy("Filed on"), "filed_on", width=12),
    ],
    default_sort="village",
    filename="election-villages-{date}.xlsx",
    template="vetting/election/detail.html",
)


@login_required
def election_detail(request, pk: int):
    _require(request.user)
    the_election = get_object_or_404(Election, pk=pk)
    villages = election_stages.with_counts(_villages(request.user, pk))
    filterset = VillageFilter(request.GET, queryset=villages, request=request)
    everything = election_stages.with_stages(list(villages.order_by()))
    by_township: dict[str, Counter] = {}
    for ev in everything:
        by_township.setdefault(ev.village.township.name, Counter())[ev.stage] += 1
    today = timezone.localdate()
    plans = scope(
        ElectionPlan.objects.filter(election=the_election).select_related("township"),
        request.user,
    )
    may_confirm = services.may_confirm(request.user)
    if may_confirm:
        plans = selectors.plans_with_results_to_confirm(plans)
    return list_response(
        request,
        spec=VILLAGE_SPEC,
        filterset=filterset,
        prepare=_with_stages,
        prepare_export=_with_stages,
        obj=the_election,
        extra={
            "election": the_election,
            "plans": plans,
            "may_confirm": may_confirm,
            "stages": election_stages.STAGES,
            "stage_counts": [
                (township, [counts[stage] for stage in election_stages.STAGES])
                for township, counts in sorted(by_township.items())
            ],
            "handovers_tracked": election_stages.handovers_tracked(),
            "not_cleared": election_stages.not_cleared(
                _villages(request.user, pk), today
            ).select_related("village__township", "plan"),
            "may_plan": request.user.has_perm(services.PLAN),
            # The before-and-after compares townships: a department reaches none.
            "reaches_townships": sees_all_townships(request.user)
            or user_townships(request.user).exists(),
        },
    )


@login_required
def plan_edit(request, pk: int):
    _require(request.user, services.PLAN)
    plan = get_object_or_404(
        scope(ElectionPlan.objects.select_related("election", "township"), request.user), pk=pk
    )
    in_plan = dict(plan.villages.values_list("village_id", "election_on"))
    data = request.POST if request.method == "POST" else None
    form = PlanForm(data, instance=plan, prefix="plan")
    villages_form = PlanVillagesForm(
        data,
        villages=plan.township.villages.order_by("code"),
        dates=in_plan,
        prefix="v",
    )
    if data is not None and form.is_valid() and villages_form.is_valid():
        values = {name: form.cleaned_data[name] for name in PLAN_TARGETS}
        try:
            services.plan_update(
                actor=request.user,
                plan=plan,
                joint_review_deadline=form.cleaned_data["joint_review_deadline"],
                filing_deadline=form.cleaned_data["filing_deadline"],
                note=form.cleaned_data["note"],
                **values,
            )
            services.plan_villages_set(actor=request.user, plan=plan, dates=villages_form.dates())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan is saved."))
            return redirect("vetting:election_detail", pk=plan.election_id)
    return render(
        request,
        "vetting/election/plan.html",
        {"plan": plan, "form": form, "villages_form": villages_form},
    )


def _election_village(user, pk: int) -> ElectionVillage:
    return get_object_or_404(
        scope(
            ElectionVillage.objects.select_related(
                "village__township", "plan__election", "plan__township", "confirmed_by"
            ),
            user,
        ),
        pk=pk,
    )


def _village_context(request, ev: ElectionVillage, form=None) -> dict:
    cases = list(
        CandidateCase.objects.filter(election_id=ev.plan.election_id, village_id=ev.village_id)
        .select_related("villager_group", "post")
        .order_by("body", "title", "pk")
    )
    results = {r.case_id: r for r in ev.results.all()}
    approved = [c for c in cases if c.state == CandidateCase.State.APPROVED]
    may_enter = request.user.has_perm(services.PLAN) and ev.confirmed_at is None
    if form is None and may_enter and approved:
        form = ResultsForm(cases=approved, results={k: r.votes for k, r in results.items()})
    won: dict[str, list[str]] = {}
    for case in cases:
        if case.pk in results:
            won.setdefault(case.id_number or case.name, []).append(
                post_label(case.body, case.title)
            )
    one_shoulder = {
        key
        for key, case_posts in won.items()
        if post_label(Post.Body.PARTY_BRANCH, Post.Title.SECRETARY) in case_posts
        and post_label(Post.Body.VILLAGERS_COMMITTEE, Post.Title.DIRECTOR) in case_posts
    }
    for case in cases:
        case.result = results.get(case.pk)
        key = case.id_number or case.name
        case.one_shoulder = case.pk in results and key in one_shoulder
        case.cross = case.pk in results and len(won.get(key, [])) > 1
        case.post_text = post_label(case.body, case.title)
    serving = (
        Post.objects.serving()
        .filter(village_id=ev.village_id)
        .select_related("person", "villager_group")
        .order_by("body", "title")
    )
    [ev_stage] = election_stages.with_stages(
        list(election_stages.with_counts(ElectionVillage.objects.filter(pk=ev.pk)))
    )
    return {
        "ev": ev,
        "stage": ev_stage.stage_label,
        "handovers_tracked": election_stages.handovers_tracked(),
        "cases": cases,
        "serving": serving,
        "form": form if may_enter else None,
        "may_confirm": services.may_confirm(request.user)
        and ev.confirmed_at is None
        and bool(results),
        "may_file": request.user.has_perm(services.OPEN)
        and ev.confirmed_at is not None
        and ev.filed_on is None,
        "file_form": FileForm(initial={"filed_on": timezone.localdate()}),
    }


@login_required
def village_detail(request, pk: int):
    _require(request.user)
    ev = _election_village(request.user, pk)
    form = None
    if request.method == "POST":
        _require(request.user, services.PLAN)
        approved = CandidateCase.objects.filter(
            election_id=ev.plan.election_id,
            village_id=ev.village_id,
            state=CandidateCase.State.APPROVED,
        ).order_by("body", "title", "pk")
        form = ResultsForm(request.POST, cases=approved, results={})
        if form.is_valid():
            try:
                services.results_enter(actor=request.user, village=ev, elected=form.elected())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The results are saved; the district confirms them."))
                return redirect("vetting:election_village", pk=ev.pk)
    return render(request, "vetting/election/village.html", _village_context(request, ev, form))


@login_required
@require_POST
def village_confirm(request, pk: int):
    _require(request.user)
    ev = _election_village(request.user, pk)
    if not services.may_confirm(request.user):
        raise PermissionDenied
    try:
        services.results_confirm(actor=request.user, village=ev)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("The results are confirmed: the new team's posts have started."),
        )
    return redirect("vetting:election_village", pk=ev.pk)


@login_required
@require_POST
def plan_confirm(request, pk: int):
    """The district confirms every village of a township's plan whose results are entered and
    not yet confirmed, at once: all of them, or none with every reason."""
    _require(request.user)
    plan = get_object_or_404(scope(ElectionPlan.objects.all(), request.user), pk=pk)
    if not services.may_confirm(request.user):
        raise PermissionDenied
    villages = list(selectors.results_to_confirm(plan.villages.all()))
    if not villages:
        messages.info(request, _("No village of this township has results to confirm."))
        return redirect("vetting:election_detail", pk=plan.election_id)
    try:
        services.results_confirm_many(actor=request.user, villages=villages)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "The results of %(count)d village are confirmed: the new team's posts have "
                "started.",
                "The results of %(count)d villages are confirmed: the new teams' posts have "
                "started.",
                len(villages),
            )
            % {"count": len(villages)},
        )
    return redirect("vetting:election_detail", pk=plan.election_id)


@login_required
@require_POST
def village_file(request, pk: int):
    _require(request.user, services.OPEN)
    ev = _election_village(request.user, pk)
    form = FileForm(request.POST)
    if form.is_valid():
        try:
            services.village_file(
                actor=request.user, village=ev, filed_on=form.cleaned_data["filed_on"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The village's new team is filed."))
    else:
        messages.error(request, _("Give the filing date."))
    return redirect("vetting:election_village", pk=ev.pk)


# Results from a workbook ----------------------------------------------------------------------


def _plan(user, pk: int) -> ElectionPlan:
    _require(user, services.PLAN)
    return get_object_or_404(
        scope(ElectionPlan.objects.select_related("election", "township"), user), pk=pk
    )


@login_required
def results_template(request):
    _require(request.user, services.PLAN)
    return template_response(election_results.TEMPLATE)


@login_required
def results_upload(request, pk: int):
    plan = _plan(request.user, pk)
    form = ResultsUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, _earlier = import_file_store(
                actor=request.user,
                upload=form.cleaned_data["file"],
                kind=ImportFile.Kind.ELECTION_RESULTS,
                township=plan.township,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("vetting:election_results_preview", pk=plan.pk, file_pk=record.pk)
    return render(request, "vetting/election/results_upload.html", {"plan": plan, "form": form})


def _results_file(user, plan: ElectionPlan, file_pk: int) -> ImportFile:
    return get_object_or_404(
        ImportFile.objects.filter(
            kind=ImportFile.Kind.ELECTION_RESULTS, uploaded_by=user, township=plan.township_id
        ),
        pk=file_pk,
    )


@login_required
def results_preview(request, pk: int, file_pk: int):
    plan = _plan(request.user, pk)
    record = _results_file(request.user, plan, file_pk)
    if request.method == "POST":
        try:
            count = election_results.results_import(
                actor=request.user, plan=plan, import_file=record
            )
        except ValidationError as error:
            for message in error.messages[:20]:
                messages.error(request, message)
        else:
            messages.success(request, _("%(count)d results imported.") % {"count": count})
            return redirect("vetting:election_detail", pk=plan.election_id)
    try:
        planned = election_results.results_plan_stored(
            actor=request.user, plan=plan, import_file=record
        )
        file_error = ""
    except SpreadsheetError as error:
        planned, file_error = None, str(error)
    return render(
        request,
        "vetting/election/results_preview.html",
        {
            "plan": plan,
            "record": record,
            "planned": planned,
            "file_error": file_error,
            "errors": planned.errors[:200] if planned else [],
            "errors_url": reverse("vetting:election_results_errors", args=[plan.pk, record.pk]),
            "imported": record.status == ImportFile.Status.IMPORTED,
        },
    )


@login_required
def results_errors(request, pk: int, file_pk: int):
    """The workbook's rows in error (and the rest of their villages), to correct and upload
    again; seen by whoever sees the preview."""
    plan = _plan(request.user, pk)
    record = _results_file(request.user, plan, file_pk)
    try:
        planned = election_results.results_plan_stored(
            actor=request.user, plan=plan, import_file=record
        )
        workbook = error_workbook_from(record.file, planned.failures())
    except SpreadsheetError as error:
        raise Http404 from error
    return error_workbook_response(request, record=record, workbook=workbook)
