"""Dates known to the day, the month or the year: parsing every written form, formatting,
comparing at the coarser precision (properties with hypothesis), and the form field."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cadres.dates import (
    DAY,
    MONTH,
    YEAR,
    DatePrecision,
    PartialDate,
    PartialDateField,
    date_cell_value,
    format_partial_date,
    parse_partial_date,
    partial_date,
    partial_date_values,
    split_partial_dates,
)
from cadres.models import Person
from cadres.spreadsheets import parse_date, parse_text

dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
precisions = st.sampled_from(DatePrecision.values)
partial_dates = st.builds(PartialDate.of, dates, precisions)
FULL_WIDTH = str.maketrans("0123456789-./", "０１２３４５６７８９－．／")


def written_forms(day: dt.date, precision: int) -> list[object]:
    """Every way a cell or a form may give the date known to ``precision``."""
    y, m, d = day.year, day.month, day.day
    if precision == YEAR:
        return [f"{y}", f"{y}年", f" {y} 年 ", y, float(y)]
    if precision == MONTH:
        forms = [
            f"{y}.{m:02d}",
            f"{y}.{m}",
            f"{y}-{m:02d}",
            f"{y}/{m}",
            f"{y}年{m}月",
            f"{y}年{m:02d}月",
            f"{y} 年 {m} 月",
            f"{y}{m:02d}",
            int(f"{y}{m:02d}"),
            f"{y}.{m:02d}".translate(FULL_WIDTH),
        ]
        if m != 10:
            # 1972.10 typed into a number cell is the number 1972.1: only the others survive.
            forms.append(float(f"{y}.{m:02d}"))
        return forms
    forms = [
        day,
        dt.datetime(y, m, d, 8, 30),
        day.isoformat(),
        f"{y}.{m}.{d}",
        f"{y}/{m}/{d}",
        f"{y}-{m}-{d}",
        f"{y}年{m}月{d}日",
        f"{y}{m:02d}{d:02d}",
        int(f"{y}{m:02d}{d:02d}"),
        f"{day.isoformat()} 00:00:00",
        day.isoformat().translate(FULL_WIDTH),
    ]
    serial = (day - dt.date(1899, 12, 30)).days
    # An Excel serial day, from 1900-03-01 (Excel counts a 29 February 1900 that never was),
    # except those of 1905 that a year typed into a number cell (1900 … 2100) shadows.
    if dt.date(1900, 3, 1) <= day < dt.date(2100, 1, 1) and not 1900 <= serial <= 2100:
        forms.append(serial)
    return forms


@given(partial_dates)
def test_a_formatted_date_parses_back_to_itself(value):
    assert parse_partial_date(str(value)) == value
    assert parse_partial_date(format_partial_date(value.date, value.precision)) == value
    # What a form shows and what an export writes read back the same.
    assert parse_partial_date(PartialDateField().prepare_value(value)) == value
    assert parse_partial_date(date_cell_value(value.date, value.precision)) == value


@given(dates, precisions)
def test_every_written_form_of_every_precision_parses_to_its_period(day, precision):
    expected = PartialDate.of(day, precision)
    for form in written_forms(day, precision):
        assert parse_partial_date(form) == expected, form
        # Dates stored without their precision (terms) keep the period's first day.
        assert parse_date(form) == expected.date, form


@given(partial_dates)
def test_the_text_of_a_date_is_its_display_at_its_precision(value):
    text = parse_text(value)
    assert text == str(value)
    if value.precision == YEAR:
        assert text == f"{value.date.year:04d}"
    elif value.precision == MONTH:
        assert text == f"{value.date.year:04d}.{value.date.month:02d}"
    else:
        assert text == value.date.isoformat()


@given(partial_dates, dates)
def test_a_period_holds_exactly_the_days_from_its_first_to_its_end(period, day):
    assert period.contains(day) == (PartialDate.of(day, period.precision) == period)
    assert period.contains(period.date)
    assert not period.contains(period.end)
    assert PartialDate.of(period.end, period.precision).date == period.end


def test_examples_of_the_three_precisions():
    assert parse_partial_date("1972.08") == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert parse_partial_date("1972年8月") == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert parse_partial_date(197208) == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert parse_partial_date(1972.08) == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert parse_partial_date("1972") == PartialDate(dt.date(1972, 1, 1), YEAR)
    assert parse_partial_date("1972年") == PartialDate(dt.date(1972, 1, 1), YEAR)
    assert parse_partial_date(44531) == PartialDate(dt.date(2021, 12, 1), DAY)
    assert str(PartialDate(dt.date(1972, 8, 1), MONTH)) == "1972.08"
    assert str(PartialDate(dt.date(1972, 1, 1), YEAR)) == "1972"
    assert str(PartialDate(dt.date(1972, 8, 15))) == "1972-08-15"
    assert PartialDate(dt.date(1972, 12, 1), MONTH).end == dt.date(1973, 1, 1)


@pytest.mark.parametrize(
    "value", ["1972.13", "1972年13月", "197213", "1850", "1850.01", "明年", "72.08", True, -3]
)
def test_what_is_not_a_date_is_refused_in_chinese(value):
    with translation.override("zh-hans"), pytest.raises(ValueError, match="日期"):
        parse_partial_date(value)


def test_a_period_is_held_as_its_first_day():
    with pytest.raises(ValueError, match="first day"):
        PartialDate(dt.date(1972, 8, 15), MONTH)
    with pytest.raises(ValueError, match="precision"):
        PartialDate(dt.date(1972, 8, 1), 7)


def test_the_two_columns_of_a_partial_date():
    month = PartialDate(dt.date(1972, 8, 1), MONTH)
    assert partial_date_values("birth_date", month) == {
        "birth_date": dt.date(1972, 8, 1),
        "birth_date_precision": MONTH,
    }
    # A plain date, or none, is known to the day: a precision left from before goes.
    assert partial_date_values("birth_date", dt.date(1972, 8, 15))["birth_date_precision"] == DAY
    assert partial_date_values("birth_date", None) == {
        "birth_date": None,
        "birth_date_precision": DAY,
    }
    assert split_partial_dates(Person, {"party_joined_on": month, "phone": "1"}) == {
        "party_joined_on": month.date,
        "party_joined_on_precision": MONTH,
        "phone": "1",
    }
    # A summary's JSON keeps dates as text.
    assert partial_date(
        {"birth_date": "1972-08-01", "birth_date_precision": MONTH}, "birth_date"
    ) == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert partial_date(
        Person(birth_date=dt.date(1972, 1, 1), birth_date_precision=YEAR), "birth_date"
    ) == (PartialDate(dt.date(1972, 1, 1), YEAR))


def test_the_form_field_takes_the_imports_forms_and_shows_the_precision():
    field = PartialDateField(required=False)
    assert field.clean("1972.8") == PartialDate(dt.date(1972, 8, 1), MONTH)
    assert field.clean("1972年") == PartialDate(dt.date(1972, 1, 1), YEAR)
    assert field.clean("") is None
    assert field.prepare_value(PartialDate(dt.date(1972, 8, 1), MONTH)) == "1972.08"
    assert field.prepare_value(dt.date(1972, 8, 15)) == "1972-08-15"
    assert not field.has_changed(PartialDate(dt.date(1972, 8, 1), MONTH), "1972年8月")
    assert field.has_changed(dt.date(1972, 8, 1), "1972.08")
    with translation.override("zh-hans"), pytest.raises(ValidationError, match="不是日期"):
        field.clean("八月")
