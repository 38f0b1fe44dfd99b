"""The monthly workbook as the organization department prints and forwards it (issue 21):
every sheet titled and set up for A4, names on candidate hits, the supervision sheet's
cadres, overdue rectifications and audits, total rows, and the 制度管理 sheet against a
hand-counted fixture."""

import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook

from cadres.dates import MONTH
from cadres.models import Person, Post
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    DutyShift,
    GradingRule,
    PersonalReport,
    PioneerProject,
    SecretaryFiling,
)
from dongchang.reports import SHEETS, Month, build_workbook
from supervision.models import Audit
from tests.factories import (
    PersonFactory,
    PostFactory,
    UserFactory,
    VillageFactory,
    cadre,
    hanzi_number,
    make_id_number,
    township,
)
from tests.querycount import assert_queries_flat
from tests.supervision.factories import AuditFactory, SupervisionRecordFactory

pytestmark = pytest.mark.django_db

OCTOBER = Month(dt.date(2026, 10, 1))
TITLE = "东昌区村干部队伍管理月报（2026年10月）"
# Built early in November, as beat builds it.
NOVEMBER_2 = dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC)


def build(month: Month = OCTOBER):
    stream = io.BytesIO()
    with time_machine.travel(NOVEMBER_2, tick=False):
        build_workbook(month, stream)
    stream.seek(0)
    return load_workbook(stream)


def header(sheet) -> list:
    return [cell.value for cell in sheet[2]]


def rows(sheet) -> list[list]:
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]


def records(sheet) -> list[dict]:
    names = header(sheet)
    return [dict(zip(names, row, strict=True)) for row in rows(sheet)]


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), dt.UTC)


def secretary_post(village, **person) -> Post:
    return PostFactory(
        person=PersonFactory(**person), village=village, body="party_branch", title="secretary"
    )


# Sheets, print setup -------------------------------------------------------------------


def test_every_sheet_is_titled_and_set_up_to_print(db):
    cadre(VillageFactory(township=township("220502100")), name="王元")
    workbook = build()
    # Every sheet but 换届前后对比, which waits for an election's first confirmation.
    assert len(workbook.sheetnames) == len(SHEETS) - 1
    for sheet in workbook.worksheets:
        assert sheet["A1"].value == f"{TITLE} — {sheet.title}", sheet.title
        assert sheet["A1"].font.bold
        assert [str(merged)[:3] for merged in sheet.merged_cells.ranges] == ["A1:"]
        assert sheet.freeze_panes == "A3"
        assert sheet.print_title_rows == "$1:$2"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.paperSize == 9  # A4
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.auto_filter.ref.startswith("A2:")
    roster = workbook["干部花名册"]
    widths = {cell.value: roster.column_dimensions[cell.column_letter].width for cell in roster[2]}
    # 18 digits, and a header of CJK characters counted double.
    assert widths["身份证号"] == 20
    assert widths["乡镇（街道）"] == len("乡镇（街道）") * 2 + 2


def test_dates_at_their_precision_and_formula_like_text_as_text(db):
    village = VillageFactory(township=township("220502100"))
    person = cadre(village, name="王元", birth=dt.date(1980, 5, 1))
    Person.objects.filter(pk=person.pk).update(birth_date_precision=MONTH)  # known as 1980.05
    SupervisionRecordFactory(village=village, date=dt.date(2026, 10, 3), findings="=1+2")
    SupervisionRecordFactory(village=village, date=dt.date(2026, 10, 4), findings="@SUM(A1)")
    workbook = build()
    roster = records(workbook["干部花名册"])
    assert roster[0]["出生日期"] == "1980.05"
    supervision = workbook["监督管理"]
    cells = [row[6] for row in supervision.iter_rows(min_row=3)]
    assert [cell.value for cell in cells] == ["=1+2", "@SUM(A1)"]
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in cells)


# 汇总 and 培训覆盖: total rows ---------------------------------------------------------------


def test_summary_has_a_total_row_that_counts_each_person_once(db):
    jinchang = VillageFactory(township=township("220502100"))
    huantong = VillageFactory(township=township("220502200"))
    both = secretary_post(jinchang, name="王元").person
    PostFactory(person=both, village=jinchang, body="villagers_committee", title="director")
    cadre(jinchang, name="李四")
    cadre(huantong, name="张伟")
    workbook = build()
    summary = records(workbook["汇总"])
    total = summary[-1]
    assert total["乡镇（街道）"] == "合计"
    assert total["在任干部"] == 3  # 王元 holds two posts: one person
    assert total["村党组织"] == 1
    assert total["村民委员会"] == 3
    assert sum(row["在任干部"] for row in summary[:-1]) == 3
    assert workbook["汇总"].cell(row=len(summary) + 2, column=1).font.bold
    coverage = records(workbook["培训覆盖"])
    assert coverage[-1]["乡镇（街道）"] == "合计"
    assert coverage[-1]["在任干部"] == 3
    # The autofilter leaves the total row out, so sorting never moves it.
    assert workbook["汇总"].auto_filter.ref.endswith(str(len(summary) + 1))


# 排查预警: candidates are named ----------------------------------------------------------


def test_hits_on_candidates_and_their_relatives_show_name_and_number(db):
    from tests.vetting.factories import import_list
    from tests.vetting_candidates.factories import Cast

    cast = Cast()
    candidate_number = make_id_number(dt.date(1985, 3, 3), 71)
    relative_number = make_id_number(dt.date(1960, 8, 9), 72, male=False)
    with time_machine.travel(at(dt.date(2026, 10, 12)), tick=False):
        import_list(
            cast.district_reviewer,
            [
                {"name": "赵强", "id_number": candidate_number, "measure": "开除党籍"},
                {"name": "钱芳", "id_number": relative_number, "measure": "判处有期徒刑"},
            ],
        )
        cast.submitted(
            name="赵强",
            id_number=candidate_number,
            village=VillageFactory(township=township("220502100")),
            relatives=[{"name": "钱芳", "id_number": relative_number, "relation": "spouse"}],
        )
    hits = {row["对象类别"]: row for row in records(build()["排查预警"])}
    assert hits["拟任人选"]["姓名"] == "赵强"
    assert hits["拟任人选"]["身份证号"] == candidate_number
    assert hits["人选家庭成员"]["姓名"] == "钱芳"
    assert hits["人选家庭成员"]["身份证号"] == relative_number
    assert hits["拟任人选"]["乡镇（街道）"] == "金厂镇"


# 监督管理 --------------------------------------------------------------------------------


def test_supervision_names_the_cadres_and_tells_overdue_rectifications(db):
    village = VillageFactory(township=township("220502100"), name="金厂村")
    wang = secretary_post(village, name="王元").person
    li = cadre(village, name="李四")
    overdue = SupervisionRecordFactory(
        village=village,
        date=dt.date(2026, 10, 3),
        findings="账目未公开",
        rectification="补公开",
        rectification_deadline=dt.date(2026, 10, 20),
    )
    overdue.cadres.set([li, wang])
    SupervisionRecordFactory(
        village=village,
        date=dt.date(2026, 9, 10),
        findings="九月发现的问题",
        rectification="整改",
        rectification_deadline=dt.date(2026, 11, 15),
    )
    SupervisionRecordFactory(
        village=village,
        date=dt.date(2026, 10, 5),
        findings="已整改的问题",
        rectification="整改",
        rectification_deadline=dt.date(2026, 10, 30),
        rectified_on=dt.date(2026, 10, 10),
    )
    SupervisionRecordFactory(village=village, date=dt.date(2026, 9, 1), findings="九月已了结")
    by_findings = {row["内容"]: row for row in records(build()["监督管理"])}
    assert by_findings["账目未公开"]["干部"] == "李四、王元"  # in pinyin order
    assert by_findings["账目未公开"]["状态"] == "逾期未整改"
    # Open in October though recorded in September, and not yet due.
    assert by_findings["九月发现的问题"]["状态"] == "待整改"
    assert by_findings["已整改的问题"]["状态"] == "已整改"
    assert "九月已了结" not in by_findings


def test_audits_under_way_in_the_month_are_listed(db):
    village = VillageFactory(township=township("220502100"), name="金厂村")
    post = secretary_post(village, name="王元")
    with time_machine.travel(at(dt.date(2026, 10, 8)), tick=False):
        # Opened by the system when a post ended: no completion date, no period.
        AuditFactory(
            village=village, kind=Audit.Kind.DEPARTURE, post=post, period_start=None,
            period_end=None, findings="离任交接",
        )  # fmt: skip
    with time_machine.travel(at(dt.date(2026, 3, 1)), tick=False):
        AuditFactory(village=village, findings="三月开始仍在审计", status="in_progress")
        AuditFactory(
            village=village, findings="八月已完成", status="completed",
            completed_on=dt.date(2026, 8, 1), period_start=dt.date(2024, 1, 1),
            period_end=dt.date(2024, 12, 31),
        )  # fmt: skip
    with time_machine.travel(at(dt.date(2026, 11, 1)), tick=False):
        AuditFactory(
            village=village, findings="十一月才开始", period_start=dt.date(2023, 1, 1),
            period_end=dt.date(2023, 12, 31),
        )  # fmt: skip
    audits = {row["内容"]: row for row in records(build()["监督管理"]) if row["类别"] == "审计"}
    assert set(audits) == {"离任交接", "三月开始仍在审计"}
    assert audits["离任交接"]["干部"] == "王元"
    assert audits["离任交接"]["类型"] == "离任审计"
    assert audits["离任交接"]["状态"] == "计划"


# 制度管理: a hand-counted fixture ----------------------------------------------------------


@pytest.fixture
def systems():
    """金厂镇: villages 甲 and 乙; 环通乡: village 丙. What each counts is said beside it."""
    user = UserFactory()
    rule = GradingRule.objects.get(active=True)
    jia = VillageFactory(township=township("220502100"), name="甲村")
    yi = VillageFactory(township=township("220502100"), name="乙村")
    bing = VillageFactory(township=township("220502200"), name="丙村")
    wang = secretary_post(jia, name="王元")
    zhao = secretary_post(yi, name="赵刚")
    sun = secretary_post(bing, name="孙丽")
    li = cadre(jia, name="李四")
    zhou = cadre(bing, name="周敏")

    def filing(post, number, filed_on, status="submitted", reason=""):
        SecretaryFiling.objects.create(
            village=post.village, post=post, person=post.person, filing_number=number,
            filed_on=filed_on, status=status, filed_by=user, return_reason=reason,
        )  # fmt: skip

    filing(wang, "备一", dt.date(2026, 3, 1), "confirmed")  # filed
    filing(zhao, "备二", dt.date(2026, 3, 2), "returned", "材料不全")  # returned: not filed
    filing(zhao, "备三", dt.date(2026, 11, 5))  # after the month: not filed at its end
    filing(sun, "备四", dt.date(2026, 10, 2))  # awaiting confirmation: filed

    def report(person, village, year, kind="annual", on=dt.date(2026, 3, 10)):
        PersonalReport.objects.create(
            person=person, village=village, year=year, kind=kind, content="无变化",
            reported_on=on, submitted_by=user,
        )  # fmt: skip

    report(wang.person, jia, 2026)  # reported
    report(li, jia, 2025)  # last year's
    report(zhao.person, yi, 2026, kind="change")  # a change, not the annual report
    report(zhou, bing, 2026, on=dt.date(2026, 11, 3))  # after the month

    def project(post, year, status="claimed", completed_on=None):
        PioneerProject.objects.create(
            village=post.village, person=post.person, year=year, title="党建引领", goals="目标",
            milestones="节点", status=status, completed_on=completed_on, claimed_by=user,
        )  # fmt: skip

    project(wang, 2026)  # claimed, in progress
    project(zhao, 2026, "completed", dt.date(2026, 9, 30))  # claimed and completed
    project(wang, 2025, "completed", dt.date(2025, 11, 1))  # last year's

    def evaluation(post, year, grade, on):
        AnnualEvaluation.objects.create(
            person=post.person, village=post.village, year=year, performance=80, discipline=80,
            reputation=80, total=80, grade=grade, rule=rule, evaluator="镇党委",
            evaluated_on=on, recorded_by=user,
        )  # fmt: skip

    evaluation(wang, 2026, "excellent", dt.date(2026, 10, 20))
    evaluation(zhao, 2025, "competent", dt.date(2025, 12, 20))  # last year's: 赵刚 not evaluated
    evaluation(sun, 2026, "basic", dt.date(2026, 6, 1))

    roster = DutyRoster.objects.create(
        village=jia, period="month", starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2026, 10, 31),
        created_by=user,
    )  # fmt: skip
    for person, day, outcome in [
        (li, dt.date(2026, 10, 5), "missed"),  # counted
        (wang.person, dt.date(2026, 10, 6), "done"),
        (wang.person, dt.date(2026, 9, 28), "missed"),  # September
    ]:
        DutyShift.objects.create(
            roster=roster, person=person, date=day, start_time=dt.time(8), end_time=dt.time(12),
            outcome=outcome,
        )  # fmt: skip
    return {"jia": jia, "yi": yi, "bing": bing}


def test_management_sheet_against_a_hand_count(systems):
    sheet = build()["制度管理"]
    assert header(sheet) == [
        "乡镇（街道）", "村党组织书记", "已备案", "备案率（%）", "在任干部", "已报告个人事项",
        "个人事项报告率（%）", "村数", "头雁项目认领", "头雁项目完成", "优秀", "称职", "基本称职",
        "不称职", "未评议人数", "未评议书记", "本月缺岗值班",
    ]  # fmt: skip
    by_township = {row["乡镇（街道）"]: list(row.values())[1:] for row in records(sheet)}
    assert by_township["金厂镇"] == [2, 1, 50, 3, 1, 33.3, 2, 2, 1, 1, 0, 0, 0, 1, "乙村 赵刚", 1]
    assert by_township["环通乡"] == [1, 1, 100, 2, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, None, 0]
    assert by_township["江东乡"] == [0, 0, None, 0, 0, None, 0, 0, 0, 0, 0, 0, 0, 0, None, 0]
    assert by_township["合计"] == [3, 2, 66.7, 5, 1, 20, 3, 2, 1, 1, 0, 1, 0, 1, None, 1]


def test_building_the_workbook_does_not_query_per_row(systems):
    SupervisionRecordFactory(village=systems["jia"], date=dt.date(2026, 10, 9))

    def more():
        for n in range(3):
            village = VillageFactory(township=township("220502100"), name=f"新{hanzi_number(n)}村")
            post = secretary_post(village)
            cadre(village)
            PersonalReport.objects.create(
                person=post.person, village=village, year=2026, kind="annual", content="无",
                reported_on=dt.date(2026, 5, 1), submitted_by=UserFactory(),
            )  # fmt: skip
            SupervisionRecordFactory(village=village, date=dt.date(2026, 10, 9)).cadres.set(
                [post.person]
            )
            AuditFactory(
                village=village, kind="term_end", post=post, period_start=None, period_end=None
            )

    assert_queries_flat(lambda: build_workbook(OCTOBER, io.BytesIO()), more)
