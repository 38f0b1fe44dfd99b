"""Django on a scratch database, for the benchmark scripts.

A fresh test database is created on whatever DATABASE_URL is set and dropped at
the end; uploads and the broker folder go to a temporary folder.
"""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def scratch_database() -> Iterator[Path]:
    """Yield a temporary folder, with Django set up on a database made for this run."""
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("DJANGO_VAR_DIR", tmp)
        os.environ.setdefault("DJANGO_DEBUG", "true")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dongchang.settings")
        import django

        django.setup()
        from django.db import connection

        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            yield Path(tmp)
        finally:
            connection.creation.destroy_test_db(name, verbosity=0)
