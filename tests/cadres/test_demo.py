import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from cadres.identity import normalize_id_number
from cadres.models import Person, Post, Relative, SecretaryChange, Village
from cadres.selectors import age
from dongchang import demo
from vetting.models import (
    CandidateCase,
    DepartmentOpinion,
    Hit,
    ScreeningChunk,
    ScreeningRun,
    WatchlistEntry,
    WatchlistImport,
    WatchlistSource,
)
from vetting.services.screening import screening_chunk_execute

pytestmark = pytest.mark.django_db


def test_seed_demo_cadres_believable_and_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    counts = (
        Person.objects.count(),
        Post.objects.count(),
        Relative.objects.count(),
        CandidateCase.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Person.objects.count(),
        Post.objects.count(),
        Relative.objects.count(),
        CandidateCase.objects.count(),
    )

    demo_villages = Village.objects.filter(
        name__in=[n for names in demo.VILLAGES.values() for n in names],
        township__code__in=demo.VILLAGES,
    )
    per_village = demo_villages.annotate(n=Count("posts__person", distinct=True))
    assert all(6 <= v.n <= 9 for v in per_village)
    for village in demo_villages:
        serving = Post.objects.serving().filter(village=village)
        # 前进村's secretary left with the district's approval; the new one is not yet appointed.
        secretaries = 0 if village.name == "前进村" else 1
        assert serving.filter(body="party_branch", title="secretary").count() == secretaries
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


def test_seed_demo_has_a_pending_and_an_approved_secretary_change(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    pending, approved = (
        SecretaryChange.objects.get(status=status) for status in ("requested", "approved")
    )
    assert pending.village.name == "新开岭村"
    assert pending.post.ended_on is None
    assert approved.post.ended_on == approved.ends_on
    assert approved.post.end_reason == approved.end_reason
    client.force_login(get_user_model().objects.get(username="ht_staff"))
    unfiled = client.get(reverse("cadres:records:unfiled_list")).context["rows"]
    assert approved.village in list(unfiled)
    detail = client.get(reverse("cadres:records:change_detail", args=[approved.pk])).text
    assert "新书记备案" in detail
    assert "未备案" in detail


def test_seed_demo_shows_the_vetting_pipeline(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    cases = CandidateCase.objects.all()
    states = set(cases.values_list("state", flat=True))
    assert {"draft", "township_review", "district_review", "approved", "rejected"} <= states
    assert cases.filter(state="draft", person__isnull=False).exists()  # picked from the register
    at_district = cases.get(state="district_review")
    assert at_district.opinions.filter(
        verdict=DepartmentOpinion.Verdict.PENDING, due_on__lt=dt.date.today()
    ).exists()  # 公安's opinion is overdue
    assert at_district.opinions.filter(verdict=DepartmentOpinion.Verdict.AGREE).exists()
    approved = cases.get(state="approved")
    assert approved.post.person == approved.person
    assert cases.get(state="rejected").decision_reason
    assert all(case.transitions.exists() for case in cases)
    assert set(cases.values_list("village__township__code", flat=True)) == {
        "220502100",
        "220502200",
    }


def test_seed_demo_lists_give_the_review_queue_one_hit_of_each_kind(client, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    runs = ScreeningRun.objects.filter(trigger=ScreeningRun.Trigger.IMPORT)
    assert runs.count() == 2
    for chunk in ScreeningChunk.objects.filter(run__in=runs).order_by("pk"):
        screening_chunk_execute(chunk_id=chunk.pk)

    # Each list's first two rows name people of the register; the rest are strangers.
    named = {
        pk
        for source in WatchlistSource.objects.all()
        for pk in source.entries.order_by("pk").values_list("pk", flat=True)[:2]
    }
    hits = Hit.objects.select_related("entry__source", "person", "relative__cadre")
    assert {
        (
            hit.entry.source.name,
            hit.subject_kind,
            hit.match_kind,
            hit.rule,
            (hit.person or hit.relative.cadre)
            .posts.filter(ended_on=None)
            .first()
            .village.township.name,
        )
        for hit in hits
        if hit.entry_id in named
    } == {
        (demo.DISCIPLINE_LIST, "cadre", "strong", "id_number", "金厂镇"),
        (demo.DISCIPLINE_LIST, "cadre", "probable", "name_birth", "环通乡"),
        (demo.GANG_LIST, "relative", "strong", "id_number", "江东乡"),
        (demo.GANG_LIST, "cadre", "possible", "one_character", "金厂镇"),
    }
    # A stranger may resemble someone by name, as on real lists, but never by ID number.
    assert all(hit.match_kind == "possible" for hit in hits if hit.entry_id not in named)
    assert all(hit.status == Hit.Status.PENDING for hit in hits)
    assert WatchlistEntry.objects.count() == 2 * (2 + demo.STRANGERS_PER_LIST)
    # Every hit's page shows both sides, and links to the cadre concerned.
    client.force_login(get_user_model().objects.get(username="zzb"))
    for hit in hits:
        page = client.get(reverse("vetting:hit_detail", args=[hit.pk]))
        assert page.status_code == 200
        assert hit.entry.name in page.text
        cadre = hit.person or hit.relative.cadre
        assert f'href="{reverse("cadres:detail", args=[cadre.pk])}"' in page.text

    call_command("seed_demo")
    assert WatchlistImport.objects.count() == 2
    assert ScreeningRun.objects.filter(trigger=ScreeningRun.Trigger.IMPORT).count() == 2
