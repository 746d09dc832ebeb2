"""`sheets-keepup demo --google`: the whole Google path against the offline fake.

The sample contacts are loaded into a local fake of the Sheets API (dates as serial
numbers with a date format, text as text) and synced through real gspread over HTTP
to 127.0.0.1, so a user can see the Google backend work with no account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fakesheets import FakeSheetsServer, fake_session

from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.google.transport import client_for
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig

DEMO_TITLE = "sheets-keepup demo"


@dataclass(frozen=True)
class GoogleDemo:
    """The sync result and what it cost in API requests."""

    result: SyncResult
    reads: int
    writes: int
    body_bytes: int
    second_sync_requests: int
    second_sync_wrote: bool

    @property
    def requests(self) -> int:
        return self.reads + self.writes


def run_google_demo(today: dt.date) -> GoogleDemo:
    """Load the sample into a fresh fake spreadsheet, sync it, then sync it again."""
    with FakeSheetsServer() as server:
        key = server.state.create_spreadsheet(sample_tabs(today), title=DEMO_TITLE, locale="en_GB")
        backend = GoogleBackend(client_for(None, fake_session(server)), key)
        config = Config(source=SourceConfig(kind="google", spreadsheet=key))
        result = sync(backend, config, today)
        reads = server.request_count(kind="read")
        writes = server.request_count(kind="write")
        body_bytes = server.bytes_transferred()[0]
        server.clear_log()
        again = sync(backend, config, today)
        return GoogleDemo(
            result,
            reads=reads,
            writes=writes,
            body_bytes=body_bytes,
            second_sync_requests=server.request_count(),
            second_sync_wrote=again.written,
        )
