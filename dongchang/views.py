from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.choices import Light
from cadres.listing import export_response
from cadres.scoping import user_townships
from dongchang import election_report as election_report_module
from dongchang import manuals, todo, warnings
from dongchang.dashboard import figures_for, village_lights
from dongchang.forms import TodoDeadlinesForm, WarningRuleFormSet
from dongchang.models import (
    TodoDeadlines,
    WarningLight,
    WarningLightChange,
    WarningRule,
    WarningRules,
)
from vetting.models import Election
from vetting.rule_forms import VersionNoteForm

DEPARTMENT_ITEMS_SHOWN = 20


@login_required
def home(request):
    """The to-do centre: each kind of work the user can act on, its count, how many are
    overdue and its oldest items; the district also sees every township's overdue counts."""
    user = request.user
    today = timezone.localdate()
    department = user.has_perm("vetting.give_opinion") and bool(user.department)
    # A department's work is its opinions: its home shows more of them.
    shown = DEPARTMENT_ITEMS_SHOWN if department else todo.ITEMS_SHOWN
    context = {"waiting": todo.groups_for(user, today, shown), "today": today}
    if department:
        context["department"] = user.get_department_display()
    else:
        context["townships"] = user_townships(user).annotate(village_count=Count("villages"))
    if todo.may_see_overview(user):
        context["overview"] = todo.overdue_by_township(user, today)
    return render(request, "home.html", context)


@login_required
def dashboard(request):
    today = timezone.localdate()
    figures = figures_for(request.user, today)
    return render(
        request,
        "dongchang/dashboard.html",
        {"figures": figures, "village_lights": village_lights(request.user, today)},
    )


@login_required
def help_index(request):
    """帮助: the manual of the user's own role, with the others a click away."""
    return _help_page(request, manuals.guide_for(request.user))


@login_required
def help_guide(request, role: str):
    guide = manuals.GUIDES_BY_SLUG.get(role)
    if guide is None:
        raise Http404
    return _help_page(request, guide)


def _help_page(request, guide: manuals.Guide):
    context = {"guide": guide, "guides": manuals.GUIDES, "own": manuals.guide_for(request.user)}
    return render(request, guide.template, context)


# Warning lights ---------------------------------------------------------------------------


def warning_light_section(request, person) -> dict:
    """The profile's light: the rules fired, each linked to its source, and the changes.
    The person is one the user may see (the profile scoped them); three queries."""
    light = (
        WarningLight.objects.filter(person=person)
        .select_related("rules")
        .prefetch_related("rules__rules")
        .first()
    )
    changes = WarningLightChange.objects.filter(person=person)[:CHANGES_SHOWN]
    return {
        "light": light,
        "light_code": Light(light.light).code if light else Light.NONE.code,
        "reasons": warnings.reasons_of(light) if light else [],
        "changes": changes,
    }


CHANGES_SHOWN = 10


@login_required
@permission_required("dongchang.view_warningrules", raise_exception=True)
def warning_rules(request):
    return render(
        request,
        "dongchang/warnings/rules.html",
        {
            "version": WarningRules.objects.filter(active=True).first(),
            "versions": WarningRules.objects.select_related("created_by"),
            "can_change": request.user.has_perm(warnings.CHANGE_PERM),
        },
    )


@login_required
@permission_required("dongchang.view_warningrules", raise_exception=True)
def warning_rules_version(request, pk: int):
    return render(
        request,
        "dongchang/warnings/rules.html",
        {"version": get_object_or_404(WarningRules, pk=pk)},
    )


@login_required
@permission_required(warnings.CHANGE_PERM, raise_exception=True)
def warning_rules_edit(request):
    current = WarningRules.objects.filter(active=True).first()
    formset = WarningRuleFormSet(
        request.POST or None,
        queryset=current.rules.all() if current else WarningRule.objects.none(),
    )
    note_form = VersionNoteForm(request.POST or None)
    if request.method == "POST" and formset.is_valid() and note_form.is_valid():
        rules = [
            {key: value for key, value in form.cleaned_data.items() if key != "id"}
            for form in formset.forms
        ]
        try:
            warnings.warning_rules_replace(
                actor=request.user, rules=rules, note=note_form.cleaned_data["note"]
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("The new version applies now; every cadre's light is being recomputed.")
            )
            return redirect("warning_rules")
    # The rule pages' one edit template: the lines of a version and what changed.
    return render(
        request,
        "vetting/rules/edit.html",
        {
            "formset": formset,
            "note_form": note_form,
            "title": _("Warning rules"),
            "help": _(
                "Each condition lights its colour; a cadre's light is the worst colour fired, "
                "and the weights order cadres of one colour. Days and threshold apply where "
                "the condition has them. Saving makes a new version."
            ),
        },
        status=400 if request.method == "POST" else 200,
    )


# To-do deadlines -------------------------------------------------------------------------

TODO_FIELDS = [TodoDeadlines._meta.get_field(name) for name in TodoDeadlines.FIELDS]


@login_required
@permission_required("dongchang.view_tododeadlines", raise_exception=True)
def todo_deadlines(request):
    return render(
        request,
        "dongchang/todo_deadlines.html",
        {
            "versions": TodoDeadlines.objects.select_related("created_by"),
            "fields": TODO_FIELDS,
        },
    )


@login_required
@permission_required("dongchang.view_tododeadlines", raise_exception=True)
def todo_deadlines_version(request, pk: int):
    return render(
        request,
        "dongchang/todo_deadlines.html",
        {
            "versions": [get_object_or_404(TodoDeadlines, pk=pk)],
            "fields": TODO_FIELDS,
            "one_version": True,
        },
    )


@login_required
@permission_required(todo.CHANGE_PERM, raise_exception=True)
def todo_deadlines_edit(request):
    form = TodoDeadlinesForm(request.POST or None, instance=todo.active_deadlines())
    if request.method == "POST" and form.is_valid():
        try:
            todo.todo_deadlines_replace(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The new deadlines apply from now on."))
            return redirect("todo_deadlines")
    return render(
        request,
        "cadres/form.html",
        {"form": form, "title": _("To-do deadlines")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def election_report(request, pk: int):
    """The election's before-and-after: the user's townships and their total, and its xlsx."""
    if not election_report_module.may_view(request.user):
        raise PermissionDenied
    the_election = get_object_or_404(Election, pk=pk)
    report = election_report_module.election_report(request.user, the_election)
    if request.GET.get("format") == "xlsx":
        return export_response(
            request,
            spec=election_report_module.REPORT_SPEC,
            items=report.table_rows,
            obj=the_election,
            filename_args={"election": the_election.year},
        )
    return render(request, "dongchang/election_report.html", {"report": report})
