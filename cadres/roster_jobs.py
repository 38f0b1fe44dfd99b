"""The roster import as background jobs: a worker reads the stored workbook for the preview
(``roster_check``) and again to write it once confirmed (``roster_import``).

A roster of 100,000 cadres takes minutes to read: far longer than a web request may last. The
upload stores the file and marks it CHECKING; the worker plans every row and keeps what the
preview shows in ``ImportFile.summary["preview"]`` (the first rows, errors first; the counts;
how each sheet was read; the villages the roster renews) and the rows in error as the file's
error workbook; the file is then PREVIEWED. Confirming marks it IMPORTING with the user's
answers as the job's parameters; the worker plans again inside the import's transaction (so
what is written is what the register looks like then) and writes, or puts the file back to
PREVIEWED with the reasons it wrote nothing.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.error_workbook import REFUSED_WITH_ERRORS, error_workbook_from
from cadres.jobs import (
    import_check_start,
    import_confirm_start,
    import_file_check,
    import_file_not_imported,
    job_ticker,
)
from cadres.models import ImportFile, Job, Township
from cadres.roster import Outcome, RenewalChoices, RosterPlan, roster_import, roster_plan
from cadres.services import may_write_register
from cadres.spreadsheets import IMPORT_WRITE_FAILED, SpreadsheetError

logger = logging.getLogger(__name__)

CHECK_JOB = "roster_check"
IMPORT_JOB = "roster_import"
# The kinds' permission: the one of the register's write permissions that every importer holds.
IMPORT_PERM = "cadres.change_person"

# The preview lists this many rows (errors first); the counts cover them all.
PREVIEW_ROWS = 500


def _require_importer(actor) -> None:
    if not may_write_register(actor):
        raise PermissionDenied


def roster_preview_start(
    *, actor, upload, township: Township | None
) -> tuple[ImportFile, ImportFile | None]:
    """Keep an uploaded roster and have a worker plan it for the preview.

    Refused while ``settings.IMPORTS_PER_TOWNSHIP`` rosters of the township (of the uploader,
    for a file of no one township) are being checked or imported: a district-wide roster
    ties a worker up for minutes. Returns (the stored file, the latest earlier upload of the
    same content or None).
    """
    _require_importer(actor)
    return import_check_start(
        actor=actor,
        upload=upload,
        kind=ImportFile.Kind.ROSTER,
        township=township,
        job_kind=CHECK_JOB,
        params={},
        busy=gettext_lazy(
            "%(count)d rosters of this township are being checked or imported; upload "
            "this one when one of them is done (see 后台任务)."
        ),
    )


def roster_check_job(job: Job) -> None:
    record = ImportFile.objects.get(pk=job.params["import_file"])
    if record.status != ImportFile.Status.CHECKING:
        return  # a message delivered again after the check was done
    roster_stored_check(record=record, actor=job.requested_by, tick=job_ticker(job))


def roster_stored_check(*, record: ImportFile, actor, tick=None) -> None:
    """The worker's plan of a stored roster: what the preview shows, kept on the file."""

    def read(handle):
        plan = roster_plan(actor=actor, source=handle, tick=tick)
        book = error_workbook_from(handle, plan.failures()) if plan.errors else None
        return _preview(plan), book

    import_file_check(record=record, read=read)


def _preview(plan: RosterPlan) -> dict:
    """The plan as JSON: only what the preview page shows."""
    rows = sorted(plan.rows, key=lambda r: (r.outcome != Outcome.ERROR, r.sheet, r.row))
    return {
        "rows": [
            {
                "sheet": row.sheet,
                "row": row.row,
                "name": row.name,
                "outcome": row.outcome,
                "details": [str(detail) for detail in row.details],
                "errors": [str(error) for error in row.errors],
            }
            for row in rows[:PREVIEW_ROWS]
        ],
        "hidden_rows": max(0, len(rows) - PREVIEW_ROWS),
        "counts": plan.counts,
        "sheets": [report.as_summary() for report in plan.sheets],
        "starts_posts": plan.starts_posts,
        "ends_secretary_posts": plan.ends_secretary_posts,
        "renewals": [
            {
                "village_id": renewal.village.pk,
                "village": renewal.village.name,
                "township": renewal.village.township.name,
                "contests": [
                    {
                        "post": contest.post,
                        "holder": contest.holder.name,
                        "since": contest.holder.term_start.isoformat(),
                        "row": contest.row,
                        "name": contest.name,
                    }
                    for contest in renewal.contests
                ],
            }
            for renewal in plan.renewals.values()
        ],
    }


def roster_import_start(
    *,
    actor,
    import_file: ImportFile,
    renew: dict[int, str],
    renew_on: dt.date | None,
    keep_unknown: bool = False,
    skip_errors: bool = False,
) -> None:
    """Confirm a previewed roster: a worker imports it with these answers (each renewed
    village's choice, the date the replaced posts end, the unknown columns kept, the rows in
    error skipped)."""
    _require_importer(actor)
    params = {
        "renew": {str(village): choice for village, choice in renew.items()},
        "renew_on": renew_on.isoformat() if renew_on else None,
        "keep_unknown": keep_unknown,
        "skip_errors": skip_errors,
    }
    import_confirm_start(actor=actor, import_file=import_file, job_kind=IMPORT_JOB, params=params)


def roster_import_job(job: Job) -> None:
    record = ImportFile.objects.get(pk=job.params["import_file"])
    if record.status != ImportFile.Status.IMPORTING:
        return  # a message delivered again after the import was done
    actor = get_user_model().objects.get(pk=job.requested_by_id)
    params = job.params
    renewal = RenewalChoices(
        by_village={int(village): choice for village, choice in params["renew"].items()},
        ends_on=dt.date.fromisoformat(params["renew_on"]) if params["renew_on"] else None,
    )
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with record.file.open("rb") as handle:
                plan = roster_import(
                    actor=actor,
                    source=handle,
                    import_file=record,
                    keep_unknown=params["keep_unknown"],
                    renewal=renewal,
                    skip_errors=params["skip_errors"],
                )
        except (SpreadsheetError, ValidationError) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            import_file_not_imported(record=record, messages=messages)
            return
        except DatabaseError:
            # Nothing was written and the file is sound: it stays ready to be confirmed again.
            logger.exception("roster import of file %s failed in the database", record.pk)
            import_file_not_imported(record=record, messages=[str(IMPORT_WRITE_FAILED)])
            return
        if not plan.written:
            import_file_not_imported(record=record, messages=_refusals(plan))


def _refusals(plan: RosterPlan) -> list[str]:
    """Why nothing was written: rows in error, villages without an answer, a bad date."""
    refusals = []
    if plan.counts["errors"]:
        refusals.append(str(REFUSED_WITH_ERRORS % {"count": plan.counts["errors"]}))
    if plan.unresolved:
        refusals.append(
            _(
                "Choose for each village whether to follow this roster or skip its rows: "
                "%(villages)s. Nothing was imported."
            )
            % {"villages": "、".join(village.name for village in plan.unresolved)}
        )
    refusals.extend(str(message) for message in plan.renewal_errors)
    return refusals
