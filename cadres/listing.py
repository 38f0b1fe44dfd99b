"""The one list: every list page and its xlsx export, from one declaration.

A list is a ``ListSpec``: its title, template and export file name, and its columns. Each
column (``Col``) is declared once: its label (the page's header and the sheet's), the sort
key and the fields it orders by, and the value it exports; the page's cell is the
template's. A column may be the page's only (an action button: no export value) or the
export's only (a full text that the page shortens or leaves out: ``page=False``).

``list_response`` filters (a django-filter filterset), sorts (with a pk tie-break, so that
no row appears on two pages), paginates (``PAGE_SIZE``) and renders; with ``?format=xlsx``
it exports instead. ``export_response`` streams the rows (``.iterator()``) into the
constant-memory workbook writer, one sheet or several (``Sheet``), masks ID numbers unless
the list reveals them to users with the reveal permission, and writes the access-log entry
once the file is complete: an export that fails midway is not logged.

An export of more than ``settings.EXPORT_INLINE_MAX_ROWS`` items is too long for a request:
it becomes an ``export`` job and the user follows it on the job's page. The worker rebuilds
the list by requesting the same page as the same user: the list's URL name is the registry
of exportable lists (every list is a page, and a list has no export URL of its own), so the
view applies the user's scoping and permissions as they are when it runs, the stored query
string the same filters and sort, and this module the same columns; the file becomes the
job's result and the access-log entry is written with it.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable, Sequence, Sized
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import islice
from operator import attrgetter, methodcaller

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cadres.identity import mask_id_number
from cadres.jobs import JobError, job_result_set, job_start, job_ticker
from cadres.models import AccessLogEntry, Job
from cadres.services import access_log_append
from cadres.xlsx_export import XLSX_CONTENT_TYPE, Column, WorkbookWriter

PAGE_SIZE = 25
REVEAL_PERM = "cadres.reveal_id_number"
CHUNK_SIZE = 2000
EXPORT_JOB = "export"


@dataclass(frozen=True)
class Col:
    label: str
    value: Callable[[object], object] | None = None  # the export's cell; None: page only
    key: str = ""  # ?sort=key; empty when the column does not sort
    sort: Sequence[str] = ()  # order_by fields; empty with a key: the filterset sorts
    width: float | None = None  # the sheet's column width; None: as wide as the content
    text: bool = False  # text format in the sheet (codes, phone numbers)
    id_number: bool = False  # masked unless the export reveals (text format too)
    page: bool = True  # False: the export's only (full texts the page leaves out)


def field_column(label, field: str, *, key: str = "", display: bool = False, **options) -> Col:
    """A field of the row, sorted by it under ``key`` (the field's name by default); with
    ``display``, a choice field's label."""
    value = methodcaller(f"get_{field}_display") if display else attrgetter(field)
    return Col(label, value, key=key or field, sort=[field], **options)


def township_column(label, through: str = "village", **options) -> Col:
    """The township of the row's village (``through``: the path to it), sorted by the codes
    of the township and the village."""
    prefix = through.replace(".", "__")
    return Col(
        label,
        attrgetter(f"{through}.township.name"),
        **{
            "key": "township",
            "sort": [f"{prefix}__township__code", f"{prefix}__code"],
            **options,
        },
    )


def village_column(label, through: str = "village", **options) -> Col:
    """The row's village (``through``: the path to it), sorted by its code."""
    prefix = through.replace(".", "__")
    return Col(
        label,
        attrgetter(f"{through}.name"),
        **{"key": "village", "sort": [f"{prefix}__code"], **options},
    )


def person_column(label, through: str = "person", **options) -> Col:
    """The name of the row's person (``through``: the path to them), in pinyin order."""
    prefix = through.replace(".", "__")
    return Col(
        label,
        attrgetter(f"{through}.name"),
        **{"key": "person", "sort": [f"{prefix}__name_key__pinyin_order"], **options},
    )


def id_number_column(label, through: str = "", **options) -> Col:
    """The ID number of the row (``through``: the path to its owner), masked unless the
    export reveals it, written as text."""
    path = f"{through}.id_number" if through else "id_number"
    return Col(label, attrgetter(path), **{"id_number": True, **options})


def local_date_column(label, field: str, *, key: str, **options) -> Col:
    """The local date of a timestamp of the row (``field``), sorted by the timestamp."""

    def value(row):
        return timezone.localdate(getattr(row, field))

    return Col(label, value, **{"key": key, "sort": [field], **options})


def _itself(item) -> Iterable[object]:
    return (item,)


@dataclass(frozen=True)
class Sheet:
    """A sheet of an export: the rows each exported item gives it, or rows of its own
    (``items``, a summary written before the items are read)."""

    columns: Sequence[Col]
    title: str = ""  # the list's title when empty
    rows: Callable[[object], Iterable[object]] = _itself
    items: Callable[[], Iterable[object]] | None = None
    unit: str = "rows"  # what the access log counts


@dataclass(frozen=True)
class ListSpec:
    title: str
    columns: Sequence[Col]
    filename: str  # "{date}" is today's date, yyyymmdd
    template: str = ""
    default_sort: str = ""
    sorts: dict[str, Sequence[str]] = field(default_factory=dict)  # keys no column shows
    sheets: Sequence[Sheet] = ()  # one sheet of the columns, titled as the list, when empty
    reveal_ids: bool = False  # full ID numbers in the export for users who may reveal them
    context_name: str = "rows"  # the page's rows also under this name in the context
    language: str = ""  # the export's, whatever the user's (a workbook an import reads back)

    def export_sheets(self) -> Sequence[Sheet]:
        return self.sheets or [Sheet(self.columns)]

    def ordering(self, sort: str) -> list[str]:
        """order_by for ?sort= (the default when unknown), with the pk last in its direction."""
        sorts = {c.key: c.sort for c in self.columns if c.key and c.sort} | dict(self.sorts)
        if sort.lstrip("-") not in sorts:
            sort = self.default_sort
        descending = sort.startswith("-")
        fields = sorts[sort.lstrip("-")]
        return [f"-{f}" if descending else f for f in fields] + ["-pk" if descending else "pk"]

    def sorted_by_helper(self) -> bool:
        return bool(self.default_sort)


def list_headers(request, columns: Sequence[Col], default_sort: str = "") -> list[dict]:
    """The page's column headers, each a link that sorts by it where it sorts."""
    query = request.GET.copy()
    query.pop("page", None)
    current = request.GET.get("sort", default_sort)
    headers = []
    for column in columns:
        if not column.page:
            continue
        link = direction = ""
        if column.key:
            if current.lstrip("-") == column.key:
                direction = "desc" if current.startswith("-") else "asc"
            query["sort"] = f"-{column.key}" if current == column.key else column.key
            link = "?" + query.urlencode()
        headers.append({"label": str(column.label), "link": link, "direction": direction})
    return headers


def list_response(
    request,
    *,
    spec: ListSpec,
    filterset,
    queryset=None,
    pages=None,
    prepare: Callable[[Sequence], None] | None = None,
    prepare_export: Callable[[Sequence], None] | None = None,
    extra: dict | None = None,
    obj=None,
    filename_args: dict | None = None,
) -> HttpResponse:
    """Render the filtered list page, or its xlsx export with ?format=xlsx: a list's one
    export is its page's.

    ``queryset`` replaces ``filterset.qs`` where the filter applies to something else
    (the missing-reports list filters posts and lists people) or where the export reads
    more than the page (the register's relatives). A spec without a default sort leaves
    the order to the filterset; ``pages`` is then what the paginator reads where that is
    not the queryset (the register's sort by posts). ``prepare`` completes the page's rows
    with what the template shows beyond the queryset; ``prepare_export`` completes the
    export's rows, a chunk at a time, where its columns read more than the rows (in batches,
    not a query per row). ``obj`` (the access log's) and
    ``filename_args`` go to the export of a list that belongs to one record.
    """
    rows = filterset.qs if queryset is None else queryset
    if spec.sorted_by_helper():
        rows = rows.order_by(*spec.ordering(request.GET.get("sort", spec.default_sort)))
    if request.GET.get("format") == "xlsx":
        return export_response(
            request,
            spec=spec,
            items=rows,
            obj=obj,
            filename_args=filename_args,
            prepare=prepare_export,
            filterset=filterset,
        )
    page = Paginator(rows if pages is None else pages, PAGE_SIZE).get_page(request.GET.get("page"))
    if prepare is not None:
        prepare(page.object_list)
    context = {
        "title": str(spec.title),
        "filter": filterset,
        "page_obj": page,
        "rows": page.object_list,
        spec.context_name: page.object_list,
        "headers": list_headers(request, spec.columns, spec.default_sort),
        "list_spec": spec,
        **(extra or {}),
    }
    return render(request, spec.template, context)


def _cells(columns: Sequence[Col], full_ids: bool) -> Callable[[object], list]:
    def cells(row) -> list:
        values = []
        for column in columns:
            value = column.value(row)
            if column.id_number:
                value = (value or "") if full_ids else mask_id_number(value)
            values.append(value)
        return values

    return cells


def export_response(
    request,
    *,
    spec: ListSpec,
    items,
    obj=None,
    filename_args: dict | None = None,
    prepare: Callable[[Sequence], None] | None = None,
    filterset=None,
) -> HttpResponse:
    """The xlsx of ``items`` (a queryset is read with .iterator()), logged once written;
    ``prepare`` completes each chunk of items before it is written. The log's entry names
    ``filterset`` (that of the list exported), so that its page can label the filter.

    More than ``settings.EXPORT_INLINE_MAX_ROWS`` items: an ``export`` job writes it, and the
    response sends the user to the job's page. In that job's worker (``export_job``) the file
    becomes the job's result.
    """
    job: Job | None = getattr(request, "export_job", None)
    total = _count(items)
    if job is None and total is not None and total > settings.EXPORT_INLINE_MAX_ROWS:
        return _export_job_start(request)
    full_ids = spec.reveal_ids and request.user.has_perm(REVEAL_PERM)
    tick = job_ticker(job) if job is not None else None
    with translation.override(spec.language) if spec.language else nullcontext():
        writer, streamed = _write(spec, items, full_ids, prepare, tick, total or 0)
    filename = spec.filename.format(date=f"{timezone.localdate():%Y%m%d}", **(filename_args or {}))
    if job is None:
        response = HttpResponse(content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        writer.save(response)
    else:
        response = HttpResponse(status=201)
        with tempfile.TemporaryFile() as stream:
            writer.save(stream)
            stream.seek(0)
            job.result_file.save("export.xlsx", File(stream), save=False)
    counts = ", ".join(f"{target.rows} {sheet.unit}" for sheet, target, _cells in streamed)
    ids = ""
    if any(c.id_number for sheet in spec.export_sheets() for c in sheet.columns):
        ids = f", {'full' if full_ids else 'masked'} ID numbers"
    # Written once the file is complete: one entry for each export, none for a failed one. A
    # job's result and its entry are written together, so that a job run again after either
    # neither writes the file twice nor leaves it unlogged.
    with transaction.atomic():
        access_log_append(
            user=request.user,
            action=AccessLogEntry.Action.EXPORT,
            obj=obj,
            detail=(
                f"{filename}, {counts}{ids}, "
                + filter_detail(request.GET.urlencode(), filterset, spec)
            ),
        )
        if job is not None:
            job_result_set(job=job, name=job.result_file.name, filename=filename)
    return response


def _count(items) -> int | None:
    if isinstance(items, QuerySet):
        return items.count()
    return len(items) if isinstance(items, Sized) else None


def _export_job_start(request) -> HttpResponse:
    """Hand the export of the page the user asked for to a worker; to the job's page."""
    job = job_start(
        kind=EXPORT_JOB,
        actor=request.user,
        params={
            "path": request.path_info,
            "query": request.GET.urlencode(),
            "language": translation.get_language() or settings.LANGUAGE_CODE,
        },
    )
    messages.info(
        request,
        _(
            "More than %(limit)d rows: the export is written in the background. Download it "
            "here when it is done."
        )
        % {"limit": settings.EXPORT_INLINE_MAX_ROWS},
    )
    return redirect("cadres:job_detail", job.pk)


def export_job(job: Job) -> None:
    """The ``export`` job's handler: request the list's page again as the user who asked,
    with the stored query string, so that ``export_response`` writes the file."""
    if job.result_file:
        return  # a message delivered again after the file and its log entry were written
    params = job.params
    with translation.override(params["language"]):
        user = get_user_model().objects.filter(pk=job.requested_by_id, is_active=True).first()
        request = HttpRequest()
        request.method = "GET"
        request.path = request.path_info = params["path"]
        request.META["QUERY_STRING"] = params["query"]
        request.GET = QueryDict(params["query"])
        request.user = user
        request.export_job = job
        try:
            if user is None:
                raise PermissionDenied
            request.resolver_match = resolve(params["path"])
            match = request.resolver_match
            match.func(request, *match.args, **match.kwargs)
        except (PermissionDenied, Http404, Resolver404) as error:
            raise JobError(_("You may no longer see this list: nothing was exported.")) from error
        job.refresh_from_db(fields=["result_file"])
        if not job.result_file:
            raise JobError(_("The list could not be exported with these filters: export it again."))


FILTERSET_MARK = "filterset: "
SORT_MARK = "sorted: "
FILTER_MARK = "filter: "


def sort_label(spec: ListSpec, sort: str) -> str:
    """What ``?sort=`` orders the list by, in words: its column's label, descending where it
    is; empty for a key that no column of the list sorts by (the list keeps its default)."""
    labels = {c.key: c.label for c in spec.columns if c.key and c.sort}
    label = labels.get(sort.lstrip("-"))
    if label is None:
        return ""
    if sort.startswith("-"):
        return _("%(column)s, descending") % {"column": label}
    return str(label)


def filter_detail(query: str, filterset=None, spec: ListSpec | None = None) -> str:
    """The query string of a logged read of a list, for the access log's entry: ``filter:``
    and the query, after the filterset's dotted path where there is one, and the sort in
    words where ``spec`` knows it (stored in the site's language, as every reader of the log
    reads it). The access log page (cadres.access_log_page) reads them back to label each
    parameter."""
    parts = []
    if filterset is not None:
        kind = type(filterset)
        parts.append(f"{FILTERSET_MARK}{kind.__module__}.{kind.__qualname__}")
    sort = QueryDict(query).get("sort", "")
    if spec is not None and sort:
        with translation.override(settings.LANGUAGE_CODE):
            label = sort_label(spec, sort)
        if label:
            parts.append(f"{SORT_MARK}{label}")
    return ", ".join([*parts, f"{FILTER_MARK}{query}"])


def _chunks(items, prepare: Callable[[Sequence], None]) -> Iterable[object]:
    chunk = list(islice(items, CHUNK_SIZE))
    while chunk:
        prepare(chunk)
        yield from chunk
        chunk = list(islice(items, CHUNK_SIZE))


def _write(spec: ListSpec, items, full_ids: bool, prepare=None, tick=None, total: int = 0):
    writer = WorkbookWriter()
    streamed = []
    for sheet in spec.export_sheets():
        columns = [c for c in sheet.columns if c.value is not None]
        target = writer.sheet(
            str(sheet.title or spec.title),
            [Column(str(c.label), c.width, text=c.text or c.id_number) for c in columns],
        )
        cells = _cells(columns, full_ids)
        if sheet.items is not None:
            for row in sheet.items():
                target.append(cells(row))
        else:
            streamed.append((sheet, target, cells))
    if hasattr(items, "iterator"):
        items = items.iterator(chunk_size=CHUNK_SIZE)
    if prepare is not None:
        items = _chunks(iter(items), prepare)
    for done, item in enumerate(items, 1):
        for sheet, target, cells in streamed:
            for row in sheet.rows(item):
                target.append(cells(row))
        if tick is not None:
            tick(done, total)
    return writer, streamed
