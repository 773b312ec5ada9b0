"""The cell value parsers: numbers in date columns, dates with slashes, NFC, leading zeros."""

import datetime
import unicodedata

import pytest
from django.utils import translation

from core.sheets.values import (
    clean_text,
    date_order_of,
    padding_twins,
    parse_date,
    read_slash_dates,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize("value", [2019, 2019.0, "2019", " 2019 "])
def test_a_year_in_a_date_column_is_an_error_that_says_it_is_a_year(value):
    with pytest.raises(ValueError, match="2019 is a year, not a date"):
        parse_date(value)


@pytest.mark.parametrize("value", [3, "3", 5.0])
def test_a_small_number_in_a_date_column_asks_whether_years_are_meant(value):
    with pytest.raises(ValueError, match="is a number, not a date – are years meant"):
        parse_date(value)


def test_a_serial_number_is_a_date_only_from_1980_to_2100():
    assert parse_date(29221) == datetime.date(1980, 1, 1)
    assert parse_date(73415) == datetime.date(2100, 12, 31)
    assert parse_date(44409.5) == datetime.date(2021, 8, 1)
    for number in (29220, 73416, 1, 150, 2958465):
        with pytest.raises(ValueError, match="not a date"):
            parse_date(number)


def test_german_language_says_jahreszahl():
    with translation.override("de"), pytest.raises(ValueError) as error:
        parse_date(2019)
    assert str(error.value) == "2019 ist eine Jahreszahl, kein Datum."


def test_a_date_with_slashes_is_read_in_the_order_asked_for():
    assert parse_date("08/01/2021") == datetime.date(2021, 1, 8)
    assert parse_date("08/01/2021", "mdy") == datetime.date(2021, 8, 1)
    assert parse_date("8/1/21", "mdy") == datetime.date(2021, 8, 1)
    # Dotted and ISO dates are never ambiguous.
    assert parse_date("01.08.2020", "mdy") == datetime.date(2020, 8, 1)
    assert parse_date("2020-08-01", "mdy") == datetime.date(2020, 8, 1)


def test_the_column_decides_the_order_of_day_and_month():
    assert date_order_of([(2, "08/01/2021"), (3, "25/12/2020")]).order == "dmy"
    month_first = date_order_of([(2, "08/01/2021"), (3, "12/25/2020")], "dmy")
    assert (month_first.order, month_first.assumed) == ("mdy", False)
    assumed = date_order_of([(2, "08/01/2021"), (3, "03/04/2020")], "mdy")
    assert (assumed.order, assumed.assumed) == ("mdy", True)
    assert date_order_of([(2, "08/01/2021")]).order == "dmy"  # the German way by default


def test_a_column_with_both_orders_is_an_error_naming_the_rows():
    decided, results = read_slash_dates([(2, "25/12/2020"), (3, "12/25/2020"), (4, "01/02/2020")])
    assert decided.conflict
    assert all(value is None for value, _message in results)
    assert "(2)" in results[0][1] and "(3)" in results[0][1]


def test_an_english_csv_column_is_read_month_first():
    decided, results = read_slash_dates([(2, "08/01/2021"), (3, "12/31/2020")])
    assert decided.order == "mdy"
    assert [value for value, _message in results] == [
        datetime.date(2021, 8, 1),
        datetime.date(2020, 12, 31),
    ]


def test_decomposed_text_is_read_composed():
    typed_on_a_mac = unicodedata.normalize("NFD", "Müller-Lüdenscheidt Förderverein")
    assert typed_on_a_mac != "Müller-Lüdenscheidt Förderverein"
    assert clean_text(typed_on_a_mac) == "Müller-Lüdenscheidt Förderverein"


def test_a_number_that_is_a_stored_key_without_its_zeros_has_a_twin():
    stored = ["00555", "A-17", "0042"]
    assert padding_twins(["555", "042", "777", "A-17", "00555"], stored) == {
        "555": "00555",
        "042": "0042",
    }
