"""Every page of the menu, and each list's first detail page, as each role of the demo sees it:
no select offers Django's bare ``---------``, and no English text of the catalogues shows.

The demo data (Chinese names, places and notes) fill the pages; what could still show in
English is an interface string that lacks a translation, so the check looks for the
catalogues' own English source strings in the visible text, never for English in general.
"""

import re
from pathlib import Path
from urllib.parse import urlparse

import polib
import pytest

from dongchang import demo
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# One account of each role (dongchang/demo.py ACCOUNTS); the system administrator stands for
# the organization department's own desk (the monthly workbook).
USERS = ["jc_staff", "jc_review", "zzb", "ga_dept", "admin"]
# Links of the menu that are not pages of the application: Django's admin is translated by
# Django, and the exports and downloads are files.
NOT_PAGES = re.compile(r"^/admin/|export|download|\.xlsx$")
# English words, alone or in a run: what the catalogues' English sources are made of.
WORDS = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,]+[A-Za-z][A-Za-z'’-]*)*")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def english_phrases() -> set[str]:
    """The English runs of words of every msgid in the catalogues (split at placeholders),
    less those that a translation keeps as they are (names such as Excel or SHA-256)."""
    phrases, kept = set(), set()
    for path in ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"):
        if ".venv" in path.parts:
            continue
        for entry in polib.pofile(str(path)):
            sources = [entry.msgid, entry.msgid_plural]
            translations = [entry.msgstr, *entry.msgstr_plural.values()]
            for texts, into in ((sources, phrases), (translations, kept)):
                for text in texts:
                    for part in PLACEHOLDER.split(text or ""):
                        into.update(m.group().strip(" ,") for m in WORDS.finditer(part))
    return {phrase for phrase in phrases - kept if len(phrase) > 2}


def page_problems(page, phrases: set[str]) -> list[str]:
    problems = []
    options = page.eval_on_selector_all(
        "select option", "options => options.map(o => o.textContent.trim())"
    )
    if "---------" in options:
        problems.append("a select offers ---------")
    # The header and the page, not the footer: its language switch names English in English.
    text = page.locator("header").inner_text() + "\n" + page.locator("main").inner_text()
    runs = {m.group().strip(" ,") for m in WORDS.finditer(text)}
    runs |= {word for run in runs for word in run.split()}
    problems += [f"untranslated: {run!r}" for run in sorted(runs & phrases)]
    return problems


def linked_pages(page) -> list[str]:
    """From a menu page: its list's first detail page, and the forms it links to (where the
    selects are), each a page of the application."""
    rows = page.eval_on_selector_all(
        "table tbody tr a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    forms = page.eval_on_selector_all(
        "main a[href$='/new/']", "links => links.map(a => a.getAttribute('href'))"
    )
    useful = [
        href
        for href in rows
        if href.startswith("/") and "?" not in href and not NOT_PAGES.search(href)
    ]
    return useful[:1] + forms


def test_every_menu_page_is_in_chinese_without_bare_choices(page, demo_world):
    phrases = english_phrases()
    assert "Cadre register" in phrases  # the catalogues were read
    found = {}
    for username in USERS:
        page.context.clear_cookies()
        log_in(page, username, demo.DEMO_PASSWORD)
        menu = page.eval_on_selector_all(
            "nav.main-nav a[href]", "links => links.map(a => a.getAttribute('href'))"
        )
        pages = [href for href in dict.fromkeys(menu) if not NOT_PAGES.search(href)]
        assert len(pages) > 1, username
        seen = set()
        for href in pages:
            queue = [href]
            while queue:
                url = queue.pop(0)
                if url in seen:
                    continue
                seen.add(url)
                response = page.goto(url)
                assert response.ok, f"{username} {url}: {response.status}"
                for problem in page_problems(page, phrases):
                    found.setdefault(problem, set()).add(f"{username} {urlparse(page.url).path}")
                if url == href:
                    queue += linked_pages(page)
    assert not found, "\n".join(f"{p}: {sorted(w)[:3]}" for p, w in sorted(found.items()))
