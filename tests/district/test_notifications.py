"""Reminders (issue 22): the bell and its list, marking read, each event's notification (own
township and another's), the e-mails (assigned, due tomorrow, the digest) and sending once."""

import datetime as dt
import json
import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from cadres.choices import Light
from dongchang import notifications, tasks, warnings
from dongchang.models import EmailSent, Notification, WarningLight
from tests.conftest import HUANTONG, JINCHANG
from tests.factories import UserFactory, VillageFactory, cadre, township
from tests.querycount import assert_queries_flat
from tests.supervision.factories import MisconductCaseFactory, SupervisionRecordFactory
from tests.vetting_candidates.factories import Cast
from vetting.models import CandidateCase, DepartmentOpinion
from vetting.services import candidates

pytestmark = pytest.mark.django_db

Kind = Notification.Kind
SMTP = "smtp.example.org"


def add(user, n: int = 1, **extra) -> None:
    for _ in range(n):
        index = Notification.objects.count()
        notifications.notification_add(
            user=user,
            key=f"test:{index}",
            kind=Kind.OVERDUE,
            message=f"第{index}项待办已逾期",
            url="/cadres/",
            **extra,
        )


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The service --------------------------------------------------------------------------------


def test_a_key_is_added_once_per_user(staff, other_staff):
    args = {"key": "todo:case:7", "kind": Kind.OVERDUE, "message": "待办逾期", "url": "/x/"}
    assert notifications.notification_add(user=staff, **args) is True
    assert notifications.notification_add(user=staff, **{**args, "message": "又一次"}) is False
    assert notifications.notification_add(user=other_staff, **args) is True
    assert Notification.objects.get(user=staff).message == "待办逾期"
    with pytest.raises(ValueError, match="unknown kind"):
        notifications.notification_add(user=staff, **{**args, "kind": "nonsense", "key": "k"})


def test_only_the_owner_marks_a_notification_read(staff, other_staff):
    add(staff)
    notification = Notification.objects.get()
    with pytest.raises(PermissionDenied):
        notifications.notification_read(user=other_staff, notification=notification)
    notifications.notification_read(user=staff, notification=notification)
    assert Notification.objects.get().read_at is not None


# The bell and the list ------------------------------------------------------------------------


def test_the_bell_counts_the_unread_in_one_query(staff):
    client = client_for(staff)
    add(staff, 3)
    notifications.notification_read(user=staff, notification=Notification.objects.first())
    page = client.get(reverse("home")).content.decode()
    assert 'class="bell-count">2<' in page
    assert_queries_flat(lambda: client.get(reverse("home")), lambda: add(staff, 4))
    assert 'class="bell-count">6<' in client.get(reverse("home")).content.decode()


def test_the_bell_shows_no_count_when_all_are_read(staff):
    add(staff)
    notifications.notifications_read_all(user=staff)
    page = client_for(staff).get(reverse("notification_bell")).content.decode()
    assert 'id="notification-bell"' in page
    assert "bell-count" not in page


def test_the_list_shows_the_users_own_notifications_only(staff, other_staff):
    add(staff, 2)
    notifications.notification_add(
        user=other_staff, key="k", kind=Kind.OVERDUE, message="环通乡的提醒", url="/"
    )
    client = client_for(staff)
    page = client.get(reverse("notifications")).content.decode()
    assert "第0项待办已逾期" in page
    assert "第1项待办已逾期" in page
    assert "环通乡的提醒" not in page
    notifications.notification_read(user=staff, notification=Notification.objects.get(key="test:0"))
    unread = client.get(reverse("notifications"), {"state": "unread"}).content.decode()
    assert "第1项待办已逾期" in unread
    assert "第0项待办已逾期" not in unread
    assert_queries_flat(lambda: client.get(reverse("notifications")), lambda: add(staff, 3))
    export = client.get(reverse("notifications"), {"format": "xlsx"})
    assert export.status_code == 200


def test_marking_read_is_a_post_of_the_owner(staff, other_staff):
    add(staff)
    notification = Notification.objects.get()
    url = reverse("notification_read", args=[notification.pk])
    assert client_for(staff).get(url).status_code == 405
    assert client_for(other_staff).post(url).status_code == 404
    assert Notification.objects.get().read_at is None
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(staff)
    assert csrf.post(url).status_code == 403
    assert client_for(staff).post(url).status_code == 302
    assert Notification.objects.get().read_at is not None


def test_marking_read_from_htmx_answers_the_row_and_reloads_the_bell(staff):
    add(staff)
    notification = Notification.objects.get()
    response = client_for(staff).post(
        reverse("notification_read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"notificationsChanged": {}}
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="notification-{notification.pk}"')
    assert "已读" in body


def test_following_a_notification_marks_it_read(staff):
    add(staff)
    notification = Notification.objects.get()
    response = client_for(staff).post(
        reverse("notification_read", args=[notification.pk]), {"follow": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/cadres/"
    assert Notification.objects.get().read_at is not None


def test_an_outside_link_is_not_followed(staff):
    notifications.notification_add(
        user=staff, key="k", kind=Kind.OVERDUE, message="m", url="https://evil.example/"
    )
    notification = Notification.objects.get()
    response = client_for(staff).post(
        reverse("notification_read", args=[notification.pk]), {"follow": "1"}
    )
    assert response["Location"] == reverse("notifications")


def test_mark_all_read(staff, other_staff):
    add(staff, 3)
    add(other_staff)
    response = client_for(staff).post(reverse("notifications_read_all"), follow=True)
    assert "全部提醒已标为已读" in response.content.decode()
    assert not Notification.objects.filter(user=staff, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other_staff, read_at__isnull=True).exists()


# Events ---------------------------------------------------------------------------------------


@pytest.fixture
def cast():
    return Cast()


def kinds_of(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_an_opinion_asked_tells_the_departments_users(cast, django_capture_on_commit_callbacks):
    other_department = UserFactory(role="联审部门", department="police")
    colleague = UserFactory(role="联审部门", department="discipline")
    case = cast.at_district()
    # Told in the site's language, whatever the language of the page that took the step.
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        candidates.case_joint_review_open(
            actor=cast.district_reviewer, case=case, departments=["discipline"]
        )
    for user in (cast.department, colleague):
        notification = Notification.objects.get(user=user)
        assert notification.kind == Kind.OPINION_ASSIGNED
        assert notification.url == reverse("vetting:case_detail", args=[case.pk])
        assert case.name in notification.message
        assert "联审意见" in notification.message
    assert kinds_of(other_department) == []
    assert kinds_of(cast.staff) == []


def test_nothing_is_told_of_a_step_rolled_back(cast, django_capture_on_commit_callbacks):
    case = cast.at_district()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        candidates.case_joint_review_open(
            actor=cast.district_reviewer, case=case, departments=["discipline"]
        )
        transaction.set_rollback(True)
    assert not Notification.objects.exists()


def test_a_case_returned_tells_the_nominating_township(
    cast, other_staff, django_capture_on_commit_callbacks
):
    case = cast.at_district()
    with django_capture_on_commit_callbacks(execute=True):
        candidates.case_return(actor=cast.district_reviewer, case=case, note="请补充配偶信息")
    mine = Notification.objects.get(user=cast.staff)
    assert mine.kind == Kind.CASE_RETURNED
    assert "退回修改" in mine.message
    assert "请补充配偶信息" in mine.message
    assert kinds_of(cast.township_reviewer) == [Kind.CASE_RETURNED]
    assert kinds_of(other_staff) == []
    assert kinds_of(cast.district_reviewer) == []  # who returned it
    # Revised, submitted and returned again: a second message.
    candidates.case_submit(actor=cast.staff, case=case)
    with django_capture_on_commit_callbacks(execute=True):
        candidates.case_return(actor=cast.township_reviewer, case=case, note="材料不全")
    assert kinds_of(cast.staff) == [Kind.CASE_RETURNED, Kind.CASE_RETURNED]
    assert kinds_of(cast.township_reviewer) == [Kind.CASE_RETURNED]


def test_a_case_approved_or_rejected_tells_the_township(
    cast, other_staff, django_capture_on_commit_callbacks
):
    approved = cast.ready()
    with django_capture_on_commit_callbacks(execute=True):
        candidates.case_approve(actor=cast.district_reviewer, case=approved)
    message = Notification.objects.get(user=cast.staff, kind=Kind.CASE_DECIDED).message
    assert approved.name in message
    assert "通过" in message
    rejected = cast.at_district()
    with django_capture_on_commit_callbacks(execute=True):
        candidates.case_reject(actor=cast.district_reviewer, case=rejected, reason="群众反映较差")
    rejection = Notification.objects.filter(user=cast.staff, kind=Kind.CASE_DECIDED).first()
    assert "未通过" in rejection.message
    assert "群众反映较差" in rejection.message
    assert (
        Notification.objects.filter(user=cast.township_reviewer, kind=Kind.CASE_DECIDED).count()
        == 2
    )
    assert kinds_of(other_staff) == []
    assert CandidateCase.objects.get(pk=approved.pk).state == CandidateCase.State.APPROVED


def make_red(person) -> None:
    MisconductCaseFactory(person=person, village=person.posts.get().village)


def test_a_light_turned_red_tells_the_township_and_the_district(
    staff,
    other_staff,
    township_reviewer,
    district_reviewer,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    sent = []
    monkeypatch.setattr(warnings, "task_send", lambda name, *args: sent.append((name, args)))
    mine = cadre(name="李红灯")
    theirs = cadre(VillageFactory(township=township(HUANTONG)), name="王红灯")
    quiet = cadre()
    before = timezone.now()
    make_red(mine)
    make_red(theirs)
    with django_capture_on_commit_callbacks(execute=True):
        warnings.lights_refresh()
    assert WarningLight.objects.get(person=mine).light == Light.RED
    assert sent == [(warnings.LIGHTS_RED_TASK, (sent[0][1][0],))]
    notifications.lights_red_notify(since=dt.datetime.fromisoformat(sent[0][1][0]))
    [told] = Notification.objects.filter(user=staff)
    place = f"金厂镇{mine.posts.get().village.name}"
    assert told.message.startswith(f"{mine.name}（{place}）的预警灯变为红灯：负面行为案件未结")
    assert Notification.objects.get(user=staff).url.endswith(f"/cadres/{mine.pk}/#warning-light")
    assert kinds_of(township_reviewer) == [Kind.LIGHT_RED]
    assert [n.message[:3] for n in Notification.objects.filter(user=other_staff)] == ["王红灯"]
    assert sorted(n.message[:3] for n in Notification.objects.filter(user=district_reviewer)) == [
        "李红灯",
        "王红灯",
    ]
    assert not Notification.objects.filter(message__contains=quiet.name).exists()
    # Told once, however often the task runs; a light red already is not red again.
    notifications.lights_red_notify(since=before)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        warnings.lights_refresh()
    assert sent == []
    assert Notification.objects.filter(user=district_reviewer).count() == 2


# E-mail ---------------------------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    """SMTP configured; pytest-django's locmem backend keeps the messages in mail.outbox."""
    settings.EMAIL_HOST = SMTP
    settings.SITE_URL = "https://cadres.example.org"
    return settings


def with_address(user, address: str):
    user.email = address
    user.save(update_fields=["email"])
    return user


def asked(cast, *, due_on=None) -> DepartmentOpinion:
    case = cast.at_district()
    candidates.case_joint_review_open(
        actor=cast.district_reviewer, case=case, departments=["discipline"], due_on=due_on
    )
    return case.opinions.get()


def test_smtp_is_off_by_default(cast, settings, django_capture_on_commit_callbacks):
    assert settings.EMAIL_HOST == ""
    with_address(cast.department, "jw@example.org")
    with_address(cast.staff, "staff@example.org")
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        opinion = asked(cast, due_on=today + dt.timedelta(days=1))
    add(cast.staff)
    assert notifications.opinion_assigned_mail(opinion_ids=[opinion.pk]) == {
        "sent": 0,
        "failed": 0,
    }
    assert notifications.reminders_send(today=today)["mail"] is False
    assert mail.outbox == []
    assert not EmailSent.objects.exists()
    # The bell is told all the same.
    assert set(kinds_of(cast.department)) == {Kind.OPINION_ASSIGNED, Kind.OPINION_DUE}


def test_the_department_is_mailed_once_when_asked(
    cast, smtp, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(notifications, "task_send", lambda name, *args: sent.append((name, args)))
    with_address(cast.department, "jw@example.org")
    UserFactory(role="联审部门", department="discipline")  # no address: no e-mail
    with django_capture_on_commit_callbacks(execute=True):
        opinion = asked(cast)
    assert sent == [(notifications.OPINION_MAIL_TASK, ([opinion.pk],))]
    tasks.opinion_assigned_mail(*sent[0][1])
    tasks.opinion_assigned_mail(*sent[0][1])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["jw@example.org"]
    assert "联审" in message.subject
    assert "意见" in message.subject
    assert opinion.case.name in message.body
    assert f"https://cadres.example.org/vetting/candidates/{opinion.case_id}/" in message.body
    # The daily run catches up nothing: it was sent.
    notifications.reminders_send()
    assert [
        m.subject for m in mail.outbox if "明天" not in m.subject and "摘要" not in m.subject
    ] == [message.subject]


def test_an_opinion_due_tomorrow_is_mailed_the_day_before_once(cast, smtp):
    with_address(cast.department, "jw@example.org")
    today = timezone.localdate()
    due = asked(cast, due_on=today + dt.timedelta(days=1))
    later = asked(cast, due_on=today + dt.timedelta(days=3))
    given = asked(cast, due_on=today + dt.timedelta(days=1))
    candidates.case_opinion_give(actor=cast.department, case=given.case, verdict="agree")
    EmailSent.objects.all().delete()  # the e-mails of the asking are not what this tests
    tasks.reminders_daily()
    tasks.reminders_daily()
    due_mails = [m for m in mail.outbox if "明天" in m.subject]
    assert len(due_mails) == 1
    assert due.case.name in due_mails[0].body
    assert later.case.name not in due_mails[0].body
    assert given.case.name not in due_mails[0].body
    assert EmailSent.objects.filter(kind=EmailSent.Kind.OPINION_DUE).count() == 1
    # The day before the later one: its own reminder.
    notifications.reminders_send(today=today + dt.timedelta(days=2))
    due_mails = [m for m in mail.outbox if "明天" in m.subject]
    assert len(due_mails) == 2
    assert later.case.name in due_mails[1].body


def test_the_digest_covers_only_what_is_new(staff, other_staff, smtp):
    with_address(staff, "staff@example.org")
    today = timezone.localdate()
    assert notifications.digests_send(today=today) == {"sent": 0, "failed": 0}  # nothing new
    assert not EmailSent.objects.exists()
    add(staff, 2)
    add(other_staff)  # no address
    notifications.digests_send(today=today)
    notifications.digests_send(today=today)
    assert len(mail.outbox) == 1
    assert "第0项待办已逾期" in mail.outbox[0].body
    assert "第1项待办已逾期" in mail.outbox[0].body
    assert "https://cadres.example.org/cadres/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["staff@example.org"]
    tomorrow = today + dt.timedelta(days=1)
    notifications.digests_send(today=tomorrow)
    assert len(mail.outbox) == 1  # nothing new since
    add(staff)
    notifications.digests_send(today=tomorrow)
    assert len(mail.outbox) == 2
    assert "第3项待办已逾期" in mail.outbox[1].body
    assert "第0项待办已逾期" not in mail.outbox[1].body


def test_a_failed_send_is_not_recorded_and_goes_next_time(staff, smtp, monkeypatch):
    with_address(staff, "staff@example.org")
    add(staff)

    def refused(self, fail_silently=False):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refused)
    today = timezone.localdate()
    assert notifications.digests_send(today=today) == {"sent": 0, "failed": 1}
    assert not EmailSent.objects.exists()
    monkeypatch.undo()
    assert notifications.digests_send(today=today) == {"sent": 1, "failed": 0}
    assert EmailSent.objects.get().last_notification_id == Notification.objects.get().pk


def test_the_daily_task_run_twice_sends_once(cast, smtp):
    with_address(cast.department, "jw@example.org")
    with_address(cast.staff, "staff@example.org")
    today = timezone.localdate()
    asked(cast, due_on=today + dt.timedelta(days=1))
    add(cast.staff)
    first = tasks.reminders_daily()
    count = len(mail.outbox)
    second = tasks.reminders_daily()
    assert first["assigned"]["sent"] == 1
    assert first["due"]["sent"] == 1
    assert first["digest"]["sent"] == 2  # the department's bell has two, the staff's one
    assert second == {
        "mail": True,
        "overdue": 0,
        "assigned": {"sent": 0, "failed": 0},
        "due": {"sent": 0, "failed": 0},
        "digest": {"sent": 0, "failed": 0},
    }
    assert len(mail.outbox) == count == 4


def test_the_beat_runs_the_reminders_every_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reminders-daily"]
    assert entry["task"] == "dongchang.tasks.reminders_daily"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_one_digest(reference_data, smtp, monkeypatch):
    """The second run waits on the first's uncommitted row, then finds it sent."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks: a second writer fails with 'database is locked'")
    staff = with_address(UserFactory(role="乡镇工作人员", townships=["220502100"]), "s@example.org")
    add(staff)
    send = EmailMessage.send

    def slow(self, fail_silently=False):
        time.sleep(0.5)  # the other run reaches the row meanwhile
        return send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", slow)
    barrier = threading.Barrier(2)
    results = []

    def run():
        try:
            barrier.wait()
            results.append(notifications.digests_send(today=timezone.localdate()))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r["sent"] for r in results) == [0, 1]
    assert len(mail.outbox) == 1
    assert EmailSent.objects.count() == 1


def test_overdue_to_do_items_reach_the_bell_once_and_the_digest(staff, other_staff, smtp):
    today = timezone.localdate()
    record = SupervisionRecordFactory(
        village=VillageFactory(township=township(JINCHANG)),
        rectification="整改财务公开",
        rectification_deadline=today - dt.timedelta(days=3),
    )
    with_address(staff, "staff@example.org")
    first = notifications.reminders_send(today=today)
    assert first["overdue"] >= 1
    key = f"overdue:rectification_overdue:{record.pk}"
    (note,) = Notification.objects.filter(user=staff, key=key)
    assert note.kind == Kind.OVERDUE
    assert "逾期 3 天" in note.message
    assert "整改财务公开" in note.message
    assert not Notification.objects.filter(user=other_staff, kind=Kind.OVERDUE).exists()
    (digest,) = [m for m in mail.outbox if m.to == ["staff@example.org"]]
    assert "整改财务公开" in digest.body
    # The next day the item is still overdue: no second notification, no second digest line.
    mail.outbox.clear()
    second = notifications.reminders_send(today=today + dt.timedelta(days=1))
    assert second["overdue"] == 0
    assert Notification.objects.filter(user=staff, key=key).count() == 1
    assert [m for m in mail.outbox if m.to == ["staff@example.org"]] == []
