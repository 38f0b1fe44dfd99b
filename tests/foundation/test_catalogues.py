"""The zh_Hans catalogues: Django merges them into one, so one English string must have one
translation in all of them, or whichever catalogue loads last wins on every page."""

import gettext
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _catalogues() -> list[Path]:
    skip = {".venv", "var", "node_modules"}
    return [
        path
        for path in ROOT.rglob("zh_Hans/LC_MESSAGES/django.mo")
        if not skip & set(path.relative_to(ROOT).parts)
    ]


def test_every_app_has_its_catalogue():
    found = {path.relative_to(ROOT).parts[0] for path in _catalogues()}
    assert {"locale", "cadres", "vetting", "training", "supervision", "templates"} <= found


def test_one_english_string_has_one_translation_in_every_catalogue():
    translations: dict[object, dict[str, Path]] = defaultdict(dict)
    for path in _catalogues():
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        for msgid, msgstr in catalogue.items():
            if msgid:  # the header
                translations[msgid].setdefault(msgstr, path.relative_to(ROOT))
    conflicts = {msgid: found for msgid, found in translations.items() if len(found) > 1}
    assert not conflicts, "\n".join(
        f"{msgid!r}: " + "; ".join(f"{text} ({path})" for text, path in found.items())
        for msgid, found in conflicts.items()
    )
