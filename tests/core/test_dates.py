import datetime as dt

import pandas as pd
import pytest

from sheets_keepup.core.dates import (
    day_first_for,
    from_serial,
    next_birthday,
    parse_birthdays,
    parse_dates,
    to_serial,
)


def parse_one(value: object, day_first: bool = True) -> tuple[object, bool]:
    parsed = parse_dates(pd.Series([value], dtype=object), day_first)
    date = parsed.dates.iloc[0]
    return (None if pd.isna(date) else date.date()), bool(parsed.bad.iloc[0])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-03-04", dt.date(2021, 3, 4)),
        ("2021-03-04T10:30:00", dt.date(2021, 3, 4)),
        ("2021/3/4", dt.date(2021, 3, 4)),
        ("3/4/2021", dt.date(2021, 4, 3)),
        ("03.04.21", dt.date(2021, 4, 3)),
        ("Mar 2021", dt.date(2021, 3, 1)),
        ("march-2021", dt.date(2021, 3, 1)),
        ("12 Nov 2024", dt.date(2024, 11, 12)),
        ("November 12, 2024", dt.date(2024, 11, 12)),
        ("3rd Sept 2020", dt.date(2020, 9, 3)),
        ("2021", dt.date(2021, 1, 1)),
        ("3/2021", dt.date(2021, 3, 1)),
        (2019, dt.date(2019, 1, 1)),
        (45000, dt.date(2023, 3, 15)),
        (45000.75, dt.date(2023, 3, 15)),
        (dt.date(2020, 1, 2), dt.date(2020, 1, 2)),
        (dt.datetime(2020, 5, 6, 7, 8), dt.date(2020, 5, 6)),
    ],
)
def test_readable_dates(value: object, expected: dt.date) -> None:
    assert parse_one(value) == (expected, False)


@pytest.mark.parametrize(
    "value", ["last spring", "31/02/2021", "2021-13-01", True, 45, -3.5, "12/12", "soon"]
)
def test_unreadable_dates_are_flagged(value: object) -> None:
    assert parse_one(value) == (None, True)


@pytest.mark.parametrize("value", [None, "", "   ", float("nan")])
def test_empty_cells_are_not_errors(value: object) -> None:
    assert parse_one(value) == (None, False)


def test_day_month_order_follows_setting() -> None:
    assert parse_one("3/4/2021", day_first=False) == (dt.date(2021, 3, 4), False)
    assert parse_one("3/4/2021", day_first=True) == (dt.date(2021, 4, 3), False)
    assert parse_one("13/4/2021", day_first=False) == (None, True)


@pytest.mark.parametrize(
    ("order", "locale", "day_first"),
    [
        ("auto", "en_US", False),
        ("auto", "en_GB", True),
        ("auto", "de_DE", True),
        ("auto", None, True),
        ("mdy", "en_GB", False),
        ("dmy", "en_US", True),
    ],
)
def test_day_first_from_config_or_locale(order: str, locale: str | None, day_first: bool) -> None:
    assert day_first_for(order, locale) is day_first


def test_each_distinct_text_is_parsed_once_and_mapped_back() -> None:
    values = pd.Series(["2021-03-04", "x", "2021-03-04", None] * 1000, dtype=object)
    parsed = parse_dates(values, True)
    assert int(parsed.bad.sum()) == 1000
    assert parsed.dates.iloc[::4].eq(pd.Timestamp("2021-03-04")).all()


def test_serial_round_trip() -> None:
    day = dt.date(2026, 11, 23)
    assert from_serial(to_serial(day)) == day
    assert to_serial(dt.date(1899, 12, 31)) == 1


@pytest.mark.parametrize(
    ("value", "month", "day"),
    [
        ("1985-03-02", 3, 2),
        ("03-02", 3, 2),
        ("--03-02", 3, 2),
        ("2 Mar", 3, 2),
        ("March 2", 3, 2),
        ("02/03", 3, 2),
        (dt.date(1992, 2, 29), 2, 29),
        ("29 Feb", 2, 29),
    ],
)
def test_birthdays(value: object, month: int, day: int) -> None:
    parsed = parse_birthdays(pd.Series([value], dtype=object), day_first=True)
    assert (parsed.month.iloc[0], parsed.day.iloc[0], bool(parsed.bad.iloc[0])) == (
        month,
        day,
        False,
    )


@pytest.mark.parametrize("value", ["30 Feb", "13-40", "someday"])
def test_bad_birthdays(value: str) -> None:
    parsed = parse_birthdays(pd.Series([value], dtype=object), day_first=True)
    assert bool(parsed.bad.iloc[0])


def test_next_birthday_handles_29_february_and_year_end() -> None:
    month = pd.Series([2, 2, 12, 11, 1])
    day = pd.Series([29, 29, 31, 23, 1])
    common = next_birthday(month, day, dt.date(2026, 11, 23)).dt.date.tolist()
    assert common == [
        dt.date(2027, 2, 28),
        dt.date(2027, 2, 28),
        dt.date(2026, 12, 31),
        dt.date(2026, 11, 23),
        dt.date(2027, 1, 1),
    ]
    leap = next_birthday(month[:1], day[:1], dt.date(2027, 12, 1)).dt.date.tolist()
    assert leap == [dt.date(2028, 2, 29)]
