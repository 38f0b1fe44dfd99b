"""A roster import is screened in one run, not one message per person."""

import pytest

from cadres import signals
from cadres.models import Person
from tests.factories import cadre
from vetting.models import ScreeningRun
from vetting.services.screening import _spans, screening_subjects_enqueue

pytestmark = pytest.mark.django_db


def test_spans_cover_ids_with_bounded_ranges():
    assert _spans([1, 2, 3, 10, 11, 500], 100) == [(1, 11), (500, 500)]
    assert _spans([], 100) == []


def test_an_import_announcement_plans_one_run(django_capture_on_commit_callbacks):
    people = [cadre() for _ in range(3)]
    with django_capture_on_commit_callbacks() as callbacks:
        signals.register_imported.send(
            sender=Person, person_ids=[p.pk for p in people], relative_ids=[]
        )
    run = ScreeningRun.objects.get()
    assert run.trigger == ScreeningRun.Trigger.PERSON
    assert run.chunks_total == 1
    chunk = run.chunks.get()
    assert (chunk.pk_from, chunk.pk_to) == (min(p.pk for p in people), max(p.pk for p in people))
    assert len(callbacks) == 1


def test_nothing_to_screen_plans_nothing():
    assert screening_subjects_enqueue(cadre_ids=[], relative_ids=[]) is None
    assert not ScreeningRun.objects.exists()
