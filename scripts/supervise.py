"""Child processes started again when they exit: systemd's Restart=always, for the scripts.

`make run` keeps its worker alive with it, and the smoke run applies the shipped units'
policy with it, since neither has systemd to do so.
"""

import os
import signal
import subprocess
import time
from pathlib import Path


class Supervised:
    """One command in its own process group, started again ``restart_sec`` after it exits.

    ``tend()`` does the restarting and must be called every fraction of a second.
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        cwd: Path,
        env: dict[str, str] | None = None,
        restart_sec: float = 1.0,
        stop_timeout: float = 20.0,
    ):
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.restart_sec = restart_sec
        self.stop_timeout = stop_timeout
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self._exited_at: float | None = None

    def start(self) -> None:
        # A process group of its own: a stop or a kill takes the worker's pool, gunicorn's
        # workers and the autoreloader's child with it, as systemd's cgroup does.
        self.process = subprocess.Popen(
            self.argv, cwd=self.cwd, env=self.env, start_new_session=True
        )
        self.starts += 1
        self._exited_at = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tend(self) -> None:
        if self.process is None or self.running():
            return
        if self._exited_at is None:
            self._exited_at = time.monotonic()
            print(
                f"supervise: {self.name} exited with code {self.process.returncode}; "
                f"starting it again in {self.restart_sec:g} s",
                flush=True,
            )
        elif time.monotonic() - self._exited_at >= self.restart_sec:
            self.start()

    def kill(self) -> None:
        """SIGKILL to the whole group: what a crash or the OOM killer leaves behind."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if not self.running():
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=self.stop_timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
