"""Candidate vetting pages: scoping (404), roles (403), actions, exports, query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from cadres.models import AccessLogEntry
from tests.factories import UserFactory, VillageFactory, township
from tests.querycount import assert_queries_flat
from tests.vetting_candidates.factories import Cast, nominate
from vetting.models import CandidateCase
from vetting.services import candidates

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db):
    return Cast()


def _sheet(response):
    book = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return list(book.active.iter_rows(values_only=True))


def test_pages_by_role(client, cast):
    case = cast.submitted()
    admin = UserFactory(role="系统管理员")
    for user in (cast.staff, cast.township_reviewer, cast.district_reviewer, cast.department):
        client.force_login(user)
        assert client.get(reverse("vetting:case_queue")).status_code == 200
        assert client.get(reverse("vetting:case_list")).status_code == 200
    client.force_login(admin)
    assert client.get(reverse("vetting:case_queue")).status_code == 403
    assert client.get(reverse("vetting:case_detail", args=[case.pk])).status_code == 403
    client.force_login(cast.department)
    assert client.get(reverse("vetting:case_new")).status_code == 403


def test_another_township_or_an_unasked_department_gets_404(client, cast):
    case = cast.at_district()
    url = reverse("vetting:case_detail", args=[case.pk])
    client.force_login(UserFactory(role="乡镇工作人员", townships=["220502200"]))
    assert client.get(url).status_code == 404
    client.force_login(cast.department)
    assert client.get(url).status_code == 404  # not asked yet
    client.force_login(cast.district_reviewer)
    response = client.post(
        reverse("vetting:case_act", args=[case.pk, "open_joint_review"]),
        {"departments": ["discipline"]},
    )
    assert response.status_code == 302
    client.force_login(cast.department)
    response = client.get(url)
    assert response.status_code == 200
    assert "opinion" in response.context["action_forms"]
    client.force_login(UserFactory(role="联审部门", department="police"))
    assert client.get(url).status_code == 404


def test_detail_shows_only_my_actions_and_masks_id_numbers(client, cast):
    case = cast.submitted()
    client.force_login(cast.staff)
    response = client.get(reverse("vetting:case_detail", args=[case.pk]))
    assert set(response.context["action_forms"]) == set()
    assert case.id_number not in response.content.decode()
    client.force_login(cast.township_reviewer)
    response = client.get(reverse("vetting:case_detail", args=[case.pk]))
    assert set(response.context["action_forms"]) == {"check", "forward", "return", "reject"}
    assert 'data-confirm="' in response.content.decode()


def test_nominating_through_the_form(client, cast):
    client.force_login(cast.staff)
    village = VillageFactory()
    response = client.post(
        reverse("vetting:case_new"),
        {
            "name": "王小明",
            "id_number": "",
            "sex": "male",
            "ethnicity": "01",
            "village": village.pk,
            "body": "villagers_committee",
            "title": "director",
            "term_start": "2026-12-01",
            "reason": "",
        },
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    response = client.post(
        reverse("vetting:case_new"),
        {
            "name": "王小明",
            "sex": "male",
            "ethnicity": "01",
            "village": village.pk,
            "body": "party_branch",
            "title": "director",
            "term_start": "2026-12-01",
            "reason": "致富带头人",
        },
    )
    assert response.context["form"].errors["title"]
    other = VillageFactory(township=township("220502200"))
    response = client.post(reverse("vetting:case_new"), {"village": other.pk, "name": "x"})
    assert "village" in response.context["form"].errors


def test_a_step_refused_and_a_reason_missing(client, cast):
    case = cast.submitted()
    url = reverse("vetting:case_act", args=[case.pk, "reject"])
    client.force_login(cast.staff)
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(cast.township_reviewer)
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    assert response.context["action_forms"]["reject"].errors["reason"]
    assert client.post(reverse("vetting:case_act", args=[case.pk, "nonsense"])).status_code == 403
    assert client.post(url, {"reason": "年龄不符合"}).status_code == 302
    assert CandidateCase.objects.get(pk=case.pk).state == "rejected"


def test_checkpoints_through_the_page(client, cast):
    case = cast.submitted()
    client.force_login(cast.township_reviewer)
    data = {
        f"{kind}_verdict": "pass"
        for kind in ["political", "ability", "law", "integrity", "reputation"]
    }
    data["ability_verdict"] = "concern"
    response = client.post(reverse("vetting:case_act", args=[case.pk, "check"]), data)
    assert response.status_code == 400
    data["ability_note"] = "文化程度偏低"
    response = client.post(reverse("vetting:case_act", args=[case.pk, "check"]), data)
    assert response.status_code == 302
    assert case.checkpoints.get(kind="ability").verdict == "concern"


def test_list_export_and_query_counts(client, cast):
    for _ in range(3):
        cast.submitted()
    client.force_login(cast.district_reviewer)

    def three_more():
        for _ in range(3):
            cast.submitted()

    response = assert_queries_flat(
        lambda: client.get(reverse("vetting:case_list"), {"state": "township_review"}),
        three_more,
    )
    assert len(response.context["cases"]) == 6
    response = client.get(
        reverse("vetting:case_list"), {"state": "township_review", "format": "xlsx"}
    )
    rows = _sheet(response)
    assert len(rows) == 7
    assert all("*" in row[3] for row in rows[1:])
    assert AccessLogEntry.objects.filter(
        user=cast.district_reviewer, action=AccessLogEntry.Action.EXPORT
    ).exists()


def test_ledger_for_a_period(client, cast):
    case = cast.ready()
    client.force_login(cast.district_reviewer)
    response = client.get(reverse("vetting:case_ledger"))
    assert response.status_code == 200
    response = client.get(
        reverse("vetting:case_ledger"), {"date_from": "2026-01-01", "date_to": "2000-01-01"}
    )
    assert response.context["form"].errors["date_to"]
    response = client.get(
        reverse("vetting:case_ledger"), {"date_from": "2020-01-01", "date_to": "2099-12-31"}
    )
    rows = _sheet(response)
    assert rows[1][3] == case.name
    assert "同意" in rows[1][8] or "agree" in rows[1][8].lower()
    client.force_login(cast.staff)
    assert client.get(reverse("vetting:case_ledger")).status_code == 403


def test_attachments_are_served_only_to_those_who_see_the_case(client, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    case = nominate(cast.staff)
    client.force_login(cast.staff)
    response = client.post(
        reverse("vetting:case_attach", args=[case.pk]),
        {"file": SimpleUploadedFile("考察材料.pdf", b"%PDF-1.4 test")},
    )
    assert response.status_code == 302
    attachment = case.attachments.get()
    url = reverse("vetting:case_attachment", args=[attachment.pk])
    assert b"".join(client.get(url).streaming_content) == b"%PDF-1.4 test"
    client.force_login(UserFactory(role="乡镇工作人员", townships=["220502200"]))
    assert client.get(url).status_code == 404


def test_queue_and_bulk_agree(client, cast):
    case = cast.at_district()
    client.force_login(cast.district_reviewer)
    response = client.get(reverse("vetting:case_queue"))
    assert case in response.context["cases"]
    client.post(
        reverse("vetting:case_act", args=[case.pk, "open_joint_review"]),
        {"departments": ["discipline"]},
    )
    client.force_login(cast.department)
    assert case in client.get(reverse("vetting:case_queue")).context["cases"]
    client.post(reverse("vetting:opinions_agree"), {"case": [case.pk]})
    assert case.opinions.get().verdict == "agree"
    assert case not in client.get(reverse("vetting:case_queue")).context["cases"]


def test_the_appointed_post_links_to_the_profile_only_for_those_who_see_it(client, cast):
    case = cast.ready()
    case = candidates.case_approve(actor=cast.district_reviewer, case=case, note="同意")
    profile = reverse("cadres:detail", args=[case.post.person_id])
    url = reverse("vetting:case_detail", args=[case.pk])
    client.force_login(cast.staff)
    assert f'href="{profile}"' in client.get(url).text
    # The department gave its opinion on the case but sees no register: no link to a 404.
    client.force_login(cast.department)
    page = client.get(url)
    assert page.status_code == 200
    assert case.post.term_start.isoformat() in page.text
    assert f'href="{profile}"' not in page.text
    assert client.get(profile).status_code == 404
