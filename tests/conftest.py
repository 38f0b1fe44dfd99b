import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from hypothesis import settings as hypothesis_settings
from kombu import pools as kombu_pools

from tests.factories import UserFactory

# Timing varies with machine load; examples are judged by their outcome, not their speed.
hypothesis_settings.register_profile("project", deadline=None)
# CI (HYPOTHESIS_PROFILE=ci) draws the same examples every run, so whether a change lands
# never depends on a lucky draw; runs elsewhere keep exploring new ones.
hypothesis_settings.register_profile("ci", deadline=None, derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "project"))

ROOT = Path(__file__).resolve().parent.parent

# Loaders of the data migrations, in dependency order; apps add theirs here.
REFERENCE_DATA_LOADERS = [
    ("cadres.migrations.0002_dongchang_townships", "load"),
    ("dongchang.accounts.migrations.0002_roles", "make_roles"),
    ("dongchang.migrations.0002_report_permissions", "grant"),
    ("dongchang.accounts.migrations.0003_register_permissions", "grant"),
    ("vetting.migrations.0002_roles_and_mild_measures", "forwards"),
    ("vetting.migrations.0003_district_reviewers_end_posts", "forwards"),
    ("vetting.migrations.0005_candidate_roles", "grant"),
    ("dongchang.accounts.migrations.0005_department_reveals_candidate_ids", "grant"),
    ("vetting.migrations.0017_negative_list_and_eligibility_rules", "load"),
    ("cadres.migrations.0006_records_permissions", "grant"),
    ("cadres.migrations.0009_secretary_changes", "grant"),
    ("training.migrations.0002_role_permissions", "grant"),
    ("supervision.migrations.0002_roles_and_schedules", "grant"),
    ("cadres.migrations.0010_strict_control_life_cycle", "grant"),
    ("dongchang.accounts.migrations.0004_post_origin_permissions", "apply"),
    ("cadres.migrations.0020_jobs", "grant"),
    ("dongchang.accounts.migrations.0006_access_log_page", "grant"),
    ("cadres.migrations.0025_structure_targets", "load"),
    ("dongchang.migrations.0003_warning_lights", "load"),
    ("supervision.migrations.0006_handover_permissions", "grant"),
    ("dongchang.migrations.0005_todo_deadlines", "load"),
    ("vetting.migrations.0029_election_roles", "grant"),
    ("cadres.migrations.0030_place_events", "grant"),
]

JINCHANG = "220502100"
HUANTONG = "220502200"


@pytest.fixture(autouse=True)
def isolated_uploads(settings, tmp_path):
    """Each test stores uploads and built files in a folder of its own (parallel runs)."""
    location = tmp_path / "uploads"
    settings.MEDIA_ROOT = location
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(location)}},
    }


@pytest.fixture(scope="session", autouse=True)
def session_access_log_checkpoints(tmp_path_factory):
    """Checkpoints written by module and session fixtures go to the run's own folder, never
    to var/, where a checkpoint of an earlier run's database would break the next run's."""
    with override_settings(
        ACCESS_LOG_CHECKPOINT_DIR=tmp_path_factory.mktemp("access-log-checkpoints")
    ):
        yield


@pytest.fixture(autouse=True)
def figures_counted_each_time(settings):
    """Tests change the data between two readings of the figures kept for the day (the team
    structure, the eligibility review's count): each is counted. Tests of the cache itself
    ask for ``figures_kept``."""
    settings.FIGURES_CACHE_SECONDS = 0


@pytest.fixture
def figures_kept(settings):
    settings.FIGURES_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def isolated_access_log_checkpoints(settings, tmp_path):
    """Each test appends access log checkpoints to a file of its own."""
    settings.ACCESS_LOG_CHECKPOINT_DIR = tmp_path / "access-log-checkpoints"


ACCESS_LOG_TABLE = "cadres_accesslogentry"


def access_log_triggers(enabled: bool) -> None:
    """Turn the PostgreSQL triggers that keep the access log append-only on or off.

    Off, a test can play the part of whoever owns the table, and a flush can empty it.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # ALTER TABLE waits for no one: the deferred foreign key checks of the rows this
            # transaction wrote are run now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                f"ALTER TABLE {ACCESS_LOG_TABLE} {'ENABLE' if enabled else 'DISABLE'} TRIGGER USER"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def access_log_tamperable(db):
    """The access log can be edited and emptied, as by its table's owner, for this test."""
    access_log_triggers(False)  # inside the test's transaction: rolled back after it


@pytest.fixture
def staff(db):
    """Township staff of 金厂镇."""
    return UserFactory(role="乡镇工作人员", townships=[JINCHANG])


@pytest.fixture
def other_staff(db):
    """Township staff of 环通乡, for cross-township checks."""
    return UserFactory(role="乡镇工作人员", townships=[HUANTONG])


@pytest.fixture
def township_reviewer(db):
    return UserFactory(role="乡镇审核人", townships=[JINCHANG])


@pytest.fixture
def district_reviewer(db):
    return UserFactory(role="区级审核人")


@pytest.fixture
def department_user(db):
    return UserFactory(role="联审部门", department="discipline")


@pytest.fixture
def system_admin(db):
    """系统管理员 without superuser: what the role's permissions allow, no more."""
    return UserFactory(role="系统管理员")


def _database_url_for_worker() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def load_reference_data() -> None:
    """Put back what data migrations made (townships, roles and their permissions)."""
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    # A flush also dropped the content types that this process has cached.
    ContentType.objects.clear_cache()
    for module, function in REFERENCE_DATA_LOADERS:
        getattr(importlib.import_module(module), function)(apps, None)


_db_blocker = None


@pytest.fixture(scope="session", autouse=True)
def _remember_db_blocker(django_db_blocker):
    global _db_blocker
    _db_blocker = django_db_blocker


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a transactional test's flush, reload the migrations' rows.

    A hook, not a fixture, so that it runs after every fixture's teardown (the flush
    included), whatever order the tests run in: parallel processes do not keep
    pytest-django's transactional-tests-last order.
    """
    marker = item.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )
    # Nothing to restore after the last test (its teardown dropped the test database)
    # or after one skipped before its fixtures ran (it never touched the database).
    used_database = "django_db_setup" in (getattr(item, "funcargs", None) or {})
    flushed = transactional and used_database and _db_blocker is not None
    if flushed:
        # The flush truncates the access log, which its trigger refuses on PostgreSQL.
        with _db_blocker.unblock():
            access_log_triggers(False)
    result = yield
    if flushed and nextitem is not None:
        with _db_blocker.unblock():
            access_log_triggers(True)
            load_reference_data()
    return result


@pytest.fixture
def reference_data(transactional_db):
    """The migrations' rows at the start of a transactional test (its predecessor may have
    flushed them before this process restored them)."""
    load_reference_data()


def reset_producer_pools(app) -> None:
    """This process's producer connects anew, to the broker the settings name now.

    kombu keeps its pools in a registry keyed by the broker URL: closing the app's pool
    alone would leave a closed pool there for the next test on the same URL.
    """
    kombu_pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def unreachable_broker_url() -> str:
    """A broker URL on a port where nothing listens: a broker that is down, not a mock."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"redis://127.0.0.1:{probe.getsockname()[1]}/0"


@pytest.fixture
def broker_down(monkeypatch):
    """The broker is down for this process until the test ends."""
    from dongchang.celery import app

    down = unreachable_broker_url()
    monkeypatch.setenv("CELERY_BROKER_URL", down)
    reset_producer_pools(app)
    yield down
    monkeypatch.undo()
    reset_producer_pools(app)


@pytest.fixture
def celery_broker_url() -> str:
    """The broker of the worker and of this process; a test module overrides it for another."""
    return settings.CELERY_BROKER_URL


@pytest.fixture
def celery_worker_include() -> list[str]:
    """Modules of tasks for tests only that the worker imports; a test module adds its own."""
    return []


def worker_env(broker_url: str) -> dict[str, str]:
    """The environment of a worker process on the test database and the given broker."""
    return {
        **os.environ,
        "DATABASE_URL": _database_url_for_worker(),
        "CELERY_BROKER_URL": broker_url,
        "DJANGO_DEBUG": "true",
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
    }


def broker_purge(broker_url: str) -> None:
    """Nothing left over from an earlier test for a new worker to run."""
    from dongchang.celery import app

    if broker_url.startswith("filesystem://"):
        shutil.rmtree(
            settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"], ignore_errors=True
        )
        Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"]).mkdir(parents=True)
    else:
        app.control.purge()


@pytest.fixture
def celery_worker_process(reference_data, celery_broker_url, celery_worker_include):
    """A real Celery worker process, on the test database and the broker of celery_broker_url.

    Yields a function that kills the worker with SIGKILL and starts a new one, for fault tests.
    """
    broker_purge(celery_broker_url)
    env = worker_env(celery_broker_url)
    log_path = settings.VAR_DIR / "test-worker.log"
    log = open(log_path, "ab")  # noqa: SIM115 (closed at teardown)
    _worker_logs.append((log_path, log.tell()))
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "dongchang",
                "worker",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                *(("--include", ",".join(celery_worker_include)) if celery_worker_include else ()),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    class Worker:
        process = start()

        def kill_and_restart(self) -> None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = start()

        def restart_if_exited(self) -> None:
            """What the worker's process supervisor does in production (README)."""
            if self.process.poll() is not None:
                self.process = start()

    yield Worker()
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    log.close()
    _worker_logs.pop()


# (path, offset) of the running test worker's log: a worker test that times out shows what
# the worker did, which is all CI keeps of it.
_worker_logs: list[tuple[Path, int]] = []


def _worker_log_tail(lines: int = 40) -> str:
    if not _worker_logs:
        return ""
    path, offset = _worker_logs[-1]
    with open(path, "rb") as log:
        log.seek(offset)
        tail = log.read().decode(errors="replace").splitlines()[-lines:]
    return "\nthe worker's log ends:\n" + "\n".join(tail)


def wait_for(condition, timeout: float = 60.0, interval: float = 0.2):
    """Poll until condition() is truthy; fail the test with a clear message otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s{_worker_log_tail()}")
