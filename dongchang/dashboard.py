"""The dashboard's figures: each a chart, its numbers, and a link to the list behind each number.

Every figure is scoped to the user's townships. The serving posts are read once for the
figures of people per township: the team structure's pass (``figures_for``) counts, beside
its own figures, the lights, strict control, the trained and the reported people
(``people_counters``); the other figures cost a grouped query or two each.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from cadres.choices import Education, Light
from cadres.models import Post, Village
from cadres.records.selectors import management_figures, reported_q
from cadres.scoping import scope, user_townships
from cadres.structure import Structure, team_structure
from supervision import selectors as supervision
from training.selectors import year_trained_q
from vetting.models import CandidateCase, DepartmentOpinion, Hit, WatchlistSource
from vetting.selectors import cases_visible, opinions_followed


@dataclass
class Figure:
    key: str
    title: str
    chart: str  # Chart.js type
    labels: list[str]
    series: list[dict]  # [{"label": str, "data": [numbers]}]
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # (label, number, link)
    stacked: bool = True
    structure: Structure | None = None  # a table of the team structure, not rows
    # A figure read across (several measures per township) is a table: its header, its rows.
    columns: list[str] = field(default_factory=list)
    table: list[list[object]] = field(default_factory=list)

    def chart_config(self) -> dict:
        return {
            "type": self.chart,
            "data": {"labels": self.labels, "datasets": self.series},
            "options": {
                "responsive": True,
                "maintainAspectRatio": False,
                "animation": False,
                "scales": {"x": {"stacked": True}, "y": {"stacked": True}}
                if self.chart == "bar" and self.stacked
                else {},
            },
        }


def _list_link(**params) -> str:
    return f"{reverse('cadres:list')}?{urlencode(params)}"


def cadres_by_township_and_body(user, today: dt.date, structure: Structure) -> Figure:
    """People per township (a 一肩挑 cadre is one person), and beside them the people on
    each body: side by side, not stacked, since one person may sit on two bodies."""
    townships = structure.rows
    figure = Figure(
        key="cadres",
        title=_("Serving cadres by township and body"),
        chart="bar",
        stacked=False,
        labels=[t.name for t in townships],
        series=[
            {"label": _("Serving cadres"), "data": [t.count("people") for t in townships]},
            *(
                {
                    "label": str(body.label),
                    "data": [t.count(f"body_{body.value}") for t in townships],
                }
                for body in Post.Body
            ),
        ],
    )
    for township in townships:
        figure.rows.append(
            (
                township.name,
                township.count("people"),
                _list_link(township=township.pk, status="serving"),
            )
        )
        for body in Post.Body:
            number = township.count(f"body_{body.value}")
            if number:
                figure.rows.append(
                    (
                        f"{township.name} · {body.label}",
                        number,
                        _list_link(township=township.pk, body=body.value),
                    )
                )
    return figure


def age_mix(user, today: dt.date, structure: Structure) -> Figure:
    bands = structure.total.age_bands()
    return Figure(
        key="ages",
        title=_("Age mix"),
        chart="bar",
        labels=[label for _band, label, _number in bands],
        series=[{"label": _("Cadres"), "data": [number for _band, _label, number in bands]}],
        rows=[
            (label, number, _list_link(age=band, status="serving")) for band, label, number in bands
        ],
    )


def education_mix(user, today: dt.date, structure: Structure) -> Figure:
    return _bars_by_choice(
        key="education",
        title=_("Education mix"),
        chart="doughnut",
        series_label=_("Cadres"),
        choices=Education,
        counts={level: number for level, _label, number in structure.total.education()},
        link=lambda level: _list_link(education=level, status="serving"),
    )


def team_structure_by_township(user, today: dt.date, structure: Structure) -> Figure | None:
    """The structure figures per township against their targets (the 队伍结构 page's table),
    for roles that see a township."""
    if not structure.rows:
        return None
    return Figure(
        key="structure",
        title=_("Team structure by township"),
        chart="",
        labels=[],
        series=[],
        structure=structure,
    )


def strict_control(user, today: dt.date, structure: Structure) -> Figure:
    number = structure.total.count("strict")
    return Figure(
        key="strict",
        title=_("Cadres under strict control"),
        chart="",
        labels=[],
        series=[],
        rows=[(_("Under strict control"), number, _list_link(strict_control="yes"))],
    )


def vetting_pipeline(user, today: dt.date, structure: Structure) -> Figure | None:
    if not user.has_perm("vetting.view_candidatecase"):
        return None
    counts = dict(cases_visible(user).values_list("state").annotate(n=Count("pk")).order_by())
    url = reverse("vetting:case_list")
    return _bars_by_choice(
        key="vetting",
        title=_("Candidate vetting pipeline"),
        series_label=_("Cases"),
        choices=CandidateCase.State,
        counts=counts,
        link=lambda state: f"{url}?{urlencode({'state': state})}",
    )


def _bars_by_choice(
    *, key, title, series_label, choices, counts, link, chart: str = "bar"
) -> Figure:
    """A bar (or slice) for each choice, counted or not, each row linking to its list."""
    return Figure(
        key=key,
        title=title,
        chart=chart,
        labels=[str(choice.label) for choice in choices],
        series=[{"label": series_label, "data": [counts.get(c.value, 0) for c in choices]}],
        rows=[(str(c.label), counts.get(c.value, 0), link(c.value)) for c in choices],
    )


def pending_hits(user, today: dt.date, structure: Structure) -> Figure | None:
    if not user.has_perm("vetting.view_hit"):
        return None
    counts = dict(
        scope(Hit.objects.filter(status=Hit.Status.PENDING), user)
        .values_list("entry__source__kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    hits_url = reverse("vetting:hit_list")
    return _bars_by_choice(
        key="hits",
        title=_("Screening hits awaiting review"),
        series_label=_("Hits"),
        choices=WatchlistSource.Kind,
        counts=counts,
        link=lambda kind: f"{hits_url}?{urlencode({'status': 'pending', 'list_kind': kind})}",
    )


def training_coverage(user, today: dt.date, structure: Structure) -> Figure | None:
    if not user.has_perm("training.view_session"):
        return None
    trained = {t.pk: t.count("trained") for t in structure.rows}
    townships = [t for t in structure.rows if t.count("people")]
    url = f"{reverse('training:coverage')}?{urlencode({'year': today.year})}"
    return Figure(
        key="training",
        title=_("Training coverage this year"),
        chart="bar",
        labels=[t.name for t in townships],
        series=[
            {"label": _("Trained"), "data": [trained.get(t.pk, 0) for t in townships]},
            {
                "label": _("Untrained"),
                "data": [t.count("people") - trained.get(t.pk, 0) for t in townships],
            },
        ],
        rows=[
            (
                _("%(township)s: %(trained)d of %(people)d trained")
                % {
                    "township": t.name,
                    "trained": trained.get(t.pk, 0),
                    "people": t.count("people"),
                },
                t.count("people") - trained.get(t.pk, 0),
                url,
            )
            for t in townships
        ],
    )


def overdue_supervision(user, today: dt.date, structure: Structure) -> Figure | None:
    if not user.has_perm("supervision.view_audit"):
        return None
    disclosures = sum(
        supervision.overdue_disclosure_counts(scope(Village.objects.all(), user), today).values()
    )
    audits = supervision.posts_due_for_audit(user, today).count()
    return Figure(
        key="supervision",
        title=_("Overdue disclosures and audits"),
        chart="",
        labels=[],
        series=[],
        rows=[
            (
                _("Overdue affairs disclosures"),
                disclosures,
                reverse("supervision:disclosure_overdue"),
            ),
            (_("Posts whose audit is due"), audits, reverse("supervision:audit_due_list")),
        ],
    )


def management_rates(user, today: dt.date, structure: Structure) -> Figure | None:
    """制度管理 per township: the same figures as the monthly workbook's sheet, as of today."""
    if not user.has_perm("records.view_secretaryfiling"):
        return None
    people = {t.pk: (t.count("people"), t.count("reported")) for t in structure.rows}
    rows = management_figures(user, today, today.replace(day=1), people=people)
    return Figure(
        key="management",
        title=_("System management this year"),
        chart="",
        labels=[],
        series=[],
        columns=[
            _("Township"),
            _("Filing rate (%)"),
            _("Personal report rate (%)"),
            _("Pioneer projects claimed"),
            _("Pioneer projects completed"),
            _("Not yet evaluated"),
            _("Missed duties this month"),
        ],
        table=[
            [
                row.name,
                row.filing_rate,
                row.report_rate,
                row.claimed,
                row.completed,
                len(row.unevaluated),
                row.missed_duties,
            ]
            for row in rows
        ],
    )


LIT = [light for light in Light if light != Light.NONE]


def _people_with_light(township) -> dict[int, int]:
    """A row's people per light; a serving cadre whose light is not yet computed counts as
    none."""
    counts = {light.value: township.count(f"light_{light.value}") for light in LIT}
    return counts | {Light.NONE.value: township.count("people") - sum(counts.values())}


def lights_by_township(user, today: dt.date, structure: Structure) -> Figure:
    """The township-by-light matrix (综合预警): serving cadres per township and light."""
    townships = structure.rows
    counts = {
        (t.pk, light): number for t in townships for light, number in _people_with_light(t).items()
    }
    lights = sorted(Light, reverse=True)
    figure = Figure(
        key="lights",
        title=_("Warning lights by township"),
        chart="bar",
        labels=[t.name for t in townships],
        series=[
            {
                "label": str(light.label),
                "data": [counts.get((t.pk, light.value), 0) for t in townships],
                "backgroundColor": LIGHT_COLOURS[light],
            }
            for light in lights
        ],
    )
    for township in townships:
        for light in lights:
            number = counts.get((township.pk, light.value), 0)
            if number and light != Light.NONE:
                figure.rows.append(
                    (
                        f"{township.name} · {light.label}",
                        number,
                        _list_link(township=township.pk, light=light.code, status="serving"),
                    )
                )
    return figure


# The colours of the lights in charts, as static/css/app.css paints their badges.
LIGHT_COLOURS = {
    Light.RED: "#d93025",
    Light.YELLOW: "#f9ab00",
    Light.BLUE: "#1a73e8",
    Light.NONE: "#c8ccd0",
}


@dataclass
class VillageLight:
    pk: int
    name: str
    light: int
    link: str


def village_lights(user, today: dt.date) -> list[tuple[str, list[VillageLight]]]:
    """Each township's villages with serving cadres, coloured by the worst light among them,
    in two queries: (township name, villages) in code order.

    The villages are found by a probe of their posts each, the worst lights from the lit
    cadres alone (a cadre without a light, or whose light is none, leaves the village
    none): no pass over every serving post for the common case of few lit cadres."""
    serving = Post.objects.serving(today)
    villages = (
        scope(Village.objects.all(), user)
        .filter(Exists(serving.filter(village=OuterRef("pk"))))
        .order_by("code")
        .values_list("pk", "name", "township__name")
    )
    worst = dict(
        scope(serving, user)
        .filter(person__warning_light__light__gt=Light.NONE)
        .values_list("village")
        .annotate(worst=Max("person__warning_light__light"))
        .order_by()
    )
    grid: dict[str, list[VillageLight]] = {}
    people = reverse("cadres:list")  # once: a district has over a thousand villages
    for pk, name, township in villages:
        link = f"{people}?{urlencode({'village': pk, 'status': 'serving', 'sort': '-light'})}"
        grid.setdefault(township, []).append(
            VillageLight(pk, name, worst.get(pk, Light.NONE), link)
        )
    return list(grid.items())


FIGURES = [
    lights_by_township,
    cadres_by_township_and_body,
    team_structure_by_township,
    age_mix,
    education_mix,
    strict_control,
    vetting_pipeline,
    pending_hits,
    training_coverage,
    overdue_supervision,
    management_rates,
]


def department_opinions(user, today: dt.date, structure: Structure | None) -> Figure | None:
    """A joint-review department's opinions: awaited (in time and overdue) and given, by
    verdict; one query."""
    if user.has_perm("vetting.review_district") or not (
        user.has_perm("vetting.give_opinion") and user.department
    ):
        return None
    Verdict = DepartmentOpinion.Verdict
    awaited = Q(verdict=Verdict.PENDING, case__state=CandidateCase.State.DISTRICT_REVIEW)
    counts = opinions_followed(user).aggregate(
        in_time=Count("pk", filter=awaited & Q(due_on__gte=today)),
        overdue=Count("pk", filter=awaited & Q(due_on__lt=today)),
        **{verdict: Count("pk", filter=Q(verdict=verdict)) for verdict in GIVEN_VERDICTS},
    )
    queue = reverse("vetting:case_queue")
    cases = reverse("vetting:case_list")
    bars = [
        (_("Awaited, in time"), counts["in_time"], queue),
        (_("Awaited, overdue"), counts["overdue"], queue),
        *((str(Verdict(v).label), counts[v], cases) for v in GIVEN_VERDICTS),
    ]
    return Figure(
        key="department_opinions",
        title=_("My department's opinions"),
        chart="bar",
        labels=[label for label, _number, _link in bars],
        series=[{"label": _("Opinions"), "data": [number for _label, number, _link in bars]}],
        rows=[(str(label), number, link) for label, number, link in bars],
    )


GIVEN_VERDICTS = ("agree", "disagree", "withdrawn")
# A user without a township (a joint-review department) sees only what applies to it: the
# township figures would be empty charts.
NO_TOWNSHIP_FIGURES = [department_opinions]


def people_counters(user, today: dt.date) -> dict:
    """The dashboard's counts of people per township, over the team structure's serving
    posts (one per person and township): its lights, strict control and, for the roles
    whose figures show them, the trained and the reported."""
    counters = {
        f"light_{light.value}": Count("pk", filter=Q(person__warning_light__light=light.value))
        for light in LIT
    }
    counters["strict"] = Count("pk", filter=Q(person__strict_control_since__isnull=False))
    if user.has_perm("training.view_session"):
        counters["trained"] = Count("pk", filter=year_trained_q(today.year))
    if user.has_perm("records.view_secretaryfiling"):
        counters["reported"] = Count("pk", filter=reported_q(today))
    return counters


def figures_for(user, today: dt.date) -> list[Figure]:
    """The figures the user's role may see (a builder returns None for the others). The team
    structure is computed once, with the dashboard's counts of people: the township, age,
    education, lights, strict control, training and report figures are read from it."""
    if not user_townships(user).exists():
        builds, structure = NO_TOWNSHIP_FIGURES, None
    else:
        builds = FIGURES
        structure = team_structure(user, today, counters=people_counters(user, today))
    return [figure for build in builds if (figure := build(user, today, structure)) is not None]
