"""Google Sheets through gspread 6: the only module that sends requests to Google.

A sync reads with two requests sent together (a metadata `spreadsheets.get` with a
field mask and no cells, and one `values.batchGet` of the Contacts and Log tabs) and,
when something changed, writes structure (if any) in one `spreadsheets.batchUpdate`
and every value in one `values.batchUpdateByDataFilter`, contact rows located by their
row anchors (`anchors.py`). Only a write whose body would pass Google's 2 MB advice is
split, into the fewest requests, in order.

Example, against any `requests.Session` (the offline fake uses this seam)::

    client = gspread.Client(auth=None, session=session)
    backend = GoogleBackend(client, "1AbC...")
    data = backend.read(["Contacts", "Log"])
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_URL, SPREADSHEETS_API_V4_BASE_URL
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sheets_keepup.backends.base import BackendBase, WriteStats
from sheets_keepup.backends.google.anchors import (
    ANCHOR_CHARACTERS,
    misplaced,
    plan_anchors,
    row_keys,
)
from sheets_keepup.backends.google.decode import (
    Grid,
    Json,
    SheetInfo,
    SheetMeta,
    anchors_of,
    column_rows,
    decode_grid_read,
    find_sheet,
    quote_title,
)
from sheets_keepup.backends.google.encode import (
    MAX_BODY_BYTES,
    anchor_requests,
    anchored_value_range,
    append_requests,
    colour_requests,
    date_column_request,
    date_format_requests,
    grid_requests,
    grid_value_range,
    highlight_requests,
    linked_grid_request,
    mark_column_requests,
    mark_tab_request,
    pack_bodies,
    pack_value_bodies,
    positional_value_range,
    setup_extent,
    setup_requests,
)
from sheets_keepup.backends.google.transport import (
    COMPACT,
    TRANSIENT_STATUS,
    _auth_error,
    _log_retry,
    _nothing_written,
    _status,
    is_transient,
    surely_not_applied,
)
from sheets_keepup.core.errors import (
    AccessError,
    AuthError,
    DataError,
    NetworkError,
    SheetChangedError,
    UserError,
)
from sheets_keepup.core.gcpause import gc_paused
from sheets_keepup.core.headers import column_letter
from sheets_keepup.core.model import (
    CellValue,
    CellWrite,
    ChangeSet,
    SheetData,
    Tab,
    WriteValue,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

T = TypeVar("T")


_SHEET_PROPERTIES = "properties(sheetId,title,index,gridProperties(rowCount,columnCount))"
META_FIELDS = (
    "properties(title,locale),"
    f"sheets({_SHEET_PROPERTIES},developerMetadata(metadataKey),"
    "conditionalFormats(ranges,booleanRule(condition,format(backgroundColor,textFormat.bold))),"
    "data(startRow,startColumn,columnMetadata(developerMetadata(metadataKey)),"
    "rowMetadata(developerMetadata(metadataValue))))"
)
"""The metadata read: every tab's id, title and size, the tool's marks, conditional
formats and row anchors. No cell values."""
COLOUR_FIELDS_READ = (
    f"sheets({_SHEET_PROPERTIES},data(startRow,startColumn,rowData(values("
    "userEnteredFormat.backgroundColor))))"
)
"""Cell fills, read only once, to take off the fills an older version painted."""
TITLES_FIELDS = f"properties(title,locale),sheets({_SHEET_PROPERTIES})"
VALUES_PARAMS = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "COLUMNS",
}
"""The lightest read of values: numbers, dates as days, text; one list per column."""
VERIFY_FIELDS = (
    "updatedSpreadsheet(sheets(properties(sheetId,title),data(startRow,startColumn,"
    "rowMetadata(developerMetadata(metadataId,metadataKey,metadataValue)),"
    "rowData(values(effectiveValue)))))"
)
"""What the write that places new anchors answers: where they landed, and who is there."""
MAX_ANCHOR_ROUNDS = 3
ANSWER_MARGIN = 500
"""Rows around the new anchors that the write placing them answers (see `response_range`)."""
VALUES_UPDATE_URL = SPREADSHEETS_API_V4_BASE_URL + "/%s/values:batchUpdateByDataFilter"
FITTED_SPARE_ROWS = 20
CLEAR_ROWS, CLEAR_COLS = 200, 26
"""How much of a tab the tool owns a rewrite blanks at most (its tabs are far smaller)."""


class _BadRange(Exception):
    """A 400 about a range: the tab is missing or the grid shrank."""


ADDS_EACH_TIME = frozenset(
    {"addConditionalFormatRule", "createDeveloperMetadata", "deleteConditionalFormatRule"}
)
"""Requests that do their work again when sent again: a second copy of a rule or an
anchor, or one more rule deleted by its position."""


class AnswerLostError(NetworkError, SheetChangedError):
    """A structure write may have landed, but its answer never came back.

    Sent again blindly it could add its colour rules and row anchors twice, so the sync
    reads the sheet again and plans from what is really there instead.
    """

    may_have_written = True


def answered_or_unsent(error: BaseException) -> bool:
    """Transient failures after which Google surely did not apply the request: it
    answered with an error (429, 5xx), or the request never reached it."""
    return (isinstance(error, APIError) and is_transient(error)) or surely_not_applied(error)


class GoogleBackend(BackendBase):
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
        anchor_budget: int = ANCHOR_CHARACTERS,
    ) -> None:
        self.client = client
        self.key = spreadsheet_key
        self.account_email = account_email
        self._credentials_note = credentials_note or ""
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.max_body_bytes = max_body_bytes
        self.anchor_budget = anchor_budget
        self.client.set_timeout(timeout_seconds)
        self.sheets: dict[str, SheetInfo] = {}
        self.title = ""
        self._last_write: WriteStats | None = None
        # HTTP requests sent, every retry included (the nightly job logs it).
        self._requests = 0
        # Tabs a read asked for and found missing (casefolded): later reads skip them.
        self.missing_tabs: set[str] = set()
        # What the last read learnt: every tab's metadata, and the values of those read.
        self.meta: dict[str, SheetMeta] = {}
        self.rows: dict[str, list[list[CellValue]]] = {}

    def describe(self) -> str:
        return f"Google Sheet {self.key}"

    @property
    def requests(self) -> int:
        return self._requests

    @property
    def last_write(self) -> WriteStats | None:
        return self._last_write

    def credentials_note(self) -> str:
        return self._credentials_note

    # --- reading --------------------------------------------------------------------------

    def read(self, tabs: Sequence[str]) -> SheetData:
        """Two requests sent together: the metadata of every tab, and the named tabs' values.

        The metadata read (`spreadsheets.get` with a field mask and no cells) learns every
        tab's id, the tool's marks, conditional formats and row anchors; the values read
        (`values.batchGet`, unformatted, by column) is about 7 times smaller than a grid
        read with formats. A tab that does not exist makes the values read fail with a
        400; it is then sent again for the tabs that do (and later reads skip the missing
        ones). Cell fills are not read: a tab's `background` fetches them on first use,
        which only taking off the fills an older version painted needs (once).
        """
        asked = [t for t in tabs if t.casefold() not in self.missing_tabs] or list(tabs)
        with ThreadPoolExecutor(max_workers=2) as pool:
            meta_call = pool.submit(self._get, [], META_FIELDS)
            values_call = pool.submit(self._values, asked)
            meta = meta_call.result()
            try:
                ranges: list[Json] | None = values_call.result()
            except _BadRange:
                ranges = None
        for _round in range(2):
            present = self._learn(meta, tabs)
            if ranges is not None and len(ranges) == len(asked) and asked == present:
                break
            asked = present
            try:
                ranges = self._values(present) if present else []
                break
            except _BadRange:
                # A tab went between the two reads: learn the tabs again, read again.
                meta, ranges = self._get([], META_FIELDS), None
        if ranges is None:
            raise SheetChangedError(
                "Tabs were renamed or deleted while they were being read; nothing was "
                "written. Run the sync again."
            )
        props = meta.get("properties") or {}
        self.title = str(props.get("title", ""))
        found: dict[str, Tab] = {}
        for name, value_range in zip(asked, ranges, strict=True):
            sheet = find_sheet(self.meta, name)
            assert sheet is not None
            rows = column_rows(value_range)
            self.rows[sheet.info.title] = rows
            found[name] = Tab(
                sheet.info.title,
                rows,
                background=self._lazy_background(sheet.info.title),
                highlight=sheet.rules.highlight,
                owned_columns=sheet.columns,
            )
        return SheetData(
            tabs=found,
            locale=props.get("locale"),
            title=self.title,
            owned_tabs=frozenset(m.info.title for m in self.meta.values() if m.owned),
            titles=list(self.meta),
        )

    def _learn(self, meta: Json, tabs: Sequence[str]) -> list[str]:
        """Keep what a metadata read says of every tab; the asked tabs that exist."""
        sheets = [SheetMeta.of(sheet) for sheet in meta.get("sheets") or ()]
        self.meta = {m.info.title: m for m in sheets}
        self.sheets = {m.info.title: m.info for m in sheets}
        present = [t for t in tabs if find_sheet(self.sheets, t) is not None]
        self.missing_tabs = {t.casefold() for t in tabs if t not in present}
        return present

    def _values(self, tabs: Sequence[str]) -> list[Json]:
        """One values.batchGet of whole tabs; raises _BadRange when one does not exist."""
        if not tabs:
            return []
        http = self.client.http_client
        ranges = [quote_title(t) for t in tabs]
        params = {**VALUES_PARAMS, **COMPACT}
        # The JSON of a big sheet is millions of small objects: the collector's passes
        # over them, not the parse, would be most of the read's time.
        with gc_paused():
            answer = self._call(
                "read", lambda: http.values_batch_get(self.key, ranges, dict(params))
            )
        return list(answer.get("valueRanges") or ())

    def _lazy_background(self, title: str) -> Callable[[int, int], str | None]:
        """A tab's cell fills, read in one request the first time one is asked for."""
        cache: list[dict[tuple[int, int], str]] = []

        def background(row: int, col: int) -> str | None:
            if not cache:
                data = self._get([quote_title(title)], COLOUR_FIELDS_READ, grid=True)
                grid = Grid()
                for sheet in data.get("sheets") or ():
                    for block in sheet.get("data") or ():
                        grid.add(block)
                cache.append(grid.colours)
            return cache[0].get((row, col))

        return background

    def tab_titles(self) -> list[str]:
        """Every tab's title, in order (one small request unless a read just learnt them)."""
        if self.sheets:
            return list(self.sheets)
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
        """Write `changes`: structure first, then every value in one request.

        Structure (new tabs, columns and their marks, colour rules, row anchors, fills,
        appended rows, formats) is one `spreadsheets.batchUpdate`, sent only when there is
        any. Values all go in one `values.batchUpdateByDataFilter`: a contact row's cells
        through its anchor, so they land on that person wherever the row is by then;
        headers and the tool's own tabs by position. When new anchors were placed, the
        structure write answers where they landed, and one that landed on someone else
        (a row was inserted meanwhile) is moved before any value goes out.
        """
        if not changes:
            return
        plans = [self._plan_tab(part) for part in changes.all_tabs() if part or part.create_tab]
        structure = [req for plan in plans for req in plan.structure]
        bodies: list[int] = []
        sub_requests = len(structure)
        if structure:
            bodies += self._write_structure(structure, plans)
        for plan in plans:
            if plan.by_position:
                self._check_positions(plan)
        counted = [0]

        def value_ranges() -> Iterator[Json]:
            # Encoded one by one as the bodies are packed (see `pack_value_bodies`).
            for plan in plans:
                for item in plan.values_for():
                    counted[0] += 1
                    yield item

        value_bodies = pack_value_bodies(value_ranges(), self.max_body_bytes)
        if value_bodies:
            for number, body in enumerate(value_bodies, start=1):
                what = (
                    "write" if len(value_bodies) == 1 else f"write {number} of {len(value_bodies)}"
                )
                try:
                    self._post(VALUES_UPDATE_URL % self.key, body, what, repeatable=True)
                except UserError as error:
                    # The structure write, if any, landed before this one.
                    error.may_have_written = error.may_have_written or bool(structure)
                    if number > 1:
                        error.may_have_written = True
                        said = str(error).replace(" Nothing was written.", "")
                        error.args = (
                            f"{said} Parts 1 to {number - 1} of {len(value_bodies)} of the "
                            "values were written; syncing again finishes the job.",
                        )
                    raise
                bodies.append(len(body))
            sub_requests += counted[0]
        for plan in plans:
            if plan.create:
                self.sheets[plan.sheet.title] = plan.sheet
                self.missing_tabs.discard(plan.sheet.title.casefold())
        self._last_write = WriteStats(tuple(bodies), sub_requests)

    def _plan_tab(self, changes: ChangeSet) -> _TabPlan:
        sheet, create = self._target(changes)
        meta = None if create else find_sheet(self.meta, sheet.title)
        plan = _TabPlan(changes, sheet, create)
        structure = plan.structure
        if create:
            properties: Json = {"sheetId": sheet.sheet_id, "title": sheet.title}
            if changes.replace:
                # A tab the tool rewrites whole gets a grid its size, not 1000 x 26 empty
                # cells that every read would list.
                sheet = _fitted(sheet, changes)
                grid = {"rowCount": sheet.rows, "columnCount": sheet.cols}
                properties["gridProperties"] = grid
                plan.sheet = sheet
            structure.append({"addSheet": {"properties": properties}})
            structure.append(mark_tab_request(sheet.sheet_id))
        elif changes.create_tab and meta is not None and not meta.owned:
            structure.append(mark_tab_request(sheet.sheet_id))
        structure += grid_requests(changes, sheet)
        # A column already marked (a write whose values never landed) is not marked twice.
        unmarked = [c for c in changes.mark_columns if meta is None or c not in meta.columns]
        if unmarked:
            structure += mark_column_requests(sheet.sheet_id, unmarked)
            due = changes.owned_columns.get("due")
            if due is not None and due in changes.mark_columns and changes.identity is not None:
                structure.append(date_column_request(sheet.sheet_id, due, changes.identity.first))
        if changes.highlight is not None:
            own = meta.rules.indices if meta is not None else ()
            total = meta.rule_count if meta is not None else 0
            structure += highlight_requests(changes.highlight, sheet.sheet_id, own, total)
        structure += [req for _row, req in colour_requests(changes, sheet.sheet_id)]
        if not (changes.replace or create):
            # A tab rewritten whole takes its new rows in the values write.
            structure += append_requests(changes, sheet.sheet_id)
        adopting = meta is not None and changes.create_tab and not meta.owned
        if changes.setup is not None and (create or adopting or not changes.replace):
            structure += setup_requests(changes.setup, sheet.sheet_id)
        due = changes.owned_columns.get("due")
        dated_by_setup = set(changes.setup.date_columns) if changes.setup is not None else set()
        skip = {due} if due is not None else set()
        if changes.replace and not (create or adopting):
            skip |= dated_by_setup  # formatted when the tab was set up
        structure += date_format_requests(
            _with_appends_as_cells(changes), sheet.sheet_id, sorted(skip)
        )
        if plan.whole_in_structure:
            structure.append(plan.linked_tab())
        plan.place_anchors(self.rows.get(sheet.title, []), meta, self.anchor_budget)
        return plan

    def _target(self, changes: ChangeSet) -> tuple[SheetInfo, bool]:
        """The target tab, and whether it must be created."""
        sheet = find_sheet(self.sheets, changes.tab)
        if sheet is None and not self.meta:
            # No read yet: learn the tabs (a read already knows every one of them).
            meta = self._get([], TITLES_FIELDS)
            self.sheets.update({s.title: s for s in map(SheetInfo.of, meta.get("sheets") or ())})
            sheet = find_sheet(self.sheets, changes.tab)
        if sheet is None:
            if not changes.create_tab:
                raise SheetChangedError(f"Tab '{changes.tab}' disappeared before the write.")
            return _new_sheet(changes.tab, {s.sheet_id for s in self.sheets.values()}), True
        return sheet, False

    def _write_structure(self, structure: list[Json], plans: list[_TabPlan]) -> list[int]:
        """Send the structure write; move any new anchor that landed on someone else."""
        anchored = [plan for plan in plans if plan.new_anchors]
        sizes: list[int] = []
        # The last body also asks for the sheet back (`_with_answer`): leave room for that.
        room = len(_with_answer(b'{"requests":[]}', anchored)) - 15 if anchored else 0
        bodies = pack_bodies(structure, self.max_body_bytes - room)
        # Appended rows and new tabs are sent again only when they surely did not land (a
        # second copy would be the user's to clean up). Rules and anchors are sent again
        # after an error answer; when the answer is lost, the sync reads and plans again.
        repeatable = not any(plan.changes.appends or plan.create for plan in plans)
        replans = repeatable and any(next(iter(req)) in ADDS_EACH_TIME for req in structure)
        for number, body in enumerate(bodies, start=1):
            what = "write" if len(bodies) == 1 else f"write {number} of {len(bodies)}"
            verify = bool(anchored) and number == len(bodies)
            sent = _with_answer(body, anchored) if verify else body
            try:
                answer = self._post(
                    SPREADSHEET_BATCH_UPDATE_URL % self.key,
                    sent,
                    what,
                    repeatable=repeatable,
                    fields=VERIFY_FIELDS if verify else None,
                    retry_when=answered_or_unsent if replans else None,
                )
            except NetworkError as error:
                if replans and error.may_have_written:
                    raise AnswerLostError(
                        f"The connection broke before Google answered the {what}, so it "
                        "may have been written. Syncing again is safe: a sync reads what "
                        "landed before writing. Check the connection and run again."
                    ) from None
                raise
            sizes.append(len(sent))
        for _round in range(MAX_ANCHOR_ROUNDS):
            fixes = [req for plan in anchored for req in plan.fixes(answer)]
            if not fixes:
                return sizes
            sent = _with_answer(pack_bodies(fixes, self.max_body_bytes)[0], anchored)
            answer = self._post(
                SPREADSHEET_BATCH_UPDATE_URL % self.key,
                sent,
                "write",
                repeatable=True,
                fields=VERIFY_FIELDS,
            )
            sizes.append(len(sent))
        raise SheetChangedError(
            "Rows kept moving while sheets-keepup placed its row anchors; no value was "
            "written. Sync again when the sheet is not being edited."
        )

    def _check_positions(self, plan: _TabPlan) -> None:
        """Before writing rows by position, re-read who is on them (one small read).

        Only for rows without an anchor (a tab past its metadata budget): if one now
        holds someone else, nothing is written and the sync plans again.
        """
        identity = plan.changes.identity
        assert identity is not None
        cols = sorted({c for c in (identity.name_col, identity.email_col) if c is not None})
        first, last = min(plan.by_position), max(plan.by_position) + 1
        title = quote_title(plan.sheet.title)
        ranges = [f"{title}!{column_letter(c)}{first + 1}:{column_letter(c)}{last}" for c in cols]
        http = self.client.http_client
        params = {**VALUES_PARAMS, **COMPACT}
        try:
            answer = self._call(
                "identity check", lambda: http.values_batch_get(self.key, ranges, dict(params))
            )
        except _BadRange:
            raise SheetChangedError(
                f"Tab '{plan.sheet.title}' was renamed, deleted or shortened while syncing; "
                "nothing was written."
            ) from None
        width = cols[-1] + 1
        rows: list[list[CellValue]] = [[None] * width for _ in range(last)]
        for col, found in zip(cols, answer.get("valueRanges") or (), strict=False):
            column = ((found.get("values") or [[]])[0:1] or [[]])[0]
            for offset, value in enumerate(column):
                rows[first + offset][col] = None if value == "" else value
        now = row_keys(rows, identity, identity.first)
        for row, key in plan.by_position.items():
            if now.get(row, "").split(".")[0] != key.split(".")[0]:
                raise SheetChangedError(
                    f"Row {row + 1} of '{plan.sheet.title}' no longer holds the same person "
                    "(the sheet was edited during the sync); nothing was written."
                )

    def _post(
        self,
        url: str,
        body: bytes,
        what: str,
        *,
        repeatable: bool,
        fields: str | None = None,
        retry_when: Callable[[BaseException], bool] | None = None,
    ) -> Json:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        params: dict[str, Any] = dict(COMPACT) if fields is None else {**COMPACT, "fields": fields}
        http = self.client.http_client

        def post() -> Any:
            return http.request("post", url, params=params, data=body, headers=dict(headers))

        try:
            response = self._call(what, post, repeatable=repeatable, retry_when=retry_when)
        except _BadRange:
            raise SheetChangedError(
                "A tab was renamed or deleted while syncing; nothing was written."
            ) from None
        try:
            return dict(response.json())
        except ValueError:
            return {}

    # --- requests, retries and errors ----------------------------------------------------

    def _call(
        self,
        what: str,
        send: Callable[[], T],
        *,
        repeatable: bool = True,
        retry_when: Callable[[BaseException], bool] | None = None,
    ) -> T:
        """Send one request, retrying transient failures; map the rest to user errors.

        A request that must not run twice (it appends rows or adds a tab) is retried only
        when it surely did not run: a 429, or no connection at all. `retry_when`, when
        given, decides instead which transient failures are worth sending again.
        """
        if retry_when is None:
            retry_when = is_transient if repeatable else surely_not_applied
        retrying = Retrying(
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait_exponential_jitter(
                multiplier=self.retry_wait, max=self.retry_wait * 32, jitter=self.retry_wait
            ),
            retry=retry_if_exception(retry_when),
            before_sleep=_log_retry,
            reraise=True,
        )

        def attempt() -> T:
            self._requests += 1
            return send()

        try:
            return retrying(attempt)
        except APIError as error:
            raise self._api_error(what, error) from None
        except (requests.RequestException, OSError) as error:
            if not repeatable and not surely_not_applied(error):
                broke = NetworkError(
                    f"The connection broke during the {what} ({type(error).__name__}); Google "
                    "may or may not have applied it. Check the sheet before running again."
                )
                broke.may_have_written = True
                raise broke from None
            # Setting cells is repeatable, but a write whose answer was lost may still
            # have landed: do not claim that nothing was written.
            outcome = (
                "The write may have reached Google before the connection failed (it may "
                "have been written); syncing again is safe."
                if what.startswith("write") and not surely_not_applied(error)
                else _nothing_written(what)
            )
            failed = NetworkError(
                f"Google Sheets could not be reached for the {what} after "
                f"{self.max_retries + 1} tries ({type(error).__name__}). {outcome} "
                "Check the connection and run again."
            )
            failed.may_have_written = what.startswith("write") and not surely_not_applied(error)
            raise failed from None
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


@dataclass
class _TabPlan:
    """One tab's part of a write: its structure requests and how its values go out."""

    changes: ChangeSet
    sheet: SheetInfo
    create: bool
    structure: list[Json] = field(default_factory=list)
    keys: dict[int, str] = field(default_factory=dict)
    """Anchor value of each row (as read) that holds someone."""
    new_anchors: dict[str, int] = field(default_factory=dict)
    """Anchors placed by this write and not yet seen where they landed: value -> row."""
    lost: set[str] = field(default_factory=set)
    """Anchors whose person left the sheet during the write: their values are not sent."""
    by_position: dict[int, str] = field(default_factory=dict)
    """Rows written by position (no room for their anchor): row -> who must be there."""

    def place_anchors(
        self, rows: list[list[CellValue]], meta: SheetMeta | None, budget: int
    ) -> None:
        """Anchor the rows this write changes; drop anchors no one on the sheet matches."""
        identity = self.changes.identity
        if identity is None or self.create or identity.name_col is identity.email_col is None:
            return
        keys = row_keys(rows, identity, identity.first)
        touched = {c.row for c in self.changes.cells if c.row in keys}
        for row in touched:
            expected = identity.rows.get(row)
            if expected is not None and identity.of(rows[row]) != expected:
                # Planned on another read (a restore of an older snapshot): the row now
                # holds someone else, so nothing is written and the caller plans again.
                raise SheetChangedError(
                    f"Row {row + 1} of '{self.sheet.title}' no longer holds the same person; "
                    "nothing was written."
                )
        anchors = meta.anchors if meta is not None else ()
        plan = plan_anchors(keys, anchors, touched, budget)
        self.structure += anchor_requests(self.sheet.sheet_id, plan.create, plan.delete)
        self.new_anchors = {value: row for row, value in plan.create.items()}
        anchored = {a.value for a in anchors if a.value not in plan.delete}
        anchored |= set(plan.create.values())
        # Rows past the tab's metadata budget have no anchor: written by position, after
        # checking they still hold the same people (`by_position`).
        self.keys = {row: key for row, key in keys.items() if key in anchored}
        self.by_position = {row: keys[row] for row in touched if keys[row] not in anchored}

    def response_range(self) -> str:
        """The identity cells the structure write answers: the rows its new anchors were
        aimed at, and ANSWER_MARGIN rows either side.

        A new anchor sits, right after that write, on the row it was aimed at, so its
        check needs only those rows; the margin finds again a person whom rows inserted
        or deleted meanwhile moved a little. One moved further is not found: that
        anchor is dropped and the person's values wait for the next sync, never landing
        on someone else. At 100,000 contacts the whole columns made this answer the
        sync's largest memory peak.
        """
        identity = self.changes.identity
        assert identity is not None
        cols = [c for c in (identity.name_col, identity.email_col) if c is not None]
        first, last = column_letter(min(cols)), column_letter(max(cols))
        aimed = self.new_anchors.values()
        top = max(0, min(aimed, default=0) - ANSWER_MARGIN)
        # Within the grid: a range past its last row is refused.
        bottom = min(max(aimed, default=0) + ANSWER_MARGIN, max(self.sheet.rows - 1, top))
        return f"{quote_title(self.sheet.title)}!{first}{top + 1}:{last}{bottom + 1}"

    def fixes(self, answer: Json) -> list[Json]:
        """Requests that move this write's new anchors that landed on the wrong row."""
        if not self.new_anchors:
            return []
        identity = self.changes.identity
        assert identity is not None
        sheets = (answer.get("updatedSpreadsheet") or {}).get("sheets") or ()
        sheet = next((s for s in sheets if SheetInfo.of(s).sheet_id == self.sheet.sheet_id), None)
        if sheet is None:
            return []
        grid = Grid()
        for block in sheet.get("data") or ():
            grid.add(block, colours=False)
        keys_now = row_keys(grid.rows, identity, identity.first)
        drop, again = misplaced(self.new_anchors, anchors_of(sheet), keys_now)
        # A dropped anchor whose person is no longer on the sheet: nowhere to write to.
        self.lost |= set(drop) - set(again.values())
        self.new_anchors = {value: row for row, value in again.items()}
        return anchor_requests(self.sheet.sheet_id, again, drop)

    def values_for(self) -> Iterator[Json]:
        """The value ranges of this tab: through anchors, or by position."""
        by_row: dict[int, dict[int, WriteValue]] = {}
        for cell in self.changes.cells:
            by_row.setdefault(cell.row, {})[cell.col] = cell.value
        if self.whole_in_structure:
            return  # sent whole, with its links, in the structure write
        if self.changes.replace or self.create:
            if by_row or self.changes.appends or self.changes.replace:
                yield self._whole_tab(by_row)
            return
        for row, cells in sorted(by_row.items()):
            key = self.keys.get(row)
            if key is not None:
                if key not in self.lost:
                    yield anchored_value_range(key, cells)
                continue
            # A header, a row that holds no one, or one past the anchor budget (checked).
            yield positional_value_range(self.sheet.sheet_id, row, cells)

    @property
    def whole_in_structure(self) -> bool:
        """Whether this tab goes whole in the structure write, not in the values write.

        Links are formats, which the values write cannot set, so a tab with links goes
        there (the digest, written on its own once a week); so does a tab being created,
        as the structure write is sent anyway and the values write may then be spared.
        """
        if self.changes.links and not self.changes.replace:
            raise ValueError("links are written only in a tab the tool rewrites whole")
        return self.changes.replace and (bool(self.changes.links) or self.create)

    def linked_tab(self) -> Json:
        """A tab the tool owns rewritten whole as one updateCells, with its links."""
        by_row: dict[int, dict[int, WriteValue]] = {}
        for cell in self.changes.cells:
            by_row.setdefault(cell.row, {})[cell.col] = cell.value
        links = {(link.row, link.col): link.url for link in self.changes.links}
        return linked_grid_request(self.sheet.sheet_id, self._whole_rows(by_row), links)

    def _whole_tab(self, by_row: dict[int, dict[int, WriteValue]]) -> Json:
        """A tab the tool owns, rewritten whole: its cells and appended rows, and "" over
        the rest of the grid, which clears what an older, longer version of it held."""
        return grid_value_range(self.sheet.sheet_id, 0, 0, self._whole_rows(by_row))

    def _whole_rows(self, by_row: dict[int, dict[int, WriteValue]]) -> list[list[WriteValue]]:
        height = max([r + 1 for r in by_row] or [0])
        for offset, values in enumerate(self.changes.appends):
            by_row[height + offset] = dict(enumerate(values))
        height += len(self.changes.appends)
        width = max([c + 1 for cells in by_row.values() for c in cells] or [1])
        if not self.create:
            height = max(height, min(self.sheet.rows, CLEAR_ROWS))
            width = max(width, min(self.sheet.cols, CLEAR_COLS))
        return [[by_row.get(r, {}).get(c) for c in range(width)] for r in range(height)]


def _with_answer(body: bytes, plans: Sequence[_TabPlan]) -> bytes:
    """A batchUpdate body that also answers the anchors and identity cells after it."""
    request = json.loads(body)
    request["includeSpreadsheetInResponse"] = True
    request["responseIncludeGridData"] = True
    request["responseRanges"] = [plan.response_range() for plan in plans]
    return json.dumps(request, separators=(",", ":"), ensure_ascii=False).encode()


def _with_appends_as_cells(changes: ChangeSet) -> ChangeSet:
    """A tab written whole takes its appended rows as cells below the others (see
    `_TabPlan._whole_tab`); elsewhere appended rows carry their own formats."""
    if not (changes.replace or changes.create_tab) or not changes.appends:
        return changes
    top = max([c.row + 1 for c in changes.cells] or [0])
    extra = [
        CellWrite(top + offset, col, value)
        for offset, values in enumerate(changes.appends)
        for col, value in enumerate(values)
    ]
    return replace(changes, cells=[*changes.cells, *extra])


def _fitted(sheet: SheetInfo, changes: ChangeSet) -> SheetInfo:
    """A new tab's grid: what `changes` writes, with room for a longer next version."""
    rows = max([c.row + 1 for c in changes.cells] or [0]) + len(changes.appends)
    cols = max([c.col + 1 for c in changes.cells] + [len(r) for r in changes.appends] + [1])
    if changes.setup is not None:
        setup_rows, setup_cols = setup_extent(changes.setup)
        rows, cols = max(rows, setup_rows), max(cols, setup_cols)
    return SheetInfo(sheet.sheet_id, sheet.title, rows + FITTED_SPARE_ROWS, cols)


def _new_sheet(title: str, taken: set[int]) -> SheetInfo:
    """A fresh tab with Google's default 1000 x 26 grid and an unused id."""
    sheet_id = random.randrange(1, 2**31 - 1)
    while sheet_id in taken:
        sheet_id = random.randrange(1, 2**31 - 1)
    return SheetInfo(sheet_id, title, 1000, 26)
