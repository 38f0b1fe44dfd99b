"""Two reviewers deciding the same case at once: the row lock lets exactly one through."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from tests.vetting_candidates.factories import Cast
from vetting.models import CandidateCase, CaseTransition
from vetting.services import candidates


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_once_exactly_one_wins(reference_data):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: a second writer fails with 'database is locked'")
    cast = Cast()
    case = cast.ready()
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(call):
        try:
            barrier.wait()
            call()
            outcomes.append("won")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    calls = [
        lambda: candidates.case_approve(actor=cast.district_reviewer, case=case),
        lambda: candidates.case_reject(actor=cast.district_reviewer, case=case, reason="不同意"),
    ]
    threads = [threading.Thread(target=decide, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "won"]
    case.refresh_from_db()
    assert case.state in (CandidateCase.State.APPROVED, CandidateCase.State.REJECTED)
    decisions = CaseTransition.objects.filter(case=case, verb__in=["approve", "reject"])
    assert decisions.count() == 1
    assert (case.post_id is not None) == (case.state == CandidateCase.State.APPROVED)
