"""The matching engine: every rule, normalization on both sides, relatives, idempotence."""

import datetime as dt

import pytest

from cadres.identity import name_key
from cadres.models import Person, Post
from tests.factories import RelativeFactory, cadre, make_id_number
from tests.vetting.factories import import_list, run_inline
from vetting.models import Hit, WatchlistSource

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1980, 5, 1)


@pytest.fixture
def importer(district_reviewer):
    return district_reviewer


def hits_of(person):
    return list(Hit.objects.filter(person=person).values_list("match_kind", "rule"))


def test_equal_id_number_is_strong_even_full_width_and_lower_x(importer):
    number = make_id_number(BIRTH, 7)
    person = cadre(name="王明", id_number=number)
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    import_list(importer, [{"name": "王　明", "id_number": full_width, "measure": "开除党籍"}])
    run = run_inline()
    assert hits_of(person) == [("strong", "id_number")]
    hit = Hit.objects.get(person=person)
    assert hit.score == 100
    assert hit.matched_fields == ["id_number"]
    assert hit.township.code == "220502100"
    assert hit.village_id == person.posts.get().village_id
    assert run.status == "done"
    assert run.chunks_done == run.chunks_total
    assert run.hits_new == 1


def test_name_key_and_birth_date_is_probable_across_traditional_and_padding(importer):
    person = cadre(name="张伟", id_number=make_id_number(BIRTH, 8))
    import_list(importer, [{"name": "張 偉", "birth_date": "1980-05-01", "sex": "男"}])
    run_inline()
    assert hits_of(person) == [("probable", "name_birth")]


def test_homophone_with_same_birth_year_and_sex_is_possible(importer):
    person = cadre(name="张伟", id_number=make_id_number(BIRTH, 9, male=True))
    import_list(importer, [{"name": "章玮", "birth_date": "1980-11-30", "sex": "男"}])
    run_inline()
    assert hits_of(person) == [("possible", "homophone")]


def test_homophone_needs_same_birth_year_and_sex(importer):
    person = cadre(name="张伟", id_number=make_id_number(BIRTH, 10, male=True))
    import_list(
        importer,
        [
            {"name": "章玮", "birth_date": "1981-05-01", "sex": "男"},
            {"name": "章玮", "birth_date": "1980-05-02", "sex": "女"},
        ],
    )
    run_inline()
    assert hits_of(person) == []


def test_one_character_different_in_a_three_character_name_is_possible(importer):
    person = cadre(name="李建国", id_number=make_id_number(BIRTH, 11, male=True))
    two_chars = cadre(name="李国", id_number=make_id_number(BIRTH, 12, male=True))
    import_list(
        importer,
        [
            {"name": "李建军", "birth_date": "1980-01-15", "sex": "男"},
            {"name": "李军", "birth_date": "1980-01-15", "sex": "男"},
            {"name": "王建军", "birth_date": "1980-01-15", "sex": "男"},
        ],
    )
    run_inline()
    assert hits_of(person) == [("possible", "one_character")]
    assert Hit.objects.get(person=person).entry.name == "李建军"
    # Two-character names differ too much with one character changed.
    assert hits_of(two_chars) == []


def test_one_character_rule_on_long_short_and_masked_names(importer):
    """Keys past the indexed positions, a shorter name's key at the third position, and
    masked names whose keys meet at different positions (张*伟 and 张三* share 张**)."""
    long_name = cadre(name="阿卜杜拉·买买提", id_number=make_id_number(BIRTH, 21, male=True))
    three = cadre(name="李建国", id_number=make_id_number(BIRTH, 22, male=True))
    masked = cadre(name="张三伟", id_number=make_id_number(BIRTH, 23, male=True))
    # A name recorded masked before the register refused the mark (name_refusal): it is
    # still screened.
    Person.objects.filter(pk=masked.pk).update(name="张*伟", name_key=name_key("张*伟"))
    import_list(
        importer,
        [
            {"name": "阿卜杜拉·买买江", "birth_date": "1980-03-01", "sex": "男"},
            {"name": "李建", "birth_date": "1980-03-01", "sex": "男"},
            {"name": "张三*", "birth_date": "1980-03-01", "sex": "男"},
        ],
    )
    run_inline()
    assert hits_of(long_name) == [("possible", "one_character")]
    assert hits_of(three) == []
    assert hits_of(masked) == [("possible", "one_character")]
    assert Hit.objects.get(person=masked).entry.name == "张三*"


def test_equal_name_where_the_list_has_no_birth_date_is_possible(importer):
    person = cadre(name="赵刚", id_number=make_id_number(BIRTH, 13))
    import_list(
        importer,
        [{"name": "趙剛", "measure": "有期徒刑三年"}],
        kind="criminal",
        source="法院判决名单",
    )
    run_inline()
    assert hits_of(person) == [("possible", "name_only")]


def test_strongest_rule_wins_for_one_pair(importer):
    number = make_id_number(BIRTH, 14)
    person = cadre(name="刘洋", id_number=number)
    import_list(importer, [{"name": "刘洋", "id_number": number}])
    run_inline()
    assert hits_of(person) == [("strong", "id_number")]


def test_relatives_are_screened_and_cadres_who_left_are_not(importer):
    person = cadre(name="孙强", id_number=make_id_number(BIRTH, 15))
    relative = RelativeFactory(cadre=person, name="孙大勇", id_number=make_id_number(BIRTH, 16))
    former = cadre(name="周平", id_number=make_id_number(BIRTH, 17))
    Post.objects.filter(person=former).update(
        ended_on=dt.date(2024, 1, 1), end_reason=Post.EndReason.RESIGNED
    )
    import_list(
        importer,
        [
            {"name": "孙大勇", "id_number": relative.id_number, "measure": "涉恶"},
            {"name": "周平", "id_number": former.id_number},
        ],
        kind=WatchlistSource.Kind.GANG,
        source="公安涉黑涉恶名单",
    )
    run_inline()
    hit = Hit.objects.get()
    assert hit.subject_kind == "relative"
    assert hit.relative == relative
    assert hit.cadre == person
    assert hit.township.code == "220502100"


def test_runs_are_idempotent(importer):
    number = make_id_number(BIRTH, 18)
    person = cadre(name="吴杰", id_number=number)
    RelativeFactory(cadre=person, name="吴娟", birth_date=None, id_number=None)
    import_list(importer, [{"name": "吴杰", "id_number": number}, {"name": "吴娟"}])
    first = run_inline()
    second = run_inline(chunk_size=1)
    assert Hit.objects.count() == 2
    assert first.hits_new == 2
    assert second.hits_new == 0
    assert second.matches == 2


def test_retired_entries_are_not_matched(importer):
    number = make_id_number(BIRTH, 19)
    person = cadre(name="郭涛", id_number=number)
    import_list(importer, [{"name": "郭涛", "id_number": number}, {"name": "某某某"}])
    import_list(importer, [{"name": "某某某"}])
    run_inline()
    assert hits_of(person) == []


def test_names_never_match_two_different_id_numbers(importer):
    """Two valid ID numbers that differ are two people: the rules by name compare only a
    subject or an entry without one."""
    person = cadre(name="张伟", id_number=make_id_number(BIRTH, 20, male=True))
    namesake = cadre(name="李建国", id_number=make_id_number(BIRTH, 21, male=True))
    relative = RelativeFactory(
        cadre=namesake, name="李建军", id_number=None, birth_date=BIRTH, sex="male"
    )
    import_list(
        importer,
        [
            # 张伟's name and birth date under another number: a namesake
            {"name": "张伟", "id_number": make_id_number(BIRTH, 22, male=True)},
            # homophone of 张伟, one character from 李建国, each with its own number
            {"name": "章玮", "id_number": make_id_number(dt.date(1980, 11, 30), 23, male=True)},
            {"name": "李建军", "id_number": make_id_number(dt.date(1980, 2, 3), 24, male=True)},
            # no ID number: compared by name with everyone
            {"name": "张伟", "birth_date": BIRTH.isoformat(), "sex": "男"},
        ],
    )
    run_inline()
    assert Hit.objects.filter(person=person).values_list("entry__id_number", "rule").get() == (
        None,
        "name_birth",
    )
    assert hits_of(namesake) == []
    # The relative has no ID number: the list's 李建军, of the same birth year and sex
    # but another birth date, is possibly this relative.
    found = Hit.objects.filter(relative=relative).values_list("entry__name", "rule")
    assert sorted(found) == [("李建军", "homophone")]
