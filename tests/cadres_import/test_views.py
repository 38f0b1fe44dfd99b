import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.models import ImportFile, Person
from tests.cadres_import.test_roster import cadre_row
from tests.cadres_import.workbooks import roster_bytes
from tests.factories import UserFactory, VillageFactory, township

pytestmark = pytest.mark.django_db


@pytest.fixture
def village(db):
    return VillageFactory(name="民主村", township=township("220502100"))


def login(client, user):
    client.force_login(user)
    return client


def upload(client, data: bytes):
    return client.post(
        reverse("cadres:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", data)}
    )


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
    response = client.post(reverse("cadres:import_confirm", args=[record.pk]))
    assert response.status_code == 302
    assert Person.objects.count() == 2
    record.refresh_from_db()
    assert record.status == ImportFile.Status.IMPORTED
    # The same file again: recognized, and it changes nothing.
    response = upload(client, data)
    page = client.get(response.url).content.decode()
    assert "之前已上传过" in page
    client.post(response.url + "confirm/")
    assert Person.objects.count() == 2


def test_preview_lists_errors_and_offers_no_confirm(client, staff, village):
    login(client, staff)
    response = upload(client, roster_bytes([cadre_row(1), cadre_row(2, 身份证号=None)]))
    page = client.get(response.url).content.decode()
    assert "第3行「身份证号」" in page
    assert "确认导入" not in page
    client.post(response.url + "confirm/")
    assert not Person.objects.exists()


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
