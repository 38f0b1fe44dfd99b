"""The to-do centre: items per role, own township and another's, due dates, overdue marks,
versioned deadlines, query counts and the department's home."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from cadres.models import Person, StrictControlSource
from dongchang import todo, warnings
from dongchang.dashboard import figures_for
from dongchang.models import TodoDeadlines, WarningLightChange
from tests.factories import UserFactory, VillageFactory, cadre, township
from tests.querycount import assert_queries_flat
from tests.supervision.factories import SupervisionRecordFactory
from tests.vetting_candidates.factories import Cast, nominate
from vetting.services import candidates

pytestmark = pytest.mark.django_db
JINCHANG, HUANTONG = "220502100", "220502200"


@pytest.fixture
def cast(db):
    return Cast()


def huantong_cast() -> Cast:
    other = Cast()
    other.staff = UserFactory(role="乡镇工作人员", townships=[HUANTONG])
    other.township_reviewer = UserFactory(role="乡镇审核人", townships=[HUANTONG])
    return other


def in_township(code: str):
    return VillageFactory(township=township(code))


def of_kind(user, kind: str, today: dt.date) -> list[todo.TodoItem]:
    return [item for item in todo.items_for(user, today) if item.kind == kind]


def group(user, kind: str, today: dt.date) -> todo.TodoGroup | None:
    return next((g for g in todo.groups_for(user, today) if g.kind == kind), None)


def local_today() -> dt.date:
    return timezone.localdate()


# Per role, own township and another's ---------------------------------------------------------


def test_township_reviewer_sees_own_townships_cases_with_due_dates(cast):
    today = local_today()
    mine = cast.submitted(village=in_township(JINCHANG))
    other = huantong_cast()
    theirs = other.submitted(village=in_township(HUANTONG))

    (item,) = of_kind(cast.township_reviewer, "case_township_review", today)
    assert item.key == f"case_township_review:{mine.pk}"
    assert item.url == reverse("vetting:case_detail", args=[mine.pk])
    assert item.township == "金厂镇"
    assert item.since == today
    assert item.due_on == today + dt.timedelta(days=7)  # the default: 7 days from submission
    assert not item.overdue
    assert item.rules == TodoDeadlines.objects.get(active=True).pk

    (their_item,) = of_kind(other.township_reviewer, "case_township_review", today)
    assert their_item.key == f"case_township_review:{theirs.pk}"
    # Nominators and the district do not review for the township.
    assert of_kind(cast.staff, "case_township_review", today) == []
    assert of_kind(cast.district_reviewer, "case_township_review", today) == []

    later = today + dt.timedelta(days=10)
    (late,) = of_kind(cast.township_reviewer, "case_township_review", later)
    assert late.overdue
    assert late.days_overdue == 3
    counted = group(cast.township_reviewer, "case_township_review", later)
    assert (counted.count, counted.overdue) == (1, 1)


def test_returned_cases_wait_for_their_nominator_only(cast):
    today = local_today()
    case = cast.submitted(village=in_township(JINCHANG))
    candidates.case_return(actor=cast.township_reviewer, case=case, note="补充材料")
    (item,) = of_kind(cast.staff, "case_returned", today)
    assert item.key == f"case_returned:{case.pk}"
    assert item.due_on == today + dt.timedelta(days=7)
    other_nominator = UserFactory(role="乡镇工作人员", townships=[JINCHANG])
    assert of_kind(other_nominator, "case_returned", today) == []
    assert of_kind(huantong_cast().staff, "case_returned", today) == []


def test_district_review_and_department_opinions(cast):
    today = local_today()
    case = cast.at_district(village=in_township(JINCHANG))
    (review,) = of_kind(cast.district_reviewer, "case_district_review", today)
    assert review.since == today  # forwarded today
    assert review.due_on == today + dt.timedelta(days=15)

    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline", "police"]
    )
    opinion = case.opinions.get(department="discipline")
    (item,) = of_kind(cast.department, "opinion", today)
    assert item.key == f"opinion:{opinion.pk}"
    assert item.due_on == opinion.due_on  # the opinion keeps its own due date
    assert item.url == reverse("vetting:case_detail", args=[case.pk])
    assert not item.overdue
    # The department has no other work; the district follows both opinions.
    assert {i.kind for i in todo.items_for(cast.department, today)} == {"opinion"}
    assert len(of_kind(cast.district_reviewer, "opinion", today)) == 2
    police = UserFactory(role="联审部门", department="court")
    assert of_kind(police, "opinion", today) == []
    # Township roles give no opinions.
    assert of_kind(cast.township_reviewer, "opinion", today) == []

    later = opinion.due_on + dt.timedelta(days=2)
    (late,) = of_kind(cast.department, "opinion", later)
    assert late.overdue
    assert late.days_overdue == 2
    candidates.case_opinion_give(actor=cast.department, case=case, verdict="agree")
    assert of_kind(cast.department, "opinion", later) == []


def test_rectifications_overdue_for_the_township_that_acts(staff, other_staff, district_reviewer):
    today = local_today()
    mine = SupervisionRecordFactory(
        village=in_township(JINCHANG),
        rectification="整改财务公开",
        rectification_deadline=today - dt.timedelta(days=3),
    )
    SupervisionRecordFactory(
        village=in_township(HUANTONG),
        rectification="整改",
        rectification_deadline=today - dt.timedelta(days=1),
    )
    (item,) = of_kind(staff, "rectification_overdue", today)
    assert item.key == f"rectification_overdue:{mine.pk}"
    assert (item.due_on, item.overdue, item.days_overdue) == (mine.rectification_deadline, True, 3)
    assert len(of_kind(other_staff, "rectification_overdue", today)) == 1
    # The district oversees them (the overview), it does not rectify.
    assert of_kind(district_reviewer, "rectification_overdue", today) == []


def test_items_are_oldest_first_across_kinds(staff):
    today = local_today()
    village = in_township(JINCHANG)
    for days in (2, 9, 5):
        SupervisionRecordFactory(
            village=village,
            rectification="整改",
            rectification_deadline=today - dt.timedelta(days=days),
        )
    items = todo.items_for(staff, today)
    assert [item.since for item in items] == sorted(item.since for item in items)
    keys = [item.key for item in items]
    assert len(keys) == len(set(keys))


# The district's overview ----------------------------------------------------------------------


def test_district_sees_every_townships_overdue_counts(client, cast, staff):
    today = local_today()
    cast.submitted(village=in_township(JINCHANG))
    huantong_cast().submitted(village=in_township(HUANTONG))
    SupervisionRecordFactory(
        village=in_township(HUANTONG),
        rectification="整改",
        rectification_deadline=today - dt.timedelta(days=1),
    )
    later = today + dt.timedelta(days=8)
    table = todo.overdue_by_township(cast.district_reviewer, later)
    codes = [code for code, _label in table.kinds]
    rows = {name: dict(zip(codes, cells, strict=True)) for name, cells, _total in table.rows}
    assert rows["金厂镇"]["case_township_review"] == 1
    assert rows["环通乡"]["case_township_review"] == 1
    assert rows["环通乡"]["rectification_overdue"] == 1
    assert rows["金厂镇"]["rectification_overdue"] == 0
    assert table.totals[codes.index("case_township_review")] == 2
    assert not todo.may_see_overview(staff)
    assert not todo.may_see_overview(cast.department)

    client.force_login(cast.district_reviewer)
    page = client.get(reverse("home")).text
    assert "各乡镇（街道）逾期事项" in page
    client.force_login(staff)
    assert "各乡镇（街道）逾期事项" not in client.get(reverse("home")).text


# Deadlines: versioned rules -------------------------------------------------------------------


def test_changed_deadlines_make_a_new_version_and_apply(cast):
    today = local_today()
    defaults = TodoDeadlines.objects.get(active=True)
    cast.submitted(village=in_township(JINCHANG))
    version = todo.todo_deadlines_replace(
        actor=cast.district_reviewer, case_township_review_days=3, note="换届期间加快初审"
    )
    assert version.active
    assert version.created_by == cast.district_reviewer
    defaults.refresh_from_db()
    assert not defaults.active
    assert defaults.case_township_review_days == 7
    assert version.case_district_review_days == 15  # the others as they were by default
    (item,) = of_kind(cast.township_reviewer, "case_township_review", today)
    assert item.due_on == today + dt.timedelta(days=3)
    assert item.rules == version.pk
    (late,) = of_kind(cast.township_reviewer, "case_township_review", today + dt.timedelta(5))
    assert late.days_overdue == 2

    with pytest.raises(PermissionDenied):
        todo.todo_deadlines_replace(actor=cast.staff, case_township_review_days=1, note="x")
    with pytest.raises(ValidationError) as error:
        todo.todo_deadlines_replace(
            actor=cast.district_reviewer, case_township_review_days=0, note="x"
        )
    assert "1" in str(error.value)
    with pytest.raises(ValidationError) as error:
        todo.todo_deadlines_replace(actor=cast.district_reviewer, hit_review_days=5)
    assert "请说明修改内容及理由" in str(error.value)
    assert TodoDeadlines.objects.filter(active=True).get() == version


def test_deadline_pages(client, district_reviewer, staff):
    client.force_login(district_reviewer)
    page = client.get(reverse("todo_deadlines"))
    assert page.status_code == 200
    assert "待办期限" in page.text
    assert "默认待办期限" in page.text
    url = reverse("todo_deadlines_edit")
    form = client.get(url)
    assert form.status_code == 200
    data = {name: getattr(TodoDeadlines(), name) for name in TodoDeadlines.FIELDS}
    bad = client.post(url, {**data, "case_township_review_days": 0, "evaluation_month": 13})
    assert bad.status_code == 400
    assert "确保该值大于或等于 1" in bad.text or "确保该值大于或等于1" in bad.text
    assert "确保该值小于或等于 12" in bad.text or "确保该值小于或等于12" in bad.text
    no_note = client.post(url, data)
    assert no_note.status_code == 400
    assert "这个字段是必填项" in no_note.text
    done = client.post(url, {**data, "hit_review_days": 3, "note": "加快审核"})
    assert done.status_code == 302
    assert TodoDeadlines.objects.get(active=True).hit_review_days == 3
    client.force_login(staff)
    assert client.get(reverse("todo_deadlines")).status_code == 403
    assert client.post(url, {**data, "note": "x"}).status_code == 403


# The pages -----------------------------------------------------------------------------------


def test_home_marks_overdue_items_and_links_them(client, staff):
    today = local_today()
    record = SupervisionRecordFactory(
        village=in_township(JINCHANG),
        rectification="整改财务公开",
        rectification_deadline=today - dt.timedelta(days=3),
    )
    client.force_login(staff)
    page = client.get(reverse("home")).text
    assert "待办事项" in page
    assert "已逾期 3 天" in page
    assert reverse("supervision:record_detail", args=[record.pk]) in page
    assert reverse("supervision:record_overdue") in page


def test_home_shows_a_few_per_kind_and_links_to_all(client, staff):
    today = local_today()
    village = in_township(JINCHANG)
    for days in range(1, todo.ITEMS_SHOWN + 3):
        SupervisionRecordFactory(
            village=village,
            rectification="整改",
            rectification_deadline=today - dt.timedelta(days=days),
        )
    client.force_login(staff)
    response = client.get(reverse("home"))
    (rectifications,) = [
        g for g in response.context["waiting"] if g.kind == "rectification_overdue"
    ]
    assert len(rectifications.items) == todo.ITEMS_SHOWN
    assert rectifications.count == todo.ITEMS_SHOWN + 2
    assert rectifications.items[0].days_overdue == todo.ITEMS_SHOWN + 2  # the oldest first
    assert f"查看全部（{todo.ITEMS_SHOWN + 2} 项）" in response.text


def test_department_home_and_dashboard(client, cast):
    case = cast.at_district(village=in_township(JINCHANG))
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"]
    )
    client.force_login(cast.department)
    page = client.get(reverse("home")).text
    assert "您尚未被分配任何乡镇" not in page
    assert "待出具的联审意见" in page
    assert case.name in page
    assert reverse("vetting:case_detail", args=[case.pk]) in page

    figures = figures_for(cast.department, local_today())
    assert [figure.key for figure in figures] == ["department_opinions"]
    (opinions,) = figures
    assert {label: n for label, n, _link in opinions.rows}["待出具（未逾期）"] == 1
    dashboard = client.get(reverse("dashboard")).text
    assert "本部门的联审意见" in dashboard
    assert "figure-lights" not in dashboard


# Query counts ---------------------------------------------------------------------------------


def test_query_counts_do_not_grow_with_the_items(cast, client):
    today = local_today()
    village = in_township(JINCHANG)

    def grow():
        for _ in range(2):
            cast.submitted(village=village)
            SupervisionRecordFactory(
                village=village,
                rectification="整改",
                rectification_deadline=today - dt.timedelta(days=2),
            )
        case = cast.at_district(village=village)
        candidates.case_joint_review_open(
            actor=cast.district_reviewer, case=case, departments=["discipline"]
        )
        nominate(cast.staff, village=village)

    grow()
    for user in (cast.township_reviewer, cast.staff, cast.district_reviewer, cast.department):
        assert_queries_flat(lambda user=user: todo.items_for(user, today), grow)
        assert_queries_flat(lambda user=user: todo.groups_for(user, today), grow)
    assert_queries_flat(lambda: todo.overdue_by_township(cast.district_reviewer, today), grow)
    client.force_login(cast.district_reviewer)
    assert_queries_flat(lambda: client.get(reverse("home")), grow)


def test_red_lights_of_the_week_and_strict_control_reviews(staff, other_staff, district_reviewer):
    today = local_today()
    person = cadre(in_township(JINCHANG))
    Person.objects.filter(pk=person.pk).update(
        strict_control_since=today - dt.timedelta(days=30),
        strict_control_review_on=today - dt.timedelta(days=2),
        strict_control_source=StrictControlSource.MANUAL,
    )
    warnings.lights_refresh(today=today)
    change = WarningLightChange.objects.get(person=person)
    (item,) = of_kind(staff, "light_red", today)
    assert item.key == f"light_red:{change.pk}"
    assert item.url == reverse("cadres:detail", args=[person.pk])
    assert (item.township, item.since) == ("金厂镇", today)
    assert item.due_on == today + dt.timedelta(days=7)
    assert of_kind(other_staff, "light_red", today) == []
    assert len(of_kind(district_reviewer, "light_red", today)) == 1
    # Red more than a week ago is no longer this week's.
    assert of_kind(staff, "light_red", today + dt.timedelta(days=7)) == []
    # The week begins at local midnight six days back (a range on the change's time).
    start = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=6), dt.time.min))
    WarningLightChange.objects.filter(pk=change.pk).update(at=start)
    assert len(of_kind(staff, "light_red", today)) == 1
    WarningLightChange.objects.filter(pk=change.pk).update(at=start - dt.timedelta(seconds=1))
    assert of_kind(staff, "light_red", today) == []

    (review,) = of_kind(district_reviewer, "strict_control_review", today)
    assert review.key == f"strict_control_review:{person.pk}"
    assert (review.due_on, review.days_overdue, review.township) == (
        today - dt.timedelta(days=2),
        2,
        "金厂镇",
    )
    # The township cannot review strict control: not its work.
    assert of_kind(staff, "strict_control_review", today) == []


def test_the_administrator_opens_no_case_but_sees_the_overview(client, cast, system_admin):
    cast.submitted(village=in_township(JINCHANG))
    kinds = {group.kind for group in todo.groups_for(system_admin, local_today())}
    assert not kinds & {"case_township_review", "case_district_review", "case_returned"}
    client.force_login(system_admin)
    page = client.get(reverse("home"))
    assert page.status_code == 200
    assert "各乡镇（街道）逾期事项" in page.text
