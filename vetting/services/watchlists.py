"""Watchlist import: read a workbook with the shared reader, check it, write it in one batch.

A row's entry is recognized in the next version of the same list by its row key
(ID number, or name key and birth date, plus the decision date), so an entry that
is still on the list keeps its hits and their decisions; entries missing from the
new version are retired. Rows are read streaming and written in batches, so memory
stays flat whatever the file size.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cadres.choices import Sex
from cadres.models import ImportFile
from cadres.services import identity_values, import_file_store, name_keys_refresh
from cadres.spreadsheets import (
    Column,
    RowError,
    SpreadsheetError,
    parse_choice,
    parse_date,
    parse_text,
    read_sheet,
)
from vetting import engine
from vetting.bulk import insert_rows
from vetting.models import ScreeningRun, WatchlistEntry, WatchlistImport, WatchlistSource
from vetting.services.screening import screening_run_start

BATCH = 2000
# Errors kept for display; the count is always complete.
MAX_ERRORS_SHOWN = 200

# Labels are the canonical Chinese headers of the district's template: they are what
# the file must contain (and what errors name), not interface text to translate.
COLUMNS = [
    Column("name", "姓名", ("名字", "人员姓名", "当事人", "被处分人", "罪犯姓名"), required=True),
    Column(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "证件号码", "身份证件号码"),
    ),
    Column("sex", "性别"),
    Column("birth_date", "出生日期", ("出生年月", "生日")),
    Column(
        "measure",
        "处分种类",
        (
            "处分类型",
            "处理结果",
            "处分决定",
            "处理措施",
            "判处刑罚",
            "刑罚",
            "处罚结果",
            "处分",
            "处理方式",
            "措施",
        ),
    ),
    Column(
        "deciding_body",
        "决定机关",
        ("处分机关", "作出决定机关", "审判机关", "判决法院", "处理机关"),
    ),
    Column("decided_on", "决定日期", ("处分日期", "决定时间", "判决日期", "处理时间", "处分时间")),
    Column(
        "description",
        "简要情况",
        ("主要问题", "违纪事实", "案由", "罪名", "简要案情", "主要错误事实", "备注"),
    ),
]
_LABELS = {column.key: column.label for column in COLUMNS}


@dataclass
class ParsedRow:
    number: int
    values: dict
    raw: dict

    @property
    def row_key(self) -> str:
        v = self.values
        who = v["id_number"] or f"{v['name_key']}|{v['birth_date'] or ''}"
        return f"{who}|{v['decided_on'] or ''}"[:200]


@dataclass
class CheckResult:
    """What reading a file found: rows, errors by row, and a few rows to preview."""

    rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    sample: list[ParsedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.error_count

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(error)


def _cell(parse, number: int, key: str, value, errors: list[RowError]):
    try:
        return parse(value)
    except ValueError as exc:
        errors.append(RowError(number, str(_LABELS[key]), str(exc)))
        return None


def _parse(row) -> tuple[ParsedRow | None, list[RowError]]:
    raw = row.values
    errors: list[RowError] = []
    birth_date = _cell(parse_date, row.number, "birth_date", raw["birth_date"], errors)
    decided_on = _cell(parse_date, row.number, "decided_on", raw["decided_on"], errors)
    sex = _cell(lambda v: parse_choice(v, Sex) or "", row.number, "sex", raw["sex"], errors)
    # Each cell as text once: the raw row keeps them all, the fields reuse them.
    text = {key: parse_text(value) for key, value in raw.items() if value is not None}
    try:
        identity = identity_values(
            name=text.get("name", ""),
            id_number=raw["id_number"],
            birth_date=birth_date,
            sex=sex or "",
        )
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            column = str(_LABELS.get(key, ""))
            errors.extend(RowError(row.number, column, message) for message in messages)
        identity = None
    if errors:
        return None, errors
    values = {
        **identity,
        "measure": text.get("measure", "")[:200],
        "deciding_body": text.get("deciding_body", "")[:200],
        "decided_on": decided_on,
        "description": text.get("description", ""),
    }
    labelled = {str(_LABELS[key]): value for key, value in text.items()}
    return ParsedRow(row.number, values, labelled), []


def _rows(source) -> Iterator[tuple[ParsedRow | None, list[RowError]]]:
    """Parsed rows of a workbook; ValidationError for a file that cannot be read at all."""
    try:
        for row in read_sheet(source, COLUMNS):
            yield _parse(row)
    except SpreadsheetError as exc:
        raise ValidationError(str(exc)) from exc


def watchlist_file_check(*, source, sample_size: int = 20) -> CheckResult:
    """Read a whole file without writing anything (the preview, and ``--dry-run``)."""
    result = CheckResult()
    for parsed, errors in _rows(source):
        result.rows += 1
        for error in errors:
            result.add_error(error)
        if parsed is not None and len(result.sample) < sample_size:
            result.sample.append(parsed)
    if result.rows == 0:
        raise ValidationError(_("The list has a header row but no data rows."))
    return result


def _require_importer(actor) -> None:
    if not actor.has_perm("vetting.import_watchlist"):
        raise PermissionDenied


_COMPARED = ("name", "sex", "measure", "deciding_body", "description", "raw")
_IDENTITY = ("name", "name_key", "name_pinyin", "id_number", "birth_date", "sex")
_NEW_COLUMNS = (
    "created_at",
    "updated_at",
    *_IDENTITY,
    "source_id",
    "row_key",
    "measure",
    "deciding_body",
    "decided_on",
    "description",
    "raw",
    "active",
    "retired_at",
    "last_import_id",
    "screen_import_id",
)


def _write_batch(batch: list[ParsedRow], *, source, imp: WatchlistImport, counts: dict) -> None:
    by_key: dict[str, ParsedRow] = {}
    for parsed in batch:
        by_key.setdefault(parsed.row_key, parsed)
    counts["duplicates"] += len(batch) - len(by_key)
    existing = {
        entry.row_key: entry
        for entry in WatchlistEntry.objects.filter(source=source, row_key__in=by_key).only(
            "pk", "row_key", "active", "last_import_id", *_COMPARED
        )
    }
    new, changed, unchanged = [], [], []
    now = timezone.now()
    for key, parsed in by_key.items():
        entry = existing.get(key)
        if entry is None:
            v = parsed.values
            new.append(
                (
                    now,
                    now,
                    *(v[name] for name in _IDENTITY),
                    source.pk,
                    key,
                    v["measure"],
                    v["deciding_body"],
                    v["decided_on"],
                    v["description"],
                    json.dumps(parsed.raw, ensure_ascii=False),
                    True,
                    None,
                    imp.pk,
                    imp.pk,
                )
            )
            continue
        if entry.last_import_id == imp.pk:
            counts["duplicates"] += 1
            continue
        entry.last_import = imp
        entry.updated_at = now
        rescreen = not entry.active or entry.sex != parsed.values["sex"]
        before = tuple(getattr(entry, name) for name in _COMPARED)
        for name in ("name", "sex", "measure", "deciding_body", "description"):
            setattr(entry, name, parsed.values[name])
        entry.raw = parsed.raw
        if rescreen:
            entry.screen_import = imp
            entry.active = True
            entry.retired_at = None
        if rescreen or before != tuple(getattr(entry, name) for name in _COMPARED):
            changed.append(entry)
        else:
            unchanged.append(entry.pk)
    # New entries skip model instances: on a first import they are nearly every row.
    insert_rows(WatchlistEntry._meta.db_table, _NEW_COLUMNS, new)
    WatchlistEntry.objects.bulk_update(
        changed,
        [*_COMPARED, "last_import", "screen_import", "active", "retired_at", "updated_at"],
        batch_size=500,
    )
    WatchlistEntry.objects.filter(pk__in=unchanged).update(last_import=imp)
    counts["added"] += len(new)
    counts["changed"] += len(changed)
    counts["unchanged"] += len(unchanged)


def watchlist_import(
    *, actor, import_file: ImportFile, source_name: str, kind: str
) -> WatchlistImport:
    """Import a stored workbook as the current version of the named list, in one transaction.

    Raises ValidationError (with every row error, by row) and writes nothing if any
    row is bad. On success the entries no longer on the list are retired and a delta
    run screens the new and changed entries against everyone.
    """
    _require_importer(actor)
    source_name = source_name.strip()
    if not source_name:
        raise ValidationError({"source": _("Name the list.")})
    if kind not in WatchlistSource.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of list.")})
    with transaction.atomic():
        source, _created = WatchlistSource.objects.select_for_update().get_or_create(
            name=source_name, defaults={"kind": kind}
        )
        if source.kind != kind:
            raise ValidationError(
                {
                    "kind": _("The list “%(name)s” is a list of %(kind)s.")
                    % {"name": source.name, "kind": source.get_kind_display()}
                }
            )
        imp = WatchlistImport.objects.create(
            source=source, import_file=import_file, imported_by=actor
        )
        counts = {"rows": 0, "added": 0, "changed": 0, "unchanged": 0, "duplicates": 0}
        check = CheckResult()
        batch: list[ParsedRow] = []
        with import_file.file.open("rb") as handle:
            for parsed, errors in _rows(handle):
                counts["rows"] += 1
                for error in errors:
                    check.add_error(error)
                if parsed is None or check.error_count:
                    continue  # keep reading: the user gets every error at once
                batch.append(parsed)
                if len(batch) >= BATCH:
                    _write_batch(batch, source=source, imp=imp, counts=counts)
                    batch = []
        if check.error_count:
            raise ValidationError([str(error) for error in check.errors])
        if not counts["rows"]:
            raise ValidationError(_("The list has a header row but no data rows."))
        _write_batch(batch, source=source, imp=imp, counts=counts)
        retired = (
            WatchlistEntry.objects.filter(source=source, active=True)
            .exclude(last_import=imp)
            .update(active=False, retired_at=timezone.now())
        )
        engine.entry_variants_rebuild(screen_import_id=imp.pk)
        imp.rows = counts["rows"]
        imp.added = counts["added"]
        imp.changed = counts["changed"]
        imp.unchanged = counts["unchanged"]
        imp.retired = retired
        imp.save()
        ImportFile.objects.filter(pk=import_file.pk).update(
            status=ImportFile.Status.IMPORTED, summary={**counts, "retired": retired}
        )
        if counts["added"] or counts["changed"]:
            screening_run_start(trigger=ScreeningRun.Trigger.IMPORT, watchlist_import=imp)
    return imp


def watchlist_import_upload(*, actor, upload, source_name: str, kind: str):
    """Keep an uploaded workbook and import it at once (the command's path).

    Returns (import, earlier upload of the same file or None). On any error
    nothing remains: neither the rows nor the stored file.
    """
    _require_importer(actor)
    with transaction.atomic():
        stored, earlier = import_file_store(
            actor=actor, upload=upload, kind=ImportFile.Kind.WATCHLIST
        )
        try:
            imp = watchlist_import(
                actor=actor, import_file=stored, source_name=source_name, kind=kind
            )
        except BaseException:
            stored.file.delete(save=False)
            raise
    return imp, earlier


@transaction.atomic
def watchlist_entries_refresh_name_keys() -> int:
    """Derive again the entries' name keys and the variant keys of those that changed."""
    changed = name_keys_refresh(WatchlistEntry)
    engine.entry_variants_rebuild(entry_ids=changed)
    return len(changed)
