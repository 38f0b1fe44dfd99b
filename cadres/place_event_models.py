"""Village mergers, splits and renames (撤并村、拆分、更名) as events with the document that
decided them. Written only by ``cadres.place_events``; imported by ``cadres.models`` so that
Django registers them in the ``cadres`` app."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cadres.models import StoredDocument, TimeStampedModel, Village


class PlaceEvent(TimeStampedModel):
    """One merger, split or rename of villages, from its effective day.

    The villages before and after are its ``places``; ``moved`` keeps what the event moved
    (serving posts restarted, villager groups and open records of each kind, with their ids
    and the village each went to), since records are moved set-wise without a history row
    of their own.
    """

    class Kind(models.TextChoices):
        MERGER = "merger", _("Merger of villages")
        SPLIT = "split", _("Split of a village")
        RENAME = "rename", _("Rename of a village")

    kind = models.CharField(_("kind of event"), max_length=10, choices=Kind.choices)
    effective_on = models.DateField(_("effective date"))
    document_number = models.CharField(_("document number"), max_length=100)
    document_title = models.CharField(_("document title"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    moved = models.JSONField(_("what was moved"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_on", "-pk"]
        verbose_name = _("village change")
        verbose_name_plural = _("village changes")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["merger", "split", "rename"]), name="placeevent_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_on} {self.get_kind_display()} {self.document_number}"


class PlaceEventVillage(models.Model):
    """A village before or after an event, with the name it had on that side (a rename's
    old and new name; the name resolution of past months reads the old ones)."""

    class Side(models.TextChoices):
        BEFORE = "before", pgettext_lazy("village change", "Before")
        AFTER = "after", pgettext_lazy("village change", "After")

    event = models.ForeignKey(
        PlaceEvent, models.CASCADE, related_name="places", verbose_name=_("village change")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="events", verbose_name=_("village")
    )
    side = models.CharField(_("side"), max_length=6, choices=Side.choices)
    name = models.CharField(_("name"), max_length=50)
    created = models.BooleanField(_("created by the event"), default=False)

    class Meta:
        ordering = ["event", "side", "pk"]
        verbose_name = _("village of a change")
        verbose_name_plural = _("villages of changes")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "village", "side"], name="placeeventvillage_once_per_side"
            ),
        ]
        indexes = [
            # The names of past months: the renames of each village after a day.
            models.Index(fields=["village", "side"], name="placeeventvillage_village_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class PlaceEventDocument(StoredDocument):
    """The scan of the document that decided an event (its 文号 is on the event)."""

    event = models.OneToOneField(
        PlaceEvent, models.CASCADE, related_name="document", verbose_name=_("village change")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("village change document")
        verbose_name_plural = _("village change documents")
