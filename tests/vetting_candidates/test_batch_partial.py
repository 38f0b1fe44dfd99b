"""Partial batch nominations: the rows without errors nominated in one transaction, the
others (and the family of a candidate whose row is in error) as an error workbook."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from cadres.models import AccessLogEntry, ImportFile
from cadres.spreadsheets import REASONS_HEADER
from tests.cadres_import.workbooks import workbook_edit, workbook_rows
from tests.factories import UserFactory, VillageFactory, make_id_number
from tests.vetting_candidates.factories import Cast
from tests.vetting_candidates.workbooks import FAMILY_HEADER, HEADER, nomination_workbook
from vetting.models import CandidateCase, CandidateRelative
from vetting.services import batch

pytestmark = pytest.mark.django_db


def id_number(n: int) -> str:
    return make_id_number(dt.date(1980, 1, 1) + dt.timedelta(days=n // 500), n)


def candidate(n: int, term_start: str = "2026-12-01") -> list:
    name = "赵" + "一二三四五六七八九十"[n % 10]
    place = ["金厂镇", "东升村"]
    return [*place, name, "男", id_number(n), "中共党员", "高中", "村委会委员", term_start, "好"]


def uploaded(client, content: bytes) -> ImportFile:
    response = client.post(
        reverse("vetting:batch_upload"), {"file": SimpleUploadedFile("换届推荐.xlsx", content)}
    )
    assert response.status_code == 302
    return ImportFile.objects.latest("pk")


@pytest.fixture
def cast(db):
    VillageFactory(name="东升村")
    return Cast()


def test_one_bad_row_among_many(client, cast, other_staff):
    bad = 150
    rows = [candidate(n) for n in range(300)]
    rows[bad] = candidate(bad, term_start="明年")
    wife = make_id_number(dt.date(1982, 2, 2), 5, male=False)
    family = [
        [id_number(0), "李梅", "妻子", wife, "", "务农"],
        [id_number(bad), "王芳", "妻子", "", "", "务农"],
    ]
    client.force_login(cast.staff)
    record = uploaded(client, nomination_workbook(rows, family))
    preview_url = reverse("vetting:batch_preview", args=[record.pk])
    page = client.get(preview_url)
    assert (page.context["error_rows"], page.context["valid_rows"]) == (2, 300)
    errors_url = reverse("vetting:batch_errors", args=[record.pk])
    assert "导入无误的行，跳过有误的行" in page.content.decode()
    assert errors_url in page.content.decode()

    confirm = reverse("vetting:batch_confirm", args=[record.pk])
    refused = client.post(confirm, follow=True)
    assert "2 行有错误，未导入任何内容" in refused.content.decode()
    assert not CandidateCase.objects.exists()

    workbook = client.get(errors_url).content
    sheets = workbook_rows(workbook)
    assert sheets["推荐人选"][0] == [*HEADER, REASONS_HEADER]
    (failed,) = sheets["推荐人选"][1:]
    assert failed[4] == id_number(bad)
    assert failed[-1].startswith("「任职时间」：")
    (waits,) = sheets["家庭成员"][1:]
    assert sheets["家庭成员"][0] == [*FAMILY_HEADER, REASONS_HEADER]
    assert waits[1] == "王芳"
    reason = f"该人选所在的第{bad + 3}行有误，此家庭成员随之跳过，待该行改正后一并导入。"
    assert waits[-1] == f"「人选身份证号」：{reason}"
    assert AccessLogEntry.objects.filter(
        action=AccessLogEntry.Action.DOWNLOAD, object_id=str(record.pk)
    ).exists()
    client.force_login(other_staff)
    assert client.get(errors_url).status_code == 404
    client.force_login(UserFactory(role="区级审核人"))
    assert client.get(errors_url).status_code == 404
    client.force_login(cast.staff)

    response = client.post(confirm, {"skip_errors": "1"}, follow=True)
    assert "已导入300行，跳过有误的行2行。" in [str(m) for m in response.context["messages"]]
    assert CandidateCase.objects.count() == 299
    assert not CandidateCase.objects.filter(id_number=id_number(bad)).exists()
    assert list(CandidateRelative.objects.values_list("name", flat=True)) == ["李梅"]
    page = client.get(preview_url).content.decode()
    assert "已导入300行，跳过有误的行2行。" in page
    assert "导入无误的行，跳过有误的行" not in page

    # Corrected and uploaded again: the candidate and the family member waiting for them.
    again = uploaded(client, workbook_edit(workbook, "推荐人选", "I2", "2026-12-01"))
    assert client.get(reverse("vetting:batch_preview", args=[again.pk])).context["plan"].ok
    client.post(reverse("vetting:batch_confirm", args=[again.pk]))
    assert CandidateCase.objects.count() == 300
    assert CandidateRelative.objects.get(name="王芳").case.id_number == id_number(bad)


def test_nothing_is_written_when_the_write_fails_midway(client, cast, monkeypatch):
    rows = [candidate(n) for n in range(20)]
    rows[3] = candidate(3, term_start="明年")
    client.force_login(cast.staff)
    record = uploaded(client, nomination_workbook(rows, []))

    def fail(ids):
        raise DatabaseError("connection lost")

    # The cases, relatives and transitions are written; screening them fails.
    monkeypatch.setattr(batch, "cases_screen", fail)
    with pytest.raises(DatabaseError):
        batch.batch_nominate(actor=cast.staff, import_file=record, skip_errors=True)
    assert not CandidateCase.objects.exists()
    record.refresh_from_db()
    assert record.status != ImportFile.Status.IMPORTED


def test_a_candidate_waits_for_a_family_row_in_error(client, cast):
    wife = make_id_number(dt.date(1982, 2, 2), 5, male=False)
    family = [
        [id_number(1), "李梅", "妻子", wife, "", "务农"],
        [id_number(1), "王刚", "朋友", "", "", ""],
        [id_number(2), "赵丽", "妻子", "", "", ""],
    ]
    client.force_login(cast.staff)
    record = uploaded(client, nomination_workbook([candidate(1), candidate(2)], family))
    response = client.post(
        reverse("vetting:batch_confirm", args=[record.pk]), {"skip_errors": "1"}, follow=True
    )
    assert "已导入2行，跳过有误的行3行。" in [str(m) for m in response.context["messages"]]
    # No case is screened without a family member: the candidate and the whole family wait.
    assert list(CandidateCase.objects.values_list("id_number", flat=True)) == [id_number(2)]
    assert list(CandidateRelative.objects.values_list("name", flat=True)) == ["赵丽"]
    workbook = client.get(reverse("vetting:batch_errors", args=[record.pk])).content
    sheets = workbook_rows(workbook)
    (waiting,) = sheets["推荐人选"][1:]
    assert waiting[-1] == "家庭成员表第3行有误，该人选随之跳过，待该行改正后一并导入。"
    assert [row[1] for row in sheets["家庭成员"][1:]] == ["李梅", "王刚"]
    assert sheets["家庭成员"][2][-1].startswith("「关系」：")
    fixed = workbook_edit(workbook, "家庭成员", "C3", "其他")
    again = uploaded(client, fixed)
    client.post(reverse("vetting:batch_confirm", args=[again.pk]))
    case = CandidateCase.objects.get(id_number=id_number(1))
    assert sorted(case.relatives.values_list("name", flat=True)) == ["李梅", "王刚"]
