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

from cadres.ages import AGE_BANDS, age_band_q
from cadres.choices import Education, Light
from cadres.models import Person, Post, Village
from cadres.scoping import scope, user_townships
from supervision import selectors as supervision
from training.selectors import coverage_summary, year_coverage
from vetting.models import CandidateCase, Hit, WatchlistSource
from vetting.selectors import cases_visible


@dataclass
class Figure:
    key: str
    title: str
    chart: str  # Chart.js type
    labels: list[str]
    series: list[dict]  # [{"label": str, "data": [numbers]}]
    rows: list[tuple[str, int, str]] = field(default_factory=list)  # (label, number, link)

    def chart_config(self) -> dict:
        return {
            "type": self.chart,
            "data": {"labels": self.labels, "datasets": self.series},
            "options": {
                "responsive": True,
                "maintainAspectRatio": False,
                "animation": False,
                "scales": {"x": {"stacked": True}, "y": {"stacked": True}}
                if self.chart == "bar"
                else {},
            },
        }


def _list_link(**params) -> str:
    return f"{reverse('cadres:list')}?{urlencode(params)}"


def cadres_by_township_and_body(user, today: dt.date) -> Figure:
    serving = scope(Post.objects.serving(today), user)
    counts = {
        (row["village__township"], row["body"]): row["people"]
        for row in serving.values("village__township", "body")
        .annotate(people=Count("person", distinct=True))
        .order_by()
    }
    townships = list(
        user_townships(user).filter(villages__isnull=False).distinct().order_by("code")
    )
    figure = Figure(
        key="cadres",
        title=_("Serving cadres by township and body"),
        chart="bar",
        labels=[t.name for t in townships],
        series=[
            {
                "label": str(body.label),
                "data": [counts.get((t.pk, body.value), 0) for t in townships],
            }
            for body in Post.Body
        ],
    )
    for township in townships:
        for body in Post.Body:
            number = counts.get((township.pk, body.value), 0)
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


def age_mix(user, today: dt.date) -> Figure:
    totals = _serving_people(user, today).aggregate(
        **{band: Count("pk", filter=age_band_q(band, today)) for band, *_rest in AGE_BANDS}
    )
    return Figure(
        key="ages",
        title=_("Age mix"),
        chart="bar",
        labels=[str(label) for _band, label, *_ages in AGE_BANDS],
        series=[{"label": _("Cadres"), "data": [totals[band] for band, *_rest in AGE_BANDS]}],
        rows=[
            (str(label), totals[band], _list_link(age=band, status="serving"))
            for band, label, *_ages in AGE_BANDS
        ],
    )


def education_mix(user, today: dt.date) -> Figure:
    totals = _serving_people(user, today).aggregate(
        **{level.value: Count("pk", filter=Q(education=level)) for level in Education}
    )
    return _bars_by_choice(
        key="education",
        title=_("Education mix"),
        chart="doughnut",
        series_label=_("Cadres"),
        choices=Education,
        counts=totals,
        link=lambda level: _list_link(education=level, status="serving"),
    )


def strict_control(user, today: dt.date) -> Figure:
    number = _serving_people(user, today).filter(strict_control_since__isnull=False).count()
    return Figure(
        key="strict",
        title=_("Cadres under strict control"),
        chart="",
        labels=[],
        series=[],
        rows=[(_("Under strict control"), number, _list_link(strict_control="yes"))],
    )


def vetting_pipeline(user, today: dt.date) -> Figure | None:
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


def pending_hits(user, today: dt.date) -> Figure | None:
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


def training_coverage(user, today: dt.date) -> Figure | None:
    if not user.has_perm("training.view_session"):
        return None
    groups, _totals = coverage_summary(year_coverage(today.year, user), by_village=False)
    url = reverse("training:coverage")
    return Figure(
        key="training",
        title=_("Training coverage this year"),
        chart="bar",
        labels=[group["village__township__name"] for group in groups],
        series=[
            {"label": _("Trained"), "data": [group["trained"] for group in groups]},
            {"label": _("Untrained"), "data": [group["untrained"] for group in groups]},
        ],
        rows=[
            (
                _("%(township)s: %(trained)d of %(people)d trained")
                % {
                    "township": group["village__township__name"],
                    "trained": group["trained"],
                    "people": group["people"],
                },
                group["untrained"],
                f"{url}?{urlencode({'year': today.year})}",
            )
            for group in groups
        ],
    )


def overdue_supervision(user, today: dt.date) -> Figure | None:
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


def _light_of_people(prefix: str = "person__"):
    # A serving cadre whose light is not yet computed counts as none.
    return Coalesce(f"{prefix}warning_light__light", Value(Light.NONE))


def lights_by_township(user, today: dt.date) -> Figure:
    """The township-by-light matrix (综合预警): serving cadres per township and light."""
    serving = scope(Post.objects.serving(today), user)
    counts = {
        (row["village__township"], row["light"]): row["people"]
        for row in serving.annotate(light=_light_of_people())
        .values("village__township", "light")
        .annotate(people=Count("person", distinct=True))
        .order_by()
    }
    townships = list(
        user_townships(user).filter(villages__isnull=False).distinct().order_by("code")
    )
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
    age_mix,
    education_mix,
    strict_control,
    vetting_pipeline,
    pending_hits,
    training_coverage,
    overdue_supervision,
]


def figures_for(user, today: dt.date) -> list[Figure]:
    """The figures the user's role may see (a builder returns None for the others)."""
    return [figure for build in FIGURES if (figure := build(user, today)) is not None]
