"""The results workbook as townships really send it (issue 23): title rows and a footer,
invisible characters pasted into names and ID numbers, columns nobody asked for, and one bad
row among two thousand; the rows in error come back as a workbook to correct."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cadres.models import Post
from cadres.services import identity_values
from cadres.spreadsheets import REASONS_HEADER
from tests.cadres_import.workbooks import workbook_bytes
from tests.factories import UserFactory, VillageFactory, hanzi_number, make_id_number
from tests.vetting_election.factories import (
    ELECTION_DAY,
    approved_case,
    election_village,
    open_election,
)
from vetting.models import CandidateCase, ElectionResult

pytestmark = pytest.mark.django_db

HEADERS = ["村", "姓名", "身份证号", "当选职务", "得票数"]
TITLE = [["金厂镇2026年村“两委”换届选举结果统计表"], ["填报单位：金厂镇党委（盖章）"]]
FOOTER = [["制表人：王丽", None, "日期：2026年12月12日"]]


@pytest.fixture
def world():
    the_election = open_election()
    village = VillageFactory(name="东岗村")
    ev = election_village(the_election, village)
    staff = UserFactory(role="乡镇工作人员", townships=["220502100"])
    return the_election, village, ev, staff


def upload(client, plan, rows, *, headers=HEADERS, title=TITLE, footer=FOOTER) -> str:
    sheet = [*title, headers, *rows, *footer]
    data = workbook_bytes({"选举结果": sheet}, text_columns={"选举结果": ["C"]})
    response = client.post(
        reverse("vetting:election_results_upload", args=[plan.pk]),
        {"file": SimpleUploadedFile("选举结果.xlsx", data)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def test_title_rows_footer_invisible_characters_and_unknown_columns(client, world):
    the_election, village, ev, staff = world
    secretary = approved_case(the_election, village, Post.Body.PARTY_BRANCH, Post.Title.SECRETARY)
    member = approved_case(the_election, village, Post.Body.VILLAGERS_COMMITTEE, Post.Title.MEMBER)
    client.force_login(staff)
    headers = ["序号", *HEADERS, "备注"]
    zwsp, nbsp, wide = "\u200b", "\u00a0", "\u3000"
    rows = [
        [
            1,
            f"东岗{zwsp}村",
            f"{nbsp}{secretary.name[0]}{wide}{secretary.name[1:]}{zwsp}",
            f"{zwsp}{secretary.id_number[:6]}{nbsp}{secretary.id_number[6:]}{wide}",
            "村党组织书记",
            "812票",
        ],
        [2, f"{wide}东岗村", member.name, f"{member.id_number}{zwsp}", "村委会委员", 640, "连任"],
    ]
    preview = upload(client, ev.plan, rows, headers=headers)
    page = client.get(preview)
    assert page.context["planned"].errors == []
    assert page.context["planned"].rows == 2
    assert client.post(preview).status_code == 302
    assert dict(ElectionResult.objects.values_list("case_id", "votes")) == {
        secretary.pk: 812,
        member.pk: 640,
    }


def _members(the_election, villages, count, nominator) -> list[CandidateCase]:
    """``count`` approved member cases spread over the villages, written in one statement."""
    now = timezone.now()
    cases = []
    for i in range(count):
        birth = dt.date(1960 + i % 40, i % 12 + 1, i % 28 + 1)
        identity = identity_values(
            name=f"候选人{hanzi_number(i)}", id_number=make_id_number(birth, i)
        )
        cases.append(
            CandidateCase(
                **identity,
                village=villages[i % len(villages)],
                body=Post.Body.VILLAGERS_COMMITTEE,
                title=Post.Title.MEMBER,
                term_start=ELECTION_DAY,
                reason="换届提名",
                state=CandidateCase.State.APPROVED,
                nominated_by=nominator,
                decided_by=nominator,
                decided_at=now,
                election=the_election,
            )
        )
    return CandidateCase.objects.bulk_create(cases)


def test_one_bad_row_among_two_thousand_writes_nothing_and_comes_back_to_correct(client, world):
    the_election, village, _ev, staff = world
    villages = [village] + [VillageFactory(name=f"第{hanzi_number(n)}村") for n in range(1, 20)]
    for each in villages[1:]:
        election_village(the_election, each)
    cases = _members(the_election, villages, 2000, staff)
    rows = [[c.village.name, c.name, c.id_number, "村委会委员", 300] for c in cases]
    bad = 1499
    rows[bad][2] = rows[bad][2][:-1] + ("0" if rows[bad][2][-1] != "0" else "1")
    client.force_login(staff)
    preview = upload(client, ev_plan(the_election, village), rows)

    page = client.get(preview)
    [error] = page.context["planned"].errors
    sheet_row = len(TITLE) + 1 + bad + 1  # the title rows, the header, 1-based
    assert (error.row, error.column) == (sheet_row, "身份证号")
    text = page.content.decode()
    assert "身份证号校验位不正确" in text
    assert "下载有误的行" in text
    assert client.post(preview).status_code == 200
    assert not ElectionResult.objects.exists()

    download = client.get(page.context["errors_url"])
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(download.content))
    sheet = book.active
    written = list(sheet.iter_rows(values_only=True))
    assert written[0][-1] == REASONS_HEADER
    # The bad row's whole village comes back (100 rows), the reason on the bad row only.
    bad_village = cases[bad].village.name
    assert len(written) - 1 == sum(1 for c in cases if c.village.name == bad_village)
    assert {row[0] for row in written[1:]} == {bad_village}
    reasons = [row for row in written[1:] if row[-1]]
    assert [row[2] for row in reasons] == [rows[bad][2]]
    assert "身份证号" in reasons[0][-1]

    other = UserFactory(role="乡镇工作人员", townships=["220502200"])
    client.force_login(other)
    assert client.get(page.context["errors_url"]).status_code == 404


def ev_plan(the_election, village):
    return election_village(the_election, village).plan
