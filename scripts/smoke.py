"""Production smoke run (CI): gunicorn, a Celery worker and beat with production settings
against PostgreSQL and Redis; log in over HTTP and run work through the worker.

The three run as the shipped systemd units in deploy/ say: their ExecStart, with the install
directory replaced by this checkout, and their Restart policy, applied here since CI has no
systemd. The worker is killed once and must be started again by that policy.

Needs DATABASE_URL (a new, empty database: it loads the demo district into it) and
CELERY_BROKER_URL in the environment.
"""

import http.client
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from supervise import Supervised

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = int(os.environ.get("SMOKE_PORT", "8765"))
UNITS = ("dongchang-web", "dongchang-worker", "dongchang-beat")
# Where deploy/README.md installs the code; the units name it.
INSTALL_DIR = "/opt/dongchang"
USERNAME = "smoke_admin"
PASSWORD = secrets.token_urlsafe(16)


def production_env(var_dir: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        ACCESS_LOG_KEY=secrets.token_urlsafe(32),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_VAR_DIR=var_dir,
        DONGCHANG_BIND=f"127.0.0.1:{PORT}",
    )
    return env


def unit_service(unit: str) -> dict[str, list[str]]:
    """The [Service] section of deploy/<unit>.service: each key with its values in order."""
    section, values = None, {}
    for line in (ROOT / "deploy" / f"{unit}.service").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def unit_process(unit: str, env: dict[str, str]) -> Supervised:
    """The unit's ExecStart under its Restart policy, as systemd would run it here.

    The unit's Environment= gives defaults that the environment file (here ``env``)
    overrides; ${NAME} in ExecStart is replaced by its value.
    """
    service = unit_service(unit)
    (restart,) = service["Restart"]
    if restart != "always":
        raise SystemExit(f"{unit}: Restart={restart} is not a policy the smoke run applies")
    (restart_sec,) = service["RestartSec"]
    (exec_start,) = service["ExecStart"]
    (directory,) = service["WorkingDirectory"]
    defaults = dict(
        assignment.split("=", 1)
        for line in service.get("Environment", [])
        for assignment in shlex.split(line)
    )
    unit_env = {**defaults, **env}
    argv = [
        re.sub(r"\$\{(\w+)\}", lambda name: unit_env[name[1]], word).replace(INSTALL_DIR, str(ROOT))
        for word in shlex.split(exec_start)
    ]
    return Supervised(
        unit,
        argv,
        cwd=Path(directory.replace(INSTALL_DIR, str(ROOT))),
        env=unit_env,
        restart_sec=float(restart_sec),
    )


def supervise(services: list[Supervised], stopping: threading.Event) -> None:
    while not stopping.wait(0.2):
        for service in services:
            service.tend()


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
    web, worker, beat = services = [unit_process(unit, env) for unit in UNITS]
    for service in services:
        service.start()
    stopping = threading.Event()
    supervisor = threading.Thread(target=supervise, args=(services, stopping))
    supervisor.start()
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
        worker.kill()
        deadline = time.monotonic() + worker.restart_sec + 5
        while worker.starts < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        check(worker.starts == 2, "the killed worker is started again by its unit's Restart=")
        result = manage("rescreen", "--wait", "--interval", "0.5")
        check("done in" in result.stdout, "a full screening run ran through the Celery worker")
        check(" 0 subjects" not in result.stdout, "the run screened the demo cadres")
        for service in services:
            check(service.running(), f"{service.name} is running")
        check(web.starts == beat.starts == 1, "gunicorn and beat never exited")
    finally:
        stopping.set()
        supervisor.join()
        for service in services:
            service.stop()
    print("smoke run passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
