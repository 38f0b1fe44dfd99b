"""Training: sessions, rounds of rotational training (轮训), rosters and attendance, daily study.

A session or a round is organized either by the district (``organizer`` empty) or
by one township. Who sees which is decided in ``training.selectors``: district
sessions reach every township they are scoped to, township sessions only their own.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.models import Person, Post, StoredDocument, TimeStampedModel, Township, Village


class Round(TimeStampedModel):
    """A round of rotational training: sessions that together must reach a target population."""

    # Township rounds belong to their organizer; district rounds (no organizer) are
    # added for everyone by training.selectors.rounds_for.
    township_lookup = "organizer"

    title = models.CharField(_("round title"), max_length=200)
    organizer = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="training_rounds",
        verbose_name=_("organizer"),
        help_text=_("Empty when the district organizes the round."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    target_townships = models.ManyToManyField(
        Township,
        blank=True,
        related_name="+",
        verbose_name=_("target townships"),
        help_text=_("None chosen: every township."),
    )
    # Lists of cadres.models.Post.Body / Post.Title values; empty means any.
    target_bodies = models.JSONField(_("target bodies"), default=list, blank=True)
    target_titles = models.JSONField(_("target titles"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords(m2m_fields=[target_townships])

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("training round")
        verbose_name_plural = _("training rounds")

    def __str__(self) -> str:
        return self.title

    def get_target_bodies_display(self) -> list[str]:
        return [str(Post.Body(value).label) for value in self.target_bodies]

    def get_target_titles_display(self) -> list[str]:
        return [str(Post.Title(value).label) for value in self.target_titles]


class Session(TimeStampedModel):
    """One training event: a class, a lecture, an online course."""

    class Kind(models.TextChoices):
        CENTRALIZED = "centralized", _("Centralized training")
        THEMATIC = "thematic", _("Thematic training")
        AFTER_MEETING = "after_meeting", _("Business training after a meeting")
        DAILY = "daily", _("Daily study")
        ONLINE = "online", _("Online study")

    class Reach(models.TextChoices):
        DISTRICT = "district", _("Whole district")
        TOWNSHIPS = "townships", _("Selected townships")

    # Township sessions belong to their organizer; district sessions reach the
    # townships of their scope (or all): training.selectors.sessions_for adds them.
    township_lookup = "organizer"

    title = models.CharField(_("session title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    organizer = models.ForeignKey(
        Township,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="training_sessions",
        verbose_name=_("organizer"),
        help_text=_("Empty when the district organizes the session."),
    )
    round = models.ForeignKey(
        Round,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("training round"),
    )
    lecturer = models.CharField(_("lecturer"), max_length=100, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    hours = models.DecimalField(
        _("credited hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    topics = models.TextField(_("topics"), blank=True)
    reach = models.CharField(
        _("scope"), max_length=12, choices=Reach.choices, default=Reach.DISTRICT
    )
    townships = models.ManyToManyField(
        Township,
        blank=True,
        related_name="+",
        verbose_name=_("townships in scope"),
    )

    history = HistoricalRecords(m2m_fields=[townships])

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        permissions = [
            ("organize_district", _("Can organize district-wide training")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=F("starts_at")), name="session_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="session_hours_positive"),
        ]
        indexes = [
            # Session lists and yearly coverage: sessions by start, newest first.
            models.Index(fields=["starts_at"], name="session_starts_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def district_organized(self) -> bool:
        return self.organizer_id is None


class Material(StoredDocument):
    """A handout or slide deck of a session, stored outside every public path."""

    township_lookup = "session__organizer"

    session = models.ForeignKey(
        Session, models.CASCADE, related_name="materials", verbose_name=_("training session")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["session", "original_name"]
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")


class Attendance(TimeStampedModel):
    """One person on one session's roster, and whether they came."""

    class Status(models.TextChoices):
        INVITED = "invited", _("Not yet marked")
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    # The village the person was invited as a cadre of: the roster row belongs to its township.
    township_lookup = "village__township"

    session = models.ForeignKey(
        Session, models.CASCADE, related_name="attendances", verbose_name=_("training session")
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="training_attendances", verbose_name=_("person")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="+", verbose_name=_("village")
    )
    status = models.CharField(
        _("attendance"), max_length=10, choices=Status.choices, default=Status.INVITED
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["village", "person__name_key", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="attendance_once_per_session"
            ),
        ]
        indexes = [
            # Coverage: a person's attended sessions ("who is trained", hours per person).
            models.Index(fields=["person", "status"], name="attendance_person_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.session}"


class DailyStudy(TimeStampedModel):
    """Individual study by one cadre, recorded by the township."""

    township_lookup = tuple(f"person__{lookup}" for lookup in Person.township_lookup)

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="daily_studies", verbose_name=_("person")
    )
    topic = models.CharField(_("topic"), max_length=200)
    studied_on = models.DateField(_("date"))
    hours = models.DecimalField(
        _("hours"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5"))],
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-studied_on", "-pk"]
        verbose_name = _("daily study record")
        verbose_name_plural = _("daily study records")
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="dailystudy_hours_positive"),
        ]
        indexes = [
            # Coverage: a person's study hours within a year.
            models.Index(fields=["person", "studied_on"], name="dailystudy_person_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.topic}"
