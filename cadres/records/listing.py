"""One way to show a list of records: filter, sort, paginate, and export what is shown."""

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cadres.models import AccessLogEntry
from cadres.services import access_log_append
from cadres.xlsx_export import XLSX_CONTENT_TYPE, Column, WorkbookWriter

PAGE_SIZE = 25


@dataclass(frozen=True)
class Header:
    label: str
    sort: str = ""  # the key in ListSpec.sorts, empty when the column does not sort


@dataclass
class ListSpec:
    title: str
    headers: Sequence[Header]
    sorts: dict[str, Sequence[str]]  # sort key -> order_by fields
    default_sort: str
    export_name: str
    export_columns: Sequence[Column]
    export_row: Callable[[object], Sequence[object]]
    template: str


def _header_links(request, spec: ListSpec, current: str) -> list[dict]:
    query = request.GET.copy()
    query.pop("page", None)
    headers = []
    for header in spec.headers:
        link = ""
        direction = ""
        if header.sort:
            if current.lstrip("-") == header.sort:
                direction = "desc" if current.startswith("-") else "asc"
            query["sort"] = f"-{header.sort}" if current == header.sort else header.sort
            link = "?" + query.urlencode()
        headers.append({"label": header.label, "link": link, "direction": direction})
    return headers


def list_response(
    request, *, spec: ListSpec, filterset, queryset=None, extra: dict | None = None
) -> HttpResponse:
    """Render the filtered list page, or its xlsx export with ?format=xlsx.

    ``queryset`` replaces ``filterset.qs`` where the filter applies to something else
    (the missing-reports list filters posts and lists people).
    """
    sort = request.GET.get("sort", spec.default_sort)
    if sort.lstrip("-") not in spec.sorts:
        sort = spec.default_sort
    fields = spec.sorts[sort.lstrip("-")]
    ordering = [f"-{f}" if sort.startswith("-") else f for f in fields] + ["-pk"]
    queryset = (filterset.qs if queryset is None else queryset).order_by(*ordering)
    if request.GET.get("format") == "xlsx":
        return export_response(request, spec=spec, rows=queryset)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "title": spec.title,
        "filter": filterset,
        "page_obj": page,
        "rows": page.object_list,
        "headers": _header_links(request, spec, sort),
        **(extra or {}),
    }
    return render(request, spec.template, context)


def export_response(request, *, spec: ListSpec, rows) -> HttpResponse:
    access_log_append(
        user=request.user,
        action=AccessLogEntry.Action.EXPORT,
        detail=f"{spec.export_name} {request.GET.urlencode()}",
    )
    writer = WorkbookWriter()
    sheet = writer.sheet(spec.title, spec.export_columns)
    iterator = rows.iterator(chunk_size=2000) if hasattr(rows, "iterator") else rows
    for row in iterator:
        sheet.append(spec.export_row(row))
    stream = io.BytesIO()
    writer.save(stream)
    response = HttpResponse(stream.getvalue(), content_type=XLSX_CONTENT_TYPE)
    filename = f"{spec.export_name}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
