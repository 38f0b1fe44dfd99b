"""A sign-in sheet as townships really send it: title rows above the header, the header
again mid-sheet, footer rows, invisible and full-width characters pasted from chat
programs, columns the import does not know (warned), and one bad row among a thousand."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.identity import name_initials
from cadres.models import Person, Post
from cadres.services import default_term_end, identity_values
from tests.cadres_import.test_messy_files import SKIPPED_LINES
from tests.cadres_import.workbooks import messy_sheet, workbook_bytes
from tests.conftest import JINCHANG
from tests.factories import VillageFactory, cadre, hanzi_number, make_id_number, township
from tests.jobs import run_queued_jobs
from tests.training.factories import SessionFactory
from training.models import Attendance

pytestmark = pytest.mark.django_db

ZWSP, BOM, NBSP, SHY = "\u200b", "\ufeff", "\u00a0", "\u00ad"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
HEADER = ["序号", "姓名", "身份证号", "单位", "签到情况", "联系电话"]


def _upload(client, session, content):
    """Upload, and let a worker read the sheet."""
    response = client.post(
        reverse("training:signin", args=[session.pk]),
        {"file": SimpleUploadedFile("签到表.xlsx", content)},
    )
    run_queued_jobs()
    return response


def test_a_messy_sheet_matches_every_row_and_says_what_it_skipped(client, staff):
    red = VillageFactory(township=township(JINCHANG), name="红旗村")
    people = [cadre(red, name=name) for name in ("张伟", "李娜", "王强", "刘洋", "陈静", "杨帆")]
    session = SessionFactory(organizer=township(JINCHANG))
    ids = [person.id_number for person in people]
    data = [
        [1, f"张{ZWSP}伟", BOM + ids[0], "", "已签到", "13800000001"],
        [2, f"李{NBSP}娜", ids[1].translate(FULL_WIDTH), "", "", "13800000002"],
        [3, f"王强{SHY}", "", f"红旗{ZWSP}", "请假", ""],
        [4, f"{BOM}刘洋", f"{ids[3][:6]}{SHY}{ids[3][6:]}", "", "到", ""],
        [5, "陈静", f"{NBSP}{ids[4]}{NBSP}", "", "缺席", ""],
        [6, f"杨{ZWSP}帆", "", f"{NBSP}红旗村", "", ""],
    ]
    rows, merges, _skipped = messy_sheet(HEADER, data, title="东昌区村干部培训签到表")
    rows.insert(-2, [f"{BOM}合计：6人"])  # a footer behind an invisible character
    client.force_login(staff)
    response = _upload(client, session, workbook_bytes({"签到表": rows}, merges={"签到表": merges}))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert not preview.context["preview"]["errors"]
    assert not preview.context["unmatched"]
    assert [(m["name"], m["how"], m["status"]) for m in preview.context["matched"]] == [
        ("张伟", "id", "present"),
        ("李娜", "id", "present"),
        ("王强", "name", "excused"),
        ("刘洋", "id", "present"),
        ("陈静", "id", "absent"),
        ("杨帆", "name", "present"),
    ]
    page = preview.content.decode()
    for line in SKIPPED_LINES:
        assert line.replace("跳过8行合计", "跳过9行合计") in page
    assert "<td>单位</td><td>村</td>" in page
    assert "以下列未导入：序号、联系电话。" in page
    assert client.post(response["Location"], {}).status_code == 302
    run_queued_jobs()
    assert session.attendances.count() == 6


def _serving_cadres(village, count: int) -> list[Person]:
    """``count`` serving cadres of the village, written in bulk (factories would take minutes)."""
    people = []
    for i in range(count):
        identity = identity_values(
            name=f"学员{hanzi_number(i)}",
            id_number=make_id_number(dt.date(1970, 1, 1) + dt.timedelta(days=i), i),
        )
        people.append(Person(**identity, name_initials=name_initials(identity["name_key"])))
    Person.objects.bulk_create(people)
    people = list(Person.objects.filter(name__startswith="学员").order_by("name"))
    Post.objects.bulk_create(
        Post(
            person=person,
            village=village,
            body=Post.Body.VILLAGERS_COMMITTEE,
            title=Post.Title.MEMBER,
            term_start=dt.date(2021, 12, 1),
            term_end=default_term_end(dt.date(2021, 12, 1)),
            origin=Post.Origin.ROSTER,
        )
        for person in people
    )
    return people


def test_one_bad_row_among_a_thousand_is_named_and_left_to_resolve(client, staff):
    red = VillageFactory(township=township(JINCHANG), name="红旗村")
    people = _serving_cadres(red, 1000)
    session = SessionFactory(organizer=township(JINCHANG))
    rows = [["姓名", "身份证号", "村", "签到情况"]]
    rows += [[person.name, person.id_number, "", ""] for person in people]
    rows[421][1] = people[420].id_number[:17]  # a digit short, in sheet row 422
    client.force_login(staff)
    response = _upload(client, session, workbook_bytes({"签到表": rows}))
    location = response["Location"]
    context = client.get(location).context
    assert [(e["row"], e["column"]) for e in context["preview"]["errors"]] == [(422, "身份证号")]
    assert len(context["matched"]) == 999
    assert [u.row for u in context["unmatched"]] == [422]
    assert client.post(location, {"row-422": "ignore"}).status_code == 302
    run_queued_jobs()
    present = session.attendances.filter(status=Attendance.Status.PRESENT)
    assert present.count() == 999
    assert not present.filter(person=people[420]).exists()
