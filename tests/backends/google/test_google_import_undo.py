"""A LinkedIn import and its undo on a Google Sheet, against the offline Sheets API fake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fake_google import FakeGoogle

from sheets_keepup.app.contacts import import_contacts, undo_import
from sheets_keepup.app.sync import sync
from sheets_keepup.core.sample import CONTACT_HEADERS, sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)
FIXTURES = Path(__file__).resolve().parents[2] / "core" / "importers" / "fixtures"


def google_config(key: str) -> Config:
    return Config(source=SourceConfig(kind="google", spreadsheet=key))


def test_connected_dates_land_in_a_new_column_and_undo_takes_them_out(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    key = fake.create(sample_tabs(TODAY))
    config = google_config(key)
    before = fake.rows(key, "Contacts")
    header = before.index(CONTACT_HEADERS)
    state = tmp_path / "state"

    summary = import_contacts(
        fake.backend(key), FIXTURES / "linkedin_connections.csv", config, state_dir=state
    )

    rows = fake.rows(key, "Contacts")
    connected = len(CONTACT_HEADERS)
    assert rows[header] == [*CONTACT_HEADERS, "Connected"]
    jane = rows[summary.new[0].row - 1]
    assert jane[connected] == dt.date(2024, 11, 12), "read back as a date, not a number"
    assert jane[CONTACT_HEADERS.index("Last contact")] is None

    sync(fake.backend(key), config, TODAY)  # owned cells of the new rows get values
    undo = undo_import(fake.backend(key), config, state)

    assert undo.written and undo.refused == [] and undo.header_cleared
    after = fake.rows(key, "Contacts")
    for row, _ in undo.removed:
        assert row >= len(after) or not any(v not in (None, "") for v in after[row])
    assert after[header][:connected] == CONTACT_HEADERS
    # The header goes; the owned columns the sync put to its right stay where they are.
    assert after[header][connected] in (None, "")
    assert after[header][connected + 1] == "Next action"
    user = len(CONTACT_HEADERS)
    assert [trim(r[:user]) for r in after[: len(before)]] == [trim(r[:user]) for r in before]


def trim(row: list[Any]) -> list[Any]:
    while row and row[-1] in (None, ""):
        row = row[:-1]
    return row
