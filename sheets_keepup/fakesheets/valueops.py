"""The ``spreadsheets.values`` endpoints as pure functions over a :class:`Spreadsheet`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .a1 import RangeError
from .errors import ApiError, bad_request
from .model import Grid, Sheet, Spreadsheet, render_value
from .values import JsonDict, date_to_serial, json_number, parse_user_entered

VALUE_RENDER = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_RENDER = ("SERIAL_NUMBER", "FORMATTED_STRING")


def resolve(book: Spreadsheet, text: str, for_write: bool = False) -> Grid:
    """A1 text to a grid; reads past the grid edge are rejected like Google does."""
    try:
        grid = book.resolve(text)
    except (RangeError, ValueError) as err:
        raise bad_request(f"Unable to parse range: {text}") from err
    sheet = grid.sheet
    if not for_write and (grid.end_row > sheet.row_count or grid.end_col > sheet.col_count):
        raise bad_request(
            f"Range ({text}) exceeds grid limits. Max rows: {sheet.row_count}, "
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


def entered_value(value: Any, input_option: str, locale: str) -> tuple[JsonDict | None, JsonDict | None]:
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


def write_values(
    book: Spreadsheet, text: str, body: JsonDict, input_option: str | None
) -> tuple[Grid, int, int, int]:
    """Write a ValueRange; returns the written grid and (rows, columns, cells) counts."""
    if input_option not in ("RAW", "USER_ENTERED"):
        raise bad_request("'valueInputOption' is required but not specified")
    grid = resolve(book, text, for_write=True)
    values = body.get("values") or []
    if body.get("majorDimension") == "COLUMNS":
        height = max((len(col) for col in values), default=0)
        values = [[col[r] if r < len(col) else None for col in values] for r in range(height)]
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
    height = len(values)
    width = max((len(row) for row in values), default=0)
    _check_fits(grid, text, height, width)
    _ensure_grid(grid.sheet, grid.start_row + height, grid.start_col + width)
    cells = 0
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            if value is None:
                continue  # null leaves the cell as it is
            set_cell_value(book, grid.sheet, grid.start_row + i, grid.start_col + j, value, input_option)
            cells += 1
    written = Grid(grid.sheet, grid.start_row, grid.start_row + height, grid.start_col, grid.start_col + width)
    return written, height, width, cells


def _check_fits(grid: Grid, text: str, height: int, width: int) -> None:
    """Data larger than an explicitly bounded range is an error in Sheets."""
    if "!" not in text and ":" not in text and grid.rows == grid.sheet.row_count:
        return  # a bare sheet name: anchored at A1, unbounded
    if height > grid.rows and grid.rows != grid.sheet.row_count:
        raise bad_request(
            f"Requested writing within range [{text}], but tried writing to row "
            f"[{grid.start_row + height}]"
        )
    if width > grid.cols and grid.cols != grid.sheet.col_count - grid.start_col:
        raise bad_request(
            f"Requested writing within range [{text}], but tried writing to column "
            f"[{_col_letter(grid.start_col + width - 1)}]"
        )


def _col_letter(index: int) -> str:
    from .a1 import index_to_col

    return index_to_col(index)


def _ensure_grid(sheet: Sheet, rows: int, cols: int) -> None:
    """Values writes past the grid edge grow the sheet, as Sheets does."""
    if rows > sheet.row_count or cols > sheet.col_count:
        sheet.set_grid_size(max(rows, sheet.row_count), max(cols, sheet.col_count))


def set_cell_value(book: Spreadsheet, sheet: Sheet, row: int, col: int, value: Any, option: str) -> None:
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
    """The ``UpdateValuesResponse`` body."""
    rows, cols, cells = counts
    out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
    if rows and cols:
        out["updatedRange"] = written.a1
        out.update({"updatedRows": rows, "updatedColumns": cols, "updatedCells": cells})
    else:
        out["updatedRange"] = written.a1 if rows else Grid(written.sheet, written.start_row, written.start_row + 1, written.start_col, written.start_col + 1).a1
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


def find_table(grid: Grid) -> Grid | None:
    """The first block of consecutive non-empty rows in the range (Sheets' append logic)."""
    sheet = grid.sheet
    used = sorted({r for (r, c), cell in sheet.cells.items() if _inside(grid, (r, c)) and "userEnteredValue" in cell})
    if not used:
        return None
    first = last = used[0]
    for r in used[1:]:
        if r != last + 1:
            break
        last = r
    cols = [c for (r, c), cell in sheet.cells.items() if first <= r <= last and grid.start_col <= c < grid.end_col and "userEnteredValue" in cell]
    return Grid(sheet, first, last + 1, min(cols), max(cols) + 1)


def append_values(book: Spreadsheet, text: str, body: JsonDict, query: dict[str, str]) -> JsonDict:
    """``values.append``: write after the table found in the range."""
    option = query.get("valueInputOption")
    if option not in ("RAW", "USER_ENTERED"):
        raise bad_request("'valueInputOption' is required but not specified")
    grid = resolve(book, text, for_write=True)
    table = find_table(grid)
    start_row = table.end_row if table else grid.start_row
    start_col = table.start_col if table else grid.start_col
    values = body.get("values") or []
    height = len(values)
    if query.get("insertDataOption") == "INSERT_ROWS" and height:
        insert_rows(grid.sheet, start_row, height)
    from .a1 import format_range

    target = format_range(grid.sheet.title, start_row, start_row + max(height, 1), start_col, start_col + max(max((len(r) for r in values), default=1), 1))
    written, rows, cols, cells = write_values(book, target, {"values": values}, option)
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


def python_to_cell(value: Any) -> JsonDict | None:
    """A Python value for :meth:`FakeSheetsState.create_spreadsheet` to stored CellData."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return dict(value)  # already CellData
    if isinstance(value, dt.datetime):
        return {
            "userEnteredValue": {"numberValue": json_number(date_to_serial(value))},
            "userEnteredFormat": {"numberFormat": {"type": "DATE_TIME", "pattern": "yyyy-mm-dd h:mm:ss"}},
        }
    if isinstance(value, dt.date):
        return {
            "userEnteredValue": {"numberValue": json_number(date_to_serial(value))},
            "userEnteredFormat": {"numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}},
        }
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": json_number(value)}}
    return {"userEnteredValue": {"stringValue": str(value)}}


__all__ = ["ApiError"]
