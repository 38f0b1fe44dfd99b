"""Forms take a date as the imports do (1972.08, 1972年, 1972) and show it at its precision;
the services compare it with the ID number as far as it goes, and the candidate's family
members are found by name and birth month."""

import datetime as dt

import pytest
from django.urls import reverse

from cadres.dates import DAY, MONTH, YEAR, PartialDate, partial_date
from cadres.models import Person, Relative
from cadres.records import services as records
from tests.cadres_records.factories import serving_village
from tests.factories import RelativeFactory, VillageFactory, cadre, make_id_number
from tests.vetting_candidates.factories import Cast, nominate
from vetting.models import CandidateCase

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1972, 8, 15)


def new_cadre(village, **overrides) -> dict:
    return {
        "name": "赵新民",
        "id_number": make_id_number(BIRTH, 31),
        "sex": "",
        "birth_date": "",
        "ethnicity": "01",
        "political_status": "cpc_member",
        "party_joined_on": "1998.07",
        "education": "high_school",
        "phone": "",
        "home_village": village.pk,
        "village": village.pk,
        "body": "villagers_committee",
        "title": "member",
        "villager_group": "",
        "term_start": "2024.01",
        "term_end": "",
        **overrides,
    }


def test_a_new_cadre_with_a_birth_month_that_agrees_or_not(client, district_reviewer):
    village = VillageFactory()
    client.force_login(district_reviewer)
    refused = client.post(reverse("cadres:create"), new_cadre(village, birth_date="1972.09"))
    assert refused.status_code == 200
    assert refused.context["form"].errors["birth_date"] == [
        "出生日期与身份证号中的出生日期不一致。"
    ]
    unreadable = client.post(reverse("cadres:create"), new_cadre(village, party_joined_on="七月"))
    assert "不是日期" in unreadable.context["form"].errors["party_joined_on"][0]
    assert not Person.objects.exists()
    created = client.post(reverse("cadres:create"), new_cadre(village, birth_date="1972年8月"))
    assert created.status_code == 302
    person = Person.objects.get()
    assert partial_date(person, "birth_date") == PartialDate(BIRTH, DAY)
    assert partial_date(person, "party_joined_on") == PartialDate(dt.date(1998, 7, 1), MONTH)
    post = person.posts.get()
    assert partial_date(post, "term_start") == PartialDate(dt.date(2024, 1, 1), MONTH)
    assert partial_date(post, "term_end") == PartialDate(dt.date(2029, 1, 1), MONTH)
    page = client.get(reverse("cadres:detail", args=[person.pk])).content.decode()
    assert "1998.07" in page
    assert "<td>2029.01</td>" in page


def test_edit_shows_and_keeps_each_precision(client, staff):
    person = cadre(
        name="王建国",
        id_number=None,
        birth_date=PartialDate(dt.date(1972, 8, 1), MONTH),
        party_joined_on=PartialDate(dt.date(1998, 1, 1), YEAR),
    )
    client.force_login(staff)
    url = reverse("cadres:edit", args=[person.pk])
    page = client.get(url).content.decode()
    assert 'value="1972.08"' in page
    assert 'value="1998"' in page
    form = client.get(url).context["form"]
    data = {key: value for key, value in form.initial.items() if value is not None}
    data.update(id_number="", home_village="", birth_date="1972.08", party_joined_on="1998年")
    data = {key: str(value) for key, value in data.items()}
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert partial_date(person, "birth_date") == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert partial_date(person, "party_joined_on") == PartialDate(dt.date(1998, 1, 1), YEAR)
    # A day given now replaces the month.
    data.update(birth_date="1972-08-15", party_joined_on="1998-07-01")
    assert client.post(url, data).status_code == 302
    person.refresh_from_db()
    assert partial_date(person, "birth_date") == PartialDate(BIRTH, DAY)
    assert partial_date(person, "party_joined_on") == PartialDate(dt.date(1998, 7, 1), DAY)


def test_a_relative_known_to_the_month(client, staff, other_staff):
    person = cadre()
    client.force_login(staff)
    response = client.post(
        reverse("cadres:relative_add", args=[person.pk]),
        {"relation": "child", "name": "王小明", "id_number": "", "birth_date": "2005.6"},
    )
    assert response.status_code == 302
    relative = Relative.objects.get(cadre=person)
    assert partial_date(relative, "birth_date") == PartialDate(dt.date(2005, 6, 1), MONTH)
    edit = reverse("cadres:relative_edit", args=[relative.pk])
    assert 'value="2005.06"' in client.get(edit).content.decode()
    assert "<td>2005.06</td>" in client.get(reverse("cadres:detail", args=[person.pk])).text
    client.force_login(other_staff)
    assert client.get(edit).status_code == 404


def test_a_candidate_and_family_known_to_the_month(client):
    cast = Cast()
    case = nominate(
        cast.staff,
        relatives=[],
        name="李明",
        id_number=None,
        birth_date=PartialDate(dt.date(1990, 2, 1), MONTH),
    )
    assert partial_date(case, "birth_date") == PartialDate(dt.date(1990, 2, 1), MONTH)
    client.force_login(cast.staff)
    page = client.get(reverse("vetting:case_edit", args=[case.pk])).content.decode()
    assert 'value="1990.02"' in page
    response = client.post(
        reverse("vetting:case_relative_add", args=[case.pk]),
        {"name": "李父", "relation": "father", "id_number": "", "birth_date": "1962"},
    )
    assert response.status_code == 302
    relative = case.relatives.get()
    assert partial_date(relative, "birth_date") == PartialDate(dt.date(1962, 1, 1), YEAR)
    edit = reverse("vetting:case_relative_edit", args=[case.pk, relative.pk])
    assert 'value="1962"' in client.get(edit).content.decode()
    # Saved again unchanged, the year stays a year.
    response = client.post(
        edit, {"name": "李父", "relation": "father", "id_number": "", "birth_date": "1962"}
    )
    assert response.status_code == 302
    relative.refresh_from_db()
    assert relative.birth_date_precision == YEAR
    assert "<dd>1990.02</dd>" in client.get(reverse("vetting:case_detail", args=[case.pk])).text
    assert CandidateCase.objects.get().birth_date_precision == MONTH


def test_a_party_candidate_known_to_the_month_finds_the_relatives_of_that_month(staff):
    uncle = cadre()
    village = serving_village(uncle)
    RelativeFactory(cadre=uncle, name="王小明", id_number=None, birth_date=dt.date(1998, 5, 6))
    aunt = cadre(village)
    RelativeFactory(
        cadre=aunt, name="王小明", id_number=None, birth_date=PartialDate(dt.date(1998, 1, 1), YEAR)
    )
    other = cadre(village)
    RelativeFactory(cadre=other, name="王小明", id_number=None, birth_date=dt.date(1998, 6, 6))
    candidate = records.party_candidate_add(
        actor=staff,
        village=village,
        stage="activist",
        name="王小明",
        birth_date=PartialDate(dt.date(1998, 5, 1), MONTH),
    )
    assert set(candidate.recusals.values_list("cadre_id", flat=True)) == {uncle.pk, aunt.pk}
