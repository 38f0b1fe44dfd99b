"""The daily reminders on a real worker and the real broker: sent twice at once, each e-mail
goes out once (the worker writes them with Django's file backend)."""

import pytest
from celery import current_app

from dongchang.models import EmailSent, Notification
from dongchang.notifications import notification_add
from tests.conftest import _worker_logs, wait_for
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

TASK = "dongchang.tasks.reminders_daily"


@pytest.fixture
def mail_folder(monkeypatch, tmp_path):
    """SMTP configured for the worker (before it starts), its e-mails written to files."""
    folder = tmp_path / "mail"
    monkeypatch.setenv("DJANGO_EMAIL_HOST", "smtp.example.org")
    monkeypatch.setenv("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    monkeypatch.setenv("DJANGO_EMAIL_FILE_PATH", str(folder))
    return folder


def runs_done() -> int:
    path, offset = _worker_logs[-1]
    with open(path, "rb") as log:
        log.seek(offset)
        return sum(
            1
            for line in log.read().decode(errors="replace").splitlines()
            if TASK in line and "succeeded" in line
        )


def test_the_daily_task_sent_twice_at_once_sends_each_email_once(
    mail_folder, celery_worker_process
):
    users = [UserFactory(role="乡镇工作人员", email=f"staff{n}@example.org") for n in range(3)]
    for user in users:
        notification_add(
            user=user, key="overdue:1", kind=Notification.Kind.OVERDUE, message="待办逾期"
        )
    current_app.send_task(TASK)
    current_app.send_task(TASK)
    wait_for(lambda: runs_done() >= 2, timeout=120)
    assert EmailSent.objects.filter(kind=EmailSent.Kind.DIGEST).count() == 3
    written = "".join(path.read_text() for path in mail_folder.iterdir())
    assert written.count("Subject: ") == 3
    for user in users:
        assert written.count(f"To: {user.email}") == 1
