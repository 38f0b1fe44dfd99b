"""Roster import pages: upload, preview of every row's outcome, confirm; the template workbook.

The preview is never kept in the session: the stored file is read again on
confirm, inside the import's transaction, so what is written is what the
register looks like at that moment.
"""

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cadres.error_workbook import (
    IMPORTED_AND_SKIPPED,
    REFUSED_WITH_ERRORS,
    error_workbook_from,
    error_workbook_response,
)
from cadres.import_templates import template_response
from cadres.models import ImportFile
from cadres.roster import (
    COUNT_LABELS,
    ROSTER_TEMPLATE,
    Outcome,
    post_label,
    roster_import,
    roster_plan,
)
from cadres.scoping import scope, user_townships
from cadres.services import import_file_store, may_write_register
from cadres.spreadsheets import IMPORT_WRITE_FAILED, SpreadsheetError

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
        counts = plan.counts
        context.update(
            error_rows=counts["errors"],
            valid_rows=counts["rows"] - counts["errors"],
            errors_url=reverse("cadres:import_errors", args=[record.pk]),
            dependents_note=_(
                "A family member whose cadre's row is in error is skipped with that row."
            ),
            plan=plan,
            rows=rows[:PREVIEW_ROWS],
            hidden_rows=max(0, len(rows) - PREVIEW_ROWS),
            counts=[(COUNT_LABELS[k], v) for k, v in counts.items()],
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
                skip_errors="skip_errors" in request.POST,
            )
    except SpreadsheetError as error:
        messages.error(request, str(error))
        return redirect("cadres:import_preview", pk=record.pk)
    except DatabaseError:
        logger.exception("roster import of file %s failed in the database", record.pk)
        messages.error(request, IMPORT_WRITE_FAILED)
        return redirect("cadres:import_preview", pk=record.pk)
    counts = plan.counts
    if not plan.written:
        messages.error(request, REFUSED_WITH_ERRORS % {"count": counts["errors"]})
        return redirect("cadres:import_preview", pk=record.pk)
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
    if counts["errors"]:
        messages.warning(
            request,
            IMPORTED_AND_SKIPPED
            % {"imported": counts["rows"] - counts["errors"], "skipped": counts["errors"]},
        )
    if plan.nomination_rows or counts["errors"]:
        # The result page lists them, with the action that opens their candidate cases,
        # and offers the skipped rows as a workbook.
        return redirect("cadres:import_preview", pk=record.pk)
    return redirect("cadres:list")


@login_required
def roster_errors(request, pk: int):
    """The rows in error as the preview shows them now, as a workbook to correct."""
    _require_importer(request.user)
    record = _import_file(request.user, pk)
    try:
        with record.file.open("rb") as handle:
            plan = roster_plan(actor=request.user, source=handle)
            workbook = error_workbook_from(handle, plan.failures())
    except SpreadsheetError as error:
        raise Http404 from error
    return error_workbook_response(request, record=record, workbook=workbook)


# The template workbook --------------------------------------------------------------


@login_required
def roster_template(request):
    _require_importer(request.user)
    return template_response(ROSTER_TEMPLATE)
