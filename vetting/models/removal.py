from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.models import Person, TimeStampedModel, Township
from vetting.models.screening import Hit


class RemovalCase(TimeStampedModel):
    """清退: opened by confirming a disqualifying hit on a serving cadre, or by a misconduct
    case (supervision) disposed of with removal; the district decides."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting decision")
        REMOVED = "removed", _("Removed from office")
        RETAINED = "retained", _("Not removed")

    class Source(models.TextChoices):
        HIT = "hit", _("Screening hit")
        MISCONDUCT = "misconduct", _("Misconduct case")

    township_lookup = "township"

    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.HIT
    )
    hit = models.OneToOneField(
        Hit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="removal_case",
        verbose_name=_("screening hit"),
    )
    # Vetting may not import supervision (DESIGN.md §2): the case is kept as its id and label.
    misconduct_case_id = models.PositiveIntegerField(
        _("misconduct case number"), null=True, blank=True
    )
    misconduct_case_label = models.CharField(_("misconduct case"), max_length=200, blank=True)
    reason = models.TextField(_("reason for removal"), blank=True)
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="removal_cases", verbose_name=_("cadre")
    )
    township = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("opened by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    # The version that made the hit one that removes.
    negative_list = models.ForeignKey(
        "vetting.NegativeList",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("negative list version applied"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("removal case")
        verbose_name_plural = _("removal cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", decided_by__isnull=True, decided_on__isnull=True)
                | ~Q(status="open")
                & Q(decided_by__isnull=False, decided_on__isnull=False)
                & ~Q(decision_reason=""),
                name="removal_decision_complete",
            ),
            models.CheckConstraint(
                condition=Q(source="hit", hit__isnull=False, misconduct_case_id__isnull=True)
                | Q(source="misconduct", hit__isnull=True, misconduct_case_id__isnull=False),
                name="removal_source_identified",
            ),
            models.UniqueConstraint(
                fields=["misconduct_case_id"],
                condition=Q(misconduct_case_id__isnull=False),
                name="removal_one_per_misconduct_case",
            ),
        ]
        indexes = [
            # The district's list of cases awaiting a decision.
            models.Index(fields=["status", "created_at"], name="removal_status_idx"),
        ]
        permissions = [("decide_removal", _("Can decide removal cases"))]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_status_display()}"
