"""The election's before-and-after (换届前后对比): each township and the district, before and
after a general election, on every structure indicator, against the township plan's targets.

The dates: *before* is the day before the election starts (``Election.starts_on``), when no
village of it has changed its team yet; *after* is today, or the latest election date of a
village whose results are confirmed if that is later (the new posts begin on the village's
election date, which may still be ahead). Both are the same for every user, so a township's
figures are the district's rows.

Every figure comes from ``cadres.structure.team_structure`` run once for each date (the one
way to compute the indicators); the renewal counts ride in the same passes as its extra
counters: *stayed* is a person serving in the township on both dates, *renewed* one serving
after but not before, *left* one serving before but not after. The population is every
serving cadre of the township, as the structure page counts them.

Targets: a township's plan sets its own (一肩挑, under 35, 大专及以上, women); an indicator the
plan leaves empty, and the district's row, take the active structure targets. An indicator
is met when its share *after* reaches its target.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cadres.listing import Col, ListSpec
from cadres.models import Post
from cadres.scoping import TownshipReader, scope, sees_all_townships, user_townships
from cadres.structure import INDICATORS, Indicator, Row, team_structure
from vetting.models import Election, ElectionPlan, ElectionVillage
from vetting.models.election import PLAN_TARGETS

VIEW = "vetting.view_election"


def _serving_in_same_township(on: dt.date) -> Q:
    """The post's person also serves in the post's township on ``on``."""
    return Q(
        Exists(
            Post.objects.serving(on).filter(
                person=OuterRef("person"), village__township=OuterRef("village__township")
            )
        )
    )


@dataclass
class Comparison:
    key: str
    label: str
    before: Indicator
    after: Indicator
    target: Decimal | None
    met: bool | None  # None: no target, or nothing to measure after

    def as_json(self) -> dict:
        def side(i: Indicator) -> dict:
            return {"count": i.count, "of": i.base, "share": _number(i.share)}

        return {
            "label": self.label,
            "before": side(self.before),
            "after": side(self.after),
            "target": _number(self.target),
            "met": self.met,
        }


@dataclass
class ReportRow:
    """One township, or the district (all the user sees)."""

    name: str
    code: str
    before: Row
    after: Row
    targets_from_plan: bool = False
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def people_before(self) -> int:
        return self.before.count("people")

    @property
    def people_after(self) -> int:
        return self.after.count("people")

    @property
    def stayed(self) -> int:
        return self.after.count("stayed")

    @property
    def renewed(self) -> int:
        return self.people_after - self.stayed

    @property
    def left(self) -> int:
        return self.people_before - self.before.count("stays")

    def comparison(self, key: str) -> Comparison:
        return next(c for c in self.comparisons if c.key == key)

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "people_before": self.people_before,
            "people_after": self.people_after,
            "stayed": self.stayed,
            "renewed": self.renewed,
            "left": self.left,
            "average_age_before": _number(self.before.average_age),
            "average_age_after": _number(self.after.average_age),
            "average_age_target": _number(self.after.average_age_target),
            "average_age_met": self.after.average_age_met,
            "targets_from_plan": self.targets_from_plan,
            "indicators": {c.key: c.as_json() for c in self.comparisons},
        }


@dataclass
class ElectionReport:
    election: Election
    before_on: dt.date
    after_on: dt.date
    rows: list[ReportRow]  # townships
    total: ReportRow

    @property
    def table_rows(self) -> list[ReportRow]:
        return [*self.rows, self.total]

    def as_json(self) -> dict:
        return {
            "election": {
                "id": self.election.pk,
                "name": self.election.name,
                "year": self.election.year,
            },
            "before_on": self.before_on.isoformat(),
            "after_on": self.after_on.isoformat(),
            "townships": [row.as_json() for row in self.rows],
            "district": self.total.as_json(),
        }


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def report_dates(election: Election, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The day before the election starts, and today or the latest confirmed election date."""
    today = today or timezone.localdate()
    latest = ElectionVillage.objects.filter(
        plan__election=election, confirmed_at__isnull=False
    ).aggregate(on=Max("election_on"))["on"]
    before = election.starts_on - dt.timedelta(days=1)
    return before, max(today, latest or today, before + dt.timedelta(days=1))


def may_view(user) -> bool:
    """Township and district roles of the election, and the system's own reader (the
    command); the departments, who reach no township, have nothing to compare."""
    if isinstance(user, TownshipReader):
        return True
    return user.has_perm(VIEW) and (sees_all_townships(user) or user_townships(user).exists())


def election_report(user, election: Election, today: dt.date | None = None) -> ElectionReport:
    """The before-and-after of ``election`` for the townships ``user`` reaches, and their
    total (the district for district roles). Five queries a date and two more, whatever the
    number of villages."""
    if not may_view(user):
        raise PermissionDenied
    before_on, after_on = report_dates(election, today)
    before = team_structure(
        user,
        before_on,
        counters={"stays": Count("pk", filter=_serving_in_same_township(after_on))},
    )
    after = team_structure(
        user,
        after_on,
        counters={"stayed": Count("pk", filter=_serving_in_same_township(before_on))},
    )
    plans = {
        plan.township_id: plan
        for plan in scope(ElectionPlan.objects.filter(election=election), user)
    }
    before_rows = {row.pk: row for row in before.rows}
    rows = [
        _compare(
            after_row.name,
            after_row.code,
            before_rows.get(after_row.pk) or _nothing_before(after_row),
            after_row,
            plans.get(after_row.pk),
        )
        for after_row in after.rows
    ]
    total = _compare(after.total.name, after.total.code, before.total, after.total, None)
    return ElectionReport(election, before_on, after_on, rows, total)


def _nothing_before(after_row: Row) -> Row:
    """A township with no villages yet on the day before (added since): nothing before."""
    row = Row(after_row.name, {}, after_row.pk, after_row.code)
    row.indicators = [
        Indicator(i.key, i.label, 0, 0, None, i.target, None) for i in after_row.indicators
    ]
    return row


def _compare(name: str, code: str, before: Row, after: Row, plan: ElectionPlan | None) -> ReportRow:
    row = ReportRow(name=name, code=code, before=before, after=after)
    before_by_key = {i.key: i for i in before.indicators}
    for indicator in after.indicators:
        target = indicator.target
        target_field = f"{indicator.key}_share_min"
        if plan is not None and target_field in PLAN_TARGETS:
            planned = getattr(plan, target_field)
            if planned is not None:
                target = planned
                row.targets_from_plan = True
        met = None
        if indicator.share is not None and target is not None:
            met = indicator.share >= target
        row.comparisons.append(
            Comparison(
                key=indicator.key,
                label=indicator.label,
                before=before_by_key[indicator.key],
                after=indicator,
                target=target,
                met=met,
            )
        )
    return row


# The columns of the page's table and of its workbook.
def _met(met: bool | None) -> str:
    return "" if met is None else (gettext("Yes") if met else gettext("No"))


def _indicator_columns():
    for spec in INDICATORS:
        yield Col(
            format_lazy("{} · {}", spec.label, _("before (%)")),
            lambda row, key=spec.key: row.comparison(key).before.share,
            width=9,
        )
        yield Col(
            _("After (%)"), lambda row, key=spec.key: row.comparison(key).after.share, width=9
        )
        yield Col(_("Target (%)"), lambda row, key=spec.key: row.comparison(key).target, width=8)
        yield Col(_("Met"), lambda row, key=spec.key: _met(row.comparison(key).met), width=6)


REPORT_COLUMNS = [
    Col(pgettext_lazy("place", "Name"), lambda row: row.name, width=14),
    Col(_("Division code"), lambda row: row.code, width=14, text=True),
    Col(_("Cadres before"), lambda row: row.people_before, width=10),
    Col(_("Cadres after"), lambda row: row.people_after, width=10),
    Col(_("Stayed"), lambda row: row.stayed, width=8),
    Col(_("Renewed (new people)"), lambda row: row.renewed, width=10),
    Col(_("Left"), lambda row: row.left, width=8),
    Col(_("Average age before"), lambda row: row.before.average_age, width=10),
    Col(_("Average age after"), lambda row: row.after.average_age, width=10),
    Col(_("Average age, at most"), lambda row: row.after.average_age_target, width=10),
    Col(_("Average age met"), lambda row: _met(row.after.average_age_met), width=8),
    *_indicator_columns(),
]

REPORT_SPEC = ListSpec(
    title=_("Before and after the election"),
    columns=REPORT_COLUMNS,
    filename="election-{election}-before-after-{date}.xlsx",
)
