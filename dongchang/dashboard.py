"""The dashboard's figures: each a chart, its numbers, and a link to the list behind each number.

Every figure is scoped to the user's townships and costs one grouped query.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Max, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from cadres.choices import Education, Light
from cadres.models import Person, Post, Village
from cadres.records.selectors import management_figures
from cadres.scoping import scope, user_townships
from cadres.structure import Structure, team_structure
from supervision import selectors as supervision
from training.selectors import year_trained_by_township
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


def _serving_people(user, today: dt.date):
    return Person.objects.filter(
        pk__in=scope(Post.objects.serving(today), user).values("person_id")
    )


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
    number = _serving_people(user, today).filter(strict_control_since__isnull=False).count()
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
    trained = year_trained_by_township(today.year, user)
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
    disclosures = len(supervision.overdue_disclosures(scope(Village.objects.all(), user), today))
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
    rows = management_figures(user, today, today.replace(day=1))
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


def _light_of_people(prefix: str = "person__"):
    # A serving cadre whose light is not yet computed counts as none.
    return Coalesce(f"{prefix}warning_light__light", Value(Light.NONE))


def lights_by_township(user, today: dt.date, structure: Structure) -> Figure:
    """The township-by-light matrix (综合预警): serving cadres per township and light."""
    serving = scope(Post.objects.serving(today), user)
    counts = {
        (row["village__township"], row["light"]): row["people"]
        for row in serving.annotate(light=_light_of_people())
        .values("village__township", "light")
        .annotate(people=Count("person", distinct=True))
        .order_by()
    }
    townships = structure.rows
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
    """Each township's villages coloured by the worst light of their serving cadres, in one
    grouped query: (township name, villages) in code order."""
    rows = (
        scope(Post.objects.serving(today), user)
        .values("village_id", "village__name", "village__code", "village__township__name")
        .annotate(worst=Max(_light_of_people()))
        .order_by("village__code")
    )
    grid: dict[str, list[VillageLight]] = {}
    for row in rows:
        grid.setdefault(row["village__township__name"], []).append(
            VillageLight(
                row["village_id"],
                row["village__name"],
                row["worst"],
                _list_link(village=row["village_id"], status="serving", sort="-light"),
            )
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


def figures_for(user, today: dt.date) -> list[Figure]:
    """The figures the user's role may see (a builder returns None for the others). The team
    structure is computed once: the township, age and education figures are read from it."""
    if not user_townships(user).exists():
        builds, structure = NO_TOWNSHIP_FIGURES, None
    else:
        builds, structure = FIGURES, team_structure(user, today)
    return [figure for build in builds if (figure := build(user, today, structure)) is not None]
