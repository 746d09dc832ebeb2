"""Against a real Google Sheet: runs only when both variables name one, never in CI.

SHEETS_KEEPUP_LIVE_CREDENTIALS: a service-account JSON key file.
SHEETS_KEEPUP_LIVE_SHEET: the URL or key of a throwaway sheet shared with that account.
The test (re)creates two tabs, keepup-live-Contacts and keepup-live-Log, in that sheet.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from sheets_keepup.app.sync import sync
from sheets_keepup.backends.google import open_google_backend
from sheets_keepup.core.model import ChangeSet
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig, TabsConfig

CREDENTIALS = os.environ.get("SHEETS_KEEPUP_LIVE_CREDENTIALS")
SHEET = os.environ.get("SHEETS_KEEPUP_LIVE_SHEET")

pytestmark = pytest.mark.skipif(
    not (CREDENTIALS and SHEET),
    reason="set SHEETS_KEEPUP_LIVE_CREDENTIALS and SHEETS_KEEPUP_LIVE_SHEET to run",
)


def test_live_sync_twice() -> None:
    assert CREDENTIALS and SHEET
    today = dt.date.today()
    config = Config(
        source=SourceConfig(kind="google", spreadsheet=SHEET, credentials=Path(CREDENTIALS)),
        tabs=TabsConfig(contacts="keepup-live-Contacts", log="keepup-live-Log"),
    )
    backend = open_google_backend(config)
    tabs = sample_tabs(today)
    for name, rows in (
        ("keepup-live-Contacts", tabs["Contacts"][2:]),
        ("keepup-live-Log", tabs["Log"]),
    ):
        backend.read([name])
        backend.apply(ChangeSet(tab=name, create_tab=True, replace=True, appends=rows))

    first = sync(backend, config, today)
    assert first.written and len(first.plan.rows) == len(tabs["Contacts"]) - 3
    second = sync(backend, config, today)
    assert not second.written and not second.changes
    data = backend.read(["keepup-live-Contacts"]).tabs["keepup-live-Contacts"]
    names = [row[0] for row in data.rows[1:] if row]
    assert any(str(n).startswith("=HYPERLINK") for n in names)  # stayed text
