"""Turn raw tabs into typed pandas frames, recording every cell that cannot be read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sheets_keepup.core.dates import day_first_for, parse_birthdays, parse_dates
from sheets_keepup.core.distinct import factorize, spread
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.headers import (
    FIELD_ALIASES,
    LOG_ALIASES,
    HeaderMap,
    build_alias_index,
    map_headers,
)
from sheets_keepup.core.model import CellValue, Problem, SheetData, Tab
from sheets_keepup.core.settings import Config

TEXT_FIELDS = ("name", "email", "phone", "company", "interests", "notes", "profile_url")
DATE_FIELDS = ("last_contact", "last_in_person", "snooze_until", "connected")


@dataclass(frozen=True)
class ContactSheet:
    """The Contacts tab as typed columns, indexed by 0-based sheet row."""

    tab: str
    header: HeaderMap
    frame: pd.DataFrame
    bad: pd.DataFrame
    """Per row and field: the reason the cell could not be read ("" when fine)."""
    grid: pd.DataFrame
    """The raw cells of the kept rows, for quoting them back in messages."""
    problems: list[Problem]
    used_width: int
    """One past the rightmost non-empty cell in any row: new columns go from here."""

    def raw_text(self, row: int, field: str) -> str:
        """The cell of `field` in `row` as the user typed it."""
        col = self.header.fields.get(field)
        if col is None:
            return ""
        value = self.grid.at[row, col]
        return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)

    def header_text(self, field: str, rows: Sequence[Sequence[CellValue]]) -> str:
        """The header the user gave a field's column."""
        col = self.header.fields.get(field)
        if col is None:
            return field.replace("_", " ").capitalize()
        return str(rows[self.header.row][col]).strip()


@dataclass(frozen=True)
class LogSheet:
    """The Log tab: date, who and kind of every readable touch, with its sheet row."""

    tab: str
    frame: pd.DataFrame
    problems: list[Problem]
    who_col: int | None = None


def _grid(rows: Sequence[Sequence[CellValue]], first: int, width: int) -> pd.DataFrame:
    """Rows below the header as an object frame padded to `width`, indexed by sheet row."""
    pad = [None] * width
    body = rows[first:]
    # Only the rows of another width are copied; most rows of a large tab have the same.
    lengths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
    other = np.flatnonzero(lengths != width).tolist()
    if other:
        body = list(body)
        for at in other:
            row = body[at]
            body[at] = [*row[:width], *pad[len(row) :]]
    # One C pass lays the cells out as a row-major block; pandas' own list-of-rows
    # constructor would first measure every row again in Python.
    cells = np.fromiter(chain.from_iterable(body), dtype=object, count=len(body) * width)
    return pd.DataFrame(
        cells.reshape(len(body), width),
        index=pd.RangeIndex(first, first + len(body)),
        columns=range(width),
        dtype=object,
        copy=False,
    )


def _as_text(value: object) -> str:
    if type(value) is str:
        return value.strip()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _text(values: pd.Series) -> pd.Series:
    """Cells as stripped text; numbers keep a clean form (12.0 -> '12')."""
    cells = values.tolist()
    # A column of nothing but text is stripped in C, without a Python test per cell.
    texts = (
        list(map(str.strip, cells))
        if set(map(type, cells)) == {str}
        else [v.strip() if type(v) is str else "" if v is None else _as_text(v) for v in cells]
    )
    return pd.Series(texts, index=values.index, dtype=object)


# Every character Python's str.strip() removes (str.isspace); none lies past U+3000.
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _arrow_text(values: pd.Series) -> pd.Series:
    """`_text` of a column, as Arrow strings: a column of text and empty cells is
    converted once and stripped in C, without a Python string made per cell (the Log's
    Who column is 300,000 of them, matched to contacts in Arrow). Any other cell (a
    number, a date) sends the column through `_text`."""
    try:
        array = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _text(values)
    stripped = cast(pa.StringArray, pc.utf8_trim(array, characters=_WHITESPACE).fill_null(""))
    return pd.Series(pd.arrays.ArrowStringArray(stripped), index=values.index)


def _folded(values: pd.Series) -> pd.Series:
    """Cells as stripped, case-folded text, worked out once per distinct cell."""
    codes, distinct = factorize(values)
    folded = np.array([t.casefold().strip() for t in _text(distinct)], dtype=object)
    return pd.Series(spread(folded, codes, ""), index=values.index, dtype=object)


_ALWAYS_FILLED = frozenset({int, dt.date, dt.datetime, pd.Timestamp})


def _is_filled(value: object) -> bool:
    if isinstance(value, str):
        return value != "" and not value.isspace()
    return value is not None and not (isinstance(value, float) and np.isnan(value))


def _blank_rows(grid: pd.DataFrame, user_cols: list[int]) -> pd.Series:
    """Rows with no user cell filled; one column at a time, only over rows still in doubt."""
    blank = np.ones(len(grid), dtype=bool)
    for col in user_cols:
        doubt = np.flatnonzero(blank)
        if not len(doubt):
            break
        values = grid[col].to_numpy()[doubt]
        kinds = set(map(type, values))
        if kinds <= _ALWAYS_FILLED:
            blank[doubt] = False
            continue
        if kinds == {str}:
            # Blank text strips to "", the only false string; all in C.
            blank[doubt] = ~np.fromiter(map(bool, map(str.strip, values)), bool, len(values))
            continue
        # Inline fast path for the common cells; _is_filled decides everything else.
        blank[doubt] = [
            v is None
            or not (v.strip() if type(v) is str else type(v) in _ALWAYS_FILLED or _is_filled(v))
            for v in values
        ]
    return pd.Series(blank, index=grid.index)


def contacts_tab(data: SheetData, config: Config) -> Tab:
    """The Contacts tab of a read, or a DataError saying how to fix its absence."""
    tab = data.tabs.get(config.tabs.contacts)
    if tab is None:
        found = ", ".join(f"'{t}'" for t in data.tabs) or "none of the tabs asked for"
        raise DataError(
            f"No tab named '{config.tabs.contacts}' (found: {found}). Rename your contacts tab "
            f"or set tabs.contacts in the config."
        )
    return tab


def read_contacts(tab: Tab, config: Config, locale: str | None) -> ContactSheet:
    """Locate the header, drop blank rows and parse every field the rules need."""
    index = build_alias_index(FIELD_ALIASES, config.columns.aliases)
    header = map_headers(tab.rows, index, config.columns.owned.model_dump(), ["name"], tab.title)
    width = max([header.width, *(c + 1 for c in header.owned.values())])
    grid = _grid(tab.rows, header.row + 1, width)
    # A row counts when a cell under one of the user's headers holds something. Cells
    # under no header (or under ours) do not: otherwise adding the owned headers on the
    # first run would turn such a row into a contact on the second.
    titles = tab.rows[header.row]
    user_cols = [
        c
        for c, title in enumerate(titles[: header.width])
        if c not in header.owned.values() and title is not None and str(title).strip()
    ]
    grid = grid[~_blank_rows(grid, user_cols)]
    day_first = day_first_for(config.dates.order, locale)

    def raw(name: str) -> pd.Series:
        col = header.fields.get(name)
        return grid[col] if col is not None else pd.Series(None, index=grid.index, dtype=object)

    def text(name: str) -> pd.Series:
        col = header.fields.get(name)
        return _text(grid[col]) if col is not None else pd.Series("", grid.index, dtype=object)

    frame = pd.DataFrame(index=grid.index)
    for name in TEXT_FIELDS:
        frame[name] = text(name)
    if "name" not in header.fields:
        frame["name"] = (text("first_name") + " " + text("last_name")).str.strip()
    frame["tier_raw"] = text("tier")
    frame["cadence_raw"] = text("cadence")
    bad = pd.DataFrame("", index=grid.index, columns=[*DATE_FIELDS, "birthday"], dtype=object)
    for name in DATE_FIELDS:
        parsed = parse_dates(raw(name), day_first)
        frame[name] = parsed.dates
        bad.loc[parsed.bad, name] = "is not a date I can read (use 2026-03-01, Mar 2026 or 2026)"
    birthdays = parse_birthdays(raw("birthday"), day_first)
    frame["birth_month"], frame["birth_day"] = birthdays.month, birthdays.day
    bad.loc[birthdays.bad, "birthday"] = "is not a birthday I can read (use 1985-03-02 or 03-02)"
    return ContactSheet(
        tab=tab.title,
        header=header,
        frame=frame,
        bad=bad,
        grid=grid,
        problems=[Problem(tab.title, header.row, None, n) for n in header.notes],
        used_width=_used_width(tab.rows),
    )


def _used_width(rows: Sequence[Sequence[CellValue]]) -> int:
    """Rightmost non-empty column + 1, so that appended columns never cover user data."""
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    # From the right, a column at a time: usually the first or second one tried holds
    # something, and a column of nothing but empty cells is passed over in C.
    for col in range(int(lengths.max(initial=0)) - 1, -1, -1):
        reach = lengths > col
        lines = rows if reach.all() else [rows[i] for i in np.flatnonzero(reach).tolist()]
        cells = list(map(itemgetter(col), lines))
        if cells.count(None) == len(cells):
            continue
        if any(v is not None and not (isinstance(v, str) and not v.strip()) for v in cells):
            return col + 1
    return 0


def read_log(tab: Tab, config: Config, locale: str | None) -> LogSheet:
    """Read the Log tab's touches; unreadable dates are reported and skipped."""
    index = build_alias_index(LOG_ALIASES)
    header = map_headers(tab.rows, index, {}, ["date", "who"], tab.title)
    grid = _grid(tab.rows, header.row + 1, header.width)
    grid = grid[~_blank_rows(grid, list(range(header.width)))]
    day_first = day_first_for(config.dates.order, locale)
    date_col, who_col = header.fields["date"], header.fields["who"]
    parsed = parse_dates(grid[date_col], day_first)
    frame = pd.DataFrame(index=grid.index)
    frame["date"] = parsed.dates
    frame["who"] = _arrow_text(grid[who_col])
    kind_col = header.fields.get("kind")
    frame["kind"] = (
        _folded(grid[kind_col])
        if kind_col is not None
        else pd.Series("", index=grid.index, dtype=object)
    )
    problems = [Problem(tab.title, header.row, None, n) for n in header.notes]
    for row in grid.index[parsed.bad | parsed.dates.isna()]:
        text = grid.at[row, date_col]
        shown = "empty" if text is None or str(text).strip() == "" else f"'{text!s}'"
        problems.append(
            Problem(tab.title, int(row), date_col, f"date is {shown}; this touch is skipped")
        )
    return LogSheet(
        tab=tab.title, frame=frame[frame["date"].notna()], problems=problems, who_col=who_col
    )
