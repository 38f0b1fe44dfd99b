import datetime as dt
from decimal import Decimal

import pytest

from cadres.models import Post
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import VillageFactory, cadre, township
from tests.training.factories import AttendanceFactory, RoundFactory, SessionFactory, at
from training.models import Attendance, DailyStudy
from training.selectors import coverage_summary, round_coverage, untrained, year_coverage

pytestmark = pytest.mark.django_db

PRESENT, ABSENT, EXCUSED = (
    Attendance.Status.PRESENT,
    Attendance.Status.ABSENT,
    Attendance.Status.EXCUSED,
)


@pytest.fixture
def known(staff):
    """Two villages of 金厂镇, one of 环通乡, a party-branch round with two sessions."""
    a = VillageFactory(township=township(JINCHANG), name="甲村")
    b = VillageFactory(township=township(JINCHANG), name="乙村")
    c = VillageFactory(township=township(HUANTONG), name="丙村")
    party = {"body": Post.Body.PARTY_BRANCH, "title": Post.Title.MEMBER}
    p1 = cadre(a, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
    p2 = cadre(a, **party)
    p3 = cadre(b, **party)
    p4 = cadre(b)  # villagers' committee: outside the round's target
    p5 = cadre(c, **party)
    round_ = RoundFactory(target_bodies=[Post.Body.PARTY_BRANCH])
    s1 = SessionFactory(round=round_, hours=Decimal("3"))
    s2 = SessionFactory(
        round=round_,
        organizer=township(JINCHANG),
        hours=Decimal("2"),
        starts_at=at(dt.date(2026, 6, 1)),
    )
    old = SessionFactory(hours=Decimal("4"), starts_at=at(dt.date(2025, 6, 1)))
    for session, person, status in [
        (s1, p1, PRESENT),
        (s2, p1, PRESENT),
        (s1, p2, ABSENT),
        (s2, p2, EXCUSED),
        (s1, p3, Attendance.Status.INVITED),
        (s1, p5, PRESENT),
        (old, p3, PRESENT),
    ]:
        AttendanceFactory(session=session, person=person, status=status)
    DailyStudy.objects.create(
        person=p4,
        topic="学习",
        studied_on=dt.date(2026, 2, 1),
        hours=Decimal("1.5"),
        recorded_by=staff,
    )
    DailyStudy.objects.create(
        person=p3,
        topic="学习",
        studied_on=dt.date(2025, 2, 1),
        hours=Decimal("1"),
        recorded_by=staff,
    )
    return {"round": round_, "people": (p1, p2, p3, p4, p5), "villages": (a, b, c)}


def test_round_coverage_per_person(known, district_reviewer):
    p1, p2, p3, _p4, p5 = known["people"]
    rows = {row.person: row for row in round_coverage(known["round"], district_reviewer)}
    assert set(rows) == {p1, p2, p3, p5}
    assert (rows[p1].invited, rows[p1].present, rows[p1].total_hours) == (2, 2, Decimal("5"))
    assert (rows[p2].invited, rows[p2].present, rows[p2].total_hours) == (2, 0, Decimal("0"))
    # The 2025 session is not part of the round.
    assert (rows[p3].invited, rows[p3].present, rows[p3].total_hours) == (1, 0, Decimal("0"))
    untrained_people = {
        row.person for row in untrained(round_coverage(known["round"], district_reviewer))
    }
    assert untrained_people == {p2, p3}


def test_round_coverage_is_scoped_to_the_township(known, staff):
    p1, p2, p3, _p4, _p5 = known["people"]
    assert {row.person for row in round_coverage(known["round"], staff)} == {p1, p2, p3}


def test_round_summary_by_village(known, district_reviewer):
    groups, totals = coverage_summary(round_coverage(known["round"], district_reviewer))
    by_village = {g["village__name"]: g for g in groups}
    assert by_village["甲村"]["people"] == 2
    assert by_village["甲村"]["trained"] == 1
    assert by_village["甲村"]["untrained"] == 1
    assert by_village["甲村"]["hours_per_person"] == Decimal("2.5")
    assert by_village["甲村"]["attendance_rate"] == 50.0  # 2 present of 4 invitations
    assert by_village["乙村"]["people"] == 1
    assert by_village["乙村"]["hours_per_person"] == Decimal("0.0")
    assert by_village["乙村"]["attendance_rate"] == 0.0
    assert by_village["丙村"]["attendance_rate"] == 100.0
    assert totals["people"] == 4
    assert totals["trained"] == 2
    assert totals["hours"] == Decimal("8")
    assert totals["hours_per_person"] == Decimal("2.0")
    assert totals["invited_sum"] == 6
    assert totals["present_sum"] == 3
    assert totals["attendance_rate"] == 50.0
    assert totals["trained_rate"] == 50.0


def test_round_summary_by_township(known, district_reviewer):
    groups, _totals = coverage_summary(
        round_coverage(known["round"], district_reviewer), by_village=False
    )
    assert [(g["village__township__name"], g["people"], g["trained"]) for g in groups] == [
        ("金厂镇", 3, 1),
        ("环通乡", 1, 1),
    ]


def test_year_coverage_counts_sessions_of_the_year_and_daily_study(known, district_reviewer):
    p1, p2, p3, p4, p5 = known["people"]
    rows = {row.person: row for row in year_coverage(2026, district_reviewer)}
    assert set(rows) == {p1, p2, p3, p4, p5}
    assert rows[p1].total_hours == Decimal("5")
    assert (rows[p4].session_hours, rows[p4].study_hours) == (Decimal("0"), Decimal("1.5"))
    assert rows[p3].total_hours == Decimal("0")  # the 2025 session and study do not count
    assert {r.person for r in untrained(year_coverage(2026, district_reviewer))} == {p2, p3}
    last_year = {row.person: row for row in year_coverage(2025, district_reviewer)}
    assert last_year[p3].total_hours == Decimal("5")
    _groups, totals = coverage_summary(year_coverage(2026, district_reviewer))
    assert totals["people"] == 5
    assert totals["trained"] == 3
    assert totals["hours"] == Decimal("9.5")
    assert totals["hours_per_person"] == Decimal("1.9")


def test_coverage_queries_do_not_grow_with_people(
    known, district_reviewer, django_assert_num_queries
):
    district_reviewer.has_perm("cadres.view_all_townships")  # permissions cached, as in a request
    # Exactly two, by design rather than as a ceiling: the rows, then the groups (their sums
    # are the totals), both summed by the database; any per-person read would add to it.
    with django_assert_num_queries(2):
        list(year_coverage(2026, district_reviewer))
        coverage_summary(year_coverage(2026, district_reviewer))


def test_person_training_for_the_profile(known, staff):
    from training.selectors import person_training

    p1, _p2, p3, p4, _p5 = known["people"]
    record = person_training(p1, staff)
    assert [a.session.hours for a in record["attendances"]] == [Decimal("2"), Decimal("3")]
    assert record["hours_by_year"] == [(2026, Decimal("5"))]
    # Invited in 2026 but never marked present: only 2025 counts.
    assert person_training(p3, staff)["hours_by_year"] == [(2025, Decimal("5"))]
    assert person_training(p4, staff)["hours_by_year"] == [(2026, Decimal("1.5"))]
