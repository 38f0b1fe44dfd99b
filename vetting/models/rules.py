"""The district's rules of source control, as data: the negative list (负面清单), which says
what bars a candidate and what opens a removal case, and the eligibility rules per post.

Each is versioned like the grading rule: saving on the rules page writes a new version with
its items, exactly one version is active, and a decision keeps the version it was made under.
Items are never edited; a change is a new version.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cadres.models import RuleVersion
from vetting.models.watchlists import WatchlistSource


class NegativeList(RuleVersion):
    """A version of the negative list: per list kind and measure, whether a confirmed entry
    bars a candidate and whether it opens a removal case for a serving cadre."""

    class Meta(RuleVersion.Meta):
        verbose_name = _("negative list version")
        verbose_name_plural = _("negative list versions")


class NegativeListItem(models.Model):
    """One line of the negative list. The entry's measure is matched by the longest term it
    contains (严重警告 before 警告); a line without a term covers the rest of its kind.

    With ``within_years`` the line counts only within that many years of the entry's
    decision date (an entry without a date counts: nothing shows the time has passed).
    """

    version = models.ForeignKey(
        NegativeList, models.CASCADE, related_name="items", verbose_name=_("version")
    )
    kind = models.CharField(_("list kind"), max_length=24, choices=WatchlistSource.Kind.choices)
    measure = models.CharField(
        _("measure contains"),
        max_length=50,
        blank=True,
        help_text=_("Empty: every other measure of this list kind."),
    )
    bars_candidate = models.BooleanField(_("bars a candidate"), default=True)
    opens_removal = models.BooleanField(_("opens a removal case"), default=True)
    within_years = models.PositiveSmallIntegerField(
        _("only within years of the decision"), null=True, blank=True
    )

    class Meta:
        ordering = ["version", "kind", "measure"]
        verbose_name = _("negative list item")
        verbose_name_plural = _("negative list items")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "kind", "measure"], name="negativeitem_unique_measure"
            ),
            models.CheckConstraint(
                condition=Q(within_years__isnull=True) | Q(within_years__gt=0),
                name="negativeitem_years_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.measure}".strip()


class EligibilityRules(RuleVersion):
    """A version of the eligibility conditions that every candidate and cadre must meet."""

    class Meta(RuleVersion.Meta):
        verbose_name = _("eligibility rules version")
        verbose_name_plural = _("eligibility rules versions")
        permissions = [
            ("view_eligibility_review", _("Can see the cadres due for an eligibility review"))
        ]


class EligibilityRule(models.Model):
    """One condition of a version: which check (code), whether it applies, its parameter
    and the message shown to whoever it refuses."""

    class Code(models.TextChoices):
        PARTY_MEMBER = "party_member", _("Party posts need a full CPC member")
        SUPERVISOR_APART = (
            "supervisor_apart",
            _(
                "Supervision committee apart from the two committees of the village and their "
                "close family"
            ),
        )
        MINIMUM_AGE = "minimum_age", _("Minimum age on the term start")

    version = models.ForeignKey(
        EligibilityRules, models.CASCADE, related_name="rules", verbose_name=_("version")
    )
    code = models.CharField(_("condition"), max_length=20, choices=Code.choices)
    enabled = models.BooleanField(_("applies"), default=True)
    # The parameter of the minimum age; the other conditions have none.
    years = models.PositiveSmallIntegerField(_("years"), null=True, blank=True)
    message = models.CharField(_("message when not met"), max_length=200)

    class Meta:
        ordering = ["version", "code"]
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="eligibility_unique_code"),
            models.CheckConstraint(
                condition=~Q(code="minimum_age") | Q(years__isnull=False),
                name="eligibility_age_has_years",
            ),
        ]

    def __str__(self) -> str:
        return self.get_code_display()
