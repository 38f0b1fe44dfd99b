"""The cadre information form (村干部基本信息表) in Word and on the print page."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn

from cadres.dates import MONTH, PartialDate
from cadres.models import AccessLogEntry, Job
from cadres.paper import DOCX_CONTENT_TYPE
from cadres.records import services as records
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import RelativeFactory, VillageFactory, cadre, hanzi_number, township
from tests.jobs import run_queued_jobs
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db


def form_url(person, **query):
    url = reverse("cadres:person_form", args=[person.pk])
    return url + ("?format=docx" if query.get("docx") else "")


def docx_of(content: bytes):
    return Document(io.BytesIO(content))


def text_of(document) -> str:
    return "".join(node.text or "" for node in document.element.body.iter(qn("w:t")))


def page_breaks(document) -> int:
    return len(document.element.body.findall(".//" + qn("w:pageBreakBefore")))


def evaluate(actor, person, year, scores=(92, 90, 88)):
    performance, discipline, reputation = (Decimal(s) for s in scores)
    return records.evaluation_record(
        actor=actor,
        person=person,
        village=person.posts.get().village,
        year=year,
        performance=performance,
        discipline=discipline,
        reputation=reputation,
        evaluator="镇党委书记李明",
        evaluated_on=dt.date(year, 12, 20),
    )


@pytest.fixture
def secretary(township_reviewer):
    person = cadre(
        VillageFactory(name="东升村", township=township(JINCHANG)),
        body="party_branch",
        title="secretary",
        name="王建国",
        phone="13800000000",
        birth=dt.date(1972, 8, 15),
        party_joined_on=PartialDate(dt.date(1998, 7, 1), MONTH),
    )
    RelativeFactory(cadre=person, name="李秀英", relation="spouse", work_unit_and_post="村小学教师")
    for year in (2021, 2022, 2023, 2024):
        evaluate(township_reviewer, person, year)
    return person


def test_the_form_in_word_has_every_section_and_masks_numbers_for_township_staff(
    client, staff, secretary
):
    client.force_login(staff)
    response = client.get(form_url(secretary, docx=True))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    document = docx_of(response.content)
    text = text_of(document)
    assert "村干部基本信息表" in text
    for shown in ("王建国", "13800000000", "1998.07", "东升村", "村党组织书记", "李秀英"):
        assert shown in text
    assert "配偶" in text
    assert "村小学教师" in text
    # The last three evaluations, not the fourth.
    assert "2024优秀" in text
    assert "2022优秀" in text
    assert "2021优秀" not in text
    wife = secretary.relatives.get()
    assert secretary.id_number not in text
    assert wife.id_number not in text
    assert secretary.id_number[:4] + "*" * 10 + secretary.id_number[-4:] in text
    # A4 with every row kept whole.
    section = document.sections[0]
    assert round(section.page_width.cm, 1) == 21.0
    assert round(section.page_height.cm, 1) == 29.7
    rows = document.element.body.findall(".//" + qn("w:tr"))
    assert rows
    assert all(row.find(qn("w:trPr")).find(qn("w:cantSplit")) is not None for row in rows)
    # Logged as an export of masked numbers, nothing revealed.
    entry = AccessLogEntry.objects.get()
    assert entry.action == AccessLogEntry.Action.EXPORT
    assert entry.object_id == str(secretary.pk)
    assert "masked ID numbers" in entry.detail


def test_a_district_reviewer_sees_full_numbers_and_each_is_logged_as_a_reveal(
    client, district_reviewer, secretary
):
    client.force_login(district_reviewer)
    text = text_of(docx_of(client.get(form_url(secretary, docx=True)).content))
    wife = secretary.relatives.get()
    assert secretary.id_number in text
    assert wife.id_number in text
    reveals = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.REVEAL_ID)
    assert {(e.object_type, e.object_id) for e in reveals} == {
        ("cadres.Person", str(secretary.pk)),
        ("cadres.Relative", str(wife.pk)),
    }
    assert "full ID numbers" in AccessLogEntry.objects.get(action="export").detail


def test_the_print_page_masks_as_the_word_file_and_has_no_navigation(client, staff, secretary):
    client.force_login(staff)
    response = client.get(form_url(secretary))
    content = response.content.decode()
    assert response.status_code == 200
    assert "村干部基本信息表" in content
    assert "王建国" in content
    assert secretary.id_number not in content
    assert "main-nav" not in content
    assert "paper.css" in content
    assert AccessLogEntry.objects.get().detail.startswith("print, 1 forms")


def test_a_department_and_another_township_get_404(client, other_staff, department_user, secretary):
    for user in (other_staff, department_user):
        client.force_login(user)
        assert client.get(form_url(secretary)).status_code == 404
        assert client.get(form_url(secretary, docx=True)).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_the_profile_offers_the_form(client, staff, secretary):
    client.force_login(staff)
    content = client.get(reverse("cadres:detail", args=[secretary.pk])).content.decode()
    assert form_url(secretary) in content
    assert form_url(secretary, docx=True) in content


def _village_of_cadres(count: int, code_township=JINCHANG):
    village = VillageFactory(township=township(code_township))
    for n in range(count):
        person = cadre(village, name=f"赵{hanzi_number(n + 1)}")
        RelativeFactory(cadre=person)
    return village


def test_a_village_batch_is_one_form_per_page_in_a_fixed_number_of_queries(client, staff):
    village = _village_of_cadres(2)
    client.force_login(staff)
    url = reverse("cadres:forms") + f"?township={JINCHANG}&village={village.code}&format=docx"

    def download():
        return client.get(url)

    def grow():
        for n in range(2):
            RelativeFactory(cadre=cadre(village, name=f"钱{hanzi_number(n + 1)}"))

    response = assert_queries_flat(download, grow)
    document = docx_of(response.content)
    assert text_of(document).count("村干部基本信息表") == 4
    assert page_breaks(document) == 3  # before every form but the first


def test_a_township_batch_skips_former_cadres_and_other_townships(client, staff):
    _village_of_cadres(2)
    _village_of_cadres(1, HUANTONG)
    former = cadre(VillageFactory(township=township(JINCHANG)), name="孙前任")
    former.posts.update(ended_on=dt.date(2024, 1, 1), end_reason="resigned")
    client.force_login(staff)
    response = client.get(reverse("cadres:forms") + f"?township={JINCHANG}&format=docx")
    text = text_of(docx_of(response.content))
    assert text.count("村干部基本信息表") == 2
    assert "孙前任" not in text
    entry = AccessLogEntry.objects.get()
    assert entry.object_type == "cadres.Township"
    assert "2 forms" in entry.detail


def test_another_townships_batch_is_404(client, other_staff):
    _village_of_cadres(1)
    client.force_login(other_staff)
    assert client.get(reverse("cadres:forms") + f"?township={JINCHANG}").status_code == 404
    assert client.get(reverse("cadres:forms") + "?township=abc").status_code == 404


def test_the_register_filtered_to_a_township_offers_its_forms(client, staff):
    village = _village_of_cadres(1)
    client.force_login(staff)
    page = client.get(reverse("cadres:list"), {"township": village.township.pk})
    assert f"{reverse('cadres:forms')}?township={JINCHANG}" in page.content.decode()
    assert reverse("cadres:forms") not in client.get(reverse("cadres:list")).content.decode()


def test_a_large_batch_is_a_job_whose_page_offers_the_file(client, staff, settings):
    settings.FORMS_INLINE_MAX = 2
    _village_of_cadres(3)
    client.force_login(staff)
    response = client.get(reverse("cadres:forms") + f"?township={JINCHANG}&format=docx")
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cadres:job_detail", args=[job.pk])
    assert job.kind == "cadre_forms"
    assert not AccessLogEntry.objects.exists()
    assert run_queued_jobs() == 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE, job.error
    page = client.get(reverse("cadres:job_detail", args=[job.pk])).content.decode()
    assert reverse("cadres:job_download", args=[job.pk]) in page
    download = client.get(reverse("cadres:job_download", args=[job.pk]))
    document = docx_of(b"".join(download.streaming_content))
    assert text_of(document).count("村干部基本信息表") == 3
    assert page_breaks(document) == 2
    assert AccessLogEntry.objects.filter(action="export", detail__contains="3 forms").exists()


def test_the_command_writes_the_township_or_village_forms(tmp_path):
    village = _village_of_cadres(2)
    _village_of_cadres(1)
    output = tmp_path / "forms.docx"
    call_command("cadre_forms", "--township", JINCHANG, "--output", str(output))
    assert text_of(Document(output)).count("村干部基本信息表") == 3
    call_command(
        "cadre_forms", "--township", JINCHANG, "--village", village.code, "--output", str(output)
    )
    document = Document(output)
    assert text_of(document).count("村干部基本信息表") == 2
    assert page_breaks(document) == 1
    person = village.posts.first().person
    assert person.id_number not in text_of(document)
    with pytest.raises(CommandError):
        call_command("cadre_forms", "--township", "999999999", "--output", str(output))
