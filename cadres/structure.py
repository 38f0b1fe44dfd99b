"""队伍结构: the make-up of the serving cadres by village, township and district, against the
district's targets (StructureTargets, versioned).

Every figure counts people, once however many posts they hold: what they are (age,
education, sex, party) over one serving post per person and group (the first, by an
anti-join), what they hold (bodies, cross posts, 一肩挑) as distinct people over the posts.
All of it is aggregated in the database, two grouped queries a level, whatever the size of
the district; a total is the sum of its rows unless someone serves in two of them.

The population is every serving cadre (two committees, supervision committee, group leaders),
as the dashboard and the monthly summary count them; 交叉任职 is a share of the two-committee
members, 一肩挑 a share of the villages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from cadres.ages import AGE_BANDS, age_band_q
from cadres.choices import Education, PoliticalStatus, Sex
from cadres.listing import Col
from cadres.models import Post, StructureTargets, Township, Village
from cadres.place_events import village_names_on
from cadres.scoping import (
    kept_today,
    require_township,
    scope,
    sees_all_townships,
    user_townships,
)
from cadres.services import require_perm

PARTY = Post.Body.PARTY_BRANCH
COMMITTEE = Post.Body.VILLAGERS_COMMITTEE
COLLEGE_OR_ABOVE = (Education.POSTGRADUATE, Education.BACHELOR, Education.COLLEGE)
PARTY_MEMBERS = (PoliticalStatus.CPC_MEMBER, PoliticalStatus.CPC_PROBATIONARY)
YOUNG_BAND = "le35"


@dataclass(frozen=True)
class IndicatorSpec:
    key: str
    label: str
    count: str  # the counter of the people (or villages) who are
    base: str  # the counter they are a share of
    target: str  # the StructureTargets field


INDICATORS = [
    IndicatorSpec(
        "young", _("Aged 35 or younger"), f"age_{YOUNG_BAND}", "people", "young_share_min"
    ),
    IndicatorSpec(
        "college", _("Junior college or above"), "college", "people", "college_share_min"
    ),
    IndicatorSpec("women", _("Women"), "women", "people", "women_share_min"),
    IndicatorSpec("party", _("CPC members"), "party", "people", "party_share_min"),
    IndicatorSpec(
        "one_shoulder",
        _("Secretary also director (villages)"),
        "one_shoulder",
        "villages",
        "one_shoulder_share_min",
    ),
    IndicatorSpec(
        "cross",
        _("Posts on both committees (of their members)"),
        "cross",
        "two_committee",
        "cross_share_min",
    ),
]


@dataclass
class Indicator:
    key: str
    label: str
    count: int
    base: int
    share: Decimal | None  # percent, None without a base
    target: Decimal | None
    met: bool | None  # None: no target, or nothing to measure

    @property
    def text(self) -> str:
        share = "" if self.share is None else f" · {self.share}%"
        return f"{self.count}/{self.base}{share}"

    @property
    def badge(self) -> str:
        """The target beside the figure, ≥ when met, < when not ("" without a verdict)."""
        if self.met is None:
            return ""
        return f"≥{self.target}%" if self.met else f"<{self.target}%"


@dataclass
class Row:
    """The figures of one group: a village, a township, or all the user sees."""

    name: str
    counts: dict[str, int]
    pk: int | None = None
    code: str = ""
    average_age: Decimal | None = None
    average_age_target: Decimal | None = None
    average_age_met: bool | None = None
    indicators: list[Indicator] = field(default_factory=list)

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    def band_counts(self) -> list[int]:
        return [self.count(f"age_{band}") for band, *_rest in AGE_BANDS]

    def age_bands(self) -> list[tuple[str, str, int]]:
        return [(band, str(label), self.count(f"age_{band}")) for band, label, *_rest in AGE_BANDS]

    def education(self) -> list[tuple[str, str, int]]:
        return [(e.value, str(e.label), self.count(f"edu_{e.value}")) for e in Education]

    def as_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "people": self.count("people"),
            "villages": self.count("villages"),
            "bodies": {body.value: self.count(f"body_{body.value}") for body in Post.Body},
            "two_committee_members": self.count("two_committee"),
            "age_bands": {band: number for band, _label, number in self.age_bands()},
            "age_known": self.count("age_known"),
            "age_sum": self.count("age_sum"),
            "average_age": _number(self.average_age),
            "average_age_target": _number(self.average_age_target),
            "average_age_met": self.average_age_met,
            "education": {level: number for level, _label, number in self.education()},
            "indicators": {
                i.key: {
                    "count": i.count,
                    "of": i.base,
                    "share": _number(i.share),
                    "target": _number(i.target),
                    "met": i.met,
                }
                for i in self.indicators
            },
        }


@dataclass
class Structure:
    on: dt.date
    targets: StructureTargets | None
    total: Row
    rows: list[Row]  # townships, or the villages of one township
    township: Township | None = None  # the township drilled into
    # When the figures were counted: today's are kept for FIGURES_CACHE_SECONDS.
    computed_at: dt.datetime = field(default_factory=timezone.now)

    @property
    def table_rows(self) -> list[Row]:
        return [*self.rows, self.total]

    @property
    def recount_minutes(self) -> int:
        """How old today's figures may be, for the pages to say (0: counted on each request)."""
        return settings.FIGURES_CACHE_SECONDS // 60 if self.on == timezone.localdate() else 0


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _percent(count: int, base: int) -> Decimal | None:
    if not base:
        return None
    return (Decimal(count * 100) / base).quantize(Decimal("0.1"), ROUND_HALF_UP)


def active_targets() -> StructureTargets | None:
    return StructureTargets.objects.filter(active=True).first()


def _age(on: dt.date):
    """Whole years on ``on``: the difference of the years, less one before the birthday."""
    before_birthday = Q(person__birth_date__month__gt=on.month) | Q(
        person__birth_date__month=on.month, person__birth_date__day__gt=on.day
    )
    return (
        Value(on.year)
        - ExtractYear("person__birth_date")
        - Case(When(before_birthday, then=Value(1)), default=Value(0), output_field=IntegerField())
    )


def _person_counters(on: dt.date, extra: dict | None = None) -> dict:
    """Counters of the people, over rows that are one post per person and group, with the
    caller's ``extra`` ones (aggregates over those posts, see ``team_structure``)."""

    def people(condition: Q | None = None) -> Count:
        return Count("pk", filter=condition)

    known = Q(person__birth_date__isnull=False)
    counters = {
        "people": people(),
        "age_known": people(known),
        "age_sum": Sum(_age(on), filter=known),
    }
    for band, *_rest in AGE_BANDS:
        counters[f"age_{band}"] = people(age_band_q(band, on, "person__birth_date"))
    return counters | (extra or {})


# Counted by grouping on them rather than by a filtered count each: a few hundred rows come
# back, summed here, where each filtered count would cost a pass over every person.
KINDS = ("person__education", "person__sex", "person__political_status")
EDUCATION_LEVELS = set(Education.values)


def _person_counts(firsts: QuerySet, on: dt.date, extra: dict | None, *group: str) -> dict:
    """The people's counters per value of ``group`` (None without one)."""
    counts: dict = {}
    counters = _person_counters(on, extra)
    for row in firsts.values(*group, *KINDS).annotate(**counters).order_by():
        education, sex, status = (row.pop(kind) for kind in KINDS)
        added = counts.setdefault(row.pop(group[0]) if group else None, defaultdict(int))
        for name, value in row.items():
            added[name] += value or 0
        if education in EDUCATION_LEVELS:
            added[f"edu_{education}"] += row["people"]
        added["women"] += row["people"] if sex == Sex.FEMALE else 0
        added["party"] += row["people"] if status in PARTY_MEMBERS else 0
    return counts


def _post_counters(posts: QuerySet) -> dict:
    """Counters of what people hold, over every post of the group, each person once.

    Cross posts and 一肩挑 are held within one village: the party posts (the secretaries)
    with a committee post (the director's) of the same person in the same village, found by
    a semi-join; a person is counted in the group of those posts.
    """

    def partnered(rows: QuerySet, **partner) -> Q:
        same_village = posts.filter(
            person=OuterRef("person"), village=OuterRef("village"), body=COMMITTEE, **partner
        )
        return Q(pk__in=rows.filter(Exists(same_village)).values("pk"))

    def people(condition: Q) -> Count:
        return Count("person", distinct=True, filter=condition)

    secretaries = posts.filter(body=PARTY, title=Post.Title.SECRETARY)
    return {
        **{f"body_{body.value}": people(Q(body=body)) for body in Post.Body},
        "two_committee": people(Q(body__in=[PARTY, COMMITTEE])),
        "cross": people(partnered(posts.filter(body=PARTY))),
        "one_shoulder": people(partnered(secretaries, title=Post.Title.DIRECTOR)),
    }


def _grouped(
    posts: QuerySet, on: dt.date, group: str, extra: dict | None
) -> dict[int, dict[str, int]]:
    """Every counter per value of ``group``: two grouped queries."""
    counts = _person_counts(_firsts(posts, group), on, extra, group)
    for row in posts.values(group).annotate(**_post_counters(posts)).order_by():
        counts.setdefault(row.pop(group), defaultdict(int)).update(_counts(row))
    return counts


def _firsts(posts: QuerySet, *group: str) -> QuerySet:
    """One post per person in each group (``group``: the fields it shares), the first: no
    earlier post of theirs in it (an anti-join, not a grouping of every post)."""
    earlier = posts.filter(
        person=OuterRef("person"), pk__lt=OuterRef("pk"), **{f: OuterRef(f) for f in group}
    )
    return posts.exclude(Exists(earlier))


def _finish(row: Row, targets: StructureTargets | None) -> Row:
    row.counts["college"] = sum(row.count(f"edu_{level}") for level in COLLEGE_OR_ABOVE)
    people = row.count("age_known")
    if people:
        row.average_age = (Decimal(row.count("age_sum")) / people).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
    if targets is not None:
        row.average_age_target = targets.average_age_max
    if row.average_age is not None and row.average_age_target is not None:
        row.average_age_met = row.average_age <= row.average_age_target
    for spec in INDICATORS:
        share = _percent(row.count(spec.count), row.count(spec.base))
        target = getattr(targets, spec.target) if targets is not None else None
        row.indicators.append(
            Indicator(
                key=spec.key,
                label=str(spec.label),
                count=row.count(spec.count),
                base=row.count(spec.base),
                share=share,
                target=target,
                met=None if share is None or target is None else share >= target,
            )
        )
    return row


def _counts(row: dict) -> dict[str, int]:
    return {key: value or 0 for key, value in row.items()}


def _total(
    posts: QuerySet, on: dt.date, rows: list[Row], extra: dict | None, *group: str
) -> dict[str, int]:
    """The counters of the people of all the rows (``group``: what they share).

    When nobody is in two rows, which a count of the distinct people tells, they are the sums
    of the rows' counters: the usual case costs that count, not a second pass over the people.
    """
    keys = set().union(*(row.counts for row in rows)) - {"villages"}
    summed = {key: sum(row.count(key) for row in rows) for key in keys}
    if posts.aggregate(n=Count("person", distinct=True))["n"] == summed.get("people", 0):
        return summed
    counts = _person_counts(_firsts(posts, *group), on, extra).get(None, {})
    return dict(counts) | _counts(posts.aggregate(**_post_counters(posts)))


def team_structure(
    user, on: dt.date, township: Township | None = None, *, counters: dict | None = None
) -> Structure:
    """The user's townships with their total, or the villages of one of them (``township``,
    which the user must reach), as on ``on`` (``_count_team_structure``).

    Today's figures are kept for ``FIGURES_CACHE_SECONDS`` (``kept_today``) for everyone who
    sees the same townships: the dashboard, the structure page and the API share them.
    Counting the whole district at 100,000 cadres takes two passes over every serving post,
    300 ms of SQL at best, against a page budget of 250 ms; figures a few minutes old are
    what a statistics page shows anyway, and it says when they were counted. A new targets
    version is counted at once. A past day (a month's workbook, the election report) is
    always counted.
    """
    if township is not None:
        require_township(user, township)
    targets = active_targets()
    return kept_today(
        "team-structure",
        user,
        on,
        [township.pk if township else None, sorted(counters or {}), targets and targets.pk],
        lambda: _count_team_structure(user, on, township, counters=counters, targets=targets),
    )


def _count_team_structure(
    user,
    on: dt.date,
    township: Township | None = None,
    *,
    counters: dict | None = None,
    targets: StructureTargets | None = None,
) -> Structure:
    """What the user sees is what scoping gives them:
    the register's own rule (a role without townships sees nothing).

    ``counters``: more counts of the people (name → aggregate over their serving posts, one
    post per person and group, e.g. ``Count("pk", filter=Q(person__…))``), computed in the
    same pass and read as ``row.count(name)``: the dashboard's figures of people per
    township cost no pass of their own over the serving posts."""
    targets = targets or active_targets()
    posts = scope(Post.objects.serving(on), user)
    # The villages of that day, by the names they had then (a past month as it was).
    villages = scope(Village.objects.valid_on(on), user)
    if township is not None:
        posts = posts.filter(village__township=township)
        grouped = _grouped(posts, on, "village", counters)
        places = list(villages.filter(township=township).order_by("code"))
        names = village_names_on(on)
        rows = [
            Row(names.get(v.pk, v.name), grouped.get(v.pk, {}) | {"villages": 1}, v.pk, v.code)
            for v in places
        ]
        total_row = Row(
            township.name,
            _total(posts, on, rows, counters, "village__township") | {"villages": len(places)},
            township.pk,
            township.code,
        )
    else:
        grouped = _grouped(posts, on, "village__township", counters)
        village_counts = dict(villages.values_list("township").annotate(n=Count("pk")).order_by())
        places = list(user_townships(user).filter(pk__in=village_counts.keys()).order_by("code"))
        rows = [
            Row(
                t.name,
                grouped.get(t.pk, {}) | {"villages": village_counts.get(t.pk, 0)},
                t.pk,
                t.code,
            )
            for t in places
        ]
        total_row = Row(
            str(_("Dongchang District") if sees_all_townships(user) else _("Total")),
            _total(posts, on, rows, counters) | {"villages": sum(village_counts.values())},
        )
    return Structure(
        on=on,
        targets=targets,
        total=_finish(total_row, targets),
        rows=[_finish(row, targets) for row in rows],
        township=township,
    )


# The columns of the page's export and of the monthly workbook's sheet.
def _indicator(key: str, part: str):
    def value(row):
        indicator = next(i for i in row.indicators if i.key == key)
        return _met(indicator.met) if part == "met" else getattr(indicator, part)

    return value


def _met(met) -> str:
    return "" if met is None else (gettext("Yes") if met else gettext("No"))


STRUCTURE_COLUMNS = [
    Col(pgettext_lazy("place", "Name"), lambda row: row.name, width=14),
    Col(_("Division code"), lambda row: row.code, width=14, text=True),
    Col(_("Serving cadres"), lambda row: row.count("people"), width=10),
    Col(_("Villages"), lambda row: row.count("villages"), width=8),
    Col(_("Average age"), lambda row: row.average_age, width=10),
    Col(_("Average age, at most"), lambda row: row.average_age_target, width=10),
    Col(_("Average age met"), lambda row: _met(row.average_age_met), width=8),
    *[
        Col(label, lambda row, band=band: row.count(f"age_{band}"), width=9)
        for band, label, *_ages in AGE_BANDS
    ],
    *[
        column
        for spec in INDICATORS
        for column in (
            Col(spec.label, _indicator(spec.key, "count"), width=10),
            Col(_("Share (%)"), _indicator(spec.key, "share"), width=8),
            Col(_("Target (%)"), _indicator(spec.key, "target"), width=8),
            Col(_("Met"), _indicator(spec.key, "met"), width=6),
        )
    ],
]


@transaction.atomic
def structure_targets_replace(*, actor, note: str = "", **targets) -> StructureTargets:
    """Make a new version of the targets; the old versions stay, as who set them and when."""
    require_perm(actor, "cadres.add_structuretargets")
    unknown = set(targets) - set(StructureTargets.TARGET_FIELDS)
    if unknown:
        raise TypeError(f"unknown structure targets: {sorted(unknown)}")
    version = StructureTargets(active=True, created_by=actor, note=(note or "").strip(), **targets)
    version.full_clean(exclude=["active"], validate_unique=False, validate_constraints=False)
    StructureTargets.objects.select_for_update().filter(active=True).update(active=False)
    version.save()
    return version
