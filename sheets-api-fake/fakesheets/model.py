"""The in-memory spreadsheet model: sheets, sparse cells, and how cells render."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import marshal
import math
import struct
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from .a1 import Bounds, RangeError, format_range, parse_cells, split_sheet
from .values import (
    ERROR_TEXT,
    JsonDict,
    evaluate_formula,
    format_number,
    json_copy,
    json_number,
)

_T = TypeVar("_T")

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
DEFAULT_ROW_PX = 21
DEFAULT_COL_PX = 100
# Fields a client may store on a cell; effective/formatted values are derived on read.
STORED_CELL_FIELDS = (
    "userEnteredValue",
    "userEnteredFormat",
    "note",
    "dataValidation",
    "hyperlink",
    "textFormatRuns",
    "pivotTable",
    "dataSourceTable",
    "dataSourceFormula",
    "chipRuns",
)
DATE_TYPES = ("DATE", "TIME", "DATE_TIME")


def default_spreadsheet_properties(title: str, locale: str, time_zone: str) -> JsonDict:
    """The properties Google gives a new spreadsheet (as seen in real responses)."""
    black: JsonDict = {}
    white = {"red": 1, "green": 1, "blue": 1}
    return {
        "title": title,
        "locale": locale,
        "autoRecalc": "ON_CHANGE",
        "timeZone": time_zone,
        "defaultFormat": {
            "backgroundColor": dict(white),
            "padding": {"top": 2, "right": 3, "bottom": 2, "left": 3},
            "verticalAlignment": "BOTTOM",
            "wrapStrategy": "OVERFLOW_CELL",
            "textFormat": {
                "foregroundColor": dict(black),
                "fontFamily": "arial,sans,sans-serif",
                "fontSize": 10,
                "bold": False,
                "italic": False,
                "strikethrough": False,
                "underline": False,
                "foregroundColorStyle": {"rgbColor": dict(black)},
            },
            "backgroundColorStyle": {"rgbColor": dict(white)},
        },
    }


@functools.lru_cache(maxsize=4096)
def color_channel(value: float) -> int | float:
    """A colour channel as Google stores it: 8 bits per channel, printed as the shortest
    float32 form.

    The fraction of a step is dropped (a written 0.5 is 127.5 steps and reads back as
    127/255 = 0.49803922, as recorded), but a value within a thousandth of a step below
    a whole step counts as that step: a channel read back and stored again must keep
    its byte, and 105/255 prints as 0.4117647, i.e. 104.99999 steps.
    """
    steps = min(max(value, 0.0), 1.0) * 255
    return float32(math.floor(steps + 1e-3) / 255)


def _deep_copy(value: _T) -> _T:
    """A deep copy of JSON data keyed by tuples, made in C: marshal format 2 has no
    back-references, so no two cells of the copy share an object (handlers edit cells in
    place), and a 50,000-row sheet copies several times faster than with ``json_copy``."""
    # Hundreds of thousands of new dicts would set off the cyclic garbage collector
    # again and again over the whole heap; none of them can form a cycle.
    enabled = gc.isenabled()
    gc.disable()
    try:
        copied: _T = marshal.loads(marshal.dumps(cast(Any, value), 2))
    finally:
        if enabled:
            gc.enable()
    return copied


@functools.lru_cache(maxsize=65536)
def float32(value: float) -> int | float:
    """Google prints floats stored as float32 in their shortest round-trip form.

    Cached: a large sheet's formats repeat a handful of values hundreds of thousands of
    times (the answer for ``1`` and ``1.0`` is the same, so sharing their entry is fine)."""
    packed = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        text = f"{packed:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == packed:
            return json_number(float(text))
    return json_number(packed)


def normalize_color(color: Any) -> Any:
    """Google drops zero channels (and an alpha of 1): black reads back as ``{}``."""
    if not isinstance(color, dict):
        return color
    out: JsonDict = {}
    for key, value in color.items():
        if value is None or (key in ("red", "green", "blue") and value == 0):
            continue
        if key == "alpha" and value == 1:
            continue
        if key in ("red", "green", "blue"):
            channel = color_channel(float(value))
            if channel:  # a channel under half a step is stored as 0, so dropped too
                out[key] = channel
        else:
            out[key] = float32(value) if isinstance(value, int | float) else value
    return out


def normalize_sheet_properties(props: JsonDict, touched: set[str]) -> JsonDict:
    """SheetProperties as Google stores them: proto3 defaults (false, 0) vanish and the
    ``tabColor``/``tabColorStyle`` twins follow whichever one was written."""
    out = json_copy(props)
    if "tabColorStyle" in touched and "tabColor" not in touched:
        out.pop("tabColor", None)
    if "tabColor" in touched and "tabColorStyle" not in touched:
        out.pop("tabColorStyle", None)
    _pair_color(out, "tabColor", "tabColorStyle")
    for key in ("tabColorStyle",):
        if out.get(key) in ({}, {"rgbColor": {}}) and "tabColor" not in out:
            out.pop(key, None)
    for key in ("hidden", "rightToLeft"):
        if out.get(key) is False:
            del out[key]
    grid = out.get("gridProperties")
    if isinstance(grid, dict):
        for key in [
            k for k, v in grid.items() if k not in ("rowCount", "columnCount") and v in (0, False)
        ]:
            del grid[key]
    return out


def normalize_format(fmt: JsonDict) -> JsonDict:
    """Canonical CellFormat: colours trimmed, ``*Style`` twins filled in like Google does."""
    out = json_copy(fmt)
    _pair_color(out, "backgroundColor", "backgroundColorStyle")
    text = out.get("textFormat")
    if isinstance(text, dict):
        _pair_color(text, "foregroundColor", "foregroundColorStyle")
    for side in ("top", "bottom", "left", "right"):
        border = (out.get("borders") or {}).get(side)
        if isinstance(border, dict):
            _pair_color(border, "color", "colorStyle")
    return out


def _pair_color(holder: JsonDict, plain: str, style: str) -> None:
    """Keep ``backgroundColor`` and ``backgroundColorStyle.rgbColor`` in step."""
    if isinstance(holder.get(style), dict) and holder[style].get("rgbColor", 0) is None:
        holder.pop(style)
    if holder.get(plain, 0) is None:
        holder.pop(plain)
    if plain in holder:
        holder[plain] = normalize_color(holder[plain])
        if style not in holder:
            holder[style] = {"rgbColor": dict(holder[plain])}
    elif isinstance(holder.get(style), dict) and "rgbColor" in holder[style]:
        holder[plain] = normalize_color(holder[style]["rgbColor"])
    if isinstance(holder.get(style), dict) and "rgbColor" in holder[style]:
        holder[style]["rgbColor"] = normalize_color(holder[style]["rgbColor"])


def deep_merge(base: JsonDict, top: JsonDict) -> JsonDict:
    """``top`` over ``base``, recursing into nested objects."""
    out = json_copy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = json_copy(value)
    return out


@dataclass
class Grid:
    """Closed, zero-based, end-exclusive cell rectangle on one sheet."""

    sheet: Sheet
    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def a1(self) -> str:
        """Google's rendering, e.g. ``Sheet1!A1:Z1000``."""
        return format_range(
            self.sheet.title, self.start_row, self.end_row, self.start_col, self.end_col
        )

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        return self.end_col - self.start_col


@dataclass
class Sheet:
    """One tab: properties as Google's SheetProperties JSON plus sparse cells."""

    properties: JsonDict
    cells: dict[tuple[int, int], JsonDict] = field(default_factory=dict)
    row_meta: dict[int, JsonDict] = field(default_factory=dict)
    col_meta: dict[int, JsonDict] = field(default_factory=dict)
    extras: JsonDict = field(default_factory=dict)

    @property
    def sheet_id(self) -> int:
        return int(self.properties.get("sheetId", 0))

    @property
    def title(self) -> str:
        return str(self.properties.get("title", ""))

    @property
    def row_count(self) -> int:
        return int(self.properties.get("gridProperties", {}).get("rowCount", 0))

    @property
    def col_count(self) -> int:
        return int(self.properties.get("gridProperties", {}).get("columnCount", 0))

    def clone(self) -> Sheet:
        """An independent copy of this sheet."""
        return Sheet(
            json_copy(self.properties),
            _deep_copy(self.cells),
            _deep_copy(self.row_meta),
            _deep_copy(self.col_meta),
            json_copy(self.extras),
        )

    def set_grid_size(self, rows: int, cols: int) -> None:
        """Resize; cells that fall outside the new grid are dropped, as in Sheets."""
        grid = self.properties.setdefault("gridProperties", {})
        grid["rowCount"], grid["columnCount"] = rows, cols
        self.cells = {k: v for k, v in self.cells.items() if k[0] < rows and k[1] < cols}
        self.row_meta = {k: v for k, v in self.row_meta.items() if k < rows}
        self.col_meta = {k: v for k, v in self.col_meta.items() if k < cols}

    def data_extent(self) -> tuple[int, int]:
        """(rows, cols) up to the last cell holding a value."""
        rows = cols = 0
        for (r, c), cell in self.cells.items():
            if "userEnteredValue" in cell:
                rows, cols = max(rows, r + 1), max(cols, c + 1)
        return rows, cols

    def grid(self, bounds: Bounds) -> Grid:
        """Close open-ended bounds against this sheet's grid."""
        return Grid(
            self,
            bounds.start_row or 0,
            self.row_count if bounds.end_row is None else bounds.end_row,
            bounds.start_col or 0,
            self.col_count if bounds.end_col is None else bounds.end_col,
        )

    def whole(self) -> Grid:
        return Grid(self, 0, self.row_count, 0, self.col_count)


@dataclass
class Spreadsheet:
    """A spreadsheet: Google's SpreadsheetProperties JSON plus its sheets."""

    spreadsheet_id: str
    properties: JsonDict
    sheets: list[Sheet] = field(default_factory=list)
    created_time: str = field(default_factory=lambda: _now())
    modified_time: str = field(default_factory=lambda: _now())
    extras: JsonDict = field(default_factory=dict)
    # Ids handed to the next addSheet requests that name none (tests pin Google's ids).
    reserved_sheet_ids: list[int] = field(default_factory=list)
    reserved_named_range_ids: list[str] = field(default_factory=list)
    # How many developer metadata ids were handed out (ids are never reused).
    metadata_serial: int = 0

    @property
    def title(self) -> str:
        return str(self.properties.get("title", ""))

    @property
    def locale(self) -> str:
        return str(self.properties.get("locale", "en_US"))

    def clone(self) -> Spreadsheet:
        """An independent copy (drafts for atomic writes are made with this)."""
        return Spreadsheet(
            self.spreadsheet_id,
            json_copy(self.properties),
            [sheet.clone() for sheet in self.sheets],
            self.created_time,
            self.modified_time,
            json_copy(self.extras),
            list(self.reserved_sheet_ids),
            list(self.reserved_named_range_ids),
            self.metadata_serial,
        )

    def touch(self) -> None:
        """Record a modification time (Drive's ``modifiedTime``)."""
        self.modified_time = _now()

    def sheet_by_title(self, title: str) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        # Sheets matches tab titles case-insensitively in ranges.
        for sheet in self.sheets:
            if sheet.title.lower() == title.lower():
                return sheet
        return None

    def sheet_by_id(self, sheet_id: int) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def reindex(self) -> None:
        """Keep ``index`` properties equal to list positions."""
        self.sheets.sort(key=lambda s: int(s.properties.get("index", 0)))
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def named_grid(self, name: str) -> Grid | None:
        """The grid of a named range (names match case-insensitively), if there is one."""
        for named in self.extras.get("namedRanges", []):
            if str(named.get("name", "")).lower() == name.lower():
                rng = named.get("range", {})
                sheet = self.sheet_by_id(int(rng.get("sheetId", 0)))
                if sheet is None:
                    return None
                return Grid(
                    sheet,
                    int(rng.get("startRowIndex", 0)),
                    int(rng.get("endRowIndex", sheet.row_count)),
                    int(rng.get("startColumnIndex", 0)),
                    int(rng.get("endColumnIndex", sheet.col_count)),
                )
        return None

    def resolve(self, text: str) -> Grid:
        """Resolve an A1 range string (``'My tab'!A1:C``, ``Sheet1``, ``A1:B2``) or a
        named range (``People``, ``Sheet1!People``)."""
        title, cells = split_sheet(text)
        if title is None and cells is not None:
            tab = self.sheet_by_title(cells)  # a bare sheet title wins over a range name
            if tab is not None:
                return tab.whole()
        named = self.named_grid(cells) if cells is not None else None
        if named is not None and (title is None or named.sheet.title.lower() == title.lower()):
            return named
        if title is not None:
            sheet = self.sheet_by_title(title)
            if sheet is None:
                raise RangeError(text)
        else:
            visible = [s for s in self.sheets if not s.properties.get("hidden")]
            sheet = (visible or self.sheets)[0]
        if cells is None:
            return sheet.whole()
        return sheet.grid(parse_cells(cells))

    def render_cell(
        self, sheet: Sheet, row: int, col: int, wanted: Collection[str] | None = None
    ) -> JsonDict:
        """CellData as Google returns it, with effective and formatted values derived.

        ``wanted`` limits the work to those top-level fields (a field mask will drop the
        rest anyway); deriving ``effectiveFormat`` for every cell of a big sheet is slow.
        """
        stored = sheet.cells.get((row, col))
        if not stored:
            return {}

        def want(key: str) -> bool:
            return wanted is None or key in wanted

        out: JsonDict = {}
        entered = stored.get("userEnteredValue")
        fmt = stored.get("userEnteredFormat")
        if entered is not None:
            if want("userEnteredValue"):
                out["userEnteredValue"] = json_copy(entered)
            if want("effectiveValue") or want("formattedValue"):
                effective = self.effective_value(sheet, row, col)
                out["effectiveValue"] = effective
                out["formattedValue"] = formatted_value(effective, fmt)
        if fmt and want("userEnteredFormat"):
            out["userEnteredFormat"] = json_copy(fmt)
        if (entered is not None or fmt) and want("effectiveFormat"):
            out["effectiveFormat"] = deep_merge(self.properties.get("defaultFormat", {}), fmt or {})
        for key in STORED_CELL_FIELDS[2:]:
            if key in stored and want(key):
                out[key] = json_copy(stored[key])
        return out

    def effective_value(self, sheet: Sheet, row: int, col: int, depth: int = 0) -> JsonDict:
        """ExtendedValue after evaluation (formulas computed, everything else as entered)."""
        entered = (sheet.cells.get((row, col)) or {}).get("userEnteredValue")
        if entered is None:
            return {}
        if "formulaValue" not in entered:
            return json_copy(entered)
        if depth > 50:  # a reference cycle: Sheets reports #REF!
            return {"errorValue": {"type": "REF", "message": "Circular dependency detected."}}

        def lookup(r: int, c: int) -> JsonDict | None:
            if (r, c) not in sheet.cells:
                return None
            return self.effective_value(sheet, r, c, depth + 1)

        return evaluate_formula(str(entered["formulaValue"]), lookup)


def formatted_value(effective: JsonDict, fmt: JsonDict | None) -> str:
    """The display string of an effective value under a cell format."""
    number_format = (fmt or {}).get("numberFormat")
    if "numberValue" in effective:
        return format_number(float(effective["numberValue"]), number_format)
    if "boolValue" in effective:
        return "TRUE" if effective["boolValue"] else "FALSE"
    if "errorValue" in effective:
        return ERROR_TEXT.get(str(effective["errorValue"].get("type")), "#ERROR!")
    if "stringValue" in effective:
        return str(effective["stringValue"])
    return ""


def is_date_format(fmt: JsonDict | None) -> bool:
    """True when a cell's numberFormat makes its number a date or time."""
    return str(((fmt or {}).get("numberFormat") or {}).get("type", "")) in DATE_TYPES


def render_value(
    book: Spreadsheet, sheet: Sheet, row: int, col: int, value_render: str, date_render: str
) -> Any:
    """One cell as the values API renders it; ``""`` for an empty cell."""
    stored = sheet.cells.get((row, col))
    if not stored or "userEnteredValue" not in stored:
        return ""
    entered = stored["userEnteredValue"]
    fmt = stored.get("userEnteredFormat")
    if value_render == "FORMULA" and "formulaValue" in entered:
        return entered["formulaValue"]
    effective = book.effective_value(sheet, row, col)
    if value_render == "FORMATTED_VALUE":
        return formatted_value(effective, fmt)
    if "numberValue" in effective:
        if date_render == "FORMATTED_STRING" and is_date_format(fmt):
            return formatted_value(effective, fmt)
        return json_number(float(effective["numberValue"]))
    if "boolValue" in effective:
        return bool(effective["boolValue"])
    if "errorValue" in effective:
        return formatted_value(effective, fmt)
    return str(effective.get("stringValue", ""))


def _now() -> str:
    """RFC 3339 timestamp with milliseconds, like Drive's."""
    stamp = dt.datetime.now(dt.UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


__all__ = [
    "DEFAULT_COLS",
    "DEFAULT_COL_PX",
    "DEFAULT_ROWS",
    "DEFAULT_ROW_PX",
    "Grid",
    "Sheet",
    "Spreadsheet",
    "deep_merge",
    "default_spreadsheet_properties",
    "formatted_value",
    "normalize_format",
    "render_value",
]
