"""Playwright driving Debian's chromium (headless) against pytest-django's live server.

Skips where chromium is missing, except when REQUIRE_BROWSER is set (CI sets it):
there a missing browser is a failure. A failed test leaves a full-page screenshot
in test-artifacts/; its path is printed in the failure's report.
"""

import io
import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.test import override_settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Screenshot a failed test's page while it is still open, and name the file in the report."""
    report = yield
    page = (getattr(item, "funcargs", None) or {}).get("page")
    if report.when == "call" and report.failed and page is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{item.name}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            report.sections.append(("screenshot", f"none taken: {error}"))
        else:
            report.sections.append(("screenshot", f"{path} (page {page.url})"))
    return report


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("chromium is required here (REQUIRE_BROWSER is set) but is not installed")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; Django's ORM calls in the same
    # thread (test setup) are still plain synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, reference_data):
    """A fresh browser tab on the live server; migration data restored after flushes."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    # What a user would not see but would suffer: a script error, a missing stylesheet,
    # script or icon, or a value the browser dropped (a date not in ISO form shows empty).
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.on(
        "console",
        lambda message: (
            problems.append(message.text)
            if "does not conform to the required format" in message.text
            else None
        ),
    )
    yield page
    context.close()
    assert not problems, problems


@pytest.fixture
def demo_world():
    """The demo's data (dongchang/demo.py), as `make run` shows it."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())


def log_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # The home page; "**/" would also match the login page itself.
    page.wait_for_url(lambda url: urlparse(url).path == "/")
