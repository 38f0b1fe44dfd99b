"""The management records: filings, personal matters reports, duty rosters, 头雁 projects,
annual evaluations and recusals in party member development.

Every write goes through ``cadres.records.services``; these models only hold the
rules the database can enforce.

Each model names its table and its history's (``cadres_…``): they were made while the
records were models of ``cadres``, and the move to this app (records 0001) renamed none.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from cadres.identity import mask_id_number
from cadres.models import (
    PERSON_TOWNSHIP_LOOKUP,
    IdentityFields,
    Person,
    Post,
    Relative,
    StoredDocument,
    TimeStampedModel,
    Village,
)

SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


# 1. 村党组织书记备案 -------------------------------------------------------------


class SecretaryFiling(TimeStampedModel):
    """The filing (备案) of a village party secretary's post with the district."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting district confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        RETURNED = "returned", _("Returned")

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="secretary_filings", verbose_name=_("village")
    )
    post = models.ForeignKey(
        Post, models.PROTECT, related_name="filings", verbose_name=_("secretary post")
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="secretary_filings", verbose_name=_("secretary")
    )
    filing_number = models.CharField(_("filing number"), max_length=50)
    filed_on = models.DateField(_("filing date"))
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("filed by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)

    history = HistoricalRecords(table_name="cadres_historicalsecretaryfiling")

    class Meta:
        db_table = "cadres_secretaryfiling"
        ordering = ["-filed_on", "-pk"]
        verbose_name = _("secretary filing")
        verbose_name_plural = _("secretary filings")
        constraints = [
            models.UniqueConstraint(fields=["filing_number"], name="filing_unique_number"),
            # A post is filed once; a returned filing may be followed by a new one.
            models.UniqueConstraint(
                fields=["post"], condition=~Q(status="returned"), name="filing_one_live_per_post"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="filing_returned_has_reason",
            ),
        ]
        indexes = [
            # The district's queue: filings awaiting confirmation, oldest first.
            models.Index(fields=["status", "filed_on"], name="filing_status_date_idx"),
        ]
        permissions = [("confirm_secretaryfiling", _("Can confirm or return secretary filings"))]

    def __str__(self) -> str:
        return f"{self.filing_number} {self.village.name}"


class FilingDocument(StoredDocument):
    township_lookup = "filing__village__township"

    filing = models.ForeignKey(
        SecretaryFiling, models.CASCADE, related_name="documents", verbose_name=_("filing")
    )

    history = HistoricalRecords(table_name="cadres_historicalfilingdocument")

    class Meta:
        db_table = "cadres_filingdocument"
        ordering = ["pk"]
        verbose_name = _("filing document")
        verbose_name_plural = _("filing documents")


class SecretaryChange(TimeStampedModel):
    """The township's request to end a village party secretary's post, which the district
    approves beforehand (规范村党组织书记调整程序); the successor comes through vetting."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting district approval")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="secretary_changes", verbose_name=_("village")
    )
    post = models.ForeignKey(
        Post, models.PROTECT, related_name="secretary_changes", verbose_name=_("secretary post")
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="secretary_changes", verbose_name=_("secretary")
    )
    ends_on = models.DateField(_("planned end date"))
    end_reason = models.CharField(_("end reason"), max_length=20, choices=Post.EndReason.choices)
    reason = models.TextField(_("reason for the change"))
    successor = models.CharField(_("proposed successor"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    withdraw_reason = models.TextField(_("reason for withdrawing"), blank=True)

    history = HistoricalRecords(table_name="cadres_historicalsecretarychange")

    class Meta:
        db_table = "cadres_secretarychange"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("secretary change request")
        verbose_name_plural = _("secretary change requests")
        constraints = [
            # One request in progress per post; a returned one is revised, not doubled.
            models.UniqueConstraint(
                fields=["post"],
                condition=Q(status__in=["requested", "returned"]),
                name="secretarychange_one_live_per_post",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(decision_note=""),
                name="secretarychange_returned_has_note",
            ),
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdraw_reason=""),
                name="secretarychange_withdrawn_has_reason",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="secretarychange_has_reason"),
        ]
        indexes = [
            # The district's queue and the townships' returned requests, oldest first.
            models.Index(fields=["status", "created_at"], name="secretarychange_status_idx"),
        ]
        permissions = [
            ("decide_secretarychange", _("Can approve or return secretary change requests")),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.person.name}"


class SecretaryChangeDocument(StoredDocument):
    township_lookup = "change__village__township"

    change = models.ForeignKey(
        SecretaryChange,
        models.CASCADE,
        related_name="documents",
        verbose_name=_("secretary change request"),
    )

    history = HistoricalRecords(table_name="cadres_historicalsecretarychangedocument")

    class Meta:
        db_table = "cadres_secretarychangedocument"
        ordering = ["pk"]
        verbose_name = _("secretary change document")
        verbose_name_plural = _("secretary change documents")


# 2. 个人事项报告 ------------------------------------------------------------------


class PersonalReport(TimeStampedModel):
    """A cadre's report of personal matters: yearly, and whenever something changes."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", _("Annual report")
        CHANGE = "change", _("Report of a change")

    class Category(models.TextChoices):
        MARRIAGE = "marriage", _("Marriage")
        RELATIVES_BUSINESS = "relatives_business", _("Relatives running a business")
        RELATIVES_POST = "relatives_post", _("Relatives holding public posts")
        ABROAD = "abroad", _("Going abroad")
        LEGAL = "legal", _("Legal proceedings")
        PROPERTY = "property", _("Property")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting township review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for revision")

    township_lookup = "village__township"

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="personal_reports", verbose_name=_("cadre")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="personal_reports", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    categories = models.JSONField(
        _("matters reported"),
        default=list,
        blank=True,
        help_text=_("Values of PersonalReport.Category."),
    )
    content = models.TextField(_("content"))
    reported_on = models.DateField(_("reported on"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    history = HistoricalRecords(table_name="cadres_historicalpersonalreport")

    class Meta:
        db_table = "cadres_personalreport"
        ordering = ["-year", "-reported_on", "-pk"]
        verbose_name = _("personal matters report")
        verbose_name_plural = _("personal matters reports")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year"], condition=Q(kind="annual"), name="report_one_annual"
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(review_note=""),
                name="report_returned_has_note",
            ),
        ]
        indexes = [
            # The missing-reports list: annual reports of a year.
            models.Index(fields=["year", "kind", "person"], name="report_year_kind_idx"),
        ]
        permissions = [("review_personalreport", _("Can review personal matters reports"))]

    def __str__(self) -> str:
        return f"{self.person.name} {self.year} {self.get_kind_display()}"

    def category_labels(self) -> list[str]:
        labels = dict(self.Category.choices)
        return [str(labels.get(value, value)) for value in self.categories]


# 3. 坐班值班 ----------------------------------------------------------------------


class LeavePeriod(TimeStampedModel):
    """A cadre's leave: nobody is put on duty while on leave."""

    township_lookup = PERSON_TOWNSHIP_LOOKUP

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="leave_periods", verbose_name=_("cadre")
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords(table_name="cadres_historicalleaveperiod")

    class Meta:
        db_table = "cadres_leaveperiod"
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("leave period")
        verbose_name_plural = _("leave periods")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="leave_ends_after_start"
            ),
        ]
        indexes = [
            # "Is this person on leave on that day?" when a duty is scheduled.
            models.Index(fields=["person", "starts_on", "ends_on"], name="leave_person_dates_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.starts_on}–{self.ends_on}"


class DutyRoster(TimeStampedModel):
    """A village's office-hours and duty roster (坐班值班表) for a week or a month."""

    class Period(models.TextChoices):
        WEEK = "week", pgettext_lazy("duty roster", "Weekly")
        MONTH = "month", pgettext_lazy("duty roster", "Monthly")

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="duty_rosters", verbose_name=_("village")
    )
    period = models.CharField(_("period"), max_length=6, choices=Period.choices)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("made by")
    )

    history = HistoricalRecords(table_name="cadres_historicaldutyroster")

    class Meta:
        db_table = "cadres_dutyroster"
        ordering = ["-starts_on", "village"]
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period", "starts_on"], name="roster_unique_period"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="roster_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village.name} {self.starts_on}–{self.ends_on}"


class DutyShift(TimeStampedModel):
    """One cadre on duty on one day in one time slot; done or missed is recorded after."""

    class Outcome(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")

    township_lookup = "roster__village__township"

    roster = models.ForeignKey(
        DutyRoster, models.CASCADE, related_name="shifts", verbose_name=_("roster")
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="duty_shifts", verbose_name=_("cadre on duty")
    )
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("from"))
    end_time = models.TimeField(_("until"))
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.SCHEDULED
    )
    outcome_note = models.CharField(_("note on the outcome"), max_length=200, blank=True)

    history = HistoricalRecords(table_name="cadres_historicaldutyshift")

    class Meta:
        db_table = "cadres_dutyshift"
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="shift_ends_after_start"
            ),
        ]
        indexes = [
            # Conflict check: the same person's shifts on one day.
            models.Index(fields=["person", "date"], name="shift_person_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} {self.date} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


# 4. 头雁项目 ----------------------------------------------------------------------


class PioneerProject(TimeStampedModel):
    """The key party-building task a village party secretary claims for a year (头雁项目)."""

    class Status(models.TextChoices):
        CLAIMED = "claimed", pgettext_lazy("pioneer project", "In progress")
        COMPLETED = "completed", _("Completed")
        ASSESSED = "assessed", _("Assessed")

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="pioneer_projects", verbose_name=_("village")
    )
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="pioneer_projects", verbose_name=_("secretary")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    goals = models.TextField(_("goals"))
    milestones = models.TextField(_("milestones"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CLAIMED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    score = models.DecimalField(
        _("score"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=SCORE_VALIDATORS,
    )
    assessment = models.TextField(_("assessment"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords(table_name="cadres_historicalpioneerproject")

    class Meta:
        db_table = "cadres_pioneerproject"
        ordering = ["-year", "village"]
        verbose_name = _("pioneer project")
        verbose_name_plural = _("pioneer projects")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="project_one_per_secretary"),
            models.UniqueConstraint(fields=["village", "year"], name="project_one_per_village"),
            models.CheckConstraint(
                condition=Q(status="claimed")
                | Q(completed_on__isnull=False) & (~Q(status="assessed") | Q(score__isnull=False)),
                name="project_completion_recorded",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="project_score_range",
            ),
        ]
        indexes = [
            # The district overview: projects of a year by status.
            models.Index(fields=["year", "status"], name="project_year_status_idx"),
        ]
        permissions = [
            ("assess_pioneerproject", _("Can mark pioneer projects completed and assessed"))
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.village.name} {self.title}"


class ProjectProgress(TimeStampedModel):
    township_lookup = "project__village__township"

    project = models.ForeignKey(
        PioneerProject, models.CASCADE, related_name="progress", verbose_name=_("project")
    )
    on = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords(table_name="cadres_historicalprojectprogress")

    class Meta:
        db_table = "cadres_projectprogress"
        ordering = ["on", "pk"]
        verbose_name = _("project progress")
        verbose_name_plural = _("project progress updates")

    def __str__(self) -> str:
        return f"{self.project.title} {self.on}"


class ProgressDocument(StoredDocument):
    township_lookup = "progress__project__village__township"

    progress = models.ForeignKey(
        ProjectProgress, models.CASCADE, related_name="documents", verbose_name=_("progress")
    )

    history = HistoricalRecords(table_name="cadres_historicalprogressdocument")

    class Meta:
        db_table = "cadres_progressdocument"
        ordering = ["pk"]
        verbose_name = _("progress attachment")
        verbose_name_plural = _("progress attachments")


# 5. 述职评议考核 ------------------------------------------------------------------


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    COMPETENT = "competent", _("Competent")
    BASIC = "basic", _("Basically competent")
    INCOMPETENT = "incompetent", _("Incompetent")


class GradingRule(TimeStampedModel):
    """How the three scores combine into a grade; the district edits it in the admin.

    The weighted total of the scores (0–100 each) is compared with the thresholds;
    a discipline score below ``discipline_veto_below`` makes the grade 不称职 whatever
    the total (一票否决). Exactly one rule is active; an evaluation keeps the rule it used.
    """

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    weight_performance = models.DecimalField(
        _("weight of work results"), max_digits=4, decimal_places=2, default=Decimal("0.50")
    )
    weight_discipline = models.DecimalField(
        _("weight of discipline"), max_digits=4, decimal_places=2, default=Decimal("0.25")
    )
    weight_reputation = models.DecimalField(
        _("weight of public reputation"), max_digits=4, decimal_places=2, default=Decimal("0.25")
    )
    excellent_from = models.DecimalField(
        _("excellent from"), max_digits=5, decimal_places=1, default=Decimal("90")
    )
    competent_from = models.DecimalField(
        _("competent from"), max_digits=5, decimal_places=1, default=Decimal("75")
    )
    basic_from = models.DecimalField(
        _("basically competent from"), max_digits=5, decimal_places=1, default=Decimal("60")
    )
    discipline_veto_below = models.DecimalField(
        _("discipline score below which the grade is incompetent"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("60"),
    )

    history = HistoricalRecords(table_name="cadres_historicalgradingrule")

    class Meta:
        db_table = "cadres_gradingrule"
        ordering = ["-active", "-pk"]
        verbose_name = _("grading rule")
        verbose_name_plural = _("grading rules")
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True), name="gradingrule_one_active"
            ),
            models.CheckConstraint(
                condition=Q(
                    weight_performance__gte=0, weight_discipline__gte=0, weight_reputation__gte=0
                ),
                name="gradingrule_weights_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(excellent_from__gt=F("competent_from"))
                & Q(competent_from__gt=F("basic_from"))
                & Q(basic_from__gte=0, excellent_from__lte=100),
                name="gradingrule_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Checked here, not by the database: decimal sums in SQLite are floating point.
        weights = self.weight_performance + self.weight_discipline + self.weight_reputation
        if weights != 1:
            raise ValidationError(_("The three weights must add up to 1."))

    def total(self, performance: Decimal, discipline: Decimal, reputation: Decimal) -> Decimal:
        value = (
            self.weight_performance * performance
            + self.weight_discipline * discipline
            + self.weight_reputation * reputation
        )
        return value.quantize(Decimal("0.1"))

    def grade(self, performance: Decimal, discipline: Decimal, reputation: Decimal) -> str:
        if discipline < self.discipline_veto_below:
            return Grade.INCOMPETENT
        total = self.total(performance, discipline, reputation)
        if total >= self.excellent_from:
            return Grade.EXCELLENT
        if total >= self.competent_from:
            return Grade.COMPETENT
        if total >= self.basic_from:
            return Grade.BASIC
        return Grade.INCOMPETENT


class AnnualEvaluation(TimeStampedModel):
    """The township party committee's annual evaluation of a village party secretary."""

    Grade = Grade

    township_lookup = "village__township"

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="evaluations", verbose_name=_("secretary")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="evaluations", verbose_name=_("village")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    performance = models.DecimalField(
        _("work results"), max_digits=5, decimal_places=1, validators=SCORE_VALIDATORS
    )
    discipline = models.DecimalField(
        _("discipline"), max_digits=5, decimal_places=1, validators=SCORE_VALIDATORS
    )
    reputation = models.DecimalField(
        _("public reputation"), max_digits=5, decimal_places=1, validators=SCORE_VALIDATORS
    )
    total = models.DecimalField(_("weighted total"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    rule = models.ForeignKey(
        GradingRule, models.PROTECT, related_name="evaluations", verbose_name=_("grading rule")
    )
    evaluator = models.CharField(_("evaluator"), max_length=100)
    evaluated_on = models.DateField(_("evaluation date"))
    comments = models.TextField(_("comments"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords(table_name="cadres_historicalannualevaluation")

    class Meta:
        db_table = "cadres_annualevaluation"
        ordering = ["-year", "village"]
        verbose_name = _("annual evaluation")
        verbose_name_plural = _("annual evaluations")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="evaluation_one_per_year"),
            models.CheckConstraint(
                condition=Q(
                    performance__gte=0,
                    performance__lte=100,
                    discipline__gte=0,
                    discipline__lte=100,
                    reputation__gte=0,
                    reputation__lte=100,
                ),
                name="evaluation_scores_in_range",
            ),
        ]
        indexes = [
            # The list per township and year goes through the village.
            models.Index(fields=["year", "village"], name="evaluation_year_village_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.person.name} {self.get_grade_display()}"


# 6. 党员发展回避 ------------------------------------------------------------------


class PartyCandidate(IdentityFields, TimeStampedModel):
    """A person on the way to party membership in a village branch."""

    class Stage(models.TextChoices):
        APPLICANT = "applicant", _("Applicant")
        ACTIVIST = "activist", _("Activist")
        TARGET = "target", _("Development target")
        PROBATIONARY = "probationary", _("Probationary member")
        FULL = "full", _("Full member")

    township_lookup = "village__township"

    village = models.ForeignKey(
        Village, models.PROTECT, related_name="party_candidates", verbose_name=_("village")
    )
    stage = models.CharField(_("stage"), max_length=14, choices=Stage.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords(table_name="cadres_historicalpartycandidate")

    class Meta:
        db_table = "cadres_partycandidate"
        ordering = ["village", "name_key__pinyin_order", "pk"]
        verbose_name = _("party membership candidate")
        verbose_name_plural = _("party membership candidates")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "id_number"],
                condition=Q(id_number__isnull=False),
                name="candidate_unique_id_in_village",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number) if self.id_number else ""


class Recusal(TimeStampedModel):
    """A cadre who is a relative of a candidate must stand aside (回避), and say so on record."""

    class Status(models.TextChoices):
        OPEN = "open", _("Awaiting the recusal")
        RECORDED = "recorded", _("Recusal recorded")

    township_lookup = "candidate__village__township"

    candidate = models.ForeignKey(
        PartyCandidate, models.CASCADE, related_name="recusals", verbose_name=_("candidate")
    )
    cadre = models.ForeignKey(
        Person, models.PROTECT, related_name="recusals", verbose_name=_("cadre")
    )
    relative = models.ForeignKey(
        Relative,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("family record that matched"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    statement = models.TextField(_("recusal statement"), blank=True)
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    history = HistoricalRecords(table_name="cadres_historicalrecusal")

    class Meta:
        db_table = "cadres_recusal"
        ordering = ["status", "-created_at"]
        verbose_name = _("recusal")
        verbose_name_plural = _("recusals")
        constraints = [
            models.UniqueConstraint(fields=["candidate", "cadre"], name="recusal_unique_pair"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(recorded_on__isnull=False) & ~Q(statement=""),
                name="recusal_recorded_has_statement",
            ),
        ]
        indexes = [
            # The open-recusals list.
            models.Index(fields=["status", "created_at"], name="recusal_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.cadre.name} / {self.candidate.name}"
