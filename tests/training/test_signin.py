import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from cadres.models import ImportFile
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import VillageFactory, cadre, township
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat
from tests.training.factories import AttendanceFactory, SessionFactory
from training.models import Attendance

pytestmark = pytest.mark.django_db


def workbook(rows, header=("姓名", "身份证号", "村", "签到情况"), title="东昌区村干部培训签到表"):
    book = Workbook()
    sheet = book.active
    sheet.append([title])  # a title row above the header, as real sheets have
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(
        "签到表.xlsx",
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@pytest.fixture
def setting(staff):
    red = VillageFactory(township=township(JINCHANG), name="红旗村")
    east = VillageFactory(township=township(JINCHANG), name="东风村")
    people = {
        "by_id": cadre(red, name="张伟"),
        "by_name": cadre(red, name="李娜"),
        "excused": cadre(east, name="王强"),
        "twin_red": cadre(red, name="刘洋"),
        "twin_east": cadre(east, name="刘洋"),
    }
    session = SessionFactory(organizer=township(JINCHANG))
    AttendanceFactory(session=session, person=people["by_id"])
    return session, people


def upload(client, session, file):
    """Upload, and let a worker read the sheet."""
    response = client.post(reverse("training:signin", args=[session.pk]), {"file": file})
    run_queued_jobs()
    return response


def confirm(client, location, data):
    """Confirm the preview, and let a worker record the attendance."""
    response = client.post(location, data)
    run_queued_jobs()
    return response


def test_good_sheet_is_matched_and_recorded(client, staff, setting):
    session, people = setting
    client.force_login(staff)
    sheet = workbook(
        [
            ("张 伟", people["by_id"].id_number, "", "已签到"),
            ("李娜", "", "红旗", ""),
            ("王强", "", "东风村", "请假"),
        ]
    )
    response = upload(client, session, sheet)
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.status_code == 200
    matched = preview.context["matched"]
    assert [(m["person"], m["how"], m["status"]) for m in matched] == [
        (people["by_id"].pk, "id", "present"),
        (people["by_name"].pk, "name", "present"),
        (people["excused"].pk, "name", "excused"),
    ]
    assert not preview.context["unmatched"]
    assert people["by_id"].id_number not in preview.content.decode()
    assert people["by_id"].id_number not in str(ImportFile.objects.get().summary)
    confirmed = confirm(client, response["Location"], {})
    assert confirmed.status_code == 302
    done = client.get(response["Location"], follow=True)
    assert done.redirect_chain[-1][0] == reverse("training:session", args=[session.pk])
    assert "3" in " ".join(str(m) for m in done.context["messages"])
    statuses = dict(session.attendances.values_list("person__name", "status"))
    assert statuses == {"张伟": "present", "李娜": "present", "王强": "excused"}
    stored = ImportFile.objects.get(kind=ImportFile.Kind.ATTENDANCE)
    assert stored.status == ImportFile.Status.IMPORTED
    assert stored.summary == {
        "matched": 3,
        "resolved": 0,
        "ignored": 0,
        "added": 2,
        "changed": 3,
        "skipped": 0,
    }


def test_unmatched_rows_must_be_resolved(client, staff, setting):
    session, people = setting
    client.force_login(staff)
    response = upload(
        client,
        session,
        workbook(
            [
                ("刘洋", "", "", ""),
                ("赵敏", "", "红旗村", ""),
                ("张伟", people["by_id"].id_number, "", ""),
            ]
        ),
    )
    location = response["Location"]
    preview = client.get(location)
    unmatched = {u.row: u for u in preview.context["unmatched"]}
    assert set(unmatched) == {3, 4}
    assert {p.person for p in unmatched[3].candidates} == {people["twin_red"], people["twin_east"]}
    # Nothing chosen: the form says so next to each row and nothing is written.
    refused = client.post(location, {})
    assert refused.status_code == 200
    assert set(refused.context["form"].errors) == {"row-3", "row-4"}
    assert not session.attendances.filter(status=Attendance.Status.PRESENT).exists()
    done = confirm(client, location, {"row-3": people["twin_east"].pk, "row-4": "ignore"})
    assert done.status_code == 302
    assert set(session.attendances.filter(status="present").values_list("person", flat=True)) == {
        people["by_id"].pk,
        people["twin_east"].pk,
    }


def test_a_person_of_another_township_cannot_be_picked(client, staff, setting):
    session, _people = setting
    stranger = cadre(VillageFactory(township=township(HUANTONG)), name="赵敏")
    client.force_login(staff)
    location = upload(client, session, workbook([("赵敏", "", "红旗村", "")]))["Location"]
    response = client.post(location, {"row-3": stranger.pk})
    assert response.status_code == 200
    assert "row-3" in response.context["form"].errors
    assert not session.attendances.filter(person=stranger).exists()


def test_not_a_workbook(client, staff, setting):
    session, _people = setting
    client.force_login(staff)
    response = upload(client, session, SimpleUploadedFile("签到表.xlsx", b"name,id\n"))
    assert response.status_code == 200
    assert (
        "不是 Excel" in str(response.context["form"].errors["file"])
        or response.context["form"].errors["file"]
    )


def test_missing_columns(client, staff, setting):
    session, _people = setting
    client.force_login(staff)
    response = upload(client, session, workbook([("x", "y")], header=("序号", "单位")))
    preview = client.get(response["Location"], follow=True)
    assert preview.redirect_chain[-1][0] == reverse("training:signin", args=[session.pk])
    text = " ".join(str(m) for m in preview.context["messages"])
    assert "姓名" in text


def test_numeric_id_number_is_reported_and_left_to_resolve(client, staff, setting):
    session, people = setting
    client.force_login(staff)
    numeric = float(people["by_name"].id_number[:17] + "0")
    location = upload(client, session, workbook([("李娜", numeric, "红旗村", "")]))["Location"]
    preview = client.get(location, HTTP_ACCEPT_LANGUAGE="zh-hans")
    errors = preview.context["preview"]["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(3, "身份证号")]
    assert "数字" in errors[0]["text"]
    unmatched = preview.context["unmatched"]
    assert [u.row for u in unmatched] == [3]
    assert [p.person for p in unmatched[0].candidates] == [people["by_name"]]


def test_another_users_upload_is_404(client, staff, setting):
    session, _people = setting
    client.force_login(staff)
    location = upload(client, session, workbook([("李娜", "", "红旗村", "")]))["Location"]
    from tests.factories import UserFactory

    colleague = UserFactory(role="乡镇工作人员", townships=[JINCHANG])
    client.force_login(colleague)
    assert client.get(location).status_code == 404


def test_signin_import_queries_do_not_grow_with_the_sheet(client, staff, setting):
    session, _people = setting
    client.force_login(staff)

    def uploaded(size: int, name: str) -> str:
        village = VillageFactory(township=township(JINCHANG), name=name)
        rows = [(cadre(village).name, "", name, "") for _ in range(size)]
        return upload(client, session, workbook(rows))["Location"]

    # Each confirm takes a sheet of its own; the last one's 60 rows still fit one SQLite
    # insert (83 attendance rows a statement), so the counts compare the reads.
    sheets = [uploaded(3, "新民村"), uploaded(3, "新立村")]
    response = assert_queries_flat(
        lambda: confirm(client, sheets.pop(0), {}), lambda: sheets.append(uploaded(60, "新兴村"))
    )
    assert response.status_code == 302
    assert session.attendances.filter(status="present").count() == 66


def test_a_row_in_error_is_skipped_on_request_and_offered_to_correct(
    client, staff, setting, monkeypatch
):
    from django.db import DatabaseError

    from cadres.models import AccessLogEntry
    from cadres.spreadsheets import REASONS_HEADER
    from tests.cadres_import.workbooks import workbook_edit, workbook_rows
    from tests.factories import UserFactory
    from training import services

    session, _people = setting
    village = VillageFactory(township=township(JINCHANG), name="新民村")
    people = [cadre(village) for _ in range(60)]
    rows = [(p.name, p.id_number, "新民村", "已签到") for p in people]
    bad = 40
    rows[bad] = (people[bad].name, people[bad].id_number, "新民村", "迟到早退")
    client.force_login(staff)
    location = upload(client, session, workbook(rows))["Location"]
    stored = ImportFile.objects.get(kind=ImportFile.Kind.ATTENDANCE)
    preview = client.get(location, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert (preview.context["error_rows"], preview.context["valid_rows"]) == (1, 59)
    errors_url = reverse("training:signin_errors", args=[session.pk, stored.pk])
    assert "导入无误的行，跳过有误的行" in preview.text
    assert errors_url in preview.text

    # Without the choice: refused, nothing recorded.
    assert confirm(client, location, {}).status_code == 302
    refused = client.get(location, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "1 行有错误，未导入任何内容" in refused.text
    assert not session.attendances.filter(person__in=people).exists()

    workbook_data = b"".join(client.get(errors_url).streaming_content)
    ((sheet, (header, failed)),) = workbook_rows(workbook_data).items()
    assert header == ["姓名", "身份证号", "村", "签到情况", REASONS_HEADER]
    assert failed[:4] == [people[bad].name, people[bad].id_number, "新民村", "迟到早退"]
    assert failed[-1].startswith("「签到情况」：")
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.DOWNLOAD, object_id=str(stored.pk)
    ).exists()
    client.force_login(UserFactory(role="乡镇工作人员", townships=[JINCHANG]))
    assert client.get(errors_url).status_code == 404
    client.force_login(staff)

    # A failed write leaves nothing behind, not even the people added to the roster.
    def fail(*args, **kwargs):
        raise DatabaseError("connection lost")

    with monkeypatch.context() as patched:
        patched.setattr(services, "_mark", fail)
        with pytest.raises(DatabaseError):
            services.attendance_import(
                actor=staff, session=session, import_file=stored, resolutions={}, skip_errors=True
            )
    assert not session.attendances.filter(person__in=people).exists()

    confirm(client, location, {"skip_errors": "1"})
    done = client.get(location, follow=True)
    assert "已导入59行，跳过有误的行1行。" in [str(m) for m in done.context["messages"]]
    assert session.attendances.filter(person__in=people, status="present").count() == 59

    # Corrected and uploaded again.
    fixed = workbook_edit(workbook_data, sheet, "D2", "请假")
    again = upload(client, session, SimpleUploadedFile("签到表-错误行.xlsx", fixed))["Location"]
    assert not client.get(again).context["error_rows"]
    assert confirm(client, again, {}).status_code == 302
    assert session.attendances.get(person=people[bad]).status == "excused"


def test_the_upload_request_reads_nothing_of_the_sheet(client, staff, setting, monkeypatch):
    from training import signin

    session, _people = setting
    village = VillageFactory(township=township(JINCHANG), name="新民村")
    rows = [(f"学员{n}", "", "新民村", "") for n in range(20000)]
    reads = []
    real = signin.read_sheet

    def counted(*args, **kwargs):
        reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(signin, "read_sheet", counted)
    client.force_login(staff)
    response = client.post(reverse("training:signin", args=[session.pk]), {"file": workbook(rows)})
    location = response["Location"]
    page = client.get(location)
    stored = ImportFile.objects.get(kind=ImportFile.Kind.ATTENDANCE)
    assert (reads, stored.status, stored.job.state) == ([], "checking", "queued")
    assert 'hx-trigger="every 2s"' in page.text
    assert client.get(location, HTTP_HX_REQUEST="true").templates[0].name == (
        "cadres/_import_status.html"
    )

    assert run_queued_jobs() == 1
    assert reads == [1]
    stored.refresh_from_db()
    assert (stored.status, stored.job.progress_done) == ("previewed", 1)
    assert len(client.get(location).context["unmatched"]) == 20000
    assert village.name in stored.summary["preview"]["unmatched"][0]["village"]


def test_a_township_checks_a_bounded_number_of_sheets_at_once(client, staff, setting, settings):
    from cadres.models import Job

    session, _people = setting
    settings.IMPORTS_PER_TOWNSHIP = 1
    client.force_login(staff)
    url = reverse("training:signin", args=[session.pk])
    first = client.post(url, {"file": workbook([("李娜", "", "红旗村", "")])})
    assert first.status_code == 302
    refused = client.post(url, {"file": workbook([("张伟", "", "红旗村", "")])})
    assert refused.status_code == 200
    assert "1 份签到表" in str(refused.context["form"].errors["file"])
    assert ImportFile.objects.filter(kind=ImportFile.Kind.ATTENDANCE).count() == 1

    # Another township's sheets do not count against this one's.
    other = SessionFactory(organizer=township(HUANTONG))
    from tests.factories import UserFactory

    client.force_login(UserFactory(role="乡镇工作人员", townships=[HUANTONG]))
    other_url = reverse("training:signin", args=[other.pk])
    assert client.post(other_url, {"file": workbook([("王强", "", "", "")])}).status_code == 302

    # A sheet whose job failed waits for a retry that may never come: it no longer counts.
    client.force_login(staff)
    Job.objects.filter(pk=ImportFile.objects.order_by("pk").first().job_id).update(
        state=Job.State.FAILED
    )
    assert client.post(url, {"file": workbook([("张伟", "", "红旗村", "")])}).status_code == 302
