import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.models import ImportFile, Job, Person
from tests.cadres_import.test_roster import cadre_row
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import UserFactory, VillageFactory, township
from tests.jobs import run_queued_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def login(client, user):
    client.force_login(user)
    return client


def upload(client, data: bytes, run=True):
    """Upload a roster; the worker then checks it, unless ``run`` is False."""
    response = client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", data)}
    )
    if run:
        run_queued_jobs()
    return response


def confirm(client, record_pk: int, data=None):
    """Confirm an upload; the worker then imports it."""
    response = client.post(reverse("cadres:import_confirm", args=[record_pk]), data or {})
    run_queued_jobs()
    return response


def test_upload_preview_confirm(client, staff, village):
    login(client, staff)
    assert client.get(reverse("cadres:import_upload")).status_code == 200
    # Built once: openpyxl stamps the save time into the file, which changes its hash.
    data = roster_bytes([cadre_row(1), cadre_row(2, 职务="书记兼主任")])
    response = upload(client, data)
    record = ImportFile.objects.get()
    assert record.township.code == "220502100"
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    page = client.get(response.url).content.decode()
    assert "新增人员" in page
    assert "确认导入" in page
    assert 'data-confirm="' in page
    assert not Person.objects.exists()
    response = confirm(client, record.pk)
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    assert Person.objects.count() == 2
    record.refresh_from_db()
    assert record.status == ImportFile.Status.IMPORTED
    # The same file again: recognized, and it changes nothing.
    response = upload(client, data)
    page = client.get(response.url).content.decode()
    assert "之前已上传过" in page
    confirm(client, ImportFile.objects.latest("pk").pk)
    assert Person.objects.count() == 2


def test_preview_lists_errors_and_offers_no_confirm(client, staff, village):
    login(client, staff)
    response = upload(client, roster_bytes([cadre_row(1), cadre_row(2, 身份证号=None)]))
    page = client.get(response.url).content.decode()
    assert "第3行「身份证号」" in page
    assert "确认导入" not in page
    record = ImportFile.objects.get()
    confirm(client, record.pk)
    assert not Person.objects.exists()
    # The worker refused it and said why; the file waits for a corrected one or a skip.
    record.refresh_from_db()
    assert record.status == ImportFile.Status.PREVIEWED
    assert "1 行有错误，未导入任何内容" in client.get(response.url).content.decode()


def test_upload_refuses_what_is_not_a_workbook(client, staff):
    login(client, staff)
    response = upload(client, b"name,id\n")
    assert response.status_code == 200
    assert "不是 Excel 工作簿" in response.content.decode()
    assert not ImportFile.objects.exists()


def test_unreadable_workbook_shows_the_reason(client, staff):
    login(client, staff)
    from tests.cadres_import.workbooks import workbook_bytes

    response = upload(client, workbook_bytes({"S": [["说明"]]}))
    page = client.get(response.url).content.decode()
    assert "表头" in page


def test_another_townships_upload_is_404(client, staff, other_staff, village):
    login(client, staff)
    upload(client, roster_bytes([cadre_row(1)]))
    record = ImportFile.objects.get()
    client.logout()
    login(client, other_staff)
    assert client.get(reverse("cadres:import_preview", args=[record.pk])).status_code == 404
    assert client.post(reverse("cadres:import_confirm", args=[record.pk])).status_code == 404
    assert not Person.objects.exists()


def test_the_preview_names_an_earlier_upload_of_the_own_township_only(
    client, staff, other_staff, village
):
    data = roster_bytes([cadre_row(1)])
    login(client, staff)
    upload(client, data)
    notice = "该文件之前已上传过"
    # 环通乡 uploads the very same file: 金厂镇's upload, its uploader and time stay hidden.
    login(client, other_staff)
    theirs = upload(client, data).url
    page = client.get(theirs).content.decode()
    assert notice not in page
    assert str(staff) not in page
    # A colleague in 金厂镇 is told.
    colleague = UserFactory(role="乡镇工作人员", townships=["220502100"])
    login(client, colleague)
    page = client.get(upload(client, data).url).content.decode()
    assert notice in page
    assert str(staff) in page


def test_readers_may_not_import(client, district_reviewer):
    login(client, district_reviewer)
    assert client.get(reverse("cadres:import_upload")).status_code == 403


def test_login_required(client):
    response = client.get(reverse("cadres:import_upload"))
    assert response.status_code == 302


def test_confirm_is_post_only(client, staff, village):
    login(client, staff)
    upload(client, roster_bytes([cadre_row(1)]))
    record = ImportFile.objects.get()
    assert client.get(reverse("cadres:import_confirm", args=[record.pk])).status_code == 405


def test_preview_query_count_does_not_grow(client, staff, village, django_assert_max_num_queries):
    login(client, staff)
    small = upload(client, roster_bytes([cadre_row(n) for n in range(1, 3)])).url
    large = upload(client, roster_bytes([cadre_row(n) for n in range(1, 80)])).url
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(small)
    with django_assert_max_num_queries(len(queries)):
        client.get(large)


def test_the_worker_checks_the_upload_while_its_page_polls(client, staff, village):
    login(client, staff)
    response = upload(client, roster_bytes([cadre_row(1)]), run=False)
    record = ImportFile.objects.get()
    assert (record.status, record.job.kind, record.job.township) == (
        ImportFile.Status.CHECKING,
        "roster_check",
        record.township,
    )
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "确认导入" not in page
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "cadres/_import_status.html"
    assert run_queued_jobs() == 1
    record.refresh_from_db()
    record.job.refresh_from_db()
    assert record.status == ImportFile.Status.PREVIEWED
    assert record.job.progress_done == 1  # its heartbeat: the first row read
    # Done: the polling part has the whole page load again, which shows the preview.
    assert client.get(response.url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    assert "确认导入" in client.get(response.url).content.decode()
    # Confirmed: importing, then imported by the next job.
    client.post(reverse("cadres:import_confirm", args=[record.pk]))
    record.refresh_from_db()
    assert (record.status, record.job.kind) == (ImportFile.Status.IMPORTING, "roster_import")
    assert 'hx-trigger="every 2s"' in client.get(response.url).content.decode()
    again = client.post(reverse("cadres:import_confirm", args=[record.pk]), follow=True)
    assert "只有已预览的文件才能导入" in again.content.decode()
    assert run_queued_jobs() == 1
    assert Person.objects.count() == 1


def test_uploads_beyond_the_townships_limit_are_refused(
    client, staff, other_staff, village, settings
):
    settings.IMPORTS_PER_TOWNSHIP = 2
    login(client, staff)
    upload(client, roster_bytes([cadre_row(1)]), run=False)
    upload(client, roster_bytes([cadre_row(2)]), run=False)
    response = upload(client, roster_bytes([cadre_row(3)]), run=False)
    assert response.status_code == 200
    assert "本乡镇已有2个名册正在检查或导入" in response.content.decode()
    assert ImportFile.objects.count() == 2
    # Another township is not held up by this one's.
    login(client, other_staff)
    assert upload(client, roster_bytes([cadre_row(4)]), run=False).status_code == 302
    # A file whose job failed (the broker was down, or the job stalled) no longer counts.
    login(client, staff)
    Job.objects.filter(pk=ImportFile.objects.order_by("pk").first().job_id).update(
        state=Job.State.FAILED
    )
    assert upload(client, roster_bytes([cadre_row(5)]), run=False).status_code == 302
