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
import logging
import random
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import gspread
import requests
from gspread.exceptions import APIError
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_URL
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from sheets_keepup.backends.base import BackendBase, WriteStats
from sheets_keepup.backends.google.decode import (
    Grid,
    Json,
    SheetInfo,
    decode_grid_read,
    find_sheet,
    quote_title,
)
from sheets_keepup.backends.google.encode import MAX_BODY_BYTES, build_requests, pack_bodies
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
from sheets_keepup.core.dates import from_serial
from sheets_keepup.core.errors import (
    AccessError,
    AuthError,
    DataError,
    NetworkError,
    SheetChangedError,
    UserError,
)
from sheets_keepup.core.headers import column_letter
from sheets_keepup.core.model import (
    CellValue,
    ChangeSet,
    Identity,
    SheetData,
    Tab,
)

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

T = TypeVar("T")


_SHEET_PROPERTIES = "properties(sheetId,title,gridProperties(rowCount,columnCount))"
READ_FIELDS = (
    "properties(title,locale),"
    f"sheets({_SHEET_PROPERTIES},data(startRow,startColumn,rowData(values("
    "effectiveValue,effectiveFormat.numberFormat.type,userEnteredFormat.backgroundColor))))"
)
TITLES_FIELDS = f"properties(title,locale),sheets({_SHEET_PROPERTIES})"


class _BadRange(Exception):
    """A 400 about a range: the tab is missing or the grid shrank."""


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
    ) -> None:
        self.client = client
        self.key = spreadsheet_key
        self.account_email = account_email
        self._credentials_note = credentials_note or ""
        self.max_retries = max_retries
        self.retry_wait = retry_wait
        self.max_body_bytes = max_body_bytes
        self.client.set_timeout(timeout_seconds)
        self.sheets: dict[str, SheetInfo] = {}
        self.title = ""
        self._last_write: WriteStats | None = None
        # HTTP requests sent, every retry included (the nightly job logs it).
        self._requests = 0
        # Tabs a read asked for and found missing (casefolded): later reads skip them.
        self.missing_tabs: set[str] = set()

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
        self._last_write = WriteStats(tuple(len(b) for b in bodies), len(requests_))

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
            self._requests += 1
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
