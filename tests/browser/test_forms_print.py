"""The paper forms printed by chromium: one A4 page per form, from the links users click."""

import re

import pytest

from cadres.person_details import person_photo_store
from tests.browser.conftest import log_in
from tests.cadres.test_cadre_forms import give_details, photo
from tests.factories import PASSWORD, RelativeFactory, UserFactory, VillageFactory, cadre, township

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A4_POINTS = (595.3, 841.9)  # 210 × 297 mm


def a4_pages(pdf: bytes) -> int:
    """How many pages a PDF has (its /Type /Page objects, not /Pages), each checked to be A4
    (its media box, to the point that chromium rounds to)."""
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes
    for box in boxes:
        assert all(abs(float(side) - a4) < 2 for side, a4 in zip(box, A4_POINTS, strict=True)), box
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_a_profile_and_a_villages_batch_print_one_a4_page_per_form(page):
    village = VillageFactory(name="东升村", township=township("220502100"))
    people = [cadre(village, name=name) for name in ("王建国", "李明")]
    for person in people:
        RelativeFactory(cadre=person, work_unit_and_post="村小学教师")
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    # The first with every register field the form shows, photo included; the second none.
    give_details(staff, people[0])
    person_photo_store(actor=staff, person=people[0], upload=photo())
    log_in(page, staff.username, PASSWORD)

    page.goto(f"/cadres/{people[0].pk}/")
    page.get_by_role("link", name="打印信息表").click()
    page.get_by_role("heading", name="村干部基本信息表").wait_for()
    assert page.locator("nav").count() == 0
    assert page.locator("td.picture img").evaluate("img => img.naturalWidth") == 300
    assert a4_pages(page.pdf(format="A4")) == 1

    page.goto(f"/cadres/?township={village.township.pk}&village={village.pk}")
    page.get_by_role("link", name="打印信息表").click()
    assert page.get_by_role("heading", name="村干部基本信息表").count() == 2
    assert page.locator("td.picture img").count() == 1
    assert page.locator("td.picture", has_text="照片").count() == 1
    assert a4_pages(page.pdf(format="A4")) == 2
