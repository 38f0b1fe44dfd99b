"""Background jobs (cadres.jobs): start, run, fail, retry, scope, the watchdog and the pages."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from cadres import jobs
from cadres.models import AccessLogEntry, ImportFile, Job
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, township
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db

KIND = "test_echo"


@pytest.fixture
def echo(monkeypatch):
    """A kind of job for the tests: its handler does what the job's parameters say."""

    def handler(job: Job) -> None:
        if job.params.get("fail"):
            raise jobs.JobError("名单格式不对")
        if job.params.get("crash"):
            raise RuntimeError("a bug")
        done = 1 if job.params.get("tick_once") else 2
        jobs.job_progress(job=job, done=done, total=2)
        name = default_storage.save(f"jobs/{job.pk}/test", ContentFile(b"done\n"))
        jobs.job_result_set(job=job, name=name, filename="结果.txt")

    kind = jobs.JobKind(KIND, "测试任务", "cadres.change_person", handler)
    monkeypatch.setitem(jobs._KINDS, KIND, kind)
    return kind


def start(actor, township_code=None, **params) -> Job:
    return jobs.job_start(
        kind=KIND,
        actor=actor,
        params=params,
        township=township(township_code) if township_code else None,
    )


def run(job: Job) -> Job:
    jobs.job_execute(job_id=job.pk, attempt=job.attempt)
    job.refresh_from_db()
    return job


def test_start_records_the_job_and_hands_it_off_after_commit(
    staff, echo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        job = start(staff, JINCHANG, month="2026-10")
    assert (job.state, job.attempt, job.requested_by, job.params) == (
        Job.State.QUEUED,
        1,
        staff,
        {"month": "2026-10"},
    )
    assert len(callbacks) == 1


def test_start_needs_the_kinds_permission(department_user, echo):
    with pytest.raises(PermissionDenied):
        start(department_user)
    assert not Job.objects.exists()


def test_run_marks_done_with_progress_and_result(staff, echo):
    job = run(start(staff, JINCHANG))
    assert job.state == Job.State.DONE
    assert (job.progress_done, job.progress_total, job.percent) == (2, 2, 100)
    assert job.started_at <= job.finished_at
    assert job.result_name == "结果.txt"
    assert job.result_file.read() == b"done\n"
    # A message delivered again after the job finished does nothing.
    finished_at = job.finished_at
    assert run(job).finished_at == finished_at


def test_a_done_jobs_page_shows_no_stale_count(client, staff, echo):
    """The ticker writes at most every few seconds, so its last count may lag far behind
    a job that has finished: the page does not show it then."""
    job = run(start(staff, tick_once=True))
    assert (job.state, job.progress_done, job.progress_total) == (Job.State.DONE, 1, 2)
    client.force_login(staff)
    page = client.get(reverse("cadres:job_detail", args=[job.pk])).content.decode()
    assert "50%" not in page
    assert "(1/2)" not in page


def test_a_handler_error_fails_the_job_with_its_message(staff, echo):
    job = run(start(staff, fail=True))
    assert (job.state, job.error) == (Job.State.FAILED, "名单格式不对")


def test_an_unexpected_error_fails_the_job_in_chinese(staff, echo, caplog):
    job = run(start(staff, crash=True))
    assert job.state == Job.State.FAILED
    assert "意外错误" in job.error
    assert "a bug" in caplog.text  # logged for the administrator, not shown


def test_retry_runs_a_failed_job_again_and_ignores_the_old_message(
    staff, echo, django_capture_on_commit_callbacks
):
    job = run(start(staff, fail=True))
    Job.objects.filter(pk=job.pk).update(params={})  # what the handler reads next time
    with django_capture_on_commit_callbacks() as callbacks:
        retried = jobs.job_retry(job=job, actor=staff)
    assert (retried.state, retried.attempt, retried.error) == (Job.State.QUEUED, 2, "")
    assert len(callbacks) == 1
    # The first attempt's message, delivered late, is ignored.
    jobs.job_execute(job_id=job.pk, attempt=1)
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED
    assert run(job).state == Job.State.DONE
    with pytest.raises(ValidationError):
        jobs.job_retry(job=job, actor=staff)


def test_scope_own_jobs_townships_with_the_right_and_the_district(
    staff, other_staff, township_reviewer, district_reviewer, echo
):
    mine = start(staff, JINCHANG)
    colleague = start(UserFactory(role="乡镇工作人员", townships=[JINCHANG]), JINCHANG)
    elsewhere = start(other_staff, HUANTONG)
    district_wide = start(None)  # started by the schedule

    def visible(user):
        return set(jobs.jobs_visible(user))

    # Staff hold no cadres.view_job: their own jobs only.
    assert visible(staff) == {mine}
    assert visible(other_staff) == {elsewhere}
    # A township reviewer sees the jobs of their township, not another's nor the district's.
    assert visible(township_reviewer) == {mine, colleague}
    assert visible(district_reviewer) == {mine, colleague, elsewhere, district_wide}
    # Another township's staff can neither see nor retry.
    Job.objects.filter(pk=mine.pk).update(state=Job.State.FAILED)
    with pytest.raises(PermissionDenied):
        jobs.job_retry(job=mine, actor=other_staff)


def test_a_broker_that_is_down_fails_the_job_with_a_clear_message(
    staff, echo, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = start(staff, JINCHANG)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "后台服务暂不可用" in job.error


def test_watchdog_fails_jobs_without_a_heartbeat_and_files_without_a_job(staff, echo):
    stalled = start(staff)
    running = start(staff)
    Job.objects.filter(pk=running.pk).update(state=Job.State.RUNNING)
    recent = start(staff)
    done = run(start(staff))
    legacy = ImportFile.objects.create(
        kind=ImportFile.Kind.WATCHLIST,
        original_name="名单.xlsx",
        sha256="0" * 64,
        size=1,
        uploaded_by=staff,
        status=ImportFile.Status.CHECKING,
    )
    long_ago = timezone.now() - dt.timedelta(hours=2)
    Job.objects.filter(pk__in=[stalled.pk, running.pk, done.pk]).update(updated_at=long_ago)
    ImportFile.objects.filter(pk=legacy.pk).update(updated_at=long_ago)

    assert jobs.jobs_fail_stalled(stalled_for=dt.timedelta(hours=1)) == 3
    for job in (stalled, running):
        job.refresh_from_db()
        assert job.state == Job.State.FAILED
        assert "60分钟没有进展" in job.error
    recent.refresh_from_db()
    done.refresh_from_db()
    assert (recent.state, done.state) == (Job.State.QUEUED, Job.State.DONE)
    legacy.refresh_from_db()
    assert legacy.status == ImportFile.Status.FAILED
    assert "重新上传" in legacy.summary["errors"][0]
    # A stalled job can be retried.
    assert jobs.job_retry(job=stalled, actor=staff).state == Job.State.QUEUED


def test_watchdog_measures_from_the_last_heartbeat(staff, echo, settings):
    """A job that has run for hours but beat a minute ago is alive; one whose heartbeat
    stopped longer ago than JOB_STALL_MINUTES (10 by default) was killed mid-run."""
    assert settings.JOB_STALL_MINUTES == 10
    alive, killed = start(staff), start(staff)
    now = timezone.now()
    Job.objects.filter(pk__in=[alive.pk, killed.pk]).update(
        state=Job.State.RUNNING, started_at=now - dt.timedelta(hours=2)
    )
    # Their last heartbeats (job_progress), at 1 and at 11 minutes ago.
    for job, minutes in ((alive, 1), (killed, 11)):
        jobs.job_progress(job=job, done=500, total=0)
        Job.objects.filter(pk=job.pk).update(updated_at=now - dt.timedelta(minutes=minutes))

    assert jobs.jobs_fail_stalled() == 1
    alive.refresh_from_db()
    killed.refresh_from_db()
    assert alive.state == Job.State.RUNNING
    assert (killed.state, killed.progress_done) == (Job.State.FAILED, 500)
    assert "10分钟没有进展" in killed.error


def test_a_job_that_waited_long_for_a_worker_starts_with_a_heartbeat(staff, monkeypatch):
    seen = []

    def handler(job: Job) -> None:
        seen.append(jobs.jobs_fail_stalled())  # the watchdog, while the handler runs

    monkeypatch.setitem(
        jobs._KINDS, KIND, jobs.JobKind(KIND, "测试任务", "cadres.change_person", handler)
    )
    job = start(staff)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - dt.timedelta(hours=1))
    assert run(job).state == Job.State.DONE
    assert seen == [0]


def test_the_ticker_beats_at_once_then_at_most_every_interval(staff, echo, monkeypatch):
    job = start(staff)
    clock = [1000.0]
    monkeypatch.setattr(jobs.time, "monotonic", lambda: clock[0])
    tick = jobs.job_ticker(job)
    tick(1)
    tick(2)
    job.refresh_from_db()
    assert job.progress_done == 1  # the second came too soon to be written
    clock[0] += jobs.HEARTBEAT_SECONDS
    tick(3, 10)
    job.refresh_from_db()
    assert (job.progress_done, job.progress_total) == (3, 10)


# Pages ------------------------------------------------------------------------------


def test_job_page_polls_while_running_and_offers_the_download_when_done(client, staff, echo):
    client.force_login(staff)
    job = start(staff, JINCHANG)
    url = reverse("cadres:job_detail", args=[job.pk])
    page = client.get(url)
    assert 'hx-trigger="every 2s"' in page.text
    assert "测试任务" in page.text
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "cadres/_job_status.html"
    assert "排队中" in partial.text

    run(job)
    partial = client.get(url, HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in partial.text
    download = reverse("cadres:job_download", args=[job.pk])
    assert download in partial.text
    assert download in client.get(reverse("cadres:job_list")).text

    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"done\n"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id) == (
        AccessLogEntry.Action.DOWNLOAD,
        "cadres.Job",
        str(job.pk),
    )


def test_failed_job_page_retries_and_returns_where_asked(client, staff, echo):
    client.force_login(staff)
    job = run(start(staff, JINCHANG, fail=True))
    page = client.get(reverse("cadres:job_detail", args=[job.pk]))
    assert "名单格式不对" in page.text
    assert "重试" in page.text
    retry = reverse("cadres:job_retry", args=[job.pk])
    response = client.post(retry, {"next": reverse("cadres:job_list")})
    assert response.url == reverse("cadres:job_list")
    job.refresh_from_db()
    assert (job.state, job.attempt) == (Job.State.QUEUED, 2)
    # Not a failed job any more: refused with the reason, and no redirect off the site.
    response = client.post(retry, {"next": "https://evil.example/"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("cadres:job_detail", args=[job.pk])
    assert "只有失败的任务可以重试" in response.text


def test_retry_is_offered_only_to_users_who_may_retry(client, staff, district_reviewer, echo):
    """The district reviewer sees every job but lacks the kind's permission (writing the
    register): no button that would answer 403, a note instead."""
    job = run(start(staff, JINCHANG, fail=True))
    url = reverse("cadres:job_detail", args=[job.pk])
    retry = reverse("cadres:job_retry", args=[job.pk])
    client.force_login(district_reviewer)
    page = client.get(url, HTTP_HX_REQUEST="true")
    assert "名单格式不对" in page.text
    assert retry not in page.text
    assert "有权发起此类任务的用户才能重试" in page.text
    assert client.post(retry).status_code == 403
    client.force_login(staff)
    assert retry in client.get(url, HTTP_HX_REQUEST="true").text


def test_another_townships_jobs_are_404(client, staff, other_staff, echo):
    job = run(start(staff, JINCHANG))
    client.force_login(other_staff)
    for name in ("cadres:job_detail", "cadres:job_download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("cadres:job_retry", args=[job.pk])).status_code == 404
    listed = client.get(reverse("cadres:job_list")).text
    assert reverse("cadres:job_detail", args=[job.pk]) not in listed
    assert not AccessLogEntry.objects.exists()


def test_job_list_filters_by_state_and_reads_flat(client, staff, echo):
    failed = run(start(staff, JINCHANG, fail=True))
    run(start(staff, JINCHANG))
    client.force_login(staff)
    url = reverse("cadres:job_list")
    assert list(client.get(url, {"state": "failed"}).context["jobs"]) == [failed]

    def more_jobs():
        for _ in range(3):
            run(start(staff, JINCHANG))

    for query in ({}, {"format": "xlsx"}):
        assert_queries_flat(lambda query=query: client.get(url, query), more_jobs)
    assert len(client.get(url).context["jobs"]) == 8
