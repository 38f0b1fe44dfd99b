"""The register fields of the 干部信息表 (issue 21): 籍贯, 出生地, 参加工作时间 at its precision,
健康状况, the photo, education rows (全日制 / 在职), 简历 lines and 奖惩 records; written by
whoever may edit the person, in their townships only, each change in the history."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cadres.choices import Education
from cadres.dates import MONTH, YEAR, PartialDate, partial_date
from cadres.models import EducationRecord, PersonPhoto, ResumeLine, RewardPunishment
from cadres.person_details import (
    person_detail_add,
    person_detail_delete,
    person_detail_update,
    person_photo_store,
)
from cadres.selectors import register_details
from tests.factories import cadre
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db
FULL, IN_SERVICE = EducationRecord.Kind.FULL_TIME, EducationRecord.Kind.IN_SERVICE


def image_bytes(fmt: str = "PNG", size=(30, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(name: str = "照片.png", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes() if content is None else content)


def detail(person) -> str:
    return reverse("cadres:detail", args=[person.pk])


def add_education(actor, person, level=Education.HIGH_SCHOOL, kind=FULL, **values):
    return person_detail_add(
        actor=actor, person=person, model=EducationRecord, kind=kind, level=level, **values
    )


# Education rows and the highest level -------------------------------------------------


def test_education_rows_set_the_highest_level_and_deleting_keeps_the_rest(staff):
    person = cadre(education=Education.JUNIOR_HIGH)
    add_education(staff, person, Education.HIGH_SCHOOL, school="通化市第一中学")
    college = add_education(
        staff,
        person,
        Education.COLLEGE,
        kind=IN_SERVICE,
        school="吉林农业大学",
        started_on=PartialDate(dt.date(2010, 9, 1), MONTH),
        ended_on=PartialDate(dt.date(2013, 7, 1), MONTH),
    )
    person.refresh_from_db()
    assert person.education == Education.COLLEGE
    assert partial_date(college, "ended_on") == PartialDate(dt.date(2013, 7, 1), MONTH)
    person_detail_delete(actor=staff, row=college)
    person.refresh_from_db()
    assert person.education == Education.HIGH_SCHOOL
    assert person.history.first().history_user == staff
    assert EducationRecord.history.filter(history_type="-").get().history_user == staff


def test_the_person_form_leaves_the_level_to_the_rows(client, staff):
    person = cadre()
    client.force_login(staff)
    edit = reverse("cadres:edit", args=[person.pk])
    assert not client.get(edit).context["form"].fields["education"].disabled
    add_education(staff, person)
    form = client.get(edit).context["form"]
    assert form.fields["education"].disabled
    assert "学历" in str(form.fields["education"].help_text)


def test_an_education_row_that_ends_before_it_starts_is_refused(staff):
    person = cadre()
    with pytest.raises(ValidationError, match="结束不能早于开始"):
        add_education(
            staff,
            person,
            started_on=dt.date(2010, 9, 1),
            ended_on=PartialDate(dt.date(2009, 1, 1), YEAR),
        )
    assert not EducationRecord.objects.exists()


def test_another_township_and_read_only_roles_may_not_write(staff, other_staff, district_reviewer):
    person = cadre()
    for actor in (other_staff, district_reviewer):
        with pytest.raises(PermissionDenied):
            add_education(actor, person)
    row = add_education(staff, person)
    with pytest.raises(PermissionDenied):
        person_detail_update(actor=other_staff, row=row, school="别处")
    with pytest.raises(PermissionDenied):
        person_detail_delete(actor=other_staff, row=row)
    with pytest.raises(PermissionDenied):
        person_photo_store(actor=other_staff, person=person, upload=upload())
    assert EducationRecord.objects.get().school == ""


def test_register_details_split_and_order_the_rows(staff):
    person = cadre()
    later = add_education(staff, person, started_on=dt.date(2001, 9, 1))
    earlier = add_education(staff, person, started_on=dt.date(1995, 9, 1))
    undated = add_education(staff, person)
    in_service = add_education(staff, person, Education.COLLEGE, kind=IN_SERVICE)
    now = person_detail_add(
        actor=staff, person=person, model=ResumeLine, started_on=dt.date(2015, 3, 1), text="现职"
    )
    first = person_detail_add(
        actor=staff,
        person=person,
        model=ResumeLine,
        started_on=PartialDate(dt.date(2004, 7, 1), MONTH),
        ended_on=PartialDate(dt.date(2015, 2, 1), MONTH),
        text="务农",
    )
    award = person_detail_add(
        actor=staff,
        person=person,
        model=RewardPunishment,
        kind=RewardPunishment.Kind.REWARD,
        decided_on=PartialDate(dt.date(2019, 1, 1), YEAR),
        description="优秀村干部",
        issued_by="中共通化市东昌区委",
    )
    details = register_details(person)
    assert details.full_time == [earlier, later, undated]
    assert details.in_service == [in_service]
    assert details.resume == [first, now]
    assert details.rewards_punishments == [award]


# Pages ------------------------------------------------------------------------------


def test_profile_shows_the_fields_and_rows(client, staff):
    person = cadre(
        native_place="吉林通化",
        birthplace="通化县快大茂镇",
        work_started_on=PartialDate(dt.date(2003, 7, 1), MONTH),
        health="良好",
    )
    add_education(staff, person, Education.BACHELOR, school="吉林大学", degree="学士")
    person_detail_add(
        actor=staff, person=person, model=ResumeLine, started_on=dt.date(2015, 3, 1), text="村主任"
    )
    person_detail_add(
        actor=staff,
        person=person,
        model=RewardPunishment,
        kind=RewardPunishment.Kind.PUNISHMENT,
        decided_on=dt.date(2020, 5, 6),
        description="党内警告",
        issued_by="区纪委监委",
    )
    client.force_login(staff)
    content = client.get(detail(person)).content.decode()
    for text in ("吉林通化", "通化县快大茂镇", "2003.07", "良好", "吉林大学", "学士", "全日制教育"):
        assert text in content
    assert "村主任" in content
    assert "至今" in content
    assert "党内警告" in content
    assert "区纪委监委" in content
    assert "惩处" in content
    assert reverse("cadres:photo_upload", args=[person.pk]) in content


def test_staff_add_edit_and_delete_rows_through_the_pages(client, staff):
    person = cadre()
    client.force_login(staff)
    add = reverse("cadres:resume_add", args=[person.pk])
    response = client.post(add, {"started_on": "2004年7月", "ended_on": "", "text": "务农"})
    assert response.status_code == 302
    line = ResumeLine.objects.get()
    assert partial_date(line, "started_on") == PartialDate(dt.date(2004, 7, 1), MONTH)
    edit = reverse("cadres:resume_edit", args=[line.pk])
    assert client.get(edit).context["form"]["started_on"].value() == "2004.07"
    response = client.post(edit, {"started_on": "2004.07", "ended_on": "2003", "text": "务农"})
    assert "结束不能早于开始" in response.content.decode()
    client.post(edit, {"started_on": "2004.07", "ended_on": "2010", "text": "外出务工"})
    line.refresh_from_db()
    assert (line.text, line.ended_on_precision) == ("外出务工", YEAR)
    add = reverse("cadres:reward_add", args=[person.pk])
    client.post(
        add,
        {"kind": "reward", "decided_on": "2019", "description": "优秀党务工作者", "issued_by": ""},
    )
    reward = RewardPunishment.objects.get()
    delete = reverse("cadres:reward_delete", args=[reward.pk])
    assert client.post(delete).status_code == 302
    assert not RewardPunishment.objects.exists()
    history = [c.record for c in client.get(detail(person)).context["history"]]
    assert any("简历" in record and "外出务工" in record for record in history)
    assert any("优秀党务工作者" in record for record in history)


def test_other_townships_get_404_and_readers_403(client, staff, other_staff, district_reviewer):
    person = cadre()
    row = add_education(staff, person)
    person_photo_store(actor=staff, person=person, upload=upload())
    pages = [
        reverse("cadres:education_add", args=[person.pk]),
        reverse("cadres:education_edit", args=[row.pk]),
        reverse("cadres:education_delete", args=[row.pk]),
        reverse("cadres:photo_upload", args=[person.pk]),
        reverse("cadres:photo_delete", args=[person.pk]),
    ]
    client.force_login(other_staff)
    for page in [*pages, reverse("cadres:photo", args=[person.pk])]:
        assert client.get(page).status_code == 404, page
    assert client.post(pages[2]).status_code == 404
    client.force_login(district_reviewer)
    for page in pages:
        assert client.get(page).status_code == 403, page
    # The district reads: the photo is served to whoever may see the person.
    assert client.get(reverse("cadres:photo", args=[person.pk])).status_code == 200
    assert EducationRecord.objects.filter(pk=row.pk).exists()


def test_the_profile_query_count_stays_flat(client, staff):
    person = cadre()
    person_photo_store(actor=staff, person=person, upload=upload())
    client.force_login(staff)

    def more_rows():
        for year in range(2000, 2005):
            add_education(staff, person, started_on=dt.date(year, 9, 1))
            add_education(staff, person, kind=IN_SERVICE)
            person_detail_add(
                actor=staff,
                person=person,
                model=ResumeLine,
                started_on=dt.date(year, 1, 1),
                text="务农",
            )
            person_detail_add(
                actor=staff,
                person=person,
                model=RewardPunishment,
                kind=RewardPunishment.Kind.REWARD,
                decided_on=dt.date(year, 1, 1),
                description="先进个人",
            )

    assert_queries_flat(lambda: client.get(detail(person)), more_rows)


# The photo -------------------------------------------------------------------------


def test_a_photo_is_stored_shown_and_served_only_in_scope(client, staff):
    person = cadre()
    client.force_login(staff)
    page = reverse("cadres:photo_upload", args=[person.pk])
    jpeg = image_bytes("JPEG")
    response = client.post(page, {"photo": upload("证件照.jpg", jpeg)})
    assert response.status_code == 302
    photo = PersonPhoto.objects.get(person=person)
    assert (photo.content_type, photo.size, photo.uploaded_by) == ("image/jpeg", len(jpeg), staff)
    content = client.get(detail(person)).content.decode()
    assert f'src="{reverse("cadres:photo", args=[person.pk])}"' in content
    served = client.get(reverse("cadres:photo", args=[person.pk]))
    assert served["Content-Type"] == "image/jpeg"
    assert b"".join(served.streaming_content) == jpeg
    # A new photo replaces the old one.
    client.post(page, {"photo": upload("新照片.png")})
    assert PersonPhoto.objects.get(person=person).content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("照片.gif", image_bytes("GIF")),  # an image, but neither JPEG nor PNG
        ("照片.jpg", b"%PDF-1.4 not a photo"),  # a PDF named as a photo
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 200),  # a PNG's signature, no image
        ("照片.png", b"just text, named .png"),
    ],
)
def test_a_photo_that_is_not_a_jpeg_or_png_is_refused(client, staff, name, content):
    person = cadre()
    person_photo_store(actor=staff, person=person, upload=upload())
    kept = PersonPhoto.objects.get()
    client.force_login(staff)
    response = client.post(
        reverse("cadres:photo_upload", args=[person.pk]), {"photo": upload(name, content)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "不是JPEG或PNG图片" in page or "不是允许上传的文件类型" in page
    assert list(PersonPhoto.objects.all()) == [kept]  # the old photo stays


def test_a_photo_over_the_size_limit_is_refused(client, staff, settings):
    settings.PERSON_PHOTO_MAX_BYTES = 1024 * 1024
    person = cadre()
    client.force_login(staff)
    big = image_bytes("PNG", size=(1200, 1200))
    big += b"\x00" * (settings.PERSON_PHOTO_MAX_BYTES + 1 - len(big))
    response = client.post(
        reverse("cadres:photo_upload", args=[person.pk]), {"photo": upload("大照片.png", big)}
    )
    assert "大照片.png 超过 1 MB" in response.content.decode()
    assert not PersonPhoto.objects.exists()


def test_removing_the_photo(client, staff):
    person = cadre()
    person_photo_store(actor=staff, person=person, upload=upload())
    client.force_login(staff)
    client.post(reverse("cadres:photo_delete", args=[person.pk]))
    assert not PersonPhoto.objects.exists()
    assert client.get(reverse("cadres:photo", args=[person.pk])).status_code == 404
