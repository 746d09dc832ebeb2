"""The HTTP server: routes Sheets v4 (and a sliver of Drive v3) onto :class:`FakeSheetsState`."""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import devmeta, valueops
from .batch import apply_batch
from .discovery import Validator
from .errors import ApiError, bad_request
from .faults import Faults, RequestInfo, RequestRecord
from .fieldmask import apply_mask, parse_mask
from .model import Grid, Spreadsheet
from .state import FakeSheetsState, new_sheet, spreadsheet_json
from .values import JsonDict

_BOOK = r"/v4/spreadsheets/(?P<id>[^/:]+)"
# (http method, raw-path regex, route name, discovery method id, kind for quotas)
ROUTES: list[tuple[str, re.Pattern[str], str, str, str]] = [
    ("GET", re.compile(_BOOK + r"$"), "get", "sheets.spreadsheets.get", "read"),
    (
        "POST",
        re.compile(_BOOK + r":batchUpdate$"),
        "batch_update",
        "sheets.spreadsheets.batchUpdate",
        "write",
    ),
    (
        "GET",
        re.compile(_BOOK + r"/values:batchGet$"),
        "values_batch_get",
        "sheets.spreadsheets.values.batchGet",
        "read",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values:batchUpdate$"),
        "values_batch_update",
        "sheets.spreadsheets.values.batchUpdate",
        "write",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values:batchClear$"),
        "values_batch_clear",
        "sheets.spreadsheets.values.batchClear",
        "write",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values/(?P<range>.+):append$"),
        "values_append",
        "sheets.spreadsheets.values.append",
        "write",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values/(?P<range>.+):clear$"),
        "values_clear",
        "sheets.spreadsheets.values.clear",
        "write",
    ),
    (
        "GET",
        re.compile(_BOOK + r"/values/(?P<range>[^/]+)$"),
        "values_get",
        "sheets.spreadsheets.values.get",
        "read",
    ),
    (
        "PUT",
        re.compile(_BOOK + r"/values/(?P<range>[^/]+)$"),
        "values_update",
        "sheets.spreadsheets.values.update",
        "write",
    ),
    (
        "POST",
        re.compile(_BOOK + r":getByDataFilter$"),
        "get_by_data_filter",
        "sheets.spreadsheets.getByDataFilter",
        "read",
    ),
    (
        "GET",
        re.compile(_BOOK + r"/developerMetadata/(?P<metadataId>[^/:]+)$"),
        "developer_metadata_get",
        "sheets.spreadsheets.developerMetadata.get",
        "read",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/developerMetadata:search$"),
        "developer_metadata_search",
        "sheets.spreadsheets.developerMetadata.search",
        "read",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values:batchGetByDataFilter$"),
        "values_batch_get_by_data_filter",
        "sheets.spreadsheets.values.batchGetByDataFilter",
        "read",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values:batchUpdateByDataFilter$"),
        "values_batch_update_by_data_filter",
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
        "write",
    ),
    (
        "POST",
        re.compile(_BOOK + r"/values:batchClearByDataFilter$"),
        "values_batch_clear_by_data_filter",
        "sheets.spreadsheets.values.batchClearByDataFilter",
        "write",
    ),
    ("POST", re.compile(r"/v4/spreadsheets$"), "create", "sheets.spreadsheets.create", "write"),
    ("GET", re.compile(r"/drive/v3/files/(?P<id>[^/:]+)$"), "drive_get", "", "other"),
    ("DELETE", re.compile(r"/drive/v3/files/(?P<id>[^/:]+)$"), "drive_delete", "", "other"),
    ("POST", re.compile(r"/drive/v3/files$"), "drive_create", "", "other"),
    ("GET", re.compile(r"/drive/v3/files$"), "drive_list", "", "other"),
]
CELL_LIMIT = 10_000_000  # Google's per-spreadsheet cell limit
# Routes that apply the ``fields`` query parameter themselves.
_SELF_MASKING = ("get", "get_by_data_filter", "drive_get", "drive_list")
# Names of the Drive routes in the request log (Drive is not validated, so has no id).
_DRIVE_NAMES = {
    "drive_get": "drive.files.get",
    "drive_delete": "drive.files.delete",
    "drive_create": "drive.files.create",
    "drive_list": "drive.files.list",
}
# The one Drive query clause the fake understands (what gspread's ``open(title)`` sends).
_NAME_CLAUSE = re.compile(r"""name\s*=\s*(["'])(.*?)\1""")


class FakeSheetsServer:
    """A stateful Google Sheets API v4 fake on a free loopback port.

    >>> with FakeSheetsServer() as server:
    ...     key = server.state.create_spreadsheet({"Contacts": [["Name"], ["Ada"]]})
    ...     gc = gspread.Client(auth=None, session=fake_session(server))
    ...     gc.open_by_key(key).worksheet("Contacts").get_all_values()
    [['Name'], ['Ada']]
    """

    def __init__(self, state: FakeSheetsState | None = None) -> None:
        # FakeSheetsState loads the discovery document, so this raises
        # DiscoveryDocumentError (before any socket is opened) when it is missing.
        self.state = state or FakeSheetsState()
        self.faults = Faults()
        self.requests: list[RequestRecord] = []
        self._log_lock = threading.Lock()
        self._counter = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        host, port = self._httpd.server_address[:2]
        if not ipaddress.ip_address(str(host)).is_loopback:  # not an assert: -O must not skip it
            self._httpd.server_close()
            raise RuntimeError(f"the fake must only bind loopback, got {host!r}")
        self.host, self.port = str(host), int(port)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    @property
    def validator(self) -> Validator:
        """Checks every request against Google's discovery document (always on)."""
        return self.state.validator

    def start(self) -> FakeSheetsServer:
        """Serve in a daemon thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},  # quick shutdown matters in test suites
                name="fake-sheets",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> FakeSheetsServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # --- request log --------------------------------------------------------------------

    def request_count(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        kind: str | None = None,
        *,
        name: str | None = None,
    ) -> int:
        """Number of logged requests matching all the given filters."""
        return len(self.find_requests(method, path_contains, kind, name=name))

    def find_requests(
        self,
        method: str | None = None,
        path_contains: str | None = None,
        kind: str | None = None,
        *,
        name: str | None = None,
    ) -> list[RequestRecord]:
        """Logged requests matching all the given filters, oldest first.

        ``name`` is the API method as Google names it, whole
        (``sheets.spreadsheets.values.batchUpdateByDataFilter``) or by its last part
        (``batchUpdateByDataFilter``, ``developerMetadata.search``).
        """
        with self._log_lock:
            records = list(self.requests)
        return [
            r
            for r in records
            if (method is None or r.method == method.upper())
            and (path_contains is None or path_contains in r.path)
            and (kind is None or r.kind == kind)
            and (name is None or r.name == name or r.name.endswith("." + name))
        ]

    def bytes_transferred(self) -> tuple[int, int]:
        """(request body bytes, response body bytes) over the whole log."""
        with self._log_lock:
            return sum(r.body_size for r in self.requests), sum(
                r.response_size for r in self.requests
            )

    def clear_log(self) -> None:
        with self._log_lock:
            self.requests.clear()

    def _log(self, record: RequestRecord) -> None:
        with self._log_lock:
            self.requests.append(record)

    def _next_number(self) -> int:
        with self._log_lock:
            self._counter += 1
            return self._counter

    # --- dispatch -----------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, JsonDict]:
        """Serve one API call (faults already applied); returns (status, JSON body)."""
        for verb, pattern, name, method_id, _kind in ROUTES:
            match = pattern.match(raw_path)
            if match is None or verb != method:
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            if method_id:
                self.validator.check_query(method_id, query)
                root = "data" if name in ("values_update", "values_append") else ""
                if body is not None:
                    self.validator.check_body(method_id, body, root)
            handler = getattr(self, "_" + name)
            with self.state.lock:
                result: JsonDict = handler(params, query, body if isinstance(body, dict) else {})
            fields = query.get("fields")
            if fields and name not in _SELF_MASKING:
                try:
                    result = dict(apply_mask(result, parse_mask(fields[-1])))
                except ValueError as err:
                    raise bad_request(f"Invalid field selection {fields[-1]}") from err
            return (204 if name == "drive_delete" else 200), result
        raise ApiError(404, f"Method not found: {method} {raw_path}")

    def _book(self, params: dict[str, str]) -> Spreadsheet:
        return self.state.get(params["id"])

    def _get(self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict) -> JsonDict:
        return self.state.metadata(params["id"], query)

    def _get_by_data_filter(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        return self.state.metadata_by_filter(params["id"], query, body)

    def _developer_metadata_get(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        return devmeta.get_one(self._book(params), params["metadataId"])

    def _developer_metadata_search(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        return devmeta.search(self._book(params), list(body.get("dataFilters") or []))

    def _values_batch_get_by_data_filter(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Each selected range once, with every request filter that selected it; a filter
        selecting nothing adds nothing (the docs describe only the matches)."""
        book = self._book(params)
        matched: dict[str, tuple[str, list[JsonDict]]] = {}
        for data_filter in body.get("dataFilters") or []:
            for grid in devmeta.filter_grids(book, data_filter):
                matched.setdefault(grid.a1, (grid.a1, []))[1].append(data_filter)
        ranges = [
            {
                "valueRange": valueops.read_values(
                    book,
                    text,
                    str(body.get("valueRenderOption") or "FORMATTED_VALUE"),
                    str(body.get("dateTimeRenderOption") or "SERIAL_NUMBER"),
                    str(body.get("majorDimension") or "ROWS"),
                ),
                "dataFilters": filters,
            }
            for text, filters in matched.values()
        ]
        out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
        if ranges:
            out["valueRanges"] = ranges
        return out

    def _values_batch_update_by_data_filter(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Every range a DataFilterValueRange's filter selects gets its values (a row
        found by metadata is the whole row; JSON null leaves a cell as it is, "" clears
        it). Values larger than a selected range fail the whole request, as documented.
        A filter selecting nothing writes nothing and gets no entry in ``responses``:
        the docs describe responses only "for each range updated"."""
        option = body.get("valueInputOption")
        if option not in ("RAW", "USER_ENTERED"):
            raise bad_request("'valueInputOption' is required but not specified")

        def run(book: Spreadsheet) -> JsonDict:
            responses: list[tuple[JsonDict, str]] = []
            for item in body.get("data") or []:
                data_filter = item.get("dataFilter") or {}
                for grid in devmeta.filter_grids(book, data_filter, for_write=True):
                    written = _write_in_grid(book, grid, item, str(option))
                    responses.append(({**written, "dataFilter": data_filter}, grid.a1))
            return _by_filter_response(book, responses, body)

        return self._atomic_values(params, run)

    def _values_batch_clear_by_data_filter(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        def run(book: Spreadsheet) -> JsonDict:
            cleared: list[str] = []
            for data_filter in body.get("dataFilters") or []:
                for grid in devmeta.filter_grids(book, data_filter):
                    text = valueops.clear_values(book, grid.a1)
                    if text not in cleared:
                        cleared.append(text)
            out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
            if cleared:
                out["clearedRanges"] = cleared
            return out

        return self._atomic_values(params, run)

    def _batch_update(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Atomic: run everything on a deep copy and swap it in only if all succeeded."""
        book = self._book(params)
        draft = book.clone()
        replies = apply_batch(draft, list(body.get("requests") or []), self.validator)
        self._commit(draft)
        out: JsonDict = {"spreadsheetId": draft.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            ranges = list(body.get("responseRanges") or [])
            out["updatedSpreadsheet"] = spreadsheet_json(
                draft, bool(body.get("responseIncludeGridData")), ranges
            )
        return out

    def _values_get(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        q = _flat(query)
        return valueops.read_values(
            self._book(params),
            params["range"],
            q.get("valueRenderOption", "FORMATTED_VALUE"),
            q.get("dateTimeRenderOption", "SERIAL_NUMBER"),
            q.get("majorDimension", "ROWS"),
        )

    def _values_batch_get(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        q = _flat(query)
        book = self._book(params)
        out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
        ranges = [
            valueops.read_values(
                book,
                text,
                q.get("valueRenderOption", "FORMATTED_VALUE"),
                q.get("dateTimeRenderOption", "SERIAL_NUMBER"),
                q.get("majorDimension", "ROWS"),
            )
            for text in query.get("ranges", [])
        ]
        if ranges:
            out["valueRanges"] = ranges
        return out

    def _values_update(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        q = _flat(query)
        return self._atomic_values(
            params, lambda book: self._write_one(book, params["range"], body, q)
        )

    def _write_one(
        self, book: Spreadsheet, text: str, body: JsonDict, q: dict[str, str]
    ) -> JsonDict:
        written, rows, cols, cells = valueops.write_values(
            book, text, body, q.get("valueInputOption")
        )
        out = valueops.update_response(book, written, (rows, cols, cells))
        if q.get("includeValuesInResponse", "").lower() == "true":
            out["updatedData"] = valueops.read_values(
                book,
                written.a1,
                q.get("responseValueRenderOption", "FORMATTED_VALUE"),
                q.get("responseDateTimeRenderOption", "SERIAL_NUMBER"),
            )
        return out

    def _values_batch_update(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        opts = {k: str(v) for k, v in body.items() if k != "data" and v is not None}

        def run(book: Spreadsheet) -> JsonDict:
            responses = [
                self._write_one(book, str(vr.get("range", "")), vr, opts)
                for vr in body.get("data") or []
            ]
            out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
            if responses:
                out["totalUpdatedRows"] = sum(r.get("updatedRows", 0) for r in responses)
                out["totalUpdatedColumns"] = max(r.get("updatedColumns", 0) for r in responses)
                out["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
                out["totalUpdatedSheets"] = len(
                    {r["updatedRange"].rsplit("!", 1)[0] for r in responses}
                )
                out["responses"] = responses
            return out

        if opts.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            raise bad_request("'valueInputOption' is required but not specified")
        return self._atomic_values(params, run)

    def _values_append(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        return self._atomic_values(
            params, lambda book: valueops.append_values(book, params["range"], body, _flat(query))
        )

    def _values_clear(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        def run(book: Spreadsheet) -> JsonDict:
            return {
                "spreadsheetId": book.spreadsheet_id,
                "clearedRange": valueops.clear_values(book, params["range"]),
            }

        return self._atomic_values(params, run)

    def _values_batch_clear(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        def run(book: Spreadsheet) -> JsonDict:
            cleared = [valueops.clear_values(book, str(text)) for text in body.get("ranges") or []]
            out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
            if cleared:
                out["clearedRanges"] = cleared
            return out

        return self._atomic_values(params, run)

    def _atomic_values(
        self, params: dict[str, str], run: Callable[[Spreadsheet], JsonDict]
    ) -> JsonDict:
        """Values writes are all-or-nothing too: work on a copy, then swap."""
        draft = self._book(params).clone()
        result: JsonDict = run(draft)
        self._commit(draft)
        return result

    def _commit(self, draft: Spreadsheet) -> None:
        """Swap a fully applied draft in, unless it breaks the workbook cell limit."""
        cells = sum(s.row_count * s.col_count for s in draft.sheets)
        if cells > CELL_LIMIT:
            raise bad_request(
                "This action would increase the number of cells in the workbook above the "
                f"limit of {CELL_LIMIT} cells."
            )
        draft.touch()
        self.state.spreadsheets[draft.spreadsheet_id] = draft

    def _create(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """``spreadsheets.create``: a new spreadsheet from the given properties and sheets."""
        props = dict(body.get("properties") or {})
        key = self.state.create_spreadsheet(
            {},
            title=str(props.get("title") or "Untitled spreadsheet"),
            locale=str(props.get("locale") or "en_US"),
            time_zone=str(props.get("timeZone") or "Etc/GMT"),
        )
        book = self.state.get(key)
        wanted = [s.get("properties") or {} for s in body.get("sheets") or []] or [{}]
        book.sheets = []
        for index, sheet_props in enumerate(wanted):
            grid = sheet_props.get("gridProperties") or {}
            sheet = new_sheet(
                int(sheet_props.get("sheetId", index)),
                index,
                str(sheet_props.get("title") or f"Sheet{index + 1}"),
                int(grid.get("rowCount", 1000)),
                int(grid.get("columnCount", 26)),
                int(grid.get("frozenRowCount", 0)),
            )
            book.sheets.append(sheet)
        return spreadsheet_json(book, False, [])

    def _drive_create(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Drive ``files.create`` of a Google Sheets file (what ``gspread.Client.create`` does)."""
        if body.get("mimeType") != "application/vnd.google-apps.spreadsheet":
            raise bad_request("The fake only creates Google Sheets files.")
        key = self.state.create_spreadsheet(title=str(body.get("name") or "Untitled spreadsheet"))
        return {
            "kind": "drive#file",
            "id": key,
            "name": self.state.get(key).title,
            "mimeType": "application/vnd.google-apps.spreadsheet",
        }

    def _drive_list(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Drive ``files.list`` of spreadsheets, filtered by a ``name = "..."`` clause."""
        q = _flat(query).get("q", "")
        wanted = _NAME_CLAUSE.search(q)
        files = [
            {
                "kind": "drive#file",
                "id": book.spreadsheet_id,
                "name": book.title,
                "mimeType": "application/vnd.google-apps.spreadsheet",
                "createdTime": book.created_time,
                "modifiedTime": book.modified_time,
            }
            for book in self.state.spreadsheets.values()
            if wanted is None or book.title == wanted.group(2)
        ]
        full: JsonDict = {"kind": "drive#fileList", "incompleteSearch": False, "files": files}
        fields = _flat(query).get("fields")
        return dict(apply_mask(full, parse_mask(fields))) if fields else full

    def _drive_delete(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Drive ``files.delete``: answered with 204 and no body."""
        self._book(params)
        del self.state.spreadsheets[params["id"]]
        return {}

    def _drive_get(
        self, params: dict[str, str], query: dict[str, list[str]], body: JsonDict
    ) -> JsonDict:
        """Drive ``files.get`` metadata, enough for gspread's ``lastUpdateTime``."""
        book = self._book(params)
        full = {
            "kind": "drive#file",
            "id": book.spreadsheet_id,
            "name": book.title,
            "mimeType": "application/vnd.google-apps.spreadsheet",
            "createdTime": book.created_time,
            "modifiedTime": book.modified_time,
        }
        fields = _flat(query).get("fields")
        if not fields:
            return {k: full[k] for k in ("kind", "id", "name", "mimeType")}
        return dict(apply_mask(full, parse_mask(fields)))


def _write_in_grid(book: Spreadsheet, grid: Grid, item: JsonDict, option: str) -> JsonDict:
    """Write a DataFilterValueRange's values from the top-left of one selected range."""
    rows = valueops.rows_of(item)
    height, width = len(rows), max((len(r) for r in rows), default=0)
    if height > grid.rows or width > grid.cols:
        raise bad_request(
            f"Requested writing within range [{grid.a1}], but tried writing "
            f"{height} rows and {width} columns."
        )
    anchor = Grid(
        grid.sheet, grid.start_row, grid.start_row + 1, grid.start_col, grid.start_col + 1
    )
    values = {"values": rows}
    written, counts_rows, counts_cols, cells = valueops.write_values(
        book, anchor.a1, values, option
    )
    return valueops.update_response(book, written, (counts_rows, counts_cols, cells))


def _by_filter_response(
    book: Spreadsheet, responses: list[tuple[JsonDict, str]], body: JsonDict
) -> JsonDict:
    """BatchUpdateValuesByDataFilterResponse: totals (zeros left out, as proto3 JSON
    does) and per range its counts, the filter, and its values after all writes."""
    out: JsonDict = {"spreadsheetId": book.spreadsheet_id}
    if not responses:
        return out
    totals = {
        "totalUpdatedRows": sum(r.get("updatedRows", 0) for r, _ in responses),
        "totalUpdatedColumns": max(r.get("updatedColumns", 0) for r, _ in responses),
        "totalUpdatedCells": sum(r.get("updatedCells", 0) for r, _ in responses),
        "totalUpdatedSheets": len(
            {r["updatedRange"].rsplit("!", 1)[0] for r, _ in responses if r.get("updatedCells")}
        ),
    }
    out.update({k: v for k, v in totals.items() if v})
    if body.get("includeValuesInResponse"):
        for response, matched in responses:
            response["updatedData"] = valueops.read_values(
                book,
                matched,
                str(body.get("responseValueRenderOption") or "FORMATTED_VALUE"),
                str(body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"),
            )
    out["responses"] = [
        {k: v for k, v in response.items() if k != "spreadsheetId"} for response, _ in responses
    ]
    return out


def _flat(query: dict[str, list[str]]) -> dict[str, str]:
    """Last value of every query parameter."""
    return {k: v[-1] for k, v in query.items() if v}


def _pretty(query: dict[str, list[str]]) -> bool:
    """Google indents its JSON unless the standard parameter prettyPrint is false."""
    value = (query.get("prettyPrint") or ["true"])[-1].lower()
    return value not in ("false", "0")


def _encode(payload: Any, pretty: bool) -> bytes:
    if pretty:
        return json.dumps(payload, indent=2, ensure_ascii=False).encode()
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _kind_of(method: str, path: str) -> str:
    for verb, pattern, _name, _mid, kind in ROUTES:
        if verb == method and pattern.match(path):
            return kind
    return "other"


def _name_of(method: str, path: str) -> str:
    """The method a request reaches, named as in Google's discovery documents."""
    for verb, pattern, name, method_id, _kind in ROUTES:
        if verb == method and pattern.match(path):
            return method_id or _DRIVE_NAMES.get(name, name)
    return ""


def _make_handler(server: FakeSheetsServer) -> type[BaseHTTPRequestHandler]:
    """A handler class bound to one FakeSheetsServer."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out in separate writes
        server_version = "ESF"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the request log is the record."""

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            raw_path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            number = server._next_number()
            status, payload, body = self._compute(method, raw_path, query, raw, number)
            data = b"" if status == 204 else _encode(payload, _pretty(query))
            kind = _kind_of(method, raw_path)
            dropped = server.faults.take_drop(method, raw_path)
            server._log(
                RequestRecord(
                    method,
                    raw_path,
                    query,
                    len(raw),
                    len(data),
                    status,
                    kind,
                    body,
                    dropped,
                    _name_of(method, raw_path),
                )
            )
            if server.faults.latency:
                time.sleep(server.faults.latency)
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if dropped:
                # Headers promised a body that never comes: the client sees a broken read.
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.wfile.write(data)

        def _compute(
            self, method: str, raw_path: str, query: dict[str, list[str]], raw: bytes, number: int
        ) -> tuple[int, JsonDict, Any]:
            """Parse, apply faults and hooks, and dispatch; errors become Google bodies."""
            body: Any = None
            try:
                if raw:
                    try:
                        body = json.loads(raw)
                    except ValueError as err:
                        raise bad_request(f"Invalid JSON payload received. {err}") from err
                queued = server.faults.take_error(method, raw_path)
                if queued is not None:
                    raise ApiError(queued.status, queued.message)
                kind = _kind_of(method, raw_path)
                if server.faults.denies(raw_path):
                    raise ApiError(403)
                if kind in ("read", "write") and server.faults.over_quota(kind):
                    label = "Read" if kind == "read" else "Write"
                    raise ApiError(
                        429,
                        f"Quota exceeded for quota metric '{label} requests' and limit "
                        f"'{label} requests per minute per user' of service "
                        "'sheets.googleapis.com' for consumer 'project_number:0'.",
                    )
                info = RequestInfo(method, raw_path, query, body, number)
                for hook in server.faults.take_hooks(method, raw_path, number):
                    with server.state.lock:
                        hook(server.state, info)
                status, payload = server.handle(method, raw_path, query, body)
                return status, payload, body
            except ApiError as err:
                return err.code, err.body(), body
            except Exception as err:  # a fake bug must still answer like a server would
                return (
                    500,
                    ApiError(
                        500, f"Internal error encountered. ({type(err).__name__}: {err})"
                    ).body(),
                    body,
                )

    return Handler
