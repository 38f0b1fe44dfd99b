"""Screening runs: planning chunks, executing them, screening one subject."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cadres.jobs import on_commit_batch, task_send
from vetting import engine
from vetting.models import ScreeningChunk, ScreeningRun, WatchlistImport
from vetting.models.screening import SubjectKind

# Subjects per chunk. A full run's chunks of the join on ID number read the list's index
# between them once, whatever their number; each chunk of the rules by name probes from
# every entry without ID number. 100,000 gives the 400,000 subjects of the budget four
# chunks of the join and two of the rules by name, each redone in under a second if its
# worker dies (benchmarks/README.md).
CHUNK_SIZE = getattr(settings, "SCREENING_CHUNK_SIZE", 100_000)
# A run without progress for this long has lost a chunk with its worker.
STALL = dt.timedelta(minutes=10)


# The task that executes one chunk, sent by name: vetting.tasks defines it under this name,
# and this module does not import the tasks that import it.
CHUNK_TASK = "vetting.tasks.screening_chunk_execute"


def _enqueue_chunks(chunk_ids: list[int]) -> None:
    """Hand the chunks to workers. With the broker down, the run stays recorded as running:
    the watchdog hands out its chunks again once it stalls, and the nightly full run screens
    any one person whose message was lost."""
    for chunk_id in chunk_ids:
        if not task_send(CHUNK_TASK, chunk_id):
            return  # the rest would fail the same way, each after its own retries


def screening_run_start(
    *,
    actor=None,
    trigger: str,
    watchlist_import: WatchlistImport | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ScreeningRun:
    """Plan a full run (or a delta run of one import's entries) and hand its chunks to workers.

    ``actor`` is None for runs the system starts (beat, imports).
    """
    if actor is not None and not actor.has_perm("vetting.run_screening"):
        raise PermissionDenied
    with transaction.atomic():
        run = ScreeningRun.objects.create(
            trigger=trigger, started_by=actor, watchlist_import=watchlist_import
        )
        chunks = ScreeningChunk.objects.bulk_create(
            ScreeningChunk(run=run, **dataclasses.asdict(spec))
            for spec in engine.run_chunks(size=chunk_size, full=watchlist_import is None)
        )
        run.chunks_total = len(chunks)
        if not chunks:
            run.status = ScreeningRun.Status.DONE
            run.finished_at = timezone.now()
        run.save()
        chunk_ids = [chunk.pk for chunk in chunks]
        transaction.on_commit(lambda: _enqueue_chunks(chunk_ids))
    return run


def screening_chunk_execute(*, chunk_id: int) -> None:
    """Execute one chunk; a chunk already done is skipped, so redelivery is harmless."""
    with transaction.atomic():
        # Counted in its own transaction: a worker killed mid-chunk still leaves a trace.
        ScreeningChunk.objects.filter(pk=chunk_id, status=ScreeningChunk.Status.PENDING).update(
            attempts=F("attempts") + 1
        )
    with transaction.atomic():
        chunk = ScreeningChunk.objects.select_for_update().get(pk=chunk_id)
        if chunk.status == ScreeningChunk.Status.DONE:
            return
        _execute(chunk)


def _execute(chunk: ScreeningChunk) -> None:
    """Match the chunk, record its counts and advance its run; inside the caller's transaction."""
    run = chunk.run
    today = timezone.localdate(run.started_at)
    counts = engine.match_chunk(
        engine.Chunk(
            chunk.subject_kind,
            chunk.pk_from,
            chunk.pk_to,
            chunk.part,
            chunk.id_number_from,
            chunk.id_number_to,
        ),
        run_id=run.pk,
        screen_import_id=run.watchlist_import_id,
        today=today,
    )
    chunk.subjects = counts.subjects
    chunk.matches = counts.matches
    chunk.hits_new = counts.hits_new
    chunk.hits_reopened = counts.hits_reopened
    chunk.status = ScreeningChunk.Status.DONE
    chunk.finished_at = timezone.now()
    chunk.save()
    run = ScreeningRun.objects.select_for_update().get(pk=run.pk)
    run.chunks_done += 1
    run.subjects += chunk.subjects
    run.matches += chunk.matches
    run.hits_new += chunk.hits_new
    run.hits_reopened += chunk.hits_reopened
    if run.chunks_done == run.chunks_total:
        run.status = ScreeningRun.Status.DONE
        run.finished_at = timezone.now()
    run.save()


def screening_run_resume(*, run: ScreeningRun) -> int:
    """Hand the pending chunks of a run to workers again; returns how many.

    A chunk whose worker was killed is redelivered by a broker that supports
    acknowledgements (Redis, after its visibility timeout), but the embedded
    filesystem broker drops it: the watchdog (beat) and ``rescreen --wait`` call
    this for runs that stopped progressing. Executing a chunk twice is harmless.
    """
    chunk_ids = list(
        run.chunks.filter(status=ScreeningChunk.Status.PENDING).values_list("pk", flat=True)
    )
    _enqueue_chunks(chunk_ids)
    return len(chunk_ids)


def screening_runs_resume_stalled(*, stalled_for: dt.timedelta = STALL) -> int:
    """Resume every running run that has made no progress for ``stalled_for``."""
    cutoff = timezone.now() - stalled_for
    return sum(
        screening_run_resume(run=run)
        for run in ScreeningRun.objects.filter(
            status=ScreeningRun.Status.RUNNING, updated_at__lt=cutoff
        )
    )


@transaction.atomic
def screening_subject_screen(
    *, subject_kind: str, subject_id: int, trigger: str = ScreeningRun.Trigger.PERSON
) -> ScreeningRun:
    """Screen one subject against every entry, at once, in a one-chunk run."""
    return screening_ranges_screen(ranges=[(subject_kind, subject_id, subject_id)], trigger=trigger)


@transaction.atomic
def screening_ranges_screen(*, ranges: list[tuple[str, int, int]], trigger: str) -> ScreeningRun:
    """Screen (kind, first id, last id) ranges at once, in this process, one chunk each."""
    run = ScreeningRun.objects.create(trigger=trigger, chunks_total=len(ranges))
    for kind, first, last in ranges:
        _execute(
            ScreeningChunk.objects.create(run=run, subject_kind=kind, pk_from=first, pk_to=last)
        )
    run.refresh_from_db()
    return run


def _spans(ids: list[int], size: int) -> list[tuple[int, int]]:
    """Cover sorted ids with ranges at most ``size`` wide (subjects between are screened too)."""
    spans: list[tuple[int, int]] = []
    for subject_id in ids:
        if spans and subject_id - spans[-1][0] < size:
            spans[-1] = (spans[-1][0], subject_id)
        else:
            spans.append((subject_id, subject_id))
    return spans


@transaction.atomic
def screening_subjects_enqueue(
    *, cadre_ids: list[int], relative_ids: list[int], chunk_size: int = CHUNK_SIZE
) -> ScreeningRun | None:
    """Screen many changed subjects in one run whose chunks workers execute after commit."""
    ranges = [
        (kind, first, last)
        for kind, ids in ((SubjectKind.CADRE, cadre_ids), (SubjectKind.RELATIVE, relative_ids))
        for first, last in _spans(sorted(set(ids)), chunk_size)
    ]
    if not ranges:
        return None
    run = ScreeningRun.objects.create(trigger=ScreeningRun.Trigger.PERSON, chunks_total=len(ranges))
    chunks = ScreeningChunk.objects.bulk_create(
        ScreeningChunk(run=run, subject_kind=kind, pk_from=first, pk_to=last)
        for kind, first, last in ranges
    )
    chunk_ids = [chunk.pk for chunk in chunks]
    transaction.on_commit(lambda: _enqueue_chunks(chunk_ids))
    return run


def screening_person_enqueue(*, subject_kind: str, subject_id: int) -> None:
    """Screen a person or relative once the current transaction commits (register signals):
    every change of one transaction joins one run, not one run each in the runs list."""
    on_commit_batch(SCREENING_BATCH, _screen_changed, **{str(subject_kind): [subject_id]})


SCREENING_BATCH = "screening"


def _screen_changed(ids: dict[str, set[int]]) -> None:
    screening_subjects_enqueue(
        cadre_ids=list(ids.get(SubjectKind.CADRE, ())),
        relative_ids=list(ids.get(SubjectKind.RELATIVE, ())),
    )
