from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TimeStampedModel(models.Model):
    """Base of every domain model: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Township(TimeStampedModel):
    """A subdistrict, town or township of Dongchang district: the unit of access."""

    class Kind(models.TextChoices):
        SUBDISTRICT = "subdistrict", _("Subdistrict")
        TOWN = "town", _("Town")
        TOWNSHIP = "township", _("Township")
        ZONE = "zone", _("Development zone")

    # Scoping helper: the lookup from this model to Township ("pk": itself).
    township_lookup = "pk"

    code = models.CharField(
        _("division code"),
        max_length=9,
        unique=True,
        validators=[RegexValidator(r"^\d{9}$", _("A township code has 9 digits."))],
    )
    name = models.CharField(_("name"), max_length=50, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("township")
        verbose_name_plural = _("townships")
        permissions = [
            ("access_township", _("Can work with the records of this township")),
            ("view_all_townships", _("Can see the records of every township")),
        ]

    def __str__(self) -> str:
        return self.name


class Village(TimeStampedModel):
    """An administrative village (its villagers' committee), under a township."""

    township_lookup = "township"

    township = models.ForeignKey(
        Township, models.PROTECT, related_name="villages", verbose_name=_("township")
    )
    code = models.CharField(
        _("division code"),
        max_length=12,
        unique=True,
        validators=[RegexValidator(r"^\d{12}$", _("A village code has 12 digits."))],
    )
    name = models.CharField(_("name"), max_length=50)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "name"], name="village_unique_name_in_township"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class VillagerGroup(TimeStampedModel):
    """A villager group (村民小组) inside a village."""

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.CASCADE, related_name="groups", verbose_name=_("village")
    )
    name = models.CharField(_("name"), max_length=50)
    number = models.PositiveSmallIntegerField(_("number"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["village", "number", "name"]
        verbose_name = _("villager group")
        verbose_name_plural = _("villager groups")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"], name="group_unique_name_in_village"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name}{self.name}"
