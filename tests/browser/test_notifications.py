"""The bell in chromium: its count, marking one read in place (htmx), following another."""

import pytest
from playwright.sync_api import expect

from dongchang.models import Notification
from dongchang.notifications import notification_add
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_bell_counts_and_marks_read(page):
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"], password=PASSWORD)
    for n, url in ((1, "/cadres/"), (2, "/cadres/structure/")):
        message = f"第{n}项待办已逾期"
        notification_add(
            user=staff, key=f"k{n}", kind=Notification.Kind.OVERDUE, message=message, url=url
        )
    log_in(page, staff.username, PASSWORD)
    bell = page.locator("#notification-bell")
    expect(bell.locator(".bell-count")).to_have_text("2")
    bell.click()
    page.wait_for_url("**/notifications/")
    first = page.locator("tr", has_text="第1项待办已逾期")
    first.get_by_role("button", name="标为已读").click()
    expect(first.locator(".badge")).to_have_text("已读")
    expect(page.locator("#notification-bell .bell-count")).to_have_text("1")
    page.get_by_role("button", name="第2项待办已逾期").click()
    page.wait_for_url("**/cadres/structure/")
    expect(page.locator("#notification-bell .bell-count")).to_have_count(0)
    assert not Notification.objects.filter(read_at__isnull=True).exists()
