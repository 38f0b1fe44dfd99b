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
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cadres.ages import AGE_BANDS, age_band_q
from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.dates import date_cell_value
from cadres.models import Post, Township
from cadres.scoping import WHOLE_DISTRICT
from cadres.structure import STRUCTURE_COLUMNS, team_structure
from cadres.xlsx_export import Column, WorkbookWriter
from supervision.models import Audit as SupervisionAudit
from supervision.models import Disclosure, MisconductCase, SupervisionRecord
from training.models import Attendance, Session
from training.selectors import coverage_summary, year_coverage
from vetting.models import CandidateCase, Hit, WatchlistSource
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

    columns = [Column(_("Township"), 14), Column(_("Serving cadres"), 10)]
    columns += [Column(str(body.label), 12) for body in Post.Body]
    columns += [Column(str(label), 9) for _band, label, *_ages in AGE_BANDS]
    columns += [Column(_("Party members"), 10)]
    columns += [Column(str(level.label), 10) for level in Education]
    sheet = writer.sheet(pgettext("sheet", "Summary"), columns)
    for township in Township.objects.order_by("code"):
        row = counts.get(township.pk, {})
        sheet.append([township.name, *(row.get(key, 0) for key in aggregates)])
    return sheet.rows


def write_roster(writer: WorkbookWriter, month: Month) -> int:
    """干部花名册: every cadre serving at month end, one row per person, posts joined."""
    sheet = writer.sheet(
        pgettext("sheet", "Cadre roster"),
        [
            Column(_("Township"), 12),
            Column(_("Village"), 12),
            Column(_("Full name"), 10),
            Column(_("Sex"), 6),
            Column(_("Ethnicity"), 8),
            Column(_("Birth date"), 12),
            Column(_("ID number"), 22, text=True),
            Column(_("Political status"), 12),
            Column(_("Education"), 12),
            Column(_("Posts"), 30),
            Column(_("Term start"), 12),
            Column(_("Term end"), 12),
            Column(_("Phone"), 14, text=True),
            Column(_("Origin"), 16),
            Column(_("Vetted in joint review"), 10),
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
        )
    )
    labels = _choice_labels()
    for (_person, township, village), group in itertools.groupby(
        posts.iterator(chunk_size=CHUNK), key=lambda row: (row[0], row[1], row[2])
    ):
        group = list(group)
        first = group[0]
        sheet.append(
            [
                township,
                village,
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
            Column(_("Township"), 12),
            Column(_("Village"), 12),
            Column(_("Full name"), 10),
            Column(_("ID number"), 22, text=True),
            Column(_("Post"), 22),
            Column(_("Change"), 8),
            Column(_("Date"), 12),
            Column(_("End reason"), 12),
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
        )
    )
    for row in posts.iterator(chunk_size=CHUNK):
        township, village, name, number, body, title, start, precision, ended, reason = row
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
            Column(_("Township"), 12),
            Column(_("Village"), 12),
            Column(_("Full name"), 10),
            Column(_("ID number"), 22, text=True),
            Column(_("Post"), 22),
            Column(_("Submitted at"), 17),
            Column(pgettext("vetting", "Outcome"), 10),
            Column(_("Decided at"), 17),
            Column(_("Decided by"), 12),
            Column(_("Reason"), 30),
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
            Column(_("Township"), 12),
            Column(_("Village"), 12),
            Column(_("Full name"), 10),
            Column(_("Screened as"), 8),
            Column(_("ID number"), 22, text=True),
            Column(_("List kind"), 14),
            Column(_("Name on the list"), 10),
            Column(_("Measure taken"), 18),
            Column(_("Short description"), 30),
            Column(_("Match"), 8),
            Column(pgettext("hit", "Score"), 6),
            Column(_("Status"), 8),
            Column(_("Raised at"), 17),
            Column(_("Decided at"), 17),
            Column(_("Reason"), 30),
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
            subject_name=Coalesce("person__name", "relative__name"),
            subject_number=Coalesce("person__id_number", "relative__id_number"),
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
            Column(_("Session"), 30),
            Column(_("Kind"), 12),
            Column(_("Organizer"), 12),
            Column(_("Starts at"), 17),
            Column(_("Credited hours"), 8),
            Column(_("Invited"), 8),
            Column(_("Present"), 8),
            Column(_("Excused"), 8),
            Column(_("Absent"), 8),
            Column(_("Attendance rate (%)"), 10),
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
            Column(_("Township"), 14),
            Column(_("Serving cadres"), 10),
            Column(_("Trained"), 8),
            Column(_("Untrained"), 8),
            Column(_("Trained (%)"), 9),
            Column(_("Hours"), 8),
            Column(_("Hours per person"), 10),
            Column(_("Attendance rate (%)"), 10),
        ],
    )
    groups, _totals = coverage_summary(
        year_coverage(month.first.year, WHOLE_DISTRICT), by_village=False
    )
    for group in groups:
        sheet.append(
            [
                group["village__township__name"],
                group["people"],
                group["trained"],
                group["untrained"],
                group["trained_rate"],
                group["hours"],
                group["hours_per_person"],
                group["attendance_rate"],
            ]
        )
    return len(groups)


def write_supervision(writer: WorkbookWriter, month: Month) -> int:
    """监督管理: supervision records, audits, disclosures and misconduct cases of the month."""
    sheet = writer.sheet(
        pgettext("sheet", "Supervision"),
        [
            Column(_("Category"), 12),
            Column(_("Township"), 12),
            Column(_("Village"), 12),
            Column(_("Date"), 12),
            Column(_("Kind"), 16),
            Column(_("Cadre"), 10),
            Column(_("Content"), 40),
            Column(_("Status"), 14),
        ],
    )
    in_month = {"gte": month.first, "lte": month.last}

    def dated(field: str) -> Q:
        return Q(**{f"{field}__{op}": day for op, day in in_month.items()})

    sources = [
        (
            _("Supervision record"),
            SupervisionRecord.objects.filter(dated("date")).order_by("date", "pk"),
            lambda r: (r.date, _label(r.get_tier_display(), r.get_kind_display()), "",
                       r.findings, _("Rectified") if r.rectified_on else
                       (_("Rectification due") if r.rectification_deadline else "")),
        ),
        (
            _("Audit"),
            SupervisionAudit.objects.filter(dated("completed_on") | dated("period_end"))
            .select_related("post__person").order_by("pk"),
            lambda a: (a.completed_on or a.period_end, a.get_kind_display(),
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


def write_structure(writer: WorkbookWriter, month: Month) -> int:
    """队伍结构: the team structure per township at month end, the district's last, with the
    targets in force and whether each is met (the columns of the 队伍结构 page's export)."""
    sheet = writer.sheet(
        pgettext("sheet", "Team structure"),
        [Column(str(c.label), c.width, c.text) for c in STRUCTURE_COLUMNS],
    )
    figures = team_structure(WHOLE_DISTRICT, month.last)
    for row in [*figures.rows, figures.total]:
        sheet.append([column.value(row) for column in STRUCTURE_COLUMNS])
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
    write_structure,
]


def build_workbook(
    month: Month, target: str | IO[bytes], tick: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Write the whole workbook for the month; returns the row count of each sheet.
    ``tick(done, total)`` is told each sheet written (a job's ticker)."""
    with translation.override(settings.LANGUAGE_CODE):
        writer = WorkbookWriter()
        counts = {}
        for done, write in enumerate(SHEETS, start=1):
            rows = write(writer, month)
            counts[writer.sheets[-1].sheet.title] = rows
            if tick is not None:
                tick(done, len(SHEETS))
        writer.save(target)
    return counts
