import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from PIL import Image

from cadres.models import AccessLogEntry
from supervision.models import Audit, AuditAttachment, CaseEvent, MisconductCase, SupervisionRecord
from tests.factories import PostFactory
from tests.querycount import assert_queries_flat
from tests.supervision.factories import (
    AuditFactory,
    DisclosureFactory,
    MisconductCaseFactory,
    SupervisionRecordFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def uploads(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def login(client, user):
    client.force_login(user)
    return client


LISTS = [
    "supervision:record_list",
    "supervision:record_overdue",
    "supervision:audit_list",
    "supervision:audit_due_list",
    "supervision:disclosure_list",
    "supervision:disclosure_overdue",
    "supervision:case_list",
]


@pytest.mark.parametrize("name", LISTS)
def test_lists_render_export_and_refuse_other_roles(client, staff, department_user, name, village):
    login(client, staff)
    assert client.get(reverse(name)).status_code == 200
    response = client.get(reverse(name), {"format": "xlsx"})
    assert response.status_code == 200
    load_workbook(io.BytesIO(response.content))
    assert AccessLogEntry.objects.filter(user=staff, action="export").exists()
    client.logout()
    login(client, department_user)
    assert client.get(reverse(name)).status_code == 403


def detail_urls(village):
    post = PostFactory(village=village)
    record = SupervisionRecordFactory(village=village)
    audit = AuditFactory(village=village)
    disclosure = DisclosureFactory(village=village)
    case = MisconductCaseFactory(village=village, person=post.person)
    return [
        reverse("supervision:record_detail", args=[record.pk]),
        reverse("supervision:record_edit", args=[record.pk]),
        reverse("supervision:audit_detail", args=[audit.pk]),
        reverse("supervision:audit_edit", args=[audit.pk]),
        reverse("supervision:disclosure_detail", args=[disclosure.pk]),
        reverse("supervision:case_detail", args=[case.pk]),
        reverse("supervision:case_edit", args=[case.pk]),
    ]


def test_own_township_200_other_township_404(client, staff, other_staff, village):
    urls = detail_urls(village)
    login(client, staff)
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.logout()
    login(client, other_staff)
    for url in urls:
        assert client.get(url).status_code == 404, url


def test_district_reviewer_sees_but_may_not_edit(client, district_reviewer, village):
    urls = detail_urls(village)
    login(client, district_reviewer)
    for url in urls:
        expected = 403 if url.endswith("/edit/") else 200
        assert client.get(url).status_code == expected, url
    assert client.get(reverse("supervision:record_create")).status_code == 403
    assert client.get(reverse("supervision:case_create")).status_code == 403


def test_record_form_shows_chinese_errors_next_to_fields(client, staff, village, other_village):
    stranger = PostFactory(village=other_village).person
    login(client, staff)
    response = client.post(
        reverse("supervision:record_create"),
        {
            "tier": SupervisionRecord.Tier.TOWNSHIP_COMMITTEE,
            "date": "2026-03-10",
            "village": village.pk,
            "kind": "inspection",
            "cadres": [stranger.pk],
            "findings": "问题",
            "rectification": "整改",
            "rectification_deadline": "2026-03-01",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "整改期限不能早于监督日期" in errors["rectification_deadline"][0]
    assert "cadres" in errors  # not among the people this user may choose
    assert not SupervisionRecord.objects.exists()


def test_record_create_and_rectify(client, staff, township_reviewer, village, cadre_post):
    login(client, staff)
    response = client.post(
        reverse("supervision:record_create"),
        {
            "tier": SupervisionRecord.Tier.SUPERVISION_COMMITTEE,
            "date": "2026-03-10",
            "village": village.pk,
            "kind": "financial_review",
            "cadres": [cadre_post.person.pk],
            "findings": "报销凭证不全",
            "rectification": "补齐凭证",
            "rectification_deadline": "2026-04-10",
        },
    )
    record = SupervisionRecord.objects.get()
    assert response.status_code == 302
    login(client, township_reviewer)  # not whoever recorded the finding
    response = client.post(
        reverse("supervision:record_rectify", args=[record.pk]),
        {"rectified_on": "2026-03-20", "note": "已补齐"},
    )
    record.refresh_from_db()
    assert record.rectified_on == dt.date(2026, 3, 20)


def test_agriculture_bureau_sees_its_tier_everywhere(client, agriculture_user, other_village):
    own = SupervisionRecordFactory(
        village=other_village, tier=SupervisionRecord.Tier.AGRICULTURE_BUREAU
    )
    hidden = SupervisionRecordFactory(village=other_village)
    login(client, agriculture_user)
    assert client.get(reverse("supervision:record_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("supervision:record_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("supervision:audit_list")).status_code == 403


def test_referral_flow_through_the_pages(client, staff, cadre_post):
    case = MisconductCaseFactory(village=cadre_post.village, person=cadre_post.person)
    login(client, staff)
    url = reverse("supervision:case_action", args=[case.pk, "refer"])
    response = client.post(url, {"refer-body": "discipline", "refer-referred_on": "2026-02-01"})
    assert response.status_code == 200
    assert "移交日期不能早于问题发生日期" in str(response.context["form"].errors)
    client.post(url, {"refer-body": "discipline", "refer-referred_on": "2026-03-02"})
    client.post(
        reverse("supervision:case_action", args=[case.pk, "outcome"]),
        {"outcome-outcome": "给予党内警告处分", "outcome-outcome_on": "2026-04-01"},
    )
    client.post(
        reverse("supervision:case_action", args=[case.pk, "close"]), {"close-note": "已办结"}
    )
    case.refresh_from_db()
    assert case.status == MisconductCase.Status.CLOSED
    assert case.referral_body == "discipline"
    assert list(case.events.values_list("action", flat=True)) == [
        CaseEvent.Action.REFERRED,
        CaseEvent.Action.OUTCOME,
        CaseEvent.Action.CLOSED,
    ]
    page = client.get(reverse("supervision:case_detail", args=[case.pk])).content.decode()
    assert "给予党内警告处分" in page


def test_attachment_is_served_only_within_scope(client, staff, other_staff, village):
    audit = AuditFactory(village=village)
    login(client, staff)
    client.post(
        reverse("supervision:audit_attach", args=[audit.pk]),
        {"file": SimpleUploadedFile("审计报告.pdf", b"%PDF-1.4 report")},
    )
    attachment = AuditAttachment.objects.get()
    url = reverse("supervision:attachment_download", args=[attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
    assert response["Content-Disposition"].startswith("attachment")
    client.logout()
    login(client, other_staff)
    assert client.get(url).status_code == 404


def test_disclosure_form_refuses_a_fake_photo(client, staff, village):
    login(client, staff)
    data = {
        "village": village.pk,
        "kind": "finance",
        "period_day": "2026-03-01",
        "content": "2月财务收支",
        "published_on": "2026-03-05",
        "channel": "notice_board",
    }
    response = client.post(
        reverse("supervision:disclosure_create"),
        {**data, "photo": SimpleUploadedFile("a.jpg", b"<html>not an image</html>")},
    )
    assert response.status_code == 200
    assert "photo" in response.context["form"].errors
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3)).save(buffer, "JPEG")
    response = client.post(
        reverse("supervision:disclosure_create"),
        {**data, "photo": SimpleUploadedFile("a.jpg", buffer.getvalue())},
    )
    assert response.status_code == 302
    photo = client.get(response["Location"] + "photo/")
    assert photo["Content-Type"] == "image/jpeg"


def test_due_audit_can_be_planned_from_the_list(client, staff, village):
    post = PostFactory(
        village=village, term_start=dt.date(2020, 1, 1), term_end=dt.date(2025, 1, 1)
    )
    login(client, staff)
    page = client.get(reverse("supervision:audit_due_list")).content.decode()
    assert post.person.name in page
    response = client.get(reverse("supervision:audit_create"), {"post": post.pk})
    assert response.status_code == 200
    response = client.post(
        reverse("supervision:audit_create"), {"kind": "term_end", "post": post.pk}
    )
    assert response.status_code == 302
    assert Audit.objects.get().post == post


@pytest.mark.parametrize(
    "name", ["supervision:record_list", "supervision:case_list", "supervision:audit_list"]
)
@pytest.mark.parametrize("export", [False, True])
def test_list_query_counts_do_not_grow(client, staff, village, name, export):
    login(client, staff)
    made = []

    def eight_more():
        for _ in range(8):
            post = PostFactory(village=village)
            record = SupervisionRecordFactory(village=village)
            record.cadres.add(post.person)
            day = dt.date(2020, 1, 1) + dt.timedelta(days=len(made))
            made.append(AuditFactory(village=village, period_start=day))
            MisconductCaseFactory(village=village, person=post.person)

    eight_more()
    query = {"format": "xlsx"} if export else {}
    response = assert_queries_flat(lambda: client.get(reverse(name), query), eight_more)
    assert response.status_code == 200


def test_profile_section_lists_the_cases(rf, staff, other_staff, cadre_post):
    from supervision.views import profile_section_context

    MisconductCaseFactory(village=cadre_post.village, person=cadre_post.person)
    request = rf.get("/")
    request.user = staff
    assert len(profile_section_context(request, cadre_post.person)["supervision_cases"]) == 1
    request.user = other_staff
    assert profile_section_context(request, cadre_post.person)["supervision_cases"] == []


def test_case_shows_on_the_persons_profile_page(client, staff, cadre_post):
    MisconductCaseFactory(
        village=cadre_post.village, person=cadre_post.person, facts="x", category="integrity"
    )
    login(client, staff)
    page = client.get(reverse("cadres:detail", args=[cadre_post.person.pk])).content.decode()
    assert "违反廉洁纪律" in page


def test_forms_render(client, staff, district_reviewer, village):
    login(client, staff)
    for name in (
        "supervision:record_create",
        "supervision:audit_create",
        "supervision:disclosure_create",
        "supervision:case_create",
        "supervision:schedule_list",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("supervision:schedule_edit", args=["party"])).status_code == 403
    client.logout()
    login(client, district_reviewer)
    url = reverse("supervision:schedule_edit", args=["party"])
    assert client.get(url).status_code == 200
    response = client.post(url, {"period": "monthly", "grace_days": "0"})
    assert "grace_days" in response.context["form"].errors
    response = client.post(url, {"period": "monthly", "grace_days": "15"})
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("name", "factory"),
    [
        ("supervision:audit_list", AuditFactory),
        ("supervision:disclosure_list", DisclosureFactory),
        ("supervision:case_list", MisconductCaseFactory),
    ],
)
def test_district_lists_filter_by_township_and_its_villages(
    client, district_reviewer, village, other_village, name, factory
):
    mine, theirs = factory(village=village), factory(village=other_village)
    login(client, district_reviewer)
    response = client.get(reverse(name))
    assert {row.pk for row in response.context["rows"]} == {mine.pk, theirs.pk}
    assert [
        pk for pk, _label in response.context["filter"].form.fields["village"].choices if pk
    ] == []
    response = client.get(reverse(name), {"township": other_village.township.pk})
    assert {row.pk for row in response.context["rows"]} == {theirs.pk}
    villages = response.context["filter"].form.fields["village"].choices
    assert [str(label) for pk, label in villages if pk] == [str(other_village)]


@pytest.mark.parametrize("post", ["abc", "²", "-1", "99999999999999999999"])
def test_planning_an_audit_for_a_post_that_is_no_key_is_404(client, staff, village, post):
    """Issue 20 finding 6: ?post=abc was a ValueError, a server error."""
    login(client, staff)
    assert client.get(reverse("supervision:audit_create"), {"post": post}).status_code == 404


def test_record_form_refuses_a_person_key_beyond_any_column(client, staff, village):
    """Issue 20 finding 6: the key reached the query, an OverflowError on SQLite."""
    login(client, staff)
    response = client.post(
        reverse("supervision:record_create"),
        {
            "tier": SupervisionRecord.Tier.TOWNSHIP_COMMITTEE,
            "date": "2026-03-10",
            "village": village.pk,
            "kind": "inspection",
            "cadres": ["99999999999999999999", "²"],
            "findings": "问题",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "不是一个有效的值" in response.context["form"].errors["cadres"][0]
    assert not SupervisionRecord.objects.exists()
