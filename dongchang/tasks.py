import datetime as dt

from celery import shared_task
from django.core import management
from django.utils import timezone

from dongchang import notifications, warnings
from dongchang.reports import Month
from dongchang.services import monthly_report_start


@shared_task
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")


@shared_task
def monthly_report_scheduled() -> None:
    """Beat, on the 1st: the month before today (Asia/Shanghai), built as a job."""
    monthly_report_start(month=Month.previous(timezone.localdate()))


@shared_task
def warning_lights_nightly() -> None:
    """Beat, nightly (and after the rules change): every serving cadre's warning light."""
    warnings.lights_refresh()


@shared_task(name=warnings.REFRESH_TASK)
def warning_lights_refresh(person_ids: list[int]) -> None:
    """The lights of the people whose records a committed transaction changed."""
    warnings.lights_refresh(person_ids=person_ids)


@shared_task(name=warnings.LIGHTS_RED_TASK)
def lights_red_notify(since: str) -> None:
    """The cadres whose light a committed refresh turned red, told to whom it concerns."""
    notifications.lights_red_notify(since=dt.datetime.fromisoformat(since))


@shared_task(name=notifications.OPINION_MAIL_TASK)
def opinion_assigned_mail(opinion_ids: list[int]) -> None:
    """The e-mails of the departments just asked for these opinions."""
    notifications.opinion_assigned_mail(opinion_ids=opinion_ids)


@shared_task
def reminders_daily() -> dict:
    """Beat, every morning (Asia/Shanghai): opinions due tomorrow, and the e-mails."""
    return notifications.reminders_send()
