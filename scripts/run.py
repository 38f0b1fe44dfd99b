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


def stop(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Also when started in the background, where SIGINT would otherwise be ignored.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
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
            start_new_session=True,
        ),
        subprocess.Popen(
            [PYTHON, "manage.py", "runserver", ADDRESS], cwd=ROOT, start_new_session=True
        ),
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
        # Each child leads its own process group: the autoreloader's and the
        # worker's own children go with it.
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
