"""Roster import pages: upload, preview of every row's outcome, confirm; the template workbook.

The preview is never kept in the session: the stored file is read again on
confirm, inside the import's transaction, so what is written is what the
register looks like at that moment.
"""

import io
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from cadres.models import ImportFile
from cadres.roster import (
    CADRE_COLUMNS,
    COUNT_LABELS,
    FAMILY_COLUMNS,
    Outcome,
    post_label,
    roster_import,
    roster_plan,
)
from cadres.scoping import scope, user_townships
from cadres.services import import_file_store, may_write_register
from cadres.spreadsheets import IMPORT_WRITE_FAILED, SpreadsheetError
from cadres.xlsx_export import XLSX_CONTENT_TYPE

# The preview lists this many rows (errors first); the counts cover them all.
PREVIEW_ROWS = 500

logger = logging.getLogger(__name__)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Roster workbook (.xlsx)"),
        help_text=gettext_lazy(
            "A sheet of cadres and, optionally, a sheet of family members, as in the template."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


def _require_importer(user) -> None:
    if not may_write_register(user):
        raise PermissionDenied


def _import_file(user, pk: int) -> ImportFile:
    """A roster upload of the user's townships, or their own; 404 otherwise."""
    files = ImportFile.objects.filter(kind=ImportFile.Kind.ROSTER).select_related("uploaded_by")
    visible = files.filter(
        Q(pk__in=scope(ImportFile.objects.all(), user).values("pk")) | Q(uploaded_by=user)
    )
    return get_object_or_404(visible, pk=pk)


@login_required
def roster_upload(request):
    _require_importer(request.user)
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        townships = list(user_townships(request.user)[:2])
        try:
            record, _earlier = import_file_store(
                actor=request.user,
                upload=form.cleaned_data["file"],
                kind=ImportFile.Kind.ROSTER,
                # A one-township user's upload belongs to that township; others by uploader.
                township=townships[0] if len(townships) == 1 else None,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("cadres:import_preview", pk=record.pk)
    return render(request, "cadres/import_upload.html", {"form": form})


@login_required
def roster_preview(request, pk: int):
    _require_importer(request.user)
    record = _import_file(request.user, pk)
    earlier = (
        ImportFile.objects.filter(
            kind=record.kind, sha256=record.sha256, created_at__lt=record.created_at
        )
        .select_related("uploaded_by")
        .order_by("-created_at")
        .first()
    )
    context = {
        "record": record,
        "earlier": earlier,
        "file_error": None,
        "plan": None,
        "nominations": [
            {**row, "post": post_label(row["body"], row["title"])}
            for row in record.summary.get("nomination_rows", ())
        ],
    }
    try:
        with record.file.open("rb") as handle:
            plan = roster_plan(actor=request.user, source=handle)
    except SpreadsheetError as error:
        context["file_error"] = str(error)
    else:
        rows = sorted(plan.rows, key=lambda r: (r.outcome != Outcome.ERROR, r.sheet, r.row))
        context.update(
            plan=plan,
            rows=rows[:PREVIEW_ROWS],
            hidden_rows=max(0, len(rows) - PREVIEW_ROWS),
            counts=[(COUNT_LABELS[k], v) for k, v in plan.counts.items()],
            sheets=[report.shown for report in plan.sheets],
        )
    return render(request, "cadres/import_preview.html", context)


@login_required
@require_POST
def roster_confirm(request, pk: int):
    _require_importer(request.user)
    record = _import_file(request.user, pk)
    if record.status == ImportFile.Status.IMPORTED:
        messages.info(request, _("This file has already been imported."))
        return redirect("cadres:import_preview", pk=record.pk)
    try:
        with record.file.open("rb") as handle:
            plan = roster_import(
                actor=request.user,
                source=handle,
                import_file=record,
                keep_unknown="keep_unknown" in request.POST,
            )
    except SpreadsheetError as error:
        messages.error(request, str(error))
        return redirect("cadres:import_preview", pk=record.pk)
    except DatabaseError:
        logger.exception("roster import of file %s failed in the database", record.pk)
        messages.error(request, IMPORT_WRITE_FAILED)
        return redirect("cadres:import_preview", pk=record.pk)
    if not plan.ok:
        messages.error(
            request,
            _("%(count)d rows are in error; nothing was imported.")
            % {"count": plan.counts["errors"]},
        )
        return redirect("cadres:import_preview", pk=record.pk)
    counts = plan.counts
    messages.success(
        request,
        _(
            "Imported: %(new)d new people, %(updated)d updated, %(posts)d posts added, "
            "%(relatives)d family members added."
        )
        % {
            "new": counts["new_persons"],
            "updated": counts["updated_persons"],
            "posts": counts["posts_added"],
            "relatives": counts["relatives_added"],
        },
    )
    if plan.nomination_rows:
        # The result page lists them, with the action that opens their candidate cases.
        return redirect("cadres:import_preview", pk=record.pk)
    return redirect("cadres:list")


# The template workbook --------------------------------------------------------------

TEMPLATE_SAMPLE = {
    "township": "金厂镇",
    "village": "民主村",
    "group": "",
    "name": "王元",
    "sex": "男",
    "ethnicity": "汉族",
    "id_number": "220502198503041234",
    "birth_date": "1985-03-04",
    "political_status": "中共党员",
    "party_joined_on": "2008-07-01",
    "education": "大学专科",
    "posts": "村党组织书记、村委会主任",
    "term_start": "2021-12-01",
    "term_end": "2026-12-01",
    "phone": "13800000000",
}
FAMILY_SAMPLE = {
    "cadre_id_number": "220502198503041234",
    "name": "李芳",
    "relation": "配偶",
    "id_number": "",
    "birth_date": "1987-05-06",
    "work_unit_and_post": "务农",
}
# Text-formatted columns, so that Excel keeps every digit of an ID number or phone.
TEXT_KEYS = {"id_number", "cadre_id_number", "phone", "birth_date", "term_start", "term_end"}
TEMPLATE_TEXT_ROWS = 1000


def _template_sheet(sheet, columns, sample: dict) -> None:
    sheet.append([column.label for column in columns])
    sheet.append([sample.get(column.key, "") for column in columns])
    for position, column in enumerate(columns, start=1):
        header = sheet.cell(row=1, column=position)
        header.font = Font(bold=True, color="C00000" if column.required else None)
        sheet.column_dimensions[header.column_letter].width = max(10, len(column.label) * 3)
        if column.key in TEXT_KEYS:
            for row in range(2, TEMPLATE_TEXT_ROWS + 2):
                sheet.cell(row=row, column=position).number_format = "@"
    sheet.freeze_panes = "A2"


@login_required
def roster_template(request):
    book = Workbook()
    cadres = book.active
    cadres.title = "干部花名册"
    _template_sheet(cadres, CADRE_COLUMNS, TEMPLATE_SAMPLE)
    _template_sheet(book.create_sheet("家庭成员"), FAMILY_COLUMNS, FAMILY_SAMPLE)
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(out.getvalue(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    return response
