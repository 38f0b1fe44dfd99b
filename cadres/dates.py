"""Dates known to the day, the month or the year.

Cadre forms in China give a birth date as 出生年月 (1972.08), a party entry as 1998年 or
1998.07: what was known, no more. Such a date is a ``PartialDate``: the first day of its
period and its ``DatePrecision``. A model stores it in two columns, the date (so indexes,
ordering and age bands still work) and ``<field>_precision`` beside it (``precision_field``);
``partial_date`` reads them back, ``partial_date_values`` writes them. Everything here is
the one way to parse (every import, every form), compare and format such dates.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cadres.identity import strip_invisible


class DatePrecision(models.IntegerChoices):
    """How much of a date is known; a larger value is a coarser precision."""

    DAY = 1, gettext_lazy("Known to the day")
    MONTH = 2, gettext_lazy("Known to the month")
    YEAR = 3, gettext_lazy("Known to the year")


DAY, MONTH, YEAR = DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR
PRECISION_SUFFIX = "_precision"


def period_start(day: dt.date, precision: int) -> dt.date:
    """The first day of the month or year ``day`` falls in, or ``day`` itself."""
    if precision == YEAR:
        return day.replace(month=1, day=1)
    if precision == MONTH:
        return day.replace(day=1)
    return day


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date known to ``precision``, held as the first day of its period."""

    date: dt.date
    precision: int = DAY

    def __post_init__(self):
        if self.precision not in DatePrecision.values:
            raise ValueError(f"unknown date precision {self.precision!r}")
        if period_start(self.date, self.precision) != self.date:
            raise ValueError(f"{self.date} is not the first day of its period")

    @classmethod
    def of(cls, day: dt.date, precision: int = DAY) -> PartialDate:
        """The period of ``precision`` that ``day`` falls in."""
        return cls(period_start(day, precision), precision)

    @property
    def end(self) -> dt.date:
        """The first day after the period."""
        if self.precision == YEAR:
            return self.date.replace(year=self.date.year + 1)
        if self.precision == MONTH:
            year, month = divmod(self.date.month, 12)
            return self.date.replace(year=self.date.year + year, month=month + 1)
        return self.date + dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the period: the two agree as far as this one is known."""
        return self.date <= day < self.end

    def __str__(self) -> str:
        return format_partial_date(self.date, self.precision)


def format_partial_date(day: dt.date | None, precision: int | None = DAY) -> str:
    """A date as pages, exports and forms show it: 1972-08-15, 1972.08 or 1972."""
    if day is None:
        return ""
    if precision == YEAR:
        return f"{day.year:04d}"
    if precision == MONTH:
        return f"{day.year:04d}.{day.month:02d}"
    return day.isoformat()


def as_partial_date(value: PartialDate | dt.date | None) -> PartialDate | None:
    """A PartialDate of a value a caller hands on: a plain date is known to the day."""
    if value is None or isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        return PartialDate(value.date())
    if isinstance(value, dt.date):
        return PartialDate(value)
    raise TypeError(f"not a date: {value!r}")


# Parsing -------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# 1972-08-15, 1972.8.15, 1972/08, 1972年8月15日, 1972年8月, 1972-08-15 00:00:00.
_DATE_RE = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*(?:[-/.月]\s*(?P<d>\d{1,2})\s*日?)?\s*月?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# 19720815, 197208.
_COMPACT_DATE_RE = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?$")
# 1972, 1972年.
_YEAR_RE = re.compile(r"^(?P<y>\d{4})\s*年?$")
# A whole number this size in a number cell is a year, not an Excel serial day (1905).
_YEARS = range(1900, 2101)


def _make(raw: object, year: int, month: int | None = None, day: int | None = None) -> PartialDate:
    precision = YEAR if month is None else MONTH if day is None else DAY
    try:
        result = dt.date(year, month or 1, day or 1)
    except ValueError:
        raise ValueError(_("“%(value)s” is not a real date.") % {"value": raw}) from None
    if result.year not in _YEARS:
        raise ValueError(_("“%(value)s” is not a plausible date.") % {"value": raw})
    return PartialDate(result, precision)


def _not_a_date(value: object) -> ValueError:
    return ValueError(_("“%(value)s” is not a date.") % {"value": value})


# Cached: a list's million rows hold a few thousand distinct dates. Typed, so that True
# (refused) and 1 (a serial day) stay apart.
@functools.lru_cache(maxsize=16384, typed=True)
def parse_partial_date(value: object) -> PartialDate | None:
    """A date and how much of it is known, from a cell or a form's text.

    Day: an Excel date, a serial day number, 1972-08-15, 1972.8.15, 1972年8月15日, 19720815.
    Month: 1972.08, 1972.8, 1972-08, 1972/08, 1972年8月, 197208, or the number 1972.08.
    Year: 1972, 1972年. A cell formatted to show only a year and month reaches here as a
    PartialDate from the reader (``cadres.spreadsheets``); any other date cell is a day.
    ValueError, in Chinese, for anything else.
    """
    if value is None or isinstance(value, PartialDate):
        return value
    if isinstance(value, dt.datetime):
        return PartialDate(value.date())
    if isinstance(value, dt.date):
        return PartialDate(value)
    if isinstance(value, bool | dt.time | dt.timedelta):
        raise _not_a_date(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not value.is_integer():
            # 1972.08 typed into a number cell: year and month.
            return parse_partial_date(repr(value))
        number = int(value)
        if number in _YEARS:
            return _make(value, number)
        if 190001 <= number <= 210012 or 19000101 <= number <= 21001231:
            return parse_partial_date(str(number))
        if 1 <= number <= 73050:  # Excel serial days up to 2099
            return PartialDate(_EXCEL_EPOCH + dt.timedelta(days=number))
        raise _not_a_date(value)
    text = unicodedata.normalize("NFKC", strip_invisible(str(value))).strip()
    if not text:
        return None
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if match:
        day = match.group("d")
        return _make(text, int(match.group("y")), int(match.group("m")), day and int(day))
    match = _YEAR_RE.match(text)
    if match:
        return _make(text, int(match.group("y")))
    raise ValueError(
        _("“%(value)s” is not a date; write it like 2021-12-01, 2021.12 or 2021.") % {"value": text}
    )


# Models ----------------------------------------------------------------------------


def precision_field(verbose_name) -> models.PositiveSmallIntegerField:
    """The precision column beside a date field named ``<field>`` (``<field>_precision``).
    A database default too: rows written by COPY or raw SQL are known to the day."""
    return models.PositiveSmallIntegerField(
        verbose_name,
        choices=DatePrecision.choices,
        default=DatePrecision.DAY,
        db_default=DatePrecision.DAY,
    )


def partial_date(record: object, name: str) -> PartialDate | None:
    """The date ``name`` of a model instance or a dict, with its precision where it has one."""
    if isinstance(record, Mapping):
        day, precision = record.get(name), record.get(name + PRECISION_SUFFIX, DAY)
    else:
        day, precision = getattr(record, name, None), getattr(record, name + PRECISION_SUFFIX, DAY)
    if day is None or isinstance(day, PartialDate):
        return day
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return PartialDate.of(day, precision or DAY)


def partial_date_values(name: str, value: PartialDate | dt.date | None) -> dict:
    """The two columns of the date ``name``; no date is known to the day (the default)."""
    partial = as_partial_date(value)
    return {
        name: partial.date if partial else None,
        name + PRECISION_SUFFIX: partial.precision if partial else DAY,
    }


@functools.cache
def partial_date_names(model: type[models.Model]) -> frozenset[str]:
    """The date fields of ``model`` that have a precision column."""
    names = {field.name for field in model._meta.concrete_fields}
    return frozenset(
        name.removesuffix(PRECISION_SUFFIX)
        for name in names
        if name.endswith(PRECISION_SUFFIX) and name.removesuffix(PRECISION_SUFFIX) in names
    )


def split_partial_dates(model: type[models.Model], values: Mapping) -> dict:
    """``values`` for ``model`` with each of its partial dates given (a PartialDate, a date
    or None) written as its two columns: a plain date sets the precision back to the day."""
    result = dict(values)
    for name in partial_date_names(model) & result.keys():
        result.update(partial_date_values(name, result[name]))
    return result


def same_period_q(name: str, value: PartialDate) -> Q:
    """Rows whose date ``name`` agrees with ``value`` at the coarser of the two precisions:
    those known as precisely or more within its period, those known less precisely whose
    period holds it."""
    precision = name + PRECISION_SUFFIX
    found = Q(**{f"{name}__gte": value.date, f"{name}__lt": value.end})
    found &= Q(**{f"{precision}__lte": value.precision})
    for coarser in DatePrecision.values:
        if coarser > value.precision:
            found |= Q(**{name: period_start(value.date, coarser), precision: coarser})
    return found


# Exports ---------------------------------------------------------------------------


def date_cell_value(day: dt.date | None, precision: int = DAY) -> dt.date | str | None:
    """A partial date as an export writes it: a date cell when known to the day, else the
    text the imports read back at its precision (1972.08, 1972)."""
    if day is None or precision == DAY:
        return day
    return format_partial_date(day, precision)


def date_cell(record: object, name: str) -> dt.date | str | None:
    """``date_cell_value`` of the date ``name`` of a record."""
    value = partial_date(record, name)
    return None if value is None else date_cell_value(value.date, value.precision)


# Forms -----------------------------------------------------------------------------


class PartialDateField(forms.Field):
    """A date typed as the imports read it (1972-08-15, 1972.08, 1972年8月, 1972) and shown
    at its precision; cleaned to a PartialDate."""

    widget = forms.TextInput(attrs={"placeholder": "1972-08-15 / 1972.08 / 1972"})

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "help_text",
            gettext_lazy("The day, or the month (1972.08) or year (1972) alone if that is known."),
        )
        super().__init__(*args, **kwargs)

    def to_python(self, value) -> PartialDate | None:
        if value in self.empty_values:
            return None
        try:
            return parse_partial_date(value)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, dt.date | PartialDate):
            return str(as_partial_date(value))
        return value

    def has_changed(self, initial, data) -> bool:
        try:
            return self.to_python(data) != as_partial_date(initial)
        except ValidationError:
            return True


def record_values(record: models.Model, names: Iterable[str]) -> dict:
    """Fields of a record by name, its partial dates as PartialDates (a form's initial
    values, a service's arguments kept from the record)."""
    partial = partial_date_names(type(record))
    return {
        name: partial_date(record, name) if name in partial else getattr(record, name)
        for name in names
    }
