"""Batch nomination reads the workbooks townships really keep: title rows above the header,
the header again mid-sheet, footer rows, invisible and full-width characters pasted from
chat programs, columns the import does not know (warned, and kept on each case when asked),
and one bad row among a thousand named by its row and column."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.models import ImportFile
from tests.cadres_import.test_messy_files import SKIPPED_LINES
from tests.cadres_import.workbooks import messy_sheet, workbook_bytes
from tests.factories import VillageFactory, hanzi_number, make_id_number
from tests.vetting_candidates.factories import Cast
from tests.vetting_candidates.workbooks import FAMILY_HEADER, HEADER, nomination_workbook
from vetting.models import CandidateCase, CandidateRelative

pytestmark = pytest.mark.django_db

ZWSP, BOM, NBSP, SHY = "\u200b", "\ufeff", "\u00a0", "\u00ad"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
MESSY_HEADER = ["序号", *HEADER, "籍贯"]


@pytest.fixture
def cast(db):
    return Cast()


def _ids(n, year=1980):
    return [make_id_number(dt.date(year, 1, 1) + dt.timedelta(days=i), 700 + i) for i in range(n)]


def _upload(client, content):
    return client.post(
        reverse("vetting:batch_upload"), {"file": SimpleUploadedFile("换届推荐.xlsx", content)}
    )


def _row(n, name, id_number, **cells):
    values = {
        "序号": n,
        "乡镇": "金厂镇",
        "村": "东升村",
        "姓名": name,
        "性别": "男",
        "身份证号": id_number,
        "政治面貌": "中共党员",
        "文化程度": "高中",
        "拟任职务": "村委会委员",
        "任职时间": "2026-12-01",
        "推荐理由": "群众公认",
        "籍贯": "吉林通化",
        **cells,
    }
    return [values[header] for header in MESSY_HEADER]


def test_a_messy_workbook_nominates_clean_cases_and_keeps_unknown_columns(client, cast):
    VillageFactory(name="东升村")
    ids = _ids(6)
    data = [
        _row(1, f"王{ZWSP}一", BOM + ids[0], 拟任职务="村党组织书记", 任职时间="2026.12"),
        _row(2, f"王{NBSP}二", ids[1].translate(FULL_WIDTH)),
        _row(3, f"王三{SHY}", f"{NBSP}{ids[2][:6]}{NBSP}{ids[2][6:]}{NBSP}"),
        _row(
            4,
            "王四",
            ids[3][:9] + SHY + ids[3][9:],
            村=f"东升{ZWSP}村",
            拟任职务=f"村委会{ZWSP}委员",
        ),
        _row(5, "王五", ids[4], 任职时间=dt.datetime(2026, 12, 1)),
        _row(6, f"{BOM}王六", ids[5].lower(), 籍贯=f"吉林{NBSP}通化"),
    ]
    rows, merges, _skipped = messy_sheet(MESSY_HEADER, data)
    family = [
        FAMILY_HEADER,
        [ids[0].translate(FULL_WIDTH), f"李{ZWSP}梅", "妻子", None, None, "务农"],
    ]
    content = workbook_bytes({"推荐人选": rows, "家庭成员": family}, merges={"推荐人选": merges})
    client.force_login(cast.staff)
    response = _upload(client, content)
    assert response.status_code == 302, response.context and response.context["plan"].errors
    page = client.get(response["Location"]).content.decode()
    assert "共读取 6 行人选。" in page
    for line in SKIPPED_LINES:
        assert line in page
    assert "<td>拟任职务</td><td>拟任职务</td>" in page
    assert "以下列未导入：序号、籍贯。" in page
    assert 'name="keep_unknown"' in page
    for number in ids:
        assert number not in page  # masked

    record = ImportFile.objects.get(kind=ImportFile.Kind.CANDIDATES)
    client.post(reverse("vetting:batch_confirm", args=[record.pk]), {"keep_unknown": "1"})
    cases = {case.id_number: case for case in CandidateCase.objects.all()}
    assert set(cases) == set(ids)
    assert [cases[number].name for number in ids] == [
        "王一",
        "王二",
        "王三",
        "王四",
        "王五",
        "王六",
    ]
    assert cases[ids[0]].title == "secretary"
    assert {case.term_start for case in cases.values()} == {dt.date(2026, 12, 1)}
    assert cases[ids[0]].extra == {"序号": "1", "籍贯": "吉林通化"}
    assert cases[ids[5]].extra == {"序号": "6", "籍贯": "吉林 通化"}
    assert CandidateRelative.objects.get().name == "李梅"
    detail = client.get(reverse("vetting:case_detail", args=[cases[ids[0]].pk])).content.decode()
    assert "<dt>籍贯</dt><dd>吉林通化</dd>" in detail


def test_without_keeping_the_cases_have_no_kept_columns(client, cast):
    VillageFactory(name="东升村")
    ids = _ids(2)
    rows = [MESSY_HEADER, _row(1, "王一", ids[0]), _row(2, "王二", ids[1])]
    client.force_login(cast.staff)
    _upload(client, workbook_bytes({"推荐人选": rows}))
    record = ImportFile.objects.get(kind=ImportFile.Kind.CANDIDATES)
    client.post(reverse("vetting:batch_confirm", args=[record.pk]))
    assert list(CandidateCase.objects.values_list("extra", flat=True)) == [None, None]
    detail = client.get(
        reverse("vetting:case_detail", args=[CandidateCase.objects.first().pk])
    ).content.decode()
    assert "籍贯" not in detail


def test_one_bad_row_among_a_thousand_is_named_and_nothing_is_nominated(client, cast):
    VillageFactory(name="东升村")
    ids = _ids(1000)
    rows = [
        [
            "金厂镇",
            "东升村",
            f"候选{hanzi_number(i)}",
            "男",
            number,
            "中共党员",
            "高中",
            "村委会委员",
            "2026-12-01",
            "群众公认",
        ]
        for i, number in enumerate(ids)
    ]
    rows[637][4] = ids[637][:17] + ("0" if ids[637][17] != "0" else "1")  # a wrong check character
    client.force_login(cast.staff)
    response = _upload(client, nomination_workbook(rows, []))
    # The file is kept with its errors, for the partial import and the error workbook.
    assert response.status_code == 302
    response = client.get(response.url)
    plan = response.context["plan"]
    assert plan.rows == 1000
    # Title row 1, header row 2: data row 638 is the file's row 640.
    assert [(e.row, e.column) for e in plan.errors] == [(640, "身份证号")]
    assert "第640行「身份证号」" in response.content.decode()
    assert ImportFile.objects.get().status != ImportFile.Status.IMPORTED
    assert not CandidateCase.objects.exists()
