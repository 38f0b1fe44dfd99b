"""Approval holds until screening is settled: pending hits on the candidate or a relative
stop forwarding and approval, by name; a hit that turns pending again stops approval;
two approvals at once give one."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from tests.vetting.factories import import_list
from tests.vetting_candidates.factories import Cast, all_pass, person_data
from vetting.models import CandidateCase, CaseTransition, Hit, WatchlistSource
from vetting.services import candidates, review

Kind = WatchlistSource.Kind


@pytest.fixture
def cast(db):
    return Cast()


def _forward(cast, case):
    candidates.case_checkpoints_record(actor=cast.township_reviewer, case=case, verdicts=all_pass())
    return candidates.case_forward(actor=cast.township_reviewer, case=case)


@pytest.mark.django_db
def test_a_pending_hit_on_the_candidate_stops_forwarding_and_is_linked(client, cast):
    data = person_data()
    import_list(cast.district_reviewer, [{**data, "measure": "党内警告"}], source="纪委名单")
    case = cast.submitted(**data)
    with pytest.raises(ValidationError) as error:
        _forward(cast, case)
    # One message, naming the list, its kind and the measure.
    (message,) = error.value.messages
    assert all(
        part in message for part in ("纪委名单", str(Kind.PARTY_DISCIPLINE.label), "党内警告")
    )
    hit = Hit.objects.get(candidate=case)
    client.force_login(cast.township_reviewer)
    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert reverse("vetting:hit_detail", args=[hit.pk]) in page
    assert client.get(reverse("vetting:hit_detail", args=[hit.pk])).status_code == 200
    cast.settle(case, "dismiss")
    assert _forward(cast, case).state == CandidateCase.State.DISTRICT_REVIEW


@pytest.mark.django_db
def test_a_pending_hit_on_a_relative_stops_forwarding(cast):
    case = cast.submitted()
    relative = case.relatives.get()
    import_list(
        cast.district_reviewer,
        [{"name": relative.name, "id_number": relative.id_number, "measure": "涉恶"}],
        source="扫黑办名单",
        kind=Kind.GANG,
    )
    candidates.cases_screen([case.pk])
    with pytest.raises(ValidationError) as error:
        _forward(cast, case)
    assert relative.name in error.value.messages[0]
    assert "扫黑办名单" in error.value.messages[0]


@pytest.mark.django_db
def test_a_hit_that_turns_pending_while_the_case_is_open_stops_approval(cast):
    case = cast.ready()
    relative = case.relatives.get()
    # A new list names the spouse after the joint review opened: the case is screened.
    import_list(
        cast.district_reviewer,
        [{"name": relative.name, "id_number": relative.id_number, "measure": "涉黑"}],
        source="新扫黑名单",
        kind=Kind.GANG,
    )
    candidates.cases_screen([case.pk])
    with pytest.raises(ValidationError) as error:
        candidates.case_approve(
            actor=cast.district_reviewer, case=case, strict_control_justification="从严掌控"
        )
    assert any(
        "新扫黑名单" in message and relative.name in message for message in error.value.messages
    )
    hit = Hit.objects.get(candidate_relative=relative)
    review.hit_confirm(actor=cast.district_reviewer, hit=hit, reason="系其配偶")
    with pytest.raises(ValidationError) as error:
        candidates.case_approve(actor=cast.district_reviewer, case=case)
    # The relative, the list and the measure are named.
    (message,) = error.value.messages
    assert relative.name in message
    assert all(part in message for part in ("新扫黑名单", str(Kind.GANG.label), "涉黑"))
    candidates.case_approve(
        actor=cast.district_reviewer, case=case, strict_control_justification="从严掌控"
    )


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_give_one(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: a second writer fails with 'database is locked'")
    cast = Cast()
    case = cast.ready()
    second = Cast()
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(actor):
        try:
            barrier.wait()
            candidates.case_approve(actor=actor, case=case)
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(actor,))
        for actor in (cast.district_reviewer, second.district_reviewer)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    case.refresh_from_db()
    assert case.state == CandidateCase.State.APPROVED
    assert CaseTransition.objects.filter(case=case, verb="approve").count() == 1
    assert case.post.person.posts.count() == 1
