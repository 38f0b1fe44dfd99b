from celery import shared_task
from django.contrib.auth import get_user_model
from django.core import management
from django.utils import timezone

from dongchang.reports import Month
from dongchang.services import monthly_report_build


@shared_task
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")


@shared_task
def build_monthly_report(month: str | None = None, user_id: int | None = None) -> None:
    """Build a month's workbook; without a month, the month before today (Asia/Shanghai)."""
    target = Month.parse(month) if month else Month.previous(timezone.localdate())
    actor = get_user_model().objects.get(pk=user_id) if user_id else None
    monthly_report_build(month=target, actor=actor)
