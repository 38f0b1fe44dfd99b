"""The cadre information form (村干部基本信息表) in Word and on the print page."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from PIL import Image

from cadres.choices import Education
from cadres.dates import MONTH, YEAR, PartialDate
from cadres.models import AccessLogEntry, EducationRecord, Job, ResumeLine, RewardPunishment
from cadres.paper import DOCX_CONTENT_TYPE, GRID, Cell, Paper, Row
from cadres.person_details import person_detail_add, person_photo_store
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


def photo(size=(300, 400)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("证件照.png", buffer.getvalue(), content_type="image/png")


def first_row_cells(document) -> list:
    return document.element.body.find(".//" + qn("w:tr")).findall(qn("w:tc"))


def photo_url(person) -> str:
    return reverse("cadres:photo", args=[person.pk])


def give_details(actor, person) -> None:
    """What the form shows of the register's detail rows: both kinds of education, an
    ended and an open 简历 line, a reward."""
    for kind, level, degree, school, major in (
        (EducationRecord.Kind.FULL_TIME, Education.VOCATIONAL, "", "通化农业学校", "农学"),
        (
            EducationRecord.Kind.IN_SERVICE,
            Education.BACHELOR,
            "学士",
            "吉林农业大学",
            "农村区域发展",
        ),
    ):
        person_detail_add(
            actor=actor,
            person=person,
            model=EducationRecord,
            kind=kind,
            level=level,
            degree=degree,
            school=school,
            major=major,
        )
    person_detail_add(
        actor=actor,
        person=person,
        model=ResumeLine,
        started_on=PartialDate(dt.date(1990, 7, 1), MONTH),
        ended_on=PartialDate(dt.date(2004, 12, 1), MONTH),
        text="金厂镇农业站技术员",
    )
    person_detail_add(
        actor=actor,
        person=person,
        model=ResumeLine,
        started_on=PartialDate(dt.date(2005, 1, 1), MONTH),
        text="东升村党支部书记",
    )
    person_detail_add(
        actor=actor,
        person=person,
        model=RewardPunishment,
        kind=RewardPunishment.Kind.REWARD,
        decided_on=PartialDate(dt.date(2023, 1, 1), YEAR),
        description="优秀村党组织书记",
        issued_by="中共通化市东昌区委",
    )


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
        native_place="吉林柳河",
        birthplace="吉林通化",
        work_started_on=PartialDate(dt.date(1990, 7, 1), MONTH),
        health="良好",
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


def test_the_form_in_word_has_the_register_fields_the_photo_and_each_section(
    client, staff, secretary
):
    give_details(staff, secretary)
    person_photo_store(actor=staff, person=secretary, upload=photo())
    client.force_login(staff)
    document = docx_of(client.get(form_url(secretary, docx=True)).content)
    text = text_of(document)
    # 籍贯, 出生地, 参加工作时间 at its month, 健康状况 in the personal data.
    for label, value in (("籍贯", "吉林柳河"), ("出生地", "吉林通化"), ("健康状况", "良好")):
        assert label + value in text
    assert "参加工作时间1990.07" in text
    # 全日制 and 在职 apart, each with its level and degree, then school and major.
    assert "学历学位全日制教育中专毕业院校系及专业通化农业学校 农学" in text
    assert "在职教育大学本科 学士毕业院校系及专业吉林农业大学 农村区域发展" in text
    # 简历 from the earliest, the open line 至今; 奖惩 at its precision.
    assert "1990.072004.12金厂镇农业站技术员2005.01至今东升村党支部书记" in text
    assert "2023奖励优秀村党组织书记中共通化市东昌区委" in text
    assert text.index("简历") < text.index("奖惩情况") < text.index("近三年年度考核结果")
    # The photo: one picture inline, within its 3.5 × 4.5 cm box, in the first row's last
    # cell, which reaches down beside the first four rows.
    (picture,) = document.inline_shapes
    assert picture.height == Cm(4.5)  # 300 × 400: as tall as the box, narrower
    assert abs(picture.width - Cm(4.5) * 3 / 4) < Cm(0.01)
    box = first_row_cells(document)[-1]
    assert box.find(".//" + qn("wp:inline")) is not None
    assert box.find(qn("w:tcPr")).find(qn("w:vMerge")).get(qn("w:val")) == "restart"
    rows = document.element.body.findall(".//" + qn("w:tr"))
    continued = [
        row.findall(qn("w:tc"))[-1].find(qn("w:tcPr")).find(qn("w:vMerge")) for row in rows[1:5]
    ]
    assert [c is not None and c.get(qn("w:val")) is None for c in continued] == [True] * 3 + [False]
    # The photo is logged as a download, as the photo view logs each showing.
    download = AccessLogEntry.objects.get(action=AccessLogEntry.Action.DOWNLOAD)
    assert (download.object_type, download.object_id) == (
        "cadres.PersonPhoto",
        str(secretary.photo.pk),
    )


def test_without_a_photo_the_form_has_an_empty_box_labelled_photo(client, staff, secretary):
    client.force_login(staff)
    document = docx_of(client.get(form_url(secretary, docx=True)).content)
    assert not document.inline_shapes
    box = first_row_cells(document)[-1]
    assert "".join(t.text for t in box.iter(qn("w:t"))) == "照片"
    assert "简历" in text_of(document)
    assert "None recorded" not in text_of(document)
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DOWNLOAD).exists()
    page = client.get(form_url(secretary)).content.decode()
    assert 'class="picture">照片</td>' in page
    assert photo_url(secretary) not in page


def test_the_print_page_shows_the_fields_and_the_photo_through_its_logged_view(
    client, staff, secretary
):
    give_details(staff, secretary)
    person_photo_store(actor=staff, person=secretary, upload=photo())
    client.force_login(staff)
    page = client.get(form_url(secretary)).content.decode()
    for shown in ("吉林柳河", "吉林通化", "1990.07", "良好", "全日制教育", "在职教育"):
        assert shown in page
    for shown in ("吉林农业大学 农村区域发展", "至今", "东升村党支部书记", "优秀村党组织书记"):
        assert shown in page
    assert f'rowspan="4" class="picture"><img src="{photo_url(secretary)}"' in page
    # The page logs the form; the picture is logged once, when the browser fetches it.
    assert not AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DOWNLOAD).exists()
    assert client.get(photo_url(secretary)).status_code == 200
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DOWNLOAD).count() == 1


def test_a_row_must_fill_the_grid_beside_a_cell_reaching_down():
    beside = Row((Cell("照片", 6, rows=2), Cell("姓名", GRID - 6)))
    Paper("表", rows=[beside, Row((Cell("民族", GRID - 6),))])
    with pytest.raises(ValueError, match="must span"):
        Paper("表", rows=[beside, Row((Cell("民族", GRID),))])
    with pytest.raises(ValueError, match="below the last row"):
        Paper("表", rows=[beside])


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
            person = cadre(village, name=f"钱{hanzi_number(n + 1)}")
            RelativeFactory(cadre=person)
            give_details(staff, person)

    response = assert_queries_flat(download, grow)
    document = docx_of(response.content)
    assert text_of(document).count("村干部基本信息表") == 4
    assert page_breaks(document) == 3  # before every form but the first


def test_a_batch_with_photos_and_details_reads_a_fixed_number_of_queries(client, staff):
    village = VillageFactory(township=township(JINCHANG))

    def add(count: int, surname: str):
        for n in range(count):
            person = cadre(village, name=f"{surname}{hanzi_number(n + 1)}")
            RelativeFactory(cadre=person)
            give_details(staff, person)
            person_photo_store(actor=staff, person=person, upload=photo())

    add(2, "赵")
    client.force_login(staff)
    url = reverse("cadres:forms") + f"?township={JINCHANG}&village={village.code}"
    # The print page: its pictures are fetched (and logged) by the browser, one by one.
    page = assert_queries_flat(lambda: client.get(url), lambda: add(2, "钱"))
    assert page.content.decode().count('class="picture"><img src="/cadres/') == 4
    # The Word file reads as much, and writes one download to the log per photo it embeds,
    # as it writes one reveal per full ID number.
    downloads = AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DOWNLOAD)
    assert not downloads.exists()
    document = docx_of(client.get(url + "&format=docx").content)
    text = text_of(document)
    assert text.count("村干部基本信息表") == 4
    assert page_breaks(document) == 3
    assert len(document.inline_shapes) == 4
    assert text.count("东升村党支部书记") == 4
    assert downloads.count() == 4


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
