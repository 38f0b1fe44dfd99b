"""Settings come from the environment and are safe without DEBUG."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k9$Qv2!mZp7#Lx4@Tn8^Rb1&Hs6*Wd3(Yf5)Jg0-Ec2+Ua7=Oi9"
ACCESS_LOG_KEY = "b7Tq0wLzN4pXe9VrK2sYh6DjM1cFa8Gu"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("DJANGO_") and k != "ACCESS_LOG_KEY"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = run_manage("check", DJANGO_DEBUG="false")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key",
    ["short-key-1234", "x" * 60, "django-insecure-" + STRONG_KEY],
    ids=["short", "one-character", "insecure-prefix"],
)
def test_refuses_to_start_with_a_weak_secret_key_when_debug_is_off(key):
    """Issue 20 finding 10: what check --deploy warns about is refused in production."""
    result = run_manage(
        "check",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=key,
        ACCESS_LOG_KEY=ACCESS_LOG_KEY,
        DJANGO_ALLOWED_HOSTS="example.org",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is weak" in result.stderr


@pytest.mark.parametrize("key", [None, "", "too-short"])
def test_refuses_to_start_without_a_strong_access_log_key_when_debug_is_off(key):
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": STRONG_KEY}
    if key is not None:
        env["ACCESS_LOG_KEY"] = key
    result = run_manage("check", **env)
    assert result.returncode != 0
    assert "ACCESS_LOG_KEY" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=STRONG_KEY,
        DJANGO_ALLOWED_HOSTS="example.org",
        ACCESS_LOG_KEY=ACCESS_LOG_KEY,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_sqlite_uses_wal_immediate_transactions_and_busy_timeout(settings):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_language_and_time_zone(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"


def test_celery_is_configured_for_reliability(settings):
    from dongchang.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    assert app.conf.timezone == "Asia/Shanghai"
    assert app.conf.broker_connection_max_retries is None  # a worker never gives up
    if settings.CELERY_BROKER_URL.startswith("redis"):
        assert app.conf.broker_transport_options["visibility_timeout"] > app.conf.task_time_limit


def test_email_is_off_by_default_and_read_from_the_environment():
    """Reminders (issue 22): no host, no e-mail; SMTP from DJANGO_EMAIL_*; TLS xor SSL."""
    show = (
        "from django.conf import settings as s; "
        "print(repr(s.EMAIL_HOST), s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS, "
        "s.EMAIL_USE_SSL, s.DEFAULT_FROM_EMAIL, s.EMAIL_BACKEND)"
    )
    off = run_manage("shell", "--no-imports", "-c", show, DJANGO_DEBUG="true")
    assert off.stdout.split()[0] == "''", off.stderr
    on = run_manage(
        "shell",
        "--no-imports",
        "-c",
        show,
        DJANGO_DEBUG="true",
        DJANGO_EMAIL_HOST="smtp.example.org",
        DJANGO_EMAIL_PORT="587",
        DJANGO_EMAIL_HOST_USER="cadres",
        DJANGO_EMAIL_USE_TLS="true",
        DJANGO_DEFAULT_FROM_EMAIL="cadres@example.org",
    )
    assert on.stdout.split() == [
        "'smtp.example.org'",
        "587",
        "cadres",
        "True",
        "False",
        "cadres@example.org",
        "django.core.mail.backends.smtp.EmailBackend",
    ], on.stderr
    both = run_manage(
        "check", DJANGO_DEBUG="true", DJANGO_EMAIL_USE_TLS="true", DJANGO_EMAIL_USE_SSL="true"
    )
    assert both.returncode != 0
    assert "DJANGO_EMAIL_USE_TLS" in both.stderr
