import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cadres import services
from cadres.models import Person, Post, Relative
from tests.factories import (
    PostFactory,
    RelativeFactory,
    VillageFactory,
    VillagerGroupFactory,
    cadre,
    make_id_number,
    township,
)

pytestmark = pytest.mark.django_db

ID = make_id_number(dt.date(1975, 3, 9), 21)


def new_cadre_data(village, **overrides):
    data = {
        "name": "赵 新 民",
        "id_number": ID,
        "sex": "",
        "birth_date": "",
        "ethnicity": "01",
        "political_status": "cpc_member",
        "party_joined_on": "2001-07-01",
        "education": "high_school",
        "phone": "13900001111",
        "home_village": village.pk,
        "village": village.pk,
        "body": "party_branch",
        "title": "secretary",
        "villager_group": "",
        "term_start": "2024-01-10",
        "term_end": "",
    }
    return {**data, **overrides}


def write_urls(person, post, relative):
    """The pages that change people, posts and relatives (not those that start posts)."""
    return {
        "edit": reverse("cadres:edit", args=[person.pk]),
        "relative_add": reverse("cadres:relative_add", args=[person.pk]),
        "post_end": reverse("cadres:post_end", args=[post.pk]),
        "relative_edit": reverse("cadres:relative_edit", args=[relative.pk]),
    }


def start_urls(person):
    """任职 and 新建: 存量登记 for district roles, 提名 for township roles."""
    return [reverse("cadres:create"), reverse("cadres:post_appoint", args=[person.pk])]


@pytest.fixture
def record():
    person = cadre()
    return person, person.posts.get(), RelativeFactory(cadre=person)


@pytest.mark.parametrize("fixture", ["staff", "township_reviewer"])
def test_writers_open_every_write_page(client, request, record, fixture):
    client.force_login(request.getfixturevalue(fixture))
    for url in write_urls(*record).values():
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("fixture", ["staff", "township_reviewer"])
def test_township_roles_are_sent_to_nomination(client, request, record, fixture):
    client.force_login(request.getfixturevalue(fixture))
    for url in start_urls(record[0]):
        for response in (client.get(url), client.post(url, new_cadre_data(VillageFactory()))):
            assert response.status_code == 302, url
            assert response.url.startswith(reverse("vetting:case_new")), url
    assert Person.objects.count() == 1
    assert Post.objects.count() == 1


def test_other_township_is_404_on_every_page_and_action(client, other_staff, record):
    person, _post, _relative = record
    client.force_login(other_staff)
    urls = [
        reverse("cadres:detail", args=[person.pk]),
        reverse("cadres:post_appoint", args=[person.pk]),
        *write_urls(*record).values(),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url


@pytest.mark.parametrize("fixture", ["district_reviewer", "department_user"])
def test_read_only_roles_get_403_on_writes(client, request, record, fixture):
    client.force_login(request.getfixturevalue(fixture))
    for url in write_urls(*record).values():
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


def test_department_gets_403_on_the_start_pages(client, department_user, record):
    client.force_login(department_user)
    for url in start_urls(record[0]):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url


@pytest.mark.parametrize("fixture", ["district_reviewer", "system_admin"])
def test_district_roles_open_the_registration_pages(client, request, record, fixture):
    client.force_login(request.getfixturevalue(fixture))
    for url in start_urls(record[0]):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "补审" in response.content.decode(), url


def test_anonymous_is_redirected_from_writes(client, record):
    for url in [*start_urls(record[0]), *write_urls(*record).values()]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/login/" in response.url, url


def test_register_existing_cadre_with_first_post(client, district_reviewer):
    village = VillageFactory()
    client.force_login(district_reviewer)
    response = client.post(reverse("cadres:create"), new_cadre_data(village))
    person = Person.objects.get(id_number=ID)
    assert response.status_code == 302
    assert response.url == reverse("cadres:detail", args=[person.pk])
    assert person.name == "赵新民"
    assert person.birth_date == dt.date(1975, 3, 9)
    post = person.posts.get()
    assert (post.title, post.term_end) == ("secretary", dt.date(2029, 1, 10))
    assert (post.origin, post.vetted) == (Post.Origin.REGISTRATION, False)
    assert person.history.get().history_user == district_reviewer


def test_create_with_a_village_of_another_township_writes_nothing_for_staff(client, staff):
    other = VillageFactory(township=township("220502200"))
    client.force_login(staff)
    response = client.post(reverse("cadres:create"), new_cadre_data(other, home_village=""))
    assert response.status_code == 302
    assert not Person.objects.exists()


def test_second_secretary_is_a_form_error_and_nothing_is_written(client, district_reviewer):
    village = VillageFactory()
    cadre(village, name="钱书记", body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    client.force_login(district_reviewer)
    response = client.post(reverse("cadres:create"), new_cadre_data(village))
    assert response.status_code == 200
    errors = response.context["form"].errors["title"]
    assert "钱书记" in errors[0]
    # The person is not left behind without the post.
    assert not Person.objects.filter(id_number=ID).exists()


def test_second_director_by_appointment_is_a_form_error(client, district_reviewer):
    village = VillageFactory()
    cadre(village, body=Post.Body.VILLAGERS_COMMITTEE, title=Post.Title.DIRECTOR)
    person = cadre(village)
    client.force_login(district_reviewer)
    response = client.post(
        reverse("cadres:post_appoint", args=[person.pk]),
        {
            "village": village.pk,
            "body": "villagers_committee",
            "title": "director",
            "term_start": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["title"]
    assert person.posts.count() == 1


def test_duplicate_serving_post_is_a_form_error(client, district_reviewer):
    person = cadre()
    post = person.posts.get()
    client.force_login(district_reviewer)
    response = client.post(
        reverse("cadres:post_appoint", args=[person.pk]),
        {
            "village": post.village_id,
            "body": post.body,
            "title": post.title,
            "term_start": "2024-01-01",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_title_must_fit_body(client, district_reviewer):
    person = cadre()
    client.force_login(district_reviewer)
    response = client.post(
        reverse("cadres:post_appoint", args=[person.pk]),
        {
            "village": VillageFactory().pk,
            "body": "party_branch",
            "title": "director",
            "term_start": "2024-01-01",
        },
    )
    assert response.context["form"].errors["title"]


def test_appoint_group_leader_and_yijiantiao(client, district_reviewer):
    village = VillageFactory()
    group = VillagerGroupFactory(village=village)
    person = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    client.force_login(district_reviewer)
    url = reverse("cadres:post_appoint", args=[person.pk])
    response = client.post(
        url,
        {
            "village": village.pk,
            "body": "villagers_committee",
            "title": "director",
            "term_start": "2024-01-01",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "village": village.pk,
            "body": "villager_group",
            "title": "group_leader",
            "term_start": "2024-01-01",
        },
    )
    assert response.context["form"].errors["villager_group"]
    response = client.post(
        url,
        {
            "village": village.pk,
            "body": "villager_group",
            "title": "group_leader",
            "villager_group": group.pk,
            "term_start": "2024-01-01",
        },
    )
    assert response.status_code == 302
    assert person.posts.count() == 3
    assert set(person.posts.values_list("origin", "vetted")) == {
        (Post.Origin.ROSTER, False),
        (Post.Origin.REGISTRATION, False),
    }


def test_end_post_with_reason(client, staff):
    person = cadre()
    post = person.posts.get()
    client.force_login(staff)
    url = reverse("cadres:post_end", args=[post.pk])
    assert 'data-confirm="' in client.get(url).content.decode()
    response = client.post(url, {"ended_on": "2025-03-01", "reason": "other", "note": ""})
    assert response.context["form"].errors["note"]
    response = client.post(url, {"ended_on": "2020-01-01", "reason": "resigned"})
    assert response.context["form"].errors["ended_on"]
    response = client.post(url, {"ended_on": "2025-03-01", "reason": "resigned"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.ended_on, post.end_reason) == (dt.date(2025, 3, 1), "resigned")
    # Ending it again is an error, not a 500.
    response = client.post(url, {"ended_on": "2025-03-02", "reason": "resigned"})
    assert response.context["form"].non_field_errors()


def test_edit_person_keeps_masked_id_number(client, staff):
    person = cadre(name="王建国")
    client.force_login(staff)
    url = reverse("cadres:edit", args=[person.pk])
    page = client.get(url).content.decode()
    assert person.id_number not in page
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        name="王建军",
        id_number="",
        birth_date=person.birth_date.isoformat(),
        phone="13812345678",
        home_village="",
        party_joined_on="",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    person.refresh_from_db()
    assert (person.name, person.phone) == ("王建军", "13812345678")
    assert person.id_number == form.initial.get("id_number", person.id_number)


def test_edit_person_bad_id_number_is_shown_next_to_the_field(client, staff):
    person = cadre()
    client.force_login(staff)
    url = reverse("cadres:edit", args=[person.pk])
    response = client.post(
        url, {"name": "王五", "id_number": "220502198001011234", "ethnicity": "01"}
    )
    assert response.status_code == 200
    assert "校验位" in response.context["form"].errors["id_number"][0]


def test_duplicate_id_number_is_a_form_error(client, staff):
    other = cadre()
    person = cadre()
    client.force_login(staff)
    response = client.post(
        reverse("cadres:edit", args=[person.pk]),
        {"name": "王五", "id_number": other.id_number, "ethnicity": "01"},
    )
    assert response.context["form"].errors["id_number"]


def test_add_and_edit_relative(client, staff):
    person = cadre()
    client.force_login(staff)
    number = make_id_number(dt.date(1978, 2, 2), 3, male=False)
    response = client.post(
        reverse("cadres:relative_add", args=[person.pk]),
        {"relation": "spouse", "name": "李秀英", "id_number": number, "work_unit_and_post": "务农"},
    )
    assert response.status_code == 302
    relative = Relative.objects.get(cadre=person)
    assert relative.birth_date == dt.date(1978, 2, 2)
    response = client.post(
        reverse("cadres:relative_edit", args=[relative.pk]),
        {
            "relation": "spouse",
            "name": "李秀英",
            "id_number": "",
            "work_unit_and_post": "村小学教师",
        },
    )
    assert response.status_code == 302
    relative.refresh_from_db()
    assert (relative.id_number, relative.work_unit_and_post) == (number, "村小学教师")
    history = client.get(reverse("cadres:detail", args=[person.pk])).context["history"]
    assert any(new == "村小学教师" for change in history for _label, _old, new in change.fields)


def test_services_refuse_read_only_roles(district_reviewer, department_user):
    # District reviewers may end posts (removal decisions, vetting), nothing else here.
    person = cadre()
    with pytest.raises(PermissionDenied):
        services.person_update(actor=district_reviewer, person=person, phone="1")
    with pytest.raises(PermissionDenied):
        services.relative_add(actor=district_reviewer, cadre=person, name="甲", relation="spouse")
    with pytest.raises(PermissionDenied):
        services.post_end(
            actor=department_user,
            post=person.posts.get(),
            ended_on=dt.date.today(),
            reason="resigned",
        )


def test_services_refuse_other_township(other_staff):
    person = cadre()
    with pytest.raises(PermissionDenied):
        services.relative_add(actor=other_staff, cadre=person, name="甲", relation="spouse")
    with pytest.raises(PermissionDenied):
        services.post_appoint(
            actor=other_staff,
            person=person,
            village=person.posts.get().village,
            body="party_branch",
            title="member",
            term_start=dt.date(2024, 1, 1),
            origin=Post.Origin.REGISTRATION,
        )


def test_post_constraint_race_becomes_validation_error(district_reviewer):
    """If the friendly check is passed concurrently, the database still says no, in words."""
    village = VillageFactory()
    PostFactory(village=village, body="party_branch", title="secretary")
    person = cadre(village)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.post_appoint(
            actor=district_reviewer,
            person=person,
            village=village,
            body="party_branch",
            title="secretary",
            term_start=dt.date(2024, 1, 1),
            origin=Post.Origin.REGISTRATION,
        )
    assert person.posts.count() == 1
