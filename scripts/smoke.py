"""Production smoke run (CI): gunicorn, a Celery worker and beat with production settings
against PostgreSQL and Redis; log in over HTTP and run work through the worker.

Needs DATABASE_URL (a new, empty database: it loads the demo district into it) and
CELERY_BROKER_URL in the environment.
"""

import http.client
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("SMOKE_PORT", "8765"))
USERNAME = "smoke_admin"
PASSWORD = secrets.token_urlsafe(16)


def production_env(var_dir: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        ACCESS_LOG_KEY=secrets.token_urlsafe(32),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_VAR_DIR=var_dir,
    )
    return env


class Client:
    """Just enough of a browser: cookies (including Secure ones) and CSRF."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        headers = {
            "Host": "127.0.0.1",
            # TLS ends at the proxy in production; here its header is sent by hand.
            "X-Forwarded-Proto": "https",
            "Referer": f"https://127.0.0.1{path}",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location"), text


def wait_http(timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            Client().request("GET", "/accounts/login/")
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"SMOKE FAILED: {message}")
    print(f"ok  {message}", flush=True)


def main() -> int:
    if "DATABASE_URL" not in os.environ or "CELERY_BROKER_URL" not in os.environ:
        raise SystemExit("set DATABASE_URL and CELERY_BROKER_URL")
    var_dir = tempfile.mkdtemp(prefix="dongchang-smoke-")
    env = production_env(var_dir)

    def manage(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=ROOT,
            env={**env, **extra},
            check=True,
            capture_output=True,
            text=True,
        )

    deploy = manage("check", "--deploy", "--fail-level", "WARNING")
    check("no issues" in deploy.stdout, "check --deploy is clean")
    manage("migrate", "--no-input")
    manage("collectstatic", "--no-input")
    manage(
        "createsuperuser",
        "--no-input",
        "--username",
        USERNAME,
        "--email",
        "smoke@example.org",
        DJANGO_SUPERUSER_PASSWORD=PASSWORD,
    )
    processes = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "dongchang.wsgi",
                "--bind",
                f"127.0.0.1:{PORT}",
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "dongchang",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "dongchang",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(Path(var_dir) / "beat-schedule"),
            ],
            cwd=ROOT,
            env=env,
            start_new_session=True,
        ),
    ]
    try:
        wait_http()
        client = Client()
        status, _, page = client.request("GET", "/accounts/login/")
        check(status == 200 and "登录" in page, "the login page is served in Chinese")
        status, location, _ = client.request(
            "POST", "/accounts/login/", {"username": USERNAME, "password": PASSWORD}
        )
        check(status == 302 and location == "/", f"log in over HTTP (status {status})")
        status, _, page = client.request("GET", "/")
        check(status == 200 and USERNAME in page, "the home page shows the logged-in user")
        status, _, page = client.request("GET", "/static/css/app.css")
        check(status == 200, "static files are served by whitenoise")
        manage("seed_demo", "--force")
        result = manage("rescreen", "--wait", "--interval", "0.5")
        check("done in" in result.stdout, "a full screening run ran through the Celery worker")
        check(" 0 subjects" not in result.stdout, "the run screened the demo cadres")
        for name, proc in zip(("gunicorn", "worker", "beat"), processes, strict=True):
            check(proc.poll() is None, f"{name} is still running")
    finally:
        for proc in processes:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    print("smoke run passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
