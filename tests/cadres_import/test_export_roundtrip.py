"""The register export is a roster: imported again, it changes nothing."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from cadres.dates import MONTH, PartialDate
from cadres.models import AccessLogEntry, ImportFile, Person, Post, Relative
from cadres.roster import (
    CADRE_COLUMNS,
    FAMILY_COLUMNS,
    Outcome,
    parse_posts,
    post_labels,
    roster_plan,
)
from tests.factories import (
    PersonFactory,
    PostFactory,
    RelativeFactory,
    VillageFactory,
    VillagerGroupFactory,
    cadre,
    township,
)
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db
B, T = Post.Body, Post.Title


@pytest.fixture
def register(db):
    """金厂镇: a 一肩挑 secretary and director, a member with family, a group leader and a
    former cadre; 环通乡: one cadre."""
    village = VillageFactory(name="民主村")
    both = cadre(
        village, body=B.PARTY_BRANCH, title=T.SECRETARY, name="王元", phone="+8613800000000"
    )
    PostFactory(person=both, village=village, body=B.VILLAGERS_COMMITTEE, title=T.DIRECTOR)
    member = cadre(
        village,
        party_joined_on=dt.date(2008, 7, 1),
        native_place="吉林通化",
        birthplace="通化县快大茂镇",
        work_started_on=PartialDate(dt.date(2003, 7, 1), MONTH),
        health="良好",
    )
    RelativeFactory(cadre=member, work_unit_and_post="务农")
    RelativeFactory(cadre=member, relation=Relative.Relation.CHILD, id_number=None, birth_date=None)
    group = VillagerGroupFactory(village=village, name="3组")
    PostFactory(
        person=PersonFactory(),
        village=village,
        villager_group=group,
        body=B.VILLAGER_GROUP,
        title=T.GROUP_LEADER,
    )
    former = cadre(village, home_village=village)
    Post.objects.filter(person=former).update(ended_on=dt.date(2024, 1, 1), end_reason="resigned")
    cadre(VillageFactory(township=township("220502200")))
    return {"both": both, "member": member, "former": former}


def snapshot() -> dict:
    return {
        model.__name__: (
            sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields])),
            model.history.count(),
        )
        for model in (Person, Post, Relative)
    }


def export(client, user) -> bytes:
    client.force_login(user)
    response = client.get(reverse("cadres:list"), {"format": "xlsx"})
    assert response.status_code == 200
    return response.content


def test_every_post_label_reads_back():
    labels = post_labels()
    assert [parse_posts(label) for label in labels] == [
        [(body, title)] for body, titles in Post.TITLES_BY_BODY.items() for title in titles
    ]


def test_export_has_the_roster_sheets_and_headers(client, township_reviewer, register):
    book = load_workbook(io.BytesIO(export(client, township_reviewer)))
    assert book.sheetnames == ["干部花名册", "家庭成员"]
    cadres, family = (list(sheet.values) for sheet in book.worksheets)
    assert cadres[0][: len(CADRE_COLUMNS)] == tuple(c.label for c in CADRE_COLUMNS)
    assert cadres[0][len(CADRE_COLUMNS) :] == (
        "年龄",
        "从严掌控",
        "从严掌控复核日期",
        "任职来源",
        "经联审",
    )
    assert family[0] == tuple(c.label for c in FAMILY_COLUMNS)
    # One row per serving post, one for the former cadre; 环通乡 is not exported.
    rows = {(r[3], r[11]) for r in cadres[1:]}
    assert ("王元", "村党组织书记") in rows
    assert ("王元", "村民委员会主任") in rows
    assert (register["former"].name, None) in rows
    # Kept as text, not run as a formula: read back as written (the round trip).
    assert {r[14] for r in cadres[1:] if r[3] == "王元"} == {"+8613800000000"}
    assert len(cadres) - 1 == 5
    assert {r[0] for r in family[1:]} == {register["member"].id_number}
    entry = AccessLogEntry.objects.get()
    assert "5 rows, 2 family rows, full ID numbers" in entry.detail


@pytest.mark.parametrize("fixture", ["township_reviewer", "system_admin"])
def test_export_imported_again_changes_nothing(client, request, fixture, register):
    user = request.getfixturevalue(fixture)
    data = export(client, user)
    before = snapshot()

    plan = roster_plan(actor=user, source=io.BytesIO(data))
    assert plan.ok, plan.errors
    assert {row.outcome for row in plan.rows} == {Outcome.UNCHANGED}
    counts = plan.counts
    assert counts["rows"] == (6 if fixture == "system_admin" else 5) + 2
    for key in ("new_persons", "updated_persons", "posts_added", "nominations"):
        assert counts[key] == 0, key
    assert counts["relatives_added"] == counts["relatives_updated"] == 0

    # Through the pages, as the same user.
    upload = client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile("导出.xlsx", data)}
    )
    run_queued_jobs()  # the worker's check
    record = ImportFile.objects.get()
    assert upload.url == reverse("cadres:import_preview", args=[record.pk])
    preview = client.get(upload.url)
    assert preview.context["preview"]["counts"] == counts
    confirm = client.post(reverse("cadres:import_confirm", args=[record.pk]))
    assert confirm.status_code == 302
    run_queued_jobs()  # the worker's import
    record.refresh_from_db()
    assert record.status == ImportFile.Status.IMPORTED
    assert record.summary["nomination_rows"] == []
    assert snapshot() == before


def test_masked_export_is_refused_row_by_row(client, staff, register):
    data = export(client, staff)
    assert "masked ID numbers" in AccessLogEntry.objects.get().detail
    before = snapshot()
    client.post(reverse("cadres:import_upload"), {"file": SimpleUploadedFile("导出.xlsx", data)})
    run_queued_jobs()  # the worker's check
    record = ImportFile.objects.get()
    rows = client.get(reverse("cadres:import_preview", args=[record.pk])).context["rows"]
    masked = "身份证号被*遮盖"
    assert len(rows) == 7
    for row in rows:
        assert row["outcome"] == Outcome.ERROR
        column = "「身份证号」" if row["sheet"] == "cadres" else "「干部身份证号」"
        assert any(column in e and masked in e for e in row["errors"]), row["errors"]
    client.post(reverse("cadres:import_confirm", args=[record.pk]))
    run_queued_jobs()  # the worker's import, which refuses
    record.refresh_from_db()
    assert record.status != ImportFile.Status.IMPORTED
    assert snapshot() == before


def test_former_cadre_row_without_post_and_a_new_person_without_one(system_admin, register):
    from tests.cadres_import.workbooks import roster_bytes

    former = register["former"]
    data = roster_bytes(
        [
            {
                "乡镇": "金厂镇",
                "村": "民主村",
                "姓名": former.name,
                "身份证号": former.id_number,
                "职务": "",
                "联系电话": "13900000000",
            },
            {
                "乡镇": "金厂镇",
                "村": "民主村",
                "姓名": "新人",
                "身份证号": "220502198503041232",
                "职务": "",
            },
        ]
    )
    plan = roster_plan(actor=system_admin, source=io.BytesIO(data))
    first, second = plan.rows
    assert first.outcome == Outcome.UPDATED
    assert [(e.column, e.message) for e in second.errors] == [("职务", "请填写职务。")]


def test_another_townships_staff_may_not_import_the_export(
    client, township_reviewer, other_staff, register
):
    data = export(client, township_reviewer)
    before = snapshot()
    plan = roster_plan(actor=other_staff, source=io.BytesIO(data))
    cadre_rows = [row for row in plan.rows if row.sheet == "cadres"]
    assert len(cadre_rows) == 5
    for row in cadre_rows:
        assert ("乡镇", "无权导入该乡镇。") in [(e.column, e.message) for e in row.errors]
    for row in plan.rows:
        if row.sheet == "family":
            assert row.errors[0].column == "干部身份证号"
    assert snapshot() == before


@pytest.mark.parametrize("fixture", ["district_reviewer", "department_user"])
def test_read_only_roles_export_but_may_not_import(client, request, fixture, register):
    user = request.getfixturevalue(fixture)
    data = export(client, user)
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].values)[1:]
    assert len(rows) == (6 if fixture == "district_reviewer" else 0)
    upload = client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile("导出.xlsx", data)}
    )
    assert upload.status_code == 403


def test_export_query_count_does_not_grow(client, system_admin, register):
    client.force_login(system_admin)
    assert_queries_flat(
        lambda: client.get(reverse("cadres:list"), {"format": "xlsx"}),
        lambda: [RelativeFactory(cadre=cadre(VillageFactory())) for _ in range(5)],
    )
