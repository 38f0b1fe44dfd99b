"""Paper forms (表): described once, rendered to Word (.docx) and to an A4 print page.

A form (``Paper``) is a title, a line under it and one table of ``Row`` s on a grid of
GRID equal columns across the A4 text width; a ``Cell`` spans columns of that grid, and
rows below its own with ``rows`` (the photo beside the first rows of personal data, a
label beside its lines); a cell may hold a ``Picture``. Both
renderers read the same description, so the Word file and the printed page cannot drift
apart: ``papers_docx`` writes the table with fixed widths, rows that do not split across
pages and a page break between forms; the print page (``cadres/paper_print.html`` with
``static/css/paper.css``) lays the same grid out with one form per page.

The forms themselves (the cadre information form, the joint-review form) are lists of
sections that build rows from a record: see ``cadres.cadre_form`` and
``vetting.review_form``.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import _Cell

from cadres.documents import attachment, download_name
from cadres.identity import mask_id_number
from cadres.jobs import JobError, job_result_set, job_start, job_ticker
from cadres.listing import REVEAL_PERM
from cadres.models import AccessLogEntry, Job, StoredDocument
from cadres.services import access_log_append

GRID = 24  # columns of every form's table: spans of 3, 4, 6, 8 and 12 divide it
PAGE_WIDTH_CM, PAGE_HEIGHT_CM = 21.0, 29.7
MARGIN_CM = 1.8
TEXT_WIDTH_CM = PAGE_WIDTH_CM - 2 * MARGIN_CM
COLUMN_CM = TEXT_WIDTH_CM / GRID
TALL_ROW_CM = 3.2  # a signature and seal box: room for a signature, a seal and a date
PICTURE_PADDING_CM = 0.2  # above and below a picture in its cell
FONT = "宋体"
DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Picture:
    """A box of ``width_cm`` × ``height_cm`` for an image (the picture kept within it, its
    proportions kept): Word embeds ``document``'s file, the print page shows ``url``. Without
    a document the box stays empty, showing its cell's text."""

    width_cm: float
    height_cm: float
    document: StoredDocument | None = None
    # A scoped view that serves the file and logs each showing, as every download is.
    url: str = ""


@dataclass(frozen=True)
class Cell:
    text: str = ""
    span: int = 1
    label: bool = False  # a printed label (bold, shaded), not a value
    rows: int = 1  # rows it spans down: the rows below leave its columns out
    picture: Picture | None = None


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]
    tall: bool = False  # a box left blank for a signature and seal


@dataclass(frozen=True)
class Placed:
    """A cell at its place in a row: ``below`` when it is a cell of a row above reaching
    down (Word writes a merged continuation there; the print page writes nothing)."""

    cell: Cell
    below: bool = False


def placed(rows: Sequence[Row]) -> Iterator[list[Placed]]:
    """Each row's cells in column order with the cells from above that reach into it; a
    row that does not fill the GRID columns exactly, or a cell that reaches below the last
    row, is a ValueError."""
    reaching: dict[int, tuple[Cell, int]] = {}  # column -> (cell, rows it still covers)
    for row in rows:
        own = iter(row.cells)
        cells: list[Placed] = []
        column = 0
        while column < GRID:
            if column in reaching:
                cell, left = reaching.pop(column)
                if left > 1:
                    reaching[column] = (cell, left - 1)
                cells.append(Placed(cell, below=True))
            elif (cell := next(own, None)) is not None:
                if cell.rows > 1:
                    reaching[column] = (cell, cell.rows - 1)
                cells.append(Placed(cell))
            else:
                break
            column += cell.span
        if column != GRID or next(own, None) is not None:
            raise ValueError(f"a row must span {GRID} columns: {row.cells!r}")
        yield cells
    if reaching:
        raise ValueError(f"a cell reaches below the last row: {reaching!r}")


@dataclass(frozen=True)
class Paper:
    title: str
    subtitle: str = ""
    rows: list[Row] = field(default_factory=list)

    def __post_init__(self):
        list(placed(self.rows))  # a row that does not fit the grid fails here, not in print


def heading(text: str) -> Row:
    """A section's heading across the whole table."""
    return Row((Cell(text, GRID, label=True),))


def line(*cells: tuple[str, int] | Cell, label: bool = False) -> Row:
    """A row of cells or (text, span) pairs, labels when ``label``."""
    return Row(tuple(c if isinstance(c, Cell) else Cell(c[0], c[1], label=label) for c in cells))


def fields(*pairs: tuple[str, str], width: int = GRID, after: Iterable[Cell] = ()) -> Row:
    """Label and value pairs in ``width`` columns of one row, then the ``after`` cells
    (the photo beside them): each label 3 columns, the values share the rest."""
    label_span = 3
    span = (width - label_span * len(pairs)) // len(pairs)
    cells: list[Cell] = []
    for label, value in pairs:
        cells += [Cell(label, label_span, label=True), Cell(value, span)]
    return line(*cells, *after)


def table(
    headers: Sequence[tuple[str, int]], rows: Iterable[Sequence[str]], empty: str
) -> list[Row]:
    """A header row of (label, span) and a row per record, the same spans; ``empty`` (one
    row) when there is no record."""
    built = [line(*headers, label=True)]
    for values in rows:
        built.append(
            line(*((value, span) for value, (_label, span) in zip(values, headers, strict=True)))
        )
    if len(built) == 1:
        built.append(line((empty, GRID)))
    return built


def signature_box(label: str, text: str = "", sign_line: str = "") -> Row:
    """A tall box: the label left, the text (an opinion) and the signature and date line."""
    body = "\n".join(part for part in (text, sign_line) if part)
    return Row((Cell(label, 4, label=True), Cell(body, GRID - 4)), tall=True)


def id_text(number: str | None, *, full: bool) -> str:
    """An ID number as the reader may see it: masked without the right to reveal it."""
    return (number or "") if full else mask_id_number(number)


# Word ---------------------------------------------------------------------------------


def _set(parent, tag: str, **attributes) -> None:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), str(value))
    parent.append(element)


def _twips(cm: float) -> int:
    return round(cm / 2.54 * 1440)


def _document() -> Document:
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(PAGE_HEIGHT_CM)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(MARGIN_CM))
    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(10.5)
    # East Asian text takes its font from eastAsia, which python-docx does not set.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    normal.paragraph_format.space_after = Pt(0)
    return document


def _title(document, paper: Paper, *, new_page: bool) -> None:
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if new_page:
        title.paragraph_format.page_break_before = True
    title.paragraph_format.space_after = Pt(6)
    run = title.add_run(paper.title)
    run.bold = True
    run.font.size = Pt(18)
    if paper.subtitle:
        document.add_paragraph(paper.subtitle).paragraph_format.space_after = Pt(4)


def _picture(cell: _Cell, picture: Picture, reader: Reader | None) -> bool:
    """Embed the picture's file in the cell within its box; False when there is none (no
    document, or its file missing on disk)."""
    if picture.document is None:
        return False
    with suppress(FileNotFoundError), picture.document.file.open("rb") as handle:
        paragraph = cell.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        shape = paragraph.add_run().add_picture(handle, width=Cm(picture.width_cm))
        if shape.height > Cm(picture.height_cm):
            shape.width = round(shape.width * Cm(picture.height_cm) / shape.height)
            shape.height = Cm(picture.height_cm)
        if reader is not None:
            reader.pictures.append(picture.document)
        return True
    return False


def _table(document, paper: Paper, reader: Reader | None) -> None:
    table = document.add_table(rows=0, cols=GRID)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    properties = table._tbl.tblPr
    _set(properties, "w:tblLayout", type="fixed")
    for column in table._tbl.tblGrid.findall(qn("w:gridCol")):
        column.set(qn("w:w"), str(_twips(COLUMN_CM)))
    # A picture's box is as tall as its picture: the rows beside it share that height.
    stretch: list[float] = []
    for row, cells in zip(paper.rows, placed(paper.rows), strict=True):
        for spec in row.cells:
            if spec.picture is not None:
                share = (spec.picture.height_cm + PICTURE_PADDING_CM) / spec.rows
                stretch += [0.0] * (spec.rows - len(stretch))
                stretch[: spec.rows] = [max(height, share) for height in stretch[: spec.rows]]
        height = max(TALL_ROW_CM if row.tall else 0, stretch.pop(0) if stretch else 0)
        tr = table._tbl.add_tr()
        tr_properties = tr.get_or_add_trPr()
        _set(tr_properties, "w:cantSplit")
        if height:
            _set(tr_properties, "w:trHeight", val=_twips(height), hRule="atLeast")
        for place in cells:
            spec = place.cell
            tc = tr.add_tc()
            tc_properties = tc.get_or_add_tcPr()
            _set(tc_properties, "w:tcW", w=_twips(COLUMN_CM * spec.span), type="dxa")
            if spec.span > 1:
                _set(tc_properties, "w:gridSpan", val=spec.span)
            if place.below:
                _set(tc_properties, "w:vMerge")
            elif spec.rows > 1:
                _set(tc_properties, "w:vMerge", val="restart")
            if spec.label:
                _set(tc_properties, "w:shd", val="clear", color="auto", fill="EDEDED")
            _set(tc_properties, "w:vAlign", val="top" if row.tall else "center")
            cell = _Cell(tc, table)
            if place.below or (spec.picture and _picture(cell, spec.picture, reader)):
                continue
            for number, text in enumerate(spec.text.split("\n")):
                paragraph = cell.paragraphs[0] if number == 0 else cell.add_paragraph()
                if spec.label or spec.picture:
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                paragraph.add_run(text).bold = spec.label


def papers_docx(papers: Iterable[Paper], *, reader: Reader | None = None, tick=None) -> bytes:
    """One .docx of the forms, each on its own page(s) of A4; ``tick(done)`` follows them.
    The pictures embedded are noted in ``reader.pictures`` (to be logged)."""
    document = _document()
    for number, paper in enumerate(papers):
        _title(document, paper, new_page=number > 0)
        _table(document, paper, reader)
        if tick is not None:
            tick(number + 1)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


# Readers, pages, batches and the access log ----------------------------------------


@dataclass
class Reader:
    """Who reads the forms: whether they see full ID numbers, the records whose full
    number the forms showed (each logged as a reveal), and the pictures a Word file embeds
    (each logged as a download, as the view that serves the picture logs each showing: the
    print page shows it through that view, so it logs none itself)."""

    full_ids: bool
    revealed: list = field(default_factory=list)
    pictures: list[StoredDocument] = field(default_factory=list)

    @classmethod
    def of(cls, user) -> Reader:
        return cls(full_ids=user.has_perm(REVEAL_PERM))

    def id_number(self, record) -> str:
        if self.full_ids and record.id_number:
            self.revealed.append(record)
        return id_text(record.id_number, full=self.full_ids)


def print_response(
    request, papers: Sequence[Paper], *, title: str, docx_url: str = "", back_url: str = ""
) -> HttpResponse:
    """The print page of the forms: no navigation, one form per A4 page."""
    context = {
        "papers": papers,
        "title": title,
        "grid": range(GRID),
        "docx_url": docx_url,
        "back_url": back_url,
    }
    return render(request, "cadres/paper_print.html", context)


def docx_response(content: bytes, filename: str) -> HttpResponse:
    return attachment(HttpResponse(content, content_type=DOCX_CONTENT_TYPE), filename)


def papers_log(*, user, obj, what: str, count: int, reader: Reader) -> None:
    """Log forms given to ``user`` as exports are (one entry naming ``what``, the count and
    whether ID numbers were full), each full number shown as a reveal is, and each picture
    embedded as a download is."""
    ids = "full" if reader.full_ids else "masked"
    with transaction.atomic():
        for record in reader.revealed:
            access_log_append(user=user, action=AccessLogEntry.Action.REVEAL_ID, obj=record)
        for document in reader.pictures:
            name = download_name(document.original_name, document.content_type)
            access_log_append(
                user=user, action=AccessLogEntry.Action.DOWNLOAD, obj=document, detail=name
            )
        access_log_append(
            user=user,
            action=AccessLogEntry.Action.EXPORT,
            obj=obj,
            detail=f"{what}, {count} forms, {ids} ID numbers",
        )


@dataclass(frozen=True)
class Batch:
    """Forms of many records in one file, built for one reader (by the request or a job)."""

    filename: str
    obj: object  # what the access log names: the township, village or nomination batch
    count: int
    papers: Callable[[Reader], Iterator[Paper]]
    township: object = None  # the township whose staff may see the batch's job, if one


def paper_response(request, paper: Paper, *, obj, filename: str, reader: Reader, **links):
    """One record's form: its print page, or its .docx with ``?format=docx``; logged."""
    if request.GET.get("format") == "docx":
        response = docx_response(papers_docx([paper], reader=reader), filename)
    else:
        response = print_response(request, [paper], title=paper.title, **links)
    # Once the form is written: none logged for a failure.
    what = filename if request.GET.get("format") == "docx" else "print"
    papers_log(user=request.user, obj=obj, what=what, count=1, reader=reader)
    return response


def batch_response(request, batch: Batch, *, title: str, job_kind: str, params: dict):
    """A batch's print page, or with ``?format=docx`` its .docx: written here when small, by
    a ``job_kind`` job (whose page offers the file) beyond ``settings.FORMS_INLINE_MAX``."""
    if request.GET.get("format") != "docx":
        reader = Reader.of(request.user)
        papers = list(batch.papers(reader))
        papers_log(user=request.user, obj=batch.obj, what="print", count=len(papers), reader=reader)
        query = request.GET.copy()
        query["format"] = "docx"
        docx_url = f"{request.path}?{query.urlencode()}"
        return print_response(request, papers, title=title, docx_url=docx_url)
    if batch.count > settings.FORMS_INLINE_MAX:
        job = job_start(kind=job_kind, actor=request.user, params=params, township=batch.township)
        messages.info(
            request,
            _(
                "More than %(limit)d forms: the file is written in the background. Download "
                "it here when it is done."
            )
            % {"limit": settings.FORMS_INLINE_MAX},
        )
        return redirect("cadres:job_detail", job.pk)
    reader = Reader.of(request.user)
    content = papers_docx(batch.papers(reader), reader=reader)
    papers_log(
        user=request.user, obj=batch.obj, what=batch.filename, count=batch.count, reader=reader
    )
    return docx_response(content, batch.filename)


def batch_job_run(job: Job, batch: Callable[[object], Batch]) -> None:
    """A batch job's work in the worker: ``batch(user)`` is the batch as the user who asked
    sees it now (scoped again); the file becomes the job's result, logged with it."""
    if job.result_file:
        return  # a message delivered again after the file and its log entry were written
    user = get_user_model().objects.filter(pk=job.requested_by_id, is_active=True).first()
    try:
        if user is None:
            raise PermissionDenied
        built = batch(user)
    except (PermissionDenied, Http404) as error:
        raise JobError(_("You may no longer see these forms: nothing was written.")) from error
    reader = Reader.of(user)
    tick = job_ticker(job)
    content = papers_docx(
        built.papers(reader), reader=reader, tick=lambda done: tick(done, built.count)
    )
    with transaction.atomic():
        job.result_file.save("forms.docx", ContentFile(content), save=False)
        papers_log(user=user, obj=built.obj, what=built.filename, count=built.count, reader=reader)
        job_result_set(job=job, name=job.result_file.name, filename=built.filename)
