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


def test_the_changes_of_one_transaction_are_screened_in_one_run(django_capture_on_commit_callbacks):
    from django.db import transaction

    from tests.factories import RelativeFactory

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        people = [cadre() for _ in range(3)]
        relative = RelativeFactory(cadre=people[0])
        for person in people:
            signals.person_identity_changed.send(sender=Person, person=person)
        signals.relative_identity_changed.send(sender=type(relative), relative=relative)
    # One screening flush and one refresh of the warning lights, whatever the number of changes.
    assert len(callbacks) == 2
    for callback in callbacks:
        callback()
    run = ScreeningRun.objects.get()
    assert run.trigger == ScreeningRun.Trigger.PERSON
    screened = {(c.subject_kind, c.pk_from, c.pk_to) for c in run.chunks.all()}
    ids = sorted(p.pk for p in people)
    assert screened == {("cadre", ids[0], ids[-1]), ("relative", relative.pk, relative.pk)}


def test_a_rolled_back_change_is_not_screened_and_the_next_one_is(
    django_capture_on_commit_callbacks,
):
    from django.db import transaction

    first, second = cadre(), cadre()
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        try:
            with transaction.atomic():
                signals.person_identity_changed.send(sender=Person, person=first)
                raise RuntimeError
        except RuntimeError:
            pass
        signals.person_identity_changed.send(sender=Person, person=second)
    assert len(callbacks) == 1
    callbacks[0]()
    chunk = ScreeningRun.objects.get().chunks.get()
    assert (chunk.pk_from, chunk.pk_to) == (second.pk, second.pk)
