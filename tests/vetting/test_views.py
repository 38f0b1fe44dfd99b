"""Screening pages: who sees what, decisions, bulk dismissal, import page, progress."""

import datetime as dt
import io
from itertools import islice

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cadres import jobs
from cadres.models import AccessLogEntry, ImportFile, Job
from tests.factories import (
    UserFactory,
    VillageFactory,
    cadre,
    hanzi_number,
    make_id_number,
    township,
)
from tests.querycount import assert_queries_flat
from tests.vetting.factories import import_list, run_inline, upload, workbook_bytes
from vetting.models import Hit, RemovalCase, ScreeningRun, WatchlistEntry, WatchlistSource
from vetting.services import review, watchlists

pytestmark = pytest.mark.django_db

BIRTH = dt.date(1971, 1, 1)


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def hits(district_reviewer):
    """One strong hit in 金厂镇 and one in 环通乡."""
    here = cadre(name="陈勇", id_number=make_id_number(BIRTH, 60))
    there = cadre(
        VillageFactory(township=township("220502200")),
        name="陈艳",
        id_number=make_id_number(BIRTH, 61, male=False),
    )
    import_list(
        district_reviewer,
        [
            {"name": p.name, "id_number": p.id_number, "measure": "有期徒刑一年"}
            for p in (here, there)
        ],
        kind=WatchlistSource.Kind.CRIMINAL,
        source="法院判决名单",
    )
    run_inline()
    return Hit.objects.get(person=here), Hit.objects.get(person=there)


def test_staff_see_their_townships_hits_read_only(client, staff, hits):
    here, there = hits
    login(client, staff)
    page = client.get(reverse("vetting:hit_list"))
    assert page.status_code == 200
    assert list(page.context["hits"]) == [here]
    assert not page.context["can_review"]
    assert here.person.id_number not in page.content.decode()  # masked
    assert "身份证号不同即为不同的人" in page.content.decode()  # why namesakes are not hits
    detail = client.get(reverse("vetting:hit_detail", args=[here.pk]))
    assert detail.status_code == 200
    # The reviewer reads which fields matched in Chinese, not the engine's keys.
    assert '<span class="badge">身份证号</span>' in detail.text
    assert "id_number" not in detail.text
    assert f'href="{reverse("cadres:detail", args=[here.person_id])}"' in detail.text
    assert client.get(reverse("cadres:detail", args=[here.person_id])).status_code == 200
    assert client.get(reverse("vetting:hit_detail", args=[there.pk])).status_code == 404
    response = client.post(
        reverse("vetting:hit_decide", args=[here.pk]), {"action": "dismiss", "reason": "重名"}
    )
    assert response.status_code == 403
    assert AccessLogEntry.objects.filter(user=staff, action="view_hits").count() == 2


def test_departments_see_no_hits(client, department_user, hits):
    login(client, department_user)
    assert client.get(reverse("vetting:hit_list")).status_code == 403
    assert client.get(reverse("vetting:hit_detail", args=[hits[0].pk])).status_code == 403


def test_list_filters_and_query_count_does_not_grow(client, district_reviewer, hits):
    login(client, district_reviewer)
    url = reverse("vetting:hit_list")
    page = client.get(url, {"township": township("220502200").pk})
    assert list(page.context["hits"]) == [hits[1]]
    assert list(client.get(url, {"match_kind": "possible"}).context["hits"]) == []
    assert len(client.get(url, {"list_kind": "criminal"}).context["hits"]) == 2

    numbers = iter(range(70, 90))

    def more_hits():
        for n in (next(numbers) for _ in range(5)):
            person = cadre(name=f"新{hanzi_number(n)}", id_number=make_id_number(BIRTH, n))
            import_list(
                district_reviewer,
                [{"name": person.name, "id_number": person.id_number}],
                source=f"名单{n}",
            )
        run_inline()

    assert len(assert_queries_flat(lambda: client.get(url), more_hits).context["hits"]) > 2
    assert_queries_flat(lambda: client.get(url, {"format": "xlsx"}), more_hits)
    export = client.get(url, {"format": "xlsx"})
    assert export.status_code == 200


def test_reviewer_confirms_and_a_removal_case_opens(client, district_reviewer, hits):
    here, _there = hits
    login(client, district_reviewer)
    url = reverse("vetting:hit_decide", args=[here.pk])
    page = client.post(url, {"action": "confirm", "reason": ""})
    assert page.status_code == 200
    assert page.context["form"].errors["reason"]
    client.post(url, {"action": "confirm", "reason": "系本人"})
    case = RemovalCase.objects.get(hit=here)
    decide = reverse("vetting:removal_detail", args=[case.pk])
    # Separation of duties: whoever confirmed the hit does not decide the removal.
    assert client.post(decide, {"remove": "remove", "reason": "依规清退"}).status_code == 403
    login(client, UserFactory(role="区级审核人"))
    response = client.post(decide, {"remove": "remove", "reason": "依规清退"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "removed"


def test_removal_list_is_scoped_filters_and_reads_flat(client, staff, district_reviewer, hits):
    def confirm(pending):
        for hit in pending:
            review.hit_confirm(actor=district_reviewer, hit=hit, reason="系本人")

    confirm(hits)
    url = reverse("vetting:removal_list")
    # 金厂镇's staff see 金厂镇's case only.
    assert [c.person.name for c in login(client, staff).get(url).context["cases"]] == ["陈勇"]
    login(client, district_reviewer)
    assert len(client.get(url).context["cases"]) == 2
    assert list(client.get(url, {"status": "removed"}).context["cases"]) == []

    numbers = iter(range(70, 90))

    def more_cases():
        people = [
            cadre(name=f"新{hanzi_number(n)}", id_number=make_id_number(BIRTH, n))
            for n in islice(numbers, 3)
        ]
        entries = [
            {"name": p.name, "id_number": p.id_number, "measure": "有期徒刑一年"} for p in people
        ]
        import_list(district_reviewer, entries, source=f"名单{people[0].pk}")
        run_inline()
        confirm(Hit.objects.filter(status=Hit.Status.PENDING))

    page = assert_queries_flat(lambda: client.get(url), more_cases)
    assert len(page.context["cases"]) > 2
    export = assert_queries_flat(lambda: client.get(url, {"format": "xlsx"}), more_cases)
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 1 + RemovalCase.objects.count()


def test_bulk_dismiss(client, district_reviewer, hits):
    login(client, district_reviewer)
    response = client.post(
        reverse("vetting:hits_dismiss"), {"hit": [h.pk for h in hits], "reason": "明显误报"}
    )
    assert response.status_code == 302
    assert Hit.objects.filter(status="dismissed").count() == 2


def test_bulk_dismiss_leaves_out_boxes_that_are_no_keys(client, district_reviewer, hits):
    """Issue 20 finding 6: "²" passes isdigit() but not int(), a server error."""
    login(client, district_reviewer)
    ticked = [hits[0].pk, "²", "99999999999999999999"]
    response = client.post(reverse("vetting:hits_dismiss"), {"hit": ticked, "reason": "明显误报"})
    assert response.status_code == 302
    assert list(Hit.objects.filter(status="dismissed")) == [hits[0]]


def test_staff_may_not_dismiss_in_bulk(client, staff, hits):
    login(client, staff)
    response = client.post(reverse("vetting:hits_dismiss"), {"hit": [hits[0].pk], "reason": "x"})
    assert response.status_code == 403


def _upload(client, content: bytes):
    return client.post(
        reverse("vetting:watchlist_upload"),
        {"file": upload(content), "source": "纪委名单", "kind": "party_discipline"},
    )


def test_import_page_has_a_worker_check_then_import(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    login(client, district_reviewer)
    number = make_id_number(BIRTH, 70)
    content = workbook_bytes([{"name": "某某", "id_number": number, "measure": "开除党籍"}])
    with django_capture_on_commit_callbacks() as sent:
        response = _upload(client, content)
    record = ImportFile.objects.get()
    assert response.url == reverse("vetting:watchlist_preview", args=[record.pk])
    assert (record.status, len(sent)) == ("checking", 1)
    assert record.summary == {"source": "纪委名单", "kind": "party_discipline"}
    # The page polls while the worker reads the file.
    assert 'hx-trigger="every 2s"' in client.get(response.url).text

    # What the worker does; a message delivered twice does no harm.
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "vetting/_watchlist_status.html"
    assert "hx-trigger" not in partial.text
    assert "读取1行" in partial.text
    assert "2205**********" + number[-4:] in partial.text
    assert number not in partial.text
    assert "确认导入" in partial.text
    assert not WatchlistEntry.objects.exists()

    confirm = reverse("vetting:watchlist_confirm", args=[record.pk])
    with django_capture_on_commit_callbacks() as sent:
        assert client.post(confirm).url == response.url
    record.refresh_from_db()
    assert (record.status, len(sent)) == ("importing", 1)
    # A second click does not import twice.
    with django_capture_on_commit_callbacks() as sent:
        again = client.post(confirm, follow=True)
    assert not sent
    assert "只有检查无误的文件才能导入" in again.text

    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    assert WatchlistEntry.objects.count() == 1
    record.refresh_from_db()
    assert record.status == "imported"
    page = client.get(response.url)
    run = ScreeningRun.objects.get(watchlist_import__import_file=record)
    assert "名单已导入" in page.text
    assert reverse("vetting:run_detail", args=[run.pk]) in page.text


def test_import_page_with_the_broker_down_offers_a_retry_that_goes_on(
    client, district_reviewer, broker_down, django_capture_on_commit_callbacks
):
    login(client, district_reviewer)
    content = workbook_bytes([{"name": "某某", "id_number": make_id_number(BIRTH, 71)}])
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, content)
    record = ImportFile.objects.select_related("job").get()
    # The file is kept and still waits for its check; its job failed and says why.
    assert (record.status, record.job.state) == ("checking", Job.State.FAILED)
    page = client.get(response.url)
    assert "后台服务暂不可用" in page.text
    assert 'hx-trigger="every' not in page.text  # no longer polls
    retry = reverse("cadres:job_retry", args=[record.job.pk])
    assert retry in page.text
    with django_capture_on_commit_callbacks() as sent:
        assert client.post(retry, {"next": response.url}).url == response.url
    assert len(sent) == 1
    record.job.refresh_from_db()
    assert 'hx-trigger="every 2s"' in client.get(response.url).text
    # The worker runs the retried job: the preview is there.
    jobs.job_execute(job_id=record.job.pk, attempt=record.job.attempt)
    record.refresh_from_db()
    assert record.status == "previewed"
    record.job.refresh_from_db()
    assert record.job.progress_done == 1  # its heartbeat: the first row read
    assert "确认导入" in client.get(response.url).text


def test_import_page_shows_row_errors_and_keeps_no_file(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    login(client, district_reviewer)
    content = workbook_bytes([{"name": "某某", "id_number": 220502197101010011.0}])
    with django_capture_on_commit_callbacks():
        response = _upload(client, content)
    record = ImportFile.objects.get()
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    record.refresh_from_db()
    assert record.status == "failed"
    assert not record.file
    page = client.get(response.url)
    assert "第3行" in page.text
    assert "身份证号" in page.text
    assert "没有写入名单，文件也未保留" in page.text
    with django_capture_on_commit_callbacks() as sent:
        client.post(reverse("vetting:watchlist_confirm", args=[record.pk]))
    assert not sent
    assert not WatchlistEntry.objects.exists()


def test_import_page_refuses_an_unreadable_file_at_once(client, district_reviewer):
    login(client, district_reviewer)
    page = _upload(client, b"not a workbook at all")
    assert page.status_code == 200
    assert page.context["form"].errors
    no_name = workbook_bytes([{"id_number": "x"}], header=["身份证号"])
    page = _upload(client, no_name)
    assert page.status_code == 200
    assert "姓名" in str(page.context["form"].errors)
    assert not ImportFile.objects.exists()


def test_import_page_is_for_importers_only(client, staff):
    login(client, staff)
    assert client.get(reverse("vetting:watchlist_upload")).status_code == 403


def test_run_page_polls_while_running(client, district_reviewer):
    login(client, district_reviewer)
    cadre(name="某人")
    response = client.post(reverse("vetting:run_start"))
    run = ScreeningRun.objects.get()
    assert response.url == reverse("vetting:run_detail", args=[run.pk])
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "<progress" in page
    partial = client.get(response.url, HTTP_HX_REQUEST="true")
    assert partial.templates[0].name == "vetting/_run_progress.html"


def test_run_list_filters_by_trigger_and_status(client, district_reviewer):
    Trigger, Status = ScreeningRun.Trigger, ScreeningRun.Status
    done = {"status": Status.DONE, "finished_at": timezone.now()}
    for _ in range(3):
        ScreeningRun.objects.create(trigger=Trigger.PERSON, **done)
    ScreeningRun.objects.create(trigger=Trigger.SCHEDULE, **done)
    ScreeningRun.objects.create(trigger=Trigger.MANUAL, status=Status.RUNNING)
    login(client, district_reviewer)
    url = reverse("vetting:run_list")

    def triggers(query):
        return sorted(run.trigger for run in client.get(url, query).context["runs"])

    # Person runs are many and small: the list opens on the runs that screen whole lists.
    assert triggers({}) == ["manual", "schedule"]
    assert len(triggers({"trigger": "all"})) == 5

    def more_person_runs():
        for _ in range(3):
            ScreeningRun.objects.create(trigger=Trigger.PERSON, **done)

    page = assert_queries_flat(lambda: client.get(url, {"trigger": "person"}), more_person_runs)
    assert {run.trigger for run in page.context["runs"]} == {"person"}
    assert triggers({"trigger": "schedule"}) == ["schedule"]
    assert triggers({"status": "running"}) == ["manual"]
    assert "没有符合条件的排查批次" in client.get(url, {"trigger": "import"}).text
    page = client.get(url, {"trigger": "nonsense"})
    assert page.status_code == 200
    assert "选择一个有效的选项" in page.text


def test_the_list_page_counts_each_entry_once_however_often_imported(client, district_reviewer):
    rows = [{"name": name, "birth_date": "1970-02-02"} for name in ("张一", "李二", "王三")]
    for _ in range(3):
        import_list(district_reviewer, rows)
    import_list(district_reviewer, rows[:2])  # 王三 leaves the list
    client.force_login(district_reviewer)
    source = client.get(reverse("vetting:watchlist_list")).context["sources"].get()
    assert (source.active_entries, source.retired_entries) == (2, 1)
