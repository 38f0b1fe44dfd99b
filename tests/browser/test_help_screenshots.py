"""The screenshots of the user guide (dongchang/manuals.py), taken afresh on the demo's data.

Every run saves them into static/help/, the folder the manuals show them from, so that a
picture never shows a page as it used to be: commit the PNGs that a change of a page alters.
One browser, one login per role; the viewport is a common office screen's, and the pictures
are reduced to 256 colours, which a page of text and tables keeps without visible loss.
"""

import io
from itertools import groupby
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from dongchang import demo, manuals
from tests.browser.conftest import log_in
from tests.jobs import run_queued_jobs
from vetting.models import ScreeningChunk
from vetting.services.screening import screening_chunk_execute

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOLDER = Path(__file__).resolve().parents[2] / "static" / manuals.SCREENSHOT_FOLDER
# The offices' common screen (DESIGN.md §7).
VIEWPORT = {"width": 1366, "height": 800}


@pytest.fixture
def demo_worked(demo_world):
    """The demo after its worker's first minutes: the lists screened, the workbook built."""
    for chunk in ScreeningChunk.objects.order_by("pk"):
        screening_chunk_execute(chunk_id=chunk.pk)
    run_queued_jobs()


def save(png: bytes, path: Path) -> None:
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256)
    image.save(path, optimize=True)


def test_the_manuals_screenshots_are_taken_on_the_demo(
    browser, live_server, reference_data, demo_worked
):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    FOLDER.mkdir(exist_ok=True)
    for username, shots in groupby(manuals.SCREENSHOTS, key=lambda shot: shot.username):
        context.clear_cookies()
        log_in(page, username, demo.DEMO_PASSWORD)
        for shot in shots:
            url = reverse(shot.url_name) + (f"?{shot.query}" if shot.query else "")
            response = page.goto(url)
            assert response.ok, f"{shot.name}: {url} {response.status}"
            if shot.open_first:
                href = page.eval_on_selector(
                    "main table tbody tr a[href]", "link => link.getAttribute('href')"
                )
                response = page.goto(href)
                assert response.ok, f"{shot.name}: {href} {response.status}"
            if shot.scroll_to:
                page.locator(shot.scroll_to).first.evaluate(
                    "element => element.scrollIntoView({block: 'start'})"
                )
            save(page.screenshot(), FOLDER / f"{shot.name}.png")
    context.close()
    assert {path.stem for path in FOLDER.glob("*.png")} == {s.name for s in manuals.SCREENSHOTS}
