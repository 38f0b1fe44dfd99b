import datetime as dt

import pytest
from django.urls import reverse

from cadres import profile
from cadres.models import Post
from cadres.services import person_update
from tests.factories import PostFactory, RelativeFactory, VillageFactory, cadre, township
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def detail(person):
    return reverse("cadres:detail", args=[person.pk])


def test_profile_shows_data_posts_relatives_masked(client, staff):
    person = cadre(name="王建国", phone="13800000000")
    wife = RelativeFactory(cadre=person, name="李秀英")
    client.force_login(staff)
    response = client.get(detail(person))
    assert response.status_code == 200
    content = response.content.decode()
    assert "王建国" in content
    assert "李秀英" in content
    assert "13800000000" in content
    assert person.id_number not in content
    assert wife.id_number not in content
    assert person.posts.get().village.name in content
    # Township staff may not reveal: no show button.
    assert reverse("cadres:reveal_id", args=[person.pk]) not in content
    assert "data-print" in content


def test_profile_of_another_township_is_404(client, other_staff):
    person = cadre()
    client.force_login(other_staff)
    assert client.get(detail(person)).status_code == 404


def test_anonymous_profile_redirects(client):
    person = cadre()
    response = client.get(detail(person))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_former_posts_listed_as_past(client, staff):
    person = cadre()
    PostFactory(
        person=person,
        village=VillageFactory(),
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.DEPUTY_SECRETARY,
        ended_on="2022-06-01",
        end_reason=Post.EndReason.TRANSFERRED,
    )
    client.force_login(staff)
    person = client.get(detail(person)).context["person"]
    assert [p.title for p in person.current_posts] == [Post.Title.MEMBER]
    assert [p.title for p in person.past_posts] == [Post.Title.DEPUTY_SECRETARY]


def test_a_post_not_yet_begun_is_current_and_marked(client, staff):
    person = cadre()
    serving = person.posts.get()
    upcoming = PostFactory(
        person=person,
        village=serving.village,
        body=Post.Body.PARTY_BRANCH,
        title=Post.Title.DEPUTY_SECRETARY,
        term_start=dt.date.today() + dt.timedelta(days=30),
    )
    client.force_login(staff)
    response = client.get(detail(person))
    current = {p.pk: p.upcoming for p in response.context["person"].current_posts}
    assert current == {serving.pk: False, upcoming.pk: True}
    assert response.content.decode().count("尚未到任") == 1


def test_history_names_who_changed_what(client, staff):
    person = cadre(name="王建国", phone="1")
    person_update(actor=staff, person=person, phone="13900000000")
    client.force_login(staff)
    history = client.get(detail(person)).context["history"]
    change = history[0]
    assert change.user == staff
    assert [(str(label), old, new) for label, old, new in change.fields] == [
        ("联系电话", "1", "13900000000")
    ]


def test_history_covers_posts_and_relatives(client, staff):
    person = cadre()
    RelativeFactory(cadre=person)
    client.force_login(staff)
    records = [c.record for c in client.get(detail(person)).context["history"]]
    assert len(records) == 3  # the person, the post, the relative: each created


def test_profile_query_count_does_not_grow(client, staff):
    person = cadre()
    client.force_login(staff)

    def more_of_everything():
        for _ in range(5):
            RelativeFactory(cadre=person)
            PostFactory(person=person, village=VillageFactory())
        person_update(actor=staff, person=person, phone="123")

    assert_queries_flat(lambda: client.get(detail(person)), more_of_everything)


def test_registered_sections_render(client, staff, monkeypatch):
    monkeypatch.setattr(profile, "_sections", [])
    calls = []

    def context(request, person):
        calls.append(person.pk)
        return {"id_number": "测试栏目"}

    # Any template serves: this one prints its id_number.
    profile.register_profile_section("cadres/_id_revealed.html", context)
    profile.register_profile_section("cadres/_posts.html", lambda r, p: None, order=1)
    person = cadre()
    client.force_login(staff)
    content = client.get(detail(person)).content.decode()
    assert "测试栏目" in content
    assert calls == [person.pk]


def test_district_reviewer_reads_profile(client, district_reviewer):
    person = cadre(village=VillageFactory(township=township("220502200")))
    client.force_login(district_reviewer)
    response = client.get(detail(person))
    assert response.status_code == 200
    # Read only: no write links.
    assert reverse("cadres:edit", args=[person.pk]) not in response.content.decode()
