"""Runs: delta runs after an import, one-person screens, dismissals that persist or reopen."""

import datetime as dt

import pytest
from django.conf import settings

from cadres.models import Post
from cadres.services import person_update
from tests.factories import UserFactory, VillageFactory, cadre, make_id_number
from tests.querycount import assert_queries_flat
from tests.vetting.factories import import_list, run_inline
from vetting.models import Hit, ScreeningRun
from vetting.models.screening import SubjectKind
from vetting.services import review, screening

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1975, 3, 3)


def test_an_import_plans_a_delta_run_of_only_its_new_entries(district_reviewer):
    old = cadre(name="钱军", id_number=make_id_number(BIRTH, 1))
    new = cadre(name="冯敏", id_number=make_id_number(BIRTH, 2, male=False))
    import_list(district_reviewer, [{"name": "钱军", "id_number": old.id_number}])
    run_inline()
    first = Hit.objects.get(person=old)
    second_import = import_list(
        district_reviewer,
        [
            {"name": "钱军", "id_number": old.id_number},
            {"name": "冯敏", "id_number": new.id_number},
        ],
    )
    delta = ScreeningRun.objects.get(watchlist_import=second_import)
    assert delta.trigger == ScreeningRun.Trigger.IMPORT
    assert second_import.added == 1
    assert second_import.unchanged == 1
    for chunk in delta.chunks.all():
        screening.screening_chunk_execute(chunk_id=chunk.pk)
    delta.refresh_from_db()
    assert delta.status == "done"
    assert delta.matches == 1
    assert Hit.objects.get(person=new).first_run == delta
    first.refresh_from_db()
    assert first.last_run != delta  # the unchanged entry was not screened again


def test_an_import_without_new_entries_starts_no_run(district_reviewer):
    rows = [{"name": "某甲", "birth_date": "1970-01-01"}]
    import_list(district_reviewer, rows)
    again = import_list(district_reviewer, rows)
    assert not ScreeningRun.objects.filter(watchlist_import=again).exists()


def test_one_person_is_screened_alone_in_queries_that_do_not_grow_with_the_list(
    district_reviewer,
):
    person = cadre(name="何涛", id_number=make_id_number(BIRTH, 3))
    cadre(name="何涛", id_number=make_id_number(BIRTH, 4))
    import_list(district_reviewer, [{"name": "何涛", "birth_date": BIRTH.isoformat()}])

    def more_entries():
        # Two more lists naming him: each is a match more, written in the same statements.
        for source in ("甲", "乙"):
            import_list(
                district_reviewer,
                [{"name": "何涛", "birth_date": BIRTH.isoformat()}],
                source=source,
            )

    # The statements of one chunk, however many entries there are.
    run = assert_queries_flat(
        lambda: screening.screening_subject_screen(
            subject_kind=SubjectKind.CADRE, subject_id=person.pk
        ),
        more_entries,
    )
    assert run.trigger == ScreeningRun.Trigger.PERSON
    assert run.status == "done"
    assert run.subjects == 1
    assert set(Hit.objects.values_list("person", flat=True)) == {person.pk}
    assert Hit.objects.count() == 3


def test_dismissal_survives_reimport_and_rerun_but_reopens_when_matched_values_change(
    district_reviewer,
):
    person = cadre(name="张伟", id_number=make_id_number(BIRTH, 5, male=True))
    rows = [{"name": "章玮", "birth_date": "1975-12-12", "sex": "男", "measure": "警告"}]
    import_list(district_reviewer, rows)
    run_inline()
    hit = Hit.objects.get(person=person)
    review.hit_dismiss(actor=district_reviewer, hit=hit, reason="出生日期不同，非同一人")
    import_list(district_reviewer, rows)  # same list again: the entry is kept
    run_inline()
    hit.refresh_from_db()
    assert hit.status == Hit.Status.DISMISSED
    assert Hit.objects.count() == 1

    admin = UserFactory(is_superuser=True)
    person_update(actor=admin, person=person, name="章伟")
    run_inline()
    hit.refresh_from_db()
    assert hit.status == Hit.Status.PENDING
    assert hit.reopened_at is not None
    assert hit.reason == "出生日期不同，非同一人"  # the earlier decision stays on record


def test_beat_runs_the_full_rescreen_nightly_and_the_watchdog():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "vetting.tasks.screening_full_run" in tasks
    assert "vetting.tasks.screening_runs_resume_stalled" in tasks
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


def test_the_nightly_task_plans_a_scheduled_run(district_reviewer):
    from vetting.tasks import screening_full_run

    cadre(name="罗超", id_number=make_id_number(BIRTH, 5))
    screening_full_run()
    run = ScreeningRun.objects.get()
    assert run.trigger == ScreeningRun.Trigger.SCHEDULE
    # The join on ID number and the rules by name, each one chunk for one cadre.
    assert sorted(run.chunks.values_list("part", flat=True)) == ["id_number", "names"]


def test_a_rerun_on_unchanged_data_counts_its_hits_and_writes_none(district_reviewer):
    person = cadre(name="钱军", id_number=make_id_number(BIRTH, 6))
    import_list(district_reviewer, [{"name": "钱军", "id_number": person.id_number}])
    first = run_inline()
    hit = Hit.objects.get(person=person)
    again = run_inline()
    assert (first.matches, first.hits_new) == (1, 1)
    assert (again.matches, again.hits_new, again.hits_reopened) == (1, 0, 0)
    unchanged = Hit.objects.get(person=person)
    assert (unchanged.updated_at, unchanged.last_run) == (hit.updated_at, first)

    # The cadre now serves elsewhere: the hit moves with them, written by the run that saw it.
    elsewhere = VillageFactory()
    Post.objects.filter(person=person).update(village=elsewhere)
    moved = run_inline()
    hit.refresh_from_db()
    assert (moved.matches, moved.hits_new) == (1, 0)
    assert (hit.village, hit.last_run, hit.first_run) == (elsewhere, moved, first)
