import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from cadres.identity import mask_id_number
from cadres.models import AccessLogEntry, Post
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import VillageFactory, cadre, township
from tests.querycount import assert_queries_flat
from tests.training.factories import AttendanceFactory, RoundFactory, SessionFactory
from training import services
from training.models import Attendance, DailyStudy, Session

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


# Permissions ---------------------------------------------------------------------


def test_session_list_shows_own_and_district_sessions(client, staff):
    own = SessionFactory(organizer=township(JINCHANG), title="金厂镇会后培训")
    SessionFactory(organizer=township(HUANTONG), title="环通乡专题培训")
    SessionFactory(title="全区村干部集中培训")
    response = login(client, staff).get(reverse("training:sessions"))
    assert response.status_code == 200
    text = response.content.decode()
    assert own.title in text
    assert "全区村干部集中培训" in text
    assert "环通乡专题培训" not in text


def test_another_townships_session_is_404(client, staff):
    other = SessionFactory(organizer=township(HUANTONG))
    login(client, staff)
    for name in (
        "training:session",
        "training:roster",
        "training:attendance",
    ):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404
    export = client.get(reverse("training:roster", args=[other.pk]), {"format": "xlsx"})
    assert export.status_code == 404


def test_own_township_session_pages_are_200(client, staff):
    session = SessionFactory(organizer=township(JINCHANG))
    login(client, staff)
    for name in (
        "training:session",
        "training:roster",
        "training:attendance",
        "training:session_edit",
    ):
        assert client.get(reverse(name, args=[session.pk])).status_code == 200


def test_department_users_are_refused_training(client, department_user):
    assert login(client, department_user).get(reverse("training:sessions")).status_code == 403


def test_roles_that_may_not_create_get_403(client, township_reviewer):
    login(client, township_reviewer)
    assert client.get(reverse("training:session_create")).status_code == 403
    assert client.get(reverse("training:round_create")).status_code == 403
    session = SessionFactory(organizer=township(JINCHANG))
    assert client.get(reverse("training:session", args=[session.pk])).status_code == 200
    assert client.get(reverse("training:attendance", args=[session.pk])).status_code == 403


def test_township_staff_may_see_but_not_manage_a_district_session(client, staff):
    session = SessionFactory()
    login(client, staff)
    assert client.get(reverse("training:session", args=[session.pk])).status_code == 200
    assert client.get(reverse("training:attendance", args=[session.pk])).status_code == 403
    assert client.post(reverse("training:roster_invite", args=[session.pk])).status_code == 403


def test_staff_create_a_township_session_through_the_form(client, staff):
    response = login(client, staff).post(
        reverse("training:session_create"),
        {
            "title": "村务监督业务培训",
            "kind": Session.Kind.AFTER_MEETING,
            "organizer": township(JINCHANG).pk,
            "starts_at": "2026-05-06T09:00",
            "ends_at": "2026-05-06T11:30",
            "hours": "2.5",
            "reach": Session.Reach.TOWNSHIPS,
        },
    )
    session = Session.objects.get()
    assert response.status_code == 302
    assert session.organizer == township(JINCHANG)
    assert session.hours == Decimal("2.5")


def test_session_form_says_what_is_wrong(client, staff):
    response = login(client, staff).post(
        reverse("training:session_create"),
        {
            "title": "培训",
            "kind": Session.Kind.THEMATIC,
            "organizer": township(HUANTONG).pk,
            "starts_at": "2026-05-06T09:00",
            "ends_at": "2026-05-05T11:30",
            "hours": "0",
            "reach": Session.Reach.TOWNSHIPS,
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"organizer", "ends_at", "hours"}
    assert not Session.objects.exists()


def test_roster_of_other_township_cadre_is_403(client, staff):
    session = SessionFactory(organizer=township(JINCHANG))
    other = cadre(VillageFactory(township=township(HUANTONG)))
    response = login(client, staff).post(
        reverse("training:roster_add", args=[session.pk]), {"person": [other.pk]}
    )
    assert response.status_code == 403
    assert not session.attendances.exists()


def test_roster_invite_by_filters_and_search(client, staff):
    village = VillageFactory(township=township(JINCHANG))
    secretary = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    member = cadre(village)
    session = SessionFactory(organizer=township(JINCHANG))
    login(client, staff)
    response = client.post(
        reverse("training:roster_invite", args=[session.pk]),
        {"villages": [village.pk], "titles": [Post.Title.SECRETARY]},
    )
    assert response.status_code == 302
    assert list(session.attendances.values_list("person", flat=True)) == [secretary.pk]
    page = client.get(reverse("training:roster", args=[session.pk]), {"find": member.name})
    assert [post.person for post in page.context["found"]] == [member]
    assert mask_id_number(secretary.id_number) in page.content.decode()
    assert secretary.id_number not in page.content.decode()


# Bulk attendance ---------------------------------------------------------------------


def _roster(size: int, session):
    villages = [VillageFactory(township=township(JINCHANG)) for _ in range(5)]
    people = [cadre(villages[i % 5]) for i in range(size)]
    services.roster_add_people(actor=_district(), session=session, people=people)
    return list(session.attendances.order_by("pk"))


def _district():
    from tests.factories import UserFactory

    return UserFactory(role="区级审核人")


def _mark_all(client, session, rows, status):
    return client.post(
        reverse("training:attendance", args=[session.pk]),
        {f"a{row.pk}": status for row in rows},
    )


def test_bulk_attendance_for_300_people_in_bounded_queries(
    client, district_reviewer, django_assert_max_num_queries
):
    small_session, big_session = SessionFactory(), SessionFactory()
    small = _roster(10, small_session)
    big = _roster(300, big_session)
    login(client, district_reviewer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        assert _mark_all(client, small_session, small, "present").status_code == 302
    with django_assert_max_num_queries(len(small_queries) + 2):
        response = _mark_all(client, big_session, big, "present")
    assert response.status_code == 302
    assert big_session.attendances.filter(status=Attendance.Status.PRESENT).count() == 300


def test_bulk_attendance_form_rejects_a_bad_value_and_writes_nothing(client, district_reviewer):
    session = SessionFactory()
    rows = _roster(3, session)
    login(client, district_reviewer)
    data = {f"a{row.pk}": "present" for row in rows}
    data[f"a{rows[1].pk}"] = "late"
    response = client.post(reverse("training:attendance", args=[session.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not session.attendances.filter(status=Attendance.Status.PRESENT).exists()


# Materials -------------------------------------------------------------------------------


def test_materials_are_private_and_scoped(client, staff, other_staff):
    session = SessionFactory(organizer=township(JINCHANG))
    login(client, staff)
    upload = SimpleUploadedFile("课件.pdf", b"%PDF-1.4 slides", content_type="application/pdf")
    client.post(reverse("training:material_upload", args=[session.pk]), {"file": upload})
    material = session.materials.get()
    path = material.file.path
    assert path.startswith(str(settings.MEDIA_ROOT))
    assert "课件" not in path
    response = client.get(reverse("training:material", args=[material.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 slides"
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.DOWNLOAD).count() == 1
    client.force_login(other_staff)
    assert client.get(reverse("training:material", args=[material.pk])).status_code == 404


# Coverage and export ----------------------------------------------------------------------


def test_round_page_lists_the_untrained(client, staff):
    village = VillageFactory(township=township(JINCHANG), name="红旗村")
    trained = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    missing = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.MEMBER)
    round_ = RoundFactory(target_bodies=[Post.Body.PARTY_BRANCH])
    session = SessionFactory(round=round_)
    AttendanceFactory(session=session, person=trained, status=Attendance.Status.PRESENT)
    response = login(client, staff).get(
        reverse("training:round", args=[round_.pk]), {"untrained": "on"}
    )
    assert response.status_code == 200
    assert [row.person for row in response.context["page_obj"]] == [missing]
    assert response.context["totals"]["untrained"] == 1


def test_coverage_export_contents(client, staff):
    village = VillageFactory(township=township(JINCHANG), name="红旗村")
    person = cadre(village, name="张三丰")
    idle = cadre(village, name="李四")
    session = SessionFactory(hours=Decimal("3"))
    AttendanceFactory(session=session, person=person, status=Attendance.Status.PRESENT)
    DailyStudy.objects.create(
        person=person, topic="党章", studied_on=dt.date(2026, 4, 1), hours=2, recorded_by=staff
    )
    cadre(VillageFactory(township=township(HUANTONG)))  # another township: not exported
    response = login(client, staff).get(
        reverse("training:coverage"), {"year": 2026, "format": "xlsx"}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    by_township = [list(r) for r in workbook["分乡镇汇总"].iter_rows(values_only=True)]
    assert by_township[1][:8] == ["金厂镇", None, 2, 1, 1, 50.0, 5, 2.5]
    assert by_township[-1][:3] == ["合计", None, 2]
    summary = [list(r) for r in workbook["分村汇总"].iter_rows(values_only=True)]
    assert summary[0][:3] == ["乡镇（街道）", "村", "人数"]
    assert summary[1][:8] == ["金厂镇", "红旗村", 2, 1, 1, 50.0, 5, 2.5]
    assert summary[-1][0] == "合计"
    people = {r[2]: r for r in workbook["2026年参训情况"].iter_rows(min_row=2, values_only=True)}
    assert set(people) == {"张三丰", "李四"}
    row = people["张三丰"]
    assert row[3] == mask_id_number(person.id_number)
    assert row[5:] == (1, 1, 3, 2, 5, "是")
    assert people["李四"][-1] == "否"
    assert idle.id_number not in response.content.decode("latin-1")
    assert AccessLogEntry.objects.filter(action=AccessLogEntry.Action.EXPORT, user=staff).exists()
    # The export holds what the page shows: here only the untrained.
    filtered = client.get(
        reverse("training:coverage"), {"year": 2026, "untrained": "on", "format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(filtered.content))["2026年参训情况"]
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["李四"]


def test_coverage_and_study_pages(client, staff):
    person = cadre(VillageFactory(township=township(JINCHANG)))
    login(client, staff)
    assert client.get(reverse("training:coverage")).status_code == 200
    assert client.get(reverse("training:rounds")).status_code == 200
    response = client.post(
        reverse("training:studies"),
        {
            "person": person.pk,
            "topic": "学习二十大精神",
            "studied_on": "2026-03-02",
            "hours": "1.5",
        },
    )
    assert response.status_code == 302
    assert DailyStudy.objects.get().recorded_by == staff
    assert "学习二十大精神" in client.get(reverse("training:studies")).content.decode()


def test_round_and_study_lists_are_scoped_filter_and_read_flat(client, staff):
    RoundFactory(
        organizer=township(JINCHANG), title="金厂镇轮训", target_bodies=[Post.Body.PARTY_BRANCH]
    )
    RoundFactory(organizer=township(HUANTONG), title="环通乡轮训")
    here = cadre(VillageFactory(township=township(JINCHANG)), name="张三")
    there = cadre(VillageFactory(township=township(HUANTONG)), name="李四")
    for person in (here, there):
        DailyStudy.objects.create(
            person=person, topic="学习", studied_on=dt.date(2026, 3, 2), hours=1, recorded_by=staff
        )
    login(client, staff)
    rounds = reverse("training:rounds")
    assert [r.title for r in client.get(rounds).context["page_obj"]] == ["金厂镇轮训"]
    assert list(client.get(rounds, {"year": 2025}).context["page_obj"]) == []
    export = load_workbook(io.BytesIO(client.get(rounds, {"format": "xlsx"}).content)).active
    assert export["A2"].value == "金厂镇轮训"
    assert export["D2"].value.startswith(str(Post.Body.PARTY_BRANCH.label))
    studies = reverse("training:studies")
    assert [s.person for s in client.get(studies).context["page_obj"]] == [here]

    def more():
        for _ in range(3):
            RoundFactory(organizer=township(JINCHANG))
            person = cadre(VillageFactory(township=township(JINCHANG)))
            DailyStudy.objects.create(
                person=person,
                topic="学习",
                studied_on=dt.date(2026, 3, 3),
                hours=1,
                recorded_by=staff,
            )

    for url in (rounds, studies):
        assert_queries_flat(lambda url=url: client.get(url), more)
        assert_queries_flat(lambda url=url: client.get(url, {"format": "xlsx"}), more)


def test_township_reviewer_may_not_record_study(client, township_reviewer):
    person = cadre(VillageFactory(township=township(JINCHANG)))
    response = login(client, township_reviewer).post(
        reverse("training:studies"),
        {"person": person.pk, "topic": "学习", "studied_on": "2026-03-02", "hours": "1"},
    )
    assert response.status_code == 403


def test_session_list_export(client, district_reviewer):
    SessionFactory(title="=cmd|' /C calc'!A0")
    response = login(client, district_reviewer).get(
        reverse("training:sessions"), {"format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    # Kept intact, as text (issue 20 finding 7).
    assert sheet["A2"].value == "=cmd|' /C calc'!A0"
    assert sheet["A2"].quotePrefix


def test_district_reviewer_pages_render(client, district_reviewer):
    round_ = RoundFactory()
    session = SessionFactory(round=round_)
    AttendanceFactory(session=session, person=cadre())
    login(client, district_reviewer)
    for url in (
        reverse("training:session_create"),
        reverse("training:round_create"),
        reverse("training:round_edit", args=[round_.pk]),
        reverse("training:round", args=[round_.pk]),
        reverse("training:roster", args=[session.pk]),
        reverse("training:sessions") + "?kind=centralized&organizer=district&order=-hours",
        reverse("training:coverage") + "?year=2026&untrained=on&order=hours",
    ):
        assert client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").status_code == 200, url
    response = client.get(reverse("training:round", args=[round_.pk]), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_round_created_through_the_form(client, district_reviewer):
    response = login(client, district_reviewer).post(
        reverse("training:round_create"),
        {
            "title": "2026年村“两委”成员轮训",
            "year": 2026,
            "target_bodies": [Post.Body.PARTY_BRANCH, Post.Body.VILLAGERS_COMMITTEE],
            "target_townships": [township(JINCHANG).pk],
        },
    )
    assert response.status_code == 302
    round_ = RoundFactory._meta.model.objects.get()
    assert round_.organizer is None
    assert round_.target_bodies == ["party_branch", "villagers_committee"]
    assert list(round_.target_townships.all()) == [township(JINCHANG)]


def test_district_roster_shows_a_township_only_its_own_people(client, staff):
    session = SessionFactory()
    own = AttendanceFactory(
        session=session, person=cadre(VillageFactory(township=township(JINCHANG)))
    )
    other = AttendanceFactory(
        session=session, person=cadre(VillageFactory(township=township(HUANTONG)))
    )
    login(client, staff)
    page = client.get(reverse("training:roster", args=[session.pk]))
    assert list(page.context["page_obj"]) == [own]
    export = client.get(reverse("training:roster", args=[session.pk]), {"format": "xlsx"})
    names = [
        r[2]
        for r in load_workbook(io.BytesIO(export.content)).active.iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert names == [own.person.name]
    assert other not in page.context["page_obj"]


def test_roster_invite_form_is_prefilled_with_the_round_target(client, district_reviewer):
    round_ = RoundFactory(target_bodies=[Post.Body.SUPERVISION_COMMITTEE])
    round_.target_townships.set([township(HUANTONG)])
    session = SessionFactory(round=round_)
    page = login(client, district_reviewer).get(reverse("training:roster", args=[session.pk]))
    form = page.context["invite_form"]
    assert form.initial["bodies"] == [Post.Body.SUPERVISION_COMMITTEE]
    assert form.initial["townships"] == [township(HUANTONG)]


def test_material_of_a_refused_kind_is_rejected(client, staff):
    session = SessionFactory(organizer=township(JINCHANG))
    login(client, staff)
    upload = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client.post(
        reverse("training:material_upload", args=[session.pk]), {"file": upload}, follow=True
    )
    assert not session.materials.exists()
    assert "page.html" in " ".join(str(m) for m in response.context["messages"])


def test_training_shows_on_the_profile(client, staff):
    person = cadre(VillageFactory(township=township(JINCHANG)))
    session = SessionFactory(title="全区村干部轮训第一期", hours=Decimal("3"))
    AttendanceFactory(session=session, person=person, status=Attendance.Status.PRESENT)
    DailyStudy.objects.create(
        person=person, topic="学习党章", studied_on=dt.date(2026, 4, 1), hours=2, recorded_by=staff
    )
    other = SessionFactory(organizer=township(HUANTONG), title="环通乡内部培训")
    AttendanceFactory(session=other, person=person, status=Attendance.Status.PRESENT)
    response = login(client, staff).get(reverse("cadres:detail", args=[person.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "全区村干部轮训第一期" in text
    assert "学习党章" in text
    assert "环通乡内部培训" not in text  # a session the user may not see stays hidden


def test_everyone_left_unmarked_takes_the_chosen_status(client, district_reviewer):
    session = SessionFactory()
    rows = _roster(4, session)
    login(client, district_reviewer)
    data = {f"a{row.pk}": "invited" for row in rows}
    data[f"a{rows[0].pk}"] = "excused"
    data["others"] = "present"
    response = client.post(reverse("training:attendance", args=[session.pk]), data)
    assert response.status_code == 302
    assert sorted(session.attendances.values_list("status", flat=True)) == [
        "excused",
        "present",
        "present",
        "present",
    ]


def test_nav_shows_training_only_to_roles_in_training(client, staff, department_user):
    link = reverse("training:sessions")
    assert link in login(client, staff).get(reverse("home")).content.decode()
    client.force_login(department_user)
    assert link not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("name", ["training:sessions", "training:studies"])
@pytest.mark.parametrize("year", ["-1", "0", "99999999999999999999"])
def test_a_year_outside_the_calendar_is_ignored(client, district_reviewer, name, year):
    """Issue 20 finding 6: the year lookup raised ValueError (500)."""
    response = login(client, district_reviewer).get(reverse(name), {"year": year})
    assert response.status_code == 200
    assert response.context["filter"].errors


@pytest.mark.parametrize("year", ["²", "٣", "-1", "99999999999999999999"])
def test_coverage_of_a_year_that_is_no_number_is_this_years(client, staff, year):
    """Issue 20 finding 6: "²".isdigit() holds and int() refuses it, a server error."""
    response = login(client, staff).get(reverse("training:coverage"), {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == dt.date.today().year


def test_ticked_boxes_that_are_no_keys_are_left_out(client, staff):
    session = SessionFactory(organizer=township(JINCHANG))
    member = cadre(VillageFactory(township=township(JINCHANG)))
    response = login(client, staff).post(
        reverse("training:roster_add", args=[session.pk]), {"person": ["²", member.pk]}
    )
    assert response.status_code == 302
    assert list(session.attendances.values_list("person", flat=True)) == [member.pk]


def test_session_form_refuses_a_township_key_beyond_any_column(client, staff):
    """Issue 20 finding 6: the key reached the query, an OverflowError on SQLite."""
    response = login(client, staff).post(
        reverse("training:session_create"),
        {
            "title": "培训",
            "kind": Session.Kind.THEMATIC,
            "organizer": township(JINCHANG).pk,
            "starts_at": "2026-05-06T09:00",
            "ends_at": "2026-05-06T11:30",
            "hours": "2",
            "reach": Session.Reach.TOWNSHIPS,
            "townships": ["99999999999999999999"],
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert "不是一个有效的值" in response.context["form"].errors["townships"][0]
    assert not Session.objects.exists()
