"""A joint review that always finishes: due dates, the district's record of a paper reply
(回函), the withdrawal of a department, the honest re-opening, the overdue list and the
home pages, and a department's reveal of the candidate's ID number."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cadres.choices import Department
from cadres.models import AccessLogEntry
from dongchang import demo
from tests.factories import UserFactory, VillageFactory, township
from tests.vetting_candidates.factories import Cast, all_pass, nominate
from vetting.models import CaseTransition, DefaultDepartment, DepartmentOpinion
from vetting.services import candidates, joint_review

pytestmark = pytest.mark.django_db

FRIDAY = dt.date(2026, 12, 4)


@pytest.fixture
def cast(db):
    return Cast()


def letter(name: str = "公安回函.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 reply", content_type="application/pdf")


def _opened(cast, departments=("discipline", "police", "court"), **kwargs):
    case = cast.at_district()
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=list(departments), **kwargs
    )
    return case


def _opinion(case, department: str) -> DepartmentOpinion:
    return case.opinions.get(department=department)


def _act(client, case, verb: str, data: dict):
    return client.post(reverse("vetting:case_act", args=[case.pk, verb]), data)


def _huantong_case_at_district(district_reviewer, departments):
    """A case of 环通乡 under district review, for the other township's side."""
    staff = UserFactory(role="乡镇工作人员", townships=["220502200"])
    reviewer = UserFactory(role="乡镇审核人", townships=["220502200"])
    case = nominate(staff, village=VillageFactory(township=township("220502200")))
    case = candidates.case_submit(actor=staff, case=case)
    candidates.case_checkpoints_record(actor=reviewer, case=case, verdicts=all_pass())
    case = candidates.case_forward(actor=reviewer, case=case)
    candidates.case_joint_review_open(
        actor=district_reviewer,
        case=case,
        departments=departments,
        today=timezone.localdate() - dt.timedelta(days=14),
    )
    return case


# Due dates ----------------------------------------------------------------------------------


def test_an_opinion_is_due_5_working_days_after_the_review_opens_across_a_weekend(cast):
    case = _opened(cast, today=FRIDAY)
    assert set(case.opinions.values_list("due_on", flat=True)) == {dt.date(2026, 12, 11)}
    assert DepartmentOpinion.default_due(dt.date(2026, 12, 5)) == dt.date(2026, 12, 11)  # Sat
    assert DepartmentOpinion.default_due(dt.date(2026, 12, 7)) == dt.date(2026, 12, 14)  # Mon


def test_the_district_sets_another_due_date_but_not_one_in_the_past(client, cast):
    case = cast.at_district()
    client.force_login(cast.district_reviewer)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = _act(
        client, case, "open_joint_review", {"departments": ["police"], "due_on": yesterday}
    )
    assert response.status_code == 400
    assert "截止日期已过" in response.content.decode()
    assert not case.opinions.exists()
    with pytest.raises(ValidationError):
        candidates.case_joint_review_open(
            actor=cast.district_reviewer, case=case, departments=["police"], due_on=yesterday
        )
    later = timezone.localdate() + dt.timedelta(days=20)
    response = _act(client, case, "open_joint_review", {"departments": ["police"], "due_on": later})
    assert response.status_code == 302
    assert _opinion(case, "police").due_on == later


# Re-opening ---------------------------------------------------------------------------------


def test_reopening_with_fewer_departments_says_that_nothing_changed(client, cast):
    case = _opened(cast)
    client.force_login(cast.district_reviewer)
    response = _act(client, case, "open_joint_review", {"departments": ["discipline"]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "没有新增联审部门" in text
    assert "操作成功" not in text
    assert case.opinions.count() == 3


def test_reopening_adds_the_new_departments_and_names_those_still_asked(client, cast):
    case = _opened(cast, departments=["discipline", "police"])
    client.force_login(cast.district_reviewer)
    response = _act(client, case, "open_joint_review", {"departments": ["discipline", "petitions"]})
    assert response.status_code == 302
    assert set(case.opinions.values_list("department", flat=True)) == {
        "discipline",
        "police",
        "petitions",
    }
    shown = [str(m) for m in response.wsgi_request._messages]
    assert shown[0] == "已征求意见：信访。"
    assert shown[1].startswith("仍在征求意见：公安。")
    assert "撤回" in shown[1]


# Paper replies --------------------------------------------------------------------------------


def test_the_district_records_a_paper_reply_with_the_letter(client, cast):
    case = _opened(cast)
    client.force_login(cast.district_reviewer)
    response = _act(
        client,
        case,
        "record_reply",
        {
            "department": "police",
            "verdict": "agree",
            "note": "经查询无违法犯罪记录",
            "reply_on": timezone.localdate().isoformat(),
            "file": letter(),
        },
    )
    assert response.status_code == 302
    opinion = _opinion(case, "police")
    assert opinion.verdict == "agree"
    assert opinion.given_by == cast.district_reviewer
    assert opinion.reply_on == timezone.localdate()
    assert opinion.reply_letter.original_name == "公安回函.pdf"
    step = case.transitions.get(verb=CaseTransition.Verb.RECORD_REPLY)
    assert step.actor == cast.district_reviewer
    assert "公安" in step.note

    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert "由区级审核人" in page
    assert "据回函录入" in page
    # The letter is served by the case's scoped download view, and the download is logged.
    download = client.get(reverse("vetting:case_attachment", args=[opinion.reply_letter_id]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 reply"
    assert AccessLogEntry.objects.filter(
        user=cast.district_reviewer, object_id=str(opinion.reply_letter_id)
    ).exists()
    other_staff = UserFactory(role="乡镇工作人员", townships=["220502200"])
    client.force_login(other_staff)
    letter_url = reverse("vetting:case_attachment", args=[opinion.reply_letter_id])
    assert client.get(letter_url).status_code == 404

    police = UserFactory(role="联审部门", department="police")
    with pytest.raises(ValidationError, match="据本部门回函录入"):
        candidates.case_opinion_give(actor=police, case=case, verdict="disagree", note="迟到")


def test_a_paper_reply_needs_the_letter_a_date_and_the_district(client, cast):
    case = _opened(cast)
    client.force_login(cast.district_reviewer)
    response = _act(
        client,
        case,
        "record_reply",
        {"department": "police", "verdict": "agree", "reply_on": timezone.localdate()},
    )
    assert response.status_code == 400
    assert "请附上回函" in response.content.decode()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        joint_review.case_opinion_reply_record(
            actor=cast.district_reviewer,
            case=case,
            department="police",
            verdict="disagree",
            reply_on=tomorrow,
            upload=None,
        )
    assert set(error.value.message_dict) == {"note", "reply_on", "file"}
    with pytest.raises(ValidationError, match="未征求"):
        joint_review.case_opinion_reply_record(
            actor=cast.district_reviewer,
            case=case,
            department="petitions",
            verdict="agree",
            reply_on=timezone.localdate(),
            upload=letter(),
        )
    for actor in (cast.township_reviewer, cast.department, cast.staff):
        with pytest.raises(PermissionDenied):
            joint_review.case_opinion_reply_record(
                actor=actor,
                case=case,
                department="police",
                verdict="agree",
                reply_on=timezone.localdate(),
                upload=letter(),
            )
        client.force_login(actor)
        assert (
            _act(
                client,
                case,
                "record_reply",
                {"department": "police", "verdict": "agree", "file": letter()},
            ).status_code
            == 403
        )
    assert _opinion(case, "police").verdict == "pending"
    assert not case.attachments.exists()


def test_an_opinion_given_cannot_be_replaced_by_a_paper_reply(cast):
    case = _opened(cast)
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    with pytest.raises(ValidationError, match="纪委监委"):
        joint_review.case_opinion_reply_record(
            actor=cast.district_reviewer,
            case=case,
            department="discipline",
            verdict="disagree",
            note="不同意",
            reply_on=timezone.localdate(),
            upload=letter(),
        )


# Withdrawal -----------------------------------------------------------------------------------


def test_a_withdrawn_department_no_longer_blocks_the_approval(client, cast):
    case = _opened(cast, departments=["discipline", "court"])
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    assert candidates.approval_blockers(case) == ["以下部门尚未出具意见：法院。"]

    client.force_login(cast.district_reviewer)
    response = _act(client, case, "withdraw_department", {"department": "court", "reason": " "})
    assert response.status_code == 400
    assert "请说明撤回该部门的理由" in response.content.decode()
    assert _opinion(case, "court").verdict == "pending"

    response = _act(
        client,
        case,
        "withdraw_department",
        {"department": "court", "reason": "法院无对应联审人员，经部务会研究撤回"},
    )
    assert response.status_code == 302
    opinion = _opinion(case, "court")
    assert opinion.verdict == "withdrawn"
    assert opinion.note == "法院无对应联审人员，经部务会研究撤回"
    step = case.transitions.get(verb=CaseTransition.Verb.WITHDRAW_DEPARTMENT)
    assert step.note == "法院：法院无对应联审人员，经部务会研究撤回"
    assert candidates.approval_blockers(case) == []

    court = UserFactory(role="联审部门", department="court")
    with pytest.raises(ValidationError, match="已被撤出本次联审"):
        candidates.case_opinion_give(actor=court, case=case, verdict="agree")
    with pytest.raises(ValidationError):
        joint_review.case_department_withdraw(
            actor=cast.district_reviewer, case=case, department="court", reason="再撤一次"
        )
    case = candidates.case_approve(actor=cast.district_reviewer, case=case)
    assert case.state == "approved"


def test_withdrawing_every_department_leaves_nobody_to_give_an_opinion(cast):
    case = _opened(cast, departments=["court"])
    joint_review.case_department_withdraw(
        actor=cast.district_reviewer, case=case, department="court", reason="无人员"
    )
    assert "所有联审部门均已撤回" in candidates.approval_blockers(case)[0]
    with pytest.raises(PermissionDenied):
        joint_review.case_department_withdraw(
            actor=cast.township_reviewer, case=case, department="court", reason="无人员"
        )


# Overdue opinions and home pages ---------------------------------------------------------------


def test_overdue_opinions_by_role_and_township(client, cast):
    two_weeks_ago = timezone.localdate() - dt.timedelta(days=14)
    own = _opened(cast, departments=["discipline", "police"], today=two_weeks_ago)
    other = _huantong_case_at_district(cast.district_reviewer, ["discipline"])
    _opened(cast, departments=["discipline"])  # asked today: not overdue
    candidates.case_opinion_give(actor=cast.department, case=own, verdict="agree")
    url = reverse("vetting:opinions_overdue")

    client.force_login(cast.district_reviewer)
    response = client.get(url)
    assert response.status_code == 200
    rows = {(o.case_id, o.department) for o in response.context["rows"]}
    assert rows == {(own.pk, "police"), (other.pk, "discipline")}
    response = client.get(url, {"department": "police"})
    assert {o.case_id for o in response.context["rows"]} == {own.pk}
    response = client.get(url, {"township": township("220502200").pk})
    assert {o.case_id for o in response.context["rows"]} == {other.pk}
    export = client.get(url, {"format": "xlsx"})
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    home = client.get(reverse("home"))
    overdue = {item.label: item.overdue for item in home.context["waiting"]}
    assert overdue["待出具的联审意见"] == 2

    client.force_login(cast.department)  # 纪委监委: its own opinions only
    response = client.get(url)
    assert {(o.case_id, o.department) for o in response.context["rows"]} == {
        (other.pk, "discipline")
    }
    home = client.get(reverse("home"))
    assert {item.label: item.overdue for item in home.context["waiting"]}["待出具的联审意见"] == 1

    for role, codes in (("乡镇工作人员", ["220502100"]), ("乡镇审核人", ["220502200"])):
        client.force_login(UserFactory(role=role, townships=codes))
        assert client.get(url).status_code == 403
        home = client.get(reverse("home"))
        assert "待出具的联审意见" not in {item.label for item in home.context["waiting"]}
    client.force_login(UserFactory(role="系统管理员"))
    assert client.get(url).status_code == 403


def test_a_department_home_page_lists_its_pending_opinions_oldest_first(client, cast):
    two_weeks_ago = timezone.localdate() - dt.timedelta(days=14)
    recent = _opened(cast, departments=["discipline"])
    old = _opened(cast, departments=["discipline", "police"], today=two_weeks_ago)
    answered = _opened(cast, departments=["discipline"])
    candidates.case_opinion_give(actor=cast.department, case=answered, verdict="agree")

    def awaited(response) -> list[str]:
        (opinions,) = [g for g in response.context["waiting"] if g.kind == "opinion"]
        return [item.url for item in opinions.items]

    def detail(case) -> str:
        return reverse("vetting:case_detail", args=[case.pk])

    client.force_login(cast.department)
    response = client.get(reverse("home"))
    assert awaited(response) == [detail(old), detail(recent)]
    text = response.content.decode()
    assert "待出具的联审意见" in text
    assert "已逾期" in text
    assert "尚未被分配任何乡镇" not in text
    assert detail(old) in text

    client.force_login(UserFactory(role="联审部门", department="police"))
    assert awaited(client.get(reverse("home"))) == [detail(old)]
    client.force_login(cast.staff)
    assert "department" not in client.get(reverse("home")).context


# A department reveals the ID numbers of the cases it was asked about ---------------------------


def test_a_department_reveals_the_candidates_and_relatives_id_numbers(client, cast):
    case = _opened(cast, departments=["discipline"])
    relative = case.relatives.get()
    client.force_login(cast.department)
    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert case.id_number not in page
    assert reverse("vetting:case_reveal_id", args=[case.pk]) in page
    response = client.post(reverse("vetting:case_reveal_id", args=[case.pk]))
    assert response.status_code == 200
    assert case.id_number in response.content.decode()
    url = reverse("vetting:case_reveal_relative_id", args=[case.pk, relative.pk])
    assert relative.id_number in client.post(url).content.decode()
    logged = AccessLogEntry.objects.filter(
        user=cast.department, action=AccessLogEntry.Action.REVEAL_ID
    )
    assert {(e.object_type, e.object_id) for e in logged} == {
        ("vetting.CandidateCase", str(case.pk)),
        ("vetting.CandidateRelative", str(relative.pk)),
    }

    police = UserFactory(role="联审部门", department="police")  # not asked
    client.force_login(police)
    assert client.post(reverse("vetting:case_reveal_id", args=[case.pk])).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(cast.staff)  # township staff see numbers masked
    assert client.post(reverse("vetting:case_reveal_id", args=[case.pk])).status_code == 403
    client.force_login(UserFactory(role="乡镇审核人", townships=["220502200"]))
    assert client.post(reverse("vetting:case_reveal_id", args=[case.pk])).status_code == 404
    assert not AccessLogEntry.objects.exclude(user=cast.department).exists()


# The demo --------------------------------------------------------------------------------------


def test_the_demo_has_a_user_for_every_department():
    demo.load_accounts()
    users = get_user_model().objects.filter(groups__name="联审部门")
    departments = set(users.values_list("department", flat=True))
    assert departments == set(Department.values)
    assert set(DefaultDepartment.objects.values_list("department", flat=True)) <= departments
