"""Google Sheets through gspread 6: the only module that sends requests to Google.

A sync costs one read (`spreadsheets.get` with `ranges`, grid data and a tight field
mask: sheet ids, locale, values and row colours of the Contacts and Log tabs) and, when
something changed, one cheap re-read of the identity columns plus one atomic
`spreadsheets.batchUpdate`. Only a write whose body would pass Google's 2 MB advice is
split, into the fewest requests, in row order.

Example, against any `requests.Session` (the offline fake uses this seam)::

    client = gspread.Client(auth=None, session=session)
    backend = GoogleBackend(client, "1AbC...")
    data = backend.read(["Contacts", "Log"])
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_URL
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sheets_keepup.dates import from_serial, to_serial
from sheets_keepup.errors import (
    AccessError,
    AuthError,
    DataError,
    NetworkError,
    SheetChangedError,
    UserError,
)
from sheets_keepup.headers import column_letter
from sheets_keepup.model import (
    CellValue,
    ChangeSet,
    Identity,
    SheetData,
    Tab,
    TabSetup,
    WriteValue,
)

if TYPE_CHECKING:
    from sheets_keepup.config import Config

log = logging.getLogger(__name__)

T = TypeVar("T")
Json = dict[str, Any]

MAX_BODY_BYTES = 2_000_000
"""Google's advice for one request; every write body stays under it."""
SUB_REQUEST_BYTES = 200_000
"""Cut long runs of cells into pieces this size, so that bodies can be packed tightly."""
DATE_FORMAT: Json = {"type": "DATE", "pattern": "yyyy-mm-dd"}
TEXT_FIELDS = "userEnteredValue"
DATE_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
FORMAT_FIELDS = "userEnteredFormat.numberFormat"
COLOUR_FIELDS = "userEnteredFormat.backgroundColor"
DATE_TYPES = ("DATE", "DATE_TIME")
COMPACT = {"prettyPrint": "false"}
"""Google indents its JSON by default; a grid read is far smaller without it."""
TRANSIENT_STATUS = (408, 429, 500, 502, 503, 504)

_SHEET_PROPERTIES = "properties(sheetId,title,gridProperties(rowCount,columnCount))"
READ_FIELDS = (
    "properties(title,locale),"
    f"sheets({_SHEET_PROPERTIES},data(startRow,startColumn,rowData(values("
    "effectiveValue,effectiveFormat.numberFormat.type,userEnteredFormat.backgroundColor))))"
)
TITLES_FIELDS = f"properties(title,locale),sheets({_SHEET_PROPERTIES})"

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


# --- reading: pure functions over Google's JSON --------------------------------------------


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


def rgb(colour: str) -> Json:
    """'#RRGGBB' as Google's Color.

    Google keeps 8 bits a channel and drops the fraction, so each channel aims a quarter
    into its byte: it reads back as the same byte whether stored by truncating or by
    rounding, and 4 decimals keep the body small.
    """
    text = colour.lstrip("#")
    red, green, blue = (min(1.0, (int(text[i : i + 2], 16) + 0.25) / 255) for i in (0, 2, 4))
    return {"red": round(red, 4), "green": round(green, 4), "blue": round(blue, 4)}


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


# --- writing: pure functions building the batchUpdate ---------------------------------------


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


def _setup_extent(setup: TabSetup | None) -> tuple[int, int]:
    """(rows, cols) a setup needs the grid to have."""
    if setup is None:
        return 0, 0
    cols = [*setup.date_columns, *(d.col for d in setup.dropdowns), *setup.widths]
    return (setup.frozen_rows or 0) + 1, max(cols, default=-1) + 1


def grid_requests(changes: ChangeSet, sheet: SheetInfo) -> list[Json]:
    """appendDimension when a write lands beyond the grid (new owned columns, say)."""
    setup_rows, setup_cols = _setup_extent(changes.setup)
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


def pack_bodies(requests: Sequence[Json], limit: int = MAX_BODY_BYTES) -> list[bytes]:
    """batchUpdate bodies under `limit` bytes each: the fewest, keeping request order."""
    opening, closing = b'{"requests":[', b"]}"
    bodies: list[bytes] = []
    current: list[bytes] = []
    size = len(opening) + len(closing)
    for request in requests:
        encoded = json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode()
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


# --- the backend ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteStats:
    """How the last write went out: one entry per batchUpdate body."""

    body_sizes: tuple[int, ...]
    sub_requests: int

    @property
    def requests(self) -> int:
        return len(self.body_sizes)

    @property
    def split(self) -> bool:
        return len(self.body_sizes) > 1


class _BadRange(Exception):
    """A 400 about a range: the tab is missing or the grid shrank."""


class GoogleBackend:
    """A Google Sheet, reached through a gspread Client.

    `account_email` (a service account's) makes 403 errors say whom to share with;
    `credentials_note` says which credentials are in use, for `check` (never secrets).
    Requests are retried `max_retries` times on 429, 5xx, timeouts and broken
    connections, with exponential backoff and jitter starting at `retry_wait` seconds.
    """

    def __init__(
        self,
        client: gspread.Client,
        spreadsheet_key: str,
        *,
        account_email: str | None = None,
        credentials_note: str | None = None,
        max_retries: int = 5,
        timeout_seconds: float = 60.0,
        retry_wait: float = 1.0,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.client = client
        self.key = spreadsheet_key
        self.account_email = account_email
        self.credentials_note = credentials_note
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.max_body_bytes = max_body_bytes
        self.client.set_timeout(timeout_seconds)
        self.sheets: dict[str, SheetInfo] = {}
        self.title = ""
        self.last_write: WriteStats | None = None
        # HTTP requests sent, every retry included (the nightly job logs it).
        self.requests = 0
        # Tabs a read asked for and found missing (casefolded): later reads skip them.
        self.missing_tabs: set[str] = set()

    def describe(self) -> str:
        return f"Google Sheet {self.key}"

    # --- reading --------------------------------------------------------------------------

    def read(self, tabs: Sequence[str]) -> SheetData:
        """One spreadsheets.get for every named tab.

        Google answers a ranged get naming a missing tab with 400 "Unable to parse range",
        so a missing tab (often the Log) costs two more requests: the tab titles, then the
        ranged get again for the tabs that exist. This backend remembers the tabs it found
        missing, so its later reads are one request again (until it creates one of them).
        """
        asked = [t for t in tabs if t.casefold() not in self.missing_tabs] or list(tabs)
        try:
            data = self._get([quote_title(t) for t in asked], READ_FIELDS, grid=True)
        except _BadRange:
            meta = self._get([], TITLES_FIELDS)
            present = {info.title: info for info in map(SheetInfo.of, meta.get("sheets") or ())}
            wanted = [t for t in tabs if find_sheet(present, t) is not None]
            self.missing_tabs = {t.casefold() for t in tabs if t not in wanted}
            if wanted:
                data = self._get([quote_title(t) for t in wanted], READ_FIELDS, grid=True)
            else:
                data = meta
        props = data.get("properties") or {}
        self.title = str(props.get("title", ""))
        found: dict[str, Tab] = {}
        for sheet in data.get("sheets") or ():
            info = SheetInfo.of(sheet)
            self.sheets[info.title] = info
            name = next((t for t in tabs if t.casefold() == info.title.casefold()), None)
            if name is None or "data" not in sheet:
                continue
            grid = Grid()
            for block in sheet["data"]:
                grid.add(block)
            found[name] = grid.tab(info.title)
        return SheetData(tabs=found, locale=props.get("locale"), title=self.title)

    def tab_titles(self) -> list[str]:
        """Every tab's title, in order (one small request)."""
        meta = self._get([], TITLES_FIELDS)
        return [SheetInfo.of(s).title for s in meta.get("sheets") or ()]

    def _get(self, ranges: Sequence[str], fields: str, grid: bool = False) -> Json:
        params: dict[str, Any] = {
            "fields": fields,
            "includeGridData": "true" if grid else "false",
            **COMPACT,
        }
        if ranges:
            params["ranges"] = list(ranges)
        http = self.client.http_client

        def get() -> Json:
            response = http.request("get", SPREADSHEET_URL % self.key, params=params)
            return decode_grid_read(response) if grid else dict(response.json())

        return dict(self._call("read", get))

    # --- writing --------------------------------------------------------------------------

    def apply(self, changes: ChangeSet) -> None:
        """Check the target rows still hold the same people, then write in one batchUpdate.

        The change sets of `extra_tabs` go in the same batchUpdate, after the main one.
        """
        if not changes:
            return
        targets: list[tuple[SheetInfo, bool]] = []
        requests_: list[Json] = []
        for part in changes.all_tabs():
            if not part and not part.create_tab:
                continue
            sheet, create = self._preflight(part)
            if create and any(sheet.sheet_id == other.sheet_id for other, _ in targets):
                taken = {other.sheet_id for other, _ in targets} | {
                    info.sheet_id for info in self.sheets.values()
                }
                sheet = _new_sheet(sheet.title, taken)
            targets.append((sheet, create))
            requests_ += build_requests(part, sheet, create)
        bodies = pack_bodies(requests_, self.max_body_bytes)
        if len(bodies) > 1:
            log.warning(
                "the write is %d bytes in all, so it goes out as %d requests of under %d bytes "
                "each, in row order",
                sum(map(len, bodies)),
                len(bodies),
                self.max_body_bytes,
            )
        url = SPREADSHEET_BATCH_UPDATE_URL % self.key
        # Setting cells twice is harmless; appending rows or adding a tab twice is not.
        repeatable = not (changes.appends or create)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        http = self.client.http_client
        for number, body in enumerate(bodies, start=1):
            what = "write" if len(bodies) == 1 else f"write {number} of {len(bodies)}"

            def post(body: bytes = body) -> Any:
                return http.request(
                    "post", url, params=dict(COMPACT), data=body, headers=dict(headers)
                )

            try:
                self._call(what, post, repeatable=repeatable)
            except UserError as error:
                if number > 1:
                    error.args = (
                        f"{error} Parts 1 to {number - 1} of {len(bodies)} were written.",
                    )
                raise
        for sheet, create in targets:
            if create:
                self.sheets[sheet.title] = sheet
                self.missing_tabs.discard(sheet.title.casefold())
        self.last_write = WriteStats(tuple(len(b) for b in bodies), len(requests_))

    def _preflight(self, changes: ChangeSet) -> tuple[SheetInfo, bool]:
        """The target tab (and whether it must be created), after checking its rows.

        Raises SheetChangedError when a target row now holds someone else, or the tab
        is gone or shorter than it was.
        """
        sheet = find_sheet(self.sheets, changes.tab)
        if sheet is None:
            meta = self._get([], TITLES_FIELDS)
            sheets = {s.title: s for s in map(SheetInfo.of, meta.get("sheets") or ())}
            self.sheets.update(sheets)
            sheet = find_sheet(sheets, changes.tab)
            if sheet is None:
                if not changes.create_tab:
                    raise SheetChangedError(f"Tab '{changes.tab}' disappeared before the write.")
                return _new_sheet(changes.tab, {s.sheet_id for s in sheets.values()}), True
        if changes.identity is not None:
            self._check_identity(changes.identity, sheet)
        return sheet, False

    def _check_identity(self, identity: Identity, sheet: SheetInfo) -> None:
        """One values.batchGet of the name and email cells of the rows about to change."""
        cols = sorted({c for c in (identity.name_col, identity.email_col) if c is not None})
        if not identity.rows or not cols:
            return
        first = min(identity.rows)
        last = max(first + 1, min(max(identity.rows) + 1, sheet.rows))
        ranges = [
            f"{quote_title(sheet.title)}!{column_letter(c)}{first + 1}:{column_letter(c)}{last}"
            for c in cols
        ]
        params = {
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "COLUMNS",
            **COMPACT,
        }
        http = self.client.http_client
        try:
            answer = self._call(
                "identity check", lambda: http.values_batch_get(self.key, ranges, dict(params))
            )
        except _BadRange:
            raise SheetChangedError(
                f"Tab '{sheet.title}' was renamed, deleted or shortened while syncing; "
                "nothing was written."
            ) from None
        columns: dict[int, list[Any]] = {}
        for col, found in zip(cols, answer.get("valueRanges") or (), strict=False):
            values = found.get("values") or [[]]
            columns[col] = values[0]
        width = cols[-1] + 1
        for row, expected in identity.rows.items():
            line: list[CellValue] = [None] * width
            for col, values in columns.items():
                index = row - first
                line[col] = values[index] if index < len(values) else None
            if not _same_person(identity.of(line), expected):
                raise SheetChangedError(
                    f"Row {row + 1} of '{sheet.title}' no longer holds the same person (the "
                    "sheet was edited during the sync); nothing was written."
                )

    # --- requests, retries and errors ----------------------------------------------------

    def _call(self, what: str, send: Callable[[], T], *, repeatable: bool = True) -> T:
        """Send one request, retrying transient failures; map the rest to user errors.

        A request that must not run twice (it appends rows or adds a tab) is retried only
        when it surely did not run: a 429, or no connection at all.
        """
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_exponential_jitter(
                multiplier=self.retry_wait, max=self.retry_wait * 32, jitter=self.retry_wait
            ),
            retry=retry_if_exception(is_transient if repeatable else surely_not_applied),
            before_sleep=_log_retry,
            reraise=True,
        )

        def attempt() -> T:
            self.requests += 1
            return send()

        try:
            return retrying(attempt)
        except APIError as error:
            raise self._api_error(what, error) from None
        except (requests.RequestException, OSError) as error:
            if not repeatable and not surely_not_applied(error):
                raise NetworkError(
                    f"The connection broke during the {what} ({type(error).__name__}); Google "
                    "may or may not have applied it. Check the sheet before running again."
                ) from None
            # Setting cells is repeatable, but a write whose answer was lost may still
            # have landed: do not claim that nothing was written.
            outcome = (
                "The write may have reached Google before the connection failed (it may "
                "have been written); syncing again is safe."
                if what.startswith("write") and not surely_not_applied(error)
                else _nothing_written(what)
            )
            raise NetworkError(
                f"Google Sheets could not be reached for the {what} after "
                f"{self.max_retries + 1} tries ({type(error).__name__}). {outcome} "
                "Check the connection and run again."
            ) from None
        except Exception as error:
            mapped = _auth_error(error)
            if mapped is None:
                raise
            raise mapped from None

    def _api_error(self, what: str, error: APIError) -> UserError:
        status = _status(error)
        message = str(error.error.get("message", ""))
        if status == 400 and ("Unable to parse range" in message or "exceeds grid" in message):
            raise _BadRange(message)
        if status == 400 and "No grid with id" in message:
            return SheetChangedError(
                "A tab was deleted or replaced while syncing; nothing was written."
            )
        if status in TRANSIENT_STATUS:
            reason = (
                "the per-minute request quota is used up"
                if status == 429
                else f"Google answered {status}"
            )
            return NetworkError(
                f"Google Sheets refused the {what} after {self.max_retries + 1} tries: "
                f"{reason}. {_nothing_written(what)} Wait a minute and run again."
            )
        if status == 401:
            return AuthError(
                "Google rejected the credentials (401). Download a fresh key, or for "
                "auth: oauth delete the cached token and sign in again."
            )
        if status == 403:
            return AccessError(self._forbidden_hint(what, message))
        if status == 404:
            return AccessError(
                f"There is no spreadsheet with the key {self.key}. Check source.spreadsheet "
                "(copy the sheet's URL from the browser)."
            )
        return DataError(f"Google refused the {what} ({status}): {message}")

    def _forbidden_hint(self, what: str, message: str) -> str:
        if "has not been used" in message or "is disabled" in message:
            return (
                "The Google Sheets API is not enabled for the credentials' Cloud project. "
                "Enable it (Cloud console > APIs & Services > Library > Google Sheets API) "
                "and run again."
            )
        role = "an Editor" if what.startswith("write") else "an Editor (Viewer is not enough)"
        if self.account_email:
            return (
                f"The service account {self.account_email} cannot open this spreadsheet. "
                f"Open the sheet, click Share and add {self.account_email} as {role}."
            )
        return (
            "Your Google account cannot open this spreadsheet. Ask its owner to share it "
            f"with you as {role}, or check source.spreadsheet."
        )


def _new_sheet(title: str, taken: set[int]) -> SheetInfo:
    """A fresh tab with Google's default 1000 x 26 grid and an unused id."""
    sheet_id = random.randrange(1, 2**31 - 1)
    while sheet_id in taken:
        sheet_id = random.randrange(1, 2**31 - 1)
    return SheetInfo(sheet_id, title, 1000, 26)


def _same_person(got: tuple[str, str], expected: tuple[str, str]) -> bool:
    """Identity cells compare as text; a number from values.batchGet still matches the
    date, date-time or number the grid read made of it."""
    return all(
        a == b or b in _readings(a) or _same_number(a, b)
        for a, b in zip(got, expected, strict=True)
    )


def _same_number(a: str, b: str) -> bool:
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def _readings(text: str) -> set[str]:
    """The texts the grid read may have shown for a value that came back as a number."""
    try:
        number = float(text)
    except ValueError:
        return set()
    found = set()
    try:
        found.add(from_serial(number).isoformat())
        found.add(str(dt.datetime(1899, 12, 30) + dt.timedelta(days=number)))
    except (ValueError, OverflowError):
        pass
    return found


def _status(error: APIError) -> int:
    response = getattr(error, "response", None)
    code = getattr(response, "status_code", None)
    return int(code) if isinstance(code, int) else int(error.code)


def is_transient(error: BaseException) -> bool:
    """Worth retrying: 408, 429, 5xx, timeouts, dropped connections."""
    if isinstance(error, APIError):
        return _status(error) in TRANSIENT_STATUS
    if isinstance(error, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(error, requests.exceptions.ChunkedEncodingError):
        return True
    from google.auth.exceptions import TransportError

    return isinstance(error, TransportError)


def surely_not_applied(error: BaseException) -> bool:
    """Failures after which Google certainly did nothing: quota refusals, no connection."""
    if isinstance(error, APIError):
        return _status(error) == 429
    return isinstance(error, requests.exceptions.ConnectTimeout) or (
        isinstance(error, requests.ConnectionError)
        and not isinstance(error, requests.exceptions.ChunkedEncodingError | requests.ReadTimeout)
        and "RemoteDisconnected" not in str(error)
        and "Connection aborted" not in str(error)
    )


def _auth_error(error: Exception) -> UserError | None:
    from google.auth.exceptions import RefreshError, TransportError

    if isinstance(error, RefreshError):
        # The reason ("invalid_grant", ...) names no secret; the key itself never appears.
        reason = str(error.args[0]) if error.args else type(error).__name__
        return AuthError(
            f"Google refused the credentials ({reason.split(':')[0]}). The key may have been "
            "deleted or the sign-in revoked; create a new key or sign in again."
        )
    if isinstance(error, TransportError):
        return NetworkError("Google's sign-in service could not be reached; run again later.")
    return None


def _nothing_written(what: str) -> str:
    return "Nothing was written." if what.startswith("write") else "Nothing was changed."


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    error = outcome.exception() if outcome is not None else None
    label = f"{_status(error)}" if isinstance(error, APIError) else type(error).__name__
    log.info("request failed (%s), retry %d", label, state.attempt_number)


# --- opening from the config ----------------------------------------------------------------


def client_for(credentials: Any, session: requests.Session | None = None) -> gspread.Client:
    """A gspread Client; with a session, it is used as is (tests, the offline demo)."""
    if session is not None:
        return gspread.Client(auth=None, session=session)  # type: ignore[arg-type]
    return gspread.Client(auth=credentials)


def open_google_backend(config: Config, session: requests.Session | None = None) -> GoogleBackend:
    """The backend for `source.kind: google`: credentials loaded, sheet named by URL or key."""
    from sheets_keepup.backends.google_auth import load_credentials, spreadsheet_key

    source = config.source
    assert source.spreadsheet is not None
    key = spreadsheet_key(source.spreadsheet)
    loaded = load_credentials(source)
    log.debug("using %s credentials", loaded.method)
    return GoogleBackend(
        client_for(loaded.credentials, session),
        key,
        account_email=loaded.account_email,
        credentials_note=loaded.describe(),
        max_retries=source.max_retries,
        timeout_seconds=source.timeout_seconds,
    )
