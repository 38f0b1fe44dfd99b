"""The joint-review form (资格联审表) of a case and of a nomination batch, in Word and print."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from docx import Document

from cadres.models import AccessLogEntry, Job
from tests.cadres.test_cadre_forms import docx_of, page_breaks, text_of
from tests.factories import UserFactory, VillageFactory, make_id_number, township
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat
from tests.vetting_candidates.factories import Cast, all_pass, nominate
from tests.vetting_candidates.workbooks import nomination_workbook
from vetting.models import CandidateCase
from vetting.services import candidates, joint_review

pytestmark = pytest.mark.django_db
TITLE = "村干部候选人资格联审表"


@pytest.fixture
def cast(db):
    return Cast()


@pytest.fixture
def approved(cast):
    """A case approved after the township's review, an opinion given by the department
    itself and one recorded from a paper reply."""
    case = cast.at_district()
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline", "police"]
    )
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree", note="无违纪")
    joint_review.case_opinion_reply_record(
        actor=cast.district_reviewer,
        case=case,
        department="police",
        verdict="agree",
        note="无违法犯罪记录",
        reply_on=timezone.localdate(),
        upload=SimpleUploadedFile("公安回函.pdf", b"%PDF-1.4 reply", "application/pdf"),
    )
    candidates.case_checkpoints_record(actor=cast.district_reviewer, case=case, verdicts=all_pass())
    return candidates.case_approve(actor=cast.district_reviewer, case=case, note="同意任职")


def form(client, case, docx=False):
    url = reverse("vetting:case_form", args=[case.pk]) + ("?format=docx" if docx else "")
    return client.get(url)


def test_the_form_holds_the_review_from_candidate_to_decision_masked_for_staff(
    client, cast, approved
):
    client.force_login(cast.staff)
    response = form(client, approved, docx=True)
    assert response.status_code == 200
    text = text_of(docx_of(response.content))
    for shown in (
        TITLE,
        approved.name,
        "群众基础好",  # the reason for the nomination
        "五关审查",
        "政治关",
        "乡镇初审",
        "纪委监委",
        "无违纪",
        str(cast.department),  # who gave the opinion
        "公安回函.pdf",  # the paper reply, with its date
        timezone.localdate().isoformat(),
        str(cast.district_reviewer),  # who decided
        "同意任职",
        "负面清单",
        f"第{approved.negative_list.pk}版",
        "乡镇党委（盖章）",
        "部门（盖章）",
        "区委组织部（盖章）",
        "日期",
    ):
        assert shown in text, shown
    relative = approved.relatives.get()
    assert approved.id_number not in text
    assert relative.id_number not in text
    assert approved.id_number[-4:] in text
    assert not AccessLogEntry.objects.filter(action="reveal_id").exists()
    assert AccessLogEntry.objects.get(action="export").object_type == "vetting.CandidateCase"


def test_a_district_reviewer_and_the_department_asked_see_full_numbers_logged(
    client, cast, approved
):
    relative = approved.relatives.get()
    for user in (cast.district_reviewer, cast.department):
        client.force_login(user)
        text = text_of(docx_of(form(client, approved, docx=True).content))
        assert approved.id_number in text
        assert relative.id_number in text
        reveals = AccessLogEntry.objects.filter(action="reveal_id", user=user)
        assert {e.object_type for e in reveals} == {
            "vetting.CandidateCase",
            "vetting.CandidateRelative",
        }


def test_a_department_not_asked_and_another_township_get_404(client, cast, approved):
    for user in (
        UserFactory(role="联审部门", department="court"),
        UserFactory(role="乡镇工作人员", townships=["220502200"]),
    ):
        client.force_login(user)
        assert form(client, approved).status_code == 404
        assert form(client, approved, docx=True).status_code == 404


def test_the_print_page_of_a_case_in_review_shows_the_rules_in_force(client, cast):
    case = cast.submitted()
    client.force_login(cast.staff)
    response = form(client, case)
    content = response.content.decode()
    assert response.status_code == 200
    assert TITLE in content
    assert "现行版本" in content
    assert "main-nav" not in content
    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert reverse("vetting:case_form", args=[case.pk]) in page
    assert reverse("vetting:case_form", args=[case.pk]) + "?format=docx" in page


def _nominated_batch(client, staff, count: int):
    village = VillageFactory(name="东升村", township=township("220502100"))
    ids = [make_id_number(dt.date(1980, 1, n + 1), 800 + n) for n in range(count)]
    names = ["王一", "王二", "王三", "王四"]
    rows = [
        [
            "金厂镇",
            village.name,
            names[n],
            "男",
            ids[n],
            "群众",
            "初中",
            "村委会委员",
            "2026-12-01",
            "致富能手",
        ]
        for n in range(count)
    ]
    family = [
        [ids[0], "李梅", "妻子", make_id_number(dt.date(1982, 2, 2), 5, male=False), "", "务农"]
    ]
    client.force_login(staff)
    upload = client.post(
        reverse("vetting:batch_upload"),
        {"file": SimpleUploadedFile("换届推荐.xlsx", nomination_workbook(rows, family))},
    )
    record = client.get(upload["Location"]).context["record"]
    client.post(reverse("vetting:batch_confirm", args=[record.pk]))
    assert CandidateCase.objects.filter(batch=record).count() == count
    return record


def test_a_batch_is_one_form_per_page_and_offered_on_its_page(client, cast):
    record = _nominated_batch(client, cast.staff, 3)
    nominate(cast.staff)  # not of the batch
    url = reverse("vetting:batch_forms", args=[record.pk])
    assert url in client.get(reverse("vetting:batch_preview", args=[record.pk])).content.decode()
    document = docx_of(client.get(url + "?format=docx").content)
    assert text_of(document).count(TITLE) == 3
    assert page_breaks(document) == 2
    assert "李梅" in text_of(document)
    printed = client.get(url).content.decode()
    assert printed.count('<section class="paper">') == 3
    entry = AccessLogEntry.objects.filter(action="export").last()
    assert entry.object_type == "cadres.ImportFile"
    assert "3 forms" in entry.detail
    client.force_login(UserFactory(role="乡镇工作人员", townships=["220502200"]))
    assert client.get(url).status_code == 404


def test_the_batch_reads_a_fixed_number_of_queries(client, cast):
    record = _nominated_batch(client, cast.staff, 2)
    url = reverse("vetting:batch_forms", args=[record.pk]) + "?format=docx"

    def grow():
        more = nominate(cast.staff, relatives=2)
        more2 = nominate(cast.staff, relatives=2)
        CandidateCase.objects.filter(pk__in=[more.pk, more2.pk]).update(batch=record)

    assert_queries_flat(lambda: client.get(url), grow)


def test_a_large_batch_is_written_by_a_job(client, cast, settings):
    settings.FORMS_INLINE_MAX = 2
    record = _nominated_batch(client, cast.staff, 3)
    response = client.get(reverse("vetting:batch_forms", args=[record.pk]) + "?format=docx")
    job = Job.objects.get(kind="review_forms")
    assert response["Location"] == reverse("cadres:job_detail", args=[job.pk])
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    download = client.get(reverse("cadres:job_download", args=[job.pk]))
    document = docx_of(b"".join(download.streaming_content))
    assert text_of(document).count(TITLE) == 3
    assert page_breaks(document) == 2


def test_the_command_writes_a_batch(client, cast, tmp_path):
    record = _nominated_batch(client, cast.staff, 2)
    output = tmp_path / "review.docx"
    call_command("vetting_forms", "--batch", str(record.pk), "--output", str(output))
    document = Document(output)
    assert text_of(document).count(TITLE) == 2
    assert page_breaks(document) == 1
    with pytest.raises(CommandError):
        call_command("vetting_forms", "--batch", "999999", "--output", str(output))
