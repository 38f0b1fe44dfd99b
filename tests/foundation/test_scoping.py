import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cadres.models import Person, Relative, Township, Village, VillagerGroup
from cadres.scoping import require_township, scope, township_access_set, user_townships
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import (
    PersonFactory,
    PostFactory,
    RelativeFactory,
    UserFactory,
    VillageFactory,
    VillagerGroupFactory,
    cadre,
    township,
)

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


def test_people_are_scoped_by_any_of_their_posts_or_their_home_village(staff):
    own = VillageFactory(township=township(JINCHANG))
    other = VillageFactory(township=township(HUANTONG))
    serving = cadre(own)
    former = cadre(own)
    former.posts.update(ended_on=dt.date(2025, 1, 1), end_reason="resigned")
    resident = PersonFactory(home_village=own)
    both = cadre(other)
    PostFactory(person=both, village=own)
    cadre(other)
    PersonFactory(home_village=other)
    people = scope(Person.objects.all(), staff)
    # Once each, although one has two posts: the scope is a semi-join, never a join.
    assert sorted(people.values_list("pk", flat=True)) == sorted(
        p.pk for p in (serving, former, resident, both)
    )
    for person in (serving, resident, both, cadre(other)):
        RelativeFactory(cadre=person)
    relatives = scope(Relative.objects.all(), staff)
    assert {r.cadre for r in relatives} == {serving, resident, both}
    assert len(scope(Relative.objects.select_for_update(), staff).order_by("pk")) == 3


def test_a_grant_changed_through_the_service_applies_to_the_same_user_object():
    user = UserFactory(townships=[JINCHANG])
    village = VillageFactory(township=township(HUANTONG))
    assert not scope(Village.objects.filter(pk=village.pk), user).exists()
    township_access_set(user=user, townships=[township(HUANTONG)])
    assert scope(Village.objects.filter(pk=village.pk), user).exists()


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


def test_admin_adds_a_user_with_role_and_townships(client):
    from django.contrib.auth.models import Group

    from dongchang.accounts.models import User

    admin = UserFactory(role="系统管理员", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:accounts_user_add")
    assert client.get(url).status_code == 200
    role = Group.objects.get(name="乡镇工作人员")
    data = {
        "username": "new_clerk",
        "usable_password": "true",
        "password1": "Dongchang-clerk-2026",
        "password2": "Dongchang-clerk-2026",
        "name": "新文书",
        "phone": "",
        "groups": [role.pk],
        "department": "",
        "townships": [township(HUANTONG).pk],
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new_clerk")
    assert user.check_password("Dongchang-clerk-2026")
    assert list(user.groups.values_list("name", flat=True)) == ["乡镇工作人员"]
    assert list(user_townships(user).values_list("code", flat=True)) == [HUANTONG]


def test_a_township_lookup_across_a_many_to_many_relation_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    from cadres.scoping import _reaches
    from supervision.models import SupervisionRecord

    # A join across it would repeat rows; every model's path is a semi-join or plain.
    with pytest.raises(ImproperlyConfigured, match="cadres"):
        _reaches(SupervisionRecord, ["cadres", "home_village", "township"], [1])
