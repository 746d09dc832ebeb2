"""Reading: pure functions that turn Google's JSON into tabs of cells."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import requests

from sheets_keepup.core.model import (
    CellValue,
    Tab,
)

if TYPE_CHECKING:
    pass


DATE_TYPES = ("DATE", "DATE_TIME")


_ERROR_TEXT = {
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "NULL_VALUE": "#NULL!",
    "LOADING": "#LOADING",
}


def quote_title(title: str) -> str:
    """A tab title as an A1 sheet name: quoted, inner quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def cell_value(cell: Mapping[str, Any]) -> CellValue:
    """A CellData's effective value; numbers formatted as dates become dates."""
    value = cell.get("effectiveValue")
    if not value:
        return None
    if "stringValue" in value:
        return str(value["stringValue"])
    if "numberValue" in value:
        number = value["numberValue"]
        kind = ((cell.get("effectiveFormat") or {}).get("numberFormat") or {}).get("type")
        if kind in DATE_TYPES and isinstance(number, int | float):
            try:
                moment = dt.datetime(1899, 12, 30) + dt.timedelta(days=float(number))
            except OverflowError:
                return number  # far outside any calendar: keep the number
            return moment.date() if kind == "DATE" else moment
        return number  # type: ignore[no-any-return]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "errorValue" in value:
        return _ERROR_TEXT.get(str(value["errorValue"].get("type")), "#ERROR!")
    return None


def hex_colour(colour: Mapping[str, Any] | None) -> str | None:
    """Google's Color as '#RRGGBB'. Zero channels are omitted, so `{}` is black."""
    if colour is None:
        return None

    def channel(name: str) -> int:
        return max(0, min(255, round(float(colour.get(name, 0)) * 255)))

    return f"#{channel('red'):02X}{channel('green'):02X}{channel('blue'):02X}"


class ReadCell(NamedTuple):
    """One cell of a grid read: its value and background colour ('#RRGGBB' or None)."""

    value: CellValue
    colour: str | None


_CELL_KEYS = frozenset({"effectiveValue", "effectiveFormat", "userEnteredFormat"})


def read_cell(cell: Mapping[str, Any]) -> ReadCell:
    """A CellData of READ_FIELDS as its value and colour."""
    fmt = cell.get("userEnteredFormat")
    colour = hex_colour(fmt["backgroundColor"]) or "" if fmt and "backgroundColor" in fmt else None
    return ReadCell(cell_value(cell), colour)


def compact_cells(obj: dict[str, Any]) -> Any:
    """json object_hook: each CellData becomes a ReadCell as soon as it is decoded.

    A grid read holds a few nested dicts per cell (about 1 kB each); converting them as
    the JSON is parsed keeps only the small ReadCells, so a big read never holds them all.
    Under READ_FIELDS only a CellData has keys among _CELL_KEYS.
    """
    if obj and obj.keys() <= _CELL_KEYS:
        return read_cell(obj)
    return obj


def decode_grid_read(response: requests.Response) -> Json:
    """The JSON of a grid read, its cells already ReadCells."""
    try:
        data: Json = json.loads(response.content, object_hook=compact_cells)
    except json.JSONDecodeError as error:
        # What Response.json() raises, so a garbled answer is handled as before.
        raise requests.exceptions.JSONDecodeError(error.msg, error.doc, error.pos) from None
    return data


@dataclass
class Grid:
    """The cells of one or more GridData blocks of a tab, by absolute (row, col)."""

    rows: list[list[CellValue]] = field(default_factory=list)
    colours: dict[tuple[int, int], str] = field(default_factory=dict)

    def add(self, data: Mapping[str, Any], colours: bool = True) -> None:
        """Merge one GridData (offsets, then rows of cells) into the grid."""
        top = int(data.get("startRow", 0))
        left = int(data.get("startColumn", 0))
        for offset, row_data in enumerate(data.get("rowData") or ()):
            cells = row_data.get("values")
            if not cells:
                continue
            row = top + offset
            while len(self.rows) <= row:
                self.rows.append([])
            line = self.rows[row]
            if len(line) < left + len(cells):
                line.extend([None] * (left + len(cells) - len(line)))
            for col, cell in enumerate(cells, start=left):
                if not cell:
                    continue
                value, colour = cell if isinstance(cell, ReadCell) else read_cell(cell)
                line[col] = value
                if colours and colour is not None:
                    self.colours[(row, col)] = colour
        for line in self.rows:
            while line and line[-1] is None:
                line.pop()

    def tab(self, title: str) -> Tab:
        colours = self.colours

        def background(row: int, col: int) -> str | None:
            return colours.get((row, col))

        return Tab(title, self.rows, background=background)


@dataclass(frozen=True)
class SheetInfo:
    """What a write needs to know of a tab: its id and grid size."""

    sheet_id: int
    title: str
    rows: int
    cols: int

    @classmethod
    def of(cls, sheet: Mapping[str, Any]) -> SheetInfo:
        props = sheet.get("properties") or {}
        grid = props.get("gridProperties") or {}
        return cls(
            int(props.get("sheetId", 0)),
            str(props.get("title", "")),
            int(grid.get("rowCount", 0)),
            int(grid.get("columnCount", 0)),
        )


def find_sheet(sheets: Mapping[str, SheetInfo], title: str) -> SheetInfo | None:
    """A tab by title; Sheets itself matches titles in ranges case-insensitively."""
    if title in sheets:
        return sheets[title]
    folded = {name.casefold(): info for name, info in sheets.items()}
    return folded.get(title.casefold())


Json = dict[str, Any]
