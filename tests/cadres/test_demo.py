import datetime as dt

import pytest
from django.core.management import call_command
from django.db.models import Count

from cadres.identity import normalize_id_number
from cadres.models import Person, Post, Relative, Village
from cadres.selectors import age
from dongchang import demo

pytestmark = pytest.mark.django_db


def test_seed_demo_cadres_believable_and_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (Person.objects.count(), Post.objects.count(), Relative.objects.count())
    call_command("seed_demo")
    assert counts == (Person.objects.count(), Post.objects.count(), Relative.objects.count())

    demo_villages = Village.objects.filter(
        name__in=[n for names in demo.VILLAGES.values() for n in names],
        township__code__in=demo.VILLAGES,
    )
    per_village = demo_villages.annotate(n=Count("posts__person", distinct=True))
    assert all(6 <= v.n <= 9 for v in per_village)
    for village in demo_villages:
        serving = Post.objects.serving().filter(village=village)
        assert serving.filter(body="party_branch", title="secretary").count() == 1
        assert serving.filter(body="villagers_committee", title="director").count() == 1
        assert serving.filter(body="supervision_committee", title="director").count() == 1
        assert serving.filter(body="villager_group").exists()
    ages = [age(b) for b in Person.objects.values_list("birth_date", flat=True)]
    assert min(ages) >= 25
    assert max(ages) <= 65
    for number in Person.objects.values_list("id_number", flat=True):
        assert number.startswith("220502")
        assert normalize_id_number(number).value == number
    soon = dt.date.today() + dt.timedelta(days=183)
    assert Post.objects.serving().filter(term_end__lte=soon).exists()
    # 一肩挑: some secretaries also direct the villagers' committee.
    assert Person.objects.filter(posts__title="secretary").filter(posts__title="director").exists()
    relations = set(Relative.objects.values_list("relation", flat=True))
    assert {"spouse", "child", "father", "mother"} <= relations
    assert Person.objects.filter(strict_control_since__isnull=False).exists()
    assert Post.objects.filter(ended_on__isnull=False).exists()
