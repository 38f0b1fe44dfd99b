"""The monthly workbook for the organization department (DESIGN.md §3 Out).

Every sheet streams its rows from set-based queries into a write-only workbook,
so memory stays flat whatever the size of the district.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import IO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.utils import translation
from django.utils.translation import gettext as _

from cadres.ages import AGE_BANDS, age_band_q
from cadres.choices import Education, Ethnicity, PoliticalStatus, Sex
from cadres.models import Post, Township
from cadres.xlsx_export import Column, WorkbookWriter

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
    sheet = writer.sheet(_("Summary"), columns)
    rows = 0
    for township in Township.objects.order_by("code"):
        row = counts.get(township.pk, {})
        sheet.append([township.name, *(row.get(key, 0) for key in aggregates)])
        rows += 1
    return rows


def write_roster(writer: WorkbookWriter, month: Month) -> int:
    """干部花名册: every cadre serving at month end, one row per person, posts joined."""
    sheet = writer.sheet(
        _("Cadre roster"),
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
        ],
    )
    posts = (
        Post.objects.serving(month.last)
        .order_by("village__township__code", "village__code", "person_id", "body", "title")
        .values_list(
            "person_id",
            "village__township__name",
            "village__name",
            "person__name",
            "person__sex",
            "person__ethnicity",
            "person__birth_date",
            "person__id_number",
            "person__political_status",
            "person__education",
            "body",
            "title",
            "term_start",
            "term_end",
            "person__phone",
        )
    )
    labels = _choice_labels()
    rows = 0
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
                first[6],
                first[7],
                labels["political"].get(first[8], ""),
                labels["education"].get(first[9], ""),
                "、".join(labels["body"][row[10]] + labels["title"][row[11]] for row in group),
                min(row[12] for row in group),
                max(row[13] for row in group),
                first[14],
            ]
        )
        rows += 1
    return rows


def write_changes(writer: WorkbookWriter, month: Month) -> int:
    """本月变动: posts begun and posts ended within the month."""
    sheet = writer.sheet(
        _("Changes this month"),
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
        .order_by("village__township__code", "village__code", "person__name_key", "pk")
        .values_list(
            "village__township__name",
            "village__name",
            "person__name",
            "person__id_number",
            "body",
            "title",
            "term_start",
            "ended_on",
            "end_reason",
        )
    )
    rows = 0
    for township, village, name, number, body, title, start, ended, reason in posts.iterator(
        chunk_size=CHUNK
    ):
        post = labels["body"][body] + labels["title"][title]
        if month.first <= start <= month.last:
            sheet.append([township, village, name, number, post, _("Appointed"), start, ""])
            rows += 1
        if ended is not None and month.first <= ended <= month.last:
            sheet.append(
                [township, village, name, number, post, _("Left"), ended, labels["end"][reason]]
            )
            rows += 1
    return rows


def _choice_labels() -> dict[str, dict[str, str]]:
    def table(choices) -> dict[str, str]:
        return {value: str(label) for value, label in choices.choices}

    return {
        "sex": table(Sex),
        "ethnicity": table(Ethnicity),
        "political": table(PoliticalStatus),
        "education": table(Education),
        "body": table(Post.Body),
        "title": table(Post.Title),
        "end": table(Post.EndReason),
    }


SHEETS = [write_summary, write_roster, write_changes]


def build_workbook(month: Month, target: str | IO[bytes]) -> dict[str, int]:
    """Write the whole workbook for the month; returns the row count of each sheet."""
    with translation.override(settings.LANGUAGE_CODE):
        writer = WorkbookWriter()
        counts = {}
        for write in SHEETS:
            rows = write(writer, month)
            counts[writer.sheets[-1].sheet.title] = rows
        writer.save(target)
    return counts
