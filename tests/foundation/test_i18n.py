"""Every user-facing string is translated, and the committed catalogues are compiled and current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIP_DIRS = {".venv", "var", ".git", "node_modules"}


def catalogues(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("locale/zh_Hans/LC_MESSAGES/django.po")
        if not SKIP_DIRS & set(p.relative_to(root).parts)
    )


def test_catalogues_exist():
    assert (ROOT / "locale/zh_Hans/LC_MESSAGES/django.po") in catalogues(ROOT)


@pytest.mark.parametrize("po_path", catalogues(ROOT), ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    mo = polib.mofile(str(po_path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, (
            f".mo is stale: run make messages ({entry.msgid})"
        )
        msgstr, plural = compiled[(entry.msgctxt, entry.msgid)]
        assert (msgstr, plural) == (entry.msgstr, entry.msgstr_plural) or (
            plural and {int(k): v for k, v in plural.items()} == entry.msgstr_plural
        ), f".mo is stale: run make messages ({entry.msgid})"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (CI installs it)")
def test_catalogues_hold_every_string_in_the_code(tmp_path):
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "*.mo", "__pycache__")
    )
    subprocess.run(
        [sys.executable, "scripts/messages.py"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={
            "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
            "DJANGO_DEBUG": "true",
            "DJANGO_VAR_DIR": str(tmp_path / "var"),
        },
    )
    for po_path in catalogues(copy):
        missing = [e.msgid for e in polib.pofile(str(po_path)).untranslated_entries()]
        assert not missing, f"{po_path.relative_to(copy)} lacks translations: {missing}"
