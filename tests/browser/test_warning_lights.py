"""A red cadre's profile in chromium: the light, and a reason followed to its source."""

import pytest
from playwright.sync_api import expect

from dongchang import warnings
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, UserFactory, cadre
from tests.supervision.factories import MisconductCaseFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_red_cadres_profile_leads_to_the_misconduct_case(page):
    staff = UserFactory(role="乡镇审核人", townships=["220502100"], password=PASSWORD)
    person = cadre()
    case = MisconductCaseFactory(
        person=person, village=person.posts.get().village, facts="违规发放补贴"
    )
    warnings.lights_refresh()
    log_in(page, staff.username, PASSWORD)
    page.goto(f"/cadres/{person.pk}/")
    section = page.locator("#warning-light")
    expect(section.locator("[data-light=red]")).to_have_text("红灯")
    row = section.locator("tr[data-rule=misconduct_open]")
    expect(row).to_contain_text("有已立案未结的负面行为案件")
    row.get_by_role("link", name="查看").click()
    page.wait_for_url(f"**/supervision/cases/{case.pk}/")
    expect(page.get_by_text("违规发放补贴")).to_be_visible()
