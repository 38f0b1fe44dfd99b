"""Watchlists for tests, imported through the real reader and import service."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from cadres.models import ImportFile
from cadres.services import import_file_store
from vetting.models import WatchlistSource
from vetting.services.watchlists import watchlist_import

HEADER = ["姓名", "身份证号", "性别", "出生日期", "处分种类", "决定机关", "决定日期", "简要情况"]
KEYS = [
    "name",
    "id_number",
    "sex",
    "birth_date",
    "measure",
    "deciding_body",
    "decided_on",
    "description",
]


def workbook_bytes(
    rows: list[dict], *, header=HEADER, title: str | None = "东昌区处分人员名单"
) -> bytes:
    """An xlsx with an optional title row above the header; ``rows`` are dicts by KEYS."""
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(key) for key in KEYS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def import_list(
    actor,
    rows: list[dict],
    *,
    source: str = "区纪委监委处分名单",
    kind: str = WatchlistSource.Kind.PARTY_DISCIPLINE,
):
    """Store and import a list as ``actor`` (who needs vetting.import_watchlist)."""
    stored, _earlier = import_file_store(
        actor=actor, upload=upload(workbook_bytes(rows)), kind=ImportFile.Kind.WATCHLIST
    )
    return watchlist_import(actor=actor, import_file=stored, source_name=source, kind=kind)


def run_inline(*, chunk_size: int = 2, **kwargs):
    """A full (or delta) run with its chunks executed here rather than by a worker."""
    from vetting.models import ScreeningRun
    from vetting.services import screening

    kwargs.setdefault("trigger", ScreeningRun.Trigger.MANUAL)
    run = screening.screening_run_start(chunk_size=chunk_size, **kwargs)
    for chunk in run.chunks.order_by("pk"):
        screening.screening_chunk_execute(chunk_id=chunk.pk)
    run.refresh_from_db()
    return run
