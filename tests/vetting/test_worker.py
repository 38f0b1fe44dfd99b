"""The Celery path with a real worker: imports, full runs, one-person screens, a killed worker."""

import datetime as dt

import pytest

from cadres.services import person_update
from tests.conftest import wait_for
from tests.factories import RelativeFactory, UserFactory, cadre, hanzi_number, make_id_number
from tests.vetting.factories import import_list
from vetting.models import Hit, ScreeningRun
from vetting.services import screening

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

BIRTH = dt.date(1968, 8, 8)


def hit_set():
    return sorted(
        Hit.objects.values_list(
            "subject_kind", "person_id", "relative_id", "entry_id", "match_kind"
        )
    )


def done(run):
    run.refresh_from_db()
    return run.status == ScreeningRun.Status.DONE


def make_population(count: int) -> list[dict]:
    rows = []
    for n in range(count):
        person = cadre(name=f"韩{hanzi_number(n)}", id_number=make_id_number(BIRTH, n))
        relative = RelativeFactory(cadre=person)
        if n % 3 == 0:
            rows.append({"name": person.name, "id_number": person.id_number})
        if n % 4 == 0:
            rows.append({"name": relative.name, "birth_date": relative.birth_date.isoformat()})
    return rows


def test_import_delta_run_and_full_run_on_a_worker(celery_worker_process, district_reviewer):
    rows = make_population(12)
    imp = import_list(district_reviewer, rows)
    delta = ScreeningRun.objects.get(watchlist_import=imp)
    wait_for(lambda: done(delta))
    expected = hit_set()
    assert len(expected) >= len(rows)
    full = screening.screening_run_start(
        actor=district_reviewer, trigger=ScreeningRun.Trigger.MANUAL, chunk_size=3
    )
    wait_for(lambda: done(full))
    assert hit_set() == expected
    assert full.matches == len(expected)
    assert full.hits_new == 0


def test_a_worker_killed_mid_run_leaves_the_same_hits(celery_worker_process, district_reviewer):
    rows = make_population(40)
    imp = import_list(district_reviewer, rows)
    wait_for(lambda: done(ScreeningRun.objects.get(watchlist_import=imp)))
    expected = hit_set()
    Hit.objects.all().delete()

    run = screening.screening_run_start(
        actor=district_reviewer, trigger=ScreeningRun.Trigger.MANUAL, chunk_size=1
    )
    wait_for(lambda: run.chunks.filter(status="done").exists(), interval=0.01)
    celery_worker_process.kill_and_restart()
    run.refresh_from_db()
    assert run.chunks_done < run.chunks_total  # killed mid-run
    # The watchdog hands the lost chunks out again (Redis would redeliver them too).
    screening.screening_run_resume(run=run)
    wait_for(lambda: done(run), timeout=120)
    assert hit_set() == expected
    assert run.chunks_done == run.chunks_total


def test_changing_a_person_screens_that_person(celery_worker_process, district_reviewer):
    person = cadre(name="邓华", id_number=make_id_number(BIRTH, 900))
    imp = import_list(district_reviewer, [{"name": "邓华", "birth_date": "1990-01-01"}])
    # Let the import's own run finish first: run after the change, it would find the hit itself.
    wait_for(lambda: done(ScreeningRun.objects.get(watchlist_import=imp)))
    assert not Hit.objects.filter(person=person, match_kind="probable").exists()
    # A superuser: this test is about the signal, not about who may edit the register.
    admin = UserFactory(is_superuser=True)
    person_update(actor=admin, person=person, id_number=make_id_number(dt.date(1990, 1, 1), 901))
    wait_for(lambda: Hit.objects.filter(person=person, match_kind="probable").exists())
    run = ScreeningRun.objects.get(trigger=ScreeningRun.Trigger.PERSON)
    wait_for(lambda: done(run))
