"""Separation of duties in supervision (issue 20, finding 2): whoever opens a misconduct case
or changes its facts does not dispose of it, refer it or close it; whoever recorded a finding
does not confirm its rectification."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from supervision import services
from supervision.models import MisconductCase, SupervisionRecord
from tests.supervision.factories import SupervisionRecordFactory

pytestmark = pytest.mark.django_db
DISPOSE = {"disposition": "reminder", "disposed_on": dt.date(2026, 3, 5)}


def open_case(actor, post) -> MisconductCase:
    return services.case_open(
        actor=actor,
        person=post.person,
        village=post.village,
        occurred_on=dt.date(2026, 3, 1),
        facts="优亲厚友分配低保名额",
        category=MisconductCase.Category.FAVOURITISM,
        source=MisconductCase.Source.COMPLAINT,
    )


def test_whoever_opened_a_case_does_not_decide_it(staff, township_reviewer, cadre_post):
    case = open_case(staff, cadre_post)
    assert not services.may_decide_case(staff, case)
    for decide in (
        lambda: services.case_dispose(actor=staff, case=case, **DISPOSE),
        lambda: services.case_refer(
            actor=staff, case=case, referred_on=dt.date(2026, 3, 6), body="discipline"
        ),
        lambda: services.case_close(actor=staff, case=case, note="结案"),
    ):
        with pytest.raises(PermissionDenied, match="您立案或修改过此案"):
            decide()
    services.case_add_note(actor=staff, case=case, note="补充线索")  # notes stay open to all
    services.case_dispose(actor=township_reviewer, case=case, **DISPOSE)
    assert MisconductCase.objects.get(pk=case.pk).disposition == "reminder"


def test_whoever_changed_the_facts_does_not_decide_either(staff, township_reviewer, cadre_post):
    case = open_case(staff, cadre_post)
    services.case_update(
        actor=township_reviewer,
        case=case,
        occurred_on=dt.date(2026, 3, 1),
        facts="优亲厚友分配低保名额两户",
        category=MisconductCase.Category.FAVOURITISM,
    )
    with pytest.raises(PermissionDenied, match="您立案或修改过此案"):
        services.case_dispose(actor=township_reviewer, case=case, **DISPOSE)


def test_the_case_page_hides_the_decisions_from_the_opener(
    client, staff, township_reviewer, cadre_post
):
    case = open_case(staff, cadre_post)
    url = reverse("supervision:case_detail", args=[case.pk])
    client.force_login(staff)
    names = [action["name"] for action in client.get(url).context["actions"]]
    assert names == ["note"]
    client.force_login(township_reviewer)
    assert "dispose" in [action["name"] for action in client.get(url).context["actions"]]


def test_whoever_recorded_a_finding_does_not_confirm_its_rectification(
    staff, township_reviewer, village
):
    record = SupervisionRecordFactory(
        village=village,
        recorded_by=staff,
        rectification="整改财务公开",
        rectification_deadline=dt.date(2026, 10, 31),
    )
    with pytest.raises(PermissionDenied, match="您记录了此项监督发现"):
        services.record_rectify(actor=staff, record=record, rectified_on=dt.date(2026, 10, 1))
    services.record_rectify(
        actor=township_reviewer, record=record, rectified_on=dt.date(2026, 10, 1)
    )
    assert SupervisionRecord.objects.get(pk=record.pk).rectified_on == dt.date(2026, 10, 1)
