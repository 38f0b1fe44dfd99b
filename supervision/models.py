"""监督约束: supervision records, audits, affairs disclosure and misconduct cases.

Every model is township-owned through its village; the 农业农村局 tier is the one
exception that district-wide users may also reach (see ``selectors.visible``).
"""

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cadres.choices import Department
from cadres.models import Person, Post, StoredDocument, TimeStampedModel, Village


def _disclosure_photo_path(instance, filename: str) -> str:
    # A random name: never the user's file name, never guessable from a URL. The suffix is
    # the one of the format Pillow found (services._checked_photo).
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"supervision/disclosures/{uuid.uuid4().hex}{suffix}"


class SupervisionRecord(TimeStampedModel):
    """One act of supervision over a village's cadres, by one of the three tiers."""

    class Tier(models.TextChoices):
        TOWNSHIP_COMMITTEE = "township_committee", _("Direct supervision by the township committee")
        SUPERVISION_COMMITTEE = (
            "supervision_committee",
            _("Specific supervision by the village affairs supervision committee"),
        )
        AGRICULTURE_BUREAU = (
            "agriculture_bureau",
            _("Auxiliary supervision by the agriculture and rural affairs bureau"),
        )

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("Inspection")
        INTERVIEW = "interview", _("Interview")
        COMPLAINT = "complaint", _("Complaint")
        PETITION = "petition", _("Petition")
        FINANCIAL_REVIEW = "financial_review", _("Financial review")
        OTHER = "other", _("Other")

    township_lookup = "village__township"

    tier = models.CharField(_("tier"), max_length=24, choices=Tier.choices)
    date = models.DateField(_("date"))
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="supervision_records", verbose_name=_("village")
    )
    cadres = models.ManyToManyField(
        Person, blank=True, related_name="supervision_records", verbose_name=_("cadres concerned")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    findings = models.TextField(_("findings"))
    rectification = models.TextField(_("rectification required"), blank=True)
    rectification_deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    rectified_on = models.DateField(_("rectified on"), null=True, blank=True)
    rectification_note = models.TextField(_("note on the rectification"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords(m2m_fields=[cadres])

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("supervision record")
        verbose_name_plural = _("supervision records")
        constraints = [
            models.CheckConstraint(
                condition=Q(rectification="", rectification_deadline__isnull=True)
                | (~Q(rectification="") & Q(rectification_deadline__gte=F("date"))),
                name="supervision_rectification_has_deadline",
            ),
            models.CheckConstraint(
                condition=Q(rectified_on__isnull=True)
                | (~Q(rectification="") & Q(rectified_on__gte=F("date"))),
                name="supervision_rectified_after_record",
            ),
        ]
        indexes = [
            # The overdue rectifications list: deadline passed, not yet rectified.
            models.Index(
                fields=["rectified_on", "rectification_deadline"],
                name="supervision_open_rect_idx",
            ),
            # The records list, newest first, per village.
            models.Index(fields=["village", "-date"], name="supervision_village_date_idx"),
        ]
        permissions = [
            (
                "record_agriculture_supervision",
                _("Can record auxiliary supervision of the agriculture bureau in every township"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.village.name} {self.get_kind_display()}"

    def clean(self) -> None:
        errors = {}
        if self.rectification.strip() and self.rectification_deadline is None:
            errors["rectification_deadline"] = _("Give the deadline of the rectification.")
        if not self.rectification.strip() and self.rectification_deadline is not None:
            errors["rectification"] = _(
                "Describe the rectification required, or leave the deadline empty."
            )
        if self.date and self.rectification_deadline and self.rectification_deadline < self.date:
            errors["rectification_deadline"] = _(
                "The deadline cannot be before the date of the record."
            )
        if self.date and self.rectified_on and self.rectified_on < self.date:
            errors["rectified_on"] = _("The rectification cannot be done before the record.")
        if errors:
            raise ValidationError(errors)


class Audit(TimeStampedModel):
    """A financial expenditure audit of a village, or a term-end/departure audit of a post."""

    class Kind(models.TextChoices):
        FINANCIAL = "financial", _("Financial expenditure audit")
        TERM_END = "term_end", _("Term-end audit")
        DEPARTURE = "departure", _("Departure audit")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    township_lookup = "village__township"

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="audits", verbose_name=_("village")
    )
    post = models.ForeignKey(
        Post,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="audits",
        verbose_name=_("post"),
        help_text=_("For term-end and departure audits."),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    auditor = models.CharField(_("auditor"), max_length=100, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    amount_questioned = models.DecimalField(
        _("amount questioned (yuan)"),
        max_digits=14,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        help_text=_("Empty when the system opened the audit because a post ended."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind="financial",
                    post__isnull=True,
                    period_start__isnull=False,
                    period_end__gte=F("period_start"),
                )
                | (~Q(kind="financial") & Q(post__isnull=False)),
                name="audit_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(amount_questioned__gte=0), name="audit_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="completed", completed_on__isnull=False)
                | (~Q(status="completed") & Q(completed_on__isnull=True)),
                name="audit_completed_has_date",
            ),
            models.UniqueConstraint(
                fields=["post", "kind"],
                condition=Q(post__isnull=False),
                name="audit_one_per_post_and_kind",
            ),
            models.UniqueConstraint(
                fields=["village", "period_start", "period_end"],
                condition=Q(kind="financial"),
                name="audit_one_financial_per_village_period",
            ),
        ]
        indexes = [
            # The audits list filtered by status, newest first.
            models.Index(fields=["status", "-created_at"], name="audit_status_created_idx"),
        ]

    def __str__(self) -> str:
        if self.post_id:
            return f"{self.get_kind_display()} {self.post.person.name}（{self.post}）"
        return (
            f"{self.get_kind_display()} {self.village.name} "
            f"{self.period_start:%Y-%m-%d}—{self.period_end:%Y-%m-%d}"
        )

    @property
    def subject(self) -> str:
        """Who or what is audited: the cadre and post, or the village's period."""
        if self.post_id:
            post = self.post
            return (
                f"{post.person.name}（{post.village.name}"
                f"{post.get_body_display()}{post.get_title_display()}）"
            )
        return f"{self.period_start:%Y-%m-%d}—{self.period_end:%Y-%m-%d}"

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.FINANCIAL:
            if self.period_start is None:
                errors["period_start"] = _("Give the first day of the period audited.")
            if self.period_end is None:
                errors["period_end"] = _("Give the last day of the period audited.")
            elif self.period_start and self.period_end < self.period_start:
                errors["period_end"] = _("The period cannot end before it starts.")
        if self.status == self.Status.COMPLETED and self.completed_on is None:
            errors["completed_on"] = _("Give the date the audit was completed.")
        if errors:
            raise ValidationError(errors)


class AuditAttachment(StoredDocument):
    """An audit paper, served only through a scoped view."""

    township_lookup = "audit__village__township"

    audit = models.ForeignKey(
        Audit, models.CASCADE, related_name="attachments", verbose_name=_("audit")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["audit", "pk"]
        verbose_name = _("audit attachment")
        verbose_name_plural = _("audit attachments")


class DisclosureKind(models.TextChoices):
    PARTY = "party", _("Party affairs disclosure")
    VILLAGE = "village", _("Village affairs disclosure")
    FINANCE = "finance", _("Financial disclosure")


class DisclosureSchedule(TimeStampedModel):
    """How often each kind of disclosure is due, and how many days a village has to post it.

    One row per kind, made by a migration and edited by the district.
    """

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    kind = models.CharField(_("kind"), max_length=10, choices=DisclosureKind.choices, unique=True)
    period = models.CharField(
        pgettext_lazy("disclosure", "period"), max_length=10, choices=Period.choices
    )
    grace_days = models.PositiveSmallIntegerField(
        _("days allowed"),
        default=10,
        validators=[MinValueValidator(1)],
        help_text=_("A disclosure is overdue after this many days of its period have passed."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind"]
        verbose_name = _("disclosure schedule")
        verbose_name_plural = _("disclosure schedules")
        constraints = [
            models.CheckConstraint(
                condition=Q(grace_days__gte=1, grace_days__lte=80),
                name="disclosure_schedule_grace_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.get_period_display()}"


class Disclosure(TimeStampedModel):
    """One village's disclosure of one kind for one period (党务/村务/财务公开)."""

    class Channel(models.TextChoices):
        NOTICE_BOARD = "notice_board", _("Notice board")
        ONLINE = "online", _("Online")
        BOTH = "both", _("Notice board and online")

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="disclosures", verbose_name=_("village")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DisclosureKind.choices)
    period_start = models.DateField(
        pgettext_lazy("disclosure", "period"),
        help_text=_("The first day of the month or quarter disclosed for."),
    )
    content = models.TextField(_("what was published"))
    published_on = models.DateField(_("published on"))
    channel = models.CharField(_("where"), max_length=16, choices=Channel.choices)
    photo = models.ImageField(_("photo"), upload_to=_disclosure_photo_path, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_on = models.DateField(_("verified on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "village", "kind"]
        verbose_name = _("disclosure")
        verbose_name_plural = _("disclosures")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "kind", "period_start"],
                name="disclosure_one_per_village_kind_period",
            ),
            models.CheckConstraint(
                condition=Q(verified_by__isnull=True, verified_on__isnull=True)
                | Q(verified_by__isnull=False, verified_on__isnull=False),
                name="disclosure_verified_has_date",
            ),
        ]
        # The overdue list looks up (kind, period_start) for every village: the unique
        # constraint's index does not lead with them.
        indexes = [
            models.Index(fields=["kind", "period_start"], name="disclosure_kind_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.get_kind_display()} {self.period_start:%Y-%m}"


class MisconductCase(TimeStampedModel):
    """A case of negative behaviour or a violation by a cadre, its disposition and referral."""

    class Category(models.TextChoices):
        DISCIPLINE = "discipline", _("Breach of party discipline")
        INTEGRITY = "integrity", _("Breach of integrity rules")
        WORK_STYLE = "work_style", _("Work style problems")
        NEGLIGENCE = "negligence", _("Inaction or dereliction of duty")
        FINANCE = "finance", _("Financial irregularities")
        FAVOURITISM = "favouritism", _("Favouring relatives and friends")
        LAW = "law", _("Breaking the law")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision record")
        AUDIT = "audit", _("Audit")
        COMPLAINT = "complaint", _("Complaint or report")
        SCREENING = "screening", _("Screening")
        OTHER = "other", _("Other")

    class Disposition(models.TextChoices):
        REMINDER = "reminder", _("Reminder talk")
        CRITICISM = "criticism", _("Criticism and education")
        ADMONITION = "admonition", _("Admonishment talk")
        SELF_EXAMINATION = "self_examination", _("Ordered to make a self-examination")
        SUSPENSION = "suspension", _("Suspension from duty")
        REMOVAL = "removal", _("Recommended recall or removal")
        DISMISSAL = "dismissal", _("Recommended dismissal from office")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        REFERRED = "referred", _("Referred")
        CLOSED = "closed", _("Closed")

    # Dispositions that remove the cadre from office: each opens a removal case (清退) that
    # the district decides (cadres.signals.removal_proposed).
    REMOVAL_DISPOSITIONS = (Disposition.REMOVAL, Disposition.DISMISSAL)

    township_lookup = "village__township"

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="misconduct_cases", verbose_name=_("cadre")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="misconduct_cases", verbose_name=_("village")
    )
    occurred_on = models.DateField(_("date"))
    facts = models.TextField(_("facts"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    source_record = models.ForeignKey(
        SupervisionRecord,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="misconduct_cases",
        verbose_name=_("source supervision record"),
    )
    source_audit = models.ForeignKey(
        Audit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="misconduct_cases",
        verbose_name=_("source audit"),
    )
    source_reference = models.CharField(
        _("source reference"),
        max_length=200,
        blank=True,
        help_text=_("The complaint's or screening hit's reference number, or other source."),
    )
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, blank=True
    )
    disposed_on = models.DateField(_("disposed on"), null=True, blank=True)
    referral_body = models.CharField(
        _("referred to"), max_length=20, choices=Department.choices, blank=True
    )
    referral_body_other = models.CharField(
        _("referred to (other body)"), max_length=100, blank=True
    )
    referred_on = models.DateField(_("referred on"), null=True, blank=True)
    referral_outcome = models.TextField(_("outcome of the referral"), blank=True)
    outcome_on = models.DateField(_("outcome received on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default="open")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("opened by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on", "-pk"]
        verbose_name = _("misconduct case")
        verbose_name_plural = _("misconduct cases")
        constraints = [
            models.CheckConstraint(
                condition=(~Q(source="supervision") | Q(source_record__isnull=False))
                & (~Q(source="audit") | Q(source_audit__isnull=False))
                & (~Q(source="screening") | ~Q(source_reference="")),
                name="misconduct_source_identified",
            ),
            models.CheckConstraint(
                condition=Q(disposition="", disposed_on__isnull=True)
                | (~Q(disposition="") & Q(disposed_on__gte=F("occurred_on"))),
                name="misconduct_disposition_has_date",
            ),
            models.CheckConstraint(
                condition=Q(referred_on__isnull=True, referral_body="", referral_body_other="")
                | (
                    Q(referred_on__gte=F("occurred_on"))
                    & (~Q(referral_body="") | ~Q(referral_body_other=""))
                ),
                name="misconduct_referral_has_date_and_body",
            ),
            models.CheckConstraint(
                condition=Q(outcome_on__isnull=True, referral_outcome="")
                | Q(
                    referred_on__isnull=False,
                    outcome_on__gte=F("referred_on"),
                )
                & ~Q(referral_outcome=""),
                name="misconduct_outcome_after_referral",
            ),
        ]
        indexes = [
            # A person's profile lists their cases.
            models.Index(fields=["person", "-occurred_on"], name="misconduct_person_idx"),
            # The cases list filtered by status.
            models.Index(fields=["status", "-occurred_on"], name="misconduct_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.occurred_on:%Y-%m-%d} {self.get_category_display()}"

    def clean(self) -> None:
        errors = {}
        if self.source == self.Source.SUPERVISION and self.source_record_id is None:
            errors["source_record"] = _("Choose the supervision record the case comes from.")
        if self.source == self.Source.AUDIT and self.source_audit_id is None:
            errors["source_audit"] = _("Choose the audit the case comes from.")
        if self.source == self.Source.SCREENING and not self.source_reference.strip():
            errors["source_reference"] = _("Give the reference of the screening hit.")
        if self.disposition and self.disposed_on is None:
            errors["disposed_on"] = _("Give the date of the disposition.")
        if self.disposed_on and self.occurred_on and self.disposed_on < self.occurred_on:
            errors["disposed_on"] = _("The disposition cannot be before the facts.")
        if self.referred_on is not None:
            if not (self.referral_body or self.referral_body_other.strip()):
                errors["referral_body"] = _("Choose the receiving body, or name it.")
            if self.occurred_on and self.referred_on < self.occurred_on:
                errors["referred_on"] = _("The referral cannot be before the facts.")
        if self.outcome_on is not None:
            if not self.referral_outcome.strip():
                errors["referral_outcome"] = _("Describe the outcome.")
            if self.referred_on and self.outcome_on < self.referred_on:
                errors["outcome_on"] = _("The outcome cannot come before the referral.")
        if errors:
            raise ValidationError(errors)

    @property
    def referral_body_label(self) -> str:
        parts = [self.get_referral_body_display(), self.referral_body_other]
        return "、".join(p for p in parts if p)


class CaseEvent(models.Model):
    """One step in a misconduct case's timeline: who did what, when, and why. Append-only."""

    class Action(models.TextChoices):
        OPENED = "opened", _("Case opened")
        UPDATED = "updated", _("Facts updated")
        DISPOSED = "disposed", _("Disposition decided")
        REFERRED = "referred", _("Referred")
        OUTCOME = "outcome", _("Referral outcome received")
        NOTE = "note", _("Note")
        CLOSED = "closed", _("Case closed")
        REOPENED = "reopened", _("Case reopened")

    township_lookup = "case__village__township"

    case = models.ForeignKey(
        MisconductCase, models.CASCADE, related_name="events", verbose_name=_("case")
    )
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(
        pgettext_lazy("case event", "action"), max_length=12, choices=Action.choices
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["case", "at", "pk"]
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


class Handover(TimeStampedModel):
    """The handover (移交) of an office from its outgoing holder to the incoming one.

    Opened by the system when a post of the village committees ends at a general election
    (``cadres.signals.post_ended`` with ``Post.EndReason.ELECTION``), or by township staff for
    a post that ended otherwise. Its lines list what is handed over; the outgoing holder, the
    incoming holder and a township witness confirm it, and it is completed (and locked) once
    all three have. The incoming holder is found from the register (``selectors``) until
    someone names them.
    """

    class State(models.TextChoices):
        OPEN = "open", pgettext_lazy("handover", "Open")
        COMPLETED = "completed", pgettext_lazy("handover", "Completed")

    township_lookup = "village__township"

    outgoing_post = models.OneToOneField(
        Post, models.PROTECT, related_name="handover", verbose_name=_("outgoing post")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="handovers", verbose_name=_("village")
    )
    incoming_post = models.ForeignKey(
        Post,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers_received",
        verbose_name=_("incoming post"),
    )
    incoming_person = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="handovers_received",
        verbose_name=_("incoming holder"),
    )
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due by"))
    state = models.CharField(
        pgettext_lazy("handover", "state"), max_length=10, choices=State.choices, default="open"
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
        help_text=_("Empty when the system opened the handover because a post ended."),
    )
    # The three confirmations: the holders' are recorded by township staff on their behalf
    # (cadres are not users), the witness's by the witness.
    outgoing_confirmed_at = models.DateTimeField(
        _("outgoing holder confirmed at"), null=True, blank=True
    )
    outgoing_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("outgoing holder's confirmation recorded by"),
    )
    incoming_confirmed_at = models.DateTimeField(
        _("incoming holder confirmed at"), null=True, blank=True
    )
    incoming_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("incoming holder's confirmation recorded by"),
    )
    witness_confirmed_at = models.DateTimeField(_("witnessed at"), null=True, blank=True)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township witness"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        constraints = [
            models.CheckConstraint(
                condition=Q(outgoing_confirmed_at__isnull=True, outgoing_confirmed_by__isnull=True)
                | Q(outgoing_confirmed_at__isnull=False, outgoing_confirmed_by__isnull=False),
                name="handover_outgoing_confirmation_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(incoming_confirmed_at__isnull=True, incoming_confirmed_by__isnull=True)
                | Q(
                    incoming_confirmed_at__isnull=False,
                    incoming_confirmed_by__isnull=False,
                    incoming_person__isnull=False,
                ),
                name="handover_incoming_confirmation_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(witness_confirmed_at__isnull=True, witness__isnull=True)
                | Q(witness_confirmed_at__isnull=False, witness__isnull=False),
                name="handover_witness_has_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(state="open", completed_on__isnull=True)
                | Q(
                    state="completed",
                    completed_on__isnull=False,
                    outgoing_confirmed_at__isnull=False,
                    incoming_confirmed_at__isnull=False,
                    witness_confirmed_at__isnull=False,
                ),
                name="handover_completed_when_all_confirmed",
            ),
        ]
        indexes = [
            # The overdue handovers (the to-do centre, the list's filter): open, due date passed.
            models.Index(fields=["state", "due_on"], name="handover_state_due_idx"),
        ]

    def __str__(self) -> str:
        post = self.outgoing_post
        return _("Handover of %(name)s (%(village)s %(post)s)") % {
            "name": post.person.name,
            "village": self.village.name,
            "post": f"{post.get_body_display()}{post.get_title_display()}",
        }

    @property
    def post_label(self) -> str:
        post = self.outgoing_post
        return f"{post.get_body_display()}{post.get_title_display()}"


class HandoverLine(TimeStampedModel):
    """One item handed over: the seal, the accounts, archives, assets or anything else."""

    class Kind(models.TextChoices):
        SEAL = "seal", _("Official seal")
        ACCOUNTS = "accounts", pgettext_lazy("handover item", "Accounts")
        ARCHIVES = "archives", _("Archives and records")
        ASSETS = "assets", _("Assets")
        OTHER = "other", pgettext_lazy("handover item", "Other")

    township_lookup = "handover__village__township"

    handover = models.ForeignKey(
        Handover, models.CASCADE, related_name="lines", verbose_name=_("handover")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.CharField(_("item"), max_length=200)
    quantity = models.PositiveIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1)]
    )
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["handover", "pk"]  # in the order listed
        verbose_name = _("handover item")
        verbose_name_plural = _("handover items")
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="handover_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.description}"


class HandoverDocument(StoredDocument):
    """A document of a handover item (an inventory, a photo of the seal, the account books'
    balance), served only through a scoped view."""

    township_lookup = "line__handover__village__township"

    line = models.ForeignKey(
        HandoverLine, models.CASCADE, related_name="documents", verbose_name=_("handover item")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["line", "pk"]
        verbose_name = _("handover document")
        verbose_name_plural = _("handover documents")
