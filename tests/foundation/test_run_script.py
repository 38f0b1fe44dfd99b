"""`make run` starts its worker (beat runs inside it) again when it exits."""

import importlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from dongchang.tasks import clear_expired_sessions
from tests.conftest import ROOT, broker_purge, wait_for, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def run_script(monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    return importlib.import_module("run")


def test_a_worker_that_exits_is_started_again_and_runs_tasks(reference_data, run_script, capsys):
    broker_purge(settings.CELERY_BROKER_URL)
    worker = run_script.worker(worker_env(settings.CELERY_BROKER_URL))
    worker.start()
    try:
        worker.kill()

        def started_again() -> bool:
            worker.tend()
            return worker.starts == 2

        wait_for(started_again, timeout=10, interval=0.1)
        assert "the worker exited with code -9; starting it again in 1 s" in capsys.readouterr().out
        Session.objects.create(
            session_key="expired-session-key-0002",
            session_data="",
            expire_date=timezone.now() - timedelta(days=1),
        )
        clear_expired_sessions.delay()
        wait_for(
            lambda: not Session.objects.filter(session_key="expired-session-key-0002").exists()
        )
        assert worker.running()
    finally:
        worker.stop()
