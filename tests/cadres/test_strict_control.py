"""Strict control (从严掌控): set by hand, reviewed and kept, lifted; who may; the due list,
the home page's counts, the profile and the register list."""

import datetime as dt
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from cadres import services
from cadres.models import Person, StrictControlEvent, StrictControlSource
from dongchang.todo import groups_for as waiting_for
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, VillageFactory, cadre, township

pytestmark = pytest.mark.django_db


def today():
    # Read on each use: a run that crosses midnight in Shanghai would leave a module constant stale.
    return timezone.localdate()


LIST = reverse("cadres:strict_control_list")


@pytest.fixture
def sysadmin(db):
    return UserFactory(role="系统管理员")


@pytest.fixture
def mine():
    return cadre(VillageFactory(township=township(JINCHANG)), name="金严管")


@pytest.fixture
def theirs():
    return cadre(VillageFactory(township=township(HUANTONG)), name="环严管")


def put_under(actor, person, *, since=None, review_on=None, reason="群众反映，列入从严掌控"):
    return services.person_strict_control_set(
        actor=actor,
        person=person,
        since=since or today(),
        review_on=review_on or today() + relativedelta(months=6),
        reason=reason,
        source=StrictControlSource.MANUAL,
    )


def due(actor, person):
    """Under strict control since 13 months ago, its review a month overdue."""
    return put_under(
        actor,
        person,
        since=today() - relativedelta(months=13),
        review_on=today() - relativedelta(months=1),
    )


# Life cycle ------------------------------------------------------------------------------


def test_set_review_and_lift_each_leave_an_event_and_the_history_names_who(district_reviewer, mine):
    person = put_under(district_reviewer, mine, reason=" 其子涉嫌寻衅滋事 ")
    assert person.under_strict_control
    assert person.strict_control_since == today()
    assert person.strict_control_source == StrictControlSource.MANUAL
    assert person.strict_control_reason == "其子涉嫌寻衅滋事"

    later = today() + relativedelta(months=12)
    person = services.person_strict_control_review(
        actor=district_reviewer, person=person, review_on=later, note="表现良好，继续掌控"
    )
    assert person.strict_control_review_on == later
    assert person.strict_control_since == today()

    person = services.person_strict_control_lift(
        actor=district_reviewer, person=person, reason="其子已撤案"
    )
    person.refresh_from_db()
    assert not person.under_strict_control
    assert (person.strict_control_review_on, person.strict_control_reason) == (None, "")
    assert person.strict_control_source == ""

    events = list(StrictControlEvent.objects.filter(person=person))
    assert [e.action for e in events] == ["set", "reviewed", "lifted"]
    assert [e.note for e in events] == ["其子涉嫌寻衅滋事", "表现良好，继续掌控", "其子已撤案"]
    assert {e.actor for e in events} == {district_reviewer}
    # The lift keeps what was ended: its source and the review date then set.
    assert (events[2].source, events[2].review_on) == ("manual", later)
    history = person.history.order_by("history_date")
    assert [h.history_user for h in history[len(history) - 3 :]] == [district_reviewer] * 3


def test_a_second_set_keeps_the_first_start_and_replaces_the_rest(district_reviewer, mine):
    due(district_reviewer, mine)
    person = put_under(district_reviewer, mine, reason="再次列入")
    assert person.strict_control_since == today() - relativedelta(months=13)
    assert person.strict_control_reason == "再次列入"
    assert person.strict_control_events.count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reason": "  "}, "strict_control_reason"),
        ({"since": 1}, "strict_control_since"),
        ({"review_on": 0}, "strict_control_review_on"),
    ],
)
def test_set_refuses_bad_input_and_writes_nothing(district_reviewer, mine, change, field):
    arguments = {"since": today(), "review_on": today() + dt.timedelta(days=30), "reason": "原因"}
    dated = {
        key: today() + dt.timedelta(days=value) for key, value in change.items() if key != "reason"
    }
    with pytest.raises(ValidationError) as error:
        put_under(district_reviewer, mine, **{**arguments, **change, **dated})
    assert field in error.value.message_dict
    mine.refresh_from_db()
    assert not mine.under_strict_control
    assert not StrictControlEvent.objects.exists()


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"review_on": 90, "note": " "}, "note"),
        ({"review_on": 0, "note": "继续"}, "review_on"),
        ({"review_on": -1, "note": "继续"}, "review_on"),
    ],
)
def test_review_needs_a_note_and_a_date_after_today(district_reviewer, mine, arguments, field):
    person = due(district_reviewer, mine)
    with pytest.raises(ValidationError) as error:
        services.person_strict_control_review(
            actor=district_reviewer,
            person=person,
            review_on=today() + dt.timedelta(days=arguments["review_on"]),
            note=arguments["note"],
        )
    assert field in error.value.message_dict
    person.refresh_from_db()
    assert person.strict_control_review_on == today() - relativedelta(months=1)


def test_lift_needs_a_reason_and_a_cadre_under_strict_control(district_reviewer, mine):
    with pytest.raises(ValidationError, match="金严管未被列入从严掌控"):
        services.person_strict_control_lift(actor=district_reviewer, person=mine, reason="解除")
    with pytest.raises(ValidationError, match="金严管未被列入从严掌控"):
        services.person_strict_control_review(
            actor=district_reviewer, person=mine, review_on=today() + dt.timedelta(days=9), note="x"
        )
    person = due(district_reviewer, mine)
    with pytest.raises(ValidationError) as error:
        services.person_strict_control_lift(actor=district_reviewer, person=person, reason=" ")
    assert "reason" in error.value.message_dict
    person.refresh_from_db()
    assert person.under_strict_control


# Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["district_reviewer", "sysadmin"])
def test_the_district_and_the_administrator_manage_every_township(request, role, mine, theirs):
    actor = request.getfixturevalue(role)
    for person in (mine, theirs):
        due(actor, person)
        services.person_strict_control_review(
            actor=actor, person=person, review_on=today() + dt.timedelta(days=30), note="继续"
        )
        services.person_strict_control_lift(actor=actor, person=person, reason="解除")
    assert StrictControlEvent.objects.filter(actor=actor).count() == 6


@pytest.mark.parametrize("role", ["staff", "township_reviewer", "other_staff", "department_user"])
def test_township_roles_and_departments_may_not_manage_in_any_township(
    request, role, district_reviewer, mine, theirs
):
    actor = request.getfixturevalue(role)
    for person in (mine, theirs):
        with pytest.raises(PermissionDenied):
            put_under(actor, person)
        due(district_reviewer, person)
        with pytest.raises(PermissionDenied):
            services.person_strict_control_review(
                actor=actor, person=person, review_on=today() + dt.timedelta(days=30), note="继续"
            )
        with pytest.raises(PermissionDenied):
            services.person_strict_control_lift(actor=actor, person=person, reason="解除")
    assert not StrictControlEvent.objects.filter(actor=actor).exists()


def test_a_hit_or_vetting_set_stays_inside_the_actor_township(staff, theirs):
    # Set by a step of screening or vetting: that step's permission, but still the scope.
    with pytest.raises(PermissionDenied):
        services.person_strict_control_set(
            actor=staff,
            person=theirs,
            since=today(),
            review_on=today() + dt.timedelta(days=30),
            reason="原因",
            source=StrictControlSource.VETTING,
        )


# Pages -----------------------------------------------------------------------------------


def test_list_is_scoped_sorted_by_review_date_and_filters_the_due(
    client, staff, district_reviewer, mine, theirs
):
    later = cadre(VillageFactory(township=township(JINCHANG)), name="金后审")
    put_under(district_reviewer, later)
    due(district_reviewer, mine)
    due(district_reviewer, theirs)

    client.force_login(staff)
    response = client.get(LIST)
    assert [p.name for p in response.context["rows"]] == ["金严管", "金后审"]
    assert "复核到期" in response.content.decode()
    assert reverse("cadres:strict_control_lift", args=[mine.pk]) not in response.content.decode()
    assert [p.name for p in client.get(LIST, {"due": "yes"}).context["rows"]] == ["金严管"]
    assert [p.name for p in client.get(LIST, {"due": "no"}).context["rows"]] == ["金后审"]

    client.force_login(district_reviewer)
    response = client.get(LIST, {"due": "yes"})
    assert {p.name for p in response.context["rows"]} == {"金严管", "环严管"}
    assert reverse("cadres:strict_control_lift", args=[mine.pk]) in response.content.decode()
    huantong = township(HUANTONG)
    response = client.get(LIST, {"township": huantong.pk, "source": "manual"})
    assert [p.name for p in response.context["rows"]] == ["环严管"]
    assert not client.get(LIST, {"source": "hit"}).context["rows"]


def test_list_export_names_the_source_and_review_date(client, district_reviewer, mine):
    due(district_reviewer, mine)
    client.force_login(district_reviewer)
    response = client.get(LIST, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "金严管"
    assert rows[1][5].date() == today() - relativedelta(months=1)
    assert "*" in rows[1][1]  # masked ID number


def test_departments_see_no_strict_control_list(client, department_user):
    client.force_login(department_user)
    assert client.get(LIST).status_code == 403


def test_review_and_lift_pages(client, staff, district_reviewer, mine):
    due(district_reviewer, mine)
    review_url = reverse("cadres:strict_control_review", args=[mine.pk])
    lift_url = reverse("cadres:strict_control_lift", args=[mine.pk])
    client.force_login(staff)
    assert client.get(review_url).status_code == 403
    assert client.post(lift_url, {"reason": "解除"}).status_code == 403

    client.force_login(district_reviewer)
    page = client.get(review_url)
    assert page.status_code == 200
    assert "data-confirm" in page.content.decode()
    response = client.post(review_url, {"review_on": today().isoformat(), "note": "继续"})
    assert response.status_code == 200
    assert response.context["form"].errors["review_on"] == ["下次复核日期须晚于今天。"]
    response = client.post(
        review_url, {"review_on": (today() + dt.timedelta(days=180)).isoformat(), "note": "继续"}
    )
    assert response.status_code == 302
    response = client.post(lift_url, {"reason": ""})
    assert response.context["form"].errors["reason"] == ["请填写解除从严掌控的理由。"]
    assert client.post(lift_url, {"reason": "已撤案"}).status_code == 302
    mine.refresh_from_db()
    assert not mine.under_strict_control


def test_manual_set_page_is_for_the_district(client, staff, district_reviewer, theirs):
    url = reverse("cadres:strict_control_set", args=[theirs.pk])
    client.force_login(staff)
    assert client.get(url).status_code == 403
    client.force_login(district_reviewer)
    response = client.post(
        url,
        {
            "since": today().isoformat(),
            "review_on": (today() + dt.timedelta(days=90)).isoformat(),
            "reason": "区委组织部研究决定",
        },
    )
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.strict_control_source == StrictControlSource.MANUAL


def test_profile_shows_source_reason_dates_overdue_and_events(
    client, staff, district_reviewer, mine
):
    due(district_reviewer, mine)
    url = reverse("cadres:detail", args=[mine.pk])
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert 'id="strict-control"' in page
    assert "群众反映，列入从严掌控" in page
    assert (today() - relativedelta(months=13)).isoformat() in page
    assert (today() - relativedelta(months=1)).isoformat() in page
    assert 'class="badge bad" title=' in page  # the overdue review
    assert reverse("cadres:strict_control_lift", args=[mine.pk]) not in page
    client.force_login(district_reviewer)
    page = client.get(url).content.decode()
    assert reverse("cadres:strict_control_review", args=[mine.pk]) in page
    assert reverse("cadres:strict_control_lift", args=[mine.pk]) in page


def test_register_list_shows_the_review_date(client, staff, district_reviewer, mine):
    due(district_reviewer, mine)
    client.force_login(staff)
    page = client.get(reverse("cadres:list"), {"strict_control": "yes"}).content.decode()
    assert (today() - relativedelta(months=1)).isoformat() in page


def test_home_page_counts_reviews_due(
    district_reviewer, staff, other_staff, department_user, sysadmin, mine, theirs
):
    due(district_reviewer, mine)
    due(district_reviewer, theirs)
    put_under(district_reviewer, cadre(VillageFactory(township=township(JINCHANG))))

    def item(user):
        found = [w for w in waiting_for(user, today()) if w.url.startswith(LIST)]
        return found[0] if found else None

    assert item(district_reviewer).count == 2
    assert item(sysadmin).count == 2
    # Township roles cannot review strict control: it is not their work.
    assert item(staff) is None
    assert item(other_staff) is None
    assert item(department_user) is None
    assert Person.objects.strict_control_due(today()).count() == 2
