from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.dates import precision_field
from cadres.models import IdentityFields, ImportFile, TimeStampedModel


class WatchlistSource(TimeStampedModel):
    """One list as the district receives it, e.g. the discipline commission's sanctions list.

    A new import of the same source replaces the earlier version of the list.
    """

    class Kind(models.TextChoices):
        PARTY_DISCIPLINE = "party_discipline", _("Party disciplinary sanction")
        GOVERNMENT_SANCTION = "government_sanction", _("Government sanction")
        CRIMINAL = "criminal", _("Criminal penalty")
        GANG = "gang", _("Gang or organized crime involvement")
        OTHER_RECORD = "other_record", _("Other prior record or misconduct")

    name = models.CharField(_("source name"), max_length=100, unique=True)
    kind = models.CharField(_("list kind"), max_length=24, choices=Kind.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("watchlist")
        verbose_name_plural = _("watchlists")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_kind_display()}）"


class WatchlistImport(TimeStampedModel):
    """One imported version of a source's list, with the file it came from and its counts."""

    source = models.ForeignKey(
        WatchlistSource, models.PROTECT, related_name="imports", verbose_name=_("watchlist")
    )
    import_file = models.ForeignKey(
        ImportFile, models.PROTECT, related_name="+", verbose_name=_("imported file")
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    rows = models.PositiveIntegerField(_("rows read"), default=0)
    added = models.PositiveIntegerField(_("entries added"), default=0)
    changed = models.PositiveIntegerField(_("entries changed"), default=0)
    unchanged = models.PositiveIntegerField(_("entries unchanged"), default=0)
    retired = models.PositiveIntegerField(_("entries retired"), default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("watchlist import")
        verbose_name_plural = _("watchlist imports")
        permissions = [("import_watchlist", _("Can import watchlists"))]

    def __str__(self) -> str:
        return f"{self.source.name} {self.created_at:%Y-%m-%d %H:%M}"


class WatchlistEntry(IdentityFields, TimeStampedModel):
    """One person on a list, with what was decided about them.

    Entries are never deleted: one missing from a newer version of its source is
    retired (``active`` off), so the hits and decisions that refer to it remain.
    """

    # Every entry is written with every index: a list of 1,000,000 rows pays each one a
    # million times. So no index that another one's leading column already gives: the name
    # key leads (name key, birth date), the source leads the unique (source, row key).
    name_key = models.CharField(_("name key"), max_length=50, editable=False)
    source = models.ForeignKey(
        WatchlistSource,
        models.PROTECT,
        related_name="entries",
        db_index=False,
        verbose_name=_("watchlist"),
    )
    # What identifies the same row in the next version of the list (see services.watchlists).
    row_key = models.CharField(_("row key"), max_length=200, editable=False)
    measure = models.CharField(_("measure taken"), max_length=200, blank=True)
    deciding_body = models.CharField(_("deciding body"), max_length=200, blank=True)
    decided_on = models.DateField(_("decision date"), null=True, blank=True)
    decided_on_precision = precision_field(_("decision date known to"))
    description = models.TextField(_("short description"), blank=True)
    raw = models.JSONField(_("raw row"), default=dict, blank=True)
    # Columns of the file that the import does not know, kept at the importer's choice.
    extra = models.JSONField(_("kept columns"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # The import that added the entry or last changed what it is matched on: its
    # delta run screens exactly these entries.
    screen_import = models.ForeignKey(
        WatchlistImport,
        models.PROTECT,
        related_name="entries_to_screen",
        verbose_name=_("screened after import"),
    )

    class Meta:
        ordering = ["source", "name_key", "pk"]
        verbose_name = _("watchlist entry")
        verbose_name_plural = _("watchlist entries")
        constraints = [
            models.UniqueConstraint(fields=["source", "row_key"], name="entry_unique_row_key"),
            models.CheckConstraint(
                condition=Q(active=True, retired_at__isnull=True)
                | Q(active=False, retired_at__isnull=False),
                name="entry_retired_has_time",
            ),
        ]
        indexes = [
            # Strong match: equal normalized ID number. On PostgreSQL it also covers the id
            # and active flag (migration 0012), for index-only merge joins.
            models.Index(
                fields=["id_number"],
                condition=Q(id_number__isnull=False),
                name="entry_id_number_idx",
            ),
            # Probable match (name key plus birth date); name key alone where no birth date.
            models.Index(fields=["name_key", "birth_date"], name="entry_name_birth_idx"),
            # The same, for subjects with an ID number: only entries without one (engine).
            models.Index(
                fields=["name_key", "birth_date"],
                condition=Q(id_number__isnull=True),
                name="entry_anon_name_birth_idx",
            ),
        ]
        # Possible match, homophones: the rule compares pinyin and birth year, through the
        # (pinyin, birth year) indexes of migrations 0008 and 0009 on PostgreSQL. Possible
        # match, one character apart: the expression indexes of migration 0026.

    def __str__(self) -> str:
        return f"{self.name} · {self.source.name}"
