"""A1 references, ranges and sqref lists, as the parts of a workbook spell them."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from sheets_keepup.core.headers import cell_name, column_letter
from sheets_keepup.core.highlight import column_runs as half_open_runs
from sheets_keepup.core.model import Area

MAX_ROWS = 1_048_576
"""The last row of an xlsx sheet: column-wide formats and dropdowns reach down to it."""
MAX_COLS = 16_384
"""Columns A to XFD."""

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")
_COLUMN = re.compile(r"^\$?([A-Za-z]{1,3})$")
_ROW = re.compile(r"^\$?(\d+)$")

__all__ = ["MAX_COLS", "MAX_ROWS", "Box", "cell_name", "column_letter"]


@functools.cache
def column_index(letters: str) -> int:
    """A -> 0, Z -> 25, AA -> 26."""
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number - 1


def parse_cell(ref: str) -> tuple[int, int] | None:
    """'B3' or '$B$3' -> (2, 1), 0-based (row, col); None when it is not a cell."""
    match = _CELL.match(ref.strip())
    if not match:
        return None
    return int(match.group(2)) - 1, column_index(match.group(1))


@dataclass(frozen=True)
class Box:
    """Rows [top, bottom] and columns [left, right], 0-based and inclusive."""

    top: int
    left: int
    bottom: int
    right: int

    def covers(self, row: int, col: int) -> bool:
        return self.top <= row <= self.bottom and self.left <= col <= self.right

    def a1(self) -> str:
        start = cell_name(self.top, self.left)
        if (self.top, self.left) == (self.bottom, self.right):
            return start
        return f"{start}:{cell_name(self.bottom, self.right)}"


def parse_box(ref: str) -> Box | None:
    """'A1:D4', 'C5', 'R:T' (whole columns) or '2:3' (whole rows) as a Box."""
    first, _, last = ref.strip().partition(":")
    last = last or first
    cells = parse_cell(first), parse_cell(last)
    if cells[0] is not None and cells[1] is not None:
        (top, left), (bottom, right) = cells[0], cells[1]
        return Box(min(top, bottom), min(left, right), max(top, bottom), max(left, right))
    cols = _COLUMN.match(first), _COLUMN.match(last)
    if cols[0] and cols[1]:
        left, right = column_index(cols[0].group(1)), column_index(cols[1].group(1))
        return Box(0, min(left, right), MAX_ROWS - 1, max(left, right))
    rows = _ROW.match(first), _ROW.match(last)
    if rows[0] and rows[1]:
        top, bottom = int(rows[0].group(1)) - 1, int(rows[1].group(1)) - 1
        return Box(min(top, bottom), 0, max(top, bottom), MAX_COLS - 1)
    return None


def area_of(box: Box) -> Area:
    end_row = None if box.bottom >= MAX_ROWS - 1 else box.bottom + 1
    return Area(box.top, box.left, box.right + 1, end_row)


def box_of(area: Area) -> Box:
    bottom = MAX_ROWS - 1 if area.end_row is None else area.end_row - 1
    return Box(area.first_row, area.first_col, bottom, area.end_col - 1)


def sqref_of(areas: tuple[Area, ...]) -> str:
    """The space-separated range list a conditional format or validation applies to."""
    return " ".join(box_of(a).a1() for a in areas)


def areas_of(sqref: str) -> tuple[Area, ...] | None:
    """The areas of an sqref; None when a part of it is not a plain range."""
    boxes = [parse_box(part) for part in sqref.split()]
    if not boxes or any(b is None for b in boxes):
        return None
    return tuple(area_of(b) for b in boxes if b is not None)


def column_runs(cols: set[int] | frozenset[int]) -> list[tuple[int, int]]:
    """Consecutive columns as inclusive (first, last) runs, left to right."""
    return [(start, end - 1) for start, end in half_open_runs(cols)]
