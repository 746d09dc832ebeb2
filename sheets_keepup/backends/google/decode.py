"""Reading: pure functions that turn Google's JSON into tabs of cells."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import requests

from sheets_keepup.backends.google.anchors import ROW_KEY, Anchor, is_anchor_value
from sheets_keepup.core.gcpause import gc_paused
from sheets_keepup.core.model import (
    HIGHLIGHT_MARK,
    Area,
    CellValue,
    Highlight,
    Rule,
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
        # Paused: decoding builds a few objects per cell, which would set the collector
        # walking every object alive again and again.
        with gc_paused():
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

    def tab(
        self,
        title: str,
        highlight: Highlight | None = None,
        owned_columns: frozenset[int] = frozenset(),
    ) -> Tab:
        colours = self.colours

        def background(row: int, col: int) -> str | None:
            return colours.get((row, col))

        return Tab(
            title,
            self.rows,
            background=background,
            highlight=highlight,
            owned_columns=owned_columns,
        )


OWNED_KEY = "keepup.owned"
"""The developer metadata key that marks a tab or a column as created by the tool."""


def is_marked(entity: Mapping[str, Any]) -> bool:
    """Does a sheet or dimension carry the tool's mark among its developer metadata?"""
    return any(m.get("metadataKey") == OWNED_KEY for m in entity.get("developerMetadata") or ())


def marked_columns(sheet: Mapping[str, Any]) -> frozenset[int]:
    """Columns whose columnMetadata carries the tool's mark."""
    found: set[int] = set()
    for block in sheet.get("data") or ():
        left = int(block.get("startColumn", 0))
        for offset, column in enumerate(block.get("columnMetadata") or ()):
            if is_marked(column):
                found.add(left + offset)
    return frozenset(found)


@dataclass(frozen=True)
class OwnRules:
    """The tool's conditional formats on a tab, and where they sit in its rule list."""

    highlight: Highlight | None
    indices: tuple[int, ...]


def own_rules(sheet: Mapping[str, Any], row_count: int) -> OwnRules:
    """The rules whose formula carries HIGHLIGHT_MARK, as a Highlight, in list order.

    An area reaching the grid's last row (or with no end) reads as reaching the end of
    the sheet, which is how the tool writes it.
    """
    rules: list[Rule] = []
    indices: list[int] = []
    areas: set[tuple[Area, ...]] = set()
    for index, rule in enumerate(sheet.get("conditionalFormats") or ()):
        boolean = rule.get("booleanRule") or {}
        values = (boolean.get("condition") or {}).get("values") or ()
        formula = str(values[0].get("userEnteredValue", "")) if values else ""
        if not formula.startswith("=" + HIGHLIGHT_MARK):
            continue
        fmt = boolean.get("format") or {}
        bold = bool((fmt.get("textFormat") or {}).get("bold"))
        rules.append(Rule(formula, hex_colour(fmt.get("backgroundColor")), bold))
        indices.append(index)
        areas.add(tuple(_area(r, row_count) for r in rule.get("ranges") or ()))
    if not rules:
        return OwnRules(None, ())
    shared = next(iter(areas)) if len(areas) == 1 else ()
    return OwnRules(Highlight(shared, tuple(rules)), tuple(indices))


def _area(grid: Mapping[str, Any], row_count: int) -> Area:
    end_row = grid.get("endRowIndex")
    return Area(
        first_row=int(grid.get("startRowIndex", 0)),
        first_col=int(grid.get("startColumnIndex", 0)),
        end_col=int(grid.get("endColumnIndex", 0)),
        end_row=None if end_row is None or int(end_row) >= row_count else int(end_row),
    )


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


S = TypeVar("S")


def find_sheet(sheets: Mapping[str, S], title: str) -> S | None:
    """A tab by title; Sheets itself matches titles in ranges case-insensitively."""
    if title in sheets:
        return sheets[title]
    folded = {name.casefold(): info for name, info in sheets.items()}
    return folded.get(title.casefold())


Json = dict[str, Any]


def anchors_of(sheet: Mapping[str, Any]) -> tuple[Anchor, ...]:
    """The row anchors of a sheet, each with the row it sits on now."""
    found: list[Anchor] = []
    for block in sheet.get("data") or ():
        top = int(block.get("startRow", 0))
        for offset, row in enumerate(block.get("rowMetadata") or ()):
            for meta in row.get("developerMetadata") or ():
                value = str(meta.get("metadataValue", ""))
                key = meta.get("metadataKey", ROW_KEY)
                if key == ROW_KEY and is_anchor_value(value):
                    ident = int(meta.get("metadataId", 0))
                    found.append(Anchor(value, top + offset, ident))
    return tuple(found)


@dataclass(frozen=True)
class SheetMeta:
    """Everything the metadata read says of one tab, besides its values."""

    info: SheetInfo
    owned: bool
    columns: frozenset[int]
    rules: OwnRules
    anchors: tuple[Anchor, ...]
    rule_count: int = 0

    @classmethod
    def of(cls, sheet: Mapping[str, Any]) -> SheetMeta:
        info = SheetInfo.of(sheet)
        return cls(
            info=info,
            owned=is_marked(sheet),
            columns=marked_columns(sheet),
            rules=own_rules(sheet, info.rows),
            anchors=anchors_of(sheet),
            rule_count=len(sheet.get("conditionalFormats") or ()),
        )


def column_rows(value_range: Mapping[str, Any]) -> list[list[CellValue]]:
    """A ValueRange read with majorDimension COLUMNS, as ragged rows from A1.

    UNFORMATTED_VALUE gives numbers, booleans and text; an empty cell inside the range
    comes as "" and is None here, as in every other read. The columns are turned into
    rows by `zip_longest` (in C), with the garbage collector paused: at 100,000 rows
    this builds millions of objects and no cycle among them.
    """
    columns = value_range.get("values") or []
    with gc_paused():
        cleaned = [[None if v == "" else v for v in column] for column in columns]
        rows = [list(line) for line in zip_longest(*cleaned)]
        for line in rows:
            # Trailing empty cells are dropped, as a row-major read drops them.
            while line and line[-1] is None:
                line.pop()
    return rows
