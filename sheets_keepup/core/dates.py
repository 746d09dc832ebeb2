"""Read dates as spreadsheets hand them over, vectorised over a whole column.

Cells arrive as real dates (xlsx), serial numbers (Sheets' SERIAL_NUMBER rendering),
or text the spreadsheet did not recognise: ISO dates, 3/4/2021 (day/month order from
the config or locale), "Mar 2021", "12 Nov 2024", or a bare year. Text is parsed once
per distinct value, so a column of 100,000 cells with a few hundred distinct dates
costs a few hundred parses.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sheets_keepup.core.distinct import factorize, spread

SHEETS_EPOCH = pd.Timestamp("1899-12-30")
MIN_YEAR, MAX_YEAR = 1900, 2200
# Serials below 1910-01-01 are far likelier a stray number ("45") than a contact date;
# serials beyond 9999-12-31 cannot be dates at all.
MIN_SERIAL, MAX_SERIAL = 3654, 2958465
# The last serial that is a contact date the rules accept (31 Dec MAX_YEAR); later ones
# would not fit pandas' nanosecond timestamps, which end in 2262.
_LAST_DATE_SERIAL = (dt.date(MAX_YEAR, 12, 31) - dt.date(1899, 12, 30)).days

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        ("jan", "january"),
        ("feb", "february"),
        ("mar", "march"),
        ("apr", "april"),
        ("may",),
        ("jun", "june"),
        ("jul", "july"),
        ("aug", "august"),
        ("sep", "sept", "september"),
        ("oct", "october"),
        ("nov", "november"),
        ("dec", "december"),
    ],
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

_MONTH_RE = "(?P<mname>[A-Za-z]{3,9})\\.?"
_TEXT_PATTERNS = {
    "iso": r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?:[ T].*)?$",
    "numeric": r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})$",
    "day_month_year": (
        rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-]+{_MONTH_RE}[\s,\-]+(?P<y>\d{{4}})$"
    ),
    "month_day_year": rf"^{_MONTH_RE}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})$",
    "month_year": rf"^{_MONTH_RE}[\s,\-/]+(?P<y>\d{{4}})$",
    "numeric_month_year": r"^(?P<m>\d{1,2})[/\-](?P<y>\d{4})$",
    "year": r"^(?P<y>\d{4})$",
}
_BIRTHDAY_PATTERNS = {
    "iso": r"^(?:-{2}|(?P<y>\d{4})-)?(?P<m>\d{1,2})-(?P<d>\d{1,2})$",
    "numeric": r"^(?P<a>\d{1,2})[/.](?P<b>\d{1,2})(?:[/.](?P<y>\d{4}|\d{2}))?$",
    "day_month": (
        rf"^(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[\s\-]+{_MONTH_RE}(?:[\s,\-]+(?P<y>\d{{4}}))?$"
    ),
    "month_day": rf"^{_MONTH_RE}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(?P<y>\d{{4}}))?$",
}


@dataclass(frozen=True)
class ParsedDates:
    """A column of dates (NaT where empty or unreadable) and which cells were unreadable."""

    dates: pd.Series
    bad: pd.Series


@dataclass(frozen=True)
class ParsedMonthDays:
    """Birthdays as month and day (0 where empty or unreadable), and unreadable cells."""

    month: pd.Series
    day: pd.Series
    bad: pd.Series


def day_first_for(order: str, locale: str | None) -> bool:
    """Whether 3/4/2021 means 3 April: from the config, else the sheet's locale."""
    if order != "auto":
        return order == "dmy"
    return not (locale or "").replace("-", "_").lower().startswith(("en_us", "en_ph", "en_ca"))


def _from_parts(year: pd.Series, month: pd.Series, day: pd.Series) -> pd.Series:
    """Build timestamps from part columns; impossible dates (31 Feb) become NaT."""
    frame = pd.DataFrame({"year": year, "month": month, "day": day}).astype("float64")
    ok = frame.notna().all(axis=1)
    ok &= frame["year"].between(MIN_YEAR, MAX_YEAR) & frame["month"].between(1, 12)
    ok &= frame["day"].between(1, 31)
    result = pd.Series(pd.NaT, index=year.index, dtype="datetime64[ns]")
    if ok.any():
        result[ok] = pd.to_datetime(frame[ok].astype("int64"), errors="coerce")
    return result


def _expand_year(year: pd.Series) -> pd.Series:
    """Two-digit years: 00-69 are 2000s, 70-99 are 1900s."""
    year = pd.to_numeric(year, errors="coerce")
    two = year < 100
    return year.where(~two, year + np.where(year < 70, 2000, 1900))


def _month_number(names: pd.Series) -> pd.Series:
    return names.str.lower().map(MONTHS)


def _parse_texts(texts: pd.Series, day_first: bool) -> pd.Series:
    """Parse stripped, non-empty strings into timestamps (NaT = unreadable)."""
    result = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    todo = pd.Series(True, index=texts.index)
    for name, pattern in _TEXT_PATTERNS.items():
        if not todo.any():
            break
        parts = texts[todo].str.extract(pattern)
        hit = parts.notna().any(axis=1) if "y" not in parts else parts["y"].notna()
        if not hit.any():
            continue
        parts = parts[hit]
        year = _expand_year(parts["y"])
        if name == "numeric":
            first, second = pd.to_numeric(parts["a"]), pd.to_numeric(parts["b"])
            day, month = (first, second) if day_first else (second, first)
        elif "mname" in parts:
            month = _month_number(parts["mname"])
            day = pd.to_numeric(parts["d"]) if "d" in parts else pd.Series(1, index=parts.index)
        else:
            month = pd.to_numeric(parts["m"]) if "m" in parts else pd.Series(1, index=parts.index)
            day = pd.to_numeric(parts["d"]) if "d" in parts else pd.Series(1, index=parts.index)
        result[parts.index] = _from_parts(year, month, day)
        todo[parts.index] = False
    return result


_DATE, _NUMBER, _TEXT, _OTHER = 0, 1, 2, 3
_KIND_OF_TYPE = {
    dt.date: _DATE,
    dt.datetime: _DATE,
    pd.Timestamp: _DATE,
    int: _NUMBER,
    float: _NUMBER,
    np.int64: _NUMBER,
    np.float64: _NUMBER,
    str: _TEXT,
}


def _split_kinds(values: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Masks: real dates, numbers (not bools), strings, anything else (one pass over cells)."""
    kinds = np.array([_KIND_OF_TYPE.get(type(v), _OTHER) for v in values.tolist()], dtype=np.int8)
    return tuple(  # type: ignore[return-value]
        pd.Series(kinds == kind, index=values.index) for kind in (_DATE, _NUMBER, _TEXT, _OTHER)
    )


def _blank_and_text(values: pd.Series, is_text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Empty cells (None, NaN, blank text), and the stripped text of the string cells."""
    texts = values[is_text].str.strip()
    blank = values.isna()
    blank[is_text] = (texts == "").to_numpy()
    return blank, texts


def _from_numbers(numbers: pd.Series) -> pd.Series:
    """Serial day numbers (from 1899-12-30), except whole numbers 1900-2200, read as years."""
    numbers = pd.to_numeric(numbers, errors="coerce")
    is_year = (numbers == np.floor(numbers)) & numbers.between(MIN_YEAR, MAX_YEAR)
    is_serial = ~is_year & (numbers >= MIN_SERIAL) & (numbers < _LAST_DATE_SERIAL + 1)
    result = pd.Series(pd.NaT, index=numbers.index, dtype="datetime64[ns]")
    if is_serial.any():
        days = np.floor(numbers[is_serial].to_numpy(dtype="float64")).astype("int64")
        result[is_serial] = SHEETS_EPOCH + pd.to_timedelta(days, unit="D")
    if is_year.any():
        years = numbers[is_year]
        ones = pd.Series(1, index=years.index)
        result[is_year] = _from_parts(years, ones, ones)
    return result


def parse_dates(values: pd.Series, day_first: bool) -> ParsedDates:
    """Parse a column of raw cell values into dates at midnight."""
    codes, distinct = factorize(values)
    parsed = _parse_distinct_dates(distinct, day_first)
    dates = spread(parsed.dates.to_numpy(dtype="datetime64[ns]"), codes, np.datetime64("NaT"))
    bad = spread(parsed.bad.to_numpy(dtype=bool), codes, False)
    return ParsedDates(
        dates=pd.Series(dates, index=values.index), bad=pd.Series(bad, index=values.index)
    )


def _parse_distinct_dates(values: pd.Series, day_first: bool) -> ParsedDates:
    """Parse distinct cell values, one each: the per-value work of parse_dates."""
    dates = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    is_date, is_number, is_text, _other = _split_kinds(values)
    blank, stripped = _blank_and_text(values, is_text)
    is_text &= ~blank
    if is_date.any():
        # Real dates outside the years the rules accept are unreadable, like such text.
        moments = values[is_date].map(_as_datetime)
        in_range = moments.map(lambda moment: MIN_YEAR <= moment.year <= MAX_YEAR).astype(bool)
        is_date[is_date] = in_range
        if in_range.any():
            dates[is_date] = pd.to_datetime(moments[in_range]).dt.normalize()
    if is_number.any():
        dates[is_number] = _from_numbers(values[is_number])
    if is_text.any():
        dates[is_text] = _parse_texts(stripped[is_text], day_first)
    bad = ~blank & dates.isna()
    return ParsedDates(dates=dates, bad=bad)


def _as_datetime(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    assert isinstance(value, dt.date)
    return dt.datetime(value.year, value.month, value.day)


def parse_birthdays(values: pd.Series, day_first: bool) -> ParsedMonthDays:
    """Parse birthdays ("1985-03-02", "03-02", "2 Mar", real dates) into month and day."""
    codes, distinct = factorize(values)
    parsed = _parse_distinct_birthdays(distinct, day_first)
    month, day, bad = (
        pd.Series(spread(column.to_numpy(), codes, empty), index=values.index)
        for column, empty in ((parsed.month, 0), (parsed.day, 0), (parsed.bad, False))
    )
    return ParsedMonthDays(month=month, day=day, bad=bad)


def _parse_distinct_birthdays(values: pd.Series, day_first: bool) -> ParsedMonthDays:
    """Parse distinct cell values, one each: the per-value work of parse_birthdays."""
    is_str = _split_kinds(values)[2]
    blank, stripped = _blank_and_text(values, is_str)
    month = pd.Series(0, index=values.index, dtype="int64")
    day = pd.Series(0, index=values.index, dtype="int64")
    full = _parse_distinct_dates(values.where(~is_str), day_first)
    has_full = full.dates.notna()
    month[has_full] = full.dates[has_full].dt.month
    day[has_full] = full.dates[has_full].dt.day
    is_text = is_str & ~blank
    if is_text.any():
        m, d = _parse_month_days(stripped[is_text], day_first)
        month[is_text], day[is_text] = m, d
    bad = ~blank & (month == 0)
    return ParsedMonthDays(month=month, day=day, bad=bad)


_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


_BIRTHDAY_RES = tuple((name, re.compile(pattern)) for name, pattern in _BIRTHDAY_PATTERNS.items())


def _parse_month_days(texts: pd.Series, day_first: bool) -> tuple[pd.Series, pd.Series]:
    """Month and day of stripped, non-empty birthday strings (0 where unreadable).

    The first pattern that matches decides, valid or not. Texts are distinct values (a
    few thousand at most), so plain regular expressions beat pandas' column kernels.
    """
    found = [_month_day(text, day_first) for text in texts.tolist()]
    month = pd.Series([m for m, _ in found], index=texts.index, dtype="int64")
    day = pd.Series([d for _, d in found], index=texts.index, dtype="int64")
    return month, day


def _month_day(text: str, day_first: bool) -> tuple[int, int]:
    for name, pattern in _BIRTHDAY_RES:
        match = pattern.search(text)
        if match is None:
            continue
        parts = match.groupdict()
        if name == "numeric":
            first, second = int(parts["a"]), int(parts["b"])
            day, month = (first, second) if day_first else (second, first)
        elif "mname" in parts:
            month, day = MONTHS.get(parts["mname"].lower(), 0), int(parts["d"])
        else:
            month, day = int(parts["m"]), int(parts["d"])
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]:
            return month, day
        return 0, 0
    # ISO "1985-03-02" with a full year also reads as a full date; the pattern above covers it.
    return 0, 0


def next_birthday(month: pd.Series, day: pd.Series, today: dt.date) -> pd.Series:
    """The next birthday on or after today; 29 Feb falls on 28 Feb in common years."""
    result = pd.Series(pd.NaT, index=month.index, dtype="datetime64[ns]")
    known = month > 0
    if not known.any():
        return result
    m, d = month[known].to_numpy(), day[known].to_numpy()
    this_year = _clipped(today.year, m, d)
    next_year = _clipped(today.year + 1, m, d)
    today_ts = np.datetime64(today, "ns")
    result[known] = np.where(this_year >= today_ts, this_year, next_year)
    return result


def _clipped(year: int, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    day = np.where((month == 2) & (day == 29) & (not leap), 28, day)
    frame = pd.DataFrame({"year": year, "month": month, "day": day})
    return pd.to_datetime(frame).to_numpy(dtype="datetime64[ns]")


def to_serial(date: dt.date) -> int:
    """Sheets serial day number of a date."""
    return (date - SHEETS_EPOCH.date()).days


def from_serial(serial: float) -> dt.date:
    """Date of a Sheets serial day number."""
    return dt.date(1899, 12, 30) + dt.timedelta(days=int(serial))


def as_date(value: object) -> dt.date | None:
    """A Due cell read back: a date (xlsx), a serial number (Sheets) or ISO text."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return from_serial(value) if MIN_SERIAL <= value <= MAX_SERIAL else None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None
