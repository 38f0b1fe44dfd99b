"""The admin's place pages add places but never rename, move or delete one."""

import pytest
from django.urls import reverse

from cadres.models import Township, Village, VillagerGroup
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, VillageFactory, VillagerGroupFactory, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(role="系统管理员", is_staff=True, is_superuser=True))
    return client


def test_a_village_added_in_the_admin_is_recorded_in_its_history(admin_client):
    home = township(JINCHANG)
    response = admin_client.post(
        reverse("admin:cadres_village_add"),
        {"township": home.pk, "code": f"{home.code}777", "name": "新建村"},
    )
    assert response.status_code == 302
    village = Village.objects.get(code=f"{home.code}777")
    assert (village.township, village.name) == (home, "新建村")
    assert village.history.count() == 1


def test_a_village_is_neither_renamed_nor_moved_nor_recoded_nor_deleted(admin_client):
    # A rename in the admin would rename past months too: it is recorded as a village change.
    village = VillageFactory(township=township(JINCHANG))
    before = (village.township.code, village.code, village.name)
    url = reverse("admin:cadres_village_change", args=[village.pk])
    page = admin_client.get(url).content.decode()
    assert reverse("cadres:place_event_create") in page
    response = admin_client.post(
        url, {"township": township(HUANTONG).pk, "code": "220502200999", "name": "改名村"}
    )
    assert response.status_code == 403
    village.refresh_from_db()
    assert (village.township.code, village.code, village.name) == before
    assert village.history.count() == 1
    assert Village.objects.count() == 1
    delete = reverse("admin:cadres_village_delete", args=[village.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Village.objects.filter(pk=village.pk).exists()


def test_townships_and_groups_are_not_edited_in_the_admin(admin_client):
    place = township(JINCHANG)
    url = reverse("admin:cadres_township_change", args=[place.pk])
    admin_client.post(url, {"code": place.code, "name": "改名镇", "kind": place.kind})
    assert Township.objects.get(pk=place.pk).name == place.name
    group = VillagerGroupFactory()
    url = reverse("admin:cadres_villagergroup_change", args=[group.pk])
    admin_client.post(url, {"village": group.village_id, "number": 9, "name": "改名组"})
    assert VillagerGroup.objects.get(pk=group.pk).name == group.name
    # Another number than the factory's group: its sequence depends on the tests before.
    number = group.number + 1
    response = admin_client.post(
        reverse("admin:cadres_villagergroup_add"),
        {"village": group.village_id, "number": number, "name": f"{number}组"},
    )
    assert response.status_code == 302
    assert VillagerGroup.objects.filter(
        village=group.village, name=f"{number}组", number=number
    ).exists()
