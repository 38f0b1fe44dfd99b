"""The list filters' behaviour in the browser (static/js/app.js)."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.factories import PASSWORD, VillageFactory, cadre, township

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_choosing_a_township_lists_its_villages_and_clears_the_old_village(page, district_reviewer):
    jinchang = VillageFactory(name="民主村", township=township("220502100"))
    huantong = VillageFactory(name="新兴村", township=township("220502200"))
    cadre(jinchang, name="王民主")
    cadre(huantong, name="李新兴")
    log_in(page, district_reviewer.username, PASSWORD)
    page.goto(f"/cadres/?village={jinchang.pk}")
    village = page.get_by_label(re.compile("^村"))
    expect(village).to_have_value(str(jinchang.pk))
    expect(page.locator("table")).to_contain_text("王民主")

    page.get_by_label(re.compile("^乡镇")).select_option(label=huantong.township.name)
    expect(page).to_have_url(re.compile(rf"township={huantong.township.pk}"))
    expect(page).not_to_have_url(re.compile(rf"village={jinchang.pk}"))
    expect(village).to_have_value("")
    expect(village.locator("option")).to_have_text(["全部", "新兴村"])
    expect(page.locator("table")).to_contain_text("李新兴")
    expect(page.locator("table")).not_to_contain_text("王民主")
