"""The team structure page (队伍结构), from the user's townships down to one township's
villages, with its xlsx export; and the district's targets, each change a new version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.forms import StructureTargetsForm
from cadres.listing import ListSpec, export_response
from cadres.models import StructureTargets
from cadres.scoping import object_or_404, user_townships
from cadres.services import require_perm
from cadres.structure import (
    STRUCTURE_COLUMNS,
    active_targets,
    structure_targets_replace,
    team_structure,
)

STRUCTURE_SPEC = ListSpec(
    title=gettext_lazy("Team structure"),
    columns=STRUCTURE_COLUMNS,
    filename="team-structure-{date}.xlsx",
)


@login_required
def structure(request):
    township = None
    if "township" in request.GET:
        township = object_or_404(user_townships(request.user), request.GET["township"])
    figures = team_structure(request.user, timezone.localdate(), township)
    if request.GET.get("format") == "xlsx":
        return export_response(request, spec=STRUCTURE_SPEC, items=[figures.total, *figures.rows])
    return render(
        request,
        "cadres/structure.html",
        {
            "structure": figures,
            "can_change_targets": request.user.has_perm("cadres.add_structuretargets"),
        },
    )


@login_required
@permission_required("cadres.view_structuretargets", raise_exception=True)
def targets_history(request):
    return render(
        request,
        "cadres/structure_targets.html",
        {
            "versions": StructureTargets.objects.select_related("created_by"),
            "fields": [StructureTargets._meta.get_field(n) for n in StructureTargets.TARGET_FIELDS],
        },
    )


@login_required
@permission_required("cadres.view_structuretargets", raise_exception=True)
def targets_version(request, pk: int):
    return render(
        request,
        "cadres/structure_targets.html",
        {
            "versions": [get_object_or_404(StructureTargets, pk=pk)],
            "fields": [StructureTargets._meta.get_field(n) for n in StructureTargets.TARGET_FIELDS],
            "one_version": True,
        },
    )


@login_required
def targets_edit(request):
    require_perm(request.user, "cadres.add_structuretargets")
    form = StructureTargetsForm(request.POST or None, instance=active_targets())
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            structure_targets_replace(actor=request.user, **data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The new targets apply from now on."))
            return redirect("cadres:structure")
    return render(
        request,
        "cadres/form.html",
        {"form": form, "title": _("Team structure targets")},
        status=400 if request.method == "POST" else 200,
    )
