import datetime as dt
from itertools import islice

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cadres.records import services
from cadres.records.models import DutyShift
from tests.cadres_records.factories import serving_village
from tests.factories import PostFactory, cadre
from tests.querycount import assert_queries_flat

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)
T = dt.time
MORNING = (T(8, 30), T(12, 0))


def roster(user, village, start=MONDAY):
    return services.duty_roster_create(
        actor=user, village=village, period="week", starts_on=start, ends_on=start + dt.timedelta(6)
    )


def shift(user, week, person, day=MONDAY, start=MORNING[0], end=MORNING[1]):
    return services.duty_shift_add(
        actor=user, roster=week, person=person, date=day, start_time=start, end_time=end
    )


def test_refuses_overlap_leave_and_outsiders(staff):
    person = cadre()
    village = serving_village(person)
    week = roster(staff, village)
    shift(staff, week, person)
    shift(staff, week, person, start=T(12, 0), end=T(17, 0))  # touching is not overlapping
    with pytest.raises(ValidationError) as error:
        shift(staff, week, person, start=T(11, 0), end=T(13, 0))
    assert "start_time" in error.value.message_dict
    # The same person in another village's roster at the same time is a conflict too.
    PostFactory(person=person)
    other_week = roster(staff, person.posts.exclude(village=village).get().village)
    with pytest.raises(ValidationError):
        shift(staff, other_week, person, start=T(9, 0), end=T(10, 0))
    services.leave_record(
        actor=staff,
        person=person,
        starts_on=MONDAY + dt.timedelta(1),
        ends_on=MONDAY + dt.timedelta(2),
        reason="病假",
    )
    with pytest.raises(ValidationError) as error:
        shift(staff, week, person, day=MONDAY + dt.timedelta(2))
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        shift(staff, week, cadre())  # serves elsewhere
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        shift(staff, week, person, day=MONDAY + dt.timedelta(7))
    assert "date" in error.value.message_dict
    assert DutyShift.objects.count() == 2


def test_leave_over_scheduled_duty_is_refused(staff):
    person = cadre()
    week = roster(staff, serving_village(person))
    shift(staff, week, person)
    with pytest.raises(ValidationError):
        services.leave_record(
            actor=staff, person=person, starts_on=MONDAY, ends_on=MONDAY, reason="事假"
        )


def test_outcomes_and_permissions(staff, other_staff, township_reviewer):
    person = cadre()
    week = roster(staff, serving_village(person))
    duty = shift(staff, week, person)
    with pytest.raises(PermissionDenied):
        shift(other_staff, week, person, day=MONDAY + dt.timedelta(1))
    with pytest.raises(PermissionDenied):
        roster(township_reviewer, serving_village(person), MONDAY + dt.timedelta(7))
    services.duty_shift_record(actor=staff, shift=duty, outcome="done")
    with pytest.raises(ValidationError):
        services.duty_shift_remove(actor=staff, shift=duty)
    with pytest.raises(ValidationError):
        roster(staff, serving_village(person))  # same week twice


def test_pages(client, staff, other_staff, department_user):
    person = cadre()
    village = serving_village(person)
    client.force_login(staff)
    response = client.post(
        reverse("cadres:records:roster_create"),
        {"village": village.pk, "period": "month", "starts_on": "2026-03-02"},
    )
    assert "starts_on" in response.context["form"].errors
    response = client.post(
        reverse("cadres:records:roster_create"),
        {"village": village.pk, "period": "month", "starts_on": "2026-03-01"},
    )
    assert response.status_code == 302
    week = village.duty_rosters.get()
    assert week.ends_on == dt.date(2026, 3, 31)
    detail = reverse("cadres:records:roster_detail", args=[week.pk])
    data = {"person": person.pk, "date": "2026-03-03", "start_time": "08:30", "end_time": "12:00"}
    assert client.post(detail, data).status_code == 302
    response = client.post(detail, data)
    assert "start_time" in response.context["form"].errors
    days = iter(range(4, 31))

    def more_shifts():
        for day in islice(days, 6):
            shift(staff, week, person, day=dt.date(2026, 3, day))

    more_shifts()
    assert assert_queries_flat(lambda: client.get(detail), more_shifts).status_code == 200
    response = client.get(reverse("cadres:records:roster_print", args=[week.pk]))
    assert person.name in response.content.decode()
    duty = DutyShift.objects.first()
    client.post(reverse("cadres:records:shift_action", args=[duty.pk]), {"outcome": "missed"})
    duty.refresh_from_db()
    assert duty.outcome == "missed"
    response = client.get(reverse("cadres:records:roster_list"))
    assert response.context["rows"][0].missed == 1
    client.force_login(other_staff)
    assert client.get(detail).status_code == 404
    assert client.post(reverse("cadres:records:shift_action", args=[duty.pk])).status_code == 404
    client.force_login(department_user)
    assert client.get(reverse("cadres:records:roster_list")).status_code == 403


def test_leave_list(client, staff, other_staff, department_user):
    def on_leave(count: int) -> list:
        people = [cadre() for _ in range(count)]
        for person in people:
            services.leave_record(
                actor=staff, person=person, starts_on=MONDAY, ends_on=MONDAY, reason="培训"
            )
        return people

    people = on_leave(4)
    client.force_login(staff)
    url = reverse("cadres:records:leave_list")
    response = client.get(url, {"village": serving_village(people[0]).pk})
    assert [leave.person for leave in response.context["rows"]] == [people[0]]
    assert len(client.get(url).context["rows"]) == 4
    for query in ({}, {"format": "xlsx"}):
        assert_queries_flat(lambda query=query: client.get(url, query), lambda: on_leave(4))
    assert client.get(url, {"format": "xlsx"}).status_code == 200
    client.force_login(other_staff)
    assert len(client.get(url).context["rows"]) == 0
    with pytest.raises(PermissionDenied):
        services.leave_record(
            actor=other_staff, person=people[0], starts_on=MONDAY, ends_on=MONDAY, reason="x"
        )
    client.force_login(department_user)
    assert client.get(url).status_code == 403
