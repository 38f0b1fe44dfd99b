import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cadres.models import Township, Village, VillagerGroup
from cadres.scoping import user_townships
from cadres.services import villager_group_upsert
from tests.factories import VillageFactory, township

pytestmark = pytest.mark.django_db


def test_real_dongchang_townships_are_loaded():
    assert Township.objects.get(code="220502100").name == "金厂镇"
    assert Township.objects.get(code="220502200").name == "环通乡"
    assert Township.objects.get(code="220502201").name == "江东乡"
    assert Township.objects.get(code="220502001").kind == Township.Kind.SUBDISTRICT


def test_village_names_are_unique_within_a_township():
    village = VillageFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFactory(township=village.township, name=village.name)


def test_a_place_is_valid_from_its_first_to_its_last_day():
    village = VillageFactory(valid_from=dt.date(2020, 1, 1), valid_to=dt.date(2024, 6, 30))
    assert not village.valid_on(dt.date(2019, 12, 31))
    assert village.valid_on(dt.date(2020, 1, 1))
    assert village.valid_on(dt.date(2024, 6, 30))
    assert not village.valid_on(dt.date(2024, 7, 1))
    assert list(Village.objects.valid_on(dt.date(2024, 6, 30))) == [village]
    assert not Village.objects.valid_on(dt.date(2024, 7, 1)).exists()
    assert not Village.objects.current().exists()


def test_a_place_without_dates_is_valid_every_day():
    village = VillageFactory()
    assert village.valid_on(dt.date(1949, 10, 1))
    assert list(Village.objects.current()) == [village]


def test_a_place_cannot_end_before_it_begins():
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFactory(valid_from=dt.date(2024, 1, 1), valid_to=dt.date(2023, 12, 31))


def test_an_ended_villages_name_may_be_taken_again():
    ended = VillageFactory(valid_to=dt.date(2024, 6, 30))
    follower = VillageFactory(township=ended.township, name=ended.name)
    assert follower.name == ended.name
    with pytest.raises(IntegrityError), transaction.atomic():
        VillageFactory(township=ended.township, name=ended.name)


def test_a_group_named_like_an_ended_one_is_a_new_group():
    village = VillageFactory()
    ended = villager_group_upsert(village=village, number=1, name="一组")
    VillagerGroup.objects.filter(pk=ended.pk).update(valid_to=dt.date(2024, 6, 30))
    group = villager_group_upsert(village=village, number=1, name="一组")
    assert group.pk != ended.pk
    assert villager_group_upsert(village=village, number=2, name="一组").pk == group.pk


def test_seed_demo_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (
        Village.objects.count(),
        VillagerGroup.objects.count(),
        get_user_model().objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Village.objects.count(),
        VillagerGroup.objects.count(),
        get_user_model().objects.count(),
    )
    assert Village.objects.filter(township=township("220502100")).count() >= 5
    staff = get_user_model().objects.get(username="jc_staff")
    assert [t.code for t in user_townships(staff)] == ["220502100"]


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
