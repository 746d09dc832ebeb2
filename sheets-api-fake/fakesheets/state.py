"""Thread-safe store of fake spreadsheets, with helpers for tests to seed and inspect."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from . import condformat, devmeta
from .a1 import col_to_index, quote_title
from .batch import apply_batch
from .discovery import BATCH_UPDATE, Validator
from .errors import ApiError, bad_request
from .fieldmask import Mask, apply_mask, parse_mask
from .model import (
    DEFAULT_COL_PX,
    DEFAULT_COLS,
    DEFAULT_ROW_PX,
    DEFAULT_ROWS,
    Grid,
    Sheet,
    Spreadsheet,
    default_spreadsheet_properties,
    render_value,
)
from .valueops import python_to_cell, resolve, write_values
from .values import JsonDict, json_copy

Rows = Sequence[Sequence[Any]]


class FakeSheetsState:
    """All spreadsheets the fake serves. Every access goes through one re-entrant lock.

    Creating one loads Google's discovery document (see :mod:`fakesheets.discovery`) and
    raises :class:`~fakesheets.discovery.DiscoveryDocumentError` when it cannot: every
    batchUpdate, over HTTP or through :meth:`apply`, is validated against it.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.validator = Validator.load()

    # --- seeding ------------------------------------------------------------------------

    def create_spreadsheet(
        self,
        sheets: Mapping[str, Rows] | None = None,
        *,
        title: str = "Fake spreadsheet",
        spreadsheet_id: str | None = None,
        locale: str = "en_US",
        time_zone: str = "Etc/GMT",
        rows: int = DEFAULT_ROWS,
        cols: int = DEFAULT_COLS,
        frozen_rows: int = 0,
    ) -> str:
        """Create a spreadsheet from ``{"Contacts": [[...], ...]}`` and return its id.

        Cell values may be str, int, float, bool, None, ``datetime.date`` (stored as a
        serial number with a ``yyyy-mm-dd`` DATE format) or a raw CellData dict. The grid
        is at least ``rows`` x ``cols`` and grows to fit the data.
        """
        book_id = spreadsheet_id or uuid.uuid4().hex
        props = default_spreadsheet_properties(title, locale, time_zone)
        book = Spreadsheet(book_id, props)
        for index, (name, data) in enumerate((sheets or {"Sheet1": []}).items()):
            sheet = new_sheet(index, index, name, rows, cols, frozen_rows)
            fill(sheet, data)
            book.sheets.append(sheet)
        with self.lock:
            if book_id in self.spreadsheets:
                raise ValueError(f"spreadsheet {book_id} already exists")
            self.spreadsheets[book_id] = book
        return book_id

    def add_spreadsheet(self, book: Spreadsheet) -> None:
        """Register a ready-made spreadsheet (used to mirror recorded metadata)."""
        with self.lock:
            self.spreadsheets[book.spreadsheet_id] = book

    @contextmanager
    def edit(self, spreadsheet_id: str) -> Iterator[Spreadsheet]:
        """Hold the lock and yield the live spreadsheet, e.g. to move rows mid-test."""
        with self.lock:
            book = self.spreadsheets[spreadsheet_id]
            yield book
            book.touch()

    # --- edits a user might make between a sync's read and its write ----------------

    def apply(self, spreadsheet_id: str, *requests: JsonDict) -> list[JsonDict]:
        """Run batchUpdate sub-requests directly (no HTTP, not logged), atomically.

        The requests are validated as the HTTP ``batchUpdate`` validates them; an invalid
        one raises :class:`~fakesheets.errors.ApiError` and changes nothing.
        """
        self.validator.check_body(BATCH_UPDATE, {"requests": list(requests)})
        with self.lock:
            draft = self.get(spreadsheet_id).clone()
            replies = apply_batch(draft, list(requests), self.validator)
            draft.touch()
            self.spreadsheets[spreadsheet_id] = draft
            return replies

    def insert_rows(
        self, spreadsheet_id: str, title: str, before_row: int, rows: Rows = ()
    ) -> None:
        """Insert ``len(rows)`` rows (at least one) above 1-based ``before_row``, filled
        with ``rows`` as if typed by a user."""
        count = max(len(rows), 1)
        sheet_id = self._sheet_id(spreadsheet_id, title)
        dimension = {"sheetId": sheet_id, "dimension": "ROWS"}
        span = {"startIndex": before_row - 1, "endIndex": before_row - 1 + count}
        self.apply(spreadsheet_id, {"insertDimension": {"range": dimension | span}})
        if rows:
            self.set_values(spreadsheet_id, f"{quote_title(title)}!A{before_row}", rows)

    def delete_rows(self, spreadsheet_id: str, title: str, first_row: int, count: int = 1) -> None:
        """Delete ``count`` rows starting at 1-based ``first_row``."""
        dimension = {"sheetId": self._sheet_id(spreadsheet_id, title), "dimension": "ROWS"}
        span = {"startIndex": first_row - 1, "endIndex": first_row - 1 + count}
        self.apply(spreadsheet_id, {"deleteDimension": {"range": dimension | span}})

    def set_values(
        self, spreadsheet_id: str, range_: str, rows: Rows, user_entered: bool = True
    ) -> None:
        """Write values as a user typing them would (or RAW), anchored at ``range_``."""
        with self.lock:
            book = self.get(spreadsheet_id)
            option = "USER_ENTERED" if user_entered else "RAW"
            write_values(book, range_, {"values": [list(r) for r in rows]}, option)
            book.touch()

    def _sheet_id(self, spreadsheet_id: str, title: str) -> int:
        with self.lock:
            sheet = self.get(spreadsheet_id).sheet_by_title(title)
        if sheet is None:
            raise KeyError(title)
        return sheet.sheet_id

    # --- inspection ---------------------------------------------------------------------

    def get(self, spreadsheet_id: str) -> Spreadsheet:
        """The live spreadsheet; raises 404 ApiError when unknown."""
        with self.lock:
            book = self.spreadsheets.get(spreadsheet_id)
        if book is None:
            raise ApiError(404)
        return book

    def values(
        self,
        spreadsheet_id: str,
        range_: str,
        render: str = "FORMATTED_VALUE",
        date_render: str = "SERIAL_NUMBER",
    ) -> list[list[Any]]:
        """A range's values as a rectangle, clipped to the sheet's data (its last row and
        column holding a value) so that ``"Contacts"`` does not yield 1000 x 26 cells.
        Unlike the API, inner and trailing empty cells stay as ``""``."""
        with self.lock:
            book = self.get(spreadsheet_id)
            grid = resolve(book, range_)
            width = min(grid.end_col, max(grid.sheet.data_extent()[1], grid.start_col))
            height = min(grid.end_row, max(grid.sheet.data_extent()[0], grid.start_row))
            return [
                [
                    render_value(book, grid.sheet, r, c, render, date_render)
                    for c in range(grid.start_col, width)
                ]
                for r in range(grid.start_row, height)
            ]

    def cell(self, spreadsheet_id: str, a1: str) -> JsonDict:
        """Full CellData of one cell as Google would return it (``{}`` when empty)."""
        with self.lock:
            book = self.get(spreadsheet_id)
            grid = resolve(book, a1)
            return book.render_cell(grid.sheet, grid.start_row, grid.start_col)

    def background(self, spreadsheet_id: str, a1: str) -> JsonDict | None:
        """The cell's ``userEnteredFormat.backgroundColor`` (None when unset)."""
        fmt = self.cell(spreadsheet_id, a1).get("userEnteredFormat") or {}
        color = fmt.get("backgroundColor")
        return json_copy(color) if color is not None else None

    def formats(self, spreadsheet_id: str, range_: str) -> list[list[JsonDict]]:
        """``userEnteredFormat`` of every cell in a (bounded) range, ``{}`` where unset."""
        with self.lock:
            book = self.get(spreadsheet_id)
            grid = resolve(book, range_)
            return [
                [
                    json_copy((grid.sheet.cells.get((r, c)) or {}).get("userEnteredFormat", {}))
                    for c in range(grid.start_col, grid.end_col)
                ]
                for r in range(grid.start_row, grid.end_row)
            ]

    def backgrounds(self, spreadsheet_id: str, range_: str) -> list[list[JsonDict | None]]:
        """Background colour of every cell in a (bounded) range, ``None`` where unset."""
        return [
            [fmt.get("backgroundColor") for fmt in row]
            for row in self.formats(spreadsheet_id, range_)
        ]

    def sheet_properties(self, spreadsheet_id: str, title: str) -> JsonDict:
        """SheetProperties JSON of a tab."""
        with self.lock:
            sheet = self.get(spreadsheet_id).sheet_by_title(title)
            if sheet is None:
                raise KeyError(title)
            return json_copy(sheet.properties)

    def shown_format(
        self, spreadsheet_id: str, sheet_title: str, row: int, col: int | str, today: dt.date
    ) -> JsonDict:
        """What a cell would show once conditional formats apply: the first matching
        rule's format over the cell's own (``row`` 1-based, ``col`` 1-based or letters).

        Returns ``backgroundColor``, ``foregroundColor`` (colours as Google stores them),
        ``bold``, ``italic``, ``strikethrough`` and ``rule`` (the index of the rule that
        applied, or None). Only a formula subset is evaluated (``=$T2="x"``, ``AND``,
        ``OR``, ``N``, ``LEFT``, ``ISNUMBER``, ``TODAY()`` with the given ``today``...);
        anything else raises :class:`fakesheets.condformat.UnsupportedFormula`.
        """
        column = col_to_index(col) if isinstance(col, str) else col - 1
        with self.lock:
            book = self.get(spreadsheet_id)
            sheet = book.sheet_by_title(sheet_title)
            if sheet is None:
                raise KeyError(sheet_title)
            return condformat.shown_format(book, sheet, row - 1, column, today)

    def conditional_formats(self, spreadsheet_id: str, title: str) -> list[JsonDict]:
        """The ConditionalFormatRules of a tab, in order, as ``spreadsheets.get`` shows them."""
        with self.lock:
            sheet = self.get(spreadsheet_id).sheet_by_title(title)
            if sheet is None:
                raise KeyError(title)
            return json_copy(condformat.rules_of(sheet))

    def developer_metadata(self, spreadsheet_id: str) -> list[JsonDict]:
        """Every DeveloperMetadata of a spreadsheet, locations as they are now."""
        with self.lock:
            return [found.full() for found in devmeta.everything(self.get(spreadsheet_id))]

    # --- API views ----------------------------------------------------------------------

    def metadata(self, spreadsheet_id: str, query: Mapping[str, list[str]]) -> JsonDict:
        """``spreadsheets.get`` response for the given query parameters."""
        book = self.get(spreadsheet_id)
        include = (query.get("includeGridData") or ["false"])[0].lower() == "true"
        grids = [resolve(book, text) for text in query.get("ranges") or []]
        return _masked_spreadsheet(book, query, include, grids)

    def metadata_by_filter(
        self, spreadsheet_id: str, query: Mapping[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """``spreadsheets.getByDataFilter``: as ``get`` with the ranges the filters select
        (no filters: the whole spreadsheet). A filter selecting nothing adds no range;
        when none selects anything no sheet is returned."""
        book = self.get(spreadsheet_id)
        filters = list(body.get("dataFilters") or [])
        grids = [g for f in filters for g in devmeta.filter_grids(book, f)]
        include = bool(body.get("includeGridData"))
        return _masked_spreadsheet(book, query, include, grids, bool(filters))


def _masked_spreadsheet(
    book: Spreadsheet,
    query: Mapping[str, list[str]],
    include: bool,
    grids: list[Grid],
    filtered: bool = False,
) -> JsonDict:
    """The Spreadsheet resource for ``grids`` under the query's ``fields`` mask."""
    fields = (query.get("fields") or [""])[0]
    try:
        mask = parse_mask(fields) if fields else None
    except ValueError as err:
        raise bad_request(f"Invalid field selection {fields}") from err
    include = include or _mask_wants_data(mask)
    full = spreadsheet_json(book, include, grids, _cell_fields(mask), filtered)
    out: JsonDict = apply_mask(full, mask)
    return out


def _cell_fields(mask: Mask | None) -> frozenset[str] | None:
    """Top-level CellData fields a ``spreadsheets.get`` mask selects (None: all)."""
    node: Mask | None = mask
    for key in ("sheets", "data", "rowData", "values"):
        if node is None or "*" in node:
            return None
        nxt = node.get(key, {})
        if nxt is None:
            return None
        node = nxt
    return None if node is None or "*" in node else frozenset(node)


def _mask_wants_data(mask: Mask | None) -> bool:
    """A field mask naming ``sheets.data`` implies grid data even without includeGridData."""
    if mask is None:
        return False
    sheets = mask.get("sheets", {})
    return sheets is None or "data" in sheets


def new_sheet(
    sheet_id: int, index: int, title: str, rows: int, cols: int, frozen: int = 0
) -> Sheet:
    """A blank grid sheet with Google's default properties."""
    grid: JsonDict = {"rowCount": rows, "columnCount": cols}
    if frozen:
        grid["frozenRowCount"] = frozen
    props = {
        "sheetId": sheet_id,
        "title": title,
        "index": index,
        "sheetType": "GRID",
        "gridProperties": grid,
    }
    return Sheet(properties=props)


def fill(sheet: Sheet, data: Rows) -> None:
    """Write Python values into a sheet starting at A1, growing the grid if needed."""
    height = len(data)
    width = max((len(row) for row in data), default=0)
    if height > sheet.row_count or width > sheet.col_count:
        sheet.set_grid_size(max(height, sheet.row_count), max(width, sheet.col_count))
    for r, row in enumerate(data):
        for c, value in enumerate(row):
            cell = python_to_cell(value)
            if cell:
                sheet.cells[(r, c)] = cell


def spreadsheet_json(
    book: Spreadsheet,
    include_grid: bool,
    ranges: list[str] | list[Grid],
    cell_fields: frozenset[str] | None = None,
    filtered: bool = False,
) -> JsonDict:
    """The full Spreadsheet resource (before any field mask; ``cell_fields`` may restrict
    which cell fields are computed). ``ranges`` are A1 texts or grids; ``filtered`` says
    they came from data filters, so that none selecting anything shows no sheet."""
    by_sheet: dict[int, list[Grid]] = {}
    seen: set[tuple[int, int, int, int, int]] = set()
    for item in ranges:
        grid = resolve(book, item) if isinstance(item, str) else item
        key = (grid.sheet.sheet_id, grid.start_row, grid.end_row, grid.start_col, grid.end_col)
        if key not in seen:  # a range two filters select is shown once
            seen.add(key)
            by_sheet.setdefault(grid.sheet.sheet_id, []).append(grid)
    limited = bool(ranges) or filtered
    sheets = []
    for sheet in book.sheets:
        if limited and sheet.sheet_id not in by_sheet:
            continue  # with ranges, Google returns only the sheets they touch
        entry: JsonDict = {"properties": json_copy(sheet.properties)}
        if include_grid:
            wanted = by_sheet.get(sheet.sheet_id) or [sheet.whole()]
            entry["data"] = [grid_data(book, g, limited, cell_fields) for g in wanted]
        entry.update(_sheet_extras(sheet))
        sheets.append(entry)
    out: JsonDict = {
        "spreadsheetId": book.spreadsheet_id,
        "properties": json_copy(book.properties),
        "sheets": sheets,
        "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{book.spreadsheet_id}/edit",
        **json_copy(book.extras),
    }
    if not sheets and filtered:
        del out["sheets"]  # an empty repeated field is left out of Google's JSON
    if devmeta.KEY in out:
        out[devmeta.KEY] = [devmeta.Found(e, "SPREADSHEET").full() for e in out[devmeta.KEY]]
    return out


def _sheet_extras(sheet: Sheet) -> JsonDict:
    """A sheet's stored extras, its developer metadata shown with their location."""
    extras = json_copy(sheet.extras)
    if devmeta.KEY in extras:
        extras[devmeta.KEY] = [
            devmeta.Found(e, "SHEET", sheet).full() for e in sheet.extras[devmeta.KEY]
        ]
    return extras


def grid_data(
    book: Spreadsheet, grid: Grid, explicit: bool, cell_fields: frozenset[str] | None = None
) -> JsonDict:
    """GridData: rows up to the last non-empty one, zero offsets omitted like proto3 JSON."""
    sheet = grid.sheet
    out: JsonDict = {}
    if explicit and grid.start_row:
        out["startRow"] = grid.start_row
    if explicit and grid.start_col:
        out["startColumn"] = grid.start_col
    rows: list[JsonDict] = []
    occupied = {
        k
        for k in sheet.cells
        if grid.start_row <= k[0] < grid.end_row and grid.start_col <= k[1] < grid.end_col
    }
    by_row: dict[int, list[int]] = {}
    for r, c in occupied:
        by_row.setdefault(r, []).append(c)
    last_row = max(by_row, default=grid.start_row - 1)
    for r in range(grid.start_row, last_row + 1):
        cols = by_row.get(r)
        if not cols:
            rows.append({})
            continue
        values = [
            book.render_cell(sheet, r, c, cell_fields) for c in range(grid.start_col, max(cols) + 1)
        ]
        rows.append({"values": values})
    if rows:
        out["rowData"] = rows
    out["rowMetadata"] = [
        devmeta.dimension_props(
            sheet, True, r, {"pixelSize": DEFAULT_ROW_PX, **sheet.row_meta.get(r, {})}
        )
        for r in range(grid.start_row, grid.end_row)
    ]
    out["columnMetadata"] = [
        devmeta.dimension_props(
            sheet, False, c, {"pixelSize": DEFAULT_COL_PX, **sheet.col_meta.get(c, {})}
        )
        for c in range(grid.start_col, grid.end_col)
    ]
    return out
