"""Reads of the management records: scoped querysets for lists, overviews and profiles."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.utils import timezone

from cadres.models import Person, Post, Township, Village
from cadres.records.models import (
    AnnualEvaluation,
    DutyRoster,
    DutyShift,
    LeavePeriod,
    PartyCandidate,
    PersonalReport,
    PioneerProject,
    Recusal,
    SecretaryChange,
    SecretaryFiling,
)
from cadres.scoping import scope, user_townships


def filings(user):
    return scope(SecretaryFiling.objects.select_related("village__township", "person"), user)


def unfiled_villages(user):
    """Villages whose serving party secretary has no filing awaiting or holding confirmation.

    A filing belongs to the secretary's post, so a filing made for a predecessor
    (or any filing older than the current post) does not count.
    """
    secretary_posts = Post.objects.serving().filter(
        village=OuterRef("pk"), body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
    )
    live_filing = SecretaryFiling.objects.filter(post=OuterRef("secretary_post")).exclude(
        status=SecretaryFiling.Status.RETURNED
    )
    last_filing = SecretaryFiling.objects.filter(post=OuterRef("secretary_post")).order_by("-pk")
    # After an approved change the village waits for its new secretary, and then for the filing.
    approved_change = SecretaryChange.objects.filter(
        village=OuterRef("pk"), status=SecretaryChange.Status.APPROVED
    )
    return (
        scope(Village.objects.select_related("township"), user)
        .annotate(
            secretary_post=Subquery(secretary_posts.values("pk")[:1]),
            secretary_name=Subquery(secretary_posts.values("person__name")[:1]),
            secretary_since=Subquery(secretary_posts.values("term_start")[:1]),
            last_filing_status=Subquery(last_filing.values("status")[:1]),
        )
        .filter(Q(secretary_post__isnull=False) | Exists(approved_change))
        .exclude(Exists(live_filing))
    )


def secretary_changes(user):
    return scope(SecretaryChange.objects.select_related("village__township", "person"), user)


def village_filing_state(village: Village) -> dict:
    """The village's serving secretary today and that post's live filing (None when absent):
    what a change request's page shows once the district has approved it."""
    post = (
        Post.objects.serving()
        .filter(village=village, body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY)
        .select_related("person")
        .first()
    )
    filing = post.filings.exclude(status=SecretaryFiling.Status.RETURNED).first() if post else None
    return {"post": post, "filing": filing}


def personal_reports(user):
    return scope(PersonalReport.objects.select_related("person", "village__township"), user)


def serving_posts(user, on: dt.date | None = None):
    return scope(Post.objects.serving(on).select_related("village__township", "person"), user)


def missing_reports(posts, year: int):
    """Serving cadres (from the given serving posts) without an annual report for the year."""
    first_post = posts.filter(person=OuterRef("pk")).order_by("village__code")
    return (
        Person.objects.filter(pk__in=posts.values("person_id"))
        .exclude(
            Exists(
                PersonalReport.objects.filter(
                    person=OuterRef("pk"), year=year, kind=PersonalReport.Kind.ANNUAL
                )
            )
        )
        .annotate(
            village_name=Subquery(first_post.values("village__name")[:1]),
            township_name=Subquery(first_post.values("village__township__name")[:1]),
        )
    )


def rosters(user):
    return scope(
        DutyRoster.objects.select_related("village__township").annotate(
            scheduled=Count("shifts"),
            done=Count("shifts", filter=Q(shifts__outcome="done")),
            missed=Count("shifts", filter=Q(shifts__outcome="missed")),
        ),
        user,
    )


def roster_tally(roster: DutyRoster):
    """Per cadre: duties scheduled, done and missed in the roster."""
    return (
        roster.shifts.values("person__name", "person_id")
        .annotate(
            scheduled=Count("pk"),
            done=Count("pk", filter=Q(outcome="done")),
            missed=Count("pk", filter=Q(outcome="missed")),
        )
        .order_by("person__name_key__pinyin_order", "person_id")
    )


def leaves(user):
    return scope(LeavePeriod.objects.select_related("person", "recorded_by"), user)


def village_cadres(village: Village, on: dt.date | None = None):
    return Person.objects.filter(
        pk__in=Post.objects.serving(on).filter(village=village).values("person_id")
    )


def projects(user):
    return scope(PioneerProject.objects.select_related("village__township", "person"), user)


def project_overview(user, year: int):
    """Per township: villages, projects claimed, completed (or assessed), and unclaimed."""
    of_year = Q(villages__pioneer_projects__year=year)
    rows = (
        user_townships(user)
        .annotate(
            village_count=Count("villages", distinct=True),
            claimed=Count("villages__pioneer_projects", filter=of_year),
            completed=Count(
                "villages__pioneer_projects",
                filter=of_year & ~Q(villages__pioneer_projects__status="claimed"),
            ),
        )
        .order_by("code")
    )
    for row in rows:
        row.unclaimed = row.village_count - row.claimed
    return rows


def unclaimed_villages(user, year: int, township: Township | None = None):
    villages = scope(Village.objects.select_related("township"), user).exclude(
        pioneer_projects__year=year
    )
    return villages.filter(township=township) if township else villages


def evaluations(user):
    return scope(
        AnnualEvaluation.objects.select_related("person", "village__township", "rule"), user
    )


def candidates(user):
    return scope(
        PartyCandidate.objects.select_related("village__township").annotate(
            open_recusals=Count("recusals", filter=Q(recusals__status=Recusal.Status.OPEN))
        ),
        user,
    )


def recusals(user):
    return scope(
        Recusal.objects.select_related("candidate__village__township", "cadre", "relative"),
        user,
    )


def person_records(person: Person, user) -> dict:
    """Everything of the management records about one person, for the profile page."""
    return {
        "filings": filings(user).filter(person=person),
        "secretary_changes": secretary_changes(user).filter(person=person),
        "reports": personal_reports(user).filter(person=person),
        "duties": scope(person.duty_shifts.select_related("roster__village"), user).order_by(
            "-date"
        )[:20],
        "leaves": scope(person.leave_periods.all(), user),
        "projects": projects(user).filter(person=person),
        "evaluations": evaluations(user).filter(person=person),
        "recusals": recusals(user).filter(cadre=person),
        "today": timezone.localdate(),
    }


# 制度管理 per township -----------------------------------------------------------------


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class ManagementFigures:
    """How one township (or the district, as a total) keeps the management systems:
    secretaries filed, cadres who made the year's personal matters report, 头雁 projects,
    the year's evaluations by grade and the secretaries not yet evaluated, missed duties."""

    name: str
    secretaries: int = 0
    filed: int = 0
    cadres: int = 0
    reported: int = 0
    villages: int = 0
    claimed: int = 0
    completed: int = 0
    grades: dict[str, int] = field(default_factory=dict)
    unevaluated: list[str] = field(default_factory=list)  # "village name", by village code
    missed_duties: int = 0

    @property
    def filing_rate(self) -> float | None:
        return _rate(self.filed, self.secretaries)

    @property
    def report_rate(self) -> float | None:
        return _rate(self.reported, self.cadres)

    @property
    def claim_rate(self) -> float | None:
        return _rate(self.claimed, self.villages)

    @property
    def evaluated(self) -> int:
        return sum(self.grades.values())

    @classmethod
    def total(cls, name: str, rows: list["ManagementFigures"]) -> "ManagementFigures":
        """The sum of the townships' figures (a cadre serving in two townships counts in
        each, as in the townships' own figures)."""
        total = cls(name)
        for row in rows:
            for counted in ("secretaries", "filed", "cadres", "reported", "villages",
                            "claimed", "completed", "missed_duties"):  # fmt: skip
                setattr(total, counted, getattr(total, counted) + getattr(row, counted))
            for grade, number in row.grades.items():
                total.grades[grade] = total.grades.get(grade, 0) + number
            total.unevaluated += row.unevaluated
        return total


def reported_q(on: dt.date, person: str = "person") -> Q:
    """Rows whose ``person`` has made the annual personal report of ``on``'s year by ``on``:
    set membership, which the database hashes once (a correlated EXISTS is asked per row)."""
    reports = PersonalReport.objects.filter(
        year=on.year, kind=PersonalReport.Kind.ANNUAL, reported_on__lte=on
    )
    return Q(**{f"{person}__in": reports.values("person")})


def management_figures(
    user, on: dt.date, duties_since: dt.date, people: dict[int, tuple[int, int]] | None = None
) -> list[ManagementFigures]:
    """制度管理 per township of the user's, as of the day ``on``: the yearly records (personal
    reports, 头雁 projects, evaluations) of its year, missed duties from ``duties_since`` to
    ``on``. Six grouped queries, whatever the number of townships and cadres.

    ``people``: per township id, its serving people and those of them who reported
    (``reported_q``), when the caller has counted them already (the dashboard, in the team
    structure's pass): then five queries."""
    year = on.year
    townships = list(user_townships(user).order_by("code"))
    rows = {township.pk: ManagementFigures(township.name) for township in townships}
    secretary_posts = serving_posts(user, on).filter(
        body=Post.Body.PARTY_BRANCH, title=Post.Title.SECRETARY
    )

    filed = SecretaryFiling.objects.filter(post=OuterRef("pk"), filed_on__lte=on).exclude(
        status=SecretaryFiling.Status.RETURNED
    )
    for township, secretaries, with_filing in (
        secretary_posts.annotate(has_filing=Exists(filed))
        .values("village__township")
        .annotate(n=Count("pk"), filed=Count("pk", filter=Q(has_filing=True)))
        .values_list("village__township", "n", "filed")
        .order_by()
    ):
        rows[township].secretaries, rows[township].filed = secretaries, with_filing

    if people is None:
        people = {
            township: (serving, with_report)
            for township, serving, with_report in serving_posts(user, on)
            .values("village__township")
            .annotate(
                n=Count("person", distinct=True),
                reported=Count("person", distinct=True, filter=reported_q(on)),
            )
            .values_list("village__township", "n", "reported")
            .order_by()
        }
    for township, (serving, with_report) in people.items():
        if township in rows:
            rows[township].cadres, rows[township].reported = serving, with_report

    # The villages of that day: a past month counts the places as they were.
    for township, villages in (
        scope(Village.objects.valid_on(on), user)
        .values("township")
        .annotate(n=Count("pk"))
        .values_list("township", "n")
        .order_by()
    ):
        rows[township].villages = villages
    for township, claimed, completed in (
        scope(PioneerProject.objects.filter(year=year), user)
        .values("village__township")
        .annotate(
            n=Count("pk"),
            done=Count(
                "pk",
                filter=~Q(status=PioneerProject.Status.CLAIMED) & Q(completed_on__lte=on),
            ),
        )
        .values_list("village__township", "n", "done")
        .order_by()
    ):
        rows[township].claimed, rows[township].completed = claimed, completed

    for township, grade, number in (
        scope(AnnualEvaluation.objects.filter(year=year, evaluated_on__lte=on), user)
        .values("village__township", "grade")
        .annotate(n=Count("pk"))
        .values_list("village__township", "grade", "n")
        .order_by()
    ):
        rows[township].grades[grade] = number
    evaluated = AnnualEvaluation.objects.filter(
        person=OuterRef("person"), year=year, evaluated_on__lte=on
    )
    for township, village, name in (
        secretary_posts.exclude(Exists(evaluated))
        .order_by("village__code", "person__name_key__pinyin_order")
        .values_list("village__township", "village__name", "person__name")
    ):
        rows[township].unevaluated.append(f"{village} {name}")

    for township, missed in (
        scope(
            DutyShift.objects.filter(
                outcome=DutyShift.Outcome.MISSED, date__gte=duties_since, date__lte=on
            ),
            user,
        )
        .values("roster__village__township")
        .annotate(n=Count("pk"))
        .values_list("roster__village__township", "n")
        .order_by()
    ):
        rows[township].missed_duties = missed
    return [rows[township.pk] for township in townships]
