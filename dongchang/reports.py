"""The monthly workbook for the organization department (DESIGN.md §3 Out).

Every sheet streams its rows from set-based queries into a write-only workbook,
so memory stays flat whatever the size of the district.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Prefetch, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cadres.ages import AGE_BANDS, age_band_q
from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.dates import date_cell_value
from cadres.models import Person, Post, Township
from cadres.place_events import village_names_on
from cadres.records.models import Grade
from cadres.records.selectors import ManagementFigures, management_figures
from cadres.scoping import WHOLE_DISTRICT
from cadres.structure import STRUCTURE_COLUMNS, team_structure
from cadres.xlsx_export import Column, WorkbookWriter
from dongchang.election_report import REPORT_COLUMNS, election_report
from supervision.models import Audit as SupervisionAudit
from supervision.models import Disclosure, MisconductCase, SupervisionRecord
from training.models import Attendance, Session
from training.selectors import coverage_summary, year_coverage
from vetting.models import CandidateCase, ElectionVillage, Hit, WatchlistSource
from vetting.models.screening import SubjectKind

CHUNK = 5000


@dataclass(frozen=True)
class Month:
    """A calendar month in the district's time zone (Asia/Shanghai)."""

    first: dt.date

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            first = dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError as error:
            raise ValueError(_("A month is written YYYY-MM, e.g. 2026-10.")) from error
        return cls(first)

    @classmethod
    def previous(cls, today: dt.date) -> Month:
        return cls((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1))

    @property
    def next_first(self) -> dt.date:
        return (self.first + dt.timedelta(days=32)).replace(day=1)

    @property
    def last(self) -> dt.date:
        return self.next_first - dt.timedelta(days=1)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) as aware datetimes at local midnight, for DateTimeField filters."""
        zone = ZoneInfo(settings.TIME_ZONE)
        return (
            dt.datetime.combine(self.first, dt.time(), zone),
            dt.datetime.combine(self.next_first, dt.time(), zone),
        )

    def heading(self) -> str:
        """The title of the month's workbook, on top of each sheet."""
        return _("Village cadre management monthly report of Dongchang District (%(month)s)") % {
            "month": pgettext("month", "%(year)d-%(month)d")
            % {"year": self.first.year, "month": self.first.month}
        }

    def __str__(self) -> str:
        return f"{self.first:%Y-%m}"


def write_summary(writer: WorkbookWriter, month: Month) -> int:
    """汇总: counts per township of the cadres serving at month end, in one grouped query."""
    day = month.last

    def people(condition: Q | None = None) -> Count:
        return Count("person", distinct=True, filter=condition)

    aggregates = {"total": people()}
    for body in Post.Body:
        aggregates[f"body_{body.value}"] = people(Q(body=body))
    for band, *_rest in AGE_BANDS:
        aggregates[f"age_{band}"] = people(age_band_q(band, day, "person__birth_date"))
    aggregates["party"] = people(
        Q(
            person__political_status__in=[
                PoliticalStatus.CPC_MEMBER,
                PoliticalStatus.CPC_PROBATIONARY,
            ]
        )
    )
    for level in Education:
        aggregates[f"edu_{level.value}"] = people(Q(person__education=level))
    counts = {
        row.pop("village__township"): row
        for row in Post.objects.serving(day)
        .values("village__township")
        .annotate(**aggregates)
        .order_by()
    }

    columns = [Column(_("Township")), Column(_("Serving cadres"))]
    columns += [Column(str(body.label)) for body in Post.Body]
    columns += [Column(str(label)) for _band, label, *_ages in AGE_BANDS]
    columns += [Column(_("Party members"))]
    columns += [Column(str(level.label)) for level in Education]
    sheet = writer.sheet(pgettext("sheet", "Summary"), columns)
    for township in Township.objects.order_by("code"):
        row = counts.get(township.pk, {})
        sheet.append([township.name, *(row.get(key, 0) for key in aggregates)])
    # Counted over the district, not summed: a cadre serving in two townships is one person.
    total = Post.objects.serving(day).aggregate(**aggregates)
    sheet.total([_("Total"), *(total[key] for key in aggregates)])
    return sheet.rows


def write_roster(writer: WorkbookWriter, month: Month) -> int:
    """干部花名册: every cadre serving at month end, one row per person, posts joined."""
    sheet = writer.sheet(
        pgettext("sheet", "Cadre roster"),
        [
            Column(_("Township")),
            Column(_("Village")),
            Column(_("Full name")),
            Column(_("Sex")),
            Column(_("Ethnicity")),
            Column(_("Birth date")),
            Column(_("ID number"), text=True),
            Column(_("Political status")),
            Column(_("Education")),
            Column(_("Posts")),
            Column(_("Term start")),
            Column(_("Term end")),
            Column(_("Phone"), text=True),
            Column(_("Origin")),
            Column(_("Vetted in joint review")),
        ],
    )
    # Names in pinyin order within a village, as the register lists them (cadres.search).
    posts = (
        Post.objects.serving(month.last)
        .order_by(
            "village__township__code",
            "village__code",
            "person__name_key__pinyin_order",
            "person_id",
            "body",
            "title",
        )
        .values_list(
            "person_id",
            "village__township__name",
            "village__name",
            "person__name",
            "person__sex",
            "person__ethnicity",
            "person__birth_date",
            "person__birth_date_precision",
            "person__id_number",
            "person__political_status",
            "person__education",
            "body",
            "title",
            "term_start",
            "term_start_precision",
            "term_end",
            "term_end_precision",
            "person__phone",
            "origin",
            "vetted",
            "village_id",
        )
    )
    labels = _choice_labels()
    names = village_names_on(month.last)
    for (_person, township, village), group in itertools.groupby(
        posts.iterator(chunk_size=CHUNK), key=lambda row: (row[0], row[1], row[2])
    ):
        group = list(group)
        first = group[0]
        sheet.append(
            [
                township,
                names.get(first[20], village),
                first[3],
                labels["sex"].get(first[4], ""),
                labels["ethnicity"].get(first[5], ""),
                date_cell_value(first[6], first[7]),
                first[8],
                labels["political"].get(first[9], ""),
                labels["education"].get(first[10], ""),
                "、".join(labels["body"][row[11]] + labels["title"][row[12]] for row in group),
                date_cell_value(*min((row[13], row[14]) for row in group)),
                date_cell_value(*max((row[15], row[16]) for row in group)),
                first[17],
                "、".join(labels["origin"][row[18]] for row in group),
                _("Yes") if all(row[19] for row in group) else _("No"),
            ]
        )
    return sheet.rows


def write_changes(writer: WorkbookWriter, month: Month) -> int:
    """本月变动: posts begun and posts ended within the month."""
    sheet = writer.sheet(
        pgettext("sheet", "Changes this month"),
        [
            Column(_("Township")),
            Column(_("Village")),
            Column(_("Full name")),
            Column(_("ID number"), text=True),
            Column(_("Post")),
            Column(_("Change")),
            Column(_("Date")),
            Column(_("End reason")),
        ],
    )
    labels = _choice_labels()
    posts = (
        Post.objects.filter(
            Q(term_start__gte=month.first, term_start__lte=month.last)
            | Q(ended_on__gte=month.first, ended_on__lte=month.last)
        )
        .order_by(
            "village__township__code", "village__code", "person__name_key__pinyin_order", "pk"
        )
        .values_list(
            "village__township__name",
            "village__name",
            "person__name",
            "person__id_number",
            "body",
            "title",
            "term_start",
            "term_start_precision",
            "ended_on",
            "end_reason",
            "village_id",
        )
    )
    names = village_names_on(month.last)
    for row in posts.iterator(chunk_size=CHUNK):
        township, village, name, number, body, title, start, precision, ended, reason, pk = row
        village = names.get(pk, village)
        post = labels["body"][body] + labels["title"][title]
        if month.first <= start <= month.last:
            appointed = date_cell_value(start, precision)
            sheet.append([township, village, name, number, post, _("Appointed"), appointed, ""])
        if ended is not None and month.first <= ended <= month.last:
            sheet.append(
                [township, village, name, number, post, _("Left"), ended, labels["end"][reason]]
            )
    return sheet.rows


def _choice_labels() -> dict[str, dict[str, str]]:
    table = _table
    return {
        "sex": table(Sex),
        "ethnicity": table(Ethnicity),
        "political": table(PoliticalStatus),
        "education": table(Education),
        "body": table(Post.Body),
        "title": table(Post.Title),
        "end": table(Post.EndReason),
        "origin": table(Post.Origin),
    }


def write_vetting(writer: WorkbookWriter, month: Month) -> int:
    """资格审查: candidate cases decided within the month, with their outcome."""
    start, end = month.bounds()
    sheet = writer.sheet(
        pgettext("sheet", "Vetting"),
        [
            Column(_("Township")),
            Column(_("Village")),
            Column(_("Full name")),
            Column(_("ID number"), text=True),
            Column(_("Post")),
            Column(_("Submitted at")),
            Column(pgettext("vetting", "Outcome")),
            Column(_("Decided at")),
            Column(_("Decided by")),
            Column(_("Reason")),
        ],
    )
    labels = _choice_labels()
    states = _table(CandidateCase.State)
    cases = (
        CandidateCase.objects.filter(decided_at__gte=start, decided_at__lt=end)
        .order_by("village__township__code", "village__code", "decided_at", "pk")
        .values_list(
            "village__township__name", "village__name", "name", "id_number", "body", "title",
            "submitted_at", "state", "decided_at", "decided_by__name", "decided_by__username",
            "decision_reason",
        )
    )  # fmt: skip
    for (township, village, name, number, body, title, submitted, state, decided, decider_name,
         decider_username, reason) in cases.iterator(chunk_size=CHUNK):  # fmt: skip
        sheet.append(
            [
                township,
                village,
                name,
                number,
                labels["body"][body] + labels["title"][title],
                timezone.localtime(submitted) if submitted else None,
                states.get(state, state),
                timezone.localtime(decided),
                decider_name or decider_username,
                reason,
            ]
        )
    return sheet.rows


def write_hits(writer: WorkbookWriter, month: Month) -> int:
    """排查预警: screening hits raised or decided within the month."""
    start, end = month.bounds()
    sheet = writer.sheet(
        pgettext("sheet", "Screening hits"),
        [
            Column(_("Township")),
            Column(_("Village")),
            Column(_("Full name")),
            Column(_("Screened as")),
            Column(_("ID number"), text=True),
            Column(_("List kind")),
            Column(_("Name on the list")),
            Column(_("Measure taken")),
            Column(_("Short description")),
            Column(_("Match")),
            Column(pgettext("hit", "Score")),
            Column(_("Status")),
            Column(_("Raised at")),
            Column(_("Decided at")),
            Column(_("Reason")),
        ],
    )
    labels = {
        "subject": _table(SubjectKind),
        "kind": _table(WatchlistSource.Kind),
        "match": _table(Hit.MatchKind),
        "status": _table(Hit.Status),
    }
    hits = (
        Hit.objects.filter(
            Q(created_at__gte=start, created_at__lt=end)
            | Q(reviewed_at__gte=start, reviewed_at__lt=end)
        )
        .annotate(
            subject_name=Coalesce(
                "person__name",
                "relative__name",
                "candidate__name",
                "candidate_relative__name",
            ),
            subject_number=Coalesce(
                "person__id_number",
                "relative__id_number",
                "candidate__id_number",
                "candidate_relative__id_number",
            ),
        )
        .order_by("township__code", "village__code", "created_at", "pk")
        .values_list(
            "township__name",
            "village__name",
            "subject_name",
            "subject_kind",
            "subject_number",
            "entry__source__kind",
            "entry__name",
            "entry__measure",
            "entry__description",
            "match_kind",
            "score",
            "status",
            "created_at",
            "reviewed_at",
            "reason",
        )
    )
    for row in hits.iterator(chunk_size=CHUNK):
        (township, village, name, kind, number, list_kind, entry, measure, description, match,
         score, status, raised, decided, reason) = row  # fmt: skip
        sheet.append(
            [
                township,
                village,
                name,
                labels["subject"].get(kind, kind),
                number,
                labels["kind"].get(list_kind, list_kind),
                entry,
                measure,
                description,
                labels["match"].get(match, match),
                score,
                labels["status"].get(status, status),
                timezone.localtime(raised),
                timezone.localtime(decided) if decided else None,
                reason,
            ]
        )
    return sheet.rows


def write_training(writer: WorkbookWriter, month: Month) -> int:
    """教育培训: sessions held in the month with their attendance."""
    start, end = month.bounds()
    sheet = writer.sheet(
        pgettext("sheet", "Training"),
        [
            Column(_("Session")),
            Column(_("Kind")),
            Column(_("Organizer")),
            Column(_("Starts at")),
            Column(_("Credited hours")),
            Column(_("Invited")),
            Column(_("Present")),
            Column(_("Excused")),
            Column(_("Absent")),
            Column(_("Attendance rate (%)")),
        ],
    )
    kinds = _table(Session.Kind)
    Status = Attendance.Status
    sessions = (
        Session.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .annotate(
            invited=Count("attendances"),
            present=Count("attendances", filter=Q(attendances__status=Status.PRESENT)),
            excused=Count("attendances", filter=Q(attendances__status=Status.EXCUSED)),
            absent=Count("attendances", filter=Q(attendances__status=Status.ABSENT)),
        )
        .order_by("starts_at", "pk")
        .values_list(
            "title", "kind", "organizer__name", "starts_at", "hours", "invited", "present",
            "excused", "absent",
        )
    )  # fmt: skip
    for title, kind, organizer, starts, hours, invited, present, excused, absent in sessions:
        rate = round(100 * present / invited, 1) if invited else None
        sheet.append(
            [
                title,
                kinds.get(kind, kind),
                organizer or _("District"),
                timezone.localtime(starts),
                hours,
                invited,
                present,
                excused,
                absent,
                rate,
            ]
        )
    return sheet.rows


def write_training_coverage(writer: WorkbookWriter, month: Month) -> int:
    """培训覆盖: the year's training coverage of serving cadres per township."""
    sheet = writer.sheet(
        pgettext("sheet", "Training coverage"),
        [
            Column(_("Township")),
            Column(_("Serving cadres")),
            Column(_("Trained")),
            Column(_("Untrained")),
            Column(_("Trained (%)")),
            Column(_("Hours")),
            Column(_("Hours per person")),
            Column(_("Attendance rate (%)")),
        ],
    )
    groups, totals = coverage_summary(
        year_coverage(month.first.year, WHOLE_DISTRICT), by_village=False
    )
    measures = ("people", "trained", "untrained", "trained_rate", "hours", "hours_per_person",
                "attendance_rate")  # fmt: skip
    for group in groups:
        sheet.append([group["village__township__name"], *(group[key] for key in measures)])
    sheet.total([_("Total"), *(totals[key] for key in measures)])
    return len(groups)


def write_supervision(writer: WorkbookWriter, month: Month) -> int:
    """监督管理: supervision records of the month and those whose rectification was open in
    it, audits under way in the month, disclosures and misconduct cases of the month."""
    sheet = writer.sheet(
        pgettext("sheet", "Supervision"),
        [
            Column(_("Category")),
            Column(_("Township")),
            Column(_("Village")),
            Column(_("Date")),
            Column(_("Kind")),
            Column(_("Cadre")),
            Column(_("Content")),
            Column(_("Status")),
        ],
    )
    in_month = {"gte": month.first, "lte": month.last}
    _start, end = month.bounds()
    # A month still running is told as it stands today.
    as_of = min(month.last, timezone.localdate())

    def dated(field: str) -> Q:
        return Q(**{f"{field}__{op}": day for op, day in in_month.items()})

    def rectification(record: SupervisionRecord) -> str:
        if record.rectified_on is not None and record.rectified_on <= as_of:
            return _("Rectified")
        if record.rectification_deadline is None:
            return ""
        if record.rectification_deadline < as_of:
            return _("Overdue, not rectified")
        return _("Rectification due")

    people = Prefetch("cadres", queryset=Person.objects.order_by("name_key__pinyin_order", "pk"))
    open_rectification = Q(date__lt=month.first, rectification_deadline__isnull=False) & (
        Q(rectified_on__isnull=True) | Q(rectified_on__gte=month.first)
    )
    sources = [
        (
            _("Supervision record"),
            SupervisionRecord.objects.filter(dated("date") | open_rectification)
            .prefetch_related(people).order_by("date", "pk"),
            lambda r: (r.date, _label(r.get_tier_display(), r.get_kind_display()),
                       "、".join(person.name for person in r.cadres.all()), r.findings,
                       rectification(r)),
        ),
        (
            _("Audit"),
            SupervisionAudit.objects.filter(created_at__lt=end)
            .filter(Q(completed_on__isnull=True) | Q(completed_on__gte=month.first))
            .select_related("post__person").order_by("created_at", "pk"),
            lambda a: (a.completed_on or timezone.localdate(a.created_at), a.get_kind_display(),
                       a.post.person.name if a.post_id else "", a.conclusion or a.findings,
                       a.get_status_display()),
        ),
        (
            _("Disclosure"),
            Disclosure.objects.filter(dated("published_on")).order_by("published_on", "pk"),
            lambda d: (d.published_on, d.get_kind_display(), "", d.content,
                       _("Verified") if d.verified_on else _("Not verified")),
        ),
        (
            _("Misconduct case"),
            MisconductCase.objects.filter(dated("occurred_on")).select_related("person")
            .order_by("occurred_on", "pk"),
            lambda c: (c.occurred_on, c.get_category_display(), c.person.name, c.facts,
                       c.get_status_display()),
        ),
    ]  # fmt: skip
    for category, queryset, describe in sources:
        for item in queryset.select_related("village__township").iterator(chunk_size=CHUNK):
            date, kind, cadre, content, status = describe(item)
            sheet.append(
                [category, item.village.township.name, item.village.name, date, kind, cadre,
                 content, status]
            )  # fmt: skip
    return sheet.rows


def write_management(writer: WorkbookWriter, month: Month) -> int:
    """制度管理: per township, how the management systems are kept as of month end."""
    grades = _table(Grade)
    sheet = writer.sheet(
        pgettext("sheet", "System management"),
        [
            Column(_("Township")),
            Column(_("Village party secretaries")),
            Column(_("Filed")),
            Column(_("Filing rate (%)")),
            Column(_("Serving cadres")),
            Column(_("Annual personal report made")),
            Column(_("Personal report rate (%)")),
            Column(_("Villages")),
            Column(_("Pioneer projects claimed")),
            Column(_("Pioneer projects completed")),
            *(Column(label) for label in grades.values()),
            Column(_("Not yet evaluated")),
            Column(_("Secretaries not yet evaluated")),
            Column(_("Missed duties this month")),
        ],
    )

    def cells(row: ManagementFigures, names: str) -> list[object]:
        return [
            row.name, row.secretaries, row.filed, row.filing_rate, row.cadres, row.reported,
            row.report_rate, row.villages, row.claimed, row.completed,
            *(row.grades.get(grade, 0) for grade in grades), len(row.unevaluated), names,
            row.missed_duties,
        ]  # fmt: skip

    rows = management_figures(WHOLE_DISTRICT, month.last, month.first)
    for row in rows:
        sheet.append(cells(row, "、".join(row.unevaluated)))
    # The townships' rows name the secretaries not yet evaluated; the total counts them.
    sheet.total(cells(ManagementFigures.total(_("Total"), rows), ""))
    return sheet.rows


def write_structure(writer: WorkbookWriter, month: Month) -> int:
    """队伍结构: the team structure per township at month end, the district's last, with the
    targets in force and whether each is met (the columns of the 队伍结构 page's export)."""
    sheet = writer.sheet(
        pgettext("sheet", "Team structure"),
        [Column(str(c.label), c.width, c.text) for c in STRUCTURE_COLUMNS],
    )
    figures = team_structure(WHOLE_DISTRICT, month.last)
    for row in figures.rows:
        sheet.append([column.value(row) for column in STRUCTURE_COLUMNS])
    sheet.total([column.value(figures.total) for column in STRUCTURE_COLUMNS])
    return sheet.rows


def write_election(writer: WorkbookWriter, month: Month) -> int | None:
    """换届前后对比: the before-and-after of the latest general election with villages
    confirmed by the month's end, as its page shows it for the district (``election_report``
    on the month's last day); no sheet in a month before any confirmation."""
    latest = (
        ElectionVillage.objects.filter(confirmed_at__lt=month.bounds()[1])
        .select_related("plan__election")
        .order_by("-plan__election__starts_on", "-plan__election_id")
        .first()
    )
    if latest is None:
        return None
    report = election_report(WHOLE_DISTRICT, latest.plan.election, today=month.last)
    sheet = writer.sheet(
        pgettext("sheet", "Before and after the election"),
        [Column(str(c.label), c.width, c.text) for c in REPORT_COLUMNS],
    )
    for row in report.rows:
        sheet.append([column.value(row) for column in REPORT_COLUMNS])
    sheet.total([column.value(report.total) for column in REPORT_COLUMNS])
    return sheet.rows


def _label(*parts: str) -> str:
    return " · ".join(part for part in parts if part)


def _table(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


SHEETS = [
    write_summary,
    write_roster,
    write_changes,
    write_vetting,
    write_hits,
    write_training,
    write_training_coverage,
    write_supervision,
    write_management,
    write_structure,
    write_election,
]


def build_workbook(
    month: Month, target: str | IO[bytes], tick: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Write the whole workbook for the month; returns the row count of each sheet.
    ``tick(done, total)`` is told each sheet written (a job's ticker)."""
    with translation.override(settings.LANGUAGE_CODE):
        writer = WorkbookWriter(heading=month.heading())
        counts = {}
        for done, write in enumerate(SHEETS, start=1):
            rows = write(writer, month)
            if rows is not None:  # None: the sheet has nothing to say this month
                counts[writer.sheets[-1].sheet.title] = rows
            if tick is not None:
                tick(done, len(SHEETS))
        writer.save(target)
    return counts
