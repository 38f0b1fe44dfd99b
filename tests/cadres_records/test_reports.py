import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cadres.records import services
from cadres.records.models import PersonalReport
from tests.cadres_records.factories import THIS_YEAR, other_village, serving_village
from tests.factories import cadre
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def report(user, person, *, kind="annual", categories=(), year=THIS_YEAR):
    return services.personal_report_submit(
        actor=user,
        person=person,
        village=serving_village(person),
        year=year,
        kind=kind,
        categories=list(categories),
        content="本人婚姻状况无变化。",
        reported_on=dt.date.today(),
    )


def test_submit_review_return_and_resubmit(staff, township_reviewer):
    person = cadre()
    annual = report(staff, person)
    with pytest.raises(ValidationError) as error:
        report(staff, person)
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.personal_report_review(actor=township_reviewer, report=annual, approve=False)
    assert "note" in error.value.message_dict
    services.personal_report_review(
        actor=township_reviewer, report=annual, approve=False, note="请补充房产情况"
    )
    annual.refresh_from_db()
    assert annual.status == PersonalReport.Status.RETURNED
    services.personal_report_resubmit(
        actor=staff, report=annual, categories=["property"], content="新增房产一处。"
    )
    services.personal_report_review(actor=township_reviewer, report=annual, approve=True)
    annual.refresh_from_db()
    assert annual.status == PersonalReport.Status.APPROVED
    assert annual.history.count() == 4


def test_change_report_needs_categories(staff):
    person = cadre()
    with pytest.raises(ValidationError) as error:
        report(staff, person, kind="change")
    assert "categories" in error.value.message_dict
    change = report(staff, person, kind="change", categories=["abroad", "marriage"])
    assert change.categories == ["abroad", "marriage"]


def test_roles_and_townships(staff, other_staff, township_reviewer, district_reviewer):
    person = cadre()
    with pytest.raises(PermissionDenied):
        report(other_staff, person)
    with pytest.raises(PermissionDenied):
        report(district_reviewer, person)
    annual = report(staff, person)
    with pytest.raises(PermissionDenied):
        services.personal_report_review(actor=staff, report=annual, approve=True)


def test_missing_list(client, staff, other_staff):
    reported = cadre()
    missing = [cadre() for _ in range(3)]
    cadre(other_village())
    report(staff, reported)
    report(staff, missing[0], year=THIS_YEAR - 1)
    client.force_login(staff)
    url = reverse("cadres:records:missing_report_list")
    response = client.get(url)
    assert {p.pk for p in response.context["rows"]} == {p.pk for p in missing}
    for query in ({}, {"format": "xlsx"}):
        assert_queries_flat(
            lambda query=query: client.get(url, query), lambda: [cadre() for _ in range(2)]
        )
    response = client.get(url, {"year": THIS_YEAR - 1, "q": missing[1].name})
    assert [p.pk for p in response.context["rows"]] == [missing[1].pk]
    assert client.get(url + "?format=xlsx").status_code == 200


def test_pages(client, staff, other_staff, township_reviewer, department_user):
    person = cadre()
    client.force_login(staff)
    create = reverse("cadres:records:report_create", args=[person.pk])
    # The browser's date input takes only ISO dates, not the locale's 2026/11/28.
    today = timezone.localdate().isoformat()
    assert f'type="date" name="reported_on" value="{today}"' in client.get(create).text
    response = client.post(
        create,
        {
            "village": serving_village(person).pk,
            "year": THIS_YEAR,
            "kind": "change",
            "content": "x",
            "reported_on": "2026-01-01",
        },
    )
    assert "categories" in response.context["form"].errors
    response = client.post(
        create,
        {
            "village": serving_village(person).pk,
            "year": THIS_YEAR,
            "kind": "annual",
            "content": "无",
            "reported_on": "2026-01-01",
        },
    )
    assert response.status_code == 302
    item = PersonalReport.objects.get()
    detail = reverse("cadres:records:report_detail", args=[item.pk])
    assert client.get(reverse("cadres:records:report_list")).status_code == 200
    client.force_login(township_reviewer)
    client.post(detail, {"decision": "confirm", "reason": ""})
    item.refresh_from_db()
    assert item.status == PersonalReport.Status.APPROVED
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    assert client.get(create).status_code == 404
    client.force_login(department_user)
    assert client.get(reverse("cadres:records:report_list")).status_code == 403


@pytest.mark.parametrize("export", [False, True])
def test_list_queries_do_not_grow_with_rows(client, staff, export):
    def six_more():
        for _ in range(6):
            report(staff, cadre(), kind="change", categories=["abroad"])

    six_more()
    client.force_login(staff)
    query = {"sort": "-person", **({"format": "xlsx"} if export else {})}
    response = assert_queries_flat(
        lambda: client.get(reverse("cadres:records:report_list"), query), six_more
    )
    if not export:
        assert len(response.context["rows"]) == 12
