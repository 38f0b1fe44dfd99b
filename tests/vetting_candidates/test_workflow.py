"""The candidate vetting state machine through its services: roles, states, duties, bars."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cadres.models import Person, Post
from tests.factories import UserFactory, VillageFactory
from tests.vetting.factories import import_list
from tests.vetting_candidates.factories import Cast, all_pass, nominate, person_data
from vetting import workflow
from vetting.models import CandidateCase, CaseTransition, Checkpoint, Hit, WatchlistSource
from vetting.models.screening import SubjectKind
from vetting.services import candidates
from vetting.services.review import hit_confirm

State = CandidateCase.State
pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db):
    return Cast()


def test_nomination_and_submission_screen_candidate_and_relatives(cast):
    data = person_data()
    case = nominate(cast.staff, **data)
    relative = case.relatives.get()
    import_list(
        cast.district_reviewer,
        [
            {"name": data["name"], "id_number": data["id_number"], "measure": "开除党籍"},
            {"name": relative.name, "id_number": relative.id_number, "measure": "留党察看"},
        ],
    )
    assert not Hit.objects.filter(candidate=case).exists()  # drafts are not screened
    candidates.case_submit(actor=cast.staff, case=case)
    hit = Hit.objects.get(candidate=case)
    assert hit.subject_kind == SubjectKind.CANDIDATE
    assert hit.rule == Hit.Rule.ID_NUMBER
    assert hit.township_id == case.village.township_id
    assert hit.village_id == case.village_id
    assert (
        Hit.objects.get(candidate_relative=relative).subject_kind == SubjectKind.CANDIDATE_RELATIVE
    )
    case.refresh_from_db()
    assert case.state == State.TOWNSHIP_REVIEW
    assert list(case.transitions.values_list("verb", "from_state", "to_state", "actor")) == [
        ("create", "", State.DRAFT, cast.staff.pk),
        ("submit", State.DRAFT, State.TOWNSHIP_REVIEW, cast.staff.pk),
    ]


def test_existing_person_is_nominated_with_their_identity(cast):
    person = Person.objects.create(name="李四", name_key="李四", home_village=VillageFactory())
    case = nominate(cast.staff, person=person, name="别的名字")
    assert case.person == person
    assert case.name == "李四"


def test_bad_post_is_refused_in_words(cast):
    with pytest.raises(ValidationError) as error:
        nominate(cast.staff, body=Post.Body.PARTY_BRANCH, title=Post.Title.DIRECTOR)
    assert "title" in error.value.message_dict


# Every (verb, state) pair against every role: allowed exactly when the table says so.
STATES = [
    State.DRAFT,
    State.TOWNSHIP_REVIEW,
    State.DISTRICT_REVIEW,
    State.RETURNED,
    State.APPROVED,
    State.REJECTED,
]
VERBS = [
    "edit",
    "submit",
    "check",
    "forward",
    "return",
    "reject",
    "open_joint_review",
    "opinion",
    "approve",
]
ROLES = ["nominator", "staff", "township_reviewer", "district_reviewer", "department"]


def _case_in(cast, state):
    if state in (State.DRAFT,):
        return nominate(cast.staff)
    if state == State.TOWNSHIP_REVIEW:
        case = cast.submitted()
        candidates.case_checkpoints_record(
            actor=cast.township_reviewer, case=case, verdicts=all_pass()
        )
        return case
    if state == State.RETURNED:
        return candidates.case_return(
            actor=cast.township_reviewer, case=cast.submitted(), note="补充材料"
        )
    if state == State.DISTRICT_REVIEW:
        case = cast.at_district()
        candidates.case_joint_review_open(
            actor=cast.district_reviewer, case=case, departments=["discipline"]
        )
        return case
    if state == State.REJECTED:
        return candidates.case_reject(
            actor=cast.township_reviewer, case=cast.submitted(), reason="不符合条件"
        )
    case = cast.ready()
    return candidates.case_approve(actor=cast.district_reviewer, case=case)


def _act(verb, actor, case, cast):
    if verb == "edit":
        return candidates.case_update(actor=actor, case=case, reason="修改理由")
    if verb == "submit":
        return candidates.case_submit(actor=actor, case=case)
    if verb == "check":
        return candidates.case_checkpoints_record(actor=actor, case=case, verdicts=all_pass())
    if verb == "forward":
        return candidates.case_forward(actor=actor, case=case)
    if verb == "return":
        return candidates.case_return(actor=actor, case=case, note="请补充")
    if verb == "reject":
        return candidates.case_reject(actor=actor, case=case, reason="不合格")
    if verb == "open_joint_review":
        return candidates.case_joint_review_open(actor=actor, case=case)
    if verb == "opinion":
        return candidates.case_opinion_give(actor=actor, case=case, verdict="agree")
    if case.state == State.DISTRICT_REVIEW:
        # What an approval needs, done by others, so only the actor's right is tested.
        if case.opinions.filter(verdict="pending").exists():
            candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
        candidates.case_checkpoints_record(
            actor=cast.district_reviewer, case=case, verdicts=all_pass()
        )
    return candidates.case_approve(actor=actor, case=case)


class Rollback(Exception):
    pass


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("verb", VERBS)
def test_every_step_for_every_role(cast, verb, state):
    case = _case_in(cast, state)
    users = {
        "nominator": cast.staff,
        "staff": UserFactory(role="乡镇工作人员", townships=["220502100"]),
        "township_reviewer": cast.township_reviewer,
        "district_reviewer": cast.district_reviewer,
        "department": cast.department,
    }
    step = workflow.step_for(verb, case.state)
    for role, user in users.items():
        expected = (
            step is not None
            and user.has_perm(step.permission)
            and (verb in workflow.AUTHOR_VERBS or role != "nominator")
        )
        refusal = None
        try:
            with transaction.atomic():
                _act(verb, user, CandidateCase.objects.get(pk=case.pk), cast)
                raise Rollback
        except Rollback:
            pass
        except (PermissionDenied, ValidationError) as error:
            refusal = error
        assert (refusal is None) == expected, f"{role} {verb} in {state}: {refusal}"
        assert CandidateCase.objects.get(pk=case.pk).state == state


def test_another_township_can_do_nothing(cast):
    case = cast.submitted()
    other_reviewer = UserFactory(role="乡镇审核人", townships=["220502200"])
    other_staff = UserFactory(role="乡镇工作人员", townships=["220502200"])
    with pytest.raises(PermissionDenied):
        candidates.case_checkpoints_record(actor=other_reviewer, case=case, verdicts=all_pass())
    with pytest.raises(PermissionDenied):
        candidates.case_reject(actor=other_reviewer, case=case, reason="x")
    draft = nominate(cast.staff)
    with pytest.raises(PermissionDenied):
        candidates.case_submit(actor=other_staff, case=draft)
    with pytest.raises(PermissionDenied):
        nominate(other_staff, village=VillageFactory())  # a village of 金厂镇


def test_a_department_not_asked_cannot_give_an_opinion(cast):
    case = cast.at_district()
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"]
    )
    police = UserFactory(role="联审部门", department="police")
    with pytest.raises(PermissionDenied):
        candidates.case_opinion_give(actor=police, case=case, verdict="agree")
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    with pytest.raises(ValidationError):
        candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")


def test_joint_review_uses_the_configured_default_departments(cast):
    case = cast.at_district()
    candidates.case_joint_review_open(actor=cast.district_reviewer, case=case)
    assert set(case.opinions.values_list("department", flat=True)) == {
        "discipline",
        "police",
        "court",
        "procuratorate",
        "petitions",
    }


def test_township_reviewer_who_nominated_cannot_review(cast):
    case = nominate(cast.township_reviewer)
    candidates.case_submit(actor=cast.township_reviewer, case=case)
    for call in (
        lambda: candidates.case_checkpoints_record(
            actor=cast.township_reviewer, case=case, verdicts=all_pass()
        ),
        lambda: candidates.case_return(actor=cast.township_reviewer, case=case, note="x"),
        lambda: candidates.case_reject(actor=cast.township_reviewer, case=case, reason="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    other = UserFactory(role="乡镇审核人", townships=["220502100"])
    candidates.case_checkpoints_record(actor=other, case=case, verdicts=all_pass())
    candidates.case_forward(actor=other, case=case)


def test_nobody_approves_a_case_they_nominated(cast):
    both = UserFactory(role="区级审核人")
    both.groups.add(*cast.staff.groups.all())
    case = nominate(both)
    candidates.case_submit(actor=both, case=case)
    candidates.case_checkpoints_record(actor=cast.township_reviewer, case=case, verdicts=all_pass())
    candidates.case_forward(actor=cast.township_reviewer, case=case)
    with pytest.raises(PermissionDenied):
        candidates.case_joint_review_open(actor=both, case=case)
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"]
    )
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    with pytest.raises(PermissionDenied):
        candidates.case_approve(actor=both, case=case)
    candidates.case_approve(actor=cast.district_reviewer, case=case)


def test_forwarding_needs_all_five_township_checkpoints(cast):
    case = cast.submitted()
    verdicts = all_pass()
    verdicts.pop("reputation")
    candidates.case_checkpoints_record(actor=cast.township_reviewer, case=case, verdicts=verdicts)
    with pytest.raises(ValidationError):
        candidates.case_forward(actor=cast.township_reviewer, case=case)


def test_a_concern_needs_a_note(cast):
    case = cast.submitted()
    verdicts = all_pass() | {"integrity": ("concern", " ")}
    with pytest.raises(ValidationError) as error:
        candidates.case_checkpoints_record(
            actor=cast.township_reviewer, case=case, verdicts=verdicts
        )
    assert "integrity" in error.value.message_dict


def test_return_and_resubmit(cast):
    case = cast.submitted()
    candidates.case_return(actor=cast.township_reviewer, case=case, note="缺少证明材料")
    candidates.case_update(actor=cast.staff, case=case, reason="补充了证明")
    candidates.case_submit(actor=cast.staff, case=case)
    case.refresh_from_db()
    assert case.state == State.TOWNSHIP_REVIEW
    assert case.reason == "补充了证明"
    with pytest.raises(ValidationError):
        candidates.case_return(actor=cast.township_reviewer, case=case, note=" ")


def test_approval_registers_and_appoints_the_candidate(cast):
    case = cast.ready()
    candidates.case_approve(actor=cast.district_reviewer, case=case, note="同意")
    case.refresh_from_db()
    assert case.state == State.APPROVED
    assert case.decided_by == cast.district_reviewer
    post = case.post
    assert post.person.id_number == case.id_number
    assert (post.village, post.body, post.title, post.term_start) == (
        case.village,
        case.body,
        case.title,
        case.term_start,
    )
    assert post.person.home_village == case.village
    assert post.term_end.year == case.term_start.year + 5
    assert CaseTransition.objects.filter(case=case, verb="approve").get().actor == (
        cast.district_reviewer
    )


def test_approval_needs_every_opinion_and_an_override_for_a_disagreement(cast):
    case = cast.at_district()
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline", "police"]
    )
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    candidates.case_opinion_give(
        actor=cast.department, case=case, verdict="disagree", note="有信访问题"
    )
    with pytest.raises(ValidationError):
        candidates.case_approve(actor=cast.district_reviewer, case=case, override_reason="x")
    police = UserFactory(role="联审部门", department="police")
    candidates.case_opinion_give(actor=police, case=case, verdict="agree")
    with pytest.raises(ValidationError):
        candidates.case_approve(actor=cast.district_reviewer, case=case)
    candidates.case_approve(
        actor=cast.district_reviewer, case=case, override_reason="信访问题已查明不属实"
    )
    case.refresh_from_db()
    assert case.override_reason == "信访问题已查明不属实"


def test_a_failed_district_checkpoint_blocks_approval(cast):
    case = cast.ready()
    candidates.case_checkpoints_record(
        actor=cast.district_reviewer, case=case, verdicts={"law": ("fail", "有违法记录")}
    )
    with pytest.raises(ValidationError):
        candidates.case_approve(actor=cast.district_reviewer, case=case)


def _listed(cast, data, kind):
    import_list(
        cast.district_reviewer,
        [{"name": data["name"], "id_number": data["id_number"], "measure": "判处有期徒刑"}],
        source=f"名单{kind}",
        kind=kind,
    )


@pytest.mark.parametrize("kind", [WatchlistSource.Kind.GANG, WatchlistSource.Kind.CRIMINAL])
def test_a_confirmed_gang_or_criminal_hit_bars_approval_without_override(cast, kind):
    data = person_data()
    _listed(cast, data, kind)
    case = cast.ready("confirm", **data)
    with pytest.raises(ValidationError) as error:
        candidates.case_approve(
            actor=cast.district_reviewer,
            case=case,
            override_reason="特殊情况",
            strict_control_justification="从严掌控",
        )
    # The bar alone (override and justification given), naming the list and the measure.
    (message,) = error.value.messages
    assert all(
        part in message
        for part in (f"名单{kind}", str(WatchlistSource.Kind(kind).label), "判处有期徒刑")
    )
    assert CandidateCase.objects.get(pk=case.pk).state == State.DISTRICT_REVIEW
    assert not Post.objects.filter(person__id_number=data["id_number"]).exists()


def test_a_dismissed_hit_does_not_bar(cast):
    data = person_data()
    _listed(cast, data, WatchlistSource.Kind.CRIMINAL)
    case = cast.ready("dismiss", **data)
    assert Hit.objects.get(candidate=case).status == Hit.Status.DISMISSED
    candidates.case_approve(actor=cast.district_reviewer, case=case)
    case.refresh_from_db()
    assert case.state == State.APPROVED


def test_a_gang_relative_needs_a_strict_control_justification(cast):
    case = cast.ready()
    relative = case.relatives.get()
    # Listed after submission: found by the screening of cases under review.
    import_list(
        cast.district_reviewer,
        [{"name": relative.name, "id_number": relative.id_number, "measure": "涉黑"}],
        source="扫黑办名单",
        kind=WatchlistSource.Kind.GANG,
    )
    candidates.cases_screen([case.pk])
    hit = Hit.objects.get(candidate_relative=relative)
    hit_confirm(actor=cast.district_reviewer, hit=hit, reason="身份一致")
    with pytest.raises(ValidationError):
        candidates.case_approve(actor=cast.district_reviewer, case=case)
    candidates.case_approve(
        actor=cast.district_reviewer,
        case=case,
        strict_control_justification="本人表现突出，从严掌控",
    )
    case.refresh_from_db()
    assert case.post.person.strict_control_reason == "本人表现突出，从严掌控"
    assert case.post.person.strict_control_source == "vetting"
    assert case.post.person.strict_control_events.get().actor == cast.district_reviewer


def test_rejection_needs_a_reason(cast):
    case = cast.at_district()
    with pytest.raises(ValidationError):
        candidates.case_reject(actor=cast.district_reviewer, case=case, reason="")
    candidates.case_reject(actor=cast.district_reviewer, case=case, reason="群众反映差")
    case.refresh_from_db()
    assert (case.state, case.decision_reason) == (State.REJECTED, "群众反映差")


def test_clean_cases_are_agreed_in_bulk_others_are_left(cast):
    clean = cast.at_district()
    data = person_data()
    _listed(cast, data, WatchlistSource.Kind.PARTY_DISCIPLINE)
    listed = cast.at_district("dismiss", **data)
    for case in (clean, listed):
        candidates.case_joint_review_open(
            actor=cast.district_reviewer, case=case, departments=["discipline"]
        )
    assert (
        candidates.case_opinions_agree_bulk(actor=cast.department, case_ids=[clean.pk, listed.pk])
        == 1
    )
    assert clean.opinions.get().verdict == "agree"
    assert listed.opinions.get().verdict == "pending"


def test_checkpoints_are_kept_per_level(cast):
    case = cast.ready()
    assert case.checkpoints.filter(level=Checkpoint.Level.TOWNSHIP).count() == 5
    assert case.checkpoints.filter(level=Checkpoint.Level.DISTRICT).count() == 5
