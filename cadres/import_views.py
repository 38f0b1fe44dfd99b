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
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
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
    RENEW_CHOICES,
    ROSTER_TEMPLATE,
    Outcome,
    RenewalChoices,
    post_label,
    roster_import,
    roster_plan,
)
from cadres.scoping import user_townships
from cadres.selectors import import_file_earlier, import_files
from cadres.services import import_file_store, may_write_register
from cadres.spreadsheets import IMPORT_WRITE_FAILED, SpreadsheetError
from cadres.widgets import DATE

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


class RenewalDateForm(forms.Form):
    """The date on which the posts a roster replaces end; each village's answer is a radio
    ``renew-<village id>`` beside it, one per village the preview lists."""

    # Without it (no village is renewed, or the field left empty) the posts end today.
    renew_on = forms.DateField(
        label=gettext_lazy("The replaced posts end on"),
        required=False,
        initial=timezone.localdate,
        widget=DATE,
        help_text=gettext_lazy("The date of the general election or the adjustment."),
    )


RENEW_FIELD_PREFIX = "renew-"


def _renewal_choices(data) -> dict[int, str]:
    """Each village's answer as posted; anything else is no answer (and so refused)."""
    choices = {}
    for key, value in data.items():
        village = key.removeprefix(RENEW_FIELD_PREFIX)
        if key.startswith(RENEW_FIELD_PREFIX) and village.isdigit() and value in RENEW_CHOICES:
            choices[int(village)] = value
    return choices


def _require_importer(user) -> None:
    if not may_write_register(user):
        raise PermissionDenied


def _import_file(user, pk: int) -> ImportFile:
    """A roster upload of the user's townships, or their own; 404 otherwise."""
    return get_object_or_404(import_files(user).filter(kind=ImportFile.Kind.ROSTER), pk=pk)


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
    earlier = import_file_earlier(
        request.user, kind=record.kind, sha256=record.sha256, before=record.created_at
    )
    context = {
        "record": record,
        "done_renewals": record.summary.get("renewals", ()),
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
            renewals=list(plan.renewals.values()),
            renew_choices=list(RENEW_CHOICES.items()),
            renewal_form=RenewalDateForm(),
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
    date_form = RenewalDateForm(request.POST)
    if not date_form.is_valid():
        for error in date_form.errors.get("renew_on", ()):
            messages.error(request, f"{date_form['renew_on'].label}：{error}")
        return redirect("cadres:import_preview", pk=record.pk)
    renewal = RenewalChoices(
        by_village=_renewal_choices(request.POST), ends_on=date_form.cleaned_data["renew_on"]
    )
    try:
        with record.file.open("rb") as handle:
            plan = roster_import(
                actor=request.user,
                source=handle,
                import_file=record,
                keep_unknown="keep_unknown" in request.POST,
                renewal=renewal,
                skip_errors="skip_errors" in request.POST,
            )
    except SpreadsheetError as error:
        messages.error(request, str(error))
        return redirect("cadres:import_preview", pk=record.pk)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("cadres:import_preview", pk=record.pk)
    except DatabaseError:
        logger.exception("roster import of file %s failed in the database", record.pk)
        messages.error(request, IMPORT_WRITE_FAILED)
        return redirect("cadres:import_preview", pk=record.pk)
    counts = plan.counts
    if not plan.written:
        _refusal_messages(request, plan)
        return redirect("cadres:import_preview", pk=record.pk)
    if plan.renewals:
        messages.success(
            request,
            _(
                "Renewal: %(ended)d serving posts ended, %(requested)d secretary changes sent "
                "to the district, %(skipped)d rows skipped."
            )
            % {
                "ended": counts["renewal_ended"],
                "requested": counts["renewal_requested"],
                "skipped": counts["renewal_skipped"],
            },
        )
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


def _refusal_messages(request, plan) -> None:
    """Why nothing was written: rows in error, villages without an answer, a bad date."""
    if plan.counts["errors"]:
        messages.error(request, REFUSED_WITH_ERRORS % {"count": plan.counts["errors"]})
    if plan.unresolved:
        messages.error(
            request,
            _(
                "Choose for each village whether to follow this roster or skip its rows: "
                "%(villages)s. Nothing was imported."
            )
            % {"villages": "、".join(village.name for village in plan.unresolved)},
        )
    for message in plan.renewal_errors:
        messages.error(request, message)


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
