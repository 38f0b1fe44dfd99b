"""The register export: a roster workbook that the roster import reads back unchanged.

Its sheets and headers are the roster import's own (``ROSTER_TEMPLATE``): one row per
serving post, as a roster names a post, and one row for a cadre who holds none; then the
columns only the register knows, which the import lists as unknown and leaves alone.
The sheets are the one list's (``cadres.listing``), declared here column by column.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils.translation import gettext as _

from cadres import selectors
from cadres.dates import date_cell
from cadres.listing import Col, Sheet
from cadres.models import Person, Post, Relative
from cadres.roster import ROSTER_TEMPLATE, post_label

CADRE_SHEET, FAMILY_SHEET = ROSTER_TEMPLATE.sheets
ID_KEYS = {"id_number", "cadre_id_number"}
WIDTHS = {"id_number": 22, "cadre_id_number": 22, "posts": 24, "work_unit_and_post": 30}


class CadreRow(NamedTuple):
    person: Person
    post: Post | None  # None: a cadre without a serving post, at their home village


class FamilyRow(NamedTuple):
    person: Person
    relative: Relative


def _village(row: CadreRow):
    return row.post.village if row.post else row.person.home_village


def _post(value, empty=None):
    """A post's value, ``empty`` on the row of a cadre without a serving post."""
    return lambda row: value(row.post) if row.post else empty


CADRE_VALUES = {
    "name": lambda row: row.person.name,
    "sex": lambda row: row.person.get_sex_display(),
    "ethnicity": lambda row: row.person.get_ethnicity_display(),
    "id_number": lambda row: row.person.id_number,
    "birth_date": lambda row: date_cell(row.person, "birth_date"),
    "political_status": lambda row: row.person.get_political_status_display(),
    "party_joined_on": lambda row: date_cell(row.person, "party_joined_on"),
    "education": lambda row: row.person.get_education_display(),
    "phone": lambda row: row.person.phone,
    "native_place": lambda row: row.person.native_place,
    "birthplace": lambda row: row.person.birthplace,
    "work_started_on": lambda row: date_cell(row.person, "work_started_on"),
    "health": lambda row: row.person.health,
    "township": lambda row: village.township.name if (village := _village(row)) else "",
    "village": lambda row: village.name if (village := _village(row)) else "",
    "group": lambda row: (
        row.post.villager_group.name if row.post and row.post.villager_group else ""
    ),
    "posts": lambda row: post_label(row.post.body, row.post.title) if row.post else "",
    "term_start": _post(lambda post: date_cell(post, "term_start")),
    "term_end": _post(lambda post: date_cell(post, "term_end")),
}
FAMILY_VALUES = {
    "cadre_id_number": lambda row: row.person.id_number,
    "name": lambda row: row.relative.name,
    "relation": lambda row: row.relative.get_relation_display(),
    "id_number": lambda row: row.relative.id_number,
    "birth_date": lambda row: date_cell(row.relative, "birth_date"),
    "work_unit_and_post": lambda row: row.relative.work_unit_and_post,
}
# The register's own columns, after the roster's: the import ignores them.
REGISTER_ONLY_COLUMNS = [
    Col("年龄", lambda row: selectors.age(row.person.birth_date), width=6),
    Col("从严掌控", lambda row: _("Yes") if row.person.under_strict_control else "", width=10),
    Col("从严掌控复核日期", lambda row: row.person.strict_control_review_on, width=14),
    Col("任职来源", _post(lambda post: post.get_origin_display(), ""), width=16),
    Col("经联审", _post(lambda post: _("Yes") if post.vetted else _("No"), ""), width=8),
]


def _roster_columns(sheet, values: dict) -> list[Col]:
    return [
        Col(
            c.label,
            values[c.key],
            width=WIDTHS.get(c.key, 14),
            text=c.key == "phone",
            id_number=c.key in ID_KEYS,
        )
        for c in sheet.columns
    ]


REGISTER_SHEETS = [
    Sheet(
        _roster_columns(CADRE_SHEET, CADRE_VALUES) + REGISTER_ONLY_COLUMNS,
        title=CADRE_SHEET.title,
        rows=lambda person: [CadreRow(person, post) for post in person.current_posts or [None]],
    ),
    Sheet(
        _roster_columns(FAMILY_SHEET, FAMILY_VALUES),
        title=FAMILY_SHEET.title,
        rows=lambda person: [FamilyRow(person, r) for r in person.relatives.all()],
        unit="family rows",
    ),
]
