"""Faults in the middle of work: a broker restarted during a screening run, a database
write failing half way through an import. Real faults only: a real Redis killed and started
again, a real trigger that makes the database refuse a row."""

import datetime as dt
import math
import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cadres.models import ImportFile, Person, Post, Relative, VillagerGroup
from dongchang.celery import app
from tests.cadres_import.test_roster import cadre_row, number
from tests.cadres_import.workbooks import roster_bytes
from tests.conftest import reset_producer_pools, unreachable_broker_url, wait_for
from tests.factories import VillageFactory, hanzi_number, township
from tests.jobs import run_queued_jobs
from tests.trust.worker_tasks import busy
from tests.vetting.factories import import_list, upload, workbook_bytes
from tests.vetting.test_worker import done, hit_set, make_population
from vetting.models import (
    Hit,
    ScreeningChunk,
    ScreeningRun,
    WatchlistEntry,
    WatchlistImport,
    WatchlistSource,
)
from vetting.services import screening, watchlists

REDIS_SERVER = shutil.which("redis-server")


class PrivateRedis:
    """A redis-server of this test's own, on a free port: the shared one must stay up."""

    def __init__(self, folder):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.folder = folder
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # No snapshot and no append-only file: a kill loses every queued message, the
        # worst case a real restart can bring.
        self.process = subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--dir", str(self.folder), "--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        wait_for(lambda: self._answers(client), timeout=10, interval=0.05)

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def private_redis(tmp_path):
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.skip("the broker is not Redis (set CELERY_BROKER_URL=redis://…)")
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.process.terminate()
        server.process.wait(timeout=10)


@pytest.fixture
def celery_broker_url(private_redis, monkeypatch):
    """The worker and this process talk to the private Redis, for the length of the test."""
    from dongchang.celery import app

    # Celery reads the environment variable before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", private_redis.url)
    reset_producer_pools(app)
    yield private_redis.url
    monkeypatch.undo()
    reset_producer_pools(app)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_restarted_mid_run_the_run_completes_with_the_same_hits(
    private_redis, celery_worker_process, district_reviewer
):
    rows = make_population(20)
    imp = import_list(district_reviewer, rows)
    wait_for(lambda: done(ScreeningRun.objects.get(watchlist_import=imp)))
    expected = hit_set()
    assert expected
    Hit.objects.all().delete()

    run = screening.screening_run_start(
        actor=district_reviewer, trigger=ScreeningRun.Trigger.MANUAL, chunk_size=1
    )
    wait_for(lambda: run.chunks.filter(status="done").exists(), interval=0.01)
    private_redis.kill()
    run.refresh_from_db()
    assert run.chunks_done < run.chunks_total  # killed mid-run
    time.sleep(1)  # the worker notices and keeps trying to reconnect
    private_redis.start()
    # Redis lost the queued chunks with its memory: the watchdog (beat, every five minutes)
    # hands out again the chunks of a run that stopped progressing, as often as it takes; a
    # message published before the worker is back may be lost too. Here it fires every few
    # seconds. Publishing goes through this process's pooled connection, which died with
    # the old server.
    last_watch = -math.inf

    def watchdog_until_done() -> bool:
        nonlocal last_watch
        if done(run):
            return True
        # Most often the worker reconnects by itself. Now and then kombu's Redis transport
        # fails while closing the lost connection ("Unrecoverable error: AttributeError …
        # 'hostname'") and the worker exits: its supervisor starts it again.
        celery_worker_process.restart_if_exited()
        if time.monotonic() - last_watch > 5:
            last_watch = time.monotonic()
            screening.screening_runs_resume_stalled(stalled_for=dt.timedelta(seconds=1))
        return False

    wait_for(watchdog_until_done, timeout=120)
    assert hit_set() == expected
    assert run.chunks_done == run.chunks_total
    assert run.matches == len(expected)
    assert celery_worker_process.process.poll() is None


@pytest.fixture
def celery_worker_include():
    return ["tests.trust.worker_tasks"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_redis_restarted_while_the_worker_is_busy_the_task_ends_and_a_worker_runs_on(
    private_redis, celery_worker_process, tmp_path
):
    """Issue 20 finding 5. Celery 5.7 / kombu 5.7: a worker busy with a task when Redis goes
    away fails while it restores the unacknowledged message over the closed connection
    ("Unrecoverable error: AttributeError … 'hostname'") and exits once the task is done; no
    setting avoids it (README, Worker and Redis restarts). Its supervisor starts it again."""
    first, second = tmp_path / "first", tmp_path / "second"
    busy.delay(str(first), 4)
    wait_for(lambda: first.exists(), timeout=20, interval=0.05)
    private_redis.kill()
    time.sleep(1)
    private_redis.start()
    wait_for(lambda: first.read_text() == "started\nended\n", timeout=20)
    # This process's pooled connection died with the old server.
    reset_producer_pools(app)
    busy.delay(str(second), 0)

    def second_ran() -> bool:
        celery_worker_process.restart_if_exited()
        return second.exists() and second.read_text() == "started\nended\n"

    wait_for(second_ran, timeout=40)
    assert celery_worker_process.process.poll() is None
    # Not cut short and not run twice.
    assert first.read_text() == "started\nended\n"


# An import whose database write fails midway -----------------------------------------

COUNTED = [
    Person,
    Person.history.model,
    Post,
    Post.history.model,
    Relative,
    Relative.history.model,
    VillagerGroup,
    WatchlistSource,
    WatchlistImport,
    WatchlistEntry,
    ScreeningRun,
    ScreeningChunk,
]


def database_state() -> dict:
    """Row counts of every table an import writes, and the uploads' status and summary."""
    return {
        **{model._meta.label: model.objects.count() for model in COUNTED},
        "files": list(ImportFile.objects.order_by("pk").values_list("pk", "status", "summary")),
    }


@contextmanager
def database_refuses_inserts(model, *, after: int):
    """A trigger makes the database refuse rows of ``model`` once ``after`` more are in."""
    table = model._meta.db_table
    limit = model.objects.count() + after
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A volatile trigger function sees the rows its own statement inserted so far.
            cursor.execute(
                "CREATE FUNCTION fault_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "  # noqa: S608 (a name from _meta)
                f"IF (SELECT count(*) FROM {table}) >= {limit} THEN "
                "RAISE EXCEPTION 'injected fault: % refuses the row', TG_TABLE_NAME; "
                "END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER fault_refuse BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION fault_refuse()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER fault_refuse BEFORE INSERT ON {table} "  # noqa: S608 (a name from _meta)
                f"WHEN (SELECT count(*) FROM {table}) >= {limit} "
                "BEGIN SELECT RAISE(ABORT, 'injected fault: the row is refused'); END"
            )
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER fault_refuse ON {table}")
                cursor.execute("DROP FUNCTION fault_refuse()")
            else:
                cursor.execute("DROP TRIGGER fault_refuse")


FAILED = "数据库拒绝了这次导入，没有导入任何内容"


@pytest.mark.django_db
def test_roster_import_failing_in_the_database_leaves_nothing(client, staff):
    VillageFactory(name="民主村", township=township("220502100"))
    client.force_login(staff)

    def confirm(data: bytes):
        client.post(
            reverse("cadres:import_upload"), {"file": SimpleUploadedFile("花名册.xlsx", data)}
        )
        run_queued_jobs()  # the worker's check
        record = ImportFile.objects.latest("pk")
        response = client.post(reverse("cadres:import_confirm", args=[record.pk]))
        run_queued_jobs()  # the worker's import
        return response, record

    # A register with one person already in it: the import updates them and adds others.
    confirm(roster_bytes([cadre_row(1)]))
    cadres = [cadre_row(1, 联系电话="13900139000")] + [cadre_row(n) for n in range(2, 6)]
    relatives = [
        {
            "干部身份证号": number(n),
            "姓名": f"李{hanzi_number(n)}",
            "关系": "配偶",
            "出生日期": "1976-01-01",
        }
        for n in range(1, 5)
    ]
    data = roster_bytes(cadres, relatives)
    before = database_state()

    # The family members' history is written last: the people, posts and family members
    # themselves are in by the time the database refuses the third history row.
    with database_refuses_inserts(Relative.history.model, after=2):
        response, record = confirm(data)
        assert response.url == reverse("cadres:import_preview", args=[record.pk])
        page = client.get(response.url)
        assert any(FAILED in message for message in page.context["import_errors"])
    after = database_state()
    assert after.pop("files")[:-1] == before.pop("files")  # the new upload aside
    assert after == before
    assert ImportFile.objects.get(pk=record.pk).status == ImportFile.Status.PREVIEWED
    assert Person.objects.get(id_number=number(1)).phone == "13800138000"

    response = client.post(reverse("cadres:import_confirm", args=[record.pk]))
    run_queued_jobs()  # the worker's import
    # A township's roster starts no post: its new people's posts wait on the file's page (需提名).
    assert response.url == reverse("cadres:import_preview", args=[record.pk])
    assert Person.objects.count() == 5
    assert Relative.objects.count() == 4
    assert Person.objects.get(id_number=number(1)).phone == "13900139000"
    assert ImportFile.objects.get(pk=record.pk).status == ImportFile.Status.IMPORTED


@pytest.mark.django_db
def test_watchlist_import_failing_in_the_database_leaves_nothing(
    client, district_reviewer, django_capture_on_commit_callbacks
):
    client.force_login(district_reviewer)
    list_name = {"source": "纪委名单", "kind": WatchlistSource.Kind.PARTY_DISCIPLINE}
    import_list(
        district_reviewer,
        [
            {"name": "赵一", "birth_date": "1966-06-06"},
            {"name": "赵二", "birth_date": "1967-07-07"},
        ],
        source=list_name["source"],
    )
    # Names of three characters with birth date and sex: entries with one-character keys.
    rows = [
        {"name": f"钱{given}", "sex": "男", "birth_date": f"19{60 + n}-01-01"}
        for n, given in enumerate(("文华", "建国", "志强", "海涛", "国庆", "卫东"))
    ]
    # The first entry changes, the second leaves the list (retired), six are new.
    rows.append({"name": "赵一", "birth_date": "1966-06-06", "measure": "开除党籍"})
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("vetting:watchlist_upload"), {"file": upload(workbook_bytes(rows)), **list_name}
        )
    record = client.get(response.url).context["record"]
    confirm = reverse("vetting:watchlist_confirm", args=[record.pk])
    # The worker's part of the page's import, done here.
    watchlists.watchlist_stored_check(import_file_id=record.pk)
    with django_capture_on_commit_callbacks():
        client.post(confirm)
    before = database_state()
    entries_before = list(WatchlistEntry.objects.order_by("pk").values())

    # The new entries are written last of the rows, after the change and the retirement:
    # the fourth of the six is refused.
    with database_refuses_inserts(WatchlistEntry, after=3):
        watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    assert list(WatchlistEntry.objects.order_by("pk").values()) == entries_before
    after = database_state()
    _pk, status, summary = after["files"].pop()
    _pk, _status, summary_before = before["files"].pop()
    assert status == ImportFile.Status.PREVIEWED
    assert FAILED in summary.pop("import_error")
    assert summary == summary_before
    assert after == before
    # The page says so, and the file can be confirmed again.
    assert FAILED in client.get(response.url).text
    with django_capture_on_commit_callbacks():
        client.post(confirm)
    watchlists.watchlist_stored_import(import_file_id=record.pk, actor_id=district_reviewer.pk)
    imp = WatchlistImport.objects.latest("pk")
    assert (imp.rows, imp.added, imp.changed, imp.retired) == (7, 6, 1, 1)
    assert WatchlistEntry.objects.filter(active=True).count() == 7
    record.refresh_from_db()
    assert record.status == ImportFile.Status.IMPORTED
    assert "import_error" not in record.summary


@pytest.mark.django_db
def test_a_broker_down_when_an_import_commits_leaves_the_run_to_the_watchdog(
    district_reviewer, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    from dongchang.celery import app

    person_rows = make_population(4)
    monkeypatch.setenv("CELERY_BROKER_URL", unreachable_broker_url())
    reset_producer_pools(app)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            imp = import_list(district_reviewer, person_rows)
    finally:
        monkeypatch.undo()
        reset_producer_pools(app)
    # The import stands; its run is recorded with every chunk still to do.
    assert WatchlistEntry.objects.filter(source=imp.source).count() == len(person_rows)
    run = ScreeningRun.objects.get(watchlist_import=imp)
    assert run.status == ScreeningRun.Status.RUNNING
    assert run.chunks.filter(status=ScreeningChunk.Status.PENDING).count() == run.chunks_total > 0
    assert "broker unreachable" in caplog.text
    # With the broker back, the watchdog hands the chunks out.
    assert screening.screening_runs_resume_stalled(stalled_for=dt.timedelta(0)) == run.chunks_total
