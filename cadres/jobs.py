"""Background jobs: the one way to hand work to a worker, follow it and retry it.

An app registers each kind of job it runs (``job_kind_register``, from its
``AppConfig.ready()``): a name, a label, the permission that starting or retrying it takes,
and the handler, a function of the ``Job`` that does the work in the worker. A service
starts a job with ``job_start``: the row is written in the caller's transaction and the one
Celery task, ``cadres.tasks.job_run``, is sent by name once it commits, so no service
imports a tasks module. A broker that is down fails the job with a message that says so;
the job can be retried from its page. Beat's watchdog fails jobs without a heartbeat.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from celery import current_app
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from cadres.models import ImportFile, Job, Township
from cadres.scoping import sees_all_townships, user_townships
from cadres.services import import_file_store
from cadres.spreadsheets import SpreadsheetError

logger = logging.getLogger(__name__)

JOB_RUN_TASK = "cadres.tasks.job_run"
VIEW_PERM = "cadres.view_job"

BROKER_DOWN = gettext_lazy(
    "The background service is not available right now: nothing was done. Retry in a few minutes."
)
CRASHED = gettext_lazy(
    "The job stopped on an unexpected error; it has been logged. Retry it, or tell the "
    "system administrator if it fails again."
)
STALLED = gettext_lazy(
    "The job made no progress for %(minutes)d minutes: its worker was probably stopped. Retry it."
)

UPLOAD_AGAIN = gettext_lazy("The file waited too long for the background service: upload it again.")


class JobError(Exception):
    """Raised by a handler to fail its job with a message for the user (in Chinese)."""


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str | Promise
    permission: str | None  # None: any signed-in user; the handler applies its own checks
    handler: Callable[[Job], None]


_KINDS: dict[str, JobKind] = {}


def job_kind_register(
    name: str, *, label: str | Promise, permission: str | None, handler: Callable[[Job], None]
) -> None:
    """Make a kind of job known (from an app's ``ready()``); its handler runs in the worker."""
    known = _KINDS.get(name)
    if known is not None and known.handler is not handler:
        raise ImproperlyConfigured(f"job kind {name!r} is registered twice")
    _KINDS[name] = JobKind(name, label, permission, handler)


def job_kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return str(kind.label) if kind else name


def task_send(name: str, *args) -> bool:
    """Send the Celery task ``name`` to the broker; False, logged, when the broker is down.

    Called after the work it follows has committed. With the broker down, the user's save must
    not turn into a server error: the caller records what was not sent (a job fails with
    BROKER_DOWN; a screening run is left to its watchdog).
    """
    try:
        current_app.send_task(name, args=args)
    except OperationalError:
        logger.warning("broker unreachable: %s%r not sent", name, args)
        return False
    return True


class _CommitBatch:
    def __init__(self, flush: Callable[[dict[str, set[int]]], None]) -> None:
        self.ids: dict[str, set[int]] = {}
        self._flush = flush

    def add(self, ids: dict[str, Iterable[int]]) -> None:
        for kind, values in ids.items():
            self.ids.setdefault(kind, set()).update(v for v in values if v is not None)

    def flush(self) -> None:
        self._flush(self.ids)


def on_commit_batch(
    key: str, flush: Callable[[dict[str, set[int]]], None], **ids: Iterable[int]
) -> None:
    """Gather the ids (by kind) that one transaction changes and hand them to ``flush`` once,
    on commit: a roster of 500 people is one screening run and one refresh of lights, not 500.

    The batch lives on the connection while its hook is still waiting for the commit; a
    rollback drops the hook, and the next change starts a new batch. Outside a transaction
    it flushes at once, so the ids are added first.
    """
    batches = connection.__dict__.setdefault("_commit_batches", {})
    batch = batches.get(key)
    if batch is None or not any(hook == batch.flush for _s, hook, _r in connection.run_on_commit):
        batch = batches[key] = _CommitBatch(flush)
        batch.add(ids)
        transaction.on_commit(batch.flush)
    else:
        batch.add(ids)


def _in_language(message, **values) -> str:
    # Stored text, shown to users in the site's language whatever the worker's is.
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % values if values else str(message)


def _hand_off(job: Job) -> None:
    job_id, attempt = job.pk, job.attempt

    def send() -> None:
        if not task_send(JOB_RUN_TASK, job_id, attempt):
            _finish(job_id, attempt, Job.State.FAILED, _in_language(BROKER_DOWN))

    transaction.on_commit(send)


def _finish(job_id: int, attempt: int, state: str, error: str = "") -> None:
    now = timezone.now()
    # Only this attempt's row: a retry meanwhile made a new attempt that this one must not end.
    Job.objects.filter(pk=job_id, attempt=attempt).exclude(state=Job.State.DONE).update(
        state=state, error=error, finished_at=now, updated_at=now
    )


def job_may_retry(*, job: Job, user) -> bool:
    """Whether ``user`` holds the permission that retrying ``job`` takes (its kind's), so that
    pages offer the retry only to those whom ``job_retry`` lets."""
    kind = _KINDS.get(job.kind)
    return kind is not None and _permitted(kind, user)


def _permitted(kind: JobKind, user) -> bool:
    if kind.permission is None:
        return user.is_authenticated
    return user.has_perm(kind.permission)


def _require_kind(kind: str, actor) -> JobKind:
    registered = _KINDS.get(kind)
    if registered is None:
        raise ImproperlyConfigured(f"no job kind {kind!r} is registered")
    if actor is not None and not _permitted(registered, actor):
        raise PermissionDenied
    return registered


def job_start(*, kind: str, actor, params: dict | None = None, township=None) -> Job:
    """Record a job and hand it to a worker once the current transaction commits.

    ``actor`` is None for jobs the system starts (beat); otherwise it needs the kind's
    permission. ``params`` must be JSON; ``township`` scopes the job to that township's users.
    """
    _require_kind(kind, actor)
    job = Job.objects.create(kind=kind, requested_by=actor, township=township, params=params or {})
    _hand_off(job)
    return job


def import_check_start(
    *, actor, upload, kind: str, township: Township | None, job_kind: str, params: dict, busy
) -> tuple[ImportFile, ImportFile | None]:
    """Keep an uploaded workbook of ``kind`` and have a worker read it (job ``job_kind``):
    the file is CHECKING and nothing of it is read in the caller's request.

    Refused with ``busy`` (a message of ``%(count)d``) while ``settings.IMPORTS_PER_TOWNSHIP``
    files of the kind of the township (of ``actor``, for a file of no one township) are being
    checked or imported. Returns (the stored file, the latest earlier upload of the same
    content or None).
    """
    with transaction.atomic():
        if township is not None:
            # Uploads to one township queue here, so two at once cannot both pass the count.
            Township.objects.select_for_update().filter(pk=township.pk).first()
            same = Q(township=township)
        else:
            same = Q(township__isnull=True, uploaded_by=actor)
        # A file whose job failed waits for a retry that may never come: it does not count.
        running = ImportFile.objects.filter(
            same, kind=kind, status__in=[ImportFile.Status.CHECKING, ImportFile.Status.IMPORTING]
        ).exclude(job__state=Job.State.FAILED)
        if running.count() >= settings.IMPORTS_PER_TOWNSHIP:
            raise ValidationError(str(busy) % {"count": settings.IMPORTS_PER_TOWNSHIP})
        record, earlier = import_file_store(
            actor=actor, upload=upload, kind=kind, township=township
        )
        record.status = ImportFile.Status.CHECKING
        record.save(update_fields=["status"])
        _import_job_start(record, job_kind, actor, params)
    return record, earlier


def import_confirm_start(*, actor, import_file: ImportFile, job_kind: str, params: dict) -> None:
    """Confirm a previewed file: it is IMPORTING while a worker imports it (job
    ``job_kind``) with the user's answers as ``params``."""
    with transaction.atomic():
        record = ImportFile.objects.select_for_update().get(pk=import_file.pk)
        if record.status == ImportFile.Status.IMPORTED:
            raise ValidationError(_("This file has already been imported."))
        if record.status != ImportFile.Status.PREVIEWED:
            raise ValidationError(_("Only a previewed file can be imported."))
        record.status = ImportFile.Status.IMPORTING
        record.summary.pop("import_errors", None)
        record.save(update_fields=["status", "summary"])
        _import_job_start(record, job_kind, actor, params)


def _import_job_start(record: ImportFile, kind: str, actor, params: dict) -> None:
    """Link a stored file to a new job that reads it; a broker that is down fails the job,
    whose retry the file's page offers (the file stays checking or importing meanwhile)."""
    record.job = job_start(
        kind=kind,
        actor=actor,
        params={"import_file": record.pk, **params},
        township=record.township,
    )
    record.save(update_fields=["job"])


def import_file_check(*, record: ImportFile, read: Callable) -> None:
    """A worker's check of a stored file: ``read(handle)`` returns (what the preview shows, as
    JSON; the error workbook or None), kept on the file, which is then PREVIEWED; a file
    unusable as a whole is FAILED with the reason. In the site's language, whatever the
    worker's."""
    with translation.override(settings.LANGUAGE_CODE):
        try:
            with record.file.open("rb") as handle:
                preview, book = read(handle)
        except SpreadsheetError as error:
            record.summary = {"file_error": str(error)}
            record.status = ImportFile.Status.FAILED
            record.save(update_fields=["status", "summary"])
            return
        if book is not None:
            record.error_file.save("errors.xlsx", ContentFile(book.content()), save=False)
        record.summary = {"preview": preview}
    record.status = ImportFile.Status.PREVIEWED
    record.save(update_fields=["status", "summary", "error_file"])


def import_file_not_imported(*, record: ImportFile, messages: list[str]) -> None:
    """An import job wrote nothing: the file is back to PREVIEWED with the reasons, to be
    confirmed again once they are dealt with."""
    record.refresh_from_db(fields=["summary"])
    record.status = ImportFile.Status.PREVIEWED
    record.summary = {**record.summary, "import_errors": messages}
    record.save(update_fields=["status", "summary"])


def job_execute(*, job_id: int, attempt: int) -> None:
    """The worker's run of one attempt of a job (``cadres.tasks.job_run``).

    A message of an earlier attempt, or of a job already finished, is ignored; a message
    delivered again after its worker died (the job still running) runs the handler again, so
    handlers must be safe to run twice.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.attempt != attempt:
            return
        if job.state not in (Job.State.QUEUED, Job.State.RUNNING):
            return
        job.state = Job.State.RUNNING
        job.started_at = timezone.now()
        # Starting is a heartbeat: a job that waited long for a worker is not stalled.
        job.save(update_fields=["state", "started_at", "updated_at"])
    try:
        _KINDS[job.kind].handler(job)
    except JobError as error:
        _finish(job.pk, attempt, Job.State.FAILED, str(error))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job.pk, attempt, Job.State.FAILED, _in_language(CRASHED))
    else:
        _finish(job.pk, attempt, Job.State.DONE)


def job_progress(*, job: Job, done: int, total: int) -> None:
    """Record a running job's progress; also its heartbeat. Call it outside a transaction
    that lasts, or the page sees it only at the end."""
    Job.objects.filter(pk=job.pk, attempt=job.attempt).update(
        progress_done=done, progress_total=total, updated_at=timezone.now()
    )


# How often a handler's ticker writes its heartbeat at most: often enough that the watchdog's
# JOB_STALL_MINUTES is many heartbeats long, rarely enough to cost nothing beside the work.
HEARTBEAT_SECONDS = 15


def job_ticker(job: Job) -> Callable[[int, int], None]:
    """A function ``tick(done, total)`` for a handler to call as it goes (each row, each
    sheet): it records the progress, which is the job's heartbeat, at most every
    HEARTBEAT_SECONDS, and the first call at once. ``total`` 0 when it is not known."""
    last = None

    def tick(done: int, total: int = 0) -> None:
        nonlocal last
        now = time.monotonic()
        if last is None or now - last >= HEARTBEAT_SECONDS:
            last = now
            job_progress(job=job, done=done, total=total)

    return tick


def job_result_set(*, job: Job, name: str, filename: str) -> None:
    """Make the stored file ``name`` (default storage) the job's result, downloaded as
    ``filename`` through ``cadres.documents.document_response``."""
    Job.objects.filter(pk=job.pk).update(result_file=name, result_name=filename)


def jobs_visible(user) -> QuerySet[Job]:
    """The jobs a user may see: their own; with ``cadres.view_job`` also their townships'
    jobs, and every job for the district's roles."""
    own = Q(requested_by=user) if user.is_authenticated else Q(pk__in=[])
    if user.is_authenticated and user.has_perm(VIEW_PERM):
        if sees_all_townships(user):
            return Job.objects.all()
        return Job.objects.filter(own | Q(township__in=user_townships(user)))
    return Job.objects.filter(own)


def job_retry(*, job: Job, actor) -> Job:
    """Run a failed job again, as a new attempt, with the same parameters."""
    with transaction.atomic():
        job = jobs_visible(actor).select_for_update().filter(pk=job.pk).first()
        if job is None:
            raise PermissionDenied
        _require_kind(job.kind, actor)
        if job.state != Job.State.FAILED:
            raise ValidationError(_("Only a failed job can be retried."))
        job.attempt += 1
        job.state = Job.State.QUEUED
        job.error = ""
        job.progress_done = job.progress_total = 0
        job.started_at = job.finished_at = None
        job.save()
        _hand_off(job)
    return job


def jobs_fail_stalled(*, stalled_for: dt.timedelta | None = None) -> int:
    """The watchdog (beat): fail the queued and running jobs without a heartbeat for
    ``stalled_for`` (their message was lost, or their worker killed), so that their pages
    offer a retry; and the files left checking or importing without a job. Returns the count.
    """
    if stalled_for is None:
        stalled_for = dt.timedelta(minutes=settings.JOB_STALL_MINUTES)
    cutoff = timezone.now() - stalled_for
    now = timezone.now()
    failed = Job.objects.filter(
        state__in=[Job.State.QUEUED, Job.State.RUNNING], updated_at__lt=cutoff
    ).update(
        state=Job.State.FAILED,
        error=_in_language(STALLED, minutes=int(stalled_for.total_seconds() // 60)),
        finished_at=now,
        updated_at=now,
    )
    # Files handed to a worker before jobs existed: nothing can retry them, so they fail.
    for record in ImportFile.objects.filter(
        job__isnull=True,
        status__in=[ImportFile.Status.CHECKING, ImportFile.Status.IMPORTING],
        updated_at__lt=cutoff,
    ):
        record.status = ImportFile.Status.FAILED
        errors = [_in_language(UPLOAD_AGAIN)]
        record.summary = {**record.summary, "errors": errors, "error_count": 1}
        record.save(update_fields=["status", "summary"])
        failed += 1
    return failed
