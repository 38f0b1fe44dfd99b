import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from supervision import services
from supervision.models import CaseEvent, MisconductCase
from tests.factories import PostFactory
from tests.supervision.factories import SupervisionRecordFactory

pytestmark = pytest.mark.django_db


def open_case(actor, post, **fields):
    values = {
        "person": post.person,
        "village": post.village,
        "occurred_on": dt.date(2026, 3, 1),
        "facts": "优亲厚友分配低保名额",
        "category": MisconductCase.Category.FAVOURITISM,
        "source": MisconductCase.Source.COMPLAINT,
    }
    values.update(fields)
    return services.case_open(actor=actor, **values)


def test_referral_flow_and_timeline(staff, township_reviewer, cadre_post):
    case = open_case(township_reviewer, cadre_post)  # staff may then decide it
    services.case_dispose(
        actor=staff,
        case=case,
        disposition=MisconductCase.Disposition.SUSPENSION,
        disposed_on=dt.date(2026, 3, 5),
        note="党委会研究决定",
    )
    with pytest.raises(ValidationError):  # no outcome before a referral
        services.case_record_outcome(
            actor=staff, case=case, outcome="立案", outcome_on=dt.date(2026, 3, 9)
        )
    case = services.case_refer(
        actor=staff, case=case, referred_on=dt.date(2026, 3, 6), body="discipline"
    )
    assert case.status == MisconductCase.Status.REFERRED
    with pytest.raises(ValidationError):  # cannot close while the outcome is pending
        services.case_close(actor=staff, case=case, note="结案")
    with pytest.raises(ValidationError) as error:
        services.case_record_outcome(
            actor=staff, case=case, outcome="立案审查", outcome_on=dt.date(2026, 3, 1)
        )
    assert "outcome_on" in error.value.message_dict
    services.case_record_outcome(
        actor=staff, case=case, outcome="给予党内警告处分", outcome_on=dt.date(2026, 4, 1)
    )
    services.case_close(actor=staff, case=case, note="处理完毕")
    actions = list(case.events.values_list("action", "actor"))
    assert actions == [
        (CaseEvent.Action.OPENED, township_reviewer.pk),
        (CaseEvent.Action.DISPOSED, staff.pk),
        (CaseEvent.Action.REFERRED, staff.pk),
        (CaseEvent.Action.OUTCOME, staff.pk),
        (CaseEvent.Action.CLOSED, staff.pk),
    ]
    with pytest.raises(ValidationError):
        services.case_add_note(actor=staff, case=case, note=" ")
    services.case_reopen(actor=staff, case=case, note="发现新线索")
    case.refresh_from_db()
    assert case.status == MisconductCase.Status.REFERRED


def test_referral_to_a_named_other_body(staff, township_reviewer, cadre_post):
    case = open_case(township_reviewer, cadre_post)
    case = services.case_refer(
        actor=staff, case=case, referred_on=dt.date(2026, 3, 2), body_other="区审计局"
    )
    assert case.referral_body_label == "区审计局"


def test_referral_needs_a_body_and_a_date_after_the_facts(staff, township_reviewer, cadre_post):
    case = open_case(township_reviewer, cadre_post)
    with pytest.raises(ValidationError) as error:
        services.case_refer(actor=staff, case=case, referred_on=dt.date(2026, 3, 2))
    assert "referral_body" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.case_refer(actor=staff, case=case, referred_on=dt.date(2026, 2, 1), body="police")
    assert "referred_on" in error.value.message_dict
    case.refresh_from_db()
    assert case.referred_on is None
    assert case.events.count() == 1


def test_sources_must_be_identified(staff, cadre_post):
    with pytest.raises(ValidationError) as error:
        open_case(staff, cadre_post, source=MisconductCase.Source.SCREENING)
    assert "source_reference" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        open_case(staff, cadre_post, source=MisconductCase.Source.SUPERVISION)
    assert "source_record" in error.value.message_dict
    record = SupervisionRecordFactory(village=cadre_post.village)
    case = open_case(
        staff, cadre_post, source=MisconductCase.Source.SUPERVISION, source_record=record
    )
    assert case.source_record == record
    case = open_case(
        staff, cadre_post, source=MisconductCase.Source.SCREENING, source_reference="比对命中#42"
    )
    assert case.source_reference == "比对命中#42"


def test_cadre_from_another_township_is_refused(staff, village, other_village):
    stranger = PostFactory(village=other_village)
    with pytest.raises(ValidationError):
        open_case(staff, stranger, village=village)
    with pytest.raises(PermissionDenied):
        open_case(staff, stranger)


def test_roles_that_may_not_act(district_reviewer, other_staff, staff, cadre_post):
    case = open_case(staff, cadre_post)
    for user in (district_reviewer, other_staff):
        with pytest.raises(PermissionDenied):
            services.case_add_note(actor=user, case=case, note="x")
    with pytest.raises(PermissionDenied):
        open_case(district_reviewer, cadre_post)
