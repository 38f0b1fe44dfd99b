"""Reminders (提醒): the bell's notifications, and the e-mails that tell users of them.

**Notifications.** ``notification_add`` is the one way in for one message: idempotent on
(user, key), so that whoever reports an event (a signal's receiver, a to-do item found
overdue on two days) may report it again. The events of the apps below arrive as their
signals (vetting.signals) and dongchang's own (a light turned red); their receivers
(dongchang.receivers) call the ``*_notify`` functions here on commit, each set-wise: one
query for the recipients of any number of cases, opinions or cadres.

**E-mails** go out only when SMTP is configured (``DJANGO_EMAIL_HOST``); without a host
nothing is sent and nothing is recorded as sent. Each send is recorded as an ``EmailSent``
row (unique per user, kind and key) created in the transaction that sends it: a repeated
or concurrent run finds the row (or waits for it) and sends nothing, and a failed send rolls
the row back, so the next run tries again. A department user is told once when an opinion
is asked of their department (on commit, by a task) and once the day before it is due
(Asia/Shanghai dates); every user with an address gets a daily digest of the notifications
added since their last digest, and nothing when there is nothing new. Both run in the daily
beat task ``dongchang.tasks.reminders_daily``.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from cadres.choices import Light
from cadres.jobs import task_send
from cadres.models import Post
from cadres.scoping import township_user_ids
from dongchang.accounts.roles import Role
from dongchang.models import EmailSent, Notification, WarningLightChange, WarningRule
from dongchang.todo import items_for, kind_label
from vetting.models import CandidateCase, DepartmentOpinion

logger = logging.getLogger(__name__)

Kind = Notification.Kind
OPINION_MAIL_TASK = "dongchang.tasks.opinion_assigned_mail"
# Who hears of a township's cases and cadres: its staff and its reviewers.
TOWNSHIP_ROLES = (Role.TOWNSHIP_STAFF, Role.TOWNSHIP_REVIEWER)
# A first digest covers the notifications of the day before it.
FIRST_DIGEST = dt.timedelta(days=1)
BATCH = 1000
MESSAGE_MAX = Notification._meta.get_field("message").max_length


# Reading ---------------------------------------------------------------------------------


def notifications_of(user) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    return Notification.objects.filter(user=user)


def unread_count(user) -> int:
    """The bell's number: one count on the partial index of unread notifications."""
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


# Writing ---------------------------------------------------------------------------------


def _stored(message) -> str:
    """A message as stored: in the site's language, whoever's request or task adds it."""
    with translation.override(settings.LANGUAGE_CODE):
        text = str(message)
    return Truncator(text).chars(MESSAGE_MAX)


def _in_site_language(function):
    """Messages are stored in the site's language, whatever the language of the request or
    the worker that tells them."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return function(*args, **kwargs)

    return wrapper


def notification_add(*, user, key: str, kind: str, message, url: str = "") -> bool:
    """Add ``message`` to ``user``'s bell unless a notification with ``key`` is already
    there (read or not); returns whether it was new."""
    if kind not in Kind.values:
        raise ValueError(f"unknown kind of notification: {kind!r}")
    _row, created = Notification.objects.get_or_create(
        user=user, key=key, defaults={"kind": kind, "message": _stored(message), "url": url}
    )
    return created


def _add_many(rows: Iterable[Notification]) -> None:
    """Many notifications at once; those whose (user, key) exists already are skipped."""
    Notification.objects.bulk_create(list(rows), batch_size=BATCH, ignore_conflicts=True)


def notification_read(*, user, notification: Notification) -> Notification:
    """Mark one of the user's own notifications read (again: nothing changes)."""
    if notification.user_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user) -> int:
    """Mark every unread notification of the user read; returns how many."""
    now = timezone.now()
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=now, updated_at=now
    )


# Recipients ------------------------------------------------------------------------------


def _active_users() -> QuerySet:
    return get_user_model().objects.filter(is_active=True)


def _with_role(user_ids: Iterable[int], roles: Iterable[str]) -> set[int]:
    users = _active_users().filter(pk__in=list(user_ids), groups__name__in=list(roles))
    return set(users.values_list("pk", flat=True))


def _township_people(township_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per township, its active staff and reviewers (three queries for any number)."""
    granted = township_user_ids(set(township_ids))
    keep = _with_role(set().union(*granted.values()), TOWNSHIP_ROLES) if granted else set()
    return {township: users & keep for township, users in granted.items()}


def _department_people(departments: Iterable[str]) -> dict[str, set[int]]:
    users = _active_users().filter(department__in=list(departments), groups__name=Role.DEPARTMENT)
    found: dict[str, set[int]] = defaultdict(set)
    for pk, department in users.values_list("pk", "department").distinct():
        found[department].add(pk)
    return found


def _district_reviewers() -> set[int]:
    users = _active_users().filter(groups__name=Role.DISTRICT_REVIEWER)
    return set(users.values_list("pk", flat=True))


# Events ----------------------------------------------------------------------------------


def _case_label(case: CandidateCase) -> dict:
    return {
        "name": case.name,
        "village": f"{case.village.township.name}{case.village.name}",
        "title": case.get_title_display(),
    }


def _case_url(case_id: int) -> str:
    return reverse("vetting:case_detail", args=[case_id])


def _pending_opinions(opinion_ids: Iterable[int]) -> QuerySet[DepartmentOpinion]:
    return DepartmentOpinion.objects.filter(
        pk__in=list(opinion_ids), verdict=DepartmentOpinion.Verdict.PENDING
    ).select_related("case__village__township")


@_in_site_language
def opinions_requested_notify(*, opinion_ids: Iterable[int]) -> int:
    """Tell each user of the departments asked that an opinion is awaited from them, and
    hand their e-mails to a task. Returns the notifications meant (some may exist)."""
    opinions = list(_pending_opinions(opinion_ids))
    people = _department_people({opinion.department for opinion in opinions})
    rows = []
    for opinion in opinions:
        message = _stored(
            _("Give your department's opinion on %(name)s (%(village)s, %(title)s) by %(date)s.")
            % {**_case_label(opinion.case), "date": opinion.due_on.isoformat()}
        )
        for user_id in people.get(opinion.department, ()):
            rows.append(
                Notification(
                    user_id=user_id,
                    kind=Kind.OPINION_ASSIGNED,
                    key=f"opinion:{opinion.pk}",
                    message=message,
                    url=_case_url(opinion.case_id),
                )
            )
    _add_many(rows)
    if rows and mail_enabled():
        task_send(OPINION_MAIL_TASK, sorted(opinion.pk for opinion in opinions))
    return len(rows)


@_in_site_language
def _township_case_notify(*, case_id: int, actor_id: int | None, kind: str, verb: str, message):
    """Tell the case's township (its staff and reviewers, and the nominator) of the case's
    latest ``verb``, except whoever took the step; ``message(case, step)`` is the text."""
    case = CandidateCase.objects.select_related("village__township").filter(pk=case_id).first()
    step = case and case.transitions.filter(verb=verb).order_by("-pk").first()
    if step is None:
        return 0
    township = case.village.township_id
    users = _township_people([township])[township] | _with_active([case.nominated_by_id])
    users -= {actor_id}
    text = _stored(message(case, step))
    _add_many(
        Notification(
            user_id=user_id,
            kind=kind,
            key=f"{kind}:{step.pk}",
            message=text,
            url=_case_url(case.pk),
        )
        for user_id in users
    )
    return len(users)


def _with_active(user_ids: Iterable[int]) -> set[int]:
    return set(_active_users().filter(pk__in=list(user_ids)).values_list("pk", flat=True))


def _short(text: str) -> str:
    return Truncator(text or "").chars(120)


def case_returned_notify(*, case_id: int, actor_id: int | None) -> int:
    """Tell the nominating township that a case came back for revision, and what to revise."""
    return _township_case_notify(
        case_id=case_id,
        actor_id=actor_id,
        kind=Kind.CASE_RETURNED,
        verb="return",
        message=lambda case, step: (
            _("The case of %(name)s (%(village)s, %(title)s) was returned for revision: %(note)s")
            % {**_case_label(case), "note": _short(step.note)}
        ),
    )


def case_decided_notify(*, case_id: int, actor_id: int | None) -> int:
    """Tell the nominating township that a case was approved or rejected."""

    def message(case: CandidateCase, step) -> str:
        if case.state == CandidateCase.State.APPROVED:
            return _("The case of %(name)s (%(village)s, %(title)s) was approved.") % _case_label(
                case
            )
        return _("The case of %(name)s (%(village)s, %(title)s) was rejected: %(reason)s") % {
            **_case_label(case),
            "reason": _short(case.decision_reason),
        }

    state = CandidateCase.objects.filter(pk=case_id).values_list("state", flat=True).first()
    verb = "approve" if state == CandidateCase.State.APPROVED else "reject"
    return _township_case_notify(
        case_id=case_id, actor_id=actor_id, kind=Kind.CASE_DECIDED, verb=verb, message=message
    )


@_in_site_language
def lights_red_notify(*, since: dt.datetime) -> int:
    """Tell the township's staff and reviewers, and the district reviewers, of every cadre
    whose light turned red at or after ``since``; a change told once (keyed by its id)."""
    changes = list(
        WarningLightChange.objects.filter(at__gte=since, light_to=Light.RED)
        .exclude(light_from=Light.RED)
        .values_list("pk", "person_id", "person__name", "reasons_to")
        .order_by("pk")
    )
    reviewers = _district_reviewers()
    labels = dict(WarningRule.Code.choices)
    added = 0
    for start in range(0, len(changes), BATCH):
        chunk = changes[start : start + BATCH]
        places: dict[int, list[tuple[int, str]]] = defaultdict(list)
        serving = Post.objects.serving(timezone.localdate()).filter(
            person_id__in=[person_id for _pk, person_id, _n, _r in chunk]
        )
        for person_id, township, township_name, village in serving.values_list(
            "person_id", "village__township_id", "village__township__name", "village__name"
        ).distinct():
            places[person_id].append((township, f"{township_name}{village}"))
        staff = _township_people({t for found in places.values() for t, _p in found})
        rows = []
        for pk, person_id, name, reasons in chunk:
            message = _stored(
                _("The warning light of %(name)s (%(place)s) turned red: %(reasons)s")
                % {
                    "name": name,
                    "place": "、".join(place for _t, place in places[person_id]),
                    "reasons": "、".join(str(labels.get(code, code)) for code in reasons),
                }
            )
            users = set(reviewers)
            for township, _place in places[person_id]:
                users |= staff.get(township, set())
            url = reverse("cadres:detail", args=[person_id]) + "#warning-light"
            rows += [
                Notification(
                    user_id=user_id,
                    kind=Kind.LIGHT_RED,
                    key=f"light_red:{pk}",
                    message=message,
                    url=url,
                )
                for user_id in users
            ]
        _add_many(rows)
        added += len(rows)
    return added


def overdue_notify(*, today: dt.date) -> int:
    """Every to-do item overdue today into its user's bell, each item once (keyed by the
    to-do centre's stable item key), so that a digest carries what became overdue."""
    rows = []
    for user in _active_users():
        for item in items_for(user, today):
            if not item.overdue:
                continue
            message = _stored(
                _("%(kind)s, overdue by %(days)s days: %(item)s")
                % {
                    "kind": kind_label(item.kind),
                    "days": item.days_overdue,
                    "item": item.label,
                }
            )
            rows.append(
                Notification(
                    user=user,
                    kind=Kind.OVERDUE,
                    key=f"overdue:{item.key}",
                    message=message,
                    url=item.url,
                )
            )
    before = Notification.objects.filter(kind=Kind.OVERDUE).count()
    _add_many(rows)
    return Notification.objects.filter(kind=Kind.OVERDUE).count() - before


# E-mail ----------------------------------------------------------------------------------


def mail_enabled() -> bool:
    """Whether SMTP is configured: without a host, nothing is sent or recorded as sent."""
    return bool(settings.EMAIL_HOST)


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _email(user, template: str, context: dict) -> EmailMessage:
    """A message to ``user`` from templates/dongchang/emails/<template>_subject.txt and .txt,
    in the site's language."""
    context = {"user": user, "site_url": settings.SITE_URL.rstrip("/"), **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"dongchang/emails/{template}_subject.txt", context)
        body = render_to_string(f"dongchang/emails/{template}.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
    )


Build = Callable[[list[str]], tuple[EmailMessage, dict] | None]


def _send_once(*, user, kind: str, keys: Iterable[str], build: Build) -> bool:
    """Send what ``build`` makes of the ``keys`` not sent to ``user`` yet, recording them in
    the same transaction: concurrent runs wait for each other's rows, and a failed send (an
    exception) rolls its rows back. ``build`` returns the message and the fields to store on
    the rows, or None for nothing to send. Returns whether a message was sent."""
    with transaction.atomic():
        fresh = [
            key for key in keys if EmailSent.objects.get_or_create(user=user, kind=kind, key=key)[1]
        ]
        if not fresh:
            return False
        built = build(fresh)
        if built is None:
            transaction.set_rollback(True)
            return False
        message, fields = built
        message.send()
        if fields:
            EmailSent.objects.filter(user=user, kind=kind, key__in=fresh).update(**fields)
    return True


def _send_safely(**kwargs) -> bool | None:
    """``_send_once``, a failure logged and counted (None) so that one address that the
    server refuses does not stop the others."""
    try:
        return _send_once(**kwargs)
    except Exception:
        logger.exception("e-mail to user %s not sent", kwargs["user"].pk)
        return None


def _mail_users(user_ids: Iterable[int] | None = None) -> dict[int, object]:
    """The active users with an address (of ``user_ids``; every one by default)."""
    users = _active_users().exclude(email="")
    if user_ids is not None:
        users = users.filter(pk__in=list(user_ids))
    return {user.pk: user for user in users.order_by("pk")}


def _opinion_mails(opinions: list[DepartmentOpinion], kind: str, template: str) -> dict:
    """E-mail each department user with an address of the ``opinions``, the ones not sent
    to them yet, all of them in one message per user."""
    people = _department_people({opinion.department for opinion in opinions})
    users = _mail_users(set().union(*people.values()) if people else set())
    sent = set(
        EmailSent.objects.filter(
            kind=kind,
            user_id__in=list(users),
            key__in=[f"opinion:{opinion.pk}" for opinion in opinions],
        ).values_list("user_id", "key")
    )
    mine: dict[int, list[DepartmentOpinion]] = defaultdict(list)
    for opinion in opinions:
        for user_id in people.get(opinion.department, ()):
            if user_id in users and (user_id, f"opinion:{opinion.pk}") not in sent:
                mine[user_id].append(opinion)
    counts = {"sent": 0, "failed": 0}
    for user_id, theirs in mine.items():
        user = users[user_id]
        by_key = {f"opinion:{opinion.pk}": opinion for opinion in theirs}

        def build(fresh: list[str], user=user, by_key=by_key):
            items = [
                {
                    **_case_label(by_key[key].case),
                    "due_on": by_key[key].due_on,
                    "url": _absolute(_case_url(by_key[key].case_id)),
                }
                for key in fresh
            ]
            return _email(user, template, {"items": items}), {}

        result = _send_safely(user=user, kind=kind, keys=list(by_key), build=build)
        if result is not None:
            counts["sent"] += result
        else:
            counts["failed"] += 1
    return counts


def opinion_assigned_mail(*, opinion_ids: Iterable[int]) -> dict:
    """E-mail the users of the departments asked for these opinions (still awaited)."""
    if not mail_enabled():
        return {"sent": 0, "failed": 0}
    return _opinion_mails(
        list(_pending_opinions(opinion_ids)), EmailSent.Kind.OPINION_ASSIGNED, "opinion_assigned"
    )


@_in_site_language
def opinions_due_notify(*, today: dt.date) -> list[DepartmentOpinion]:
    """The opinions still awaited that are due tomorrow, each in its department users' bell."""
    due = list(
        DepartmentOpinion.objects.filter(
            verdict=DepartmentOpinion.Verdict.PENDING, due_on=today + dt.timedelta(days=1)
        ).select_related("case__village__township")
    )
    people = _department_people({opinion.department for opinion in due})
    _add_many(
        Notification(
            user_id=user_id,
            kind=Kind.OPINION_DUE,
            key=f"opinion_due:{opinion.pk}",
            message=_stored(
                _("Your opinion on %(name)s (%(village)s, %(title)s) is due tomorrow, %(date)s.")
                % {**_case_label(opinion.case), "date": opinion.due_on.isoformat()}
            ),
            url=_case_url(opinion.case_id),
        )
        for opinion in due
        for user_id in people.get(opinion.department, ())
    )
    return due


def digests_send(*, today: dt.date) -> dict:
    """Each user with an address: the notifications added since their last digest, in one
    e-mail keyed by ``today``; nothing new, no e-mail."""
    users = _mail_users()
    marks = dict(
        EmailSent.objects.filter(kind=EmailSent.Kind.DIGEST, user_id__in=list(users))
        .values("user_id")
        .annotate(mark=Max("last_notification_id"))
        .values_list("user_id", "mark")
    )
    first_since = timezone.now() - FIRST_DIGEST
    counts = {"sent": 0, "failed": 0}
    for user_id, user in users.items():
        new = Notification.objects.filter(user_id=user_id).order_by("pk")
        mark = marks.get(user_id)
        new = (
            new.filter(pk__gt=mark) if mark is not None else new.filter(created_at__gte=first_since)
        )

        def build(fresh: list[str], user=user, new=new):
            items = list(new)
            if not items:
                return None
            for item in items:
                item.absolute_url = _absolute(item.url)
            message = _email(user, "digest", {"items": items, "today": today})
            return message, {"last_notification_id": items[-1].pk}

        result = _send_safely(
            user=user, kind=EmailSent.Kind.DIGEST, keys=[today.isoformat()], build=build
        )
        if result is not None:
            counts["sent"] += result
        else:
            counts["failed"] += 1
    return counts


def reminders_send(*, today: dt.date | None = None) -> dict:
    """The daily run (beat): tomorrow's due opinions into the bell; with SMTP configured,
    the e-mails of opinions asked and not yet mailed (a task lost with the broker), of those
    due tomorrow, and every user's digest. Safe to run again: nothing is sent twice."""
    today = today or timezone.localdate()
    due = opinions_due_notify(today=today)
    overdue = overdue_notify(today=today)
    if not mail_enabled():
        return {"mail": False, "overdue": overdue}
    awaited = list(
        DepartmentOpinion.objects.filter(
            verdict=DepartmentOpinion.Verdict.PENDING, due_on__gte=today
        ).select_related("case__village__township")
    )
    return {
        "mail": True,
        "overdue": overdue,
        "assigned": _opinion_mails(awaited, EmailSent.Kind.OPINION_ASSIGNED, "opinion_assigned"),
        "due": _opinion_mails(due, EmailSent.Kind.OPINION_DUE, "opinion_due"),
        "digest": digests_send(today=today),
    }
