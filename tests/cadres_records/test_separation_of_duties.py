"""Separation of duties in the records' two-step flows (issue 20, finding 2): whoever files,
requests, submits or revises does not also confirm, decide or review it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cadres.models import Post
from cadres.records import services
from cadres.records.models import (
    PersonalReport,
    PioneerProject,
    SecretaryChange,
    SecretaryFiling,
)
from tests.cadres_records.factories import pdf, secretary, serving_village
from tests.factories import UserFactory, cadre

pytestmark = pytest.mark.django_db


def _also(user, role: str):
    """``user`` holding one more role (group), as one account may."""
    user.groups.add(Group.objects.get(name=role))
    return type(user).objects.get(pk=user.pk)  # a fresh permission cache


def _filing(user, village):
    return services.secretary_filing_submit(
        actor=user,
        village=village,
        filing_number="东组备〔2026〕9号",
        filed_on=dt.date(2026, 1, 5),
        documents=[pdf()],
    )


def _change(user):
    return services.secretary_change_request(
        actor=user,
        post=secretary().posts.get(),
        ends_on=dt.date(2026, 3, 1),
        end_reason=Post.EndReason.RESIGNED,
        reason="本人因身体原因申请辞去村党组织书记职务，镇党委会议研究同意。",
        documents=[pdf("辞职申请.pdf")],
    )


def _report(user, person):
    return services.personal_report_submit(
        actor=user,
        person=person,
        village=serving_village(person),
        year=2026,
        kind=PersonalReport.Kind.ANNUAL,
        categories=[],
        content="本人婚姻状况无变化。",
        reported_on=dt.date.today(),
    )


def test_whoever_filed_a_secretary_does_not_confirm_the_filing(staff, district_reviewer):
    both = _also(staff, "区级审核人")
    filing = _filing(both, serving_village(secretary()))
    assert not services.may_decide_filing(both, filing)
    with pytest.raises(PermissionDenied, match="您报送过此备案"):
        services.secretary_filing_decide(actor=both, filing=filing, confirm=True)
    assert SecretaryFiling.objects.get(pk=filing.pk).status == SecretaryFiling.Status.SUBMITTED
    services.secretary_filing_decide(actor=district_reviewer, filing=filing, confirm=True)


def test_whoever_requested_or_revised_a_change_does_not_decide_it(staff, district_reviewer):
    asker = _also(staff, "区级审核人")
    change = _change(asker)
    with pytest.raises(PermissionDenied, match="您提出或修改过此调整申请"):
        services.secretary_change_decide(actor=asker, change=change, approve=True)
    # Returned, then revised by another account that may decide: the reviser is barred now.
    services.secretary_change_decide(
        actor=district_reviewer, change=change, approve=False, note="请补充会议纪要"
    )
    reviser = _also(UserFactory(role="乡镇审核人", townships=["220502100"]), "区级审核人")
    services.secretary_change_revise(
        actor=reviser,
        change=change,
        ends_on=dt.date(2026, 3, 1),
        end_reason=Post.EndReason.RESIGNED,
        reason="已补充镇党委会议纪要，本人因身体原因申请辞职。",
    )
    assert not services.may_decide_change(reviser, change)
    with pytest.raises(PermissionDenied, match="您提出或修改过此调整申请"):
        services.secretary_change_decide(actor=reviser, change=change, approve=True)
    services.secretary_change_decide(actor=district_reviewer, change=change, approve=True)
    assert SecretaryChange.objects.get(pk=change.pk).status == SecretaryChange.Status.APPROVED


def test_whoever_submitted_or_resubmitted_a_report_does_not_review_it(staff):
    person = cadre()
    both = _also(staff, "乡镇审核人")
    annual = _report(both, person)
    with pytest.raises(PermissionDenied, match="您提交或修改过此报告"):
        services.personal_report_review(actor=both, report=annual, approve=True)
    other = _also(UserFactory(role="乡镇审核人", townships=["220502100"]), "乡镇工作人员")
    services.personal_report_review(actor=other, report=annual, approve=False, note="请补充")
    # The first reviewer of the round before resubmits; the reviser is now the one barred.
    services.personal_report_resubmit(
        actor=other, report=annual, categories=["property"], content="新增房产一处。"
    )
    with pytest.raises(PermissionDenied, match="您提交或修改过此报告"):
        services.personal_report_review(actor=other, report=annual, approve=True)
    assert PersonalReport.objects.get(pk=annual.pk).status == PersonalReport.Status.SUBMITTED


def test_another_townships_reviewer_is_refused_by_scope(staff, other_staff):
    person = cadre()
    annual = _report(staff, person)
    other_reviewer = UserFactory(role="乡镇审核人", townships=["220502200"])
    with pytest.raises(PermissionDenied) as error:
        services.personal_report_review(actor=other_reviewer, report=annual, approve=True)
    assert "您提交或修改过" not in str(error.value)


def test_the_filing_page_hides_the_decision_from_the_filer(client, staff, district_reviewer):
    both = _also(staff, "区级审核人")
    filing = _filing(both, serving_village(secretary()))
    url = reverse("cadres:records:filing_detail", args=[filing.pk])
    client.force_login(both)
    assert "<h2>区级确认</h2>" not in client.get(url).content.decode()
    client.force_login(district_reviewer)
    assert "<h2>区级确认</h2>" in client.get(url).content.decode()


def _project(user):
    return services.pioneer_project_claim(
        actor=user,
        village=serving_village(secretary()),
        year=2026,
        title="党建引领乡村振兴示范点",
        goals="建成党员活动阵地",
        milestones="10月 投入使用",
    )


def test_whoever_claimed_a_project_does_not_accept_or_assess_it(staff, township_reviewer):
    both = _also(staff, "乡镇审核人")
    project = _project(both)
    assert not services.may_assess_project(both, project)
    with pytest.raises(PermissionDenied, match="您登记过此项目或其进展"):
        services.pioneer_project_complete(actor=both, project=project, completed_on=dt.date.today())
    services.pioneer_project_complete(
        actor=township_reviewer, project=project, completed_on=dt.date.today()
    )
    with pytest.raises(PermissionDenied, match="您登记过此项目或其进展"):
        services.pioneer_project_assess(
            actor=both, project=project, score=Decimal(90), assessment="好"
        )


def test_whoever_recorded_progress_does_not_accept_the_project(staff):
    project = _project(staff)
    reporter = _also(UserFactory(role="乡镇审核人", townships=["220502100"]), "乡镇工作人员")
    services.project_progress_add(actor=reporter, project=project, on=dt.date.today(), text="选址")
    with pytest.raises(PermissionDenied, match="您登记过此项目或其进展"):
        services.pioneer_project_complete(
            actor=reporter, project=project, completed_on=dt.date.today()
        )
    assert PioneerProject.objects.get(pk=project.pk).status == PioneerProject.Status.CLAIMED
