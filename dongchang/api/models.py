"""The read-only API's client systems, their tokens and the log of their calls (issue 24)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.models import TimeStampedModel, Township


class Scope(models.TextChoices):
    """What a client may read: one scope per resource, and the full ID numbers."""

    CADRES = "cadres", _("Cadres and their posts")
    CHANGES = "changes", _("Changes since a cursor")
    HITS = "hits", _("Screening hits")
    CASES = "cases", _("Candidate cases")
    STRUCTURE = "structure", _("Team structure")
    WARNINGS = "warnings", _("Warning lights")
    REVEAL = "reveal", _("Full ID numbers")


class ApiClient(TimeStampedModel):
    """An external system that reads through the API (the province's register, the
    discipline commission's platform …): not a person. Its townships replace a user's."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
        help_text=_("The person answerable for the system; the access log names them."),
    )
    all_townships = models.BooleanField(_("all townships"), default=False)
    townships = models.ManyToManyField(
        Township, blank=True, related_name="+", verbose_name=_("townships")
    )
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(m2m_fields=[townships])

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.active and (self.expires_at is None or self.expires_at > now)


class ApiToken(models.Model):
    """A client's secret: shown once, stored as its SHA-256; found by its first characters."""

    client = models.ForeignKey(
        ApiClient, models.CASCADE, related_name="tokens", verbose_name=_("API client")
    )
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    digest = models.CharField(_("SHA-256 of the token"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revoked by"),
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        ordering = ["client", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_by__isnull=False),
                name="apitoken_revoked_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.prefix}…"


class ApiCallLog(models.Model):
    """One call of the API: who, what, with which parameters (ID numbers masked), how many
    rows came back. Append-only; the reveals of full ID numbers go to the access log too."""

    at = models.DateTimeField(_("time"))
    client = models.ForeignKey(
        ApiClient, models.PROTECT, related_name="calls", verbose_name=_("API client")
    )
    token = models.ForeignKey(
        ApiToken, models.PROTECT, related_name="calls", verbose_name=_("API token")
    )
    method = models.CharField(_("method"), max_length=8)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    params = models.JSONField(_("parameters"), default=dict)
    status = models.PositiveSmallIntegerField(_("HTTP status"))
    count = models.PositiveIntegerField(_("rows returned"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("API call")
        verbose_name_plural = _("API calls")
        default_permissions = ("view",)
        indexes = [
            # A client's calls, newest first (the admin's filter).
            models.Index(fields=["client", "-at"], name="apicalllog_client_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.client} {self.endpoint}"
