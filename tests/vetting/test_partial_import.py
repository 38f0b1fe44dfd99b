"""Partial watchlist imports: the worker writes the rows in error as it checks, the good
rows are imported on request, and the corrected error workbook adds its rows."""

import datetime as dt

import pytest
from django.db import DatabaseError
from django.urls import reverse

from cadres.models import AccessLogEntry, ImportFile
from cadres.spreadsheets import REASONS_HEADER
from tests.cadres_import.workbooks import workbook_edit, workbook_rows
from tests.factories import UserFactory, make_id_number
from tests.vetting.factories import HEADER, import_list, upload, workbook_bytes
from vetting import engine
from vetting.models import WatchlistEntry
from vetting.services import watchlists

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1971, 1, 1)
SOURCE = "纪委名单"


def id_number(n: int) -> str:
    return make_id_number(BIRTH + dt.timedelta(days=n // 500), n)


def checked(client, content: bytes) -> ImportFile:
    """Uploaded through the page and checked as the worker does."""
    response = client.post(
        reverse("vetting:watchlist_upload"),
        {"file": upload(content), "source": SOURCE, "kind": "party_discipline"},
    )
    assert response.status_code == 302
    record = ImportFile.objects.latest("pk")
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    record.refresh_from_db()
    return record


def imported(client, record: ImportFile, actor, **data) -> ImportFile:
    client.post(reverse("vetting:watchlist_confirm", args=[record.pk]), data)
    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=actor.pk)
    record.refresh_from_db()
    return record


def test_one_bad_row_among_two_thousand(
    client, district_reviewer, staff, django_capture_on_commit_callbacks
):
    # An entry of the list's last version that the new file does not list.
    import_list(district_reviewer, [{"name": "旧某", "id_number": id_number(2500)}], source=SOURCE)
    bad = 777
    rows = [{"name": "某某", "id_number": id_number(n), "measure": "警告"} for n in range(2000)]
    # Excel turned it into a number, and its last digits are lost.
    rows[bad]["id_number"] = float(id_number(bad))
    client.force_login(district_reviewer)
    with django_capture_on_commit_callbacks():
        record = checked(client, workbook_bytes(rows))
    assert record.status == ImportFile.Status.PREVIEWED
    assert (record.summary["rows"], record.summary["error_rows"]) == (2000, 1)
    assert record.error_file

    page = client.get(reverse("vetting:watchlist_preview", args=[record.pk])).content.decode()
    errors_url = reverse("vetting:watchlist_errors", args=[record.pk])
    assert "导入无误的行，跳过有误的行" in page
    assert errors_url in page
    assert f"第{bad + 3}行" in page

    # Without the choice: refused, and no worker is asked.
    with django_capture_on_commit_callbacks() as sent:
        refused = client.post(reverse("vetting:watchlist_confirm", args=[record.pk]), follow=True)
    assert not sent
    assert "1 行有错误，未导入任何内容" in refused.content.decode()

    # The rows in error, as the worker wrote them.
    response = client.get(errors_url)
    assert response.status_code == 200
    workbook = b"".join(response.streaming_content)
    ((sheet, (header, failed)),) = workbook_rows(workbook).items()
    assert header == [*HEADER, REASONS_HEADER]
    assert failed[1] == pytest.approx(float(id_number(bad)))  # a number, as in the file
    assert failed[-1].startswith("「身份证号」：")
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.DOWNLOAD, object_id=str(record.pk), user=district_reviewer
    ).exists()
    # Another importer's file, and a user who may not import lists.
    client.force_login(UserFactory(role="区级审核人"))
    assert client.get(errors_url).status_code == 404
    client.force_login(staff)
    assert client.get(errors_url).status_code == 403
    client.force_login(district_reviewer)

    with django_capture_on_commit_callbacks():
        record = imported(client, record, district_reviewer, skip_errors="1")
    assert record.status == ImportFile.Status.IMPORTED
    assert (record.summary["added"], record.summary["skipped"]) == (1999, 1)
    # A skipped row may be an entry still listed: nothing is retired.
    assert record.summary["retired"] == 0
    assert WatchlistEntry.objects.filter(active=True).count() == 2000
    page = client.get(reverse("vetting:watchlist_preview", args=[record.pk])).content.decode()
    assert "跳过的有误行" in page
    assert errors_url in page

    # Corrected and uploaded again: its row is added; the list it supplements stays whole.
    with django_capture_on_commit_callbacks():
        again = checked(client, workbook_edit(workbook, sheet, "B2", id_number(bad)))
    assert again.status == ImportFile.Status.PREVIEWED
    assert not again.summary["error_rows"]
    assert again.summary["sheet"]["reasons_column"]
    assert not again.summary["sheet"]["ignored"]
    with django_capture_on_commit_callbacks():
        again = imported(client, again, district_reviewer)
    assert (again.summary["added"], again.summary["retired"]) == (1, 0)
    assert WatchlistEntry.objects.filter(active=True).count() == 2001
    assert WatchlistEntry.objects.filter(id_number=id_number(bad), active=True).exists()


def test_a_list_of_bad_rows_only_is_refused_but_its_rows_can_be_downloaded(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(district_reviewer)
    with django_capture_on_commit_callbacks():
        record = checked(client, workbook_bytes([{"name": "某某", "birth_date": "明年"}]))
    assert record.status == ImportFile.Status.FAILED
    assert not record.file
    response = client.get(reverse("vetting:watchlist_errors", args=[record.pk]))
    ((_header, failed),) = workbook_rows(b"".join(response.streaming_content)).values()
    assert failed[-1].startswith("「出生日期」：")


def test_nothing_is_written_when_the_write_fails_midway(
    client, district_reviewer, monkeypatch, django_capture_on_commit_callbacks
):
    rows = [{"name": "某某", "id_number": id_number(n)} for n in range(20)]
    rows[3]["birth_date"] = "明年"
    client.force_login(district_reviewer)
    with django_capture_on_commit_callbacks():
        record = checked(client, workbook_bytes(rows))

    def fail(**kwargs):
        raise DatabaseError("connection lost")

    # After the entries are merged, before the import is recorded.
    monkeypatch.setattr(engine, "entries_analyze", fail)
    with django_capture_on_commit_callbacks():
        record = imported(client, record, district_reviewer, skip_errors="1")
    assert not WatchlistEntry.objects.exists()
    assert record.status == ImportFile.Status.PREVIEWED
    assert record.summary["import_error"]
