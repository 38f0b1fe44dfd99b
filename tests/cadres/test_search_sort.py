"""Search and sort of every list: width and invisible characters never matter; names sort by pinyin.

The order tests run on SQLite (the collation is a Python function) and, with DATABASE_URL set,
on PostgreSQL (an ICU collation): both must give the same order.
"""

import datetime as dt
import random

import pytest
from django.urls import reverse

from cadres.models import Person
from cadres.records import services as record_services
from cadres.records.models import PartyCandidate
from cadres.services import person_create
from tests.factories import PersonFactory, VillageFactory, cadre, make_id_number, township
from tests.supervision.factories import MisconductCaseFactory
from tests.training.factories import SessionFactory
from tests.vetting.factories import import_list, run_inline
from tests.vetting_candidates.factories import Cast, nominate
from vetting.models import Hit

pytestmark = pytest.mark.django_db

LIST = reverse("cadres:list")
PINYIN_ORDER = ["阿", "白", "张三", "张三丰", "章", "赵"]
FULL_WIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
)


def full_width(text: str) -> str:
    return text.translate(FULL_WIDTH)


def names(response, key="people") -> list[str]:
    return [p.name for p in response.context[key]]


def shuffled(items):
    items = list(items)
    random.Random(18).shuffle(items)
    return items


def test_full_width_digits_letters_and_invisible_characters_search_the_register(client, staff):
    zhang = cadre(name="张伟", id_number=make_id_number(dt.date(1980, 5, 17), 7))
    cadre(name="李娜", id_number=make_id_number(dt.date(1975, 1, 2), 8))
    cadre(VillageFactory(township=township("220502200")), name="张伟强")
    client.force_login(staff)
    assert names(client.get(LIST, {"q": full_width("19800517")})) == ["张伟"]
    assert names(client.get(LIST, {"q": full_width(zhang.id_number)})) == ["张伟"]
    assert names(client.get(LIST, {"q": "Ｚ Ｗ"})) == ["张伟"]
    assert names(client.get(LIST, {"q": full_width("zhangwei")})) == ["张伟"]
    assert names(client.get(LIST, {"q": "\u200b张\ufeff伟\u00a0"})) == ["张伟"]
    # Another township's 张伟强 stays out of every search.
    assert names(client.get(LIST, {"q": "张伟"})) == ["张伟"]


def test_a_name_typed_with_invisible_characters_is_stored_clean(district_reviewer):
    person = person_create(
        actor=district_reviewer,
        name="王\u200d\u00ad明\u2060",
        id_number="\u202a" + full_width(make_id_number(dt.date(1980, 5, 1), 3)) + "\u202c",
        home_village=VillageFactory(),
    )
    assert (person.name, person.name_key) == ("王明", "王明")
    assert person.id_number == make_id_number(dt.date(1980, 5, 1), 3)


def test_the_register_sorts_names_by_pinyin(client, staff):
    for name in shuffled(PINYIN_ORDER):
        cadre(name=name)
    client.force_login(staff)
    assert names(client.get(LIST)) == PINYIN_ORDER
    assert names(client.get(LIST, {"sort": "name"})) == PINYIN_ORDER
    assert names(client.get(LIST, {"sort": "-name"})) == PINYIN_ORDER[::-1]


def test_party_candidates_search_and_sort_by_pinyin(client, staff):
    village = VillageFactory()
    for name in shuffled(PINYIN_ORDER):
        record_services.party_candidate_add(
            actor=staff, village=village, stage="activist", name=name, birth_date=None
        )
    client.force_login(staff)
    url = reverse("cadres:records:candidate_list")
    rows = client.get(url, {"sort": "name"}).context["rows"]
    assert [row.name for row in rows] == PINYIN_ORDER
    rows = client.get(url, {"q": "\u200b张\u00ad三\ufeff"}).context["rows"]
    assert {row.name for row in rows} == {"张三", "张三丰"}
    assert PartyCandidate.objects.count() == len(PINYIN_ORDER)


def test_the_training_roster_finds_by_full_width_input_and_sorts_by_pinyin(client, staff):
    village = VillageFactory(township=township("220502100"))
    people = {name: cadre(village, name=name) for name in shuffled(PINYIN_ORDER)}
    session = SessionFactory(organizer=township("220502100"))
    client.force_login(staff)
    url = reverse("training:roster", args=[session.pk])
    found = client.get(url, {"find": "ＺＳＦ"}).context["found"]
    assert [post.person for post in found] == [people["张三丰"]]
    found = client.get(url, {"find": full_width(people["赵"].id_number[-6:])}).context["found"]
    assert [post.person for post in found] == [people["赵"]]
    found = client.get(url, {"find": "ｚ"}).context["found"]
    assert [post.person.name for post in found] == ["张三", "张三丰", "章", "赵"]


def test_supervision_cases_find_a_name_with_invisible_characters(client, staff):
    village = VillageFactory(township=township("220502100"))
    mine = MisconductCaseFactory(person=cadre(village, name="王明"), village=village)
    MisconductCaseFactory(person=cadre(village, name="李明"), village=village)
    client.force_login(staff)
    response = client.get(reverse("supervision:case_list"), {"q": "王\u200b明\u00a0"})
    assert [row.pk for row in response.context["rows"]] == [mine.pk]


def test_candidate_cases_filter_by_name_key_and_sort_by_pinyin(client):
    cast = Cast()
    for name in shuffled(PINYIN_ORDER):
        nominate(cast.staff, name=name)
    client.force_login(cast.staff)
    url = reverse("vetting:case_list")
    assert names(client.get(url, {"sort": "name"}), "cases") == PINYIN_ORDER
    # Traditional characters, a zero-width space and a full-width space: the name key decides.
    assert names(client.get(url, {"name": "張\u200b三\u3000", "sort": "name"}), "cases") == [
        "张三",
        "张三丰",
    ]


def test_screening_matches_a_list_name_with_a_zero_width_space(district_reviewer):
    birth = dt.date(1980, 5, 1)
    person = cadre(name="王明", id_number=make_id_number(birth, 5))
    import_list(
        district_reviewer, [{"name": "王\u200b明", "birth_date": "1980-05-01", "sex": "男"}]
    )
    run_inline()
    assert list(Hit.objects.filter(person=person).values_list("match_kind", "rule")) == [
        ("probable", "name_birth")
    ]


def test_pinyin_order_in_the_database_is_the_python_order():
    for name in shuffled([*PINYIN_ORDER, "西安", "先", "买买提·艾力", "ABC"]):
        PersonFactory(name=name)
    assert list(Person.objects.values_list("name", flat=True)) == [
        "阿", "白", "买买提·艾力", "西安", "先", "张三", "张三丰", "章", "赵", "ABC",
    ]  # fmt: skip
