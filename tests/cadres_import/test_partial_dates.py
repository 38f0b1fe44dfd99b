"""出生年月 1972.08 and 入党时间 1998: dates known to the month or the year in the roster's
cadre and family sheets, compared with the ID number as far as they go, shown at their
precision on the profile and in the monthly workbook, and written so by the register
export, which reads back unchanged."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cadres.dates import DAY, MONTH, YEAR, PartialDate, partial_date
from cadres.models import Person, Post, Relative
from cadres.roster import Outcome, roster_import, roster_plan
from dongchang.reports import Month
from dongchang.services import monthly_report_build
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import (
    PersonFactory,
    PostFactory,
    RelativeFactory,
    VillageFactory,
    make_id_number,
    township,
)

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1972, 8, 15)
SPOUSE_BIRTH = dt.date(1974, 3, 9)
DIFFERS = "出生日期与身份证号中的出生日期不一致。"


def number(n: int, birth: dt.date = BIRTH, *, male: bool = True) -> str:
    return make_id_number(birth, n, male=male)


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def cadre_row(n: int, **cells) -> dict:
    return {
        "乡镇": "金厂镇",
        "村": "民主村",
        "姓名": f"王{'一二三四五六七八九十'[n % 10]}",
        "身份证号": number(n),
        "职务": "村委会委员",
        "任职时间": "2021.12",
        **cells,
    }


def errors(plan) -> list[tuple[int, str, str]]:
    return [(error.row, error.column, error.message) for error in plan.errors]


def test_months_and_years_in_the_cadre_and_family_sheets(client, system_admin, village):
    data = roster_bytes(
        [
            cadre_row(1, 出生日期="1972.08", 入党时间="1998.07"),
            cadre_row(2, 出生日期="1972年8月", 入党时间="1999年"),
            cadre_row(3, 出生日期=197208, 入党时间=199807),
        ],
        [
            {
                "干部身份证号": number(1),
                "姓名": "李芳",
                "关系": "妻子",
                "身份证号": number(50, SPOUSE_BIRTH, male=False),
                "出生日期": "1974.3",
            },
            {"干部身份证号": number(1), "姓名": "王小明", "关系": "儿子", "出生日期": "2005.06"},
            {"干部身份证号": number(1), "姓名": "王老汉", "关系": "父亲", "出生日期": "1948"},
        ],
    )
    plan = roster_import(actor=system_admin, source=io.BytesIO(data))
    assert plan.ok, plan.errors
    first = Person.objects.get(id_number=number(1))
    # With an ID number the birth date is the number's own, to the day.
    assert partial_date(first, "birth_date") == PartialDate(BIRTH, DAY)
    assert partial_date(first, "party_joined_on") == PartialDate(dt.date(1998, 7, 1), MONTH)
    second = Person.objects.get(id_number=number(2))
    assert partial_date(second, "party_joined_on") == PartialDate(dt.date(1999, 1, 1), YEAR)
    third = Person.objects.get(id_number=number(3))
    assert partial_date(third, "party_joined_on") == PartialDate(dt.date(1998, 7, 1), MONTH)
    # 任职时间 2021.12: the term is known to the month, and so is its default end.
    post = first.posts.get()
    assert partial_date(post, "term_start") == PartialDate(dt.date(2021, 12, 1), MONTH)
    assert partial_date(post, "term_end") == PartialDate(dt.date(2026, 12, 1), MONTH)
    births = {
        relative.name: partial_date(relative, "birth_date")
        for relative in Relative.objects.filter(cadre=first)
    }
    assert births == {
        "李芳": PartialDate(SPOUSE_BIRTH),
        "王小明": PartialDate(dt.date(2005, 6, 1), MONTH),
        "王老汉": PartialDate(dt.date(1948, 1, 1), YEAR),
    }

    client.force_login(system_admin)
    page = client.get(reverse("cadres:detail", args=[first.pk])).content.decode()
    assert "1998.07" in page
    assert "<td>2005.06</td>" in page
    assert "<td>1948</td>" in page
    assert "<td>1974-03-09</td>" in page
    assert "1972-08-15" in page
    assert "<td>2021.12</td>" in page
    assert "<td>2026.12</td>" in page

    # The same file again finds everything as it is.
    again = roster_plan(actor=system_admin, source=io.BytesIO(data))
    assert {row.outcome for row in again.rows} == {Outcome.UNCHANGED}


def test_a_birth_date_is_compared_with_the_id_number_only_as_far_as_it_goes(system_admin, village):
    data = roster_bytes(
        [
            cadre_row(1, 出生日期="1972.09"),
            cadre_row(2, 出生日期="1973"),
            cadre_row(3, 出生日期="1972"),
            cadre_row(4, 出生日期="1972-08-15"),
            cadre_row(5, 出生日期="1972-08-16"),
        ],
        [
            {
                "干部身份证号": number(3),
                "姓名": "李芳",
                "关系": "妻子",
                "身份证号": number(50, SPOUSE_BIRTH, male=False),
                "出生日期": "1974.04",
            },
            {
                "干部身份证号": number(3),
                "姓名": "李芳",
                "关系": "妻子",
                "身份证号": number(51, SPOUSE_BIRTH, male=False),
                "出生日期": "1974年3月",
            },
        ],
    )
    plan = roster_plan(actor=system_admin, source=io.BytesIO(data))
    assert errors(plan) == [
        (2, "出生日期", DIFFERS),
        (3, "出生日期", DIFFERS),
        (6, "出生日期", DIFFERS),
        (2, "出生日期", DIFFERS),
    ]
    outcomes = [(row.sheet, row.row, row.outcome) for row in plan.rows]
    assert ("cadres", 4, Outcome.NEW) in outcomes
    assert ("cadres", 5, Outcome.NEW) in outcomes
    assert ("family", 3, Outcome.NEW) in outcomes
    # All or nothing.
    assert not roster_import(actor=system_admin, source=io.BytesIO(data)).ok
    assert not Person.objects.exists()


def test_the_export_writes_each_precision_and_reads_back_unchanged(client, system_admin):
    village = VillageFactory(name="民主村")
    person = PersonFactory(
        name="王元",
        id_number=number(1),
        party_joined_on=PartialDate(dt.date(1998, 7, 1), MONTH),
    )
    PostFactory(
        person=person,
        village=village,
        term_start=dt.date(2021, 12, 1),
        term_start_precision=MONTH,
        term_end=dt.date(2026, 1, 1),
        term_end_precision=YEAR,
    )
    RelativeFactory(
        cadre=person,
        name="王小明",
        relation=Relative.Relation.CHILD,
        id_number=None,
        birth_date=PartialDate(dt.date(2005, 6, 1), MONTH),
    )
    RelativeFactory(
        cadre=person,
        name="王老汉",
        relation=Relative.Relation.FATHER,
        id_number=None,
        birth_date=PartialDate(dt.date(1948, 1, 1), YEAR),
    )
    client.force_login(system_admin)
    data = client.get(reverse("cadres:list"), {"format": "xlsx"}).content
    book = load_workbook(io.BytesIO(data))
    cadres, family = (list(sheet.values) for sheet in book.worksheets)
    header = cadres[0]
    row = dict(zip(header, cadres[1], strict=False))
    assert row["出生日期"] == dt.datetime(1972, 8, 15)
    assert row["入党时间"] == "1998.07"
    assert (row["任职时间"], row["任期届满"]) == ("2021.12", "2026")
    assert {r[1]: r[4] for r in family[1:]} == {"王小明": "2005.06", "王老汉": "1948"}

    def snapshot():
        return [
            sorted(model.objects.values_list(*[f.attname for f in model._meta.concrete_fields]))
            for model in (Person, Post, Relative)
        ]

    before = snapshot()
    plan = roster_import(actor=system_admin, source=io.BytesIO(data))
    assert plan.ok, plan.errors
    assert {row.outcome for row in plan.rows} == {Outcome.UNCHANGED}
    assert snapshot() == before


def test_the_monthly_workbook_shows_dates_at_their_precision(db):
    village = VillageFactory(township=township("220502100"))
    for name, birth, term in (
        ("王元", PartialDate(dt.date(1972, 8, 1), MONTH), MONTH),
        ("李明", PartialDate(dt.date(1968, 1, 1), YEAR), DAY),
        ("张华", PartialDate(BIRTH), DAY),
    ):
        PostFactory(
            person=PersonFactory(name=name, id_number=None, birth_date=birth),
            village=village,
            term_start_precision=term,
        )
    report = monthly_report_build(month=Month(dt.date(2026, 10, 1)))
    with report.file.open("rb") as stream:
        roster = load_workbook(io.BytesIO(stream.read()))["干部花名册"]
    rows = {row[2]: row for row in roster.iter_rows(min_row=3, values_only=True)}
    assert {name: row[5] for name, row in rows.items()} == {
        "王元": "1972.08",
        "李明": "1968",
        "张华": dt.datetime(1972, 8, 15),
    }
    assert {name: row[10] for name, row in rows.items()} == {
        "王元": "2021.12",
        "李明": dt.datetime(2021, 12, 1),
        "张华": dt.datetime(2021, 12, 1),
    }
