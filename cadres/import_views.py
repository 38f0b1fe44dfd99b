"""Roster import pages: upload, the worker's preview of every row's outcome, confirm; the
template workbook. The reading and the writing are background jobs (cadres.roster_jobs)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from cadres.error_workbook import error_workbook_response
from cadres.import_templates import template_response
from cadres.models import ImportFile
from cadres.roster import COUNT_LABELS, RENEW_CHOICES, ROSTER_TEMPLATE, Outcome, post_label
from cadres.roster_jobs import roster_import_start, roster_preview_start
from cadres.scoping import query_number, user_townships
from cadres.selectors import import_file_earlier, import_files
from cadres.services import may_write_register
from cadres.spreadsheets import sheet_report_display
from cadres.widgets import DATE


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
        village = query_number(key.removeprefix(RENEW_FIELD_PREFIX))
        if key.startswith(RENEW_FIELD_PREFIX) and village is not None and value in RENEW_CHOICES:
            choices[village] = value
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
            record, _earlier = roster_preview_start(
                actor=request.user,
                upload=form.cleaned_data["file"],
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
    """The upload's page: checking (a worker plans it), its preview to confirm, importing,
    the outcome. While the worker is on it the status part polls itself (htmx), and the
    page reloads once the worker is done."""
    _require_importer(request.user)
    record = _import_file(request.user, pk)
    busy = record.status in (ImportFile.Status.CHECKING, ImportFile.Status.IMPORTING)
    if request.htmx:
        if busy:
            return render(request, "cadres/_import_status.html", {"record": record})
        return HttpResponseClientRefresh()
    summary = record.summary
    preview = summary.get("preview", {})
    counts = summary if record.status == ImportFile.Status.IMPORTED else preview.get("counts", {})
    context = {
        "record": record,
        "busy": busy,
        "done_renewals": summary.get("renewals", ()),
        "earlier": import_file_earlier(
            request.user, kind=record.kind, sha256=record.sha256, before=record.created_at
        ),
        "file_error": summary.get("file_error"),
        "import_errors": summary.get("import_errors", ()),
        "nominations": [
            {**row, "post": post_label(row["body"], row["title"])}
            for row in summary.get("nomination_rows", ())
        ],
        "preview": preview,
        "error_rows": preview.get("counts", {}).get("errors", 0),
        "valid_rows": preview.get("counts", {}).get("rows", 0)
        - preview.get("counts", {}).get("errors", 0),
        "errors_url": reverse("cadres:import_errors", args=[record.pk]),
        "dependents_note": _(
            "A family member whose cadre's row is in error is skipped with that row."
        ),
        "rows": [
            {**row, "outcome_label": Outcome.LABELS[row["outcome"]]}
            for row in preview.get("rows", ())
        ],
        "counts": [(label, counts[key]) for key, label in COUNT_LABELS.items() if key in counts],
        "sheets": [sheet_report_display(sheet) for sheet in preview.get("sheets", ())],
        "renewals": preview.get("renewals", ()),
        "renew_choices": list(RENEW_CHOICES.items()),
        "renewal_form": RenewalDateForm(),
    }
    if record.status == ImportFile.Status.IMPORTED:
        context["outcome"] = _outcome(summary)
    return render(request, "cadres/import_preview.html", context)


def _outcome(counts: dict) -> list[str]:
    """What an import wrote, in sentences (its counts are in the table too)."""
    outcome = []
    if counts.get("renewals"):
        outcome.append(
            _(
                "Renewal: %(ended)d serving posts ended, %(requested)d secretary changes sent "
                "to the district, %(skipped)d rows skipped."
            )
            % {
                "ended": counts.get("renewal_ended", 0),
                "requested": counts.get("renewal_requested", 0),
                "skipped": counts.get("renewal_skipped", 0),
            }
        )
    outcome.append(
        _(
            "Imported: %(new)d new people, %(updated)d updated, %(posts)d posts added, "
            "%(relatives)d family members added."
        )
        % {
            "new": counts["new_persons"],
            "updated": counts["updated_persons"],
            "posts": counts["posts_added"],
            "relatives": counts["relatives_added"],
        }
    )
    return outcome


@login_required
@require_POST
def roster_confirm(request, pk: int):
    _require_importer(request.user)
    record = _import_file(request.user, pk)
    date_form = RenewalDateForm(request.POST)
    if not date_form.is_valid():
        for error in date_form.errors.get("renew_on", ()):
            messages.error(request, f"{date_form['renew_on'].label}：{error}")
        return redirect("cadres:import_preview", pk=record.pk)
    try:
        roster_import_start(
            actor=request.user,
            import_file=record,
            renew=_renewal_choices(request.POST),
            renew_on=date_form.cleaned_data["renew_on"],
            keep_unknown="keep_unknown" in request.POST,
            skip_errors="skip_errors" in request.POST,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("cadres:import_preview", pk=record.pk)


@login_required
def roster_errors(request, pk: int):
    """The rows in error as the worker found them, as a workbook to correct."""
    _require_importer(request.user)
    record = _import_file(request.user, pk)
    if not record.error_file:
        raise Http404
    return error_workbook_response(request, record=record)


# The template workbook --------------------------------------------------------------


@login_required
def roster_template(request):
    _require_importer(request.user)
    return template_response(ROSTER_TEMPLATE)
