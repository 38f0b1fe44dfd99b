"""The places import: the National Bureau of Statistics' 统计用区划代码 list for the district,
compared with the register's townships and villages, and applied in one transaction.

The list is read as users keep it (a title row with the year, footer rows, invisible
characters, columns of their own), through the one spreadsheet reader. Town-level rows
(220502xxx000) are townships, the other rows villages; their published names
(东昌街道办事处, XX村民委员会, XX社区居委会) become the register's (东昌街道, XX村, XX社区).

A listed place is matched to an open place of the register by its name first (in its
township, for villages), then by its code: official lists disagree on codes more than on
names, and a place that keeps its row keeps its posts, records and township permissions.
What is left over is new (listed only) or ended (in the register only); a place is never
deleted. A list with any row in error is not applied: a skipped row would end its place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres.error_workbook import ErrorWorkbook, error_workbook_from, errors_by_row
from cadres.models import ImportFile, Township, Village, VillagerGroup
from cadres.services import import_file_store
from cadres.spreadsheets import (
    Column,
    RowError,
    SheetReport,
    SpreadsheetError,
    parse_text,
    read_sheet,
    sheet_names,
    sheet_rows,
)

# Who may import the list and see ended places: no role holds it by default; a superuser
# (the system administrator of the admin site) holds every permission.
PLACES_PERM = "cadres.import_places"
DISTRICT_CODE = "220502"
DEFAULT_SOURCE = "国家统计局 统计用区划代码"

COLUMNS = [
    Column("code", "统计用区划代码", ("区划代码", "统计用代码", "代码", "行政区划代码"), True),
    Column("urban_rural", "城乡分类代码", ("城乡分类", "城乡代码", "城乡属性")),
    Column("name", "名称", ("区划名称", "单位名称", "地名"), True),
]

_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
_CODE_RE = re.compile(r"^\d{12}$")
_URBAN_RURAL_RE = re.compile(r"^\d{3}$")
# Published suffixes and the register's, longest first.
_TOWNSHIP_SUFFIXES = (
    ("街道办事处", "街道"),
    ("街道办", "街道"),
    ("人民政府", ""),
)
_VILLAGE_SUFFIXES = (
    ("社区居民委员会", "社区"),
    ("社区居委会", "社区"),
    ("居民委员会", "社区"),
    ("居委会", "社区"),
    ("村民委员会", "村"),
    ("村委会", "村"),
)


class Change(models.TextChoices):
    NEW = "new", gettext_lazy("New")
    RENAMED = "renamed", gettext_lazy("Renamed")
    CODE_CHANGED = "code_changed", gettext_lazy("Code changed")
    RECLASSIFIED = "reclassified", gettext_lazy("Kind or urban-rural classification changed")
    ENDED = "ended", gettext_lazy("No longer listed (ended)")
    UNCHANGED = "unchanged", gettext_lazy("Unchanged")


TOWNSHIP = "township"
VILLAGE = "village"


def may_import_places(user) -> bool:
    return user.is_authenticated and user.is_active and user.has_perm(PLACES_PERM)


def _require_importer(actor) -> None:
    if not may_import_places(actor):
        raise PermissionDenied


# Reading ----------------------------------------------------------------------------


def township_name(published: str) -> str:
    for suffix, replacement in _TOWNSHIP_SUFFIXES:
        if published.endswith(suffix) and len(published) > len(suffix):
            return published[: -len(suffix)] + replacement
    return published


def township_kind(name: str) -> str | None:
    if name.endswith("街道"):
        return Township.Kind.SUBDISTRICT
    if name.endswith("镇"):
        return Township.Kind.TOWN
    if name.endswith("乡"):
        return Township.Kind.TOWNSHIP
    if any(word in name for word in ("开发区", "园区", "经济区", "示范区")):
        return Township.Kind.ZONE
    return None


def village_name_and_kind(published: str) -> tuple[str, str]:
    """The register's name and kind of a published village-level name: XX村民委员会 → XX村,
    XX社区居委会 → XX社区 (a community)."""
    for suffix, replacement in _VILLAGE_SUFFIXES:
        if published.endswith(suffix) and len(published) > len(suffix):
            base = published[: -len(suffix)]
            name = base if base.endswith(replacement) else base + replacement
            break
    else:
        name = published
    kind = Village.Kind.COMMUNITY if name.endswith("社区") else Village.Kind.VILLAGE
    return name, kind


@dataclass
class Listed:
    """One place as the list gives it, in the register's terms."""

    level: str
    code: str
    name: str
    kind: str
    urban_rural: str
    sheet: str
    row: int
    # A village's township code (9 digits).
    township_code: str = ""


@dataclass
class PlaceList:
    townships: dict[str, Listed] = field(default_factory=dict)
    villages: dict[str, Listed] = field(default_factory=dict)
    year: int | None = None
    reports: list[SheetReport] = field(default_factory=list)
    # Per sheet read, its errors.
    errors: dict[str, list[RowError]] = field(default_factory=dict)
    # Sheets passed over (no list on them), with the reader's reason.
    passed_over: list[str] = field(default_factory=list)

    def error(self, sheet: str, row: int, column: str, message: str) -> None:
        self.errors.setdefault(sheet, []).append(RowError(row, column, message))

    @property
    def error_count(self) -> int:
        return sum(len(errors) for errors in self.errors.values())

    def error_lines(self) -> list[str]:
        lines = []
        for sheet, errors in self.errors.items():
            lines += [f"{sheet}：{error}" for error in sorted(errors, key=lambda e: e.row)]
        return lines


def _year_of(texts: Iterable[object]) -> int | None:
    for text in texts:
        match = _YEAR_RE.search(parse_text(text))
        if match:
            return int(match.group(1))
    return None


def places_read(source) -> PlaceList:
    """Every sheet's list rows; SpreadsheetError when no sheet holds a list."""
    found = PlaceList()
    first_error: SpreadsheetError | None = None
    for name in sheet_names(source):
        report = SheetReport()
        try:
            rows = list(read_sheet(source, COLUMNS, sheet=name, report=report))
        except SpreadsheetError as error:
            first_error = first_error or error
            found.passed_over.append(str(error))
            continue
        found.reports.append(report)
        found.errors.setdefault(report.sheet, [])
        if found.year is None:
            above = range(1, report.header_row)
            titles = [cell for _n, cells in sheet_rows(source, name, above) for cell in cells]
            found.year = _year_of([*titles, name])
        for row in rows:
            _read_row(found, report.sheet, row.number, row.values)
    if not found.reports:
        raise first_error or SpreadsheetError(_("The workbook has no sheets."))
    for village in found.villages.values():
        if village.township_code not in found.townships:
            found.error(
                village.sheet,
                village.row,
                COLUMNS[0].label,
                _("The town-level row of %(code)s (%(town)s000) is missing from the list.")
                % {"code": village.code, "town": village.township_code},
            )
    _check_unique_names(found)
    return found


def _read_row(found: PlaceList, sheet: str, number: int, values: dict) -> None:
    code = "".join(parse_text(values["code"]).split())
    published = "".join(parse_text(values["name"]).split())
    urban_rural = parse_text(values["urban_rural"])
    code_label, name_label = COLUMNS[0].label, COLUMNS[2].label
    if not _CODE_RE.match(code):
        found.error(
            sheet, number, code_label, _("“%(code)s” is not a 12-digit code.") % {"code": code}
        )
        return
    if not code.startswith(DISTRICT_CODE):
        found.error(
            sheet,
            number,
            code_label,
            _("%(code)s is not in Dongchang district (codes begin with %(district)s).")
            % {"code": code, "district": DISTRICT_CODE},
        )
        return
    if code == DISTRICT_CODE + "000000":
        return  # the district's own row, above its townships
    if code[6:9] == "000":
        found.error(sheet, number, code_label, _("%(code)s is not a valid code.") % {"code": code})
        return
    if not published:
        found.error(sheet, number, name_label, _("The place's name is empty."))
        return
    if code.endswith("000"):
        listed, earlier = found.townships, found.townships.get(code[:9])
        name = township_name(published)
        kind = township_kind(name)
        if kind is None:
            found.error(
                sheet,
                number,
                name_label,
                _(
                    "The name “%(name)s” does not say whether it is a subdistrict, town, "
                    "township or development zone."
                )
                % {"name": published},
            )
            return
        place = Listed(TOWNSHIP, code[:9], name, kind, "", sheet, number)
    else:
        if urban_rural and not _URBAN_RURAL_RE.match(urban_rural):
            found.error(
                sheet,
                number,
                COLUMNS[1].label,
                _("“%(value)s” is not a 3-digit urban-rural classification code.")
                % {"value": urban_rural},
            )
            return
        listed, earlier = found.villages, found.villages.get(code)
        name, kind = village_name_and_kind(published)
        place = Listed(VILLAGE, code, name, kind, urban_rural, sheet, number, code[:9])
    if earlier is not None:
        found.error(
            sheet,
            number,
            code_label,
            _("The code %(code)s is listed twice (first in sheet “%(sheet)s”, row %(row)d).")
            % {"code": code, "sheet": earlier.sheet, "row": earlier.row},
        )
        return
    listed[place.code] = place


def _check_unique_names(found: PlaceList) -> None:
    seen: dict[tuple, Listed] = {}
    for place in [*found.townships.values(), *found.villages.values()]:
        key = (place.level, place.township_code, place.name)
        earlier = seen.setdefault(key, place)
        if earlier is not place:
            found.error(
                place.sheet,
                place.row,
                COLUMNS[2].label,
                _(
                    "The name “%(name)s” is listed twice in one township (first in sheet "
                    "“%(sheet)s”, row %(row)d)."
                )
                % {"name": place.name, "sheet": earlier.sheet, "row": earlier.row},
            )


# Comparing ----------------------------------------------------------------------------


@dataclass
class Entry:
    """One place's difference, as stored in the import's summary and shown by the preview."""

    level: str
    changes: list[str]
    code: str
    name: str
    kind: str
    urban_rural: str = ""
    pk: int | None = None
    old_code: str = ""
    old_name: str = ""
    old_kind: str = ""
    old_urban_rural: str = ""
    # A village's township: its code as listed (new villages) and name.
    township_code: str = ""
    township: str = ""

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class Plan:
    """What applying the list would do; ``entries`` in the list's order, then ended places."""

    entries: list[Entry]
    errors: list[str]
    # Villages are compared only when the list has village rows.
    villages_listed: bool
    # Listed places whose source or year would change although nothing else does.
    sources_set: int

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(Change.values, 0)
        for entry in self.entries:
            for change in entry.changes:
                counts[change] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        counts = self.counts
        return bool(self.sources_set or sum(counts.values()) - counts[Change.UNCHANGED])


def _compare(place: Listed, existing, *, township: str = "", township_code: str = "") -> Entry:
    entry = Entry(
        level=place.level,
        changes=[],
        code=place.code,
        name=place.name,
        kind=place.kind,
        urban_rural=place.urban_rural,
        township_code=township_code,
        township=township,
    )
    if existing is None:
        entry.changes.append(Change.NEW)
        return entry
    entry.pk = existing.pk
    entry.old_code, entry.old_name = existing.code, existing.name
    entry.old_kind, entry.old_urban_rural = existing.kind, existing.urban_rural_code
    if existing.name != place.name:
        entry.changes.append(Change.RENAMED)
    if existing.code != place.code:
        entry.changes.append(Change.CODE_CHANGED)
    if existing.kind != place.kind or (
        place.urban_rural and existing.urban_rural_code != place.urban_rural
    ):
        entry.changes.append(Change.RECLASSIFIED)
    if not entry.changes:
        entry.changes.append(Change.UNCHANGED)
    return entry


def _ended(existing, level: str, township: str = "") -> Entry:
    return Entry(
        level=level,
        changes=[Change.ENDED],
        code=existing.code,
        name=existing.name,
        kind=existing.kind,
        urban_rural=existing.urban_rural_code,
        pk=existing.pk,
        old_code=existing.code,
        old_name=existing.name,
        old_kind=existing.kind,
        old_urban_rural=existing.urban_rural_code,
        township=township,
    )


def _match(listed: list[Listed], open_places: list, key) -> dict[str, object]:
    """Listed code → the open place it continues: by name (within ``key``'s scope) first,
    then by code among the places no name claimed."""
    by_name = {key(place, place.name): place for place in open_places}
    matched: dict[str, object] = {}
    taken: set[int] = set()
    for place in listed:
        existing = by_name.get(key(place, place.name))
        if existing is not None:
            matched[place.code] = existing
            taken.add(existing.pk)
    by_code = {place.code: place for place in open_places if place.pk not in taken}
    for place in listed:
        if place.code not in matched and place.code in by_code:
            matched[place.code] = by_code[place.code]
            taken.add(by_code[place.code].pk)
    return matched


def places_plan(found: PlaceList, *, source: str, year: int | None) -> Plan:
    """The differences between the list and the register (two queries)."""
    errors = found.error_lines()
    townships = list(Township.objects.all())
    villages = list(Village.objects.all())
    open_townships = [t for t in townships if t.valid_to is None]
    township_rows = list(found.townships.values())
    matched_townships = _match(township_rows, open_townships, lambda _p, name: name)
    entries = []
    ended_codes = {t.code: t for t in townships if t.valid_to is not None}
    township_of: dict[str, Township | None] = {}
    for place in township_rows:
        existing = matched_townships.get(place.code)
        township_of[place.code] = existing
        if existing is None and place.code in ended_codes:
            errors.append(_ended_code_error(place, ended_codes[place.code]))
        elif existing is None and any(t.name == place.name for t in townships):
            errors.append(
                _(
                    "Sheet “%(sheet)s”, row %(row)d: the name “%(name)s” belongs to an "
                    "ended township."
                )
                % {"sheet": place.sheet, "row": place.row, "name": place.name}
            )
        entries.append(_compare(place, existing))
    taken = {t.pk for t in matched_townships.values()}
    entries += [_ended(t, TOWNSHIP) for t in open_townships if t.pk not in taken]

    villages_listed = bool(found.villages)
    if villages_listed:
        names = {t.pk: t.name for t in townships}
        entries += _village_entries(found, villages, township_of, names, errors)
    errors += _codes_kept_by_ended(entries, found)
    sources_set = _sources_to_set(entries, townships, villages, source=source, year=year)
    return Plan(entries, errors, villages_listed, sources_set)


def _codes_kept_by_ended(entries: list[Entry], found: PlaceList) -> list[str]:
    """An ended place keeps its code (reports of its days key on it): a listed place cannot
    take the code of a place the list ends."""
    ending = {(e.level, e.code): e for e in entries if Change.ENDED in e.changes}
    errors = []
    for entry in entries:
        gone = ending.get((entry.level, entry.code))
        if gone is None or gone is entry:
            continue
        listed = (found.townships if entry.level == TOWNSHIP else found.villages)[entry.code]
        errors.append(
            _(
                "Sheet “%(sheet)s”, row %(row)d: the code %(code)s is given to %(name)s, but "
                "it belongs to %(holder)s, which the list no longer names; an ended place "
                "keeps its code."
            )
            % {
                "sheet": listed.sheet,
                "row": listed.row,
                "code": entry.code,
                "name": entry.name,
                "holder": gone.name,
            }
        )
    return errors


def _ended_code_error(place: Listed, ended) -> str:
    return _(
        "Sheet “%(sheet)s”, row %(row)d: the code %(code)s belongs to %(name)s, ended on "
        "%(day)s; an ended place is not reopened by an import."
    ) % {
        "sheet": place.sheet,
        "row": place.row,
        "code": place.code,
        "name": ended.name,
        "day": ended.valid_to.isoformat(),
    }


def _village_entries(
    found: PlaceList, villages, township_of, names: dict[int, str], errors: list[str]
) -> list[Entry]:
    open_villages = [v for v in villages if v.valid_to is None]
    ended_codes = {v.code: v for v in villages if v.valid_to is not None}
    rows = [v for v in found.villages.values() if v.township_code in found.townships]

    def township_pk(place: Listed) -> int | None:
        township = township_of.get(place.township_code)
        return township.pk if township is not None else None

    def key(place, name):
        pk = township_pk(place) if isinstance(place, Listed) else place.township_id
        return (pk or ("new", place.township_code), name)

    matched = _match(rows, open_villages, key)
    entries = []
    for place in rows:
        existing = matched.get(place.code)
        pk = township_pk(place)
        township = found.townships[place.township_code].name
        if existing is not None and existing.township_id != pk:
            errors.append(
                _(
                    "Sheet “%(sheet)s”, row %(row)d: %(name)s (%(code)s) belongs to %(township)s "
                    "in the register and to %(listed)s in the list; moving a village to another "
                    "township is not done by an import."
                )
                % {
                    "sheet": place.sheet,
                    "row": place.row,
                    "name": existing.name,
                    "code": place.code,
                    "township": names.get(existing.township_id, ""),
                    "listed": township,
                }
            )
        if existing is None and place.code in ended_codes:
            errors.append(_ended_code_error(place, ended_codes[place.code]))
        entries.append(
            _compare(place, existing, township=township, township_code=place.township_code)
        )
    taken = {v.pk for v in matched.values()}
    entries += [
        _ended(v, VILLAGE, names.get(v.township_id, "")) for v in open_villages if v.pk not in taken
    ]
    return entries


def _sources_to_set(entries, townships, villages, *, source: str, year: int | None) -> int:
    current = {(TOWNSHIP, t.pk): t for t in townships} | {(VILLAGE, v.pk): v for v in villages}
    count = 0
    for entry in entries:
        if entry.changes == [Change.UNCHANGED]:
            place = current[(entry.level, entry.pk)]
            if (place.code_source, place.code_year) != (source, year):
                count += 1
    return count


def places_error_workbook(source, found: PlaceList) -> ErrorWorkbook:
    """The rows in error of each sheet read, with their reasons (cadres.error_workbook)."""
    return error_workbook_from(
        source,
        [(report, errors_by_row(found.errors.get(report.sheet, ()))) for report in found.reports],
    )


# Previewing and applying ---------------------------------------------------------------


def _clean_source(source: str) -> str:
    source = " ".join((source or "").split()) or DEFAULT_SOURCE
    if len(source) > 100:
        raise ValidationError(_("The source is longer than 100 characters."))
    return source


def _check_year(year: int | None) -> None:
    if year is not None and not 1980 <= year <= 2100:
        raise ValidationError(
            _("%(year)d is not a plausible year of a code list.") % {"year": year}
        )


def places_check(
    *, actor, source, code_source: str = "", year: int | None = None
) -> tuple[PlaceList, Plan, str, int | None]:
    """Read a list (a path or a file) and compare it with the register; nothing is written.
    Returns the list, the plan, and the source and year it would be applied with (the
    year from the title row when none is given)."""
    _require_importer(actor)
    code_source = _clean_source(code_source)
    _check_year(year)
    found = places_read(source)
    year = year or found.year
    return found, places_plan(found, source=code_source, year=year), code_source, year


def places_preview(*, actor, record: ImportFile, source: str = "", year: int | None = None) -> Plan:
    """Read the stored list and keep its differences in ``record.summary`` for the preview;
    nothing of the places is written."""
    try:
        found, plan, source, year = places_check(
            actor=actor, source=record.file, code_source=source, year=year
        )
    except SpreadsheetError as error:
        record.summary = {"file_error": str(error), "source": _clean_source(source), "year": year}
        record.save(update_fields=["summary"])
        raise ValidationError(str(error)) from error
    record.summary = _summary(found, plan, source=source, year=year)
    record.save(update_fields=["summary"])
    return plan


def _summary(found: PlaceList, plan: Plan, *, source: str, year: int | None) -> dict:
    return {
        "source": source,
        "year": year,
        "entries": [entry.as_dict() for entry in plan.entries],
        "counts": plan.counts,
        "errors": plan.errors,
        "error_rows": found.error_count,
        "villages_listed": plan.villages_listed,
        "sources_set": plan.sources_set,
        "sheets": [report.as_summary() for report in found.reports],
        "passed_over": found.passed_over,
    }


class PlacesChanged(ValidationError):
    """The register's places or the list changed since the preview."""


def places_import_file(*, actor, upload) -> tuple[ImportFile, ImportFile | None]:
    """Keep the uploaded list (and the same list uploaded before, if any) for its preview."""
    _require_importer(actor)
    return import_file_store(actor=actor, upload=upload, kind=ImportFile.Kind.PLACES)


def places_apply(*, actor, record: ImportFile, effective_on: dt.date | None = None) -> Plan:
    """Apply the previewed list in one transaction: the places' new codes, names, kinds and
    classifications, new places from ``effective_on`` (today by default) and places no
    longer listed ended on the day before; every listed place carries the list's source
    and year. Refused when the list has errors or anything changed since the preview."""
    _require_importer(actor)
    effective_on = effective_on or timezone.localdate()
    with transaction.atomic():
        record = ImportFile.objects.select_for_update().get(
            pk=record.pk, kind=ImportFile.Kind.PLACES
        )
        if record.status == ImportFile.Status.IMPORTED:
            raise ValidationError(_("This list has been applied already."))
        summary = record.summary
        source, year = summary.get("source") or DEFAULT_SOURCE, summary.get("year")
        # Every township row locked: one import at a time, and no place changes meanwhile.
        list(Township.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        try:
            found = places_read(record.file)
        except SpreadsheetError as error:
            raise ValidationError(str(error)) from error
        plan = places_plan(found, source=source, year=year)
        if plan.errors:
            raise ValidationError(
                _("The list has %(count)d errors; nothing was applied.")
                % {"count": len(plan.errors)}
            )
        if [entry.as_dict() for entry in plan.entries] != summary.get("entries"):
            raise PlacesChanged(
                _(
                    "The places changed since the preview; nothing was applied. Check the "
                    "new preview."
                )
            )
        _write(actor, plan, source=source, year=year, effective_on=effective_on, record=record)
        record.status = ImportFile.Status.IMPORTED
        record.summary = {
            **summary,
            "effective_on": effective_on.isoformat(),
            "applied_by": actor.pk,
            "applied_by_name": str(actor.get_full_name() or actor.get_username()),
            "applied_at": timezone.now().isoformat(),
        }
        record.save(update_fields=["status", "summary"])
    return plan


def _write(actor, plan: Plan, *, source: str, year, effective_on: dt.date, record) -> None:
    ended_on = effective_on - dt.timedelta(days=1)
    now = timezone.now()
    history = {
        "default_user": actor,
        "default_change_reason": f"places import #{record.pk}",
        "default_date": now,
    }
    fields = ["code", "name", "kind", "urban_rural_code", "code_source", "code_year", "updated_at"]
    for level, model in ((TOWNSHIP, Township), (VILLAGE, Village)):
        entries = [e for e in plan.entries if e.level == level]
        places = model.objects.in_bulk([e.pk for e in entries if e.pk is not None])
        ended = [places[e.pk] for e in entries if Change.ENDED in e.changes]
        _check_end(ended, ended_on)
        for place in ended:
            place.valid_to, place.updated_at = ended_on, now
        bulk_update_with_history(ended, model, ["valid_to", "updated_at"], **history)
        if level == VILLAGE:
            _groups_end(ended, ended_on, history)
        listed = [
            (e, places[e.pk]) for e in entries if e.pk is not None and Change.ENDED not in e.changes
        ]
        # Codes and names may pass from one place to another (a swap): each moving place
        # first takes a placeholder, so that no two rows hold one code or name in between.
        moving = [p for e, p in listed if p.code != e.code or p.name != e.name]
        final = {p.pk: (p.code, p.name) for p in moving}
        for place in moving:
            place.code = place.name = f"~{place.pk}"
        model.objects.bulk_update(moving, ["code", "name"])
        for place in moving:
            place.code, place.name = final[place.pk]
        changed = []
        for entry, place in listed:
            before = [getattr(place, name) for name in fields]
            place.code, place.name, place.kind = entry.code, entry.name, entry.kind
            place.urban_rural_code = entry.urban_rural or place.urban_rural_code
            place.code_source, place.code_year = source, year
            if [getattr(place, name) for name in fields] != before or place.pk in final:
                place.updated_at = now
                changed.append(place)
        bulk_update_with_history(changed, model, fields, **history)
        new = [e for e in entries if Change.NEW in e.changes]
        townships = (
            {t.code: t.pk for t in Township.objects.filter(code__in={e.township_code for e in new})}
            if level == VILLAGE
            else {}
        )
        created = bulk_create_with_history(
            [_new_place(model, e, source, year, effective_on, townships) for e in new],
            model,
            **history,
        )
        for entry, place in zip(new, created, strict=True):
            entry.pk = place.pk


def _new_place(model, entry: Entry, source, year, effective_on, townships):
    values = {
        "code": entry.code,
        "name": entry.name,
        "kind": entry.kind,
        "urban_rural_code": entry.urban_rural,
        "code_source": source,
        "code_year": year,
        "valid_from": effective_on,
    }
    if model is Village:
        values["township_id"] = townships[entry.township_code]
    return model(**values)


def _check_end(ended: list, ended_on: dt.date) -> None:
    late = [p for p in ended if p.valid_from is not None and p.valid_from > ended_on]
    if late:
        raise ValidationError(
            _(
                "%(names)s began after %(day)s and cannot end on that day; choose a later "
                "effective day."
            )
            % {"names": "、".join(p.name for p in late), "day": ended_on.isoformat()}
        )


def _groups_end(villages: list, ended_on: dt.date, history: dict) -> None:
    """The open villager groups of ended villages end with them."""
    groups = list(
        VillagerGroup.objects.filter(village__in=villages, valid_to__isnull=True).filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=ended_on)
        )
    )
    for group in groups:
        group.valid_to = ended_on
    bulk_update_with_history(groups, VillagerGroup, ["valid_to", "updated_at"], **history)


def places_imports() -> models.QuerySet[ImportFile]:
    return ImportFile.objects.filter(kind=ImportFile.Kind.PLACES).select_related("uploaded_by")
