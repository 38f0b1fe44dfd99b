"""Nominating someone from the register (the picker), and a case's family edited in place."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.choices import Education, PoliticalStatus
from cadres.models import Person
from tests.factories import UserFactory, VillageFactory, cadre, make_id_number, township
from tests.vetting.factories import import_list
from tests.vetting_candidates.factories import Cast, nominate
from vetting.candidate_forms import PersonPicker
from vetting.models import CandidateCase, Hit
from vetting.services import candidates
from vetting.services.review import hit_confirm, hit_dismiss

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db):
    return Cast()


def _nomination(village, **extra):
    return {
        "village": village.pk,
        "body": "villagers_committee",
        "title": "member",
        "term_start": "2026-12-01",
        "reason": "群众基础好",
        "ethnicity": "01",
        **extra,
    }


# The picker ------------------------------------------------------------------------------


def test_picking_a_register_person_fills_nothing_twice(client, cast):
    village = VillageFactory()
    person = cadre(
        village,
        name="赵德胜",
        phone="13904350001",
        political_status=PoliticalStatus.CPC_MEMBER,
        education=Education.COLLEGE,
    )
    client.force_login(cast.staff)
    form = client.get(reverse("vetting:case_new")).content.decode()
    assert f'hx-get="{reverse("vetting:case_person_search")}"' in form
    # The identity fields stay empty: the register's values are taken.
    response = client.post(reverse("vetting:case_new"), _nomination(village, person=person.pk))
    assert response.status_code == 302, response.context["form"].errors
    case = CandidateCase.objects.get()
    assert case.person == person
    assert (case.name, case.id_number, case.birth_date, case.sex) == (
        person.name,
        person.id_number,
        person.birth_date,
        person.sex,
    )
    assert (case.political_status, case.education, case.phone) == (
        PoliticalStatus.CPC_MEMBER,
        Education.COLLEGE,
        "13904350001",
    )
    detail = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert reverse("cadres:detail", args=[person.pk]) in detail
    # Revising a linked case never asks for the person's data again.
    edit = client.get(reverse("vetting:case_edit", args=[case.pk]))
    assert not {"person", "name", "id_number", "phone"} & set(edit.context["form"].fields)


def test_another_townships_person_is_refused(client, cast):
    village = VillageFactory()
    stranger = cadre(VillageFactory(township=township("220502200")), name="钱远方")
    client.force_login(cast.staff)
    response = client.post(reverse("vetting:case_new"), _nomination(village, person=stranger.pk))
    assert response.status_code == 200
    assert "不在您所辖乡镇的名册中" in str(response.context["form"].errors["person"])
    assert not CandidateCase.objects.exists()
    with pytest.raises(PermissionDenied):
        nominate(cast.staff, village=village, person=stranger)
    # Neither a name nor a person: said next to the name.
    response = client.post(reverse("vetting:case_new"), _nomination(village))
    assert "从名册中选取" in str(response.context["form"].errors["name"])


def test_the_picker_searches_the_users_townships_only(client, cast):
    own = cadre(VillageFactory(), name="孙建华", birth=dt.date(1975, 5, 6))
    other = cadre(VillageFactory(township=township("220502200")), name="孙建国")
    url = reverse("vetting:case_person_search")
    client.force_login(cast.staff)
    page = client.get(url, {"q": "孙建"}).content.decode()
    assert own.name in page
    assert other.name not in page
    assert own.id_number not in page  # masked
    page = client.get(url, {"q": own.id_number}).content.decode()
    assert f'value="{own.pk}"' in page
    assert f'value="{other.pk}"' not in client.get(url, {"q": other.id_number}).content.decode()
    assert "没有" in client.get(url, {"q": "无此人"}).content.decode()
    client.force_login(cast.district_reviewer)
    assert client.get(url, {"q": "孙"}).status_code == 403


# Family members in place ---------------------------------------------------------------------


def _relative_post(relative, **changes):
    data = {
        "name": relative.name,
        "relation": relative.relation,
        "id_number": "",
        "birth_date": relative.birth_date.isoformat() if relative.birth_date else "",
        "work_unit_and_post": relative.work_unit_and_post,
    }
    data.update(changes)
    return data


def test_family_members_are_edited_in_place_while_the_case_is_editable(client, cast):
    case = nominate(cast.staff)
    relative = case.relatives.get()
    url = reverse("vetting:case_relative_edit", args=[case.pk, relative.pk])
    client.force_login(cast.staff)
    page = client.get(url)
    assert page.status_code == 200
    assert relative.id_number not in page.content.decode()
    response = client.post(url, _relative_post(relative, work_unit_and_post="个体经营"))
    assert response.status_code == 302
    relative.refresh_from_db()
    assert relative.work_unit_and_post == "个体经营"
    assert relative.id_number  # kept when the field is left empty
    response = client.post(url, _relative_post(relative, id_number="22050219900101123"))
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]
    assert relative.history.first().history_user == cast.staff

    client.force_login(UserFactory(role="乡镇工作人员", townships=["220502200"]))
    assert client.get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        candidates.case_relative_update(
            actor=UserFactory(role="乡镇工作人员", townships=["220502200"]),
            relative=relative,
            name="改名",
        )
    with pytest.raises(PermissionDenied):  # the district sees the case but never edits it
        candidates.case_relative_update(
            actor=cast.district_reviewer, relative=relative, name="改名"
        )
    candidates.case_submit(actor=cast.staff, case=case)
    client.force_login(cast.staff)
    assert client.get(url).status_code == 403
    with pytest.raises(ValidationError):
        candidates.case_relative_update(actor=cast.staff, relative=relative, name="改名")
    with pytest.raises(ValidationError):
        candidates.case_relative_add(actor=cast.staff, case=case, name="新人", relation="child")


def test_a_changed_relative_is_screened_again_and_its_stale_hits_go(cast):
    wrong = make_id_number(dt.date(1961, 2, 3), 41, male=False)
    right = make_id_number(dt.date(1962, 4, 5), 42, male=False)
    added = make_id_number(dt.date(1990, 6, 7), 43)
    import_list(
        cast.district_reviewer,
        [
            {"name": "刘桂兰", "id_number": wrong, "measure": "警告"},
            {"name": "刘桂芝", "id_number": right, "measure": "开除党籍"},
            {"name": "刘小军", "id_number": added, "measure": "留党察看"},
        ],
    )
    case = cast.submitted(
        relatives=[
            {"name": "刘桂兰", "id_number": wrong, "relation": "spouse"},
            {"name": "刘大山", "id_number": None, "relation": "father"},
        ]
    )
    spouse, father = case.relatives.order_by("pk")
    stale = Hit.objects.get(candidate_relative=spouse)
    candidates.case_return(actor=cast.township_reviewer, case=case, note="配偶身份证号有误")

    # The spouse's number was wrong: its unreviewed hit on the old number goes.
    candidates.case_relative_update(
        actor=cast.staff, relative=spouse, name="刘桂芝", id_number=right, birth_date=None
    )
    assert not Hit.objects.filter(pk=stale.pk).exists()
    # A reviewed hit stays on record, and a member who changed nothing keeps theirs.
    candidates.case_relative_update(actor=cast.staff, relative=father, work_unit_and_post="务农")
    candidates.case_relative_add(
        actor=cast.staff, case=case, name="刘小军", id_number=added, relation="child"
    )
    candidates.case_submit(actor=cast.staff, case=case)
    hits = Hit.objects.filter(candidate_relative__case=case)
    assert {hit.entry.id_number for hit in hits} == {right, added}
    child_hit = hits.get(entry__id_number=added)
    hit_dismiss(actor=cast.district_reviewer, hit=child_hit, reason="同名不同人")
    candidates.case_return(actor=cast.township_reviewer, case=case, note="再核实")
    child = child_hit.candidate_relative
    candidates.case_relative_update(actor=cast.staff, relative=child, name="刘晓军")
    assert Hit.objects.get(pk=child_hit.pk).status == Hit.Status.DISMISSED


def test_a_relative_with_a_confirmed_hit_stays_on_the_case(client, cast):
    number = make_id_number(dt.date(1960, 8, 9), 44)
    import_list(cast.district_reviewer, [{"name": "马有财", "id_number": number, "measure": "x"}])
    case = cast.submitted(relatives=[{"name": "马有财", "id_number": number, "relation": "father"}])
    relative = case.relatives.get()
    hit_confirm(actor=cast.district_reviewer, hit=relative.hits.get(), reason="本人")
    candidates.case_return(actor=cast.township_reviewer, case=case, note="补充材料")
    client.force_login(cast.staff)
    response = client.post(
        reverse("vetting:case_relative_remove", args=[case.pk, relative.pk]), follow=True
    )
    assert "已确认" in " ".join(str(m) for m in response.context["messages"])
    assert case.relatives.filter(pk=relative.pk).exists()


@pytest.mark.parametrize("value", ["²", "abc", "99999999999999999999"])
def test_the_person_picker_shows_no_one_for_a_value_that_is_no_key(db, value):
    """Issue 20 finding 6: "²" passes isdigit() and reached the query, a server error."""
    cadre(VillageFactory(township=township("220502100")))
    html = PersonPicker(Person.objects.all()).render("person", value)
    assert "person-picker" in html
    # No one picked: only the "not in the register" choice is checked.
    assert html.count("checked") == 1
    assert 'value="" checked' in html
