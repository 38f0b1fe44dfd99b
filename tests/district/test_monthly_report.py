import datetime as dt
import hashlib
import io
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from cadres import jobs
from cadres.ages import AGE_BANDS
from cadres.models import AccessLogEntry, Job, Post
from dongchang.models import MonthlyReport
from dongchang.reports import SHEETS, Month
from dongchang.services import monthly_report_build
from dongchang.tasks import monthly_report_scheduled
from tests.factories import PersonFactory, PostFactory, VillageFactory, cadre, township

pytestmark = pytest.mark.django_db

OCTOBER = Month(dt.date(2026, 10, 1))


@pytest.fixture
def known_data():
    """Two townships; a secretary who is also director, a member, a post that ended in October."""
    jinchang = VillageFactory(township=township("220502100"), name="金厂村")
    huantong = VillageFactory(township=township("220502200"), name="环通村")
    secretary = PersonFactory(
        name="王元", birth=dt.date(1980, 5, 1), political_status="cpc_member", education="college"
    )
    PostFactory(person=secretary, village=jinchang, body="party_branch", title="secretary")
    PostFactory(person=secretary, village=jinchang, body="villagers_committee", title="director")
    member = cadre(huantong, name="李", birth=dt.date(1995, 3, 3))
    # A name written before names were checked: the export neutralizes what it still finds.
    member.name = "李=HYPERLINK"
    member.political_status = "masses"
    member.save()
    left = PostFactory(
        person=PersonFactory(name="张伟", birth=dt.date(1960, 1, 1)),
        village=jinchang,
        term_start=dt.date(2026, 10, 10),
        ended_on=dt.date(2026, 10, 31),
        end_reason=Post.EndReason.RESIGNED,
    )
    return {"secretary": secretary, "member": member, "left": left}


def load(report: MonthlyReport):
    with report.file.open("rb") as stream:
        return load_workbook(io.BytesIO(stream.read()))


def rows(sheet):
    """The data rows, under the title row and the header (a total row included)."""
    return [[cell.value for cell in row] for row in sheet.iter_rows(min_row=3)]


def test_workbook_contents_cell_by_cell(known_data):
    report = monthly_report_build(month=OCTOBER)
    workbook = load(report)
    assert workbook.sheetnames[:3] == ["汇总", "干部花名册", "本月变动"]

    summary = workbook["汇总"]
    header = [cell.value for cell in summary[2]]
    by_township = {row[0]: dict(zip(header, row, strict=True)) for row in rows(summary)}
    assert by_township["金厂镇"]["在任干部"] == 1  # the resigned member left on 31 October
    assert by_township["金厂镇"]["村党组织"] == 1
    assert by_township["金厂镇"]["村民委员会"] == 1
    assert by_township["金厂镇"][str(AGE_BANDS[2][1])] == 1
    assert by_township["金厂镇"]["党员"] == 1
    assert by_township["金厂镇"]["大学专科"] == 1
    assert by_township["环通乡"]["在任干部"] == 1
    assert by_township["环通乡"][str(AGE_BANDS[0][1])] == 1
    assert by_township["环通乡"]["党员"] == 0
    assert by_township["江东乡"]["在任干部"] == 0

    roster = workbook["干部花名册"]
    assert [c.value for c in roster[2]][:3] == ["乡镇（街道）", "村", "姓名"]
    secretary_row = next(row for row in rows(roster) if row[2] == "王元")
    assert secretary_row[0] == "金厂镇"
    assert secretary_row[6] == known_data["secretary"].id_number
    assert roster.cell(row=3, column=7).number_format == "@"
    assert secretary_row[9] == "村党组织书记、村民委员会主任"
    assert isinstance(secretary_row[5], dt.datetime)
    assert len(rows(roster)) == 2
    assert roster.freeze_panes == "A3"
    assert secretary_row[13:] == ["名册导入、名册导入", "否"]
    assert roster.auto_filter.ref == "A2:O4"

    changes = rows(workbook["本月变动"])
    assert [row[5] for row in changes] == ["任职", "离任"]
    assert changes[1][7] == "辞职"
    assert report.row_counts == {
        "汇总": 11, "干部花名册": 2, "本月变动": 2, "资格审查": 0, "排查预警": 0, "教育培训": 0,
        "培训覆盖": 2, "监督管理": 0, "制度管理": 11, "队伍结构": 2,
    }  # fmt: skip


def test_formulas_are_neutralized(known_data):
    workbook = load(monthly_report_build(month=OCTOBER))
    names = [row[2] for row in rows(workbook["干部花名册"])]
    assert "李=HYPERLINK" in names  # not at the start: left alone
    # A value that starts with a trigger is kept intact, in a cell marked as text.
    known_data["member"].name = "=cmd|' /C calc'!A0"
    known_data["member"].save()
    workbook = load(monthly_report_build(month=OCTOBER))
    names = [row[2] for row in rows(workbook["干部花名册"])]
    assert "=cmd|' /C calc'!A0" in names
    sheet = workbook["干部花名册"]
    cells = [
        cell for row in sheet.iter_rows() for cell in row if cell.value == "=cmd|' /C calc'!A0"
    ]
    assert cells
    assert all(cell.quotePrefix and cell.data_type == "s" for cell in cells)


def test_names_sort_by_pinyin_within_a_village():
    # Registered in reverse: by code point or by registration, 赵 would come before 阿.
    pinyin_order = ["阿", "白", "张三", "张三丰", "章", "赵"]
    village = VillageFactory(township=township("220502100"))
    for name in reversed(pinyin_order):
        PostFactory(person=PersonFactory(name=name), village=village)
        PostFactory(
            person=PersonFactory(name=name), village=village, term_start=dt.date(2026, 10, 9)
        )
    workbook = load(monthly_report_build(month=OCTOBER))
    roster = [row[2] for row in rows(workbook["干部花名册"])]
    assert roster == [name for name in pinyin_order for _twice in (1, 2)]
    assert [row[2] for row in rows(workbook["本月变动"])] == pinyin_order


def test_month_boundary_in_asia_shanghai(known_data):
    # 2026-11-01 01:00 in Shanghai is still 31 October in UTC: the report is for October.
    with time_machine.travel(dt.datetime(2026, 10, 31, 17, 30, tzinfo=dt.UTC), tick=False):
        call_command("monthly_export")
    assert MonthlyReport.objects.get().month == dt.date(2026, 10, 1)
    assert OCTOBER.bounds()[0].isoformat() == "2026-10-01T00:00:00+08:00"
    assert OCTOBER.last == dt.date(2026, 10, 31)


def test_rebuilding_replaces_the_file_and_keeps_one_row(known_data):
    first = monthly_report_build(month=OCTOBER)
    first_path = Path(first.file.path)
    PostFactory(village=VillageFactory(), term_start=dt.date(2026, 10, 5))
    second = monthly_report_build(month=OCTOBER)
    assert MonthlyReport.objects.count() == 1
    assert second.pk == first.pk
    assert second.sha256 != first.sha256
    assert Path(second.file.path) == first_path
    assert not list(first_path.parent.glob("*.part"))
    assert hashlib.sha256(first_path.read_bytes()).hexdigest() == second.sha256


@pytest.mark.django_db(transaction=True)
def test_two_builds_at_once_give_one_report(reference_data):
    VillageFactory()
    errors = []

    def build():
        try:
            monthly_report_build(month=OCTOBER)
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = MonthlyReport.objects.get()
    assert hashlib.sha256(Path(report.file.path).read_bytes()).hexdigest() == report.sha256


def test_command_writes_output_and_rejects_bad_month(tmp_path, known_data):
    target = tmp_path / "out.xlsx"
    call_command("monthly_export", "--month", "2026-10", "--output", str(target))
    assert load_workbook(target).sheetnames[0] == "汇总"
    result = subprocess.run(
        [sys.executable, "manage.py", "monthly_export", "--month", "2026-13"],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode != 0
    assert "YYYY-MM" in result.stderr


def test_only_district_roles_see_and_build_reports(client, staff, district_reviewer):
    client.force_login(staff)
    assert client.get(reverse("reports:list")).status_code == 403
    assert client.post(reverse("reports:build"), {"month": "2026-10"}).status_code == 403
    client.force_login(district_reviewer)
    assert client.get(reverse("reports:list")).status_code == 200


def test_build_from_the_page_is_a_job_the_page_follows(
    client, district_reviewer, known_data, django_capture_on_commit_callbacks
):
    client.force_login(district_reviewer)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("reports:build"), {"month": "2026-10"})
    assert response.status_code == 302
    assert len(callbacks) == 1
    job = Job.objects.get()
    assert (job.kind, job.params, job.requested_by) == (
        "monthly_report",
        {"month": "2026-10"},
        district_reviewer,
    )
    page = client.get(reverse("reports:list"))
    assert reverse("cadres:job_detail", args=[job.pk]) in page.text
    assert 'hx-trigger="every 2s"' in page.text
    # What the worker does: the month's report, downloaded from the job too.
    jobs.job_execute(job_id=job.pk, attempt=job.attempt)
    job.refresh_from_db()
    report = MonthlyReport.objects.get(month=OCTOBER.first)
    assert (job.state, job.result_file.name) == (Job.State.DONE, report.file.name)
    # Its first sheet was its first heartbeat.
    assert (job.progress_done, job.progress_total) == (1, len(SHEETS))
    assert report.built_by == district_reviewer
    response = client.get(reverse("cadres:job_download", args=[job.pk]))
    assert b"".join(response.streaming_content)[:2] == b"PK"
    assert "filename*=UTF-8''%E4%B8%9C" in response["Content-Disposition"]
    response = client.post(reverse("reports:build"), {"month": "2026/10"})
    assert "YYYY-MM" in response.wsgi_request._messages._queued_messages[0].message


def test_a_broker_that_is_down_gives_a_message_and_a_retry_not_a_500(
    client, district_reviewer, broker_down, django_capture_on_commit_callbacks
):
    client.force_login(district_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:build"), {"month": "2026-10"})
    assert response.status_code == 302
    response = client.get(response.url)
    job = Job.objects.get()
    assert job.state == Job.State.FAILED
    assert "后台服务暂不可用" in response.text
    assert reverse("cadres:job_retry", args=[job.pk]) in response.text


def test_the_schedule_builds_the_month_before_as_a_job(django_capture_on_commit_callbacks):
    first_of_november = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
    with time_machine.travel(first_of_november, tick=False), django_capture_on_commit_callbacks():
        monthly_report_scheduled()
    job = Job.objects.get()
    assert (job.kind, job.params["month"], job.requested_by) == ("monthly_report", "2026-10", None)


def test_download_is_logged(client, district_reviewer, known_data):
    monthly_report_build(month=OCTOBER)
    client.force_login(district_reviewer)
    response = client.get(reverse("reports:download", args=["2026-10"]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.DOWNLOAD
    assert entry.user == district_reviewer
    assert client.get(reverse("reports:download", args=["2026-09"])).status_code == 404


def test_hits_training_and_supervision_sheets(known_data, district_reviewer):
    from tests.supervision.factories import SupervisionRecordFactory
    from tests.training.factories import AttendanceFactory, SessionFactory, at
    from tests.vetting.factories import import_list, run_inline

    secretary = known_data["secretary"]
    with time_machine.travel(dt.datetime(2026, 10, 15, 9, tzinfo=dt.UTC), tick=False):
        import_list(
            district_reviewer,
            [
                {
                    "name": "王元",
                    "id_number": secretary.id_number,
                    "measure": "开除党籍",
                    "description": "违规发放补贴",
                }
            ],
        )
        run_inline()
    session = SessionFactory(title="换届培训班", starts_at=at(dt.date(2026, 10, 20)))
    AttendanceFactory(session=session, person=secretary, status="present")
    AttendanceFactory(session=session, person=known_data["member"], status="absent")
    SessionFactory(title="九月的培训", starts_at=at(dt.date(2026, 9, 20)))
    SupervisionRecordFactory(
        village=secretary.posts.first().village, date=dt.date(2026, 10, 3), findings="未按时公开"
    )

    workbook = load(monthly_report_build(month=OCTOBER))
    assert workbook.sheetnames == [
        "汇总", "干部花名册", "本月变动", "资格审查",
        "排查预警", "教育培训", "培训覆盖", "监督管理", "制度管理", "队伍结构",
    ]  # fmt: skip
    hits = rows(workbook["排查预警"])
    assert len(hits) == 1
    assert hits[0][0] == "金厂镇"
    assert hits[0][2] == "王元"
    assert hits[0][4] == secretary.id_number
    assert hits[0][7:10] == ["开除党籍", "违规发放补贴", "强比中"]  # strong: equal ID number
    training = rows(workbook["教育培训"])
    assert [row[0] for row in training] == ["换届培训班"]
    assert training[0][5:10] == [2, 1, 0, 1, 50]
    coverage = {row[0]: row for row in rows(workbook["培训覆盖"])}
    assert coverage["金厂镇"][2] == 1  # the secretary attended
    supervision = rows(workbook["监督管理"])
    assert supervision[0][0] == "监督记录"
    assert supervision[0][6] == "未按时公开"
    structure = rows(workbook["队伍结构"])
    assert structure[-1][0] == "东昌区"  # the district after its townships
    assert sum(row[2] for row in structure[:-1]) == structure[-1][2] > 0  # serving people


def test_vetting_sheet_lists_cases_decided_in_the_month():
    from tests.vetting_candidates.factories import Cast
    from vetting.services.candidates import case_reject

    cast = Cast()
    with time_machine.travel(dt.datetime(2026, 10, 20, 2, tzinfo=dt.UTC), tick=False):
        case = cast.at_district(name="赵强")
        case_reject(actor=cast.district_reviewer, case=case, reason="群众口碑差")
    with time_machine.travel(dt.datetime(2026, 11, 2, 2, tzinfo=dt.UTC), tick=False):
        cast.submitted(name="钱明")  # submitted in November, not decided: not listed
    vetting = rows(load(monthly_report_build(month=OCTOBER))["资格审查"])
    assert len(vetting) == 1
    assert vetting[0][2] == "赵强"
    assert vetting[0][6] == "不予通过"
    assert vetting[0][9] == "群众口碑差"
