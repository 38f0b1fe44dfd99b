# ruff: noqa: S608 (table and column names come from constants and _meta; values are parameters)
"""Watchlist import: read a workbook with the shared reader, check it, merge it by SQL.

A row's entry is recognized in the next version of the same list by its row key
(ID number, or name key and birth date, plus the decision date), so an entry that
is still on the list keeps its hits and their decisions; entries missing from the
new version are retired. Rows are read streaming into a temporary table, with one
COPY on PostgreSQL that the server writes while the next rows are read and checked,
then merged into the list by a few set-wise statements; memory stays flat whatever
the file size.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.choices import Sex
from cadres.dates import parse_partial_date, partial_date, partial_date_values
from cadres.error_workbook import REFUSED_WITH_ERRORS, ErrorWorkbook
from cadres.identity import mask_id_number
from cadres.import_templates import (
    Hint,
    ImportTemplate,
    TemplateSheet,
    choice_hint,
    date_hint,
    id_number_hint,
    labels_of,
)
from cadres.jobs import job_start, job_ticker
from cadres.models import ImportFile, Job
from cadres.services import (
    IDENTITY_FIELDS,
    identity_values,
    import_file_store,
    name_keys_refresh,
)
from cadres.spreadsheets import (
    IMPORT_WRITE_FAILED,
    Column,
    Row,
    RowError,
    SheetReport,
    SpreadsheetError,
    parse_choice,
    parse_text,
    read_sheet,
)
from vetting import engine
from vetting.bulk import insert_rows
from vetting.models import ScreeningRun, WatchlistEntry, WatchlistImport, WatchlistSource
from vetting.services.screening import screening_run_start

logger = logging.getLogger(__name__)

# Errors kept for display; the count is always complete.
MAX_ERRORS_SHOWN = 200

# The jobs (cadres.jobs) that read and import a stored list; vetting.apps registers them.
CHECK_JOB = "watchlist_check"
IMPORT_JOB = "watchlist_import"
IMPORT_PERM = "vetting.import_watchlist"

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
            "处理种类",
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
        ("处分机关", "作出决定机关", "审判机关", "判决法院", "处理机关", "处理单位"),
    ),
    Column("decided_on", "决定日期", ("处分日期", "决定时间", "判决日期", "处理时间", "处分时间")),
    Column(
        "description",
        "简要情况",
        (
            "主要问题",
            "违纪事实",
            "违纪违法事实",
            "案由",
            "罪名",
            "简要案情",
            "主要错误事实",
            "备注",
        ),
    ),
]
_LABELS = {column.key: column.label for column in COLUMNS}
# The raw row's keys, as text once rather than once a cell.
_LABEL_TEXTS = {key: str(label) for key, label in _LABELS.items()}
# The rows' JSON, without json.dumps's per-call checking of its options.
_JSON = json.JSONEncoder(ensure_ascii=False).encode
TEMPLATE = ImportTemplate(
    "watchlist-template.xlsx",
    (
        TemplateSheet(
            "名单",
            COLUMNS,
            {
                "name": Hint("张某某"),
                "id_number": id_number_hint(
                    "220502197809122356",
                    gettext_lazy("Without it, the person is matched by name and birth date."),
                ),
                "sex": choice_hint("男", labels_of(Sex)),
                "birth_date": date_hint("1978-09-12"),
                "measure": Hint(
                    "留党察看一年",
                    (gettext_lazy("The measure as the decision writes it, such as 开除党籍."),),
                ),
                "deciding_body": Hint("区纪委监委"),
                "decided_on": date_hint("2023-05-10"),
                "description": Hint("违反中央八项规定精神"),
            },
        ),
    ),
)


@dataclass
class ParsedRow:
    number: int
    values: dict
    raw: dict
    # The cells of unknown columns the importer chose to keep, by their header; or None.
    extra: dict | None = None

    @property
    def row_key(self) -> str:
        v = self.values
        # A date known to the month or year is its first day here: a list that gives the day
        # next time keeps its entries (the precision is compared as a change).
        who = v["id_number"] or f"{v['name_key']}|{v['birth_date'] or ''}"
        return f"{who}|{v['decided_on'] or ''}"[:200]


@dataclass
class CheckResult:
    """What reading a file found: rows, errors by row, and a few rows to preview."""

    rows: int = 0
    error_count: int = 0
    # Rows with one error or more: skipped by a partial import.
    failed_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    sample: list[ParsedRow] = field(default_factory=list)
    report: SheetReport = field(default_factory=SheetReport)

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.error_count

    @property
    def valid_rows(self) -> int:
        return self.rows - self.failed_rows

    def add_errors(self, errors: list[RowError]) -> None:
        if not errors:
            return
        self.failed_rows += 1
        self.error_count += len(errors)
        self.errors.extend(errors[: MAX_ERRORS_SHOWN - len(self.errors)])


def _cell(parse, number: int, key: str, value, errors: list[RowError]):
    try:
        return parse(value)
    except ValueError as exc:
        errors.append(RowError(number, str(_LABELS[key]), str(exc)))
        return None


def _parse(row) -> tuple[ParsedRow | None, list[RowError]]:
    raw = row.values
    errors: list[RowError] = []
    birth_date = _cell(parse_partial_date, row.number, "birth_date", raw["birth_date"], errors)
    decided_on = _cell(parse_partial_date, row.number, "decided_on", raw["decided_on"], errors)
    sex = _cell(lambda v: parse_choice(v, Sex) or "", row.number, "sex", raw["sex"], errors)
    # Each cell as text once: the raw row keeps them all, the fields reuse them.
    text = {key: parse_text(value) for key, value in raw.items() if value is not None}
    try:
        identity = identity_values(
            name=text.get("name", ""),
            id_number=raw["id_number"],
            birth_date=birth_date,
            sex=sex or "",
            # The issuing organ's list as it came: its names are matched, never recorded.
            check_name=False,
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
        **partial_date_values("decided_on", decided_on),
        "description": text.get("description", ""),
    }
    labelled = {_LABEL_TEXTS[key]: value for key, value in text.items()}
    return ParsedRow(row.number, values, labelled, row.extra), []


def _rows(
    source,
    *,
    report: SheetReport | None = None,
    keep_unknown: bool = False,
    keep_cells: bool = False,
) -> Iterator[tuple[Row, ParsedRow | None, list[RowError]]]:
    """Parsed rows of a workbook; ValidationError for a file that cannot be read at all."""
    try:
        for row in read_sheet(
            source, COLUMNS, report=report, keep_unknown=keep_unknown, keep_cells=keep_cells
        ):
            yield row, *_parse(row)
    except SpreadsheetError as exc:
        raise ValidationError(str(exc)) from exc


def watchlist_file_check(
    *,
    source,
    sample_size: int = 20,
    error_workbook: ErrorWorkbook | None = None,
    tick: Callable[[int], None] | None = None,
) -> CheckResult:
    """Read a whole file without writing anything (the preview, and ``--dry-run``).

    The rows in error go to ``error_workbook`` as they are met: all of them, in the
    memory of one row. ``tick`` is told the count of rows read after each (a job's ticker).
    """
    result = CheckResult()
    sheet = None
    rows = _rows(source, report=result.report, keep_cells=error_workbook is not None)
    for row, parsed, errors in rows:
        result.rows += 1
        if tick is not None:
            tick(result.rows)
        result.add_errors(errors)
        if errors and error_workbook is not None:
            sheet = sheet or error_workbook.sheet(result.report)
            sheet.append(row.cells, errors)
        if parsed is not None and len(result.sample) < sample_size:
            result.sample.append(parsed)
    if result.rows == 0:
        raise ValidationError(_("The list has a header row but no data rows."))
    return result


def _require_importer(actor) -> None:
    if not actor.has_perm(IMPORT_PERM):
        raise PermissionDenied


# The rows of one import, staged in a temporary table and merged into the list by SQL.
_STAGE = "vetting_watchlist_stage"
_IDENTITY = IDENTITY_FIELDS
_DETAILS = (
    "measure",
    "deciding_body",
    "decided_on",
    "decided_on_precision",
    "description",
    "raw",
    "extra",
)
_STAGED = ("number", "row_key", *_IDENTITY, *_DETAILS)
# An entry still on the list is screened again when what the rules compare changed,
# or when it comes back after being retired.
_RESCREEN = (
    "NOT e.active OR e.name_key <> s.name_key OR e.name_pinyin <> s.name_pinyin OR e.sex <> s.sex "
    "OR e.birth_date_precision <> s.birth_date_precision"
)
_CHANGED = " OR ".join(
    [
        _RESCREEN,
        *(
            f"e.{name} <> s.{name}"
            for name in (
                "name",
                "measure",
                "deciding_body",
                "decided_on_precision",
                "description",
                "raw",
            )
        ),
        # NULL when no column was kept: compared null-safely.
        "e.extra IS DISTINCT FROM s.extra",
    ]
)


def _stage_create(cursor) -> None:
    raw = "jsonb" if connection.vendor == "postgresql" else "text"
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_STAGE} (number integer, row_key varchar(200), name text, "
        "name_key text, name_pinyin text, id_number text, birth_date date, "
        "birth_date_precision smallint, sex text, measure text, deciding_body text, "
        f"decided_on date, decided_on_precision smallint, description text, raw {raw}, "
        f"extra {raw})"
    )


def _staged(rows, *, counts: dict, check: CheckResult, skip_errors: bool) -> Iterator[tuple]:
    """The good rows as staged; once a row is bad the rest are only checked, unless the
    rows in error are to be skipped."""
    for _row, parsed, errors in rows:
        counts["rows"] += 1
        check.add_errors(errors)
        if parsed is None or (check.error_count and not skip_errors):
            continue  # keep reading: the user gets every error at once
        v = parsed.values
        yield (
            parsed.number,
            parsed.row_key,
            *(v[name] for name in _STAGED[2:-2]),
            _JSON(parsed.raw),
            None if parsed.extra is None else _JSON(parsed.extra),
        )


def _merge(
    cursor, *, source: WatchlistSource, imp: WatchlistImport, counts: dict, retire: bool
) -> None:
    """Merge the staged rows into the source's entries: update those still listed, add the
    new ones in file order, retire those the file no longer lists (when ``retire``: the
    file is the whole list). Entries are recognized by their row key; one listed as it was
    is not written at all."""
    entry = WatchlistEntry._meta.db_table
    now = timezone.now()
    # A row key met again further down the file is the same entry: its first row stands.
    cursor.execute(
        f"DELETE FROM {_STAGE} WHERE EXISTS (SELECT 1 FROM {_STAGE} t "
        f"WHERE t.row_key = {_STAGE}.row_key AND t.number < {_STAGE}.number)"
    )
    counts["duplicates"] = cursor.rowcount
    # Retired first, while the source holds only what it held before this import, as the
    # planner's statistics know it: after a new list's million rows are added, those
    # statistics still say "few", and the planner read the stage once per entry (a 1,000,000-
    # row import was stopped after 24 minutes in that statement).
    counts["retired"] = 0
    if retire:
        cursor.execute(
            f"UPDATE {entry} AS e SET active = FALSE, retired_at = %s "
            "WHERE e.source_id = %s AND e.active "
            f"AND NOT EXISTS (SELECT 1 FROM {_STAGE} AS s WHERE s.row_key = e.row_key)",
            [now, source.pk],
        )
        counts["retired"] = cursor.rowcount
    same_entry = "e.source_id = %s AND e.row_key = s.row_key"
    copied = ", ".join(f"{name} = s.{name}" for name in _STAGED[2:] if name != "decided_on")
    cursor.execute(
        f"UPDATE {entry} AS e SET {copied}, "
        f"screen_import_id = CASE WHEN {_RESCREEN} THEN %s ELSE e.screen_import_id END, "
        "active = TRUE, retired_at = NULL, updated_at = %s "
        f"FROM {_STAGE} AS s WHERE {same_entry} AND ({_CHANGED})",
        [imp.pk, now, source.pk],
    )
    counts["changed"] = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {entry} ({', '.join(_STAGED[1:])}, created_at, updated_at, source_id, "
        "active, screen_import_id) "
        f"SELECT {', '.join(f's.{name}' for name in _STAGED[1:])}, %s, %s, %s, TRUE, %s "
        f"FROM {_STAGE} AS s WHERE NOT EXISTS (SELECT 1 FROM {entry} AS e WHERE {same_entry}) "
        "ORDER BY s.number",
        [now, now, source.pk, imp.pk, source.pk],
    )
    counts["added"] = cursor.rowcount
    counts["unchanged"] = (
        counts["rows"]
        - counts["skipped"]
        - counts["duplicates"]
        - counts["changed"]
        - counts["added"]
    )
    cursor.execute(f"DROP TABLE {_STAGE}")


def _list_name(source_name: str, kind: str) -> str:
    """The list's name, stripped; ValidationError by field for a missing name or kind."""
    source_name = source_name.strip()
    if not source_name:
        raise ValidationError({"source": _("Name the list.")})
    if kind not in WatchlistSource.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of list.")})
    return source_name


def watchlist_import(
    *,
    actor,
    import_file: ImportFile,
    source_name: str,
    kind: str,
    keep_unknown: bool = False,
    skip_errors: bool = False,
) -> WatchlistImport:
    """Import a stored workbook as the current version of the named list, in one transaction.

    Raises ValidationError (with every row error, by row) and writes nothing if any
    row is bad, unless ``skip_errors`` (导入无误的行，跳过有误的行): the good rows are then
    imported and the bad ones counted as skipped. ``keep_unknown`` keeps the cells of the
    columns the list's headers do not name on each entry (``extra``). On success the
    entries no longer on the list are retired, and a delta run screens the new and changed
    entries against everyone. Nothing is retired when rows were skipped (a skipped row may
    be an entry still listed) or when the file is an error workbook (the rows an earlier
    import skipped, corrected: not the whole list).
    """
    _require_importer(actor)
    source_name = _list_name(source_name, kind)
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
        with import_file.file.open("rb") as handle, connection.cursor() as cursor:
            _stage_create(cursor)
            rows = _rows(handle, report=check.report, keep_unknown=keep_unknown)
            staged = _staged(rows, counts=counts, check=check, skip_errors=skip_errors)
            insert_rows(_STAGE, _STAGED, staged)
            if check.error_count and not skip_errors:
                raise ValidationError([str(error) for error in check.errors])
            if not counts["rows"]:
                raise ValidationError(_("The list has a header row but no data rows."))
            if counts["rows"] == check.failed_rows:
                raise ValidationError(_("Every row is in error; nothing was imported."))
            counts["skipped"] = check.failed_rows
            retire = not check.failed_rows and not check.report.reasons_column
            _merge(cursor, source=source, imp=imp, counts=counts, retire=retire)
        engine.entries_analyze()
        imp.rows = counts["rows"]
        imp.added = counts["added"]
        imp.changed = counts["changed"]
        imp.unchanged = counts["unchanged"]
        imp.retired = counts["retired"]
        imp.save()
        import_file.status = ImportFile.Status.IMPORTED
        import_file.summary = {**import_file.summary, **counts, "import": imp.pk}
        ImportFile.objects.filter(pk=import_file.pk).update(
            status=import_file.status, summary=import_file.summary
        )
        if counts["added"] or counts["changed"]:
            screening_run_start(trigger=ScreeningRun.Trigger.IMPORT, watchlist_import=imp)
    return imp


def watchlist_import_upload(
    *, actor, upload, source_name: str, kind: str, skip_errors: bool = False
):
    """Keep an uploaded workbook and import it at once (the command's path).

    Returns (import, earlier upload of the same file or None). On any error
    nothing remains: neither the rows nor the stored file. ``skip_errors`` imports the
    good rows of a file with rows in error.
    """
    _require_importer(actor)
    with transaction.atomic():
        stored, earlier = import_file_store(
            actor=actor, upload=upload, kind=ImportFile.Kind.WATCHLIST
        )
        try:
            imp = watchlist_import(
                actor=actor,
                import_file=stored,
                source_name=source_name,
                kind=kind,
                skip_errors=skip_errors,
            )
        except BaseException:
            stored.file.delete(save=False)
            raise
    return imp, earlier


@transaction.atomic
def watchlist_entries_refresh_name_keys() -> int:
    """Derive again the entries' name keys (their one-character keys are indexes of them)."""
    return len(name_keys_refresh(WatchlistEntry))


# The import page: a worker reads and imports, the page polls -----------------------
# A list of a million rows takes minutes to read and longer to import: far more than a web
# request may last. The upload is refused at once only when its header cannot be read.


def watchlist_upload(
    *, actor, upload, source_name: str, kind: str
) -> tuple[ImportFile, ImportFile | None]:
    """Keep an uploaded list and have a worker check every row of it for the preview.

    A file that is not a workbook, or whose header row or name column cannot be found, is
    refused here and nothing is kept. Returns (the stored file, the latest earlier upload
    of the same content or None).
    """
    _require_importer(actor)
    source_name = _list_name(source_name, kind)
    rows = _rows(upload)
    first = next(rows, None)
    rows.close()
    if first is None:
        raise ValidationError(_("The list has a header row but no data rows."))
    upload.seek(0)
    with transaction.atomic():
        record, earlier = import_file_store(
            actor=actor, upload=upload, kind=ImportFile.Kind.WATCHLIST
        )
        record.status = ImportFile.Status.CHECKING
        record.summary = {"source": source_name, "kind": kind}
        record.save(update_fields=["status", "summary"])
        _hand_to_worker(record, CHECK_JOB, actor)
    return record, earlier


def _hand_to_worker(record: ImportFile, kind: str, actor) -> None:
    """Link the file to a new job of ``kind``; a broker that is down fails the job, whose
    retry is offered on the file's page (the file stays checking or importing meanwhile)."""
    record.job = job_start(kind=kind, actor=actor, params={"import_file": record.pk})
    record.save(update_fields=["job"])


def watchlist_check_job(job: Job) -> None:
    watchlist_stored_check(import_file_id=job.params["import_file"], tick=job_ticker(job))


def watchlist_import_job(job: Job) -> None:
    watchlist_stored_import(import_file_id=job.params["import_file"], actor_id=job.requested_by_id)


def _fail(record: ImportFile, messages: list[str], **summary) -> None:
    """The file's outcome is a failure: its messages are kept for its page, not the file
    (its rows in error stay in its error workbook, if any, to be corrected)."""
    if record.file:
        record.file.delete(save=False)
    record.status = ImportFile.Status.FAILED
    record.summary = {
        **record.summary,
        "errors": messages,
        "error_count": len(messages),
        **summary,
    }
    record.save(update_fields=["status", "summary", "file", "error_file"])


def _sample_row(row: ParsedRow) -> dict:
    """A previewed row as the file's summary keeps it: masked, dates as text."""
    v = row.values
    return {
        "number": row.number,
        "name": v["name"],
        "id_number": mask_id_number(v["id_number"]),
        **{name: str(partial_date(v, name) or "") for name in ("birth_date", "decided_on")},
        "measure": v["measure"],
        "deciding_body": v["deciding_body"],
    }


def watchlist_stored_check(
    *, import_file_id: int, tick: Callable[[int], None] | None = None
) -> None:
    """The worker's reading of a stored list: its rows, errors and a sample, kept for the page.
    ``tick`` is told the rows read as they are (the job's heartbeat)."""
    record = ImportFile.objects.get(pk=import_file_id)
    if record.status != ImportFile.Status.CHECKING:
        return  # a message delivered again after the check was done
    book = ErrorWorkbook()
    try:
        with record.file.open("rb") as handle:
            check = watchlist_file_check(source=handle, error_workbook=book, tick=tick)
    except ValidationError as error:
        _fail(record, error.messages)
        return
    if check.failed_rows:
        _store_error_workbook(record, book)
    found = {
        "rows": check.rows,
        "error_count": check.error_count,
        "error_rows": check.failed_rows,
        "errors": [str(error) for error in check.errors],
        "sheet": check.report.as_summary(),
    }
    if not check.valid_rows:
        _fail(record, found.pop("errors"), **found)
        return
    record.summary = {
        **record.summary,
        **found,
        "sample": [_sample_row(row) for row in check.sample],
    }
    record.status = ImportFile.Status.PREVIEWED
    record.save(update_fields=["status", "summary", "error_file"])


def _store_error_workbook(record: ImportFile, book: ErrorWorkbook) -> None:
    # Written to a temporary file first: a million failed rows do not fit in memory.
    with tempfile.TemporaryFile() as spool:
        book.save(spool)
        spool.seek(0)
        record.error_file.save("errors.xlsx", File(spool), save=False)


def watchlist_import_start(
    *, actor, import_file: ImportFile, keep_unknown: bool = False, skip_errors: bool = False
) -> None:
    """Confirm a previewed list: a worker imports it, keeping the unknown columns if asked.

    A list with rows in error is imported only with ``skip_errors``: its good rows."""
    _require_importer(actor)
    with transaction.atomic():
        record = ImportFile.objects.select_for_update().get(pk=import_file.pk)
        if record.status != ImportFile.Status.PREVIEWED:
            raise ValidationError(_("Only a file checked without errors can be imported."))
        error_rows = record.summary.get("error_rows", 0)
        if error_rows and not skip_errors:
            raise ValidationError(REFUSED_WITH_ERRORS % {"count": error_rows})
        record.status = ImportFile.Status.IMPORTING
        record.summary.pop("import_error", None)
        record.summary["keep_unknown"] = keep_unknown
        record.summary["skip_errors"] = skip_errors
        record.save(update_fields=["status", "summary"])
        _hand_to_worker(record, IMPORT_JOB, actor)


def watchlist_stored_import(*, import_file_id: int, actor_id: int) -> None:
    """The worker's import of a confirmed list, its outcome kept for the file's page."""
    record = ImportFile.objects.get(pk=import_file_id)
    if record.status != ImportFile.Status.IMPORTING:
        return  # a message delivered again after the import was done
    actor = get_user_model().objects.get(pk=actor_id)
    try:
        watchlist_import(
            actor=actor,
            import_file=record,
            source_name=record.summary["source"],
            kind=record.summary["kind"],
            keep_unknown=record.summary.get("keep_unknown", False),
            skip_errors=record.summary.get("skip_errors", False),
        )
    except ValidationError as error:
        _fail(record, error.messages)
    except DatabaseError:
        # Nothing was written and the file is sound: it stays ready to be confirmed again.
        logger.exception("watchlist import of file %s failed in the database", record.pk)
        record.status = ImportFile.Status.PREVIEWED
        record.summary = {**record.summary, "import_error": str(IMPORT_WRITE_FAILED)}
        record.save(update_fields=["status", "summary"])
