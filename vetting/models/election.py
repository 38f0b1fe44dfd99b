"""The general election (换届): the district's election, each township's plan, each village's
timeline and results.

The district opens an election; each township fills its plan (its villages, the 资格联审 and
备案 deadlines, the election date of each village, and targets for the new teams taken from
the structure targets). Candidates are CandidateCases of the election. The township enters
each village's results (which approved candidate won which post, with the votes); the
district confirms them, which ends the posts of those not re-elected (换届) and starts the
new ones from the approved cases in one transaction (vetting.services.election). A village's
stage is derived from these rows (vetting.election_stages), never stored.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cadres.models import Post, TimeStampedModel, Township, Village, VillagerGroup

_SHARE = {
    "max_digits": 4,
    "decimal_places": 1,
    "null": True,
    "blank": True,
    "validators": [MinValueValidator(0), MaxValueValidator(100)],
}
# The plan's targets, by the StructureTargets field each starts from.
PLAN_TARGETS = (
    "one_shoulder_share_min",
    "young_share_min",
    "college_share_min",
    "women_share_min",
)


class Election(TimeStampedModel):
    """One general election of the village committees, district-wide."""

    name = models.CharField(_("name"), max_length=100)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    # The district's deadlines; a township's plan may set earlier ones for itself.
    joint_review_deadline = models.DateField(_("joint review deadline"))
    filing_deadline = models.DateField(_("filing deadline"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("opened by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("general election")
        verbose_name_plural = _("general elections")
        constraints = [
            models.UniqueConstraint(fields=["year"], name="election_one_per_year"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="election_ends_after_start"
            ),
        ]
        permissions = [
            ("open_election", _("Can open a general election")),
            ("plan_election", _("Can fill the township's election plan and enter results")),
        ]

    def __str__(self) -> str:
        return self.name


class ElectionPlan(TimeStampedModel):
    """A township's plan for the election: deadlines and the targets of its new teams."""

    township_lookup = "township"

    election = models.ForeignKey(
        Election, models.CASCADE, related_name="plans", verbose_name=_("general election")
    )
    township = models.ForeignKey(
        Township, models.PROTECT, related_name="+", verbose_name=_("township")
    )
    joint_review_deadline = models.DateField(_("joint review deadline"))
    filing_deadline = models.DateField(_("filing deadline"))
    one_shoulder_share_min = models.DecimalField(
        _("villages whose secretary is also director, at least (%)"), **_SHARE
    )
    young_share_min = models.DecimalField(_("aged 35 or younger, at least (%)"), **_SHARE)
    college_share_min = models.DecimalField(_("junior college or above, at least (%)"), **_SHARE)
    women_share_min = models.DecimalField(_("women, at least (%)"), **_SHARE)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["election", "township"]
        verbose_name = _("township election plan")
        verbose_name_plural = _("township election plans")
        constraints = [
            models.UniqueConstraint(
                fields=["election", "township"], name="electionplan_one_per_township"
            ),
            models.CheckConstraint(
                condition=Q(
                    *[
                        Q(**{f"{name}__isnull": True})
                        | Q(**{f"{name}__gte": 0, f"{name}__lte": 100})
                        for name in PLAN_TARGETS
                    ]
                ),
                name="electionplan_shares_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.election} · {self.township}"


class ElectionVillage(TimeStampedModel):
    """One village in a township's plan: its election date, and what became of its results."""

    township_lookup = "plan__township"

    plan = models.ForeignKey(
        ElectionPlan, models.CASCADE, related_name="villages", verbose_name=_("election plan")
    )
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="+", verbose_name=_("village")
    )
    election_on = models.DateField(_("election date"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("results confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("results confirmed by"),
    )
    filed_on = models.DateField(_("filed on"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["plan", "village"]
        verbose_name = _("village in the election")
        verbose_name_plural = _("villages in the election")
        constraints = [
            models.UniqueConstraint(fields=["plan", "village"], name="electionvillage_unique"),
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(confirmed_by__isnull=False),
                name="electionvillage_confirmation_has_confirmer",
            ),
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | Q(confirmed_at__isnull=False),
                name="electionvillage_filed_after_confirmation",
            ),
        ]

    def __str__(self) -> str:
        return str(self.village)


class ElectionResult(TimeStampedModel):
    """One post won in a village's election: by which approved candidate case, with how many
    votes. The post itself starts when the district confirms the village's results."""

    township_lookup = "village__plan__township"

    village = models.ForeignKey(
        ElectionVillage,
        models.CASCADE,
        related_name="results",
        verbose_name=_("village in the election"),
    )
    case = models.OneToOneField(
        "vetting.CandidateCase",
        models.PROTECT,
        related_name="election_result",
        verbose_name=_("candidate case"),
    )
    # Copied from the case, so that the database refuses a post filled twice.
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
    votes = models.PositiveIntegerField(_("votes"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("entered by")
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["village", "body", "title", "pk"]
        verbose_name = _("election result")
        verbose_name_plural = _("election results")
        constraints = [
            models.UniqueConstraint(
                fields=["village"],
                condition=Q(body="party_branch", title="secretary"),
                name="electionresult_one_secretary",
            ),
            models.UniqueConstraint(
                fields=["village", "body"],
                condition=Q(title="director"),
                name="electionresult_one_director_per_body",
            ),
            models.UniqueConstraint(
                fields=["village", "villager_group"],
                condition=Q(body="villager_group"),
                name="electionresult_one_group_leader",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village}: {self.case.name} {self.get_title_display()}"


class ElectionBatch(models.Model):
    """A nomination workbook (批量提名) uploaded within an election: its cases belong to it."""

    township_lookup = "import_file__township"

    election = models.ForeignKey(
        Election, models.CASCADE, related_name="batches", verbose_name=_("general election")
    )
    import_file = models.OneToOneField(
        "cadres.ImportFile",
        models.CASCADE,
        related_name="election_batch",
        verbose_name=_("nomination batch"),
    )

    class Meta:
        ordering = ["election", "pk"]
        verbose_name = _("nomination batch of an election")
        verbose_name_plural = _("nomination batches of an election")

    def __str__(self) -> str:
        return f"{self.election}: {self.import_file}"
