"""队伍结构: figures against a hand-counted fixture, targets and their versions, who sees
which township, the command's JSON, and queries that do not grow with the district."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from cadres.choices import Education, PoliticalStatus, Sex
from cadres.models import Post, StructureTargets, Village
from cadres.structure import structure_targets_replace, team_structure
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import (
    PersonFactory,
    PostFactory,
    VillageFactory,
    cadre,
    make_id_number,
    township,
)
from tests.querycount import assert_queries_flat

ON = dt.date(2026, 12, 7)
PB, VC = Post.Body.PARTY_BRANCH, Post.Body.VILLAGERS_COMMITTEE
MEMBER = Post.Title.MEMBER


def person(birth: dt.date, sex: str, education: str, political: str, number: int):
    return PersonFactory(
        birth=birth,
        number=number,
        id_number=make_id_number(birth, number, male=sex == Sex.MALE),
        sex=sex,
        education=education,
        political_status=political,
    )


@pytest.fixture
def district(db):
    """Hand-counted: 金厂镇 has five people in two villages, 环通乡 one.

    Village A: P1 is secretary and director (一肩挑, both committees), P2 a member of both
    committees (交叉任职), P3 a committee member; an ended post is not counted.
    Village B: P4 on the supervision committee, P5 its party secretary.
    """
    a = VillageFactory(township=township(JINCHANG), name="甲村")
    b = VillageFactory(township=township(JINCHANG), name="乙村")
    c = VillageFactory(township=township(HUANTONG), name="丙村")
    p1 = person(dt.date(1990, 6, 1), Sex.MALE, Education.BACHELOR, PoliticalStatus.CPC_MEMBER, 1)
    p2 = person(
        dt.date(1992, 12, 8), Sex.FEMALE, Education.COLLEGE, PoliticalStatus.CPC_PROBATIONARY, 2
    )
    p3 = person(dt.date(1960, 1, 1), Sex.MALE, Education.HIGH_SCHOOL, PoliticalStatus.MASSES, 3)
    p4 = person(dt.date(1975, 12, 7), Sex.FEMALE, Education.JUNIOR_HIGH, PoliticalStatus.MASSES, 4)
    p5 = person(dt.date(1970, 3, 3), Sex.MALE, Education.COLLEGE, PoliticalStatus.CPC_MEMBER, 5)
    p6 = person(dt.date(1985, 1, 1), Sex.MALE, Education.HIGH_SCHOOL, PoliticalStatus.MASSES, 6)
    gone = person(dt.date(1999, 1, 1), Sex.FEMALE, Education.BACHELOR, PoliticalStatus.MASSES, 7)
    PostFactory(person=p1, village=a, body=PB, title=Post.Title.SECRETARY)
    PostFactory(person=p1, village=a, body=VC, title=Post.Title.DIRECTOR)
    PostFactory(person=p2, village=a, body=PB, title=MEMBER)
    PostFactory(person=p2, village=a, body=VC, title=MEMBER)
    PostFactory(person=p3, village=a, body=VC, title=MEMBER)
    PostFactory(
        person=gone,
        village=a,
        body=VC,
        title=MEMBER,
        ended_on=dt.date(2025, 1, 1),
        end_reason=Post.EndReason.RESIGNED,
    )
    PostFactory(person=p4, village=b, body=Post.Body.SUPERVISION_COMMITTEE, title=MEMBER)
    PostFactory(person=p5, village=b, body=PB, title=Post.Title.SECRETARY)
    PostFactory(person=p6, village=c, body=VC, title=Post.Title.DIRECTOR)
    return {"a": a, "b": b, "c": c}


def indicators(row) -> dict:
    return {i.key: (i.count, i.base, i.share, i.met) for i in row.indicators}


def test_township_figures_are_the_hand_count(district, staff):
    figures = team_structure(staff, ON)
    [jinchang] = figures.rows
    assert jinchang.name == "金厂镇"
    assert figures.total.name == "合计"
    villages = Village.objects.filter(township__code=JINCHANG).count()
    assert jinchang.count("people") == 5  # P1's two posts make one person
    assert [n for _b, _l, n in jinchang.age_bands()] == [1, 1, 1, 1, 1]
    assert jinchang.average_age == Decimal("48.4")  # (36 + 33 + 66 + 51 + 56) / 5
    got = indicators(jinchang)
    assert got["young"][:3] == (1, 5, Decimal("20.0"))
    assert got["college"][:3] == (3, 5, Decimal("60.0"))
    assert got["women"][:3] == (2, 5, Decimal("40.0"))
    assert got["party"][:3] == (3, 5, Decimal("60.0"))  # a probationary member counts
    assert got["cross"][:3] == (2, 4, Decimal("50.0"))  # of P1, P2, P3, P5
    assert got["one_shoulder"][:2] == (1, villages)
    bodies = [jinchang.count(f"body_{body}") for body in Post.Body.values]
    assert bodies == [3, 3, 1, 0]  # party organization, committee, supervision, group leaders
    assert jinchang.counts == figures.total.counts


def test_villages_of_a_township(district, staff):
    figures = team_structure(staff, ON, township(JINCHANG))
    rows = {row.name: row for row in figures.rows}
    a, b = rows["甲村"], rows["乙村"]
    assert a.count("people") == 3
    assert indicators(a)["one_shoulder"][:3] == (1, 1, Decimal("100.0"))
    assert indicators(a)["cross"][:3] == (2, 3, Decimal("66.7"))
    assert b.count("people") == 2
    assert indicators(b)["one_shoulder"][:3] == (0, 1, Decimal("0.0"))
    assert indicators(b)["cross"][:3] == (0, 1, Decimal("0.0"))
    assert figures.total.count("people") == 5


def test_the_district_sees_every_township_and_counts_each_person_once(district, district_reviewer):
    figures = team_structure(district_reviewer, ON)
    by_name = {row.name: row.count("people") for row in figures.rows}
    assert by_name["金厂镇"] == 5
    assert by_name["环通乡"] == 1
    assert figures.total.name == "东昌区"
    assert figures.total.count("people") == sum(by_name.values()) == 6


def test_a_person_in_two_villages_is_counted_once_above_them(district, district_reviewer):
    PostFactory(person=Post.objects.get(village=district["c"]).person, village=district["a"])
    figures = team_structure(district_reviewer, ON)
    assert figures.total.count("people") == 6
    assert {row.name: row.count("people") for row in figures.rows}["金厂镇"] == 6


def test_targets_say_whether_each_figure_is_met(district, staff, district_reviewer):
    [row] = team_structure(staff, ON).rows
    assert indicators(row)["party"][3] is True  # 60.0 against the default 60
    assert row.average_age_met is True  # 48.4 against 50
    structure_targets_replace(
        actor=district_reviewer, note="提高党员比例", party_share_min=Decimal("70")
    )
    [row] = team_structure(staff, ON).rows
    assert indicators(row)["party"][3] is False
    assert indicators(row)["women"][3] is None  # the new version sets no target for women
    assert row.average_age_met is None


def test_each_change_is_a_new_version_and_the_old_ones_stay(district_reviewer, staff):
    first = StructureTargets.objects.get(active=True)
    with pytest.raises(PermissionDenied):
        structure_targets_replace(actor=staff, note="乡镇改不了", party_share_min=Decimal(1))
    second = structure_targets_replace(
        actor=district_reviewer, note="新目标", cross_share_min=Decimal("45")
    )
    first.refresh_from_db()
    assert not first.active
    assert first.party_share_min == Decimal(60)
    assert second.active
    assert second.created_by == district_reviewer
    assert list(StructureTargets.objects.all()) == [second, first]


def test_targets_page_refuses_a_share_over_a_hundred_in_chinese(client, district_reviewer):
    client.force_login(district_reviewer)
    url = reverse("cadres:structure_targets_edit")
    response = client.post(url, {"note": "错了", "women_share_min": "120"})
    assert response.status_code == 400
    assert "确保该值小于或等于100" in response.content.decode()
    assert StructureTargets.objects.count() == 1
    response = client.post(url, {"note": "女性比例提高", "women_share_min": "25"})
    assert response.status_code == 302
    assert StructureTargets.objects.get(active=True).women_share_min == Decimal(25)


def test_township_staff_cannot_change_targets(client, staff):
    client.force_login(staff)
    assert client.get(reverse("cadres:structure_targets_edit")).status_code == 403
    assert client.get(reverse("cadres:structure_targets")).status_code == 403


def test_page_drills_down_within_the_user_townships(client, district, staff):
    client.force_login(staff)
    url = reverse("cadres:structure")
    page = client.get(url).content.decode()
    assert "金厂镇" in page
    assert "环通乡" not in page
    jinchang = township(JINCHANG)
    page = client.get(url, {"township": jinchang.pk}).content.decode()
    assert "甲村" in page
    assert "乙村" in page
    assert "丙村" not in page
    assert client.get(url, {"township": township(HUANTONG).pk}).status_code == 404
    assert client.get(url, {"township": "x"}).status_code == 404


def test_page_export_is_logged(client, district, district_reviewer):
    from cadres.models import AccessLogEntry

    client.force_login(district_reviewer)
    response = client.get(reverse("cadres:structure"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT).exists()


def test_command_prints_the_counts_behind_every_share(district):
    out = StringIO()
    call_command("team_structure", "--format", "json", "--on", "2026-12-07", stdout=out)
    data = json.loads(out.getvalue())
    assert data["on"] == "2026-12-07"
    jinchang = next(t for t in data["townships"] if t["code"] == JINCHANG)
    assert jinchang["people"] == 5
    assert jinchang["indicators"]["cross"] == {
        "count": 2,
        "of": 4,
        "share": 50.0,
        "target": 40.0,
        "met": True,
    }
    assert (
        set(jinchang)
        == set(data["district"])
        >= {
            "people",
            "villages",
            "two_committee_members",
            "age_bands",
            "age_known",
            "age_sum",
            "average_age",
            "education",
            "indicators",
        }
    )
    assert data["district"]["people"] == 6


def test_queries_do_not_grow_with_the_district(district, district_reviewer):
    def grow():
        for n in range(4):
            village = VillageFactory(township=township(HUANTONG))
            cadre(village, body=PB, title=Post.Title.SECRETARY, number=100 + n)

    assert_queries_flat(lambda: team_structure(district_reviewer, ON), grow)
    jinchang = township(JINCHANG)
    assert_queries_flat(lambda: team_structure(district_reviewer, ON, jinchang), grow)


def test_a_person_in_two_villages_of_a_township_is_counted_once_in_it(district, staff):
    member = Post.objects.get(village=district["a"], body=VC, title=MEMBER, person__sex="male")
    PostFactory(person=member.person, village=district["b"], body=PB, title=MEMBER)
    figures = team_structure(staff, ON, township(JINCHANG))
    rows = {row.name: row for row in figures.rows}
    assert (rows["甲村"].count("people"), rows["乙村"].count("people")) == (3, 3)
    assert figures.total.count("people") == 5
    # On both bodies, but in two villages: no cross post in either, nor in the township.
    assert indicators(rows["乙村"])["cross"][:2] == (0, 2)
    assert indicators(figures.total)["cross"][:2] == (2, 4)
