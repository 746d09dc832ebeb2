"""Writing: pure functions that build the requests of one batchUpdate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sheets_keepup.backends.google.anchors import ROW_KEY
from sheets_keepup.backends.google.decode import OWNED_KEY, Json, SheetInfo
from sheets_keepup.core.dates import to_serial
from sheets_keepup.core.errors import (
    DataError,
)
from sheets_keepup.core.model import (
    Area,
    CellValue,
    ChangeSet,
    Highlight,
    Rule,
    TabSetup,
    WriteValue,
)

if TYPE_CHECKING:
    pass


MAX_BODY_BYTES = 2_000_000
"""Google's advice for one request; every write body stays under it."""


SUB_REQUEST_BYTES = 200_000
"""Cut long runs of cells into pieces this size, so that bodies can be packed tightly."""


DATE_FORMAT: Json = {"type": "DATE", "pattern": "yyyy-mm-dd"}


TEXT_FIELDS = "userEnteredValue"


DATE_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"


FORMAT_FIELDS = "userEnteredFormat.numberFormat"


COLOUR_FIELDS = "userEnteredFormat.backgroundColor"


def rgb(colour: str) -> Json:
    """'#RRGGBB' as Google's Color.

    Google keeps 8 bits a channel and drops the fraction, so each channel aims a quarter
    into its byte: it reads back as the same byte whether stored by truncating or by
    rounding, and 4 decimals keep the body small.
    """
    text = colour.lstrip("#")
    red, green, blue = (min(1.0, (int(text[i : i + 2], 16) + 0.25) / 255) for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


def value_cell(value: WriteValue | CellValue) -> Json:
    """CellData for one written value. Text is always a stringValue, never a formula."""
    if value is None:
        return {}
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return {
            "userEnteredValue": {"numberValue": to_serial(day)},
            "userEnteredFormat": {"numberFormat": dict(DATE_FORMAT)},
        }
    if isinstance(value, bool):
        return {"userEnteredValue": {"boolValue": value}}
    if isinstance(value, int | float):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def _size(obj: Any) -> int:
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


@dataclass
class _Block:
    """Adjacent written cells: the same columns in consecutive rows."""

    row: int
    col: int
    rows: list[list[Json]]
    size: int = 0

    @property
    def last(self) -> int:
        return self.row + len(self.rows) - 1


def value_json(value: WriteValue | CellValue) -> Json:
    """CellData holding only the value (dates as serial numbers; None: empty)."""
    cell = value_cell(value)
    cell.pop("userEnteredFormat", None)
    return cell


def cell_requests(changes: ChangeSet, sheet_id: int) -> list[tuple[int, Json]]:
    """The values, as updateCells with `start` over blocks of adjacent written cells.

    Every block writes only `userEnteredValue`; dates get their date format from a
    repeatCell over each run of date cells in a column, so `fields` always names
    exactly what is written. Returns (first row, request) pairs.
    """
    by_row: dict[int, dict[int, WriteValue]] = {}
    for cell in changes.cells:
        by_row.setdefault(cell.row, {})[cell.col] = cell.value
    done: list[_Block] = []
    open_blocks: dict[tuple[int, int], _Block] = {}
    for row in sorted(by_row):
        values = by_row[row]
        seen: set[tuple[int, int]] = set()
        for start, width in _segments(sorted(values)):
            cells = [value_json(values[c]) for c in range(start, start + width)]
            size = _size(cells) + 12
            block = open_blocks.get((start, width))
            if block is None or block.last != row - 1 or block.size > SUB_REQUEST_BYTES:
                if block is not None:
                    done.append(block)
                block = open_blocks[(start, width)] = _Block(row, start, [])
            block.rows.append(cells)
            block.size += size
            seen.add((start, width))
        for key in [k for k in open_blocks if k not in seen]:
            done.append(open_blocks.pop(key))
    done.extend(open_blocks.values())
    out = [(b.row, _update_cells(sheet_id, b.row, b.col, b.rows)) for b in done]
    return out + _date_formats(changes, sheet_id)


def _segments(cols: Sequence[int]) -> Iterator[tuple[int, int]]:
    """(start, width) of each run of consecutive column numbers."""
    start = previous = cols[0]
    for col in cols[1:]:
        if col != previous + 1:
            yield start, previous - start + 1
            start = col
        previous = col
    yield start, previous - start + 1


def date_format_requests(changes: ChangeSet, sheet_id: int, skip: Sequence[int] = ()) -> list[Json]:
    """The date format on the cells where `changes` writes a date, outside the columns
    `skip` (the Due column, formatted whole when created). Values go out as day numbers,
    which the cell's format shows as a date."""
    cells = [c for c in changes.cells if c.col not in skip]
    return [req for _row, req in _date_formats(dataclasses.replace(changes, cells=cells), sheet_id)]


def _date_formats(changes: ChangeSet, sheet_id: int) -> list[tuple[int, Json]]:
    """repeatCell setting the date format over each run of date cells in a column."""
    dated = sorted({(c.col, c.row) for c in changes.cells if isinstance(c.value, dt.date)})
    out: list[tuple[int, Json]] = []
    index = 0
    while index < len(dated):
        col, first = dated[index]
        last = first
        while index + 1 < len(dated) and dated[index + 1] == (col, last + 1):
            index += 1
            last += 1
        grid = _grid_range(sheet_id, first, last + 1, col, col + 1)
        cell = {"userEnteredFormat": {"numberFormat": dict(DATE_FORMAT)}}
        out.append((first, {"repeatCell": {"range": grid, "cell": cell, "fields": FORMAT_FIELDS}}))
        index += 1
    return out


def _grid_range(sheet_id: int, top: int, bottom: int, left: int, right: int) -> Json:
    return {
        "sheetId": sheet_id,
        "startRowIndex": top,
        "endRowIndex": bottom,
        "startColumnIndex": left,
        "endColumnIndex": right,
    }


def _update_cells(sheet_id: int, row: int, col: int, rows: list[list[Json]]) -> Json:
    return {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": col},
            "rows": [{"values": cells} for cells in rows],
            "fields": TEXT_FIELDS,
        }
    }


def colour_requests(changes: ChangeSet, sheet_id: int) -> list[tuple[int, Json]]:
    """One repeatCell per run of consecutive rows given the same colour and columns."""
    open_runs: dict[tuple[int, int, str | None], list[int]] = {}
    runs: list[tuple[int, int, int, int, str | None]] = []
    for fill in sorted(changes.fills, key=lambda f: (f.row, f.start_col)):
        key = (fill.start_col, fill.end_col, fill.colour)
        span = open_runs.get(key)
        if span is not None and span[1] == fill.row - 1:
            span[1] = fill.row
            continue
        if span is not None:
            runs.append((span[0], span[1] + 1, *key))
        open_runs[key] = [fill.row, fill.row]
    runs.extend((span[0], span[1] + 1, *key) for key, span in open_runs.items())
    out = []
    for top, bottom, left, right, colour in sorted(runs, key=lambda r: (r[0], r[2])):
        fmt: Json = (
            {} if colour is None else {"userEnteredFormat": {"backgroundColor": rgb(colour)}}
        )
        grid_range = _grid_range(sheet_id, top, bottom, left, right)
        out.append(
            (top, {"repeatCell": {"range": grid_range, "cell": fmt, "fields": COLOUR_FIELDS}})
        )
    return out


def append_requests(changes: ChangeSet, sheet_id: int) -> list[Json]:
    """appendCells in pieces of bounded size, keeping the rows' order."""
    out: list[Json] = []
    rows: list[Json] = []
    dated = False
    size = 0
    for values in changes.appends:
        row = {"values": [value_cell(v) for v in values]}
        rows.append(row)
        dated = dated or any(isinstance(v, dt.date) for v in values)
        size += _size(row)
        if size > SUB_REQUEST_BYTES:
            out.append(_append_cells(sheet_id, rows, dated))
            rows, dated, size = [], False, 0
    if rows:
        out.append(_append_cells(sheet_id, rows, dated))
    return out


def _append_cells(sheet_id: int, rows: list[Json], dated: bool) -> Json:
    fields = DATE_FIELDS if dated else TEXT_FIELDS
    return {"appendCells": {"sheetId": sheet_id, "rows": rows, "fields": fields}}


def setup_requests(setup: TabSetup, sheet_id: int) -> list[Json]:
    """A TabSetup as sub-requests: freeze, date formats, dropdowns, column widths.

    Date formats and dropdowns leave `endRowIndex` out, so they reach the last row of
    the grid, and rows the user adds later inherit them.
    """
    out: list[Json] = []
    if setup.frozen_rows is not None:
        out.append(
            {
                "updateSheetProperties": {
                    "properties": {
                        "sheetId": sheet_id,
                        "gridProperties": {"frozenRowCount": setup.frozen_rows},
                    },
                    "fields": "gridProperties.frozenRowCount",
                }
            }
        )

    def column(col: int) -> Json:
        return {
            "sheetId": sheet_id,
            "startRowIndex": setup.first_row,
            "startColumnIndex": col,
            "endColumnIndex": col + 1,
        }

    date_format = {"numberFormat": {"type": "DATE", "pattern": setup.date_pattern}}
    for col in setup.date_columns:
        out.append(
            {
                "repeatCell": {
                    "range": column(col),
                    "cell": {"userEnteredFormat": date_format},
                    "fields": "userEnteredFormat.numberFormat",
                }
            }
        )
    for dropdown in setup.dropdowns:
        condition = {
            "type": "ONE_OF_LIST",
            "values": [{"userEnteredValue": value} for value in dropdown.values],
        }
        rule = {"condition": condition, "showCustomUi": True, "strict": dropdown.strict}
        out.append({"setDataValidation": {"range": column(dropdown.col), "rule": rule}})
    for col in setup.checkboxes:
        # BOOLEAN with no values: a checkbox, TRUE when ticked and FALSE when not.
        checkbox = {"condition": {"type": "BOOLEAN"}, "strict": True}
        out.append({"setDataValidation": {"range": column(col), "rule": checkbox}})
    if setup.bold_rows:
        rows = {"sheetId": sheet_id, "startRowIndex": 0, "endRowIndex": setup.bold_rows}
        bold = {"userEnteredFormat": {"textFormat": {"bold": True}}}
        out.append(
            {
                "repeatCell": {
                    "range": rows,
                    "cell": bold,
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        )
    for col in setup.wrap_columns:
        whole = {"sheetId": sheet_id, "startColumnIndex": col, "endColumnIndex": col + 1}
        wrap = {"userEnteredFormat": {"wrapStrategy": "WRAP"}}
        out.append(
            {
                "repeatCell": {
                    "range": whole,
                    "cell": wrap,
                    "fields": "userEnteredFormat.wrapStrategy",
                }
            }
        )
    for col, pixels in sorted(setup.widths.items()):
        out.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "COLUMNS",
                        "startIndex": col,
                        "endIndex": col + 1,
                    },
                    "properties": {"pixelSize": pixels},
                    "fields": "pixelSize",
                }
            }
        )
    return out


def setup_extent(setup: TabSetup | None) -> tuple[int, int]:
    """(rows, cols) a setup needs the grid to have."""
    if setup is None:
        return 0, 0
    cols = [
        *setup.date_columns,
        *(d.col for d in setup.dropdowns),
        *setup.widths,
        *setup.wrap_columns,
        *setup.checkboxes,
    ]
    return max((setup.frozen_rows or 0) + 1, setup.bold_rows), max(cols, default=-1) + 1


def grid_requests(changes: ChangeSet, sheet: SheetInfo) -> list[Json]:
    """appendDimension when a write lands beyond the grid (new owned columns, say)."""
    setup_rows, setup_cols = setup_extent(changes.setup)
    cols = max(
        [c.col + 1 for c in changes.cells]
        + [f.end_col for f in changes.fills]
        + [len(r) for r in changes.appends]
        + [setup_cols]
    )
    rows = max(
        [c.row + 1 for c in changes.cells] + [f.row + 1 for f in changes.fills] + [setup_rows]
    )
    out = []
    for dimension, needed, have in (("COLUMNS", cols, sheet.cols), ("ROWS", rows, sheet.rows)):
        if needed > have:
            out.append(
                {
                    "appendDimension": {
                        "sheetId": sheet.sheet_id,
                        "dimension": dimension,
                        "length": needed - have,
                    }
                }
            )
    return out


def build_requests(changes: ChangeSet, sheet: SheetInfo, create: bool = False) -> list[Json]:
    """Every sub-request of a write, in the order they must run."""
    head: list[Json] = []
    if create:
        head.append({"addSheet": {"properties": {"sheetId": sheet.sheet_id, "title": sheet.title}}})
    head += grid_requests(changes, sheet)
    if changes.replace:
        clear_fields = f"{TEXT_FIELDS},{COLOUR_FIELDS}"
        head.append({"updateCells": {"range": {"sheetId": sheet.sheet_id}, "fields": clear_fields}})
    body = cell_requests(changes, sheet.sheet_id) + colour_requests(changes, sheet.sheet_id)
    body.sort(key=lambda item: item[0])  # stable: values before colours within a row
    setup = setup_requests(changes.setup, sheet.sheet_id) if changes.setup else []
    return head + [req for _row, req in body] + append_requests(changes, sheet.sheet_id) + setup


def pack_bodies(requests: Iterable[Json], limit: int = MAX_BODY_BYTES) -> list[bytes]:
    """batchUpdate bodies under `limit` bytes each: the fewest, keeping request order."""
    return _pack(requests, b'{"requests":[', limit)


def _pack(items: Iterable[Json], opening: bytes, limit: int) -> list[bytes]:
    """JSON bodies `opening` + items + "]}", each under `limit` bytes, items in order.

    `items` may be a generator: each is encoded as it comes, so 100,000 value ranges
    never exist as dicts all at once, only as their compact JSON.
    """
    closing = b"]}"
    bodies: list[bytes] = []
    current: list[bytes] = []
    size = len(opening) + len(closing)
    for item in items:
        encoded = json.dumps(item, separators=(",", ":"), ensure_ascii=False).encode()
        extra = len(encoded) + (1 if current else 0)
        if current and size + extra > limit:
            bodies.append(opening + b",".join(current) + closing)
            current, size = [], len(opening) + len(closing)
            extra = len(encoded)
        if size + extra > limit:
            raise DataError(f"One change is larger than {limit} bytes; it cannot be written.")
        current.append(encoded)
        size += extra
    if current:
        bodies.append(opening + b",".join(current) + closing)
    return bodies


def _area_range(sheet_id: int, area: Area) -> Json:
    grid: Json = {
        "sheetId": sheet_id,
        "startRowIndex": area.first_row,
        "startColumnIndex": area.first_col,
        "endColumnIndex": area.end_col,
    }
    if area.end_row is not None:
        grid["endRowIndex"] = area.end_row
    return grid


def _rule_format(rule: Rule) -> Json:
    fmt: Json = {}
    if rule.colour is not None:
        fmt["backgroundColor"] = rgb(rule.colour)
    if rule.bold:
        fmt["textFormat"] = {"bold": True}
    return fmt


def highlight_requests(
    highlight: Highlight, sheet_id: int, own: Sequence[int], total: int
) -> list[Json]:
    """Replace the tool's conditional formats (at list positions `own`) with `highlight`.

    The user's rules keep their order and come first; the tool's follow them, so a
    rule the user wrote has the last word.
    """
    out: list[Json] = [
        {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": index}}
        for index in sorted(own, reverse=True)
    ]
    first = total - len(own)
    ranges = [_area_range(sheet_id, area) for area in highlight.areas]
    for offset, rule in enumerate(highlight.rules):
        condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": rule.formula}]}
        out.append(
            {
                "addConditionalFormatRule": {
                    "index": first + offset,
                    "rule": {
                        "ranges": ranges,
                        "booleanRule": {"condition": condition, "format": _rule_format(rule)},
                    },
                }
            }
        )
    return out


def _metadata(key: str, value: str, location: Json) -> Json:
    return {
        "createDeveloperMetadata": {
            "developerMetadata": {
                "metadataKey": key,
                "metadataValue": value,
                "location": location,
                "visibility": "DOCUMENT",
            }
        }
    }


def _dimension(sheet_id: int, dimension: str, index: int) -> Json:
    return {
        "dimensionRange": {
            "sheetId": sheet_id,
            "dimension": dimension,
            "startIndex": index,
            "endIndex": index + 1,
        }
    }


def mark_tab_request(sheet_id: int) -> Json:
    """Mark a tab as created by the tool."""
    return _metadata(OWNED_KEY, "tab", {"sheetId": sheet_id})


def mark_column_requests(sheet_id: int, cols: Sequence[int]) -> list[Json]:
    """Mark columns as created by the tool: one piece of metadata each, so that a
    column the user inserts between two of them is never taken for one."""
    return [_metadata(OWNED_KEY, "column", _dimension(sheet_id, "COLUMNS", c)) for c in cols]


def date_column_request(sheet_id: int, col: int, first_row: int) -> Json:
    """The date format on a column from `first_row` down (values are written as days)."""
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": first_row,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }
    cell = {"userEnteredFormat": {"numberFormat": dict(DATE_FORMAT)}}
    return {"repeatCell": {"range": grid, "cell": cell, "fields": FORMAT_FIELDS}}


def anchor_requests(sheet_id: int, create: Mapping[int, str], delete: Sequence[str]) -> list[Json]:
    """Drop anchors by value (wherever they are) and anchor rows to their people."""
    out: list[Json] = [
        {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": _lookup(value)}}}
        for value in delete
    ]
    out += [
        _metadata(ROW_KEY, value, _dimension(sheet_id, "ROWS", row))
        for row, value in sorted(create.items())
    ]
    return out


def raw_value(value: WriteValue | CellValue) -> Any:
    """A value for a RAW values write: text stays text (never a formula), dates are days,
    and None is "" (which clears the cell; JSON null would leave it as it is)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return to_serial(day)
    return value


def _row_values(cells: Mapping[int, WriteValue], first_col: int) -> list[Any]:
    """One row's values from `first_col`, JSON null where a cell is not written."""
    line: list[Any] = [None] * (max(cells) + 1 - first_col)
    for col, value in cells.items():
        line[col - first_col] = raw_value(value)
    return line


def _lookup(value: str) -> Json:
    return {"metadataKey": ROW_KEY, "metadataValue": value, "locationType": "ROW"}


def anchored_value_range(key: str, cells: Mapping[int, WriteValue]) -> Json:
    """The owned cells of one row, located by the row's anchor (the whole row from A)."""
    return {
        "dataFilter": {"developerMetadataLookup": _lookup(key)},
        "majorDimension": "ROWS",
        "values": [_row_values(cells, 0)],
    }


def positional_value_range(sheet_id: int, row: int, cells: Mapping[int, WriteValue]) -> Json:
    """Cells of one row located by position; columns between them are left as they are."""
    first = min(cells)
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": row,
        "endRowIndex": row + 1,
        "startColumnIndex": first,
        "endColumnIndex": max(cells) + 1,
    }
    return {
        "dataFilter": {"gridRange": grid},
        "majorDimension": "ROWS",
        "values": [_row_values(cells, first)],
    }


def grid_value_range(
    sheet_id: int, top: int, left: int, rows: Sequence[Sequence[WriteValue | None]]
) -> Json:
    """A block of values located by position (headers, and tabs the tool owns)."""
    width = max((len(r) for r in rows), default=0)
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": top,
        "endRowIndex": top + len(rows),
        "startColumnIndex": left,
        "endColumnIndex": left + max(width, 1),
    }
    values = [[raw_value(v) for v in row] + [""] * (width - len(row)) for row in rows]
    return {"dataFilter": {"gridRange": grid}, "majorDimension": "ROWS", "values": values}


LINK_FIELDS = ",".join(
    f"userEnteredFormat.textFormat.{name}" for name in ("link", "underline", "foregroundColorStyle")
)
LINK_BLUE = {"red": 0.0667, "green": 0.3333, "blue": 0.8}
"""Google's own colour for a link (#1155CC), so a tab's links look like links."""


def linked_grid_request(
    sheet_id: int, rows: Sequence[Sequence[WriteValue | None]], links: Mapping[tuple[int, int], str]
) -> Json:
    """updateCells over a whole tab the tool owns: every value, and each cell of `links` a
    link. The link fields of every other cell are cleared, so no link of an older version
    of the tab stays under text about someone else."""
    width = max((len(r) for r in rows), default=0)
    out_rows = []
    for r, row in enumerate(rows):
        cells = []
        for c in range(max(width, 1)):
            value = row[c] if c < len(row) else None
            cell = value_json(value) if value not in (None, "") else {}
            url = links.get((r, c))
            if url:
                cell["userEnteredFormat"] = {
                    "textFormat": {
                        "link": {"uri": url},
                        "underline": True,
                        "foregroundColorStyle": {"rgbColor": dict(LINK_BLUE)},
                    }
                }
            cells.append(cell)
        out_rows.append({"values": cells})
    grid = {
        "sheetId": sheet_id,
        "startRowIndex": 0,
        "endRowIndex": len(rows),
        "startColumnIndex": 0,
        "endColumnIndex": max(width, 1),
    }
    return {
        "updateCells": {
            "range": grid,
            "rows": out_rows,
            "fields": "userEnteredValue," + LINK_FIELDS,
        }
    }


def pack_value_bodies(data: Iterable[Json], limit: int = MAX_BODY_BYTES) -> list[bytes]:
    """values.batchUpdateByDataFilter bodies under `limit` bytes each, in order."""
    return _pack(data, b'{"valueInputOption":"RAW","data":[', limit)
