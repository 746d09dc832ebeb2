"""``spreadsheets.batchUpdate``: one handler per request kind, applied atomically."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from . import condformat, devmeta
from .a1 import looks_like_cell
from .discovery import Validator
from .errors import ApiError, bad_request
from .fieldmask import Mask, MaskError, mask_paths, merge_masked, parse_mask
from .model import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    Grid,
    Sheet,
    Spreadsheet,
    normalize_format,
    normalize_sheet_properties,
)
from .values import JsonDict, json_copy

Handler = Callable[[Spreadsheet, JsonDict, "Context"], JsonDict]

# Request kinds that exist in the API but that this fake does not model. They are
# answered with a 400 naming the kind, so a test relying on them fails loudly.
UNSUPPORTED = (
    "addProtectedRange",
    "updateProtectedRange",
    "deleteProtectedRange",
    "addFilterView",
    "addDimensionGroup",
    "deleteDimensionGroup",
    "updateDimensionGroup",
    "addChart",
    "findReplace",
    "duplicateSheet",
    "pasteData",
    "textToColumns",
    "addBanding",
    "updateBorders",
)


class Context:
    """Per-request helpers shared by the handlers."""

    def __init__(self, validator: Validator, index: int, kind: str) -> None:
        self.validator = validator
        self.index = index
        self.kind = kind

    def error(self, message: str) -> ApiError:
        """Google prefixes sub-request errors with their position and kind."""
        return bad_request(f"Invalid requests[{self.index}].{self.kind}: {message}")

    def cell_mask(self, fields: Any) -> Mask | None:
        """Parse a CellData field mask (unknown field names are errors, as in Sheets),
        widened so each colour field also covers its ``*Style`` twin."""
        if not isinstance(fields, str) or not fields:
            raise self.error("At least one field must be specified in 'fields'.")
        return with_twins(self.mask(fields, "CellData"))

    def mask(self, fields: str, schema: str) -> Mask | None:
        if not fields:
            raise self.error("At least one field must be specified in 'fields'.")
        try:
            mask = parse_mask(fields)
        except MaskError as err:
            raise self.error(f"Invalid field mask: {fields}") from err
        bad = self.validator.field_paths_ok(schema, mask_paths(mask))
        if bad is not None:
            raise self.error(f"Invalid field mask '{fields}': no field '{bad}'")
        return mask


def apply_batch(
    book: Spreadsheet, requests: list[JsonDict], validator: Validator
) -> list[JsonDict]:
    """Apply all requests to ``book`` in order; caller works on a copy for atomicity."""
    replies = []
    for index, request in enumerate(requests):
        if not isinstance(request, dict) or len(request) != 1:
            raise bad_request(
                f"Invalid requests[{index}]: No request set (exactly one kind is required)."
            )
        kind, body = next(iter(request.items()))
        if kind in UNSUPPORTED or kind not in HANDLERS:
            raise bad_request(f"Invalid requests[{index}].{kind}: not supported by the fake server")
        replies.append(HANDLERS[kind](book, body or {}, Context(validator, index, kind)))
    return replies


# --- ranges -----------------------------------------------------------------------------


def sheet_of(book: Spreadsheet, sheet_id: Any, ctx: Context) -> Sheet:
    sheet = book.sheet_by_id(int(sheet_id or 0))
    if sheet is None:
        raise ctx.error(f"No grid with id: {int(sheet_id or 0)}")
    return sheet


def grid_range(book: Spreadsheet, rng: JsonDict, ctx: Context) -> Grid:
    """A GridRange JSON object to closed bounds, checked against the grid."""
    sheet = sheet_of(book, rng.get("sheetId"), ctx)
    grid = Grid(
        sheet,
        int(rng.get("startRowIndex", 0)),
        int(rng.get("endRowIndex", sheet.row_count)),
        int(rng.get("startColumnIndex", 0)),
        int(rng.get("endColumnIndex", sheet.col_count)),
    )
    _check_inside(grid, ctx)
    return grid


def _check_inside(grid: Grid, ctx: Context) -> None:
    sheet = grid.sheet
    if grid.start_row < 0 or grid.start_col < 0:
        raise ctx.error("Range indexes must be non-negative.")
    if grid.end_row < grid.start_row or grid.end_col < grid.start_col:
        raise ctx.error("Range end index must be greater than or equal to start index.")
    if grid.end_row > sheet.row_count:
        raise ctx.error(
            f"GridCoordinate.rowIndex[{grid.end_row - 1}] is after last row in grid"
            f"[{sheet.row_count - 1}]"
        )
    if grid.end_col > sheet.col_count:
        raise ctx.error(
            f"GridCoordinate.columnIndex[{grid.end_col - 1}] is after last column in grid"
            f"[{sheet.col_count - 1}]"
        )


def dimension_range(book: Spreadsheet, rng: JsonDict, ctx: Context) -> tuple[Sheet, bool, int, int]:
    """A DimensionRange to (sheet, is_rows, start, end)."""
    sheet = sheet_of(book, rng.get("sheetId"), ctx)
    dimension = rng.get("dimension")
    if dimension not in ("ROWS", "COLUMNS"):
        raise ctx.error("dimension must be ROWS or COLUMNS")
    rows = dimension == "ROWS"
    size = sheet.row_count if rows else sheet.col_count
    start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", size))
    if start < 0 or end < start:
        raise ctx.error("Invalid dimension range.")
    return sheet, rows, start, end


# --- cell writes ------------------------------------------------------------------------


# Colour fields Google keeps in two forms; a mask naming one governs both.
_TWINS = {"backgroundColor": "backgroundColorStyle", "foregroundColor": "foregroundColorStyle"}
_TWINS.update({v: k for k, v in _TWINS.items()})


def with_twins(mask: Mask | None) -> Mask | None:
    """Extend a mask so that ``backgroundColor`` also covers ``backgroundColorStyle``."""
    if mask is None:
        return None
    out: Mask = {}
    for key, sub in mask.items():
        out[key] = with_twins(sub)
        if key in _TWINS and _TWINS[key] not in mask:
            out[_TWINS[key]] = with_twins(sub)
    return out


def stored_source(source: JsonDict) -> JsonDict:
    """The fields of a written CellData that are stored, its format normalised."""
    src = {
        k: v
        for k, v in source.items()
        if k not in ("effectiveValue", "formattedValue", "effectiveFormat")
    }
    if "userEnteredFormat" in src and isinstance(src["userEnteredFormat"], dict):
        src["userEnteredFormat"] = normalize_format(src["userEnteredFormat"])
    return src


def write_cell(
    sheet: Sheet, row: int, col: int, source: JsonDict, mask: Mask | None, prepared: bool = False
) -> None:
    """Merge the masked fields of ``source`` into one stored cell (absent ones clear).

    ``mask`` should already include colour twins (see :func:`with_twins`); ``prepared``
    says ``source`` already went through :func:`stored_source` (it is copied, not kept)."""
    cell = sheet.cells.get((row, col), {})
    src = source if prepared else stored_source(source)
    merge_masked(cell, src, mask)
    for key in ("note", "hyperlink"):
        if cell.get(key) == "":
            del cell[key]  # an empty string is proto3's "unset"
    if mask is not None and "userEnteredFormat" in mask and "userEnteredFormat" in cell:
        cell["userEnteredFormat"] = normalize_format(cell["userEnteredFormat"])
    if cell:
        sheet.cells[(row, col)] = cell
    else:
        sheet.cells.pop((row, col), None)


def update_cells(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``updateCells``: with ``start`` only the given cells change; with ``range``, every
    cell of the range not covered by ``rows`` has the masked fields cleared."""
    mask = ctx.cell_mask(body.get("fields"))
    rows: list[JsonDict] = body.get("rows") or []
    if ("start" in body) == ("range" in body):
        raise ctx.error("Exactly one of start or range must be set.")
    if "start" in body:
        start = body["start"]
        sheet = sheet_of(book, start.get("sheetId"), ctx)
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        width = max((len(r.get("values") or []) for r in rows), default=0)
        _check_inside(Grid(sheet, r0, r0 + len(rows), c0, c0 + width), ctx)
        for i, row in enumerate(rows):
            for j, value in enumerate(row.get("values") or []):
                write_cell(sheet, r0 + i, c0 + j, value or {}, mask)
        return {}
    grid = grid_range(book, body["range"], ctx)
    if len(rows) > grid.rows or any(len(r.get("values") or []) > grid.cols for r in rows):
        raise ctx.error("Attempting to write more rows/columns than the range holds.")
    for r in range(grid.start_row, grid.end_row):
        given = (
            rows[r - grid.start_row].get("values") or [] if r - grid.start_row < len(rows) else []
        )
        for c in range(grid.start_col, grid.end_col):
            j = c - grid.start_col
            write_cell(grid.sheet, r, c, (given[j] or {}) if j < len(given) else {}, mask)
    return {}


def repeat_cell(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``repeatCell``: the same masked cell over every cell of a range."""
    mask = ctx.cell_mask(body.get("fields"))
    grid = grid_range(book, body.get("range") or {}, ctx)
    cell = stored_source(body.get("cell") or {})  # once, not once a cell
    for r in range(grid.start_row, grid.end_row):
        for c in range(grid.start_col, grid.end_col):
            write_cell(grid.sheet, r, c, cell, mask, prepared=True)
    return {}


def append_cells(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``appendCells``: rows after the last row holding data, growing the grid."""
    mask = ctx.cell_mask(body.get("fields"))
    sheet = sheet_of(book, body.get("sheetId"), ctx)
    rows: list[JsonDict] = body.get("rows") or []
    start = sheet.data_extent()[0]
    width = max((len(r.get("values") or []) for r in rows), default=0)
    if start + len(rows) > sheet.row_count or width > sheet.col_count:
        sheet.set_grid_size(max(sheet.row_count, start + len(rows)), max(sheet.col_count, width))
    for i, row in enumerate(rows):
        for j, value in enumerate(row.get("values") or []):
            write_cell(sheet, start + i, j, value or {}, mask)
    return {}


def set_data_validation(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``setDataValidation``: no ``rule`` clears validation."""
    grid = grid_range(book, body.get("range") or {}, ctx)
    rule = body.get("rule")
    mask = parse_mask("dataValidation")
    for r in range(grid.start_row, grid.end_row):
        for c in range(grid.start_col, grid.end_col):
            write_cell(grid.sheet, r, c, {"dataValidation": rule} if rule else {}, mask)
    return {}


# --- dimensions -------------------------------------------------------------------------


def append_dimension(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    sheet = sheet_of(book, body.get("sheetId"), ctx)
    length = int(body.get("length", 0))
    if length <= 0:
        raise ctx.error("length must be greater than zero.")
    if body.get("dimension") == "ROWS":
        sheet.set_grid_size(sheet.row_count + length, sheet.col_count)
    elif body.get("dimension") == "COLUMNS":
        sheet.set_grid_size(sheet.row_count, sheet.col_count + length)
    else:
        raise ctx.error("dimension must be ROWS or COLUMNS")
    return {}


def _shift(
    book: Spreadsheet, sheet: Sheet, rows: bool, at: int, delta: int, drop_end: int | None = None
) -> None:
    """Move cells, dimension metadata, merges and named ranges along one axis
    (insert: ``delta`` > 0 at ``at``; delete: ``delta`` < 0 dropping ``[at, drop_end)``)."""
    axis = 0 if rows else 1

    def moved(index: int) -> int | None:
        if drop_end is not None and at <= index < drop_end:
            return None
        return index + delta if index >= (drop_end if drop_end is not None else at) else index

    cells: dict[tuple[int, int], JsonDict] = {}
    for key, cell in sheet.cells.items():
        new = moved(key[axis])
        if new is not None:
            cells[(new, key[1]) if rows else (key[0], new)] = cell
    sheet.cells = cells
    meta = sheet.row_meta if rows else sheet.col_meta
    shifted = {m: v for i, v in meta.items() if (m := moved(i)) is not None}
    if rows:
        sheet.row_meta = shifted
    else:
        sheet.col_meta = shifted
    _set_list(
        sheet.extras, "merges", _shift_ranges(sheet.extras.get("merges", []), rows, moved, at)
    )
    condformat.shift_rules(
        sheet, rows, moved, lambda ranges: _shift_ranges(ranges, rows, moved, at, keep_empty=True)
    )
    named = book.extras.get("namedRanges", [])
    mine = [n for n in named if int(n["range"].get("sheetId", 0)) == sheet.sheet_id]
    others = [n for n in named if n not in mine]
    kept = _shift_ranges([n["range"] for n in mine], rows, moved, at, keep_empty=True)
    updated = [{**n, "range": r} for n, r in zip(mine, kept, strict=True) if r is not None]
    _set_list(book.extras, "namedRanges", others + updated)


def _shift_ranges(
    ranges: list[JsonDict],
    rows: bool,
    moved: Callable[[int], int | None],
    at: int,
    keep_empty: bool = False,
) -> list[Any]:
    """GridRanges follow inserted/deleted rows or columns: a range losing an edge shrinks,
    one losing everything goes (or stays as ``None`` with ``keep_empty``)."""
    start_key, end_key = (
        ("startRowIndex", "endRowIndex") if rows else ("startColumnIndex", "endColumnIndex")
    )
    out: list[Any] = []
    for rng in ranges:
        start = int(rng.get(start_key, 0))
        if end_key not in rng:  # open-ended: only the start moves
            new_start = moved(start)
            out.append({**rng, start_key: at if new_start is None else new_start})
            continue
        kept = [m for i in range(start, int(rng[end_key])) if (m := moved(i)) is not None]
        if kept:
            out.append({**rng, start_key: min(kept), end_key: max(kept) + 1})
        elif keep_empty:
            out.append(None)
    return out


def _set_list(holder: JsonDict, key: str, items: list[Any]) -> None:
    """Store a list, or drop the key when it is empty (Google omits empty lists)."""
    kept = [item for item in items if item is not None]
    if kept:
        holder[key] = kept
    else:
        holder.pop(key, None)


def insert_dimension(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    sheet, rows, start, end = dimension_range(book, body.get("range") or {}, ctx)
    size = sheet.row_count if rows else sheet.col_count
    if start > size:
        raise ctx.error(f"Cannot insert beyond the end of the grid (size {size}).")
    if start == 0 and body.get("inheritFromBefore"):
        raise ctx.error("Cannot inherit from before the first row or column.")
    count = end - start
    _shift(book, sheet, rows, start, count)
    grid = sheet.properties.setdefault("gridProperties", {})
    grid["rowCount" if rows else "columnCount"] = size + count
    return {}


def delete_dimension(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    sheet, rows, start, end = dimension_range(book, body.get("range") or {}, ctx)
    size = sheet.row_count if rows else sheet.col_count
    if end > size:
        raise ctx.error(f"Cannot delete beyond the end of the grid (size {size}).")
    if start == 0 and end >= size:
        what = "rows" if rows else "columns"
        raise ctx.error(f"You can't delete all the {what} on the sheet.")
    _shift(book, sheet, rows, start, -(end - start), drop_end=end)
    grid = sheet.properties.setdefault("gridProperties", {})
    grid["rowCount" if rows else "columnCount"] = size - (end - start)
    return {}


def update_dimension_properties(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    sheet, rows, start, end = dimension_range(book, body.get("range") or {}, ctx)
    mask = ctx.mask(str(body.get("fields") or ""), "DimensionProperties")
    if mask is not None and devmeta.KEY in mask:
        # DimensionProperties.developerMetadata is shown, not written: metadata has its
        # own requests (createDeveloperMetadata...). The docs do not say; refusing it
        # keeps a client from believing it wrote metadata.
        raise ctx.error("developerMetadata cannot be set with updateDimensionProperties.")
    meta = sheet.row_meta if rows else sheet.col_meta
    for i in range(start, end):
        entry = meta.get(i, {})
        kept = entry.pop(devmeta.KEY, None)
        merge_masked(entry, body.get("properties") or {}, mask)
        entry.pop(devmeta.KEY, None)  # a "*" mask must not plant unchecked metadata
        if kept is not None:
            entry[devmeta.KEY] = kept
        meta[i] = entry
    return {}


def move_dimension(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``moveDimension``: rows (or columns) with their cells, properties and developer
    metadata move to ``destinationIndex``, counted before the source is removed.

    Merges, named ranges and conditional format ranges are not remapped by the fake
    (Sheets would); a test that needs them after a move should not rely on the fake."""
    sheet, rows, start, end = dimension_range(book, body.get("source") or {}, ctx)
    size = sheet.row_count if rows else sheet.col_count
    dest = int(body.get("destinationIndex", 0) or 0)
    if end > size or not 0 <= dest <= size:
        raise ctx.error(f"Cannot move beyond the end of the grid (size {size}).")
    order = [i for i in range(size) if not start <= i < end]
    at = dest if dest <= start else dest - (end - start)
    order[at:at] = list(range(start, end))
    new_of_old = {old: new for new, old in enumerate(order) if old != new}
    sheet.cells = {
        ((new_of_old.get(k[0], k[0]), k[1]) if rows else (k[0], new_of_old.get(k[1], k[1]))): v
        for k, v in sheet.cells.items()
    }
    meta = sheet.row_meta if rows else sheet.col_meta
    moved_meta = {new_of_old.get(i, i): v for i, v in meta.items()}
    if rows:
        sheet.row_meta = moved_meta
    else:
        sheet.col_meta = moved_meta
    return {}


def auto_resize(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """Column widths depend on fonts; the fake only validates the range."""
    if "dimensions" in body:
        dimension_range(book, body["dimensions"], ctx)
    return {}


# --- sheets and properties --------------------------------------------------------------


def add_sheet(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    props = json_copy(body.get("properties") or {})
    title = props.get("title") or _free_title(book)
    if book.sheet_by_title(title) is not None:  # titles clash case-insensitively
        raise ctx.error(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    if "sheetId" in props and book.sheet_by_id(int(props["sheetId"])) is not None:
        raise ctx.error(f"A sheet with the id {props['sheetId']} already exists.")
    sheet_id = int(props.get("sheetId", _free_id(book)))
    grid = {"rowCount": DEFAULT_ROWS, "columnCount": DEFAULT_COLS}
    grid.update(props.get("gridProperties") or {})
    index = int(props.get("index", len(book.sheets)))
    full = {"sheetId": sheet_id, "title": title, "index": index, "sheetType": "GRID"}
    full.update({k: v for k, v in props.items() if k not in full})
    full["gridProperties"] = grid
    for other in book.sheets:
        if int(other.properties.get("index", 0)) >= index:
            other.properties["index"] = int(other.properties.get("index", 0)) + 1
    book.sheets.append(Sheet(properties=full))
    book.reindex()
    return {"addSheet": {"properties": json_copy(full)}}


def _free_title(book: Spreadsheet) -> str:
    n = len(book.sheets) + 1
    while book.sheet_by_title(f"Sheet{n}") is not None:
        n += 1
    return f"Sheet{n}"


def _free_id(book: Spreadsheet) -> int:
    """Google picks large random-looking ids; a deterministic sequence keeps tests stable."""
    while book.reserved_sheet_ids:
        reserved = book.reserved_sheet_ids.pop(0)
        if book.sheet_by_id(reserved) is None:
            return reserved
    candidate = (len(book.sheets) * 1_000_003 + 17) % 2_000_000_000 + 1
    while book.sheet_by_id(candidate) is not None:
        candidate += 1
    return candidate


def delete_sheet(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    sheet = sheet_of(book, body.get("sheetId"), ctx)
    if len(book.sheets) == 1:
        raise ctx.error("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()
    return {}


def update_sheet_properties(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    props = body.get("properties") or {}
    sheet = sheet_of(book, props.get("sheetId"), ctx)
    mask = ctx.mask(str(body.get("fields") or ""), "SheetProperties")
    if mask is not None and "sheetId" in mask:
        raise ctx.error("sheetId cannot be changed.")
    new = json_copy(sheet.properties)
    merge_masked(new, props, mask)
    new["sheetId"] = sheet.sheet_id
    title = str(new.get("title", ""))
    clash = book.sheet_by_title(title)
    if clash is not None and clash is not sheet:
        raise ctx.error(
            f'A sheet with the name "{title}" already exists. Please enter another name.'
        )
    if new.get("hidden") and all(s.properties.get("hidden") or s is sheet for s in book.sheets):
        raise ctx.error("You can't hide all the sheets in a document.")
    grid = new.setdefault("gridProperties", {})
    rows, cols = int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0))
    if rows < 1 or cols < 1:
        raise ctx.error("Sheets must have at least one row and one column.")
    _move_sheet(book, sheet, new)
    touched = set(mask) if mask is not None else set(props)
    sheet.properties = normalize_sheet_properties(new, touched)
    sheet.set_grid_size(rows, cols)
    return {}


def _move_sheet(book: Spreadsheet, sheet: Sheet, new: JsonDict) -> None:
    """Apply an ``index`` change by reordering, as Sheets does."""
    raw: Any = new.get("index", sheet.properties.get("index", 0))
    target = int(raw) if raw is not None else 0  # index 0 is a real target, not "unset"
    order = [s for s in book.sheets if s is not sheet]
    order.insert(min(max(target, 0), len(order)), sheet)
    for i, s in enumerate(order):
        s.properties["index"] = i
    new["index"] = order.index(sheet)
    book.sheets = order


def update_spreadsheet_properties(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    mask = ctx.mask(str(body.get("fields") or ""), "SpreadsheetProperties")
    merge_masked(book.properties, body.get("properties") or {}, mask)
    return {}


# --- sorting and merges -----------------------------------------------------------------


def _sort_key(book: Spreadsheet, sheet: Sheet, row: int, col: int) -> tuple[int, Any]:
    """Sheets' order: numbers, then text (case-insensitive), then booleans, then errors."""
    value = book.effective_value(sheet, row, col)
    if "numberValue" in value:
        return (0, float(value["numberValue"]))
    if "stringValue" in value:
        return (1, str(value["stringValue"]).lower())
    if "boolValue" in value:
        return (2, bool(value["boolValue"]))
    return (3, "")


def sort_range(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``sortRange``: reorder the range's rows by one or more columns, each ascending or
    descending; rows equal on every key keep their order, and an empty key sorts last
    either way. Mixed types follow :func:`_sort_key` (numbers and dates, then text, then
    booleans, then errors); colour sort specs are not modelled."""
    grid = grid_range(book, body.get("range") or {}, ctx)
    sheet = grid.sheet
    rows = list(range(grid.start_row, grid.end_row))
    for spec in reversed(body.get("sortSpecs") or []):  # stable sorts, last key first
        col = int(spec.get("dimensionIndex", 0))
        if not grid.start_col <= col < grid.end_col:
            raise ctx.error(f"dimensionIndex {col} is outside the sorted range.")
        descending = spec.get("sortOrder") == "DESCENDING"
        filled = [r for r in rows if "userEnteredValue" in sheet.cells.get((r, col), {})]
        kept = set(filled)
        empty = [r for r in rows if r not in kept]
        filled.sort(key=lambda r: _sort_key(book, sheet, r, col), reverse=descending)
        rows = filled + empty
    moved = {
        (grid.start_row + i, c): sheet.cells[(src, c)]
        for i, src in enumerate(rows)
        for c in range(grid.start_col, grid.end_col)
        if (src, c) in sheet.cells
    }
    for r in range(grid.start_row, grid.end_row):
        for c in range(grid.start_col, grid.end_col):
            sheet.cells.pop((r, c), None)
    sheet.cells.update(moved)
    # Row metadata travels with its row's data: the docs promise metadata stays with the
    # row it was put on "as they move around", and a sort is how rows move most often.
    # Other row properties (heights) stay put.
    devmeta.move_with_rows(
        sheet,
        True,
        {src: grid.start_row + i for i, src in enumerate(rows) if src != grid.start_row + i},
    )
    return {}


def _merge_parts(grid: Grid, merge_type: str) -> list[Grid]:
    """The merged areas a mergeType makes of a range."""
    if merge_type == "MERGE_COLUMNS":
        return [
            Grid(grid.sheet, grid.start_row, grid.end_row, c, c + 1)
            for c in range(grid.start_col, grid.end_col)
        ]
    if merge_type == "MERGE_ROWS":
        return [
            Grid(grid.sheet, r, r + 1, grid.start_col, grid.end_col)
            for r in range(grid.start_row, grid.end_row)
        ]
    return [grid]


def _as_range(grid: Grid) -> JsonDict:
    """GridRange JSON as Google returns it in ``merges`` (a zero sheetId is omitted)."""
    out: JsonDict = {"sheetId": grid.sheet.sheet_id} if grid.sheet.sheet_id else {}
    return out | {
        "startRowIndex": grid.start_row,
        "endRowIndex": grid.end_row,
        "startColumnIndex": grid.start_col,
        "endColumnIndex": grid.end_col,
    }


def _bounds(merge: JsonDict) -> tuple[int, int, int, int]:
    keys = ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")
    r0, r1, c0, c1 = (int(merge.get(k, 0)) for k in keys)
    return r0, r1, c0, c1


def _overlaps(merge: JsonDict, b: Grid) -> bool:
    r0, r1, c0, c1 = _bounds(merge)
    return r0 < b.end_row and b.start_row < r1 and c0 < b.end_col and b.start_col < c1


def _inside_grid(merge: JsonDict, b: Grid) -> bool:
    r0, r1, c0, c1 = _bounds(merge)
    return b.start_row <= r0 and r1 <= b.end_row and b.start_col <= c0 and c1 <= b.end_col


def merge_cells(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``mergeCells``: only each merge's top-left value survives, as in Sheets."""
    grid = grid_range(book, body.get("range") or {}, ctx)
    merges: list[JsonDict] = grid.sheet.extras.setdefault("merges", [])
    if any(_overlaps(m, grid) and not _inside_grid(m, grid) for m in merges):
        raise ctx.error("You must select all cells in a merged range to merge or unmerge them.")
    merges[:] = [m for m in merges if not _overlaps(m, grid)]
    for part in _merge_parts(grid, str(body.get("mergeType", "MERGE_ALL"))):
        if part.rows * part.cols < 2:
            continue
        for r in range(part.start_row, part.end_row):
            for c in range(part.start_col, part.end_col):
                if (r, c) != (part.start_row, part.start_col):
                    cell = grid.sheet.cells.get((r, c), {})
                    cell.pop("userEnteredValue", None)
                    if not cell:
                        grid.sheet.cells.pop((r, c), None)
        merges.append(_as_range(part))
    if not merges:
        grid.sheet.extras.pop("merges", None)
    return {}


def unmerge_cells(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``unmergeCells``: drop merges inside the range; a partial overlap is an error."""
    grid = grid_range(book, body.get("range") or {}, ctx)
    merges: list[JsonDict] = grid.sheet.extras.get("merges", [])
    if any(_overlaps(m, grid) and not _inside_grid(m, grid) for m in merges):
        raise ctx.error("You must select all cells in a merged range to merge or unmerge them.")
    kept = [m for m in merges if not _overlaps(m, grid)]
    if kept:
        grid.sheet.extras["merges"] = kept
    else:
        grid.sheet.extras.pop("merges", None)
    return {}


# --- copy, cut and paste ----------------------------------------------------------------

# The CellData fields each paste type carries over (None: the whole cell).
_PASTE_FIELDS: dict[str, str | None] = {
    "PASTE_NORMAL": None,
    "PASTE_NO_BORDERS": None,
    "PASTE_VALUES": "userEnteredValue",
    "PASTE_FORMULA": "userEnteredValue",
    "PASTE_FORMAT": "userEnteredFormat",
    "PASTE_DATA_VALIDATION": "dataValidation",
    "PASTE_CONDITIONAL_FORMATTING": "",
}


def _snapshot(book: Spreadsheet, grid: Grid, paste_type: str) -> list[list[JsonDict]]:
    """Source cells as they will be pasted (PASTE_VALUES turns formulas into results)."""
    rows = []
    for r in range(grid.start_row, grid.end_row):
        row = []
        for c in range(grid.start_col, grid.end_col):
            cell = json_copy(grid.sheet.cells.get((r, c), {}))
            if paste_type == "PASTE_VALUES" and "userEnteredValue" in cell:
                value = book.effective_value(grid.sheet, r, c)
                cell["userEnteredValue"] = value if "errorValue" not in value else {}
            row.append(cell)
        rows.append(row)
    return rows


def _paste(sheet: Sheet, top: int, left: int, block: list[list[JsonDict]], paste_type: str) -> None:
    """Write a snapshot at (top, left) with the paste type's field mask."""
    fields = _PASTE_FIELDS.get(paste_type)
    if fields == "":
        return  # conditional formats are not modelled
    mask = None if fields is None else with_twins(parse_mask(fields))
    for i, row in enumerate(block):
        for j, cell in enumerate(row):
            write_cell(sheet, top + i, left + j, cell, mask)


def copy_paste(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``copyPaste``: the source tiles over a larger destination, as in Sheets; formula
    references are copied verbatim (not shifted)."""
    source = grid_range(book, body.get("source") or {}, ctx)
    dest = grid_range(book, body.get("destination") or {}, ctx)
    paste_type = str(body.get("pasteType") or "PASTE_NORMAL")
    block = _snapshot(book, source, paste_type)
    if body.get("pasteOrientation") == "TRANSPOSE":
        block = [list(col) for col in zip(*block, strict=True)] if block else block
    height, width = len(block), len(block[0]) if block else 0
    reps_down = max(dest.rows // height, 1) if height else 0
    reps_across = max(dest.cols // width, 1) if width else 0
    if dest.start_row + reps_down * height > dest.sheet.row_count or (
        dest.start_col + reps_across * width > dest.sheet.col_count
    ):
        raise ctx.error("The paste would go past the edge of the grid.")
    for i in range(reps_down):
        for j in range(reps_across):
            _paste(
                dest.sheet,
                dest.start_row + i * height,
                dest.start_col + j * width,
                block,
                paste_type,
            )
    return {}


def cut_paste(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``cutPaste``: move the source block to a coordinate, leaving the source empty."""
    source = grid_range(book, body.get("source") or {}, ctx)
    target = body.get("destination") or {}
    sheet = sheet_of(book, target.get("sheetId"), ctx)
    top, left = int(target.get("rowIndex", 0)), int(target.get("columnIndex", 0))
    _check_inside(Grid(sheet, top, top + source.rows, left, left + source.cols), ctx)
    paste_type = str(body.get("pasteType") or "PASTE_NORMAL")
    block = _snapshot(book, source, paste_type)
    for r in range(source.start_row, source.end_row):
        for c in range(source.start_col, source.end_col):
            source.sheet.cells.pop((r, c), None)
    _paste(sheet, top, left, block, paste_type)
    return {}


# --- basic filter -----------------------------------------------------------------------


def set_basic_filter(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """``setBasicFilter``: stored with its range closed against the grid, as Google does.
    The fake keeps the filter's criteria but does not hide rows by them."""
    given = json_copy(body.get("filter") or {})
    grid = grid_range(book, given.get("range") or {}, ctx)
    given["range"] = _as_range(grid)
    grid.sheet.extras["basicFilter"] = given
    return {}


def clear_basic_filter(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    sheet_of(book, body.get("sheetId"), ctx).extras.pop("basicFilter", None)
    return {}


# --- named ranges -----------------------------------------------------------------------


def _stored_range(rng: JsonDict) -> JsonDict:
    """A GridRange as Google echoes it: given keys only, a zero sheetId left out."""
    return {k: v for k, v in rng.items() if not (k == "sheetId" and not v)}


def _find_named(book: Spreadsheet, named_id: Any, ctx: Context) -> JsonDict:
    for named in book.extras.get("namedRanges", []):
        if named["namedRangeId"] == str(named_id):
            return dict(named)
    raise ctx.error(f"No named range with id: {named_id}")


def _check_name(book: Spreadsheet, name: str, own_id: str | None, ctx: Context) -> None:
    """Names are identifiers that cannot be read as a cell reference, and are unique."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) or looks_like_cell(name):
        raise ctx.error(f"Invalid name: {name}")
    for other in book.extras.get("namedRanges", []):
        if other["name"].lower() == name.lower() and other["namedRangeId"] != own_id:
            raise ctx.error(f"A named range with the name '{name}' already exists.")


def add_named_range(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    given = body.get("namedRange") or {}
    rng = given.get("range") or {}
    grid_range(book, rng, ctx)  # validates the sheet and bounds
    name = str(given.get("name", ""))
    _check_name(book, name, None, ctx)
    if book.reserved_named_range_ids:
        named_id = book.reserved_named_range_ids.pop(0)
    else:
        named_id = str(
            given.get("namedRangeId") or 1_000_000 + len(book.extras.get("namedRanges", []))
        )
    named = {"namedRangeId": named_id, "name": name, "range": _stored_range(rng)}
    book.extras.setdefault("namedRanges", []).append(named)
    return {"addNamedRange": {"namedRange": json_copy(named)}}


def update_named_range(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    given = body.get("namedRange") or {}
    current = _find_named(book, given.get("namedRangeId"), ctx)
    mask = ctx.mask(str(body.get("fields") or ""), "NamedRange")
    merge_masked(current, given, mask)
    current["namedRangeId"] = str(given.get("namedRangeId"))
    grid_range(book, current.get("range") or {}, ctx)
    current["range"] = _stored_range(current.get("range") or {})
    _check_name(book, str(current.get("name", "")), current["namedRangeId"], ctx)
    book.extras["namedRanges"] = [
        current if n["namedRangeId"] == current["namedRangeId"] else n
        for n in book.extras["namedRanges"]
    ]
    return {}


def delete_named_range(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    named = _find_named(book, body.get("namedRangeId"), ctx)
    _set_list(
        book.extras,
        "namedRanges",
        [n for n in book.extras["namedRanges"] if n["namedRangeId"] != named["namedRangeId"]],
    )
    return {}


# --- developer metadata and conditional formats ----------------------------------------


def _in_context(ctx: Context, run: Callable[[], JsonDict]) -> JsonDict:
    """Run a helper whose 400s do not know the request's position, and prefix them."""
    try:
        return run()
    except ApiError as err:
        if err.code != 400 or err.message.startswith("Invalid requests["):
            raise
        raise ctx.error(err.message) from err


def create_developer_metadata(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    def run() -> JsonDict:
        created = devmeta.create(book, body.get("developerMetadata") or {})
        return {"createDeveloperMetadata": {"developerMetadata": created}}

    return _in_context(ctx, run)


def update_developer_metadata(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    """The masked fields go onto every metadata entry any of the filters selects."""

    def run() -> JsonDict:
        fields = devmeta.update_fields(body.get("fields"))
        filters = body.get("dataFilters") or []
        if not filters:
            raise bad_request("At least one data filter must be specified.")
        matched: dict[int, devmeta.Found] = {}
        for data_filter in filters:
            for found in devmeta.filter_metadata(book, data_filter):
                matched.setdefault(id(found.entry), found)
        given = body.get("developerMetadata") or {}
        updated = devmeta.update(book, list(matched.values()), given, fields)
        reply: JsonDict = {"developerMetadata": updated} if updated else {}
        return {"updateDeveloperMetadata": reply}

    return _in_context(ctx, run)


def delete_developer_metadata(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    def run() -> JsonDict:
        data_filter = body.get("dataFilter")
        if not data_filter:
            raise bad_request("dataFilter must be specified.")
        deleted = devmeta.delete(book, devmeta.filter_metadata(book, data_filter))
        reply: JsonDict = {"deletedDeveloperMetadata": deleted} if deleted else {}
        return {"deleteDeveloperMetadata": reply}

    return _in_context(ctx, run)


def add_conditional_format_rule(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    return condformat.add_rule(book, body, ctx.error)


def update_conditional_format_rule(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    return condformat.update_rule(book, body, ctx.error)


def delete_conditional_format_rule(book: Spreadsheet, body: JsonDict, ctx: Context) -> JsonDict:
    return condformat.delete_rule(book, body, ctx.error)


HANDLERS: dict[str, Handler] = {
    "createDeveloperMetadata": create_developer_metadata,
    "updateDeveloperMetadata": update_developer_metadata,
    "deleteDeveloperMetadata": delete_developer_metadata,
    "addConditionalFormatRule": add_conditional_format_rule,
    "updateConditionalFormatRule": update_conditional_format_rule,
    "deleteConditionalFormatRule": delete_conditional_format_rule,
    "moveDimension": move_dimension,
    "copyPaste": copy_paste,
    "cutPaste": cut_paste,
    "setBasicFilter": set_basic_filter,
    "clearBasicFilter": clear_basic_filter,
    "addNamedRange": add_named_range,
    "updateNamedRange": update_named_range,
    "deleteNamedRange": delete_named_range,
    "sortRange": sort_range,
    "mergeCells": merge_cells,
    "unmergeCells": unmerge_cells,
    "updateCells": update_cells,
    "repeatCell": repeat_cell,
    "appendCells": append_cells,
    "setDataValidation": set_data_validation,
    "appendDimension": append_dimension,
    "insertDimension": insert_dimension,
    "deleteDimension": delete_dimension,
    "updateDimensionProperties": update_dimension_properties,
    "autoResizeDimensions": auto_resize,
    "addSheet": add_sheet,
    "deleteSheet": delete_sheet,
    "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties,
}
