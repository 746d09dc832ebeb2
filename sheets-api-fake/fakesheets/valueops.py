"""The ``spreadsheets.values`` endpoints as pure functions over a :class:`Spreadsheet`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .a1 import RangeError, format_range, index_to_col, split_sheet
from .errors import bad_request
from .model import Grid, Sheet, Spreadsheet, render_value
from .values import JsonDict, date_to_serial, json_number, parse_user_entered


def resolve(book: Spreadsheet, text: str, for_write: bool = False) -> Grid:
    """A1 text to a grid; reads past the grid edge are rejected like Google does."""
    try:
        grid = book.resolve(text)
    except (RangeError, ValueError) as err:
        raise bad_request(f"Unable to parse range: {text}") from err
    sheet = grid.sheet
    if not for_write and (grid.end_row > sheet.row_count or grid.end_col > sheet.col_count):
        quoted = "'" + sheet.title.replace("'", "''") + "'"
        cells = split_sheet(text)[1] or ""
        raise bad_request(
            f"Range ({quoted}!{cells}) exceeds grid limits. Max rows: {sheet.row_count}, "
            f"max columns: {sheet.col_count}"
        )
    return grid


def read_values(
    book: Spreadsheet,
    text: str,
    value_render: str = "FORMATTED_VALUE",
    date_render: str = "SERIAL_NUMBER",
    major: str = "ROWS",
) -> JsonDict:
    """``values.get``: trailing empty cells and rows are dropped; no ``values`` when empty."""
    major = "COLUMNS" if major == "COLUMNS" else "ROWS"  # DIMENSION_UNSPECIFIED reads as ROWS
    grid = resolve(book, text)
    rows: list[list[Any]] = []
    for r in range(grid.start_row, grid.end_row):
        row = [
            render_value(book, grid.sheet, r, c, value_render, date_render)
            for c in range(grid.start_col, grid.end_col)
        ] if _row_has_values(grid, r) else []  # fmt: skip
        rows.append(row)
    if major == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        rows = [[row[c] if c < len(row) else "" for row in rows] for c in range(width)]
    rows = [_trim(row) for row in rows]
    while rows and not rows[-1]:
        rows.pop()
    out: JsonDict = {"range": grid.a1, "majorDimension": major}
    if rows:
        out["values"] = rows
    return out


def _row_has_values(grid: Grid, row: int) -> bool:
    """Cheap pre-check so empty rows of big sheets cost nothing."""
    return any(
        (row, c) in grid.sheet.cells and "userEnteredValue" in grid.sheet.cells[(row, c)]
        for c in range(grid.start_col, grid.end_col)
    )


def _trim(row: list[Any]) -> list[Any]:
    while row and row[-1] == "":
        row.pop()
    return row


def entered_value(
    value: Any, input_option: str, locale: str
) -> tuple[JsonDict | None, JsonDict | None]:
    """A JSON value from a values write to (userEnteredValue, implied numberFormat).

    ``""`` clears the cell; RAW stores strings as typed; USER_ENTERED parses them.
    """
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return {"boolValue": value}, None
    if isinstance(value, int | float):
        return {"numberValue": json_number(value)}, None
    text = str(value) if not isinstance(value, dict | list) else None
    if text is None:
        raise bad_request(f"Invalid values: {value!r}")
    if input_option == "RAW":
        return {"stringValue": text}, None
    return parse_user_entered(text, locale)


def rows_of(body: JsonDict) -> list[list[Any]]:
    """A ValueRange's values as rows, whatever its majorDimension."""
    values: list[list[Any]] = [list(v) for v in body.get("values") or []]
    if body.get("majorDimension") != "COLUMNS":
        return values
    height = max((len(col) for col in values), default=0)
    return [[col[r] if r < len(col) else None for col in values] for r in range(height)]


def write_values(
    book: Spreadsheet, text: str, body: JsonDict, input_option: str | None
) -> tuple[Grid, int, int, int]:
    """Write a ValueRange; returns the written box and (rows, columns, cells) actually set.

    ``null`` leaves a cell alone and is not counted; ``""`` clears it and is counted.
    """
    if input_option not in ("RAW", "USER_ENTERED"):
        raise bad_request("'valueInputOption' is required but not specified")
    grid = resolve(book, text, for_write=True)
    if body.get("range"):
        declared = resolve(book, str(body["range"]), for_write=True)
        if (declared.sheet, declared.start_row, declared.start_col) != (
            grid.sheet,
            grid.start_row,
            grid.start_col,
        ):
            raise bad_request(
                f"Requested writing within range [{text}], but tried writing to {body['range']}"
            )
    values = rows_of(body)
    height = len(values)
    width = max((len(row) for row in values), default=0)
    _check_fits(grid, text, height, width)
    _ensure_grid(grid.sheet, grid.start_row + height, grid.start_col + width)
    rows: set[int] = set()
    cols: set[int] = set()
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            if value is None:
                continue
            r, c = grid.start_row + i, grid.start_col + j
            set_cell_value(book, grid.sheet, r, c, value, input_option)
            rows.add(r)
            cols.add(c)
    cells = sum(1 for row in values for v in row if v is not None)
    box = Grid(
        grid.sheet,
        grid.start_row,
        grid.start_row + max(height, 1),
        grid.start_col,
        grid.start_col + max(width, 1),
    )
    return box, len(rows), len(cols), cells


def _check_fits(grid: Grid, text: str, height: int, width: int) -> None:
    """Data larger than the range is an error, except that a single cell (or a bare
    sheet name) only anchors the write and any size fits."""
    if grid.rows == 1 and grid.cols == 1:
        return
    if "!" not in text and grid.rows == grid.sheet.row_count and grid.cols == grid.sheet.col_count:
        return
    if split_sheet(text)[1] is None:
        return
    if height > grid.rows:
        raise bad_request(
            f"Requested writing within range [{text}], but tried writing to row "
            f"[{grid.start_row + height}]"
        )
    if width > grid.cols:
        raise bad_request(
            f"Requested writing within range [{text}], but tried writing to column "
            f"[{index_to_col(grid.start_col + width - 1)}]"
        )


def _ensure_grid(sheet: Sheet, rows: int, cols: int) -> None:
    """Values writes past the grid edge grow the sheet, as Sheets does."""
    if rows > sheet.row_count or cols > sheet.col_count:
        sheet.set_grid_size(max(rows, sheet.row_count), max(cols, sheet.col_count))


def set_cell_value(
    book: Spreadsheet, sheet: Sheet, row: int, col: int, value: Any, option: str
) -> None:
    """Store one written value, keeping the cell's formatting."""
    entered, implied = entered_value(value, option, book.locale)
    cell = sheet.cells.setdefault((row, col), {})
    if entered is None:
        cell.pop("userEnteredValue", None)
    else:
        cell["userEnteredValue"] = entered
        if implied is not None:
            fmt = cell.setdefault("userEnteredFormat", {})
            fmt["numberFormat"] = implied
    if not cell:
        del sheet.cells[(row, col)]


def update_response(book: Spreadsheet, written: Grid, counts: tuple[int, int, int]) -> JsonDict:
    """The ``UpdateValuesResponse`` body (zero counts are omitted, as in proto3 JSON)."""
    rows, cols, cells = counts
    out: JsonDict = {"spreadsheetId": book.spreadsheet_id, "updatedRange": written.a1}
    for key, value in (("updatedRows", rows), ("updatedColumns", cols), ("updatedCells", cells)):
        if value:
            out[key] = value
    return out


def clear_values(book: Spreadsheet, text: str) -> str:
    """``values.clear``: values go, formats stay. Returns the cleared range."""
    grid = resolve(book, text)
    for key in [k for k in grid.sheet.cells if _inside(grid, k)]:
        cell = grid.sheet.cells[key]
        cell.pop("userEnteredValue", None)
        if not cell:
            del grid.sheet.cells[key]
    return grid.a1


def _inside(grid: Grid, key: tuple[int, int]) -> bool:
    return grid.start_row <= key[0] < grid.end_row and grid.start_col <= key[1] < grid.end_col


def _occupied(grid: Grid) -> set[tuple[int, int]]:
    return {
        k for k, cell in grid.sheet.cells.items() if _inside(grid, k) and "userEnteredValue" in cell
    }


def _components(cells: set[tuple[int, int]]) -> list[set[tuple[int, int]]]:
    """Groups of edge-adjacent non-empty cells, in reading order of their first cell."""
    seen: set[tuple[int, int]] = set()
    groups: list[set[tuple[int, int]]] = []
    for start in sorted(cells):
        if start in seen:
            continue
        group, todo = set(), [start]
        while todo:
            r, c = todo.pop()
            if (r, c) in seen or (r, c) not in cells:
                continue
            seen.add((r, c))
            group.add((r, c))
            todo.extend([(r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)])
        groups.append(group)
    return groups


def find_table(grid: Grid) -> Grid | None:
    """The "table" values.append writes after, as observed in Google's responses:
    for a one-cell range the block of data containing that cell; for a larger range the
    last block of adjacent non-empty cells in it."""
    single = grid.rows == 1 and grid.cols == 1
    groups = _components(_occupied(grid.sheet.whole() if single else grid))
    if single:
        groups = [g for g in groups if (grid.start_row, grid.start_col) in g]
    if not groups:
        return None
    group = groups[-1]
    rows = [r for r, _ in group]
    cols = [c for _, c in group]
    return Grid(grid.sheet, min(rows), max(rows) + 1, min(cols), max(cols) + 1)


def append_values(book: Spreadsheet, text: str, body: JsonDict, query: dict[str, str]) -> JsonDict:
    """``values.append``: write below the table found in the range."""
    option = query.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request("'valueInputOption' is required but not specified")
    grid = resolve(book, text, for_write=True)
    table = find_table(grid)
    start_row = table.end_row if table else grid.start_row
    start_col = table.start_col if table else grid.start_col
    values = rows_of(body)
    if query.get("insertDataOption") == "INSERT_ROWS" and values:
        insert_rows(grid.sheet, start_row, len(values))
    anchor = format_range(grid.sheet.title, start_row, start_row + 1, start_col, start_col + 1)
    written, rows, cols, cells = write_values(book, anchor, {"values": values}, option)
    out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
    if table is not None:
        out["tableRange"] = table.a1
    updates = update_response(book, written, (rows, cols, cells))
    if query.get("includeValuesInResponse", "").lower() == "true":
        updates["updatedData"] = read_values(
            book,
            written.a1,
            query.get("responseValueRenderOption", "FORMATTED_VALUE"),
            query.get("responseDateTimeRenderOption", "SERIAL_NUMBER"),
        )
    out["updates"] = updates
    return out


def insert_rows(sheet: Sheet, at: int, count: int) -> None:
    """Shift rows at and below ``at`` down by ``count`` and grow the grid."""
    sheet.cells = {((r + count if r >= at else r), c): v for (r, c), v in sheet.cells.items()}
    sheet.row_meta = {(r + count if r >= at else r): v for r, v in sheet.row_meta.items()}
    grid = sheet.properties.setdefault("gridProperties", {})
    grid["rowCount"] = sheet.row_count + count


def date_cell(value: dt.date | float, pattern: str = "yyyy-mm-dd") -> JsonDict:
    """CellData for a date: a serial number (or ``datetime.date``) with a DATE format."""
    serial = date_to_serial(value) if isinstance(value, dt.date) else float(value)
    return {
        "userEnteredValue": {"numberValue": json_number(serial)},
        "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": pattern}},
    }


def python_to_cell(value: Any) -> JsonDict | None:
    """A Python value for :meth:`FakeSheetsState.create_spreadsheet` to stored CellData."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return dict(value)  # already CellData
    if isinstance(value, dt.datetime):
        return {
            "userEnteredValue": {"numberValue": json_number(date_to_serial(value))},
            "userEnteredFormat": {
                "numberFormat": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd h:mm:ss"}
            },
        }
    if isinstance(value, dt.date):
        return date_cell(value)
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": json_number(value)}}
    return {"userEnteredValue": {"stringValue": str(value)}}
