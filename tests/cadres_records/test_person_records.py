import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from cadres.records import services
from tests.cadres_records.factories import THIS_YEAR, pdf, secretary, serving_village

pytestmark = pytest.mark.django_db


def records_of(staff, township_reviewer, person):
    village = serving_village(person)
    services.secretary_filing_submit(
        actor=staff,
        village=village,
        filing_number=f"F{person.pk}",
        filed_on=dt.date(2026, 1, 5),
        documents=[pdf()],
    )
    report = services.personal_report_submit(
        actor=staff,
        person=person,
        village=village,
        year=THIS_YEAR,
        kind="annual",
        categories=[],
        content="无变化",
        reported_on=dt.date.today(),
    )
    project = services.pioneer_project_claim(
        actor=staff, village=village, year=THIS_YEAR, title="红色物业", goals="g", milestones="m"
    )
    services.evaluation_record(
        actor=township_reviewer,
        person=person,
        village=village,
        year=THIS_YEAR,
        performance=Decimal(90),
        discipline=Decimal(90),
        reputation=Decimal(90),
        evaluator="李明",
        evaluated_on=dt.date.today(),
    )
    return report, project


def test_person_page_and_detail_pages(
    client, staff, township_reviewer, other_staff, django_assert_max_num_queries
):
    person = secretary()
    report, project = records_of(staff, township_reviewer, person)
    client.force_login(staff)
    url = reverse("cadres:records:person_records", args=[person.pk])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    page = response.content.decode()
    assert "红色物业" in page
    assert f"F{person.pk}" in page
    assert "优秀" in page
    assert client.get(reverse("cadres:records:report_detail", args=[report.pk])).status_code == 200
    assert (
        client.get(reverse("cadres:records:project_detail", args=[project.pk])).status_code == 200
    )
    assert client.get(reverse("cadres:records:leave_create", args=[person.pk])).status_code == 200
    client.force_login(other_staff)
    assert client.get(url).status_code == 404


def test_records_show_on_the_cadre_profile(client, staff, township_reviewer):
    person = secretary()
    records_of(staff, township_reviewer, person)
    client.force_login(staff)
    page = client.get(reverse("cadres:detail", args=[person.pk])).content.decode()
    assert "红色物业" in page
