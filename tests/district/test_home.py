import datetime as dt

import pytest
from django.urls import reverse

from dongchang.todo import groups_for as waiting_for
from tests.factories import VillageFactory, cadre, township
from tests.supervision.factories import SupervisionRecordFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 27)


def counts(user):
    return {item.label: item.count for item in waiting_for(user, TODAY)}


def overdue_record(code):
    village = VillageFactory(township=township(code))
    return SupervisionRecordFactory(
        village=village,
        date=dt.date(2026, 10, 1),
        rectification="整改财务公开",
        rectification_deadline=dt.date(2026, 10, 31),
    )


def test_township_staff_see_their_own_overdue_work(staff):
    overdue_record("220502100")
    overdue_record("220502200")
    cadre(VillageFactory(township=township("220502100")))
    waiting = counts(staff)
    assert waiting["逾期未整改"] == 1
    assert waiting["本年度未报告个人事项的干部"] == 1
    assert "待审核的排查预警" not in waiting


def test_district_reviewer_sees_review_work_of_the_whole_district(district_reviewer):
    overdue_record("220502100")
    waiting = counts(district_reviewer)
    assert waiting["待审核的排查预警"] == 0
    assert "待决定的清退案件" in waiting


def test_department_users_see_only_their_opinions(department_user):
    assert counts(department_user) == {"待出具的联审意见": 0}


def test_home_page_lists_waiting_work_with_links(client, staff):
    overdue_record("220502100")
    client.force_login(staff)
    response = client.get(reverse("home"))
    assert "待办事项" in response.text
    assert reverse("supervision:record_overdue") in response.text
