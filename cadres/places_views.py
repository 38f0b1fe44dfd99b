"""The places page (地点/区划) and the administrator's import of the division codes: upload,
preview of the differences, apply (cadres.places)."""

from __future__ import annotations

from contextlib import suppress

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cadres.error_workbook import error_workbook_response
from cadres.listing import Col, ListSpec, Sheet, export_response
from cadres.models import ImportFile, Township, Village
from cadres.places import (
    DEFAULT_SOURCE,
    TOWNSHIP,
    Change,
    PlacesChanged,
    may_import_places,
    places_apply,
    places_error_workbook,
    places_import_file,
    places_imports,
    places_preview,
    places_read,
)
from cadres.scoping import user_townships
from cadres.spreadsheets import SpreadsheetError, sheet_report_display
from cadres.widgets import DATE


class PlacesUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Code list (.xlsx)"),
        help_text=gettext_lazy(
            "The statistical division codes of the district, with the columns 统计用区划代码, "
            "城乡分类代码 and 名称; town-level and village-level rows on one sheet or several."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    source = forms.CharField(
        label=gettext_lazy("Source"), max_length=100, initial=DEFAULT_SOURCE, required=False
    )
    year = forms.IntegerField(
        label=gettext_lazy("Year of the list"),
        min_value=1980,
        max_value=2100,
        required=False,
        help_text=gettext_lazy("Leave empty to take it from the title row (2023年…)."),
    )


class PlacesApplyForm(forms.Form):
    effective_on = forms.DateField(
        label=gettext_lazy("The list applies from"),
        initial=timezone.localdate,
        widget=DATE,
        help_text=gettext_lazy(
            "New places begin on this day; places no longer listed end on the day before."
        ),
    )


def _village(attr: str):
    return lambda row: getattr(row[1], attr) if row[1] is not None else None


PLACE_COLUMNS = [
    Col(gettext_lazy("Township code"), lambda row: row[0].code, width=12, text=True),
    Col(gettext_lazy("township"), lambda row: row[0].name, width=14),
    Col(gettext_lazy("division code"), _village("code"), width=15, text=True),
    Col(gettext_lazy("name"), _village("name"), width=14),
    Col(
        gettext_lazy("kind"),
        lambda row: row[1].get_kind_display() if row[1] is not None else None,
        width=8,
    ),
    Col(gettext_lazy("urban-rural classification code"), _village("urban_rural_code"), width=8),
    Col(gettext_lazy("villager groups"), _village("group_count"), width=8),
]
# What the administrator sees besides: each place's days and where its code came from.
ADMINISTRATOR_COLUMNS = [
    Col(gettext_lazy("valid from"), _village("valid_from"), width=11),
    Col(gettext_lazy("valid to"), _village("valid_to"), width=11),
    Col(gettext_lazy("code source"), _village("code_source"), width=20),
    Col(gettext_lazy("year of the code list"), _village("code_year"), width=8),
]


def _places_spec(administrator: bool) -> ListSpec:
    columns = [*PLACE_COLUMNS, *(ADMINISTRATOR_COLUMNS if administrator else ())]
    return ListSpec(
        title=gettext_lazy("Places"),
        columns=columns,
        filename="places-{date}.xlsx",
        # The page's title has a slash (地点/区划), which a sheet's name may not.
        sheets=[Sheet(columns, title=gettext_lazy("Places and their codes"))],
    )


def _place_rows(townships: list[Township]) -> list[tuple]:
    """A row per village (and per township without one) for the export."""
    rows = []
    for township in townships:
        villages = list(township.villages.all())
        rows += [(township, village) for village in villages] or [(township, None)]
    return rows


def _require_importer(user) -> None:
    if not may_import_places(user):
        raise PermissionDenied


def places_overview(user, *, with_ended: bool) -> list[Township]:
    """The user's townships with their villages (open ones today, or every one): three
    queries, however many places."""
    townships = Township.objects.filter(pk__in=user_townships(user).values("pk"))
    villages = Village.objects.annotate(
        group_count=Count("groups", filter=Q(groups__valid_to__isnull=True))
    ).order_by("code")
    if not with_ended:
        townships, villages = townships.current(), villages.current()
    townships = list(townships.prefetch_related(Prefetch("villages", queryset=villages)))
    for township in townships:
        places = list(township.villages.all())
        township.has_villages = any(v.kind == Village.Kind.VILLAGE for v in places)
        township.only_communities = bool(places) and not township.has_villages
    return townships


@login_required
def places(request):
    """Every role that reaches a township reads its places; the administrator also sees
    ended places, where each code came from, and the imports."""
    administrator = may_import_places(request.user)
    if not administrator and not user_townships(request.user).exists():
        raise PermissionDenied
    with_ended = administrator and request.GET.get("ended") == "1"
    townships = places_overview(request.user, with_ended=with_ended)
    if request.GET.get("format") == "xlsx":
        return export_response(
            request, spec=_places_spec(administrator), items=_place_rows(townships)
        )
    context = {
        "townships": townships,
        "administrator": administrator,
        "with_ended": with_ended,
        "today": timezone.localdate(),
        "imports": places_imports()[:10] if administrator else (),
    }
    return render(request, "cadres/places/list.html", context)


@login_required
def places_import_upload(request):
    _require_importer(request.user)
    form = PlacesUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, earlier = places_import_file(
                actor=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            # The preview shows what is wrong with the file.
            with suppress(ValidationError):
                places_preview(
                    actor=request.user,
                    record=record,
                    source=form.cleaned_data["source"],
                    year=form.cleaned_data["year"],
                )
            if earlier is not None:
                messages.info(
                    request,
                    _("The same file was uploaded on %(day)s.")
                    % {"day": timezone.localtime(earlier.created_at).strftime("%Y-%m-%d %H:%M")},
                )
            return redirect("cadres:places_import_preview", pk=record.pk)
    return render(request, "cadres/places/upload.html", {"form": form})


def _record(pk: int) -> ImportFile:
    return get_object_or_404(places_imports(), pk=pk)


@login_required
def places_import_preview(request, pk: int):
    _require_importer(request.user)
    record = _record(pk)
    summary = record.summary
    entries = summary.get("entries", ())
    groups = []
    for change in Change:
        rows = [e for e in entries if change in e["changes"]]
        groups.append(
            {
                "change": change,
                "label": change.label,
                "townships": [e for e in rows if e["level"] == TOWNSHIP],
                "villages": [e for e in rows if e["level"] != TOWNSHIP],
                "count": len(rows),
            }
        )
    context = {
        "record": record,
        "summary": summary,
        "groups": groups,
        "kinds": {**dict(Township.Kind.choices), **dict(Village.Kind.choices)},
        "sheets": [sheet_report_display(sheet) for sheet in summary.get("sheets", ())],
        "form": PlacesApplyForm(),
        "imported": record.status == ImportFile.Status.IMPORTED,
    }
    return render(request, "cadres/places/preview.html", context)


@login_required
@require_POST
def places_import_apply(request, pk: int):
    _require_importer(request.user)
    record = _record(pk)
    form = PlacesApplyForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("effective_on", ()):
            messages.error(request, f"{form['effective_on'].label}：{error}")
        return redirect("cadres:places_import_preview", pk=record.pk)
    try:
        places_apply(
            actor=request.user, record=record, effective_on=form.cleaned_data["effective_on"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        if isinstance(error, PlacesChanged):
            # The preview shows the differences as they are now.
            places_preview(
                actor=request.user,
                record=record,
                source=record.summary.get("source", ""),
                year=record.summary.get("year"),
            )
    else:
        messages.success(request, _("The list was applied to the places."))
    return redirect("cadres:places_import_preview", pk=record.pk)


@login_required
def places_import_errors(request, pk: int):
    """The list's rows in error, as a workbook to correct."""
    _require_importer(request.user)
    record = _record(pk)
    try:
        found = places_read(record.file)
    except SpreadsheetError as error:
        messages.error(request, str(error))
        return redirect("cadres:places_import_preview", pk=record.pk)
    return error_workbook_response(
        request, record=record, workbook=places_error_workbook(record.file, found)
    )
