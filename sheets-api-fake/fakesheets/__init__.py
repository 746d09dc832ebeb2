"""An offline, stateful fake of the Google Sheets API v4, for tests and demos.

It is a real HTTP server on a loopback port that real gspread 6 talks to. Its answers
have Google's JSON shapes, range normalisation, value rendering and error bodies (checked
by replaying traffic recorded against the real API), and ``spreadsheets.batchUpdate`` is
atomic. Request bodies and query parameters are always validated against Google's Sheets
v4 discovery document, which ships in google-api-python-client (a dependency of this
package); if it cannot be loaded, creating a :class:`FakeSheetsState` or
:class:`FakeSheetsServer` raises :class:`DiscoveryDocumentError`.

Use from tests::

    import datetime, gspread
    from fakesheets import FakeSheetsServer, fake_session

    with FakeSheetsServer() as server:
        key = server.state.create_spreadsheet(
            {"Contacts": [["Name", "Last contact"], ["Ada", datetime.date(2024, 1, 5)]]},
            title="CRM", locale="en_GB",
        )
        gc = gspread.Client(auth=None, session=fake_session(server))
        ws = gc.open_by_key(key).worksheet("Contacts")
        ws.update([["overdue"]], "C2")
        assert server.state.values(key, "Contacts!C2") == [["overdue"]]
        assert server.request_count(kind="write") == 1

Seeding and inspecting (``server.state``, a :class:`FakeSheetsState`):
``create_spreadsheet(sheets, title=, spreadsheet_id=, locale=, time_zone=, rows=, cols=,
frozen_rows=)`` takes str/int/float/bool/None, ``datetime.date`` (a serial number with a
date format), :func:`date_cell` or raw CellData dicts. ``values(id, range, render=)``,
``cell(id, "Tab!B2")``, ``background(id, "Tab!B2")``, ``backgrounds``/``formats(id,
range)`` and ``sheet_properties(id, title)`` read back. ``insert_rows``, ``delete_rows``,
``set_values`` and ``apply(id, *batch_requests)`` edit like a user would, without HTTP
(``apply`` validates its requests as the HTTP batchUpdate does).
``developer_metadata(id)`` lists metadata with its current locations,
``conditional_formats(id, title)`` a tab's rules, and ``shown_format(id, title, row, col,
today)`` the colour and weight a cell shows once the first matching rule applies.

Faults (``server.faults``): ``queue_error(429 | 500 | 503, count=, method=,
path_pattern=)``, ``drop_connection()``, ``set_latency(seconds)``,
``set_quota(per_minute, clock=, write_per_minute=)``, ``revoke_permission(spreadsheet_id=)``
and ``before_request(callback, method=, path_pattern=, once=, at_request=)`` (alias
``between_requests``) to change the sheet between a sync's read and its write.

Request log: ``server.requests`` (:class:`RequestRecord`: method, path, query, body and
response sizes, status, read/write kind, and ``name``, the API method as Google's
discovery document names it), ``request_count(...)``, ``find_requests(..., name=)``,
``bytes_transferred()`` and ``clear_log()``.

Drive v3 is covered only as far as gspread needs it: ``files.create`` (``gc.create``),
``files.list`` with a name filter (``gc.open(title)``), ``files.get`` and ``files.delete``.

This package is the ``sheets-keepup-fakesheets`` distribution in ``sheets-api-fake/`` of
the sheets-keepup repository, installed by its ``test`` and ``demo`` extras; it does not
import sheets-keepup. sheets-keepup's tests use it, and ``sheets-keepup demo --google``
runs the real Google code path against it (an account and a network are not needed).
"""

from .discovery import DiscoveryDocumentError
from .errors import ApiError
from .faults import Faults, RequestInfo, RequestRecord
from .model import Sheet, Spreadsheet
from .server import FakeSheetsServer
from .session import FakeSession, NonLoopbackRequestError, fake_session, is_loopback_host
from .state import FakeSheetsState
from .valueops import date_cell

__all__ = [
    "ApiError",
    "DiscoveryDocumentError",
    "FakeSession",
    "FakeSheetsServer",
    "FakeSheetsState",
    "Faults",
    "NonLoopbackRequestError",
    "RequestInfo",
    "RequestRecord",
    "Sheet",
    "Spreadsheet",
    "date_cell",
    "fake_session",
    "is_loopback_host",
]
