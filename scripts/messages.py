"""`make messages`: refresh every zh_Hans catalogue and compile it.

Catalogues sit beside what they translate: locale/ for the project package and
the shared templates, <app>/locale/ for an app's Python code and
templates/<app>/locale/ for its templates (makemessages picks the nearest
locale/ folder above each file). The compiled .mo files are committed, so a
fresh machine needs no gettext tools.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = [".venv", "var", "tests", "benchmarks", "static", "scripts", ".ci"]


def main() -> int:
    ignore_args = [arg for name in IGNORE for arg in ("--ignore", name)]
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [
            *manage,
            "makemessages",
            "-l",
            "zh_Hans",
            "-e",
            "html,txt,py",
            "--no-obsolete",
            "--no-location",
            *ignore_args,
        ],
        cwd=ROOT,
        check=True,
    )
    subprocess.run(
        [*manage, "compilemessages", "-l", "zh_Hans", *ignore_args], cwd=ROOT, check=True
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
