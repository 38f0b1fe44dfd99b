"""籍贯, 出生地, 参加工作时间 and 健康状况 in the roster: read under their usual headers, messy
cells cleaned, the date at its precision; in the template; the education level kept for a
cadre whose education rows decide it."""

import datetime as dt
import importlib
import io

import pytest
from django.apps import apps
from django.urls import reverse
from openpyxl import load_workbook

from cadres.choices import Education
from cadres.dates import MONTH, YEAR, PartialDate, partial_date
from cadres.models import EducationRecord, Person
from cadres.person_details import person_detail_add
from cadres.roster import Outcome, roster_import
from tests.cadres_import.workbooks import ROSTER_HEADERS, roster_bytes
from tests.factories import VillageFactory, cadre, make_id_number, township

pytestmark = pytest.mark.django_db
ZWSP, BOM, NBSP = "\u200b", "\ufeff", "\u00a0"
# The headers as townships write them: spaced, by another name.
HEADERS = [*ROSTER_HEADERS, "籍 贯", "出生地点", "参加工作年月", "身体状况"]


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def row(n: int, **cells) -> dict:
    return {
        "乡镇": "金厂镇",
        "村": "民主村",
        "姓名": f"王{'一二三四五六七八九十'[n - 1]}",
        "身份证号": make_id_number(dt.date(1975, 3, 4), n),
        "职务": "村委会委员",
        "任职时间": "2021.12",
        **cells,
    }


def load(data: bytes, user):
    return roster_import(actor=user, source=io.BytesIO(data))


def test_the_fields_are_read_under_their_aliases_and_cleaned(system_admin, village):
    data = roster_bytes(
        [
            row(
                1,
                **{
                    "籍 贯": f"吉林{ZWSP}通化",
                    "出生地点": f"{NBSP}通化县快大茂镇 ",
                    "参加工作年月": f"{BOM}2003年7月",
                    "身体状况": "健康",
                },
            ),
            row(2, 参加工作年月="1998"),
            row(3, 参加工作年月="１９９６．０８"),
            row(4, 参加工作年月=dt.datetime(2001, 7, 15)),
        ],
        headers=HEADERS,
    )
    plan = load(data, system_admin)
    assert plan.ok, plan.errors
    people = {p.name: p for p in Person.objects.all()}
    first = people["王一"]
    assert (first.native_place, first.birthplace, first.health) == (
        "吉林通化",
        "通化县快大茂镇",
        "健康",
    )
    assert partial_date(first, "work_started_on") == PartialDate(dt.date(2003, 7, 1), MONTH)
    assert partial_date(people["王二"], "work_started_on") == PartialDate(dt.date(1998, 1, 1), YEAR)
    assert partial_date(people["王三"], "work_started_on") == PartialDate(
        dt.date(1996, 8, 1), MONTH
    )
    assert partial_date(people["王四"], "work_started_on") == PartialDate(dt.date(2001, 7, 15))
    assert first.extra is None  # nothing left over as a kept column


def test_bad_values_are_reported_by_row_and_column(system_admin, village):
    data = roster_bytes(
        [row(1, 参加工作年月="七月份"), row(2, **{"籍 贯": "吉" * 101})], headers=HEADERS
    )
    plan = load(data, system_admin)
    assert not plan.ok
    errors = {(e.row, e.column): e.message for e in plan.errors}
    assert "“七月份”不是日期" in errors[(2, "参加工作时间")]
    assert errors[(3, "籍贯")] == "最多填写100个字。"
    assert not Person.objects.exists()


def test_an_update_changes_the_fields_and_keeps_the_level_the_rows_decide(system_admin, village):
    person = cadre(village, id_number=make_id_number(dt.date(1975, 3, 4), 1), name="王一")
    person_detail_add(
        actor=system_admin,
        person=person,
        model=EducationRecord,
        kind=EducationRecord.Kind.IN_SERVICE,
        level=Education.COLLEGE,
    )
    data = roster_bytes(
        [row(1, 文化程度="高中", 职务="", 任职时间="", **{"身体状况": "良好"})],
        headers=HEADERS,
    )
    plan = load(data, system_admin)
    assert plan.ok, plan.errors
    (result,) = plan.rows
    assert result.outcome == Outcome.UPDATED
    assert "文化程度未改：以干部信息页上的学历学位记录为准。" in result.details
    person.refresh_from_db()
    assert (person.health, person.education) == ("良好", Education.COLLEGE)


def test_the_template_has_the_columns(client, staff):
    client.force_login(staff)
    book = load_workbook(io.BytesIO(client.get(reverse("cadres:import_template")).content))
    headers = [cell.value.rstrip("*") for cell in book["干部花名册"][1]]
    assert headers[-4:] == ["籍贯", "出生地", "参加工作时间", "健康状况"]


def test_kept_columns_of_earlier_imports_move_into_the_fields():
    migration = importlib.import_module("cadres.migrations.0024_register_fields")
    kept = {"籍 贯": "吉林通化", "参加工作时间": "1998.07", "出生地": "长" * 101, "职称": "农艺师"}
    person = cadre(extra=kept)
    untouched = cadre(extra={"健康状况": "良好"}, health="一般")
    migration.kept_columns_to_fields(apps, None)
    person.refresh_from_db()
    assert person.native_place == "吉林通化"
    assert partial_date(person, "work_started_on") == PartialDate(dt.date(1998, 7, 1), MONTH)
    # What does not fit, and what the register does not know, stay kept.
    assert person.extra == {"出生地": "长" * 101, "职称": "农艺师"}
    untouched.refresh_from_db()
    assert (untouched.health, untouched.extra) == ("一般", {"健康状况": "良好"})
