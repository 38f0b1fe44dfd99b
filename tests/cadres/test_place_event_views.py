"""The pages of village changes: the administrator records, previews and reads them; no
other role reaches them."""

import datetime as dt

import pytest
from django.urls import reverse

from cadres.models import PlaceEvent, Post, Village
from tests.cadres_records.factories import pdf
from tests.factories import PostFactory, VillageFactory

DAY = dt.date(2026, 11, 1)


def login(client, user):
    client.force_login(user)
    return client


def event_data(**extra) -> dict:
    return {"effective_on": DAY.isoformat(), "document_number": "东昌委发〔2026〕9号", **extra}


@pytest.fixture
def admin_client(client, system_admin):
    return login(client, system_admin)


def test_the_administrator_renames_a_village_through_the_page(admin_client):
    village = VillageFactory(name="老名村")
    url = reverse("cadres:place_event_create") + "?kind=rename"
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, event_data(village=village.pk, name="新名村", document=pdf("更名批复.pdf"))
    )
    event = PlaceEvent.objects.get()
    assert response.url == reverse("cadres:place_event_detail", args=[event.pk])
    page = admin_client.get(response.url).content.decode()
    assert "老名村" in page
    assert "新名村" in page
    assert "更名批复.pdf" in page
    download = admin_client.get(reverse("cadres:place_event_document", args=[event.pk]))
    assert download.status_code == 200
    assert "新名村" in admin_client.get(reverse("cadres:place_event_list")).content.decode()


def test_a_merger_is_previewed_then_recorded_with_a_choice_per_post(admin_client):
    a, b, c = VillageFactory(name="甲村"), VillageFactory(name="乙村"), VillageFactory(name="丙村")
    kept = PostFactory(village=a, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    ended = PostFactory(village=b, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    url = reverse("cadres:place_event_create") + "?kind=merger"
    data = event_data(sources=[a.pk, b.pk], target=c.pk)
    preview = admin_client.post(url, {**data, "preview": "1"})
    assert preview.status_code == 200
    page = preview.content.decode()
    assert "将转移的内容" in page
    assert f'name="post_{kept.pk}"' in page
    assert not PlaceEvent.objects.exists()
    # Both secretaries cannot follow into 丙村: the error names the post, nothing is written.
    refused = admin_client.post(url, {**data, "confirm": "1"})
    assert "两人同时担任" in refused.content.decode()
    assert not PlaceEvent.objects.exists()
    done = admin_client.post(url, {**data, "confirm": "1", f"post_{ended.pk}": "end"})
    assert done.status_code == 302
    assert Post.objects.get(village=c, ended_on__isnull=True).person == kept.person
    assert Village.objects.get(pk=a.pk).valid_to == DAY - dt.timedelta(days=1)


def test_the_form_names_what_is_wrong(admin_client):
    url = reverse("cadres:place_event_create") + "?kind=split"
    village = VillageFactory()
    response = admin_client.post(
        url, event_data(source=village.pk, new_villages="220502100901", preview="1")
    )
    assert "第1行" in response.content.decode()
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    response = admin_client.post(
        reverse("cadres:place_event_create") + "?kind=rename",
        event_data(village=village.pk, name="新村", effective_on=future),
    )
    assert "生效后再记录" in response.content.decode()
    assert not PlaceEvent.objects.exists()


@pytest.mark.parametrize("role", ["staff", "other_staff", "district_reviewer"])
def test_no_other_role_reaches_the_pages(client, system_admin, role, request):
    village = VillageFactory()
    from cadres.place_events import village_rename

    event = village_rename(
        actor=system_admin,
        village=village,
        name="新村",
        effective_on=DAY,
        document_number="1号",
        document=pdf(),
    )
    login(client, request.getfixturevalue(role))
    for name, args in [
        ("cadres:place_event_list", []),
        ("cadres:place_event_create", []),
        ("cadres:place_event_detail", [event.pk]),
        ("cadres:place_event_document", [event.pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403
    response = client.post(
        reverse("cadres:place_event_create") + "?kind=rename",
        event_data(village=village.pk, name="别名村"),
    )
    assert response.status_code == 403
    assert PlaceEvent.objects.count() == 1
    assert "村庄合并、拆分与更名" not in client.get(reverse("home")).content.decode()


def test_pickers_for_new_records_offer_open_villages_only(client, staff):
    from cadres.forms import PostForm

    open_village = VillageFactory(name="开放村")
    ended = VillageFactory(name="撤销村", valid_to=DAY)
    villages = PostForm(user=staff).fields["village"].queryset
    assert open_village in villages
    assert ended not in villages
