"""The register export: a roster workbook that the roster import reads back unchanged.

Its sheets and headers are the roster import's own (``ROSTER_TEMPLATE``): one row per
serving post, as a roster names a post, and one row for a cadre who holds none; then the
columns only the register knows, which the import lists as unknown and leaves alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from django.utils import translation
from django.utils.translation import gettext as _

from cadres import selectors
from cadres.dates import date_cell
from cadres.identity import mask_id_number
from cadres.models import Person, Post
from cadres.roster import ROSTER_TEMPLATE, post_label
from cadres.xlsx_export import Column, WorkbookWriter

CADRE_SHEET, FAMILY_SHEET = ROSTER_TEMPLATE.sheets
TEXT_KEYS = {"id_number", "cadre_id_number", "phone"}
WIDTHS = {"id_number": 22, "cadre_id_number": 22, "posts": 24, "work_unit_and_post": 30}
REGISTER_ONLY_COLUMNS = [
    Column("年龄", 6),
    Column("从严掌控", 10),
    Column("从严掌控复核日期", 14),
    Column("任职来源", 16),
    Column("经联审", 8),
]


def _columns(sheet) -> list[Column]:
    return [Column(c.label, WIDTHS.get(c.key, 14), text=c.key in TEXT_KEYS) for c in sheet.columns]


def _row(sheet, values: dict) -> list:
    return [values[c.key] for c in sheet.columns]


def register_workbook_write(
    *, people: Iterable[Person], full_ids: bool, target: IO[bytes], today: dt.date
) -> tuple[int, int]:
    """Write the people (with ``current_posts`` and ``relatives``) to ``target``; return how
    many cadre and family rows were written. ID numbers are masked unless ``full_ids``."""

    def id_number(value: str | None) -> str:
        return (value or "") if full_ids else mask_id_number(value)

    writer = WorkbookWriter()
    cadres = writer.sheet(CADRE_SHEET.title, _columns(CADRE_SHEET) + REGISTER_ONLY_COLUMNS)
    family = writer.sheet(FAMILY_SHEET.title, _columns(FAMILY_SHEET))
    # The import reads the Chinese labels, whatever the user's language.
    with translation.override("zh-hans"):
        for person in people:
            person_values = {
                "name": person.name,
                "sex": person.get_sex_display(),
                "ethnicity": person.get_ethnicity_display(),
                "id_number": id_number(person.id_number),
                "birth_date": date_cell(person, "birth_date"),
                "political_status": person.get_political_status_display(),
                "party_joined_on": date_cell(person, "party_joined_on"),
                "education": person.get_education_display(),
                "phone": person.phone,
            }
            register_only = [
                selectors.age(person.birth_date, today),
                _("Yes") if person.under_strict_control else "",
                person.strict_control_review_on,
            ]
            for post in person.current_posts or [None]:
                cadres.append(
                    _row(CADRE_SHEET, {**person_values, **_post_values(person, post)})
                    + register_only
                    + (
                        [post.get_origin_display(), _("Yes") if post.vetted else _("No")]
                        if post
                        else ["", ""]
                    )
                )
            for relative in person.relatives.all():
                family.append(
                    _row(
                        FAMILY_SHEET,
                        {
                            "cadre_id_number": id_number(person.id_number),
                            "name": relative.name,
                            "relation": relative.get_relation_display(),
                            "id_number": id_number(relative.id_number),
                            "birth_date": date_cell(relative, "birth_date"),
                            "work_unit_and_post": relative.work_unit_and_post,
                        },
                    )
                )
    writer.save(target)
    return cadres.rows, family.rows


def _post_values(person: Person, post: Post | None) -> dict:
    # A cadre without a serving post is written at their home village, with no post.
    village = post.village if post else person.home_village
    return {
        "township": village.township.name if village else "",
        "village": village.name if village else "",
        "group": post.villager_group.name if post and post.villager_group else "",
        "posts": post_label(post.body, post.title) if post else "",
        "term_start": date_cell(post, "term_start") if post else None,
        "term_end": date_cell(post, "term_end") if post else None,
    }
