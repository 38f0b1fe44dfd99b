"""Template workbooks for every import, built from the import's own column definitions.

Each import declares its template next to its columns: an ``ImportTemplate`` whose sheets
hold the very ``Column`` list the reader uses, plus what a template adds (an example value,
a note on the accepted forms, the fixed choices, text format). The builder turns that into
the workbook a user downloads, fills in and uploads again: headers (required ones marked *),
the example row, drop-down lists, text-formatted cells where Excel would mangle digits, and
a sheet that explains every column. A column added to an import appears in its template.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db.models import Choices
from django.http import HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from cadres.spreadsheets import Column
from cadres.xlsx_export import HEADER_ALIGNMENT, HEADER_FILL, HEADER_FONT, XLSX_CONTENT_TYPE

# Rows below the header that are formatted as text and offer the drop-down lists.
TEMPLATE_ROWS = 1000
REQUIRED_MARK = "*"
EXAMPLE_FONT = Font(italic=True, color="808080")

ID_NUMBER_NOTE = gettext_lazy(
    "18 characters, the last may be X; an old 15-digit number is converted. Keep the cell "
    "formatted as text: a number cell loses the last digits."
)
DATE_NOTE = gettext_lazy(
    "A day such as 1985-03-04, 1985.3.4, 1985/3/4, 1985年3月4日 or 19850304; where only the "
    "month or the year is known, a month such as 1985.03, 1985.3, 1985-03, 1985年3月 or "
    "198503, or a year such as 1985 or 1985年. The date is kept as precisely as it is given "
    "and shown so (1985.03)."
)
CHOICE_NOTE = gettext_lazy("Choose from the drop-down list.")
FROM_ID_NUMBER = gettext_lazy("May be left empty: it is taken from the ID number.")


@dataclass(frozen=True)
class Hint:
    """What a template says about one column beyond the reader's Column."""

    example: str = ""
    # Lazy texts on the accepted forms: translated when the workbook is built.
    notes: tuple = ()
    # The values of the drop-down list, in Chinese; called when the workbook is built.
    choices: Callable[[], Iterable[str]] | None = None
    text: bool = False  # keep every digit: ID numbers, codes, phone numbers, typed dates


def id_number_hint(example: str, *notes) -> Hint:
    return Hint(example, (ID_NUMBER_NOTE, *notes), text=True)


def date_hint(example: str, *notes) -> Hint:
    # Text, so that 1985.10 is not turned into the number 1985.1.
    return Hint(example, (DATE_NOTE, *notes), text=True)


def choice_hint(example: str, choices: Callable[[], Iterable[str]], *notes) -> Hint:
    return Hint(example, (CHOICE_NOTE, *notes), choices=choices)


def labels_of(choices: type[Choices], *, exclude: Sequence[str] = ()) -> Callable[[], list[str]]:
    """The Chinese labels of a choices class, as the importers read them."""

    def labels() -> list[str]:
        with translation.override("zh-hans"):
            return [str(label) for value, label in choices.choices if value not in exclude]

    return labels


@dataclass(frozen=True)
class TemplateSheet:
    title: str  # the sheet's name, as the import looks for it
    columns: Sequence[Column]
    hints: Mapping[str, Hint] = field(default_factory=dict)

    def hint(self, column: Column) -> Hint:
        return self.hints.get(column.key, Hint())


@dataclass(frozen=True)
class ImportTemplate:
    filename: str
    sheets: Sequence[TemplateSheet]


def header_text(column: Column) -> str:
    return column.label + (REQUIRED_MARK if column.required else "")


def _width(text: object) -> float:
    # CJK characters are twice as wide as Latin ones.
    wide = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))
    return min(max(wide + 4, 10), 40)


def template_workbook(template: ImportTemplate) -> bytes:
    book = Workbook()
    book.remove(book.active)
    lists_title = _("Drop-down lists")
    lists: dict[tuple[str, ...], str] = {}  # a list's values → its column on the lists sheet
    for sheet in template.sheets:
        _data_sheet(book.create_sheet(sheet.title), sheet, lists, lists_title)
    _explanation_sheet(book.create_sheet(_("Instructions")), template)
    if lists:
        values_sheet = book.create_sheet(lists_title)
        for values, letter in lists.items():
            values_sheet[f"{letter}1"] = _("Values")
            for row, value in enumerate(values, start=2):
                values_sheet[f"{letter}{row}"] = value
        # Hidden, so that it is not mistaken for a sheet to fill in.
        values_sheet.sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _data_sheet(sheet, spec: TemplateSheet, lists: dict, lists_title: str) -> None:
    last_row = TEMPLATE_ROWS + 1
    for position, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(position)
        hint = spec.hint(column)
        header = sheet.cell(row=1, column=position, value=header_text(column))
        header.font, header.fill, header.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
        example = sheet.cell(row=2, column=position, value=hint.example or None)
        example.font = EXAMPLE_FONT
        sheet.column_dimensions[letter].width = max(_width(header.value), _width(hint.example))
        if hint.text:
            for row in range(2, last_row + 1):
                sheet.cell(row=row, column=position).number_format = "@"
        if hint.choices:
            values = tuple(hint.choices())
            source = lists.setdefault(values, get_column_letter(len(lists) + 1))
            validation = DataValidation(
                type="list",
                formula1=f"{quote_sheetname(lists_title)}!${source}$2:${source}${len(values) + 1}",
                allow_blank=True,
                # A warning, not a stop: the importers accept common synonyms (党员, 大专)
                # and several posts in one cell.
                errorStyle="warning",
                showErrorMessage=True,
                errorTitle=column.label,
                error=_("This value is not in the list; the import may refuse it."),
            )
            validation.add(f"{letter}2:{letter}{last_row}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"


def _explanation_sheet(sheet, template: ImportTemplate) -> None:
    notes = [
        _("Row 2 of each sheet is an example: replace it or delete it before importing."),
        _(
            "Columns marked * are required. Title rows above the header and columns in another "
            "order are accepted; a column may be named by any of its other accepted headers."
        ),
    ]
    for note in notes:
        sheet.append([note])
    sheet.append([])
    headers = [
        _("Sheet"),
        _("Column"),
        pgettext("template column", "Required"),
        _("How to fill it in"),
        _("Other headers accepted"),
        _("Example"),
    ]
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGNMENT
    for spec in template.sheets:
        for column in spec.columns:
            hint = spec.hint(column)
            sheet.append(
                [
                    spec.title,
                    column.label,
                    _("Yes") if column.required else _("No"),
                    " ".join(str(note) for note in hint.notes),
                    "、".join(column.synonyms),
                    hint.example,
                ]
            )
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = wrap
    for letter, width in zip("ABCDEF", (14, 16, 10, 50, 40, 24), strict=True):
        sheet.column_dimensions[letter].width = width


def template_response(template: ImportTemplate) -> HttpResponse:
    """The template as a download; it holds no personal data, so nothing is logged."""
    response = HttpResponse(template_workbook(template), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{template.filename}"'
    return response
