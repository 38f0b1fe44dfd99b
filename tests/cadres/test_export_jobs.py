"""Exports too large for a request (cadres.listing): an ``export`` job writes the same file."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cadres.models import AccessLogEntry, Job
from cadres.scoping import township_access_set
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, VillageFactory, cadre, township
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db
LIST = reverse("cadres:list")
QUERY = {"sort": "name", "format": "xlsx"}


def sheets(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.values) for sheet in book.worksheets}


def exports():
    return AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT)


def download(client, job: Job) -> bytes:
    response = client.get(reverse("cadres:job_download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.fixture
def people():
    jinchang = VillageFactory(township=township(JINCHANG))
    huantong = VillageFactory(township=township(HUANTONG))
    return [cadre(jinchang, name=name) for name in ("王建国", "李明", "张伟")] + [
        cadre(huantong, name="赵环通")
    ]


def test_an_export_over_the_limit_is_a_job_whose_file_is_the_inline_export(
    client, staff, people, settings
):
    client.force_login(staff)
    settings.EXPORT_INLINE_MAX_ROWS = 3
    inline = client.get(LIST, QUERY)
    assert inline["Content-Type"].startswith("application/vnd.openxmlformats")
    inline_entry = exports().get()

    settings.EXPORT_INLINE_MAX_ROWS = 2
    response = client.get(LIST, QUERY)
    job = Job.objects.get(kind="export")
    assert response.status_code == 302
    assert response.url == reverse("cadres:job_detail", args=[job.pk])
    assert "后台" in client.get(response.url).text
    assert (job.state, job.requested_by, job.township) == (Job.State.QUEUED, staff, None)
    assert exports().count() == 1  # nothing written, nothing logged yet

    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE
    content = download(client, job)
    assert sheets(content) == sheets(inline.content)
    assert sheets(content)["干部花名册"][1][3] == "李明"
    assert job.result_name == inline["Content-Disposition"].split('"')[1]
    # One entry for the export, written with the file, as the inline export writes it.
    entry = exports().exclude(pk=inline_entry.pk).get()
    assert (entry.user, entry.detail) == (staff, inline_entry.detail)


def test_the_log_entry_waits_for_the_file(client, staff, people, settings, monkeypatch):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(staff)
    client.get(LIST, QUERY)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("cadres.listing.WorkbookWriter.save", broken)
    run_queued_jobs()
    job = Job.objects.get(kind="export")
    assert job.state == Job.State.FAILED
    assert not exports().exists()


def test_another_townships_user_neither_sees_nor_downloads_it(
    client, staff, other_staff, people, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(staff)
    client.get(LIST, QUERY)
    run_queued_jobs()
    job = Job.objects.get(kind="export")
    client.force_login(other_staff)
    for name in ("cadres:job_detail", "cadres:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    listed = client.get(reverse("cadres:job_list")).text
    assert reverse("cadres:job_detail", args=[job.pk]) not in listed


def test_the_worker_applies_the_scope_the_user_has_when_it_runs(client, people, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    user = UserFactory(role="乡镇工作人员", townships=[JINCHANG, HUANTONG])
    client.force_login(user)
    client.get(LIST, QUERY)
    township_access_set(user=user, townships=[township(JINCHANG)])
    run_queued_jobs()
    rows = sheets(download(client, Job.objects.get(kind="export")))["干部花名册"][1:]
    assert [row[3] for row in rows] == ["李明", "王建国", "张伟"]


def test_a_user_who_may_no_longer_see_the_list_gets_a_failed_job(client, staff, people, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(staff)
    client.get(LIST, QUERY)
    staff.is_active = False
    staff.save()
    run_queued_jobs()
    job = Job.objects.get(kind="export")
    assert (job.state, job.result_file.name) == (Job.State.FAILED, "")
    assert "无权" in job.error
    assert not exports().exists()


def test_a_broker_that_is_down_leaves_a_job_to_retry(
    client, staff, people, settings, broker_down, django_capture_on_commit_callbacks
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(LIST, QUERY)
    job = Job.objects.get(kind="export")
    assert response.url == reverse("cadres:job_detail", args=[job.pk])
    assert job.state == Job.State.FAILED
    assert "后台服务暂不可用" in job.error
    assert reverse("cadres:job_retry", args=[job.pk]) in client.get(response.url).text


def test_running_the_job_again_writes_nothing_twice(client, staff, people, settings):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    client.force_login(staff)
    client.get(LIST, QUERY)
    run_queued_jobs()
    job = Job.objects.get(kind="export")
    name = job.result_file.name
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING)
    run_queued_jobs()  # nothing queued
    from cadres import jobs

    jobs.job_execute(job_id=job.pk, attempt=job.attempt)  # the message delivered again
    job.refresh_from_db()
    assert (job.state, job.result_file.name, exports().count()) == (Job.State.DONE, name, 1)


def test_the_job_reads_what_it_exports_in_queries_that_do_not_grow(
    client, township_reviewer, settings
):
    settings.EXPORT_INLINE_MAX_ROWS = 0
    village = VillageFactory(township=township(JINCHANG))
    for _ in range(5):
        cadre(village)
    client.force_login(township_reviewer)

    def export():
        client.get(LIST, QUERY)
        assert run_queued_jobs() == 1

    def grow():
        for _ in range(10):
            cadre(village)

    assert_queries_flat(export, grow)
    job = Job.objects.filter(kind="export").first()
    assert len(sheets(download(client, job))["干部花名册"]) == 16
