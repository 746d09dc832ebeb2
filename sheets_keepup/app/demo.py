"""`sheets-keepup demo --google`: the whole Google path against the offline fake.

The sample contacts are loaded into a local fake of the Sheets API (dates as serial
numbers with a date format, text as text) and synced through real gspread over HTTP
to 127.0.0.1, so a user can see the Google backend work with no account.

The fake (``fakesheets``, from ``sheets-api-fake/`` in the repository) is not part of the
product: the ``demo`` and ``test`` extras install it. It is imported only when the demo
runs, so this module imports without it; this is the one product module allowed to
import it (an import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.google.transport import client_for
from sheets_keepup.core.errors import UserError
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig

DEMO_TITLE = "sheets-keepup demo"
# One line each: the CLI prints a UserError as plain text on one line.
FAKE_MISSING = (
    "The Google demo needs the Sheets API fake: "
    "in the sheets-keepup folder, run  pip install -e '.[demo]'"
)
FAKE_BROKEN = (
    "The Google demo's Sheets API fake needs google-api-python-client: "
    "run  pip install google-api-python-client"
)


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
    """Load the sample into a fresh fake spreadsheet, sync it, then sync it again.

    Raises :class:`UserError` when the fake, or the discovery document it validates
    every request against, is not installed.
    """
    try:
        from fakesheets import DiscoveryDocumentError, FakeSheetsServer, fake_session
    except ImportError as err:
        raise UserError(FAKE_MISSING) from err
    try:
        fake = FakeSheetsServer()
    except DiscoveryDocumentError as err:
        raise UserError(FAKE_BROKEN) from err
    with fake as server:
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
