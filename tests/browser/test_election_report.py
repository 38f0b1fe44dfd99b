"""The election's before-and-after as the district reviewer reads it, in chromium: reached from
the election's page, the hand-counted figures of tests/district/test_election_report.py in
both tables, each target met or not, and the same table as a workbook."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_flows import open_menu, switch_user
from tests.district.test_election_report import world  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_reviewer_reads_the_before_and_after(page, world):  # noqa: F811
    the_election, _village, _staff, district = world
    switch_user(page, district)
    open_menu(page, "源头管控", "村“两委”换届")
    page.get_by_role("link", name=the_election.name).click()
    page.get_by_role("link", name="换届前后对比").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("换届前后对比")

    people = page.locator('table[data-report="people"]')
    jinchang = people.locator('tr[data-code="220502100"]')
    # before, after, stayed, renewed, left; average age before and after
    for index, text in enumerate(["3", "2", "1", "1", "2", "56.0", "38.5"]):
        expect(jinchang.locator("td").nth(index)).to_have_text(text)
    expect(people.locator("tr.total th")).to_have_text("东昌区")
    expect(people.locator("tr.total td").nth(0)).to_have_text("4")

    indicators = page.locator('table[data-report="indicators"]')
    women = indicators.locator('tr[data-code="220502100"] td[data-indicator="women"]')
    expect(women).to_contain_text("0.0% → 50.0%")
    expect(women).to_contain_text("目标 60.0%")
    expect(women.locator(".badge")).to_have_text("未达标")
    young = indicators.locator('tr[data-code="220502100"] td[data-indicator="young"]')
    expect(young.locator(".badge")).to_have_text("达标")

    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
