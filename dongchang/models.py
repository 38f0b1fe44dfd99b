from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cadres.models import TimeStampedModel


def _report_path(instance, filename: str) -> str:
    return f"reports/monthly/{instance.month:%Y-%m}.xlsx"


class MonthlyReport(TimeStampedModel):
    """The monthly workbook for the organization department: one row and one file per month."""

    month = models.DateField(_("month"), help_text=_("The first day of the month covered."))
    file = models.FileField(_("file"), upload_to=_report_path, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("built by"),
        help_text=_("Empty when the monthly schedule built it."),
    )
    row_counts = models.JSONField(_("rows per sheet"), default=dict, blank=True)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [
            models.UniqueConstraint(fields=["month"], name="monthlyreport_one_per_month"),
            models.CheckConstraint(
                condition=models.Q(month__day=1), name="monthlyreport_month_is_first_day"
            ),
        ]
        permissions = [("build_monthlyreport", _("Can build a monthly report"))]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
