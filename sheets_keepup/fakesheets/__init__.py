"""An offline, stateful fake of the Google Sheets API v4 for tests and demos.

It is a real HTTP server on a loopback port that real gspread talks to, answering with
the JSON shapes, range normalisation and error bodies Google's API uses (checked against
recorded Google traffic), validating request bodies against Google's discovery document,
and applying ``spreadsheets.batchUpdate`` atomically.

Use from tests::

    from sheets_keepup.fakesheets import FakeSheetsServer, fake_session
    import gspread

    with FakeSheetsServer() as server:
        key = server.state.create_spreadsheet(
            {"Contacts": [["Name", "Last contact"], ["Ada", datetime.date(2024, 1, 5)]]}
        )
        gc = gspread.Client(auth=None, session=fake_session(server))
        ws = gc.open_by_key(key).worksheet("Contacts")
        ws.update([["overdue"]], "C2")
        assert server.state.values(key, "Contacts!C2") == [["overdue"]]
        assert server.request_count(kind="write") == 1

Faults for resilience tests live on ``server.faults``: ``queue_error(429, count=2)``,
``drop_connection()``, ``set_latency(0.2)``, ``set_quota(60, clock=...)``,
``revoke_permission()`` and ``before_request(callback)`` to edit the sheet between a
read and a write. ``server.requests`` logs every request (method, path, query, sizes,
status).

``sheets-keepup demo --google`` runs the real Google code path against this server, so
the demo needs no account and no network.
"""

from .errors import ApiError
from .faults import Faults, RequestInfo, RequestRecord
from .model import Sheet, Spreadsheet
from .server import FakeSheetsServer
from .session import FakeSession, NonLoopbackRequestError, fake_session, is_loopback_host
from .state import FakeSheetsState
from .valueops import date_cell

__all__ = [
    "ApiError",
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
