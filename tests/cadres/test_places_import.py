"""The places import (cadres.places): the NBS code list read as users keep it, its
differences with the register, applied in one transaction; the places page; the command."""

import contextlib
import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from cadres.models import ImportFile, Township, Village
from cadres.places import (
    DEFAULT_SOURCE,
    Change,
    PlacesChanged,
    places_apply,
    places_check,
    places_import_file,
    places_preview,
)
from cadres.scoping import user_townships
from tests.cadres_import.workbooks import workbook_bytes, workbook_rows
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import PostFactory, UserFactory, VillageFactory, VillagerGroupFactory, township
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db

HEADER = ["统计用区划代码", "城乡分类代码", "名称"]
# The first listing of issue 25, as published (town-level rows).
TOWNS = [
    ("220502001000", "东昌街道办事处"),
    ("220502002000", "民主街道办事处"),
    ("220502003000", "老站街道办事处"),
    ("220502004000", "团结街道办事处"),
    ("220502005000", "新站街道办事处"),
    ("220502006000", "光明街道办事处"),
    ("220502007000", "龙泉街道办事处"),
    ("220502008000", "陆港街道办事处"),
    ("220502009000", "滨江街道办事处"),
    ("220502100000", "金厂镇"),
    ("220502120000", "通化经济开发区"),
    ("220502200000", "环通乡"),
    ("220502201000", "江东乡"),
]


@pytest.fixture
def admin(db):
    return UserFactory(username="places-admin", is_superuser=True, is_staff=True)


def town_rows(skip=()):
    return [[code, None, name] for code, name in TOWNS if code not in skip]


def list_bytes(rows, *, title="2023年统计用区划代码和城乡划分代码", header=HEADER, sheets=None):
    if sheets is not None:
        return workbook_bytes(sheets)
    return workbook_bytes({"东昌区": [*([[title]] if title else []), header, *rows]})


def upload(data: bytes, name="东昌区区划代码.xlsx"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def previewed(actor, data: bytes, **options) -> ImportFile:
    record, _earlier = places_import_file(actor=actor, upload=upload(data))
    with contextlib.suppress(ValidationError):
        places_preview(actor=actor, record=record, **options)
    record.refresh_from_db()
    return record


def by_change(summary: dict, change: str) -> list[tuple[str, str, str]]:
    return [
        (e["code"], e["name"], e["old_code"]) for e in summary["entries"] if change in e["changes"]
    ]


def jinchang_villages(*names_and_codes, urban_rural="220"):
    return [[code, urban_rural, name] for code, name in names_and_codes]


# The diff --------------------------------------------------------------------------------


def test_a_messy_list_is_read_as_users_keep_it(admin):
    village = VillageFactory(township=township(JINCHANG), code="220502100201", name="金厂村")
    rows = [
        ["说明：来自国家统计局网站", None, None, None],
        ["\ufeff统计用区划代码", "城乡分类代码", " 名 称 ", "备注"],
        ["220502000000", None, "东昌区", None],
        *[
            [code, None, f"\u200b{name}", "街道" if "街道" in name else None]
            for code, name in TOWNS
        ],
        [220502100201, 220, "金厂村民委员会\u200b", "村"],
        ["220502100202 ", "220", "新开岭村委会", None],
        ["220502100203", "111", "镇区社区居委会", None],
        [None, None, None, None],
        ["合计：16个", None, None, None],
        ["填表人：张三", None, None, None],
    ]
    data = workbook_bytes({"2023年区划": [["2023年统计用区划代码和城乡划分代码"], *rows]})
    record = previewed(admin, data)
    summary = record.summary
    assert summary["errors"] == []
    assert summary["year"] == 2023
    assert summary["source"] == DEFAULT_SOURCE
    assert summary["sheets"][0]["ignored"] == ["备注"]
    # Migration 0002's streets: 东昌, 老站, 新站 and 团结 pass their codes round (matched by
    # name); 120 keeps its code under the listing's name; 008 and 009 are new.
    assert sorted(by_change(summary, Change.CODE_CHANGED)) == [
        ("220502001", "东昌街道", "220502004"),
        ("220502003", "老站街道", "220502001"),
        ("220502004", "团结街道", "220502005"),
        ("220502005", "新站街道", "220502003"),
    ]
    assert by_change(summary, Change.RENAMED) == [("220502120", "通化经济开发区", "220502120")]
    assert sorted(by_change(summary, Change.NEW)) == [
        ("220502008", "陆港街道", ""),
        ("220502009", "滨江街道", ""),
        ("220502100202", "新开岭村", ""),
        ("220502100203", "镇区社区", ""),
    ]
    community = next(e for e in summary["entries"] if e["code"] == "220502100203")
    assert (community["kind"], community["urban_rural"]) == ("community", "111")
    # The register's 金厂村 had no classification: it is reclassified, keeping its row.
    assert by_change(summary, Change.RECLASSIFIED) == [("220502100201", "金厂村", "220502100201")]
    assert summary["counts"][Change.ENDED] == 0
    assert summary["counts"][Change.UNCHANGED] == 6
    # Nothing is written by a preview.
    village.refresh_from_db()
    assert (village.urban_rural_code, village.code_source) == ("", "")
    assert Township.objects.get(code="220502001").name == "老站街道"


def test_towns_and_villages_on_separate_sheets_and_the_year_given(admin):
    data = list_bytes(
        (),
        sheets={
            "乡级": [HEADER, *town_rows()],
            "村级": [HEADER, ["220502200201", "220", "环通村委会"]],
            "说明": [["本表仅供参考"]],
        },
    )
    _found, plan, source, year = places_check(
        actor=admin, source=io.BytesIO(data), code_source="市统计局转发", year=2024
    )
    assert (source, year) == ("市统计局转发", 2024)
    assert plan.errors == []
    assert [e.name for e in plan.entries if Change.NEW in e.changes][-1] == "环通村"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["220602100201", "220", "外区村委会"], "不在东昌区"),
        (["22050210020", "220", "短码村委会"], "不是12位代码"),
        (["220502300201", "220", "无乡村委会"], "缺少"),
        (["220502100201", "22", "金厂村委会"], "3位"),
        (["220502100201", "220", ""], "名称为空"),
    ],
)
def test_bad_rows_are_named_and_nothing_can_be_applied(admin, row, message):
    record = previewed(admin, list_bytes([*town_rows(), row]))
    errors = record.summary["errors"]
    assert len(errors) == 1
    assert "第16行" in errors[0], errors
    assert message in errors[0], errors
    with pytest.raises(ValidationError):
        places_apply(actor=admin, record=record)
    assert not Township.objects.filter(code="220502008").exists()


def test_duplicate_codes_and_the_error_workbook(admin, client):
    rows = [
        *town_rows(),
        ["220502100201", "220", "金厂村委会"],
        ["220502100201", "220", "大安村委会"],
    ]
    record = previewed(admin, list_bytes(rows))
    assert any("列了两次" in e and "第17行" in e for e in record.summary["errors"]), record.summary
    client.force_login(admin)
    response = client.get(reverse("cadres:places_import_errors", args=[record.pk]))
    assert response.status_code == 200
    rows = workbook_rows(response.content)["东昌区"]
    assert rows[0] == [*HEADER, "错误原因"]
    assert rows[1][:3] == ["220502100201", "220", "大安村委会"]
    assert "列了两次" in rows[1][3]


def test_a_list_without_the_columns_is_refused(admin):
    record = previewed(admin, workbook_bytes({"Sheet1": [["代码x", "名字"], ["1", "2"]]}))
    assert record.summary["file_error"]
    with pytest.raises(ValidationError):
        places_apply(actor=admin, record=record)


# Applying ------------------------------------------------------------------------------------


def test_apply_swaps_codes_keeps_rows_and_permissions_and_logs(admin):
    laozhan = Township.objects.get(code="220502001")
    assert laozhan.name == "老站街道"
    laozhan_staff = UserFactory(role="乡镇工作人员", townships=[laozhan])
    zone = Township.objects.get(code="220502120")
    record = previewed(admin, list_bytes(town_rows()))
    places_apply(actor=admin, record=record, effective_on=dt.date(2024, 1, 1))

    laozhan.refresh_from_db()
    assert (laozhan.code, laozhan.name) == ("220502003", "老站街道")
    assert (laozhan.code_source, laozhan.code_year) == (DEFAULT_SOURCE, 2023)
    assert [t.pk for t in user_townships(laozhan_staff)] == [laozhan.pk]
    assert Township.objects.get(code="220502001").name == "东昌街道"
    zone.refresh_from_db()
    assert (zone.name, zone.kind) == ("通化经济开发区", Township.Kind.ZONE)
    new = Township.objects.get(code="220502008")
    assert (new.name, new.kind, new.valid_from) == ("陆港街道", "subdistrict", dt.date(2024, 1, 1))
    assert not Township.objects.exclude(code_source=DEFAULT_SOURCE).exists()
    # The record of the import, and the places' history.
    record.refresh_from_db()
    assert record.status == ImportFile.Status.IMPORTED
    assert record.summary["applied_by"] == admin.pk
    assert record.summary["counts"][Change.CODE_CHANGED] == 4
    change = laozhan.history.first()
    assert (change.history_user, change.history_change_reason) == (
        admin,
        f"places import #{record.pk}",
    )
    assert "~" not in "".join(laozhan.history.values_list("code", flat=True))
    # A second apply of the same record is refused; the same list again changes nothing.
    with pytest.raises(ValidationError):
        places_apply(actor=admin, record=record)
    again = previewed(admin, list_bytes(town_rows()))
    assert again.summary["counts"][Change.UNCHANGED] == len(TOWNS)
    assert again.summary["sources_set"] == 0


def test_villages_swap_codes_are_renamed_and_reclassified_in_place(admin):
    jinchang = township(JINCHANG)
    east = VillageFactory(township=jinchang, code="220502100201", name="东村")
    west = VillageFactory(township=jinchang, code="220502100202", name="西村")
    old = VillageFactory(township=jinchang, code="220502100203", name="老村")
    staff = UserFactory(role="乡镇工作人员", townships=[JINCHANG])
    rows = [
        *town_rows(),
        ["220502100201", "220", "西村村委会"],
        ["220502100202", "220", "东村村民委员会"],
        ["220502100203", "210", "新村村委会"],
    ]
    record = previewed(admin, list_bytes(rows))
    assert record.summary["errors"] == []
    places_apply(actor=admin, record=record)
    for village in (east, west, old):
        village.refresh_from_db()
    assert (east.code, west.code) == ("220502100202", "220502100201")
    assert (old.code, old.name, old.urban_rural_code) == ("220502100203", "新村", "210")
    assert set(Village.objects.filter(township=jinchang).values_list("pk", flat=True)) == {
        east.pk,
        west.pk,
        old.pk,
    }
    response_villages = Village.objects.filter(township__in=user_townships(staff))
    assert old in response_villages


def test_a_village_no_longer_listed_is_ended_with_its_groups_and_keeps_its_posts(admin):
    kept = VillageFactory(township=township(JINCHANG), code="220502100201", name="金厂村")
    gone = VillageFactory(township=township(JINCHANG), code="220502100202", name="合并村")
    group = VillagerGroupFactory(village=gone)
    post = PostFactory(village=gone)
    rows = [*town_rows(), ["220502100201", "220", "金厂村委会"]]
    record = previewed(admin, list_bytes(rows))
    assert by_change(record.summary, Change.ENDED) == [("220502100202", "合并村", "220502100202")]
    places_apply(actor=admin, record=record, effective_on=dt.date(2025, 7, 1))
    gone.refresh_from_db()
    group.refresh_from_db()
    post.refresh_from_db()
    assert gone.valid_to == group.valid_to == dt.date(2025, 6, 30)
    assert post.village_id == gone.pk
    assert post.ended_on is None
    assert list(Village.objects.current()) == [kept]
    # Its name is free again for a village of the same township.
    VillageFactory(township=township(JINCHANG), name="合并村")


def test_an_error_while_writing_leaves_nothing_written(admin):
    # A village that begins on the effective day cannot end the day before it: the villages'
    # step refuses after the townships' step has run; the whole import is rolled back.
    VillageFactory(township=township(JINCHANG), valid_from=dt.date(2025, 7, 1))
    record = previewed(admin, list_bytes([*town_rows(), ["220502100201", "220", "金厂村委会"]]))
    with pytest.raises(ValidationError, match="生效日"):
        places_apply(actor=admin, record=record, effective_on=dt.date(2025, 7, 1))
    assert Township.objects.get(code="220502001").name == "老站街道"
    assert not Township.objects.filter(code="220502008").exists()
    assert not Village.objects.filter(code="220502100201").exists()
    record.refresh_from_db()
    assert record.status == ImportFile.Status.PREVIEWED


def test_places_changed_since_the_preview_are_not_overwritten(admin):
    record = previewed(admin, list_bytes([*town_rows(), ["220502100201", "220", "金厂村委会"]]))
    VillageFactory(township=township(JINCHANG))
    with pytest.raises(PlacesChanged):
        places_apply(actor=admin, record=record)
    assert Township.objects.get(code="220502001").name == "老站街道"


def test_a_town_only_list_leaves_villages_alone(admin):
    village = VillageFactory(township=township(JINCHANG))
    record = previewed(admin, list_bytes(town_rows()))
    assert record.summary["villages_listed"] is False
    places_apply(actor=admin, record=record)
    village.refresh_from_db()
    assert village.valid_to is None


def test_a_code_of_a_place_the_list_ends_cannot_be_given_to_another(admin):
    VillageFactory(township=township(JINCHANG), code="220502100201", name="甲村")
    VillageFactory(township=township(JINCHANG), code="220502100202", name="乙村")
    record = previewed(admin, list_bytes([*town_rows(), ["220502100202", "220", "甲村委会"]]))
    assert by_change(record.summary, Change.ENDED) == [("220502100202", "乙村", "220502100202")]
    assert len(record.summary["errors"]) == 1
    assert "乙村" in record.summary["errors"][0]
    with pytest.raises(ValidationError):
        places_apply(actor=admin, record=record)


def test_a_village_listed_under_another_township_is_refused(admin):
    VillageFactory(township=township(HUANTONG), code="220502100201", name="漂移村")
    record = previewed(admin, list_bytes([*town_rows(), ["220502100201", "220", "漂移村委会"]]))
    assert any("另一个乡镇" in e or "环通乡" in e for e in record.summary["errors"])


# Permissions ------------------------------------------------------------------------------------


def test_only_the_administrator_imports(staff, district_reviewer, system_admin, admin):
    data = list_bytes(town_rows())
    for user in (staff, district_reviewer, system_admin):
        with pytest.raises(PermissionDenied):
            places_import_file(actor=user, upload=upload(data))
        with pytest.raises(PermissionDenied):
            places_check(actor=user, source=io.BytesIO(data))
    record = previewed(admin, data)
    for user in (staff, district_reviewer, system_admin):
        with pytest.raises(PermissionDenied):
            places_apply(actor=user, record=record)
    # A user given the permission by name imports without being a superuser.
    granted = UserFactory()
    from django.contrib.auth.models import Permission

    granted.user_permissions.add(Permission.objects.get(codename="import_places"))
    places_check(actor=granted, source=io.BytesIO(data))


def test_the_import_pages(client, admin, staff):
    client.force_login(staff)
    assert client.get(reverse("cadres:places_import")).status_code == 403
    client.force_login(admin)
    response = client.post(
        reverse("cadres:places_import"),
        {"file": upload(list_bytes(town_rows())), "source": "", "year": ""},
    )
    record = ImportFile.objects.get(kind=ImportFile.Kind.PLACES)
    assert response.status_code == 302
    page = client.get(reverse("cadres:places_import_preview", args=[record.pk])).content.decode()
    assert "代码变更" in page
    assert "220502004" in page
    assert "陆港街道" in page
    response = client.post(
        reverse("cadres:places_import_apply", args=[record.pk]), {"effective_on": "2024-01-01"}
    )
    assert response.status_code == 302
    assert Township.objects.get(code="220502008").valid_from == dt.date(2024, 1, 1)
    page = client.get(reverse("cadres:places_import_preview", args=[record.pk])).content.decode()
    assert "已应用" in page


def test_the_places_page_shows_own_township_as_of_today(client, staff, admin):
    own = VillageFactory(township=township(JINCHANG), name="本镇村")
    VillageFactory(township=township(JINCHANG), name="已撤村", valid_to=dt.date(2024, 6, 30))
    VillageFactory(township=township(HUANTONG), name="他乡村")
    client.force_login(staff)
    page = client.get(reverse("cadres:places")).content.decode()
    assert own.name in page
    assert own.code in page
    assert "已撤村" not in page
    assert "他乡村" not in page
    assert "环通乡" not in page.split("<main")[-1]
    assert "代码来源" not in page
    assert client.get(reverse("cadres:places") + "?ended=1").content.decode().count("已撤村") == 0
    client.force_login(admin)
    page = client.get(reverse("cadres:places")).content.decode()
    assert "他乡村" in page
    assert "已撤村" not in page
    page = client.get(reverse("cadres:places") + "?ended=1").content.decode()
    assert "已撤村" in page
    assert "2024-06-30" in page
    assert "代码来源" in page
    # A subdistrict without villages says so.
    assert "本街道无村" in page


def test_the_places_export_shows_what_the_page_shows(client, staff):
    VillageFactory(township=township(JINCHANG), code="220502100201", name="本镇村")
    VillageFactory(township=township(HUANTONG), name="他乡村")
    client.force_login(staff)
    response = client.get(reverse("cadres:places") + "?format=xlsx")
    rows = next(iter(workbook_rows(response.content).values()))
    assert rows[0][:4] == ["乡镇代码", "乡镇（街道）", "区划代码", "名称"]
    assert len(rows[0]) == 7  # the administrator's columns are not the staff's
    assert rows[1][:4] == ["220502100", "金厂镇", "220502100201", "本镇村"]
    assert len(rows) == 2


def test_a_subdistrict_of_communities_says_it_has_no_villages(client, admin):
    street = Township.objects.get(code="220502002")
    VillageFactory(township=street, name="民主社区", kind=Village.Kind.COMMUNITY)
    client.force_login(admin)
    page = client.get(reverse("cadres:places")).content.decode()
    assert "本街道无村，仅有社区" in page


def test_the_department_has_no_places_page(client, department_user):
    client.force_login(department_user)
    assert client.get(reverse("cadres:places")).status_code == 403


def test_the_places_page_reads_a_fixed_number_of_queries(client, admin):
    client.force_login(admin)
    url = reverse("cadres:places") + "?ended=1"

    def grow():
        for code in (JINCHANG, HUANTONG):
            for _ in range(3):
                VillagerGroupFactory(village=VillageFactory(township=township(code)))

    grow()
    assert_queries_flat(lambda: client.get(url), grow)


# The command --------------------------------------------------------------------------------


def test_the_command_prints_and_applies_only_when_asked(admin, tmp_path):
    path = tmp_path / "区划代码.xlsx"
    path.write_bytes(list_bytes(town_rows()))
    out = io.StringIO()
    call_command("places_import", str(path), stdout=out)
    printed = out.getvalue()
    assert "代码变更：4" in printed
    assert "220502001 东昌街道" in printed
    assert "--apply" in printed
    assert Township.objects.get(code="220502001").name == "老站街道"
    call_command("places_import", str(path), "--apply", "--year", "2024", stdout=io.StringIO())
    assert Township.objects.get(code="220502001").name == "东昌街道"
    assert Township.objects.get(code="220502001").code_year == 2024
    assert ImportFile.objects.get(kind=ImportFile.Kind.PLACES).status == ImportFile.Status.IMPORTED


def test_the_command_refuses_a_list_with_errors_and_users_without_the_permission(
    admin, staff, tmp_path
):
    path = tmp_path / "区划代码.xlsx"
    path.write_bytes(list_bytes([*town_rows(), ["220602100201", "220", "外区村委会"]]))
    with pytest.raises(CommandError, match="错误"):
        call_command(
            "places_import", str(path), "--apply", stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert not ImportFile.objects.exists()
    with pytest.raises(CommandError):
        call_command("places_import", str(path), "--user", staff.username, stdout=io.StringIO())
