"""A full run's parts: the join on ID number by ranges of ID numbers, the rules by name by
ranges of subjects, and either way round for the rules by name; all find what one chunk
applying every rule finds."""

import datetime as dt

import pytest
from django.db import connection

from cadres.dates import MONTH, PartialDate
from cadres.models import Person, Relative
from tests.factories import RelativeFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline
from vetting import engine
from vetting.models import Hit, ScreeningChunk, ScreeningRun
from vetting.models.screening import SubjectKind

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1968, 4, 9)
OTHER = dt.date(1968, 12, 30)


@pytest.fixture
def register_and_list(district_reviewer):
    """Subjects with and without ID numbers, and entries of every rule, both ways round."""
    people = [
        cadre(name="王建国", id_number=make_id_number(BIRTH, 1), sex="male", birth_date=BIRTH),
        cadre(name="李秀英", id_number=make_id_number(BIRTH, 2, male=False)),
        cadre(name="欧阳建华", id_number=make_id_number(BIRTH, 3), sex="male", birth_date=BIRTH),
        cadre(name="赵强", id_number=None, sex="male", birth_date=BIRTH),
        cadre(name="孙丽", id_number=make_id_number(BIRTH, 4, male=False)),
    ]
    RelativeFactory(cadre=people[0], name="刘建军", id_number=None, sex="male", birth_date=BIRTH)
    RelativeFactory(cadre=people[1], name="陈明", id_number=make_id_number(OTHER, 5))
    # 出生年月 only: known to the month.
    RelativeFactory(
        cadre=people[3], name="周红", id_number=None, birth_date=PartialDate.of(BIRTH, MONTH)
    )
    RelativeFactory(
        cadre=people[2], name="张伟华", id_number=make_id_number(BIRTH, 6), sex="male",
        birth_date=BIRTH,
    )  # fmt: skip
    rows = [
        {"name": "王建国", "id_number": people[0].id_number},  # strong
        {"name": "孙丽", "id_number": people[4].id_number},  # strong
        {"name": "王建军", "birth_date": "1968-01-01", "sex": "男"},  # one character, position 3
        {"name": "汪建国", "birth_date": "1968-07-07", "sex": "男"},  # homophone and position 1
        {"name": "欧阳建军", "birth_date": "1968-02-02", "sex": "男"},  # position 4
        {"name": "赵强", "birth_date": "1968-04-09", "sex": "男"},  # probable, no ID subject
        {"name": "刘建军", "id_number": make_id_number(BIRTH, 7)},  # probable, relative
        {"name": "刘建军", "birth_date": "1968-04-09", "sex": "男"},  # probable, relative
        {"name": "陈明"},  # name only
        {"name": "张立华", "birth_date": "1968-03-03", "sex": "男"},  # position 2
        {"name": "赵强", "id_number": make_id_number(BIRTH, 8)},  # subject without ID, by name
        {"name": "王建国", "birth_date": "1968.04"},  # the month alone: probable
        {"name": "王建国", "birth_date": "1968年"},  # the year alone: possible
        # The relative known to the month, against a day in it, and a year; not another month.
        {"name": "周红", "id_number": make_id_number(dt.date(1968, 4, 20), 9, male=False)},
        {"name": "周红", "birth_date": "1968"},
        {"name": "周红", "birth_date": "1968-05-01"},
    ]
    import_list(district_reviewer, rows)
    return people


def found() -> set:
    return set(
        Hit.objects.values_list("subject_kind", "person_id", "relative_id", "entry_id", "rule")
    )


def every_rule_at_once(*, from_entries: bool, screen_import_id: int | None = None) -> set:
    """One chunk per kind applying every rule to the whole table."""
    Hit.objects.all().delete()
    run = ScreeningRun.objects.create(trigger=ScreeningRun.Trigger.MANUAL)
    for kind, model in ((SubjectKind.CADRE, Person), (SubjectKind.RELATIVE, Relative)):
        ids = list(model.objects.values_list("pk", flat=True))
        engine.match_chunk(
            engine.Chunk(kind, min(ids), max(ids)),
            run_id=run.pk,
            from_entries=from_entries,
            screen_import_id=screen_import_id,
        )
    return found()


def test_a_full_run_in_parts_finds_what_every_rule_at_once_finds(register_and_list):
    run = run_inline(chunk_size=2)
    parts = set(run.chunks.values_list("part", flat=True))
    assert parts == {ScreeningChunk.Part.ID_NUMBER, ScreeningChunk.Part.NAMES}
    assert run.chunks.filter(part=ScreeningChunk.Part.ID_NUMBER).count() > 2
    in_parts = found()
    rules = {rule for *_ids, rule in in_parts}
    assert rules == {rule.value for rule in Hit.Rule}
    assert every_rule_at_once(from_entries=True) == in_parts
    assert every_rule_at_once(from_entries=False) == in_parts
    # Each serving subject is counted once, by the part that covers it.
    assert run.subjects == Person.objects.count() + Relative.objects.count()


def test_the_parts_pairs_by_rule(register_and_list):
    people = register_and_list
    run_inline(chunk_size=3)

    def rules(**subject):
        return sorted(
            (entry_name, rule)
            for entry_name, rule in Hit.objects.filter(**subject).values_list("entry__name", "rule")
        )

    assert rules(person=people[0]) == sorted(
        [
            ("王建军", "one_character"),
            ("王建国", "id_number"),
            ("王建国", "name_birth_month"),
            ("王建国", "name_birth_year"),
            ("汪建国", "homophone"),
        ]
    )
    assert rules(person=people[2]) == [("欧阳建军", "one_character")]
    # Without an ID number of their own, compared by name even with the entry that has one.
    assert rules(person=people[3]) == [("赵强", "name_birth"), ("赵强", "name_birth")]
    assert rules(relative__name="刘建军") == [
        ("刘建军", "name_birth"),
        ("刘建军", "name_birth"),
        ("王建军", "one_character"),
    ]
    assert rules(relative__name="陈明") == [("陈明", "name_only")]
    assert rules(relative__name="周红") == [
        ("周红", "name_birth_month"),
        ("周红", "name_birth_year"),
    ]
    assert rules(relative__name="张伟华") == [("张立华", "one_character")]


def test_id_number_ranges_take_in_every_id_number_once(district_reviewer):
    numbers = sorted(make_id_number(BIRTH, n) for n in range(7))
    for number in numbers:
        cadre(id_number=number)
    ranges = engine.id_number_ranges(subject_kind=SubjectKind.CADRE, size=3)
    assert ranges[0][0] == ""
    assert ranges[-1][1] == ""
    assert len(ranges) == 3
    for low, below in ranges:
        assert low == "" or low in numbers
        assert below == "" or below in numbers
    covered = [
        number
        for number in numbers
        for low, below in ranges
        if number >= low and (not below or number < below)
    ]
    assert covered == numbers


def test_name_ranges_sized_by_subjects_without_id_number_cover_the_table(district_reviewer):
    with_id = [cadre(id_number=make_id_number(BIRTH, n)) for n in range(5)]
    without = [cadre(id_number=None) for _n in range(3)]
    first = min(person.pk for person in with_id + without)
    last = max(person.pk for person in with_id + without)
    ranges = engine.subject_ranges(subject_kind=SubjectKind.CADRE, size=2, without_id_number=True)
    assert len(ranges) == 2
    assert ranges[0][0] == first
    assert ranges[-1][1] == last
    assert ranges[0][1] + 1 == ranges[1][0]
    everyone = engine.subject_ranges(subject_kind=SubjectKind.CADRE, size=2)
    assert len(everyone) == 4


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes and plans")
def test_entries_probe_the_subjects_one_character_indexes(register_and_list):
    """The engine's keys must stay the expressions migration 0010 indexes."""
    with connection.cursor() as cursor:
        for position in range(1, engine.INDEXED_POSITIONS + 1):
            key = engine.variant_key_sql("s", position)
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN SELECT 1 FROM cadres_relative s WHERE {key} = %s", ["x"])  # noqa: S608
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert f"relative_variant_{position}_idx" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's indexes and plans")
def test_subjects_probe_the_entries_one_character_indexes(register_and_list):
    """The engine's keys must stay the expressions migration 0026 indexes on the entries, and
    the long and masked names be found through their partial indexes."""
    entry = "vetting_watchlistentry"
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {entry}")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for position in range(1, engine.INDEXED_POSITIONS + 1):
            key = engine.variant_key_sql("e", position)
            cursor.execute(f"EXPLAIN SELECT 1 FROM {entry} e WHERE {key} = %s", ["x"])  # noqa: S608
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert f"entry_variant_{position}_idx" in plan
        for condition, index in (
            (f"length(e.name_key) > {engine.INDEXED_POSITIONS}", "entry_long_name_idx"),
            (engine.holds_star_sql("e"), "entry_star_name_idx"),
        ):
            cursor.execute(f"EXPLAIN SELECT e.id FROM {entry} e WHERE {condition}")  # noqa: S608
            assert index in " ".join(row[0] for row in cursor.fetchall())


def test_with_no_entry_without_id_number_the_rules_by_name_are_one_chunk(district_reviewer):
    people = [cadre(id_number=make_id_number(BIRTH, n)) for n in range(5)]
    import_list(district_reviewer, [{"name": people[0].name, "id_number": people[0].id_number}])
    run = run_inline(chunk_size=2)
    names = run.chunks.filter(part=ScreeningChunk.Part.NAMES, subject_kind=SubjectKind.CADRE)
    assert [(chunk.pk_from, chunk.pk_to) for chunk in names] == [
        (min(p.pk for p in people), max(p.pk for p in people))
    ]
    assert run.chunks.filter(part=ScreeningChunk.Part.ID_NUMBER).count() == 3
    assert run.subjects == 5
    assert Hit.objects.get().person == people[0]


def test_many_entries_without_id_number_split_the_rules_by_name_by_subjects(district_reviewer):
    for n in range(4):
        cadre(id_number=make_id_number(BIRTH, n))
    import_list(district_reviewer, [{"name": "某某", "birth_date": "1970-01-01"}])
    run = run_inline(chunk_size=2)
    assert run.chunks.filter(part=ScreeningChunk.Part.NAMES).count() == 2


def test_a_delta_run_finds_its_own_entries_whichever_side_drives(
    register_and_list, district_reviewer
):
    later = import_list(
        district_reviewer,
        [{"name": "王建民", "birth_date": "1968-06-06", "sex": "男"}],
        source="区政法委前科劣迹名单",
    )
    by_subjects = every_rule_at_once(from_entries=False, screen_import_id=later.pk)
    assert {(rule, person) for _kind, person, _r, _e, rule in by_subjects} == {
        ("one_character", register_and_list[0].pk)
    }
    assert every_rule_at_once(from_entries=True, screen_import_id=later.pk) == by_subjects
