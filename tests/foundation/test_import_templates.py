"""Every import's template: downloaded, opened, its lists checked, filled and imported."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.import_templates import TEMPLATE_ROWS
from cadres.models import ImportFile, Person, Relative
from cadres.roster import (
    EDUCATION_SYNONYMS,
    POLITICAL_SYNONYMS,
    RELATION_SYNONYMS,
    ethnicity_synonyms,
    parse_posts,
)
from cadres.spreadsheets import parse_choice
from cadres.xlsx_export import XLSX_CONTENT_TYPE
from tests.conftest import JINCHANG
from tests.factories import VillageFactory, cadre, make_id_number, township
from tests.jobs import run_queued_jobs
from tests.training.factories import AttendanceFactory, SessionFactory
from training.models import Attendance
from training.signin import STATUS_SYNONYMS
from vetting.models import CandidateCase, CandidateRelative, WatchlistEntry
from vetting.services import watchlists

pytestmark = pytest.mark.django_db

ROSTER = reverse("cadres:import_template")
WATCHLIST = reverse("vetting:watchlist_template")
NOMINATION = reverse("vetting:batch_template")


def signin_url(session) -> str:
    return reverse("training:signin_template", args=[session.pk])


def download(client, url: str, filename: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    return load_workbook(io.BytesIO(response.content))


def headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def validation_lists(book, sheet_name: str) -> dict[str, list[str]]:
    """The drop-down lists of a sheet by header (required marks dropped), read from the file."""
    sheet = book[sheet_name]
    found = {}
    for validation in sheet.data_validations.dataValidation:
        assert validation.type == "list"
        source, cells = validation.formula1.split("!")
        values = [row[0].value for row in book[source.strip("'")][cells.replace("$", "")]]
        first = str(validation.sqref).split(":")[0]
        assert first.endswith("2")
        assert str(validation.sqref).endswith(str(TEMPLATE_ROWS + 1))
        letter = first.rstrip("0123456789")
        found[headers(sheet)[column_index_from_string(letter) - 1].rstrip("*")] = values
    return found


def explained(book) -> dict[tuple[str, str], str]:
    """(sheet, column) → 是/否 (required) from the explanation sheet."""
    sheet = book["填写说明"]
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[:3] == ("工作表", "列名", "是否必填"))
    return {(row[0], row[1]): row[2] for row in rows[start + 1 :]}


def fill(book, sheet_name: str, rows: list[dict], *, start: int) -> None:
    """Write rows keyed by header label from row ``start`` on (2 replaces the example)."""
    sheet = book[sheet_name]
    labels = [header.rstrip("*") for header in headers(sheet)]
    for number, values in enumerate(rows, start=start):
        for label, value in values.items():
            sheet.cell(row=number, column=labels.index(label) + 1, value=value)


def saved(book) -> SimpleUploadedFile:
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("filled.xlsx", out.getvalue())


def assert_shaped(book, sheet_name: str, required: set[str], text: set[str]) -> None:
    """Headers with required marks, the example row, text formats and the frozen header."""
    sheet = book[sheet_name]
    marked = {h.rstrip("*") for h in headers(sheet) if h.endswith("*")}
    assert marked == required
    assert any(cell.value for cell in sheet[2])  # the example row
    assert sheet.freeze_panes == "A2"
    labels = [header.rstrip("*") for header in headers(sheet)]
    for label in text:
        column = labels.index(label) + 1
        assert sheet.cell(row=2, column=column).number_format == "@", label
        assert sheet.cell(row=TEMPLATE_ROWS + 1, column=column).number_format == "@", label
    explanation = explained(book)
    for label in labels:
        assert explanation[(sheet_name, label)] == ("是" if label in required else "否")


# The roster, with its family sheet ------------------------------------------------------------


def test_roster_template_imports_as_downloaded_and_filled(client, staff):
    VillageFactory(name="民主村", township=township(JINCHANG))
    client.force_login(staff)
    book = download(client, ROSTER, "roster-template.xlsx")
    assert book.sheetnames == ["干部花名册", "家庭成员", "填写说明", "下拉选项"]
    assert book["下拉选项"].sheet_state == "hidden"
    assert_shaped(
        book,
        "干部花名册",
        {"村", "姓名", "身份证号", "职务"},
        {"身份证号", "出生日期", "入党时间", "任职时间", "任期届满", "联系电话"},
    )
    assert_shaped(book, "家庭成员", {"干部身份证号", "姓名", "关系"}, {"干部身份证号", "身份证号"})
    lists = validation_lists(book, "干部花名册")
    assert set(lists) == {"性别", "民族", "政治面貌", "文化程度", "职务"}
    assert "满族" in lists["民族"]
    assert validation_lists(book, "家庭成员").keys() == {"关系"}

    # Keep the example cadre and relative, add a cadre and a relative of theirs below.
    number = make_id_number(dt.date(1979, 6, 1), 31, male=False)
    fill(
        book,
        "干部花名册",
        [
            {
                "村": "民主村",
                "姓名": "刘秀英",
                "性别": "女",
                "民族": "满族",
                "身份证号": number,
                "政治面貌": "群众",
                "文化程度": "高中",
                "职务": "村民委员会委员",
                "任职时间": "2021.12",
            }
        ],
        start=3,
    )
    fill(
        book,
        "家庭成员",
        [{"干部身份证号": number, "姓名": "王强", "关系": "配偶", "出生日期": "1977-03-02"}],
        start=3,
    )
    response = client.post(reverse("cadres:import_upload"), {"file": saved(book)})
    run_queued_jobs()  # the worker's check
    record = ImportFile.objects.get()
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    preview = client.get(response.url)
    assert preview.context["error_rows"] == 0, preview.context["rows"]
    client.post(reverse("cadres:import_confirm", args=[record.pk]))
    run_queued_jobs()  # the worker's import

    example = Person.objects.get(id_number="220502198503041232")
    assert (example.name, example.political_status, example.education) == (
        "王元",
        PoliticalStatus.CPC_MEMBER,
        Education.COLLEGE,
    )
    added = Person.objects.get(id_number=number)
    assert (added.sex, added.ethnicity) == (Sex.FEMALE, Ethnicity.MANCHU)
    relatives = Relative.objects.order_by("name").values_list("cadre__name", "name", "relation")
    assert list(relatives) == [("王元", "李芳", "spouse"), ("刘秀英", "王强", "spouse")]
    # A township role's rows name posts that start only through nomination.
    summary = ImportFile.objects.get().summary
    assert len(summary["nomination_rows"]) == 3


def test_roster_template_needs_the_import_permission(client, district_reviewer, staff):
    assert client.get(ROSTER).status_code == 302  # to the login page
    client.force_login(district_reviewer)
    assert client.get(ROSTER).status_code == 403
    client.force_login(staff)
    page = client.get(reverse("cadres:import_upload")).text
    assert ROSTER in page


# The watchlist ------------------------------------------------------------------------------


def test_watchlist_template_imports_through_the_page(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(district_reviewer)
    assert WATCHLIST in client.get(reverse("vetting:watchlist_upload")).text
    book = download(client, WATCHLIST, "watchlist-template.xlsx")
    assert book.sheetnames == ["名单", "填写说明", "下拉选项"]
    assert_shaped(book, "名单", {"姓名"}, {"身份证号", "出生日期", "决定日期"})
    assert validation_lists(book, "名单") == {"性别": ["男", "女"]}
    # The example row stays; a person without an ID number is added below it.
    fill(
        book,
        "名单",
        [{"姓名": "李某", "性别": "女", "出生日期": "1966.05", "处分种类": "开除党籍"}],
        start=3,
    )
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("vetting:watchlist_upload"),
            {"file": saved(book), "source": "区纪委监委处分名单", "kind": "party_discipline"},
        )
    record = ImportFile.objects.get()
    assert response.url == reverse("vetting:watchlist_preview", args=[record.pk])
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    record.refresh_from_db()
    assert record.status == ImportFile.Status.PREVIEWED, record.summary
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("vetting:watchlist_confirm", args=[record.pk]))
    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    entries = WatchlistEntry.objects.order_by("name").values_list(
        "name", "id_number", "birth_date", "measure", "deciding_body"
    )
    assert list(entries) == [
        ("张某某", "220502197809122356", dt.date(1978, 9, 12), "留党察看一年", "区纪委监委"),
        ("李某", None, dt.date(1966, 5, 1), "开除党籍", ""),
    ]


def test_watchlist_template_is_for_importers_only(client, staff):
    client.force_login(staff)
    assert client.get(WATCHLIST).status_code == 403


# The training sign-in sheet --------------------------------------------------------------------


def test_signin_template_imports_attendance(client, staff, other_staff):
    village = VillageFactory(township=township(JINCHANG), name="红旗村")
    present, _excused, absent = (cadre(village, name=name) for name in ("张伟", "李娜", "王强"))
    session = SessionFactory(organizer=township(JINCHANG))
    AttendanceFactory(session=session, person=present)
    client.force_login(staff)
    upload_page = reverse("training:signin", args=[session.pk])
    assert signin_url(session) in client.get(upload_page).text
    book = download(client, signin_url(session), "signin-template.xlsx")
    assert book.sheetnames == ["签到表", "填写说明", "下拉选项"]
    assert_shaped(book, "签到表", {"姓名"}, {"身份证号"})
    assert validation_lists(book, "签到表") == {"签到情况": ["参训", "缺训", "请假"]}
    # The example person is no cadre of the register: replaced by real rows.
    fill(
        book,
        "签到表",
        [
            {"姓名": "张伟", "身份证号": present.id_number, "签到情况": "实到"},
            {"姓名": "李娜", "村": "红旗村", "签到情况": "请假"},
            {"姓名": "王强", "身份证号": absent.id_number, "村": "红旗村", "签到情况": "缺席"},
        ],
        start=2,
    )
    response = client.post(upload_page, {"file": saved(book)})
    run_queued_jobs()
    preview = client.get(response["Location"])
    assert not preview.context["unmatched"]
    assert not preview.context["preview"]["errors"]
    assert client.post(response["Location"], {}).status_code == 302
    run_queued_jobs()
    statuses = dict(session.attendances.values_list("person__name", "status"))
    assert statuses == {"张伟": "present", "李娜": "excused", "王强": "absent"}
    # Another township's staff may not manage this session: no template either.
    client.force_login(other_staff)
    assert client.get(signin_url(session)).status_code == 404


# The batch nomination, with its family sheet ---------------------------------------------------


def test_nomination_template_imports_as_downloaded_and_filled(client, staff, other_staff):
    VillageFactory(name="民主村", township=township(JINCHANG))
    client.force_login(staff)
    assert NOMINATION in client.get(reverse("vetting:batch_upload")).text
    book = download(client, NOMINATION, "nomination-template.xlsx")
    assert book.sheetnames == ["推荐人选", "家庭成员", "填写说明", "下拉选项"]
    assert_shaped(
        book,
        "推荐人选",
        {"村", "姓名", "身份证号", "拟任职务", "任职时间", "推荐理由"},
        {"身份证号", "出生日期", "任职时间", "联系电话"},
    )
    assert_shaped(book, "家庭成员", {"人选身份证号", "姓名", "关系"}, {"人选身份证号", "身份证号"})
    lists = validation_lists(book, "推荐人选")
    assert set(lists) == {"性别", "民族", "政治面貌", "文化程度", "拟任职务"}
    number = make_id_number(dt.date(1988, 8, 8), 41)
    fill(
        book,
        "推荐人选",
        [
            {
                "村": "民主村",
                "姓名": "孙刚",
                "身份证号": number,
                "政治面貌": "中共预备党员",
                "文化程度": "大学本科",
                "拟任职务": "村民委员会主任",
                "任职时间": "2026-12-01",
                "推荐理由": "办事公道",
            }
        ],
        start=3,
    )
    fill(book, "家庭成员", [{"人选身份证号": number, "姓名": "孙父", "关系": "父亲"}], start=3)
    response = client.post(reverse("vetting:batch_upload"), {"file": saved(book)})
    assert response.status_code == 302, response.context and response.context["plan"].errors
    record = ImportFile.objects.get(kind=ImportFile.Kind.CANDIDATES)
    client.post(reverse("vetting:batch_confirm", args=[record.pk]))
    cases = CandidateCase.objects.order_by("name").values_list("name", "body", "title")
    assert sorted(cases) == [
        ("孙刚", "villagers_committee", "director"),
        ("赵明", "party_branch", "secretary"),
    ]
    relatives = CandidateRelative.objects.values_list("case__name", "name", "relation")
    assert sorted(relatives) == [("孙刚", "孙父", "father"), ("赵明", "李芳", "spouse")]
    client.force_login(other_staff)
    assert client.get(NOMINATION).status_code == 200  # the same template for every township


# Every value of every list is one the import accepts ----------------------------------------

PARSERS = {
    "性别": lambda v: parse_choice(v, Sex),
    "民族": lambda v: parse_choice(v, Ethnicity, synonyms=ethnicity_synonyms()),
    "政治面貌": lambda v: parse_choice(v, PoliticalStatus, synonyms=POLITICAL_SYNONYMS),
    "文化程度": lambda v: parse_choice(v, Education, synonyms=EDUCATION_SYNONYMS),
    "职务": lambda v: parse_posts(v)[0],
    "拟任职务": lambda v: parse_posts(v)[0],
    "关系": lambda v: parse_choice(v, Relative.Relation, synonyms=RELATION_SYNONYMS),
    "签到情况": lambda v: parse_choice(v, Attendance.Status, synonyms=STATUS_SYNONYMS),
}


def test_every_listed_value_is_accepted_by_its_import(client, staff, district_reviewer):
    session = SessionFactory(organizer=township(JINCHANG))
    client.force_login(staff)
    books = [
        download(client, ROSTER, "roster-template.xlsx"),
        download(client, NOMINATION, "nomination-template.xlsx"),
        download(client, signin_url(session), "signin-template.xlsx"),
    ]
    client.force_login(district_reviewer)
    books.append(download(client, WATCHLIST, "watchlist-template.xlsx"))
    checked = 0
    for book in books:
        for sheet in book.sheetnames[:-2]:
            for header, values in validation_lists(book, sheet).items():
                assert values, header
                assert len(values) == len(set(values)), header
                for value in values:
                    assert PARSERS[header](value), (header, value)
                    checked += 1
    assert checked > 56 + 9 + 7


def test_the_explanation_names_every_columns_synonyms(client, staff):
    client.force_login(staff)
    book = download(client, ROSTER, "roster-template.xlsx")
    rows = {(r[0], r[1]): r for r in book["填写说明"].iter_rows(values_only=True) if r[1]}
    id_number = rows[("干部花名册", "身份证号")]
    assert "公民身份号码" in id_number[4]
    assert "文本" in id_number[3]
    assert id_number[5] == "220502198503041232"
