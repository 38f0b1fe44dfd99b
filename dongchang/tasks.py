from celery import shared_task
from django.core import management
from django.utils import timezone

from dongchang.reports import Month
from dongchang.services import monthly_report_start


@shared_task
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")


@shared_task
def monthly_report_scheduled() -> None:
    """Beat, on the 1st: the month before today (Asia/Shanghai), built as a job."""
    monthly_report_start(month=Month.previous(timezone.localdate()))
