"""Partial roster imports: the rows without errors in one transaction, the others as an
error workbook that imports again once corrected; the shared reader and writer behind it."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from cadres import roster
from cadres.error_workbook import ErrorWorkbook, error_workbook_from, row_reason
from cadres.models import AccessLogEntry, ImportFile, Person, Relative
from cadres.roster import roster_import, roster_plan
from cadres.spreadsheets import REASONS_HEADER, Column, RowError, SheetReport, read_sheet
from tests.cadres_import.test_roster import cadre_row
from tests.cadres_import.workbooks import (
    ROSTER_HEADERS,
    roster_bytes,
    workbook_bytes,
    workbook_edit,
    workbook_rows,
)
from tests.factories import VillageFactory, make_id_number, township
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db

NAMES = "一二三四五六七八九十"


def id_number(n: int) -> str:
    # 500 sequence numbers a birth date: a new date every 500 people.
    return make_id_number(dt.date(1970, 1, 1) + dt.timedelta(days=n // 500), n)


def row(n: int, **cells) -> dict:
    return cadre_row(
        n, 姓名=f"张{NAMES[n % 10]}{NAMES[n // 10 % 10]}", 身份证号=id_number(n), **cells
    )


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def upload(client, data: bytes, name="花名册.xlsx"):
    response = client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302
    run_queued_jobs()  # the worker's check
    return ImportFile.objects.latest("pk")


def confirm(client, record: ImportFile, data=None):
    """Confirm an upload and have the worker import it; returns its page then."""
    response = client.post(reverse("cadres:import_confirm", args=[record.pk]), data or {})
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    run_queued_jobs()
    return client.get(response.url)


# The reader and the writer ---------------------------------------------------------------


def test_the_reader_passes_over_the_reasons_column_in_silence():
    data = workbook_bytes(
        {"S": [["姓名", "备注", "错誤原因"], ["王元", "x", "「身份证号」：不对"]]}
    )
    report = SheetReport()
    (found,) = read_sheet(
        io.BytesIO(data), [Column("name", "姓名")], report=report, keep_unknown=True
    )
    assert found.extra == {"备注": "x"}
    assert report.ignored == ["备注"]
    assert report.reasons_column
    assert report.header == ["姓名", "备注", "错誤原因"]
    assert found.cells is None


def test_the_error_workbook_keeps_the_original_cells_and_names_the_columns():
    data = workbook_bytes(
        {
            "名单": [
                [None, "东昌区名单"],
                [None, "姓名", "身份证号", "出生日期", "说明"],
                [None, "甲", "220502197101010011", dt.datetime(1971, 1, 1), "+1-2"],
                [None, "乙", 12345, "1971.13", None],
            ]
        }
    )
    columns = [Column("name", "姓名"), Column("id_number", "身份证号")]
    report = SheetReport()
    assert len(list(read_sheet(io.BytesIO(data), columns, report=report))) == 2
    errors = {
        3: [RowError(3, "", "重复")],
        4: [RowError(4, "身份证号", "已变成数字"), RowError(4, "出生日期", "不是日期")],
    }
    book = error_workbook_from(io.BytesIO(data), [(report, errors)])
    assert book.rows == 2
    sheets = workbook_rows(book.content())
    assert list(sheets) == ["名单"]
    header, first, second = sheets["名单"]
    assert header == [None, "姓名", "身份证号", "出生日期", "说明", REASONS_HEADER]
    # Text stays text, dates stay dates; a formula is kept intact as text.
    assert first == [None, "甲", "220502197101010011", dt.datetime(1971, 1, 1), "+1-2", "重复"]
    assert second[:4] == [None, "乙", 12345, "1971.13"]
    assert second[-1] == "「身份证号」：已变成数字；「出生日期」：不是日期"
    assert row_reason([RowError(1, "", "a"), RowError(1, "", "a")]) == "a"
    # An empty one is still a workbook.
    assert workbook_rows(ErrorWorkbook().content()) == {"Sheet1": [[REASONS_HEADER]]}


# The roster ------------------------------------------------------------------------------


def test_one_bad_row_among_two_thousand(client, staff, other_staff, village):
    bad = 1234
    rows = [row(n) for n in range(2000)]
    rows[bad]["任职时间"] = "明年"
    wife = make_id_number(dt.date(1976, 5, 6), 3, male=False)
    family = [
        {"干部身份证号": id_number(1), "姓名": "李芳", "关系": "配偶", "身份证号": wife},
        {"干部身份证号": id_number(bad), "姓名": "赵敏", "关系": "配偶"},
    ]
    client.force_login(staff)
    record = upload(client, roster_bytes(rows, family))
    preview_url = reverse("cadres:import_preview", args=[record.pk])
    page = client.get(preview_url)
    assert (page.context["error_rows"], page.context["valid_rows"]) == (2, 2000)
    text = page.content.decode()
    assert "导入无误的行，跳过有误的行" in text
    errors_url = reverse("cadres:import_errors", args=[record.pk])
    assert errors_url in text

    # Without the choice: refused, nothing written.
    refused = confirm(client, record)
    assert "2 行有错误，未导入任何内容" in refused.content.decode()
    assert not Person.objects.exists()

    # The rows in error, with the family member who waits for its cadre.
    response = client.get(errors_url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    workbook = response.getvalue()
    sheets = workbook_rows(workbook)
    cadres, relatives = sheets["干部花名册"], sheets["家庭成员"]
    assert cadres[0] == [*ROSTER_HEADERS, REASONS_HEADER]
    assert len(cadres) == 2
    assert cadres[1][3] == rows[bad]["姓名"]
    assert cadres[1][-1].startswith("「任职时间」：")
    assert len(relatives) == 2
    assert relatives[1][1] == "赵敏"
    waits = f"该干部所在的第{bad + 2}行有误，此家庭成员随之跳过，待该行改正后一并导入。"
    assert relatives[1][-1] == f"「干部身份证号」：{waits}"
    entry = AccessLogEntry.objects.get(action=AccessLogEntry.Action.DOWNLOAD)
    assert (entry.user, entry.object_id) == (staff, str(record.pk))

    # Another township's staff may neither see nor download it.
    client.force_login(other_staff)
    assert client.get(errors_url).status_code == 404
    client.force_login(staff)

    # The rows without errors, in one go.
    response = confirm(client, record, {"skip_errors": "1"})
    assert "已导入2000行，跳过有误的行2行。" in response.content.decode()
    assert Person.objects.count() == 1999
    assert not Person.objects.filter(id_number=id_number(bad)).exists()
    assert list(Relative.objects.values_list("name", flat=True)) == ["李芳"]
    record.refresh_from_db()
    assert (record.status, record.summary["imported_rows"], record.summary["skipped_rows"]) == (
        ImportFile.Status.IMPORTED,
        2000,
        2,
    )
    page = client.get(preview_url).content.decode()
    assert "已导入2000行，跳过有误的行2行。" in page
    assert errors_url in page
    assert "导入无误的行，跳过有误的行" not in page

    # Corrected in the error workbook and uploaded again: it imports as it is.
    fixed = workbook_edit(workbook, "干部花名册", "M2", "2021-12-01")
    again = upload(client, fixed, "花名册-错误行.xlsx")
    page = client.get(reverse("cadres:import_preview", args=[again.pk]))
    assert page.context["error_rows"] == 0
    assert all(not sheet["warning"] for sheet in page.context["sheets"])
    confirm(client, again)
    assert Person.objects.count() == 2000
    assert Relative.objects.get(name="赵敏").cadre.id_number == id_number(bad)


def test_a_failed_row_leaves_no_trace_in_the_plan(staff, village):
    rows = [
        row(1, 职务="村委会主任"),
        # Claims the secretary's post, then fails on the director's that row 3 holds.
        row(2, 职务="村党组织书记、村委会主任"),
        row(3, 职务="村党组织书记"),
        # The same person again: a new phone and post, then row 2's director's post: it
        # fails, and the person's plan stands as row 4 left it.
        row(3, 职务="村党组织委员、村委会主任", 联系电话="13900000000"),
    ]
    plan = roster_plan(actor=staff, source=io.BytesIO(roster_bytes(rows)))
    failed = [(r.row, bool(r.errors)) for r in plan.rows]
    assert failed == [(2, False), (3, True), (4, False), (5, True)]
    assert set(plan.persons) == {id_number(1), id_number(3)}
    third = plan.persons[id_number(3)]
    assert [(p.body, p.title) for p in third.nominations] == [("party_branch", "secretary")]
    assert third.fields["phone"] == "13800138000"


def test_nothing_is_written_when_the_write_fails_midway(staff, village, monkeypatch):
    rows = [row(n) for n in range(30)]
    rows[7]["任职时间"] = "明年"

    def fail(*args, **kwargs):
        raise DatabaseError("connection lost")

    # People are written first, a batch at a time; the posts of the batch then fail.
    monkeypatch.setattr(roster, "_write_posts", fail)
    with pytest.raises(DatabaseError):
        roster_import(actor=staff, source=io.BytesIO(roster_bytes(rows)), skip_errors=True)
    assert not Person.objects.exists()


def test_a_file_of_errors_only_writes_nothing(staff, village):
    plan = roster_import(
        actor=staff, source=io.BytesIO(roster_bytes([row(1, 职务="村长")])), skip_errors=True
    )
    assert not plan.written
    assert not Person.objects.exists()


def test_family_rows_alone_in_error_come_back_with_the_cadre_sheet_empty(client, staff, village):
    family = [
        {"干部身份证号": id_number(1), "姓名": "李芳", "关系": "配偶"},
        {"干部身份证号": id_number(2), "姓名": "王强", "关系": "朋友"},
    ]
    client.force_login(staff)
    record = upload(client, roster_bytes([row(1), row(2)], family))
    confirm(client, record, {"skip_errors": "1"})
    assert Person.objects.count() == 2
    assert list(Relative.objects.values_list("name", flat=True)) == ["李芳"]
    workbook = client.get(reverse("cadres:import_errors", args=[record.pk])).getvalue()
    sheets = workbook_rows(workbook)
    # The cadre sheet stays first, empty, so that the family sheet is read as such.
    assert sheets["干部花名册"] == [[*ROSTER_HEADERS, REASONS_HEADER]]
    assert sheets["家庭成员"][1][-1].startswith("「关系」：")
    again = upload(client, workbook_edit(workbook, "家庭成员", "C2", "其他"), "错误行.xlsx")
    assert client.get(reverse("cadres:import_preview", args=[again.pk])).context["error_rows"] == 0
    confirm(client, again)
    assert Relative.objects.get(name="王强").cadre.id_number == id_number(2)


def test_the_error_workbook_download_query_count_does_not_grow(client, staff, village):
    client.force_login(staff)
    records = [upload(client, roster_bytes([row(n, 职务="村长") for n in range(2)]))]
    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:import_errors", args=[records[-1].pk])),
        lambda: records.append(
            upload(client, roster_bytes([row(n, 职务="村长") for n in range(60)]))
        ),
    )
    assert len(workbook_rows(response.getvalue())["干部花名册"]) == 61
