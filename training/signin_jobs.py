"""The sign-in sheet import as background jobs, as the roster's (``cadres.roster_jobs``): a
worker reads and matches the stored sheet for the preview (``signin_check``) and reads it
again to record the attendance once the user has resolved the rows it could not match
(``signin_import``). Nothing of the workbook is read in a web request.

The upload stores the file and marks it CHECKING; the check keeps what the preview shows in
``ImportFile.summary["preview"]`` (the matched rows, the rows to resolve with their
namesakes' post ids, the row errors, the duplicates, how the sheet was read) and the rows in
error as the file's error workbook; the file is then PREVIEWED. Confirming marks it IMPORTING
with the user's choices as the job's parameters; the worker records them through
``services.attendance_import`` (which reads the sheet once more, so that what is written is
what the register looks like then), or puts the file back to PREVIEWED with its reasons.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.error_workbook import error_workbook_from
from cadres.identity import mask_id_number
from cadres.jobs import (
    import_check_start,
    import_confirm_start,
    import_file_check,
    import_file_not_imported,
    job_ticker,
)
from cadres.models import ImportFile, Job
from training import services
from training.models import Session
from training.selectors import can_manage
from training.signin import signin_read

CHECK_JOB = "signin_check"
IMPORT_JOB = "signin_import"
# The kinds' permission: every training role's; the handlers check the session's own.
JOB_PERM = "training.view_session"


def _require_manage(actor, session: Session) -> None:
    if not can_manage(actor, session):
        raise PermissionDenied


def signin_preview_start(
    *, actor, session: Session, upload
) -> tuple[ImportFile, ImportFile | None]:
    """Keep an uploaded sign-in sheet and have a worker read and match it for the preview.

    Refused while ``settings.IMPORTS_PER_TOWNSHIP`` sign-in sheets of the session's
    organizer (of the uploader, for a district session) are being checked or imported.
    Returns (the stored file, the latest earlier upload of the same content or None).
    """
    _require_manage(actor, session)
    return import_check_start(
        actor=actor,
        upload=upload,
        kind=ImportFile.Kind.ATTENDANCE,
        township=session.organizer,
        job_kind=CHECK_JOB,
        params={"session": session.pk},
        busy=gettext_lazy(
            "%(count)d sign-in sheets of this township are being checked or imported; "
            "upload this one when one of them is done (see 后台任务)."
        ),
    )


def signin_check_job(job: Job) -> None:
    record = ImportFile.objects.get(pk=job.params["import_file"])
    if record.status != ImportFile.Status.CHECKING:
        return  # a message delivered again after the check was done
    session = Session.objects.get(pk=job.params["session"])
    actor = get_user_model().objects.get(pk=job.requested_by_id)

    def read(handle):
        sheet = signin_read(handle, session=session, user=actor, tick=job_ticker(job))
        failed = [(sheet.report, sheet.failed)]
        return _preview(sheet), error_workbook_from(handle, failed) if sheet.failed else None

    import_file_check(record=record, read=read)


def _preview(sheet) -> dict:
    """The sheet as JSON: only what the preview page shows (masked ID numbers only)."""
    return {
        "matched": [
            {
                "row": match.row,
                "person": match.post.person_id,
                "name": match.post.person.name,
                "id_number": mask_id_number(match.post.person.id_number),
                "place": f"{match.post.village.township.name}{match.post.village.name}",
                "status": match.status,
                "how": match.how,
            }
            for match in sheet.matched
        ],
        "unmatched": [
            {
                "row": line.row,
                "name": line.name,
                "id_number": line.id_number,
                "village": line.village,
                "reason": str(line.reason),
                "candidates": [post.pk for post in line.candidates],
            }
            for line in sheet.unmatched
        ],
        "errors": [
            {"row": error.row, "column": error.column, "text": str(error)} for error in sheet.errors
        ],
        "error_rows": len(sheet.failed),
        "duplicates": sheet.duplicates,
        "report": sheet.report.as_summary(),
    }


def signin_import_start(
    *,
    actor,
    session: Session,
    import_file: ImportFile,
    resolutions: dict[int, int | None],
    skip_errors: bool = False,
) -> None:
    """Confirm a previewed sign-in sheet: a worker records it with these choices (each
    unmatched row's person, or None to ignore it; the rows in error skipped)."""
    _require_manage(actor, session)
    params = {
        "session": session.pk,
        "resolutions": {str(row): person for row, person in resolutions.items()},
        "skip_errors": skip_errors,
    }
    import_confirm_start(actor=actor, import_file=import_file, job_kind=IMPORT_JOB, params=params)


def signin_import_job(job: Job) -> None:
    record = ImportFile.objects.get(pk=job.params["import_file"])
    if record.status != ImportFile.Status.IMPORTING:
        return  # a message delivered again after the import was done
    session = Session.objects.get(pk=job.params["session"])
    actor = get_user_model().objects.get(pk=job.requested_by_id)
    with translation.override(settings.LANGUAGE_CODE):
        try:
            services.attendance_import(
                actor=actor,
                session=session,
                import_file=record,
                resolutions={int(row): person for row, person in job.params["resolutions"].items()},
                skip_errors=job.params["skip_errors"],
            )
        except ValidationError as error:
            import_file_not_imported(record=record, messages=error.messages)
        except PermissionDenied:
            import_file_not_imported(
                record=record, messages=[_("You may no longer record this session's attendance.")]
            )
