"""Settings for the Dongchang village cadre management system.

Everything that differs between a developer's machine and production comes from
the environment (see README, "Configuration"). Development defaults only apply
while DJANGO_DEBUG is on.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (see README, Configuration)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production-0123456789"  # noqa: S105
elif not DEBUG and (
    # What `check --deploy` only warns about (security.W009): signed cookies and password
    # reset links would be forgeable, so production does not start with it.
    len(SECRET_KEY) < SECRET_KEY_MIN_LENGTH
    or len(set(SECRET_KEY)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS
    or SECRET_KEY.startswith(SECRET_KEY_INSECURE_PREFIX)
):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is weak: use {SECRET_KEY_MIN_LENGTH}+ random characters, at least "
        f"{SECRET_KEY_MIN_UNIQUE_CHARACTERS} different, not starting with "
        f"{SECRET_KEY_INSECURE_PREFIX!r} (see README, Configuration)."
    )

# The key of the access log's HMAC chain and signed checkpoints (README, "The access log").
# Never in the database: whoever can write the database must not be able to re-hash the log.
ACCESS_LOG_KEY = os.environ.get("ACCESS_LOG_KEY", "")
if not DEBUG and len(ACCESS_LOG_KEY) < 32:
    raise ImproperlyConfigured(
        "ACCESS_LOG_KEY must be set to 32 or more random characters when DJANGO_DEBUG is off "
        "(see README, The access log)."
    )
ACCESS_LOG_KEY = ACCESS_LOG_KEY or "development-only-access-log-key-never-used-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "guardian",
    "axes",
    "simple_history",
    "django_filters",
    "django_htmx",
    "csp",
    # Not "rest_framework": the API renders JSON only, and as an installed app its zh_Hans
    # catalogue would replace Django's own messages on every form (这个字段是必填项。).
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "dongchang.accounts",
    "dongchang",
    "dongchang.api",
    "cadres",
    "cadres.records",
    "vetting",
    "training",
    "supervision",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dongchang.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dongchang.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dongchang.urls"
WSGI_APPLICATION = "dongchang.wsgi.application"
ASGI_APPLICATION = "dongchang.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dongchang.context_processors.user_townships",
                "dongchang.context_processors.notification_bell",
            ],
        },
    },
]

# Form widgets render from the project's templates first: the empty choice of every select
# reads in Chinese instead of Django's "---------" (templates/django/forms/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# Database -------------------------------------------------------------------

VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker share one file: WAL lets readers run
    # beside the writer, IMMEDIATE takes the write lock when a transaction starts
    # (so a read-then-write never fails half way with "database is locked"), and
    # the timeout makes a second writer wait instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that a worker process started by a test sees the data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Authentication ---------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "dongchang.accounts.security.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-axes: five failures lock the username from that address for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Behind reverse proxies every request comes from a proxy's address: the lockout would then
# count everyone's failures together. The number of proxies in front of the application
# says which X-Forwarded-For entry is the client's (see dongchang.accounts.security).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "dongchang.accounts.security.client_ip"

# django-guardian: no anonymous user row; township access is per user or group.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# Sessions expire after eight idle hours and when the browser closes.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Internationalization ---------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# Templates under templates/<app>/ keep their catalogue beside them (see scripts/messages.py).
LOCALE_PATHS = [
    BASE_DIR / "locale",
    *(
        BASE_DIR / "templates" / app / "locale"
        for app in ("cadres", "vetting", "training", "supervision")
    ),
]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# A filter left blank shows everything: say so (“全部”) instead of django-filter's dashes.
FILTERS_EMPTY_CHOICE_LABEL = _("All")

# Static and uploaded files ------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Uploads live under var/, outside the static and public paths; they are only
    # ever served by views that apply township scoping (DESIGN.md §6).
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "uploads"), "base_url": "/no-public-uploads/"},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "uploads"
# The append-only file of signed access log checkpoints, outside the database.
ACCESS_LOG_CHECKPOINT_DIR = Path(
    os.environ.get("ACCESS_LOG_CHECKPOINT_DIR", VAR_DIR / "access-log-checkpoints")
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Imported workbooks (cadres.services.import_file_store): the upload limit, and the
# zip-bomb guards on what the workbook claims to unpack to.
IMPORT_MAX_BYTES = int(os.environ.get("DJANGO_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("DJANGO_IMPORT_MAX_UNCOMPRESSED_BYTES", str(2 * 1024 * 1024 * 1024))
)
IMPORT_MAX_COMPRESSION_RATIO = 200
# A cadre's photo (cadres.person_details.person_photo_store): JPEG or PNG up to this size.
PERSON_PHOTO_MAX_BYTES = int(os.environ.get("DJANGO_PERSON_PHOTO_MAX_BYTES", str(2 * 1024 * 1024)))

# Security -------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

# Nothing is loaded from elsewhere: the app runs on a closed government network.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# E-mail (reminders) ---------------------------------------------------------------

# Off by default: without DJANGO_EMAIL_HOST no e-mail is sent, and none is recorded as sent
# (dongchang.notifications). DJANGO_EMAIL_BACKEND exists for tests and trials (a file backend).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set DJANGO_EMAIL_USE_TLS or DJANGO_EMAIL_USE_SSL, not both.")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "webmaster@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address of the site, for the links in e-mails (https://cadres.example.org); without
# it the links are paths.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "")

# The read-only API (dongchang/api, README "The read-only API") ------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["dongchang.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["dongchang.api.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dongchang.api.problems.problem_exception_handler",
}
# Calls per token: a number, a slash and second, minute, hour or day.
API_THROTTLE_RATE = os.environ.get("API_THROTTLE_RATE", "120/minute")
SPECTACULAR_SETTINGS = {
    "TITLE": "东昌区村干部队伍管理系统 API",
    "DESCRIPTION": "Read-only API for client systems: a token per client, scopes, cursor pages.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The Swagger UI's files come with the app (drf-spectacular-sidecar): no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from the online validator.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
}
# The throttle's counters: shared by every process where DJANGO_CACHE_URL names a Redis.
if os.environ.get("DJANGO_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["DJANGO_CACHE_URL"],
        }
    }

# Celery -------------------------------------------------------------------------

# The host means nothing to the filesystem transport; naming one keeps kombu from warning
# on every command that sends a task.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(os.environ.get("CELERY_FILESYSTEM_DIR", VAR_DIR / "broker"))
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("CELERY_TASK_SOFT_TIME_LIMIT", "1500"))
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 300
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # An unacknowledged task is redelivered after the visibility timeout: it must
    # outlast the longest task, or a slow task would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker keeps trying to reach a broker that is down, however long it stays down, rather
# than exit after 100 attempts and leave the chunks to nobody.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Rosters (and sign-in sheets) of one township being checked or imported at once; a further
# upload is refused.
IMPORTS_PER_TOWNSHIP = int(os.environ.get("IMPORTS_PER_TOWNSHIP", "2"))
# An export of more rows than this is written by a worker (an ``export`` job), not in the
# request: the user downloads it from the job's page.
EXPORT_INLINE_MAX_ROWS = int(os.environ.get("EXPORT_INLINE_MAX_ROWS", "5000"))
# A Word file of more forms than this (cadre information forms of a township, joint-review
# forms of a nomination batch) is written by a worker, downloaded from the job's page.
FORMS_INLINE_MAX = int(os.environ.get("FORMS_INLINE_MAX", "30"))
# Today's district-wide figures (the team structure, the serving cadres due for an
# eligibility review) are kept this long for everyone who sees the same townships
# (cadres.scoping.kept_today); 0 counts them on every request.
FIGURES_CACHE_SECONDS = int(os.environ.get("FIGURES_CACHE_SECONDS", "300"))
# A queued or running job without a heartbeat for this long is failed by the watchdog, which
# offers a retry. Handlers beat every 15 s while they read rows or write sheets (job_ticker);
# the longest gap is one import's writing transaction, which must stay well under this limit
# (raise it for imports far beyond the budgets' sizes). A killed job is found within 15 min.
JOB_STALL_MINUTES = int(os.environ.get("JOB_STALL_MINUTES", "10"))
CELERY_BEAT_SCHEDULE: dict = {
    # The organization department's workbook for the month before, at 02:00 on the 1st.
    "monthly-report": {
        "task": "dongchang.tasks.monthly_report_scheduled",
        "schedule": crontab(hour=2, minute=0, day_of_month=1),
    },
    "clear-expired-sessions": {
        "task": "dongchang.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=30),
    },
    # The nightly full re-screen of every serving cadre and relative (Asia/Shanghai).
    "vetting-nightly-rescreen": {
        "task": "vetting.tasks.screening_full_run",
        "schedule": crontab(hour=1, minute=30),
    },
    # Every serving cadre's warning light, after the nightly re-screen has written its hits.
    "warning-lights-nightly": {
        "task": "dongchang.tasks.warning_lights_nightly",
        "schedule": crontab(hour=3, minute=0),
    },
    # Reminders: opinions due tomorrow into the bell, and the e-mails (opinions asked and
    # due, every user's digest) when SMTP is configured; safe to run twice.
    "reminders-daily": {
        "task": "dongchang.tasks.reminders_daily",
        "schedule": crontab(hour=7, minute=0),
    },
    "vetting-resume-stalled-runs": {
        "task": "vetting.tasks.screening_runs_resume_stalled",
        "schedule": crontab(minute="*/5"),
    },
    # Jobs whose message was lost or whose worker died fail, with a retry on their page.
    # Verify the access log and write a signed checkpoint of its count and head.
    "access-log-checkpoint": {
        "task": "cadres.tasks.access_log_checkpoint",
        "schedule": crontab(minute=17),
    },
    "jobs-fail-stalled": {
        "task": "cadres.tasks.jobs_fail_stalled",
        "schedule": crontab(minute="*/5"),
    },
}

# Logging ----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
