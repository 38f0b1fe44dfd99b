"""Every import reads a messy real file alike: title and merged rows above the header, the
header again mid-sheet, footer rows, unknown columns; the preview says what it skipped and
how it read the columns, and unknown columns can be kept."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.models import ImportFile, Person
from tests.cadres_import.test_roster import cadre_row
from tests.cadres_import.workbooks import FAMILY_HEADERS, messy_sheet, workbook_bytes
from tests.factories import VillageFactory, cadre, make_id_number, township
from tests.jobs import run_queued_jobs
from tests.vetting.factories import run_inline, upload
from vetting.models import Hit, WatchlistEntry
from vetting.services import watchlists

pytestmark = pytest.mark.django_db

SKIPPED_LINES = (
    "跳过1行空行",
    "跳过1行重复的表头行",
    "跳过8行合计、落款行",
    "跳过1行仅有标签和数字的行",
)


def _book(headers, data, sheets=None):
    rows, merges, _skipped = messy_sheet(headers, data)
    return workbook_bytes({"名单": rows, **(sheets or {})}, merges={"名单": merges})


# Watchlist ---------------------------------------------------------------------------

LIST_HEADERS = [
    "序号",
    "姓名",
    "公民身份号码",
    "处理种类",
    "简要案情",
    "处理单位",
    "处理时间",
    "籍贯",
]


def _list_rows(count, first_number):
    return [
        [
            i + 1,
            f"某{'甲乙丙丁戊己庚辛'[i]}",
            first_number if i == 0 else make_id_number(dt.date(1970, 1, 1), 100 + i),
            "撤销党内职务",
            "违规发放补贴",
            "区纪委监委",
            "2024-05-06",
            "吉林通化",
        ]
        for i in range(count)
    ]


def test_watchlist_preview_reports_and_keeps_unknown_columns(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    person = cadre(name="某甲")
    client.force_login(district_reviewer)
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("vetting:watchlist_upload"),
            {
                "file": upload(_book(LIST_HEADERS, _list_rows(6, person.id_number))),
                "source": "纪委名单",
                "kind": "party_discipline",
            },
        )
    record = ImportFile.objects.get()
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    page = client.get(response.url).text
    assert "读取6行" in page
    for line in SKIPPED_LINES:
        assert line in page
    assert "<td>处理种类</td><td>处分种类</td>" in page
    assert "<td>简要案情</td><td>简要情况</td>" in page
    assert "<td>处理单位</td><td>决定机关</td>" in page
    assert "<td>处理时间</td><td>决定日期</td>" in page
    assert "以下列未导入：序号、籍贯。" in page
    assert 'name="keep_unknown"' in page

    client.post(reverse("vetting:watchlist_confirm", args=[record.pk]), {"keep_unknown": "1"})
    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    entries = WatchlistEntry.objects.order_by("pk")
    assert entries.count() == 6
    entry = entries.first()
    assert (entry.measure, entry.description, entry.deciding_body, entry.decided_on) == (
        "撤销党内职务",
        "违规发放补贴",
        "区纪委监委",
        dt.date(2024, 5, 6),
    )
    assert entry.extra == {"序号": "1", "籍贯": "吉林通化"}
    run_inline()
    hit = Hit.objects.get(entry=entry)
    detail = client.get(reverse("vetting:hit_detail", args=[hit.pk])).text
    assert "<dt>籍贯</dt><dd>吉林通化</dd>" in detail
    assert "撤销党内职务" in detail


def test_watchlist_without_keeping_leaves_extra_null(district_reviewer):
    from cadres.services import import_file_store

    stored, _earlier = import_file_store(
        actor=district_reviewer,
        upload=upload(_book(LIST_HEADERS, _list_rows(4, make_id_number(dt.date(1970, 1, 1), 9)))),
        kind=ImportFile.Kind.WATCHLIST,
    )
    watchlists.watchlist_import(
        actor=district_reviewer, import_file=stored, source_name="纪委名单", kind="party_discipline"
    )
    assert list(WatchlistEntry.objects.values_list("extra", flat=True)) == [None] * 4


def test_one_bad_watchlist_row_among_many_is_named_in_chinese(client, district_reviewer):
    rows = _list_rows(6, make_id_number(dt.date(1970, 1, 1), 9))
    rows[4][6] = "2024-13-45"
    check = watchlists.watchlist_file_check(
        source=SimpleUploadedFile("名单.xlsx", _book(LIST_HEADERS, rows))
    )
    assert check.error_count == 1
    # The sheet: title 1, unit line 2, header 3, rows 4–6, blank 7, header 8, rows 9–11.
    # The row is the file's own row number; the column is named by the field it feeds.
    assert str(check.errors[0]) == "第10行「决定日期」：“2024-13-45”不是有效日期。"
    assert check.report.skipped_total == 11


# Roster ------------------------------------------------------------------------------

ROSTER_HEADERS = [
    "序号",
    "乡镇",
    "村",
    "姓名",
    "身份证号",
    "现任职务",
    "任职时间",
    "职称",
    "备注",
    "学历学位",
]


def test_roster_preview_reports_both_sheets_and_keeps_unknown_columns(client, staff):
    VillageFactory(name="民主村", township=township("220502100"))
    people = [
        cadre_row(n, 序号=n, 职称="助理农艺师", 备注="1998.07", 学历学位="大专")
        for n in (1, 2, 3, 4)
    ]
    data = [[row.get(h, row["职务"]) for h in ROSTER_HEADERS] for row in people]
    family_rows, family_merges, _ = messy_sheet(
        [*FAMILY_HEADERS, "政治面貌"],
        [[people[0]["身份证号"], "李芳", "配偶", None, "1987-05-06", "务农", "群众"]] * 1
        + [[people[1]["身份证号"], "王丽", "配偶", None, "1988-01-02", "务农", "群众"]],
    )
    rows, merges, _ = messy_sheet(ROSTER_HEADERS, data)
    content = workbook_bytes(
        {"干部花名册": rows, "家庭成员": family_rows},
        merges={"干部花名册": merges, "家庭成员": family_merges},
    )
    client.force_login(staff)
    response = client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", content)}
    )
    run_queued_jobs()  # the worker's check
    page = client.get(response.url).content.decode()
    assert "工作表“干部花名册”的读取情况（表头在第3行）" in page
    assert "工作表“家庭成员”的读取情况" in page
    assert "<td>学历学位</td><td>文化程度</td>" in page
    assert "以下列未导入：序号、职称、备注。" in page
    assert "以下列未导入：政治面貌。" in page
    for line in SKIPPED_LINES:
        assert line in page
    confirm = reverse("cadres:import_confirm", args=[ImportFile.objects.get().pk])
    assert f'action="{confirm}"' in page  # offered only when no row is in error
    client.post(confirm, {"keep_unknown": "1"})
    run_queued_jobs()  # the worker's import
    person = Person.objects.get(id_number=people[0]["身份证号"])
    assert person.extra == {"序号": "1", "职称": "助理农艺师", "备注": "1998.07"}
    assert person.get_education_display() == "大学专科"
    assert person.relatives.count() == 1
    profile = client.get(reverse("cadres:detail", args=[person.pk])).content.decode()
    assert "<dt>备注</dt><dd>1998.07</dd>" in profile
