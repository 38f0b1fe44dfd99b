"""A real task on a real broker, run by a real worker process."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from dongchang.tasks import clear_expired_sessions
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_worker_runs_an_enqueued_task(celery_worker_process):
    Session.objects.create(
        session_key="expired-session-key-0001",
        session_data="",
        expire_date=timezone.now() - timedelta(days=1),
    )
    clear_expired_sessions.delay()
    wait_for(lambda: not Session.objects.filter(session_key="expired-session-key-0001").exists())
