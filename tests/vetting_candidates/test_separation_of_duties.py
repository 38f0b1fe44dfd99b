"""Separation of duties on every step of a candidate case (issue 20, finding 2): whoever
edits, submits or gives an opinion on a case does not also review or decide it next."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import UserFactory, VillageFactory, township
from tests.vetting_candidates.factories import Cast, all_pass, nominate
from vetting import workflow
from vetting.models import CandidateCase, CaseTransition
from vetting.selectors import case_queue
from vetting.services import candidates

pytestmark = pytest.mark.django_db

AUTHORED = "您编辑或提交过此案，不能再审核、出具意见或作出决定。"
TOWNSHIP_REVIEWED = "您在乡镇初审过此案，不能再出具部门意见或作区级审核。"
OPINION_GIVEN = "您对此案出具过部门意见，不能再作区级审核或决定。"
DISTRICT_REVIEWED = "您在区级审核过此案，不能再出具部门意见。"


@pytest.fixture
def cast(db):
    return Cast()


def _with_roles(*users):
    """One account holding the roles (groups) and townships of ``users``."""
    both = UserFactory(role="区级审核人")
    for user in users:
        both.groups.add(*user.groups.all())
        both.department = user.department or both.department
    both.save()
    return both


def _township_steps(actor, case):
    return {
        "check": lambda: candidates.case_checkpoints_record(
            actor=actor, case=case, verdicts=all_pass()
        ),
        "forward": lambda: candidates.case_forward(actor=actor, case=case),
        "return": lambda: candidates.case_return(actor=actor, case=case, note="请补充"),
        "reject": lambda: candidates.case_reject(actor=actor, case=case, reason="不合格"),
    }


def _district_steps(actor, case):
    return {
        "check": lambda: candidates.case_checkpoints_record(
            actor=actor, case=case, verdicts=all_pass()
        ),
        "open_joint_review": lambda: candidates.case_joint_review_open(
            actor=actor, case=case, departments=["police"]
        ),
        "return": lambda: candidates.case_return(actor=actor, case=case, note="请补充"),
        "reject": lambda: candidates.case_reject(actor=actor, case=case, reason="不合格"),
        "approve": lambda: candidates.case_approve(actor=actor, case=case),
    }


def _refused(steps: dict, message: str) -> None:
    for verb, call in steps.items():
        with pytest.raises(PermissionDenied) as error:
            call()
        assert str(error.value) == message, verb


def test_a_township_reviewer_who_edited_a_draft_does_not_review_it(cast):
    case = nominate(cast.staff)
    candidates.case_update(actor=cast.township_reviewer, case=case, reason="改过的理由")
    candidates.case_submit(actor=cast.staff, case=case)
    _refused(_township_steps(cast.township_reviewer, case), AUTHORED)
    assert "check" not in workflow.available(cast.township_reviewer, case)
    # Another reviewer of the township reviews it; the barred one still reviews other cases.
    other = UserFactory(role="乡镇审核人", townships=["220502100"])
    candidates.case_checkpoints_record(actor=other, case=case, verdicts=all_pass())
    candidates.case_forward(actor=other, case=case)
    untouched = cast.submitted()
    candidates.case_checkpoints_record(
        actor=cast.township_reviewer, case=untouched, verdicts=all_pass()
    )


def test_editing_a_family_member_or_an_attachment_counts_as_editing(cast):
    case = nominate(cast.staff)
    relative = case.relatives.get()
    candidates.case_relative_update(actor=cast.township_reviewer, relative=relative, name="王五")
    candidates.case_submit(actor=cast.staff, case=case)
    _refused(_township_steps(cast.township_reviewer, case), AUTHORED)
    assert list(
        case.transitions.filter(verb="edit").values_list("actor", "from_state", "to_state")
    ) == [(cast.township_reviewer.pk, "draft", "draft")]


def test_a_township_reviewer_who_submitted_does_not_review(cast):
    case = nominate(cast.staff)
    candidates.case_submit(actor=cast.township_reviewer, case=case)
    _refused(_township_steps(cast.township_reviewer, case), AUTHORED)


def test_a_reviewer_who_revised_a_returned_case_does_not_review_it_again(cast):
    case = cast.submitted()
    candidates.case_return(actor=cast.township_reviewer, case=case, note="请补充")
    # Returning is no authorship: the reviewer may revise, and then reviews it no more.
    candidates.case_update(actor=cast.township_reviewer, case=case, reason="已补充")
    candidates.case_submit(actor=cast.staff, case=case)
    _refused(_township_steps(cast.township_reviewer, case), AUTHORED)


def test_the_township_reviewer_does_not_decide_at_the_district(cast):
    both = _with_roles(cast.township_reviewer)
    case = cast.submitted()
    candidates.case_checkpoints_record(actor=both, case=case, verdicts=all_pass())
    candidates.case_forward(actor=both, case=case)
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"]
    )
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    _refused(_district_steps(both, case), TOWNSHIP_REVIEWED)
    candidates.case_approve(actor=cast.district_reviewer, case=case)


def test_a_department_opinion_giver_does_not_decide_at_the_district(cast):
    both = _with_roles(cast.department)
    case = cast.at_district()
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"]
    )
    candidates.case_opinion_give(actor=both, case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    _refused(_district_steps(both, case), OPINION_GIVEN)
    candidates.case_approve(actor=cast.district_reviewer, case=case)


def test_a_district_reviewer_does_not_give_a_department_opinion(cast):
    both = _with_roles(cast.department)
    case = cast.at_district()
    candidates.case_joint_review_open(actor=both, case=case, departments=["discipline"])
    with pytest.raises(PermissionDenied) as error:
        candidates.case_opinion_give(actor=both, case=case, verdict="agree")
    assert str(error.value) == DISTRICT_REVIEWED
    # Agreeing in bulk leaves the case alone instead of failing the whole batch.
    assert candidates.case_opinions_agree_bulk(actor=both, case_ids=[case.pk]) == 0
    assert candidates.case_opinions_agree_bulk(actor=cast.department, case_ids=[case.pk]) == 1


def test_the_nominator_who_also_reviews_at_the_district_does_not_decide(cast):
    both = _with_roles(cast.staff)
    case = nominate(both)
    candidates.case_submit(actor=cast.staff, case=case)
    candidates.case_checkpoints_record(actor=cast.township_reviewer, case=case, verdicts=all_pass())
    candidates.case_forward(actor=cast.township_reviewer, case=case)
    _refused(_district_steps(both, case), AUTHORED)


def test_another_townships_reviewer_is_refused_by_scope_not_by_duties(cast):
    case = nominate(cast.staff)
    candidates.case_submit(actor=cast.staff, case=case)
    other = UserFactory(role="乡镇审核人", townships=["220502200"])
    with pytest.raises(PermissionDenied) as error:
        candidates.case_checkpoints_record(actor=other, case=case, verdicts=all_pass())
    assert str(error.value) != AUTHORED
    # A reviewer of both townships who edited a case of the other one is barred there too.
    both_townships = UserFactory(role="乡镇审核人", townships=["220502100", "220502200"])
    elsewhere = nominate(
        UserFactory(role="乡镇工作人员", townships=["220502200"]),
        village=VillageFactory(township=township("220502200")),
    )
    candidates.case_update(actor=both_townships, case=elsewhere, reason="改过")
    candidates.case_submit(actor=elsewhere.nominated_by, case=elsewhere)
    _refused(_township_steps(both_townships, elsewhere), AUTHORED)


def test_the_queue_leaves_out_cases_the_user_may_not_review(cast):
    edited = nominate(cast.staff)
    candidates.case_update(actor=cast.township_reviewer, case=edited, reason="改过")
    candidates.case_submit(actor=cast.staff, case=edited)
    untouched = cast.submitted()
    assert set(case_queue(cast.township_reviewer)) == {untouched}
    both = _with_roles(cast.township_reviewer)
    at_district = cast.submitted()
    candidates.case_checkpoints_record(actor=both, case=at_district, verdicts=all_pass())
    candidates.case_forward(actor=both, case=at_district)
    assert at_district not in set(case_queue(both))
    assert at_district in set(case_queue(cast.district_reviewer))


def test_the_case_page_hides_the_steps_and_says_why(client, cast):
    case = nominate(cast.staff)
    candidates.case_update(actor=cast.township_reviewer, case=case, reason="改过")
    candidates.case_submit(actor=cast.staff, case=case)
    client.force_login(cast.township_reviewer)
    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert AUTHORED in page
    assert reverse("vetting:case_act", args=[case.pk, "forward"]) not in page
    response = client.post(reverse("vetting:case_act", args=[case.pk, "forward"]), {"note": ""})
    assert response.status_code == 403
    assert CandidateCase.objects.get(pk=case.pk).state == CandidateCase.State.TOWNSHIP_REVIEW
    client.force_login(UserFactory(role="乡镇审核人", townships=["220502100"]))
    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert AUTHORED not in page
    assert reverse("vetting:case_act", args=[case.pk, "forward"]) in page


def test_a_refused_edit_leaves_no_trace_on_the_timeline(cast):
    case = cast.submitted()
    with pytest.raises(ValidationError):
        candidates.case_update(actor=cast.staff, case=case, reason="改过")
    assert not CaseTransition.objects.filter(case=case, verb="edit").exists()
