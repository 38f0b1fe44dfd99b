import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from supervision import selectors, services
from supervision.models import SupervisionRecord
from tests.factories import PostFactory
from tests.supervision.factories import SupervisionRecordFactory

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def make(actor, village, **fields):
    values = {
        "tier": SupervisionRecord.Tier.TOWNSHIP_COMMITTEE,
        "date": dt.date(2026, 3, 2),
        "village": village,
        "kind": SupervisionRecord.Kind.INSPECTION,
        "findings": "三资台账不全",
    }
    values.update(fields)
    return services.record_create(actor=actor, **values)


def test_record_with_cadres_and_rectification(staff, village, cadre_post):
    record = make(
        staff,
        village,
        cadres=[cadre_post.person],
        rectification="补齐台账",
        rectification_deadline=dt.date(2026, 3, 31),
    )
    assert list(record.cadres.all()) == [cadre_post.person]
    assert record.recorded_by == staff


def test_deadline_before_the_record_is_refused(staff, village):
    with pytest.raises(ValidationError) as error:
        make(staff, village, rectification="补齐台账", rectification_deadline=dt.date(2026, 3, 1))
    assert "rectification_deadline" in error.value.message_dict
    assert not SupervisionRecord.objects.exists()


def test_rectification_needs_a_deadline(staff, village):
    with pytest.raises(ValidationError) as error:
        make(staff, village, rectification="补齐台账")
    assert "rectification_deadline" in error.value.message_dict


def test_cadre_from_another_township_is_refused(staff, village, other_village):
    stranger = PostFactory(village=other_village).person
    with pytest.raises(ValidationError) as error:
        make(staff, village, cadres=[stranger])
    assert stranger.name in error.value.message_dict["cadres"][0]
    assert not SupervisionRecord.objects.exists()


def test_staff_cannot_record_for_another_township(staff, other_village):
    with pytest.raises(PermissionDenied):
        make(staff, other_village)


def test_district_reviewer_may_not_record(district_reviewer, village):
    with pytest.raises(PermissionDenied):
        make(district_reviewer, village)


def test_agriculture_bureau_records_its_tier_anywhere(agriculture_user, village, other_village):
    tier = SupervisionRecord.Tier.AGRICULTURE_BUREAU
    record = make(agriculture_user, other_village, tier=tier)
    assert list(selectors.visible_records(agriculture_user)) == [record]
    with pytest.raises(PermissionDenied):
        make(agriculture_user, village)  # another tier


def test_other_departments_may_not_record_the_agriculture_tier(department_user, village):
    with pytest.raises(PermissionDenied):
        make(department_user, village, tier=SupervisionRecord.Tier.AGRICULTURE_BUREAU)


def test_rectify_marks_done_and_refuses_twice(staff, township_reviewer, village):
    record = make(staff, village, rectification="整改", rectification_deadline=dt.date(2026, 4, 1))
    checker = township_reviewer  # not whoever recorded the finding
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, tzinfo=SHANGHAI), tick=False):
        services.record_rectify(actor=checker, record=record, rectified_on=dt.date(2026, 3, 20))
        with pytest.raises(ValidationError):
            services.record_rectify(actor=checker, record=record, rectified_on=dt.date(2026, 3, 20))


def test_other_township_may_not_rectify(other_staff, village, staff):
    record = make(staff, village, rectification="整改", rectification_deadline=dt.date(2026, 4, 1))
    with pytest.raises(PermissionDenied):
        services.record_rectify(actor=other_staff, record=record, rectified_on=dt.date(2026, 3, 3))


def test_overdue_rectifications_in_shanghai_time(village):
    due = SupervisionRecordFactory(
        village=village, rectification="整改", rectification_deadline=dt.date(2026, 3, 31)
    )
    SupervisionRecordFactory(
        village=village,
        rectification="整改",
        rectification_deadline=dt.date(2026, 3, 10),
        rectified_on=dt.date(2026, 3, 9),
    )
    SupervisionRecordFactory(village=village)  # nothing to rectify
    records = SupervisionRecord.objects.all()
    # 23:30 UTC on 31 March is already 1 April in Shanghai: the deadline has passed.
    with time_machine.travel(dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.UTC), tick=False):
        assert not selectors.overdue_rectifications(records).exists()
    with time_machine.travel(dt.datetime(2026, 3, 31, 16, 1, tzinfo=dt.UTC), tick=False):
        assert list(selectors.overdue_rectifications(records)) == [due]
