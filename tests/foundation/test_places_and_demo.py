import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cadres.models import Township, Village, VillagerGroup
from cadres.scoping import user_townships
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
