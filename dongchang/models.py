from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cadres.choices import Light
from cadres.models import Person, RuleVersion, TimeStampedModel
from supervision.selectors import HANDOVER_DAYS


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


class WarningRules(RuleVersion):
    """A version of the warning-light rules (综合预警规则): which condition lights which colour,
    with what weight and message. Saving on the rules page makes a new version; every light
    keeps the version it was computed under."""

    class Meta(RuleVersion.Meta):
        verbose_name = _("warning rules version")
        verbose_name_plural = _("warning rules versions")


class WarningRule(models.Model):
    """One condition of a version: its colour, weight (orders cadres of one colour) and the
    message the profile shows. ``days`` is the condition's period where it has one (days past
    due, days ahead, days back) and ``number`` its threshold (missed duties, training hours)."""

    class Code(models.TextChoices):
        BARRING_HIT = "barring_hit", _("Confirmed screening hit")
        REMOVAL_OPEN = "removal_open", _("Open removal case")
        STRICT_CONTROL = "strict_control", _("Under strict control")
        MISCONDUCT_OPEN = "misconduct_open", _("Open misconduct case")
        GRADE_INCOMPETENT = "grade_incompetent", _("Graded incompetent")
        HIT_PENDING = "hit_pending", _("Strong or probable hit pending review")
        RECTIFICATION_OVERDUE = "rectification_overdue", _("Rectification overdue")
        REPORT_MISSING = "report_missing", _("Annual personal report missing")
        DEPARTURE_AUDIT_DUE = "departure_audit_due", _("Departure audit not started")
        DUTY_MISSED = "duty_missed", _("Duty missed repeatedly")
        GRADE_BASIC = "grade_basic", _("Graded basically competent")
        ELIGIBILITY_REVIEW = "eligibility_review", _("Eligibility review after a rule change")
        POSSIBLE_HIT = "possible_hit", _("Possible hit pending review")
        TRAINING_SHORT = "training_short", _("Training hours below the year's requirement")
        TERM_ENDING = "term_ending", _("Term ending soon")
        DISCLOSURE_OVERDUE = "disclosure_overdue", _("Village disclosure overdue")

    version = models.ForeignKey(
        WarningRules, models.CASCADE, related_name="rules", verbose_name=_("version")
    )
    code = models.CharField(_("warning condition"), max_length=24, choices=Code.choices)
    enabled = models.BooleanField(_("applies"), default=True)
    light = models.PositiveSmallIntegerField(
        _("light"), choices=[(c.value, c.label) for c in Light if c != Light.NONE]
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    number = models.PositiveSmallIntegerField(_("threshold"), null=True, blank=True)
    message = models.CharField(_("message"), max_length=200)

    class Meta:
        ordering = ["-light", "pk"]
        verbose_name = _("warning rule")
        verbose_name_plural = _("warning rules")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="warningrule_once_per_version"
            ),
            models.CheckConstraint(
                condition=Q(light__in=[Light.BLUE, Light.YELLOW, Light.RED]),
                name="warningrule_light_is_a_colour",
            ),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


class WarningLight(models.Model):
    """A serving cadre's current light and the rules that fired (their codes, worst first).

    Written only by dongchang.warnings; a cadre who fires nothing has a row with NONE, a
    cadre who stops serving loses the row (the change stays in the history)."""

    township_lookup = tuple(f"person__{lookup}" for lookup in Person.township_lookup)

    person = models.OneToOneField(
        Person,
        models.CASCADE,
        primary_key=True,
        related_name="warning_light",
        verbose_name=_("cadre"),
    )
    light = models.PositiveSmallIntegerField(_("light"), choices=Light.choices, default=Light.NONE)
    score = models.PositiveIntegerField(_("weighted score"), default=0)
    reasons = models.JSONField(_("rules fired"), default=list)
    # Per rule code, the ids of the records that made it fire (the profile links them).
    sources = models.JSONField(_("sources"), default=dict)
    rules = models.ForeignKey(
        WarningRules, models.PROTECT, related_name="+", verbose_name=_("rules version")
    )
    # When the light or its sources last changed (a run that finds them as they are leaves
    # the row alone).
    computed_at = models.DateTimeField(_("computed at"))
    # The rules version and every rule fired with its sources, as one text that the nightly
    # run computes in the database and compares there (dongchang.warnings._signature): only
    # the lights that changed come back to Python. Empty: not yet computed so.
    signature = models.TextField(
        pgettext_lazy("warning light", "signature"), default="", blank=True, editable=False
    )

    class Meta:
        verbose_name = _("warning light")
        verbose_name_plural = _("warning lights")
        indexes = [
            # The dashboard's counts per light and the register's filter by light.
            models.Index(fields=["light", "score"], name="warninglight_light_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_light_display()}"


class WarningLightChange(models.Model):
    """A change of a cadre's light, with the rules fired before and after."""

    township_lookup = tuple(f"person__{lookup}" for lookup in Person.township_lookup)

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="warning_light_changes", verbose_name=_("cadre")
    )
    at = models.DateTimeField(_("time"))
    light_from = models.PositiveSmallIntegerField(_("light before"), choices=Light.choices)
    light_to = models.PositiveSmallIntegerField(_("light after"), choices=Light.choices)
    reasons_from = models.JSONField(_("rules fired before"), default=list)
    reasons_to = models.JSONField(_("rules fired after"), default=list)
    rules = models.ForeignKey(
        WarningRules, models.PROTECT, related_name="+", verbose_name=_("rules version")
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("change of warning light")
        verbose_name_plural = _("changes of warning light")
        indexes = [
            # A person's history on the profile, newest first.
            models.Index(fields=["person", "-at"], name="warninglightchange_person_idx"),
            # The to-do centre's "lights turned red this week": the week's changes to red,
            # not every change ever made.
            models.Index(fields=["light_to", "at"], name="warninglightchange_to_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_light_from_display()} → {self.get_light_to_display()}"


class Notification(TimeStampedModel):
    """A message in a user's bell (提醒): what happened or is due, with a link to it.

    ``key`` names the event for this user: adding the same key again adds nothing, so that an
    event sent twice (a task run again, a to-do item overdue on two days) is one message.
    Written only by dongchang.notifications; each user sees their own."""

    class Kind(models.TextChoices):
        OPINION_ASSIGNED = "opinion_assigned", _("Opinion requested")
        OPINION_DUE = "opinion_due", _("Opinion due tomorrow")
        CASE_RETURNED = "case_returned", _("Case returned for revision")
        CASE_DECIDED = "case_decided", _("Case decided")
        LIGHT_RED = "light_red", _("Warning light turned red")
        OVERDUE = "overdue", _("Work item overdue")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind of notification"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("event key"), max_length=100)
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key"),
        ]
        indexes = [
            # The bell's count: a user's unread notifications.
            models.Index(
                fields=["user"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
            # The list, newest first, and the digest: a user's notifications after an id.
            models.Index(fields=["user", "-created_at"], name="notification_list_idx"),
        ]

    def __str__(self) -> str:
        return self.message


class EmailSent(models.Model):
    """An e-mail that was sent: one row per user, kind and key (an opinion, a digest's day),
    written in the transaction that sends it, so that a repeated or concurrent run sends
    nothing twice and a failed send leaves no row (dongchang.notifications)."""

    class Kind(models.TextChoices):
        OPINION_ASSIGNED = "opinion_assigned", _("Opinion requested")
        OPINION_DUE = "opinion_due", _("Opinion due tomorrow")
        DIGEST = "digest", _("Daily digest")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind of e-mail"), max_length=20, choices=Kind.choices)
    key = models.CharField(_("event key"), max_length=100)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    # A digest: the last notification it covered; the next one covers those after it.
    last_notification_id = models.BigIntegerField(
        _("last notification covered"), null=True, blank=True
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("e-mail sent")
        verbose_name_plural = _("e-mails sent")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="emailsent_once_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_kind_display()} {self.key}"


_TODO_DAY_FIELDS = (
    "case_township_review_days",
    "case_district_review_days",
    "case_returned_days",
    "hit_review_days",
    "removal_decision_days",
    "filing_confirm_days",
    "report_review_days",
    "change_request_days",
    "change_returned_days",
    "audit_start_days",
    "light_red_days",
    "handover_days",
)
_DAYS = {"validators": [MinValueValidator(1), MaxValueValidator(365)]}


class TodoDeadlines(RuleVersion):
    """A version of the to-do centre's deadlines (待办期限): how many days each kind of work
    item may wait before it is overdue, counted from the day it became due to act on.

    Items that carry their own date keep it: a department's opinion (due_on, set when the
    joint review opens), a rectification (its deadline), a disclosure (its schedule) and a
    strict-control review (its review date). Saving on the deadlines page makes a new
    version; every item is computed under the version in force and names it."""

    DAY_FIELDS = _TODO_DAY_FIELDS
    FIELDS = (*DAY_FIELDS, "evaluation_month")

    case_township_review_days = models.PositiveSmallIntegerField(
        _("township preliminary review, days from submission"), default=7, **_DAYS
    )
    case_district_review_days = models.PositiveSmallIntegerField(
        _("district joint review, days from forwarding"), default=15, **_DAYS
    )
    case_returned_days = models.PositiveSmallIntegerField(
        _("returned case revised, days from its return"), default=7, **_DAYS
    )
    hit_review_days = models.PositiveSmallIntegerField(
        _("screening hit reviewed, days from being found"), default=7, **_DAYS
    )
    removal_decision_days = models.PositiveSmallIntegerField(
        _("removal case decided, days from opening"), default=30, **_DAYS
    )
    filing_confirm_days = models.PositiveSmallIntegerField(
        _("secretary filing confirmed, days from submission"), default=10, **_DAYS
    )
    report_review_days = models.PositiveSmallIntegerField(
        _("personal matters report reviewed, days from submission"), default=15, **_DAYS
    )
    change_request_days = models.PositiveSmallIntegerField(
        _("secretary change request decided, days from the request"), default=10, **_DAYS
    )
    change_returned_days = models.PositiveSmallIntegerField(
        _("returned secretary change request revised, days from its return"),
        default=7,
        **_DAYS,
    )
    audit_start_days = models.PositiveSmallIntegerField(
        _("term-end or departure audit started, days from the post's end"), default=30, **_DAYS
    )
    light_red_days = models.PositiveSmallIntegerField(
        _("red light looked into, days from turning red"), default=7, **_DAYS
    )
    # Stored on each handover when the election opens it: a later version moves no due date.
    handover_days = models.PositiveSmallIntegerField(
        _("handover after a general election completed, days from the election"),
        default=HANDOVER_DAYS,
        **_DAYS,
    )
    evaluation_month = models.PositiveSmallIntegerField(
        _("annual evaluations done by the end of month"),
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("Secretaries not yet evaluated are listed from the first day of this month."),
    )

    class Meta(RuleVersion.Meta):
        verbose_name = _("to-do deadlines version")
        verbose_name_plural = _("to-do deadlines versions")
        constraints = [
            *RuleVersion.Meta.constraints,
            models.CheckConstraint(
                condition=Q(
                    *[Q(**{f"{name}__gte": 1, f"{name}__lte": 365}) for name in _TODO_DAY_FIELDS]
                )
                & Q(evaluation_month__gte=1, evaluation_month__lte=12),
                name="tododeadlines_in_range",
            ),
        ]

    @property
    def values(self) -> list[int]:
        return [getattr(self, name) for name in self.FIELDS]
