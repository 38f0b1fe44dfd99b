import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cadres.models import Post
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import PostFactory, VillageFactory, VillagerGroupFactory, cadre, township
from tests.querycount import assert_queries_flat
from tests.training.factories import AttendanceFactory, RoundFactory, SessionFactory, at
from training import services
from training.models import Attendance, Session
from training.selectors import rounds_for, sessions_for

pytestmark = pytest.mark.django_db


def new_session(actor, organizer, **fields):
    values = {
        "title": "乡村振兴专题培训",
        "kind": Session.Kind.THEMATIC,
        "organizer": organizer,
        "starts_at": at(dt.date(2026, 4, 1)),
        "ends_at": at(dt.date(2026, 4, 1), 12),
        "hours": Decimal("3"),
    }
    values.update(fields)
    return services.session_create(actor=actor, **values)


# Visibility -------------------------------------------------------------------


def test_township_sees_own_and_district_sessions_only(staff, other_staff):
    own = SessionFactory(organizer=township(JINCHANG))
    other = SessionFactory(organizer=township(HUANTONG))
    district = SessionFactory()
    assert set(sessions_for(staff)) == {own, district}
    assert set(sessions_for(other_staff)) == {other, district}


def test_district_session_with_selected_townships_reaches_only_them(staff, other_staff):
    session = SessionFactory(reach=Session.Reach.TOWNSHIPS, townships=[township(HUANTONG)])
    assert session not in sessions_for(staff)
    assert session in sessions_for(other_staff)


def test_district_reviewer_sees_every_session(district_reviewer):
    sessions = {SessionFactory(organizer=township(JINCHANG)), SessionFactory()}
    assert set(sessions_for(district_reviewer)) == sessions


def test_district_round_targeting_townships_is_seen_there_only(staff, other_staff):
    targeted = RoundFactory()
    targeted.target_townships.set([township(HUANTONG)])
    everyone = RoundFactory()
    own = RoundFactory(organizer=township(JINCHANG))
    assert set(rounds_for(staff)) == {everyone, own}
    assert set(rounds_for(other_staff)) == {everyone, targeted}


# Who may organize ---------------------------------------------------------------


def test_township_staff_create_their_own_township_session(staff):
    session = new_session(staff, township(JINCHANG), reach=Session.Reach.DISTRICT)
    # A township session only ever reaches its own township.
    assert session.reach == Session.Reach.TOWNSHIPS
    assert list(session.townships.all()) == [township(JINCHANG)]


def test_township_staff_may_not_create_district_or_other_township_sessions(staff):
    with pytest.raises(PermissionDenied):
        new_session(staff, None)
    with pytest.raises(PermissionDenied):
        new_session(staff, township(HUANTONG))


def test_township_reviewer_and_department_may_not_create(township_reviewer, department_user):
    for user in (township_reviewer, department_user):
        with pytest.raises(PermissionDenied):
            new_session(user, township(JINCHANG))


def test_district_reviewer_creates_district_session_for_selected_townships(district_reviewer):
    session = new_session(
        district_reviewer,
        None,
        reach=Session.Reach.TOWNSHIPS,
        townships=[township(JINCHANG), township(HUANTONG)],
    )
    assert set(session.townships.values_list("code", flat=True)) == {JINCHANG, HUANTONG}
    with pytest.raises(ValidationError) as error:
        new_session(district_reviewer, None, reach=Session.Reach.TOWNSHIPS)
    assert "townships" in error.value.message_dict


def test_session_ending_before_it_starts_is_refused(district_reviewer):
    with pytest.raises(ValidationError):
        new_session(district_reviewer, None, ends_at=at(dt.date(2026, 3, 1)))
    assert not Session.objects.exists()


def test_staff_may_not_change_a_district_session(staff):
    session = SessionFactory()
    with pytest.raises(PermissionDenied):
        services.session_update(actor=staff, session=session, title="改")


def test_township_round_only_holds_its_own_sessions(staff):
    other_round = RoundFactory(organizer=township(HUANTONG))
    with pytest.raises(PermissionDenied):
        new_session(staff, township(JINCHANG), round=other_round)
    district_round = RoundFactory()
    session = new_session(staff, township(JINCHANG), round=district_round)
    assert session.round == district_round


# Rosters --------------------------------------------------------------------------


def test_roster_by_filters(district_reviewer):
    village = VillageFactory(township=township(JINCHANG))
    secretary = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    member = cadre(village)
    leader = PostFactory(
        village=village,
        body=Post.Body.VILLAGER_GROUP,
        title=Post.Title.GROUP_LEADER,
        villager_group=VillagerGroupFactory(village=village),
    ).person
    cadre(VillageFactory(township=township(HUANTONG)))
    session = SessionFactory()
    added = services.roster_add_matching(
        actor=district_reviewer,
        session=session,
        townships=[township(JINCHANG)],
        bodies=[Post.Body.PARTY_BRANCH, Post.Body.VILLAGER_GROUP],
    )
    assert added == 2
    assert set(session.attendances.values_list("person", flat=True)) == {
        secretary.pk,
        leader.pk,
    }
    # Filters again: nobody twice.
    assert (
        services.roster_add_matching(actor=district_reviewer, session=session, villages=[village])
        == 1
    )
    assert set(session.attendances.values_list("person", flat=True)) == {
        secretary.pk,
        leader.pk,
        member.pk,
    }


def test_person_with_two_posts_is_invited_once(district_reviewer):
    village = VillageFactory()
    person = cadre(village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    PostFactory(person=person, village=village, title=Post.Title.DIRECTOR)
    session = SessionFactory()
    assert services.roster_add_matching(actor=district_reviewer, session=session) == 1


def test_former_cadres_are_not_invited(district_reviewer):
    post = PostFactory(ended_on=dt.date(2024, 1, 1), end_reason=Post.EndReason.RESIGNED)
    session = SessionFactory()
    services.roster_add_matching(actor=district_reviewer, session=session)
    assert not session.attendances.filter(person=post.person).exists()


def test_township_staff_roster_holds_only_their_people(staff):
    own = cadre(VillageFactory(township=township(JINCHANG)))
    other = cadre(VillageFactory(township=township(HUANTONG)))
    session = SessionFactory(organizer=township(JINCHANG))
    assert services.roster_add_matching(actor=staff, session=session) == 1
    with pytest.raises(PermissionDenied):
        services.roster_add_people(actor=staff, session=session, people=[other])
    assert list(session.attendances.values_list("person", flat=True)) == [own.pk]


def test_a_roster_is_built_in_queries_that_do_not_grow_with_it(district_reviewer):
    villages = [VillageFactory(township=township(JINCHANG)) for _ in range(6)]

    # 36 then 72 people: SQLite writes at most 83 attendance rows a statement (999
    # parameters), so both rosters fit one insert and the counts compare the reads.
    def add_cadres():
        for i in range(36):
            cadre(villages[i % 6])

    add_cadres()
    # Each call fills a roster of its own: a filled one would have nobody left to add.
    sessions = iter([SessionFactory() for _ in range(3)])
    added = assert_queries_flat(
        lambda: services.roster_add_matching(actor=district_reviewer, session=next(sessions)),
        add_cadres,
    )
    assert added == 72


def test_staff_may_not_add_to_a_district_roster(staff):
    session = SessionFactory()
    with pytest.raises(PermissionDenied):
        services.roster_add_matching(actor=staff, session=session)


# Attendance -----------------------------------------------------------------------


def test_bulk_attendance_marks_and_counts_changes(district_reviewer):
    session = SessionFactory()
    rows = [AttendanceFactory(session=session, person=cadre()) for _ in range(3)]
    changed = services.attendance_mark(
        actor=district_reviewer,
        session=session,
        statuses={
            rows[0].pk: Attendance.Status.PRESENT,
            rows[1].pk: Attendance.Status.EXCUSED,
            rows[2].pk: Attendance.Status.INVITED,
        },
    )
    assert changed == 2
    statuses = dict(session.attendances.values_list("pk", "status"))
    assert statuses == {
        rows[0].pk: "present",
        rows[1].pk: "excused",
        rows[2].pk: "invited",
    }
    assert rows[0].history.count() == 2


def test_bulk_attendance_refuses_foreign_rows_and_bad_status(district_reviewer):
    session = SessionFactory()
    row = AttendanceFactory(session=session, person=cadre())
    foreign = AttendanceFactory(person=cadre())
    with pytest.raises(ValidationError):
        services.attendance_mark(
            actor=district_reviewer,
            session=session,
            statuses={row.pk: "present", foreign.pk: "present"},
        )
    with pytest.raises(ValidationError):
        services.attendance_mark(actor=district_reviewer, session=session, statuses={row.pk: "x"})
    row.refresh_from_db()
    assert row.status == Attendance.Status.INVITED


# Daily study ---------------------------------------------------------------------


def test_daily_study_only_for_own_people(staff):
    own = cadre(VillageFactory(township=township(JINCHANG)))
    other = cadre(VillageFactory(township=township(HUANTONG)))
    study = services.daily_study_record(
        actor=staff,
        person=own,
        topic="学习党章",
        studied_on=dt.date(2026, 5, 1),
        hours=Decimal("2"),
    )
    assert study.recorded_by == staff
    with pytest.raises(PermissionDenied):
        services.daily_study_record(
            actor=staff, person=other, topic="学习党章", studied_on=dt.date(2026, 5, 1), hours=2
        )


def test_daily_study_needs_positive_hours(staff):
    own = cadre(VillageFactory(township=township(JINCHANG)))
    with pytest.raises(ValidationError) as error:
        services.daily_study_record(
            actor=staff, person=own, topic="学习", studied_on=dt.date(2026, 5, 1), hours=0
        )
    assert "hours" in error.value.message_dict


def test_daily_study_cannot_be_in_the_future(staff):
    own = cadre(VillageFactory(township=township(JINCHANG)))
    with pytest.raises(ValidationError) as error:
        services.daily_study_record(
            actor=staff,
            person=own,
            topic="学习",
            studied_on=dt.date.today() + dt.timedelta(days=2),
            hours=1,
        )
    assert "studied_on" in error.value.message_dict
