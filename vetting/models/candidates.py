"""Candidate vetting (凡进必审): a nomination case, its family, reviews, opinions and timeline.

A case carries the candidate's identity itself (copied from the register when the
candidate is an existing person), so the screening engine treats candidates and
their relatives like any other subject. The states and who moves a case between
them are in vetting.workflow.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.choices import Department, Education, Ethnicity, PoliticalStatus
from cadres.dates import precision_field
from cadres.models import (
    IdentityFields,
    ImportFile,
    Person,
    Post,
    Relative,
    StoredDocument,
    TimeStampedModel,
    Village,
    VillagerGroup,
)


class CandidateCase(IdentityFields, TimeStampedModel):
    """One nomination of one person to one post, from draft to decision."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        TOWNSHIP_REVIEW = "township_review", _("Township preliminary review")
        DISTRICT_REVIEW = "district_review", _("District joint review")
        RETURNED = "returned", _("Returned to the nominator")
        APPROVED = "approved", _("Approved in vetting")
        REJECTED = "rejected", _("Rejected in vetting")

    class Kind(models.TextChoices):
        NEW_POST = "new_post", _("Nomination to a new post")
        # 补审: the joint review of a post held before the system (roster or 存量登记).
        SUPPLEMENTARY = "supplementary", _("Supplementary review of an existing post")

    # While a case is under review its candidate and relatives are screened, nightly too.
    SCREENED_STATES = (State.TOWNSHIP_REVIEW, State.DISTRICT_REVIEW)
    township_lookup = "village__township"

    kind = models.CharField(
        _("kind of case"), max_length=16, choices=Kind.choices, default=Kind.NEW_POST
    )
    # Not ``post``: a rejected 补审 would otherwise hold the post's one link to a case.
    reviewed_post = models.ForeignKey(
        Post,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supplementary_cases",
        verbose_name=_("post under supplementary review"),
    )
    person = models.ForeignKey(
        Person,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="candidate_cases",
        verbose_name=_("existing person"),
    )
    ethnicity = models.CharField(
        _("ethnicity"), max_length=2, choices=Ethnicity.choices, default=Ethnicity.HAN
    )
    political_status = models.CharField(
        _("political status"), max_length=20, choices=PoliticalStatus.choices, blank=True
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="candidate_cases", verbose_name=_("target village")
    )
    body = models.CharField(_("body"), max_length=24, choices=Post.Body.choices)
    title = models.CharField(_("title"), max_length=20, choices=Post.Title.choices)
    villager_group = models.ForeignKey(
        VillagerGroup,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("villager group"),
    )
    term_start = models.DateField(_("term start"))
    term_start_precision = precision_field(_("term start known to"))
    term_end = models.DateField(_("term end"), null=True, blank=True)
    term_end_precision = precision_field(_("term end known to"))
    reason = models.TextField(_("reason for the nomination"))
    # The cells of a nomination workbook's columns that the import does not know, kept at
    # the nominator's choice by their header as in the file (like Person.extra).
    extra = models.JSONField(_("kept columns"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        related_name="+",
        verbose_name=_("nominated by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    override_reason = models.TextField(_("reason for overriding a disagreement"), blank=True)
    strict_control_justification = models.TextField(
        _("justification of strict control"), blank=True
    )
    post = models.OneToOneField(
        Post,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="candidate_case",
        verbose_name=_("appointed post"),
    )
    # The nomination workbook the case came from (批量提名): its joint-review forms print
    # together.
    batch = models.ForeignKey(
        ImportFile,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nomination batch"),
    )
    # The general election (换届) the candidate stands in: approval then qualifies them, and
    # the post starts only if they are elected (vetting.services.election).
    election = models.ForeignKey(
        "vetting.Election",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("general election"),
    )
    # The rules the decision was made under (set by the decision).
    negative_list = models.ForeignKey(
        "vetting.NegativeList",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("negative list version applied"),
    )
    eligibility_rules = models.ForeignKey(
        "vetting.EligibilityRules",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eligibility rules version applied"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("candidate case")
        verbose_name_plural = _("candidate cases")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "rejected"])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="case_decision_has_decider",
            ),
            models.CheckConstraint(
                condition=~Q(state="approved")
                | Q(post__isnull=False)
                | Q(election__isnull=False, kind="new_post"),
                name="case_approved_has_post",
            ),
            models.CheckConstraint(
                condition=Q(kind="new_post", reviewed_post__isnull=True)
                | Q(kind="supplementary", reviewed_post__isnull=False),
                name="case_reviewed_post_only_for_supplementary",
            ),
            models.UniqueConstraint(
                fields=["reviewed_post"],
                condition=~Q(state="rejected"),
                name="case_one_supplementary_review_per_post",
            ),
        ]
        indexes = [
            # Queues and pipeline counts: cases of a state, per village/township.
            models.Index(fields=["state", "village"], name="case_state_village_idx"),
            # An election's candidates village by village (its stages, its results).
            models.Index(fields=["election", "village", "state"], name="case_election_village_idx"),
        ]
        permissions = [
            ("nominate_candidate", _("Can nominate candidates")),
            ("review_township", _("Can review candidates for the township")),
            ("review_district", _("Can review and decide candidates for the district")),
            ("give_opinion", _("Can give a department's opinion on candidates")),
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.village} {self.get_title_display()}"


class CandidateRelative(IdentityFields, TimeStampedModel):
    """A family member of a candidate; screened with the candidate."""

    township_lookup = "case__village__township"

    case = models.ForeignKey(
        CandidateCase, models.CASCADE, related_name="relatives", verbose_name=_("candidate case")
    )
    relation = models.CharField(_("relation"), max_length=20, choices=Relative.Relation.choices)
    work_unit_and_post = models.CharField(_("work unit and post"), max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("candidate's relative")
        verbose_name_plural = _("candidates' relatives")

    def __str__(self) -> str:
        return f"{self.name}（{self.get_relation_display()}）"


class CaseAttachment(StoredDocument):
    """A document of the nomination, or a department's reply letter; served only by the
    scoped download view."""

    township_lookup = "case__village__township"

    case = models.ForeignKey(
        CandidateCase, models.CASCADE, related_name="attachments", verbose_name=_("candidate case")
    )

    class Meta:
        ordering = ["case", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")


class CaseTransition(models.Model):
    """One step of a case's timeline: who did what, when, from which state to which."""

    class Verb(models.TextChoices):
        CREATE = "create", _("Nominated")
        EDIT = "edit", _("Revised")
        SUBMIT = "submit", _("Submitted")
        CHECK = "check", _("Checkpoints recorded")
        FORWARD = "forward", _("Sent to the district")
        RETURN = "return", _("Returned to the nominator")
        OPEN_JOINT_REVIEW = "open_joint_review", _("Joint review opened")
        OPINION = "opinion", _("Department opinion")
        RECORD_REPLY = "record_reply", _("Opinion recorded from a reply letter")
        WITHDRAW_DEPARTMENT = "withdraw_department", _("Department withdrawn from the review")
        APPROVE = "approve", _("Approved in vetting")
        REJECT = "reject", _("Rejected in vetting")

    township_lookup = "case__village__township"

    case = models.ForeignKey(
        CandidateCase, models.CASCADE, related_name="transitions", verbose_name=_("candidate case")
    )
    verb = models.CharField(_("workflow step"), max_length=20, choices=Verb.choices)
    from_state = models.CharField(
        _("state before"), max_length=20, choices=CandidateCase.State.choices, blank=True
    )
    to_state = models.CharField(
        _("state after"), max_length=20, choices=CandidateCase.State.choices
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("done by")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["case", "at", "pk"]
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} → {self.to_state}"


class Checkpoint(TimeStampedModel):
    """One of the five checkpoints (五关), recorded by the township and by the district."""

    class Level(models.TextChoices):
        TOWNSHIP = "township", _("Township")
        DISTRICT = "district", _("District")

    class Kind(models.TextChoices):
        POLITICAL = "political", _("Political checkpoint")
        ABILITY = "ability", _("Ability checkpoint")
        LAW = "law", _("Law and discipline checkpoint")
        INTEGRITY = "integrity", _("Integrity checkpoint")
        REPUTATION = "reputation", _("Reputation checkpoint")

    class Verdict(models.TextChoices):
        PASS = "pass", _("Pass")
        CONCERN = "concern", _("Concern")
        FAIL = "fail", _("Fail")

    township_lookup = "case__village__township"

    case = models.ForeignKey(
        CandidateCase, models.CASCADE, related_name="checkpoints", verbose_name=_("candidate case")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("checkpoint"), max_length=12, choices=Kind.choices)
    verdict = models.CharField(_("verdict"), max_length=8, choices=Verdict.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "level", "pk"]
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "level", "kind"], name="checkpoint_unique_per_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_verdict_display()}"


def working_days_after(day: dt.date, count: int) -> dt.date:
    """The date ``count`` working days (Monday to Friday) after ``day``; no holiday calendar."""
    while count > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


class DepartmentOpinion(TimeStampedModel):
    """A department's opinion in the joint review: requested, then agreed or not, by the
    department itself or recorded by the district from its reply letter (回函); or the
    department withdrawn from this review with a reason, so that the review can finish."""

    class Verdict(models.TextChoices):
        PENDING = "pending", _("Awaiting opinion")
        AGREE = "agree", _("Agree")
        DISAGREE = "disagree", _("Disagree")
        WITHDRAWN = "withdrawn", _("Withdrawn from the review")

    DUE_WORKING_DAYS = 5
    township_lookup = "case__village__township"

    case = models.ForeignKey(
        CandidateCase, models.CASCADE, related_name="opinions", verbose_name=_("candidate case")
    )
    department = models.CharField(
        _("joint-review department"), max_length=20, choices=Department.choices
    )
    verdict = models.CharField(
        _("opinion"), max_length=10, choices=Verdict.choices, default=Verdict.PENDING
    )
    due_on = models.DateField(_("opinion due on"))
    note = models.TextField(_("note"), blank=True)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("given by"),
    )
    given_at = models.DateTimeField(_("given at"), null=True, blank=True)
    reply_on = models.DateField(_("date of the reply letter"), null=True, blank=True)
    reply_letter = models.ForeignKey(
        CaseAttachment,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reply letter"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["case", "department"]
        verbose_name = _("department opinion")
        verbose_name_plural = _("department opinions")
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="opinion_unique_per_case"),
            models.CheckConstraint(
                condition=Q(verdict="pending", given_by__isnull=True)
                | ~Q(verdict="pending") & Q(given_by__isnull=False, given_at__isnull=False),
                name="opinion_given_has_author",
            ),
            models.CheckConstraint(
                condition=~Q(verdict="withdrawn") | ~Q(note=""),
                name="opinion_withdrawal_has_reason",
            ),
            # A reply letter is an agreement or a disagreement, with its date and its file.
            models.CheckConstraint(
                condition=Q(reply_on__isnull=True, reply_letter__isnull=True)
                | Q(
                    reply_on__isnull=False,
                    reply_letter__isnull=False,
                    verdict__in=["agree", "disagree"],
                ),
                name="opinion_reply_has_letter",
            ),
        ]
        indexes = [
            # A department's queue: its pending opinions.
            models.Index(fields=["department", "verdict"], name="opinion_queue_idx"),
            # The overdue list: pending opinions due before today.
            models.Index(fields=["verdict", "due_on"], name="opinion_overdue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_department_display()}: {self.get_verdict_display()}"

    @classmethod
    def default_due(cls, opened_on: dt.date) -> dt.date:
        return working_days_after(opened_on, cls.DUE_WORKING_DAYS)


class DefaultDepartment(TimeStampedModel):
    """The departments asked for an opinion unless the district reviewer picks otherwise."""

    department = models.CharField(
        _("joint-review department"), max_length=20, choices=Department.choices, unique=True
    )

    class Meta:
        ordering = ["department"]
        verbose_name = _("default joint-review department")
        verbose_name_plural = _("default joint-review departments")

    def __str__(self) -> str:
        return self.get_department_display()
