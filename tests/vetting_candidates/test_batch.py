"""Batch nomination: preview with row errors, one-transaction confirm, set-wise screening."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cadres.dates import MONTH, YEAR, PartialDate, partial_date
from cadres.models import ImportFile
from tests.factories import VillageFactory, VillagerGroupFactory, make_id_number, township
from tests.vetting.factories import import_list
from tests.vetting_candidates.factories import Cast
from tests.vetting_candidates.workbooks import HEADER, nomination_workbook
from vetting.models import CandidateCase, CandidateRelative, EligibilityRule, Hit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(db):
    return Cast()


def _ids(n):
    return [make_id_number(dt.date(1980, 1, i + 1), 700 + i) for i in range(n)]


def _upload(client, content):
    return client.post(
        reverse("vetting:batch_upload"),
        {"file": SimpleUploadedFile("换届推荐.xlsx", content)},
    )


def _preview(client, content):
    """The preview of an uploaded workbook: a workbook with rows in error is kept too."""
    response = _upload(client, content)
    assert response.status_code == 302
    return client.get(response["Location"])


def test_batch_nomination_preview_confirm_and_screening(client, cast):
    village = VillageFactory(name="东升村")
    ids = _ids(3)
    import_list(
        cast.district_reviewer, [{"name": "王一", "id_number": ids[0], "measure": "开除党籍"}]
    )
    rows = [
        [
            "金厂镇",
            "东升村",
            "王一",
            "男",
            ids[0],
            "中共党员",
            "高中",
            "村党组织书记",
            "2026-12-01",
            "群众公认",
        ],
        [
            "金厂镇",
            "东升村",
            "王二",
            "男",
            ids[1],
            "群众",
            "初中",
            "村委会主任",
            "2026-12-01",
            "致富能手",
        ],
        [
            "",
            "东升村",
            "王三",
            "男",
            ids[2],
            "中共党员",
            "大专",
            "村务监督委员会委员",
            "2026/12/1",
            "办事公道",
        ],
    ]
    family = [
        [ids[0], "李梅", "妻子", make_id_number(dt.date(1982, 2, 2), 5, male=False), "", "务农"]
    ]
    client.force_login(cast.staff)
    response = _upload(client, nomination_workbook(rows, family))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert preview.context["plan"].ok
    assert ids[0] not in preview.content.decode()
    record = preview.context["record"]
    response = client.post(reverse("vetting:batch_confirm", args=[record.pk]))
    assert response.status_code == 302
    cases = CandidateCase.objects.filter(village=village)
    assert cases.count() == 3
    assert set(cases.values_list("state", flat=True)) == {"township_review"}
    assert CandidateRelative.objects.get().case.id_number == ids[0]
    assert Hit.objects.get(candidate__id_number=ids[0]).township == township()
    assert cases.get(id_number=ids[0]).transitions.count() == 2
    record.refresh_from_db()
    assert record.status == ImportFile.Status.IMPORTED
    again = client.post(reverse("vetting:batch_confirm", args=[record.pk]))
    assert again.status_code == 302
    assert CandidateCase.objects.count() == 3


def test_rows_in_error_are_named_and_nothing_is_written(client, cast):
    VillageFactory(name="东升村")
    VillageFactory(name="北山村", township=township("220502200"))
    ids = _ids(3)
    rows = [
        [
            "金厂镇",
            "东升村",
            "王一",
            "男",
            ids[0],
            "中共党员",
            "高中",
            "村党组织书记",
            "2026-12-01",
            "好",
        ],
        [
            "金厂镇",
            "东升村",
            "王二",
            "男",
            ids[0],
            "中共党员",
            "高中",
            "村委会委员",
            "2026-12-01",
            "好",
        ],
        [
            "环通乡",
            "北山村",
            "王三",
            "男",
            ids[1],
            "中共党员",
            "高中",
            "村委会委员",
            "2026-12-01",
            "好",
        ],
        ["金厂镇", "东升村", "王四", "男", ids[2], "中共党员", "高中", "村长", "2026-12-01", "好"],
    ]
    family = [[_ids(5)[4], "李梅", "妻子", "", "", ""]]
    client.force_login(cast.staff)
    response = _preview(client, nomination_workbook(rows, family))
    assert response.status_code == 200
    errors = [str(error) for error in response.context["plan"].errors]
    assert len(errors) == 4
    assert any("第4行" in e and "身份证号" in e for e in errors), errors
    assert any("第5行" in e and "村" in e for e in errors), errors
    assert any("第6行" in e and "拟任职务" in e for e in errors), errors
    assert any("第2行" in e and "人选身份证号" in e for e in errors), errors
    # Confirmed without the choice to skip them: refused, nothing written.
    record = response.context["record"]
    refused = client.post(reverse("vetting:batch_confirm", args=[record.pk]), follow=True)
    assert "未导入任何内容" in refused.content.decode()
    assert not CandidateCase.objects.exists()


def test_batch_nomination_needs_the_nominate_permission(client, cast):
    client.force_login(cast.district_reviewer)
    assert client.get(reverse("vetting:batch_upload")).status_code == 403


def _group_row(group, post, id_number, name="张组长"):
    return [
        "金厂镇",
        "东升村",
        group,
        name,
        "男",
        id_number,
        "群众",
        "初中",
        post,
        "2026-12-01",
        "热心",
    ]


def test_group_leaders_are_nominated_with_their_villager_group(client, cast):
    village = VillageFactory(name="东升村")
    VillagerGroupFactory(village=village, number=1, name="1组")
    third = VillagerGroupFactory(village=village, number=3, name="三组")
    VillagerGroupFactory(village=VillageFactory(name="北山村"), number=2, name="2组")
    header = [*HEADER[:2], "村民小组", *HEADER[2:]]
    ids = _ids(5)
    rows = [
        _group_row("1组", "村民小组长", ids[0]),
        _group_row("3", "村民小组长", ids[1], "李组长"),  # by the group's number
        _group_row("", "村民小组长", ids[2], "王组长"),
        _group_row("2组", "村民小组长", ids[3], "赵组长"),  # 北山村's group, not 东升村's
        _group_row("1组", "村委会委员", ids[4], "钱委员"),
    ]
    client.force_login(cast.staff)
    response = _preview(client, nomination_workbook(rows, [], header=header))
    errors = [str(error) for error in response.context["plan"].errors]
    assert len(errors) == 3, errors
    assert any("第5行" in e and "村民小组" in e and "小组长" in e for e in errors), errors
    assert any("第6行" in e and "东升村" in e and "2组" in e for e in errors), errors
    assert any("第7行" in e and "村民小组" in e for e in errors), errors
    assert not CandidateCase.objects.exists()

    response = _upload(client, nomination_workbook(rows[:2], [], header=header))
    assert response.status_code == 302
    record = ImportFile.objects.latest("pk")
    assert client.post(reverse("vetting:batch_confirm", args=[record.pk])).status_code == 302
    cases = {case.id_number: case for case in CandidateCase.objects.all()}
    assert cases[ids[0]].villager_group.name == "1组"
    assert cases[ids[1]].villager_group == third
    assert {case.body for case in cases.values()} == {"villager_group"}


def _stored_record(client, cast):
    VillageFactory(name="东升村")
    row = [
        "金厂镇",
        "东升村",
        "王一",
        "男",
        _ids(1)[0],
        "群众",
        "高中",
        "村委会委员",
        "2026-12-01",
        "好",
    ]
    client.force_login(cast.staff)
    response = _upload(client, nomination_workbook([row], []))
    assert response.status_code == 302
    return ImportFile.objects.get()


@pytest.mark.parametrize("content", [b"PK\x03\x04 not really a zip", b""])
def test_a_damaged_stored_workbook_is_refused_and_nothing_written(client, cast, content):
    record = _stored_record(client, cast)
    with open(record.file.path, "wb") as handle:
        handle.write(content)
    preview = client.get(reverse("vetting:batch_preview", args=[record.pk]))
    assert preview.status_code == 200
    assert "重新上传" in preview.context["file_error"]
    response = client.post(reverse("vetting:batch_confirm", args=[record.pk]), follow=True)
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("重新上传" in m for m in shown), shown
    assert not CandidateCase.objects.exists()
    record.refresh_from_db()
    assert record.status != ImportFile.Status.IMPORTED


def test_a_workbook_replaced_after_its_preview_is_not_imported(client, cast):
    record = _stored_record(client, cast)
    other = [
        "金厂镇",
        "东升村",
        "王二",
        "男",
        _ids(2)[1],
        "群众",
        "高中",
        "村委会委员",
        "2026-12-01",
        "好",
    ]
    with open(record.file.path, "wb") as handle:
        handle.write(nomination_workbook([other], []))
    assert (
        "重新上传"
        in client.get(reverse("vetting:batch_preview", args=[record.pk])).context["file_error"]
    )
    client.post(reverse("vetting:batch_confirm", args=[record.pk]))
    assert not CandidateCase.objects.exists()
    record.file.storage.delete(record.file.name)  # gone from disk altogether
    preview = client.get(reverse("vetting:batch_preview", args=[record.pk]))
    assert "重新上传" in preview.context["file_error"]


def test_a_damaged_upload_is_refused_at_once(client, cast):
    client.force_login(cast.staff)
    response = _upload(client, b"PK\x03\x04 truncated")
    assert response.status_code == 200
    assert "已损坏" in str(response.context["form"].errors["file"])
    assert not ImportFile.objects.exists()


def _post_row(post, id_number, name="孙一"):
    return ["金厂镇", "东升村", name, "男", id_number, "中共党员", "高中", post, "2026-12-01", "好"]


def test_one_shoulder_row_opens_a_case_per_post_each_with_the_relatives(client, cast):
    village = VillageFactory(name="东升村")
    ids = _ids(2)
    rows = [_post_row("书记兼主任", ids[0]), _post_row("村党组织委员、村委会委员", ids[1], "孙二")]
    wife = make_id_number(dt.date(1982, 2, 2), 5, male=False)
    family = [[ids[0], "李梅", "妻子", wife, "", "务农"]]
    client.force_login(cast.staff)
    response = _upload(client, nomination_workbook(rows, family))
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert [
        (row["name"], row["post"], row["held_together"]) for row in preview.context["sample"]
    ] == [
        ("孙一", "村党组织书记、村民委员会主任", "一肩挑"),
        ("孙二", "村党组织委员、村民委员会委员", "交叉任职"),
    ]
    assert "一肩挑" in preview.content.decode()
    record = preview.context["record"]
    assert client.post(reverse("vetting:batch_confirm", args=[record.pk])).status_code == 302
    cases = CandidateCase.objects.filter(village=village, id_number=ids[0])
    assert sorted(cases.values_list("body", "title")) == [
        ("party_branch", "secretary"),
        ("villagers_committee", "director"),
    ]
    for case in cases:
        assert case.state == CandidateCase.State.TOWNSHIP_REVIEW
        assert list(case.relatives.values_list("name", "id_number")) == [("李梅", wife)]
        assert case.transitions.count() == 2
    assert CandidateCase.objects.filter(id_number=ids[1]).count() == 2
    assert CandidateRelative.objects.count() == 2


def test_two_posts_of_one_body_in_a_row_are_refused_naming_row_and_column(client, cast):
    VillageFactory(name="东升村")
    client.force_login(cast.staff)
    response = _preview(
        client, nomination_workbook([_post_row("村委会主任兼副主任", _ids(1)[0])], [])
    )
    (error,) = response.context["plan"].errors
    assert str(error).startswith("第3行「拟任职务」：")
    assert "同一组织中一人只能担任一个职务" in str(error)
    assert not CandidateCase.objects.exists()


def test_a_row_on_both_sides_of_the_supervision_rule_is_refused_while_it_applies(client, cast):
    VillageFactory(name="东升村")
    rows = [_post_row("村委会委员兼监委会主任", _ids(1)[0])]
    client.force_login(cast.staff)
    response = _preview(client, nomination_workbook(rows, []))
    (error,) = response.context["plan"].errors
    assert str(error).startswith("第3行「拟任职务」：村务监督委员会成员不得兼任本村“两委”职务")

    EligibilityRule.objects.filter(code=EligibilityRule.Code.SUPERVISOR_APART).update(enabled=False)
    response = _upload(client, nomination_workbook(rows, []))
    assert response.status_code == 302
    record = ImportFile.objects.latest("pk")
    assert client.post(reverse("vetting:batch_confirm", args=[record.pk])).status_code == 302
    assert CandidateCase.objects.count() == 2


def test_birth_months_are_compared_with_the_id_number_and_kept_for_relatives(client, cast):
    """出生年月 1992.07 agrees with an ID number of 1992-07-18; one that does not is named in
    its own column, without a false "give the ID number"."""
    VillageFactory(name="东升村")
    ids = [make_id_number(dt.date(1992, 7, 18), 710), make_id_number(dt.date(1992, 7, 18), 711)]
    header = [*HEADER[:5], "出生年月", *HEADER[5:]]

    def row(id_number, birth, name, term="2026-12-01"):
        cells = _post_row("村委会委员", id_number, name)
        cells[8] = term
        return [*cells[:5], birth, *cells[5:]]

    family = [
        [ids[0], "孙父", "父亲", "", "1962.3", "务农"],
        [ids[0], "孙母", "母亲", "", "1962", "务农"],
    ]
    client.force_login(cast.staff)
    refused = _upload(
        client,
        nomination_workbook(
            [row(ids[0], "1992.07", "孙一"), row(ids[1], "1992年8月", "孙二")], family, header
        ),
    )
    assert refused.status_code == 302  # kept with its errors, for the error workbook
    refused = client.get(refused["Location"])
    assert [str(error) for error in refused.context["plan"].errors] == [
        "第4行「出生日期」：出生日期与身份证号中的出生日期不一致。"
    ]
    assert not CandidateCase.objects.exists()

    response = _upload(
        client,
        nomination_workbook(
            [row(ids[0], "1992.07", "孙一", "2026.12"), row(ids[1], 199207, "孙二")],
            family,
            header,
        ),
    )
    assert response.status_code == 302
    preview = client.get(response["Location"])
    assert "<td>2026.12</td>" in preview.content.decode()
    record = preview.context["record"]
    assert client.post(reverse("vetting:batch_confirm", args=[record.pk])).status_code == 302
    case = CandidateCase.objects.get(id_number=ids[0])
    assert partial_date(case, "birth_date") == PartialDate(dt.date(1992, 7, 18))
    assert partial_date(case, "term_start") == PartialDate(dt.date(2026, 12, 1), MONTH)
    assert {
        relative.name: partial_date(relative, "birth_date") for relative in case.relatives.all()
    } == {
        "孙父": PartialDate(dt.date(1962, 3, 1), MONTH),
        "孙母": PartialDate(dt.date(1962, 1, 1), YEAR),
    }
    page = client.get(reverse("vetting:case_detail", args=[case.pk])).content.decode()
    assert "<td>1962.03</td>" in page
    assert "<td>1962</td>" in page
    assert "1992-07-18" in page
    assert "2026.12" in page
