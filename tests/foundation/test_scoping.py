import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cadres.models import Township, Village, VillagerGroup
from cadres.scoping import require_township, scope, township_access_set, user_townships
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, VillageFactory, VillagerGroupFactory, township

pytestmark = pytest.mark.django_db


def test_township_staff_see_only_their_township(staff):
    assert list(user_townships(staff).values_list("code", flat=True)) == [JINCHANG]


def test_district_roles_see_every_township(district_reviewer):
    assert user_townships(district_reviewer).count() == Township.objects.count()


def test_department_users_see_no_township_register(department_user):
    assert not user_townships(department_user).exists()


def test_scope_filters_villages_and_groups(staff):
    own = VillagerGroupFactory(village=VillageFactory(township=township(JINCHANG)))
    other = VillagerGroupFactory(village=VillageFactory(township=township(HUANTONG)))
    assert list(scope(Village.objects.all(), staff)) == [own.village]
    assert list(scope(VillagerGroup.objects.all(), staff)) == [own]
    assert other.village not in scope(Village.objects.all(), staff)


def test_scope_through_a_group_grant(staff):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    group = Group.objects.create(name="环通乡全体")
    assign_perm("cadres.access_township", group, township(HUANTONG))
    staff.groups.add(group)
    codes = set(user_townships(staff).values_list("code", flat=True))
    assert codes == {JINCHANG, HUANTONG}


def test_require_township_refuses_another_township(staff):
    require_township(staff, township(JINCHANG))
    with pytest.raises(PermissionDenied):
        require_township(staff, township(HUANTONG))


def test_township_access_set_grants_and_revokes():
    user = UserFactory(townships=[JINCHANG])
    township_access_set(user=user, townships=[township(HUANTONG)])
    assert list(user_townships(user).values_list("code", flat=True)) == [HUANTONG]
    township_access_set(user=user, townships=[])
    assert not user_townships(user).exists()


def test_inactive_user_sees_nothing(staff):
    staff.is_active = False
    staff.save()
    assert not user_townships(staff).exists()


def test_home_lists_own_township_only(client, staff):
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "金厂镇" in response.text
    assert "环通乡" not in response.text


def test_admin_grants_townships_to_a_user(client):
    admin = UserFactory(role="系统管理员", is_staff=True, is_superuser=True)
    target = UserFactory()
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[target.pk])
    form = client.get(url).context["adminform"].form
    data = {
        "username": target.username,
        "name": target.name,
        "phone": "",
        "email": "",
        "department": "",
        "is_active": "on",
        "townships": [township(HUANTONG).pk],
    }
    assert "townships" in form.fields
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert list(user_townships(target).values_list("code", flat=True)) == [HUANTONG]
