"""`make run`: migrate, load the demo data, then serve the app with a Celery worker and beat.

A worker (beat runs inside it) that exits is started again, as systemd does in production;
the web server exiting ends the run. Ctrl-C stops everything this script started.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from supervise import Supervised

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def worker(env: dict[str, str] | None = None) -> Supervised:
    return Supervised(
        "the worker",
        [
            *(PYTHON, "-m", "celery", "-A", "dongchang", "worker", "--beat"),
            *("--loglevel", "INFO", "--concurrency", "2"),
        ],
        cwd=ROOT,
        env=env,
    )


def stop(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Also when started in the background, where SIGINT would otherwise be ignored.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    os.environ.setdefault("DJANGO_DEBUG", "true")
    manage("migrate", "--no-input", "-v", "0")
    manage("seed_demo")
    celery = worker()
    web = Supervised("the web server", [PYTHON, "manage.py", "runserver", ADDRESS], cwd=ROOT)
    children = [celery, web]
    for child in children:
        child.start()
    print(
        f"\n  东昌区村干部队伍管理系统 is running at http://{ADDRESS}/  (Ctrl-C stops it)\n",
        flush=True,
    )
    try:
        while web.running():
            celery.tend()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            child.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
