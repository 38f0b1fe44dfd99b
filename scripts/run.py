"""`make run`: migrate, load the demo data, then serve the app with a Celery worker and beat.

Ctrl-C stops everything this script started.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    os.environ.setdefault("DJANGO_DEBUG", "true")
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    children = [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "dongchang",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
            ],
            cwd=ROOT,
        ),
        subprocess.Popen([PYTHON, "manage.py", "runserver", ADDRESS], cwd=ROOT),
    ]
    print(
        f"\n  东昌区村干部队伍管理系统 is running at http://{ADDRESS}/  (Ctrl-C stops it)\n",
        flush=True,
    )
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
