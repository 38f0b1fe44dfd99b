"""Names hold no character that no name holds (issue 20 finding 10): one check, in
cadres.identity, on every path that records a person's name; a watchlist keeps its names."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cadres import services
from cadres.identity import name_refusal
from cadres.models import Person
from cadres.records import services as records
from cadres.records.models import PartyCandidate
from cadres.roster import roster_import
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import VillageFactory, cadre, make_id_number
from tests.vetting.factories import import_list
from tests.vetting_candidates.factories import nominate, person_data, relative_data
from vetting.models import WatchlistEntry

REFUSED = [
    ("<script>alert(1)</script>", "<"),
    ("张3", "3"),
    ("王&明", "&"),
    ('李"明', '"'),
    ("赵;明", ";"),
    ("钱＜明", "<"),  # full width, folded first
    ("孙\x07明", "U+0007"),
    ("周/明", "/"),
]
KEPT = [
    ("买买提·艾力", "买买提·艾力"),
    ("阿依古丽•买买提", "阿依古丽·买买提"),
    ("古丽・努尔", "古丽·努尔"),
    ("王\u200b 元", "王元"),
    ("𠀀𪚥", "𠀀𪚥"),  # extension B
    ("金〇", "金〇"),
    ("Anna·Smith", "Anna·Smith"),
    ("김민준", "김민준"),
]


@pytest.mark.parametrize(("raw", "character"), REFUSED)
def test_a_character_no_name_holds_is_named(raw, character):
    refusal = name_refusal(raw)
    assert refusal is not None
    assert f"“{character}”" in refusal
    assert "姓名" in refusal


@pytest.mark.parametrize(("raw", "cleaned"), KEPT)
def test_names_of_every_kind_are_kept(raw, cleaned):
    assert name_refusal(raw) is None
    assert services.identity_values(name=raw)["name"] == cleaned


@pytest.mark.django_db
def test_the_register_refuses_markup_in_a_cadre_and_a_relative(staff):
    person = cadre()
    with pytest.raises(ValidationError) as error:
        services.person_update(actor=staff, person=person, name="<b>王明</b>")
    assert "“<”" in error.value.message_dict["name"][0]
    with pytest.raises(ValidationError, match="“1”"):
        services.relative_add(actor=staff, cadre=person, relation="spouse", name="李1")
    assert not person.relatives.exists()


@pytest.mark.django_db
def test_the_form_shows_the_refusal_next_to_the_name(client, staff):
    person = cadre()
    client.force_login(staff)
    response = client.post(
        reverse("cadres:edit", args=[person.pk]),
        {"name": "王<i>五", "id_number": "", "ethnicity": "01"},
    )
    assert response.status_code == 200
    assert "“<”" in response.context["form"].errors["name"][0]
    assert Person.objects.get(pk=person.pk).name == person.name


@pytest.mark.django_db
def test_a_roster_row_with_a_bad_name_is_an_error_naming_row_and_column(staff):
    VillageFactory(name="民主村")
    row = {
        "乡镇": "金厂镇",
        "村": "民主村",
        "姓名": "张&三",
        "身份证号": make_id_number(dt.date(1975, 3, 4), 1),
        "职务": "村委会委员",
        "任职时间": "2021-12-01",
    }
    plan = roster_import(actor=staff, source=io.BytesIO(roster_bytes([row])))
    texts = [str(e) for e in plan.errors]
    assert any(t.startswith("第2行「姓名」") and "“&”" in t for t in texts), texts
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_candidates_and_their_family_are_refused_too(staff):
    with pytest.raises(ValidationError, match="“<”"):
        nominate(staff, **person_data(name="<候选>"))
    with pytest.raises(ValidationError, match="“9”"):
        nominate(staff, relatives=[relative_data(name="亲属9")])
    with pytest.raises(ValidationError, match="“@”"):
        records.party_candidate_add(
            actor=staff,
            village=VillageFactory(),
            name="积极@分子",
            stage=PartyCandidate.Stage.values[0],
        )


@pytest.mark.django_db
def test_a_watchlist_keeps_its_names_as_they_came(district_reviewer):
    import_list(district_reviewer, [{"name": "<b>赵一</b>", "birth_date": "1966-06-06"}])
    assert WatchlistEntry.objects.get().name == "<b>赵一</b>"
