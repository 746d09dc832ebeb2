"""Values and cell fills as read: values through python-calamine (cached formula results
included), fills from styles.xml on demand."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from typing import cast

from lxml import etree
from python_calamine import CalamineWorkbook

from sheets_keepup.backends.xlsx.sheet import RowAt, SheetPart, cells_of
from sheets_keepup.backends.xlsx.styles import Styles
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.gcpause import gc_paused
from sheets_keepup.core.model import CellValue

Rows = list[list[CellValue]]
_EXACT_INTEGERS = 2**53


def open_values(data: bytes) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as error:  # calamine raises its own error types for a bad file
        raise DataError(f"not a readable .xlsx workbook ({error})") from error


def read_rows(book: CalamineWorkbook, title: str) -> Rows:
    """The tab's rows from A1, each without trailing empty cells, to the last value."""
    # Paused: a big tab is millions of new objects and no cycle among them.
    with gc_paused():
        sheet = book.get_sheet_by_name(title)
        raw = sheet.to_python(skip_empty_area=False)
        start = sheet.start or (0, 0)
        end = sheet.end
        # to_python pads from A1 when told not to skip; check, rather than shift every cell.
        if end is not None and raw and len(raw) != end[0] + 1:
            pad_rows, pad_cols = start
            raw = [[] for _ in range(pad_rows)] + [[""] * pad_cols + list(r) for r in raw]
        # The same list, refilled row by row with converted values (see below).
        rows: Rows = cast(Rows, raw)
        last = -1
        for number, line in enumerate(raw):
            # Non-empty text, the commonest cell, is kept as it is without a call.
            row = [v if type(v) is str and v else _value(v) for v in line]
            while row and row[-1] is None:
                row.pop()
            if row:
                last = number
            # In place: calamine's row is freed as soon as it is converted, so a big
            # tab is never held twice.
            rows[number] = row
        del rows[last + 1 :]
    return rows


def _value(value: object) -> CellValue:
    if value == "" or value is None:
        return None
    if isinstance(value, bool | str | dt.date):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            # Never a number the rules could use, and never written back as one.
            return str(value)
        if value.is_integer() and abs(value) < _EXACT_INTEGERS:
            return int(value)
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


class BackgroundReader:
    """`Tab.background`: the sheet's rows and the styles are parsed on the first call,
    and each row asked about once."""

    def __init__(self, part: Callable[[], SheetPart], styles: Callable[[], Styles]) -> None:
        self._part = part
        self._styles = styles
        self._rows: dict[int, RowAt] | None = None
        self._cols: dict[int, int] = {}
        self._cache: dict[int, dict[int, int]] = {}

    def __call__(self, row: int, col: int) -> str | None:
        return self._styles().background(self._style_of(row, col))

    def _style_of(self, row: int, col: int) -> int:
        sheet = self._part()
        if self._rows is None:
            self._rows = {r.number: r for r in sheet.rows()}
            self._cols = sheet.col_styles()
        if row not in self._cache:
            found = self._rows.get(row)
            self._cache[row] = {} if found is None else _row_styles(sheet, found)
        styles = self._cache[row]
        if col in styles:
            return styles[col]
        # A cell that is not there shows its row's format, else its column's.
        return styles.get(-1, self._cols.get(col, 0))


def _row_styles(sheet: SheetPart, row: RowAt) -> dict[int, int]:
    """Column -> cell format for one row; key -1 is the row's own format, if any."""
    wrapper = sheet.root_tag + sheet.row_bytes(row) + sheet.root_close
    element = etree.fromstring(wrapper)[0]
    found = {col: int(cell.get("s", "0")) for col, cell in cells_of(element, row.number).items()}
    if element.get("customFormat") in ("1", "true"):
        found[-1] = int(element.get("s", "0"))
    return found
