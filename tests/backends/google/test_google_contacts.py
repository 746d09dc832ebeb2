"""Import and log on the Google backend, against the offline fake API: requests counted.

A read is the metadata and the values of the asked tabs, sent together (so the two may
reach the server in either order); a write is the structure (new rows, tabs, anchors)
and then every value in one request, each sent only when there is any.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from fake_google import FakeGoogle

from sheets_keepup.app.contacts import import_contacts, log_touch
from sheets_keepup.app.sync import sync
from sheets_keepup.core.errors import DataError
from sheets_keepup.core.sample import sample_tabs
from sheets_keepup.core.settings import Config, SourceConfig
from sheets_keepup.core.touchlog import LOG_HEADERS

TODAY = dt.date(2026, 11, 23)
DAY = dt.date(2026, 11, 21)
FIXTURES = Path(__file__).resolve().parents[2] / "core" / "importers" / "fixtures"


def google_config(key: str) -> Config:
    return Config(source=SourceConfig(kind="google", spreadsheet=key))


READ = ["get", "values.batchGet"]
"""The two requests of one read, sorted by name."""
STRUCTURE, VALUES = "batchUpdate", "values.batchUpdateByDataFilter"


def method(record: Any) -> str:
    return str(record.name).removeprefix("sheets.spreadsheets.")


def reads(fake: FakeGoogle) -> list[str]:
    """The read requests by API method, sorted: the two of a read go out together."""
    return sorted(method(r) for r in fake.server.find_requests(kind="read"))


def writes(fake: FakeGoogle) -> list[str]:
    """The write requests by API method, in the order they were sent."""
    return [method(r) for r in fake.server.find_requests(kind="write")]


def kinds(body: dict[str, Any]) -> list[str]:
    return [next(iter(r)) for r in body["requests"]]


def test_import_with_fills_is_one_read_a_structure_write_and_a_values_write(
    fake: FakeGoogle,
) -> None:
    tabs = sample_tabs(TODAY)
    tabs["Contacts"].append(["Jane Doe", "jane.doe@example.com"])
    key = fake.create(tabs)
    backend = fake.backend(key)
    config = google_config(key)
    before = fake.rows(key, "Contacts")
    fake.server.clear_log()
    summary = import_contacts(backend, FIXTURES / "google_contacts.csv", config, fill_empty=True)
    assert summary.written and summary.new and summary.fills
    assert reads(fake) == READ
    assert writes(fake) == [STRUCTURE, VALUES]
    structure, values = fake.server.find_requests(kind="write")
    # New people are appended; Jane's row is anchored so that her fills reach her.
    assert set(kinds(structure.body)) == {"appendCells", "createDeveloperMetadata"}
    [fill] = values.body["data"]
    assert set(fill["dataFilter"]) == {"developerMetadataLookup"}
    assert values.body["valueInputOption"] == "RAW"
    for write in (structure, values):
        assert "formulaValue" not in json.dumps(write.body)
    after = fake.rows(key, "Contacts")
    jane = len(before) - 1
    assert after[jane][:3] == ["Jane Doe", "jane.doe@example.com", "+1 555 0100"]
    assert [r[0] for r in after[len(before) :]] == [n.person.name for n in summary.new]

    fake.server.clear_log()
    again = import_contacts(backend, FIXTURES / "google_contacts.csv", config, fill_empty=True)
    assert again.new == [] and again.fills == [] and not again.written
    assert reads(fake) == READ and writes(fake) == []


def test_import_of_new_people_is_one_read_and_two_writes(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    fake.server.clear_log()
    summary = import_contacts(
        fake.backend(key), FIXTURES / "linkedin_connections.csv", google_config(key)
    )
    assert summary.written and len(summary.new) == 5
    # Appended rows need no anchor (no value goes through one). The rows and the new
    # Connected column's date format go first, then that column's header cell.
    assert reads(fake) == READ and writes(fake) == [STRUCTURE, VALUES]
    structure, _values = fake.server.find_requests(kind="write")
    assert kinds(structure.body) == ["appendCells", "repeatCell"]
    added = fake.rows(key, "Contacts")[-5:]
    assert added[0][:4] == [
        "Jane Doe",
        "jane.doe@example.com",
        None,
        "Acme Widgets, Inc. / Head of Product",
    ]
    assert added[0][7] is None, "a connection date is not a last contact"
    assert added[0][13] == dt.date(2024, 11, 12)


def test_import_dry_run_only_reads(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    fake.server.clear_log()
    summary = import_contacts(
        fake.backend(key), FIXTURES / "contacts_v4.vcf", google_config(key), dry_run=True
    )
    assert summary.new and not summary.written
    assert reads(fake) == READ and writes(fake) == []


def test_formula_looking_names_are_written_as_strings(fake: FakeGoogle, tmp_path: Path) -> None:
    key = fake.create({"Contacts": [["Name", "Email"], ["Ada", "ada@example.com"]]})
    csv = tmp_path / "Connections.csv"
    csv.write_text(
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
        "=cmd,,,evil@example.com,,,\n",
        encoding="utf-8",
    )
    import_contacts(fake.backend(key), csv, google_config(key))
    assert fake.rows(key, "Contacts")[2] == ["=cmd", "evil@example.com"]


def test_log_creates_the_tab_in_one_write_and_sync_sees_it(fake: FakeGoogle) -> None:
    tabs = sample_tabs(TODAY)
    del tabs["Log"]
    key = fake.create(tabs)
    backend = fake.backend(key)
    config = google_config(key)
    fake.server.clear_log()
    plan = log_touch(backend, config, "bruno castillo", "coffee", note="x", day=DAY, today=TODAY)
    assert plan.written and plan.created_tab
    # The missing Log fails the values read (400), which goes again for Contacts alone.
    assert reads(fake) == ["get", "values.batchGet", "values.batchGet"]
    assert [r.status for r in fake.server.find_requests(name="values.batchGet")] == [400, 200]
    assert writes(fake) == [STRUCTURE, VALUES]
    structure, values = fake.server.find_requests(kind="write")
    # The new tab and the mark that makes it the tool's; its rows go by position.
    # The new tab, its mark, and the date format of the touch's date cell.
    assert kinds(structure.body) == ["addSheet", "createDeveloperMetadata", "repeatCell"]
    [rows] = values.body["data"]
    assert set(rows["dataFilter"]) == {"gridRange"}
    log = fake.rows(key, "Log")
    assert log[0] == LOG_HEADERS and log[1][1:] == ["Bruno Castillo", "coffee", "x"]
    result = sync(fake.backend(key), config, TODAY)
    bruno = result.plan.rows[result.plan.rows["name"] == "Bruno Castillo"].iloc[0]
    assert "thank-you" in bruno["next_action"]


def test_log_that_creates_the_tab_writes_its_date_as_a_date(fake: FakeGoogle) -> None:
    """The date of the first touch in a Log tab the tool adds shows as a date, not as
    the day number the values write carries."""
    tabs = sample_tabs(TODAY)
    del tabs["Log"]
    key = fake.create(tabs)
    log_touch(fake.backend(key), google_config(key), "bruno castillo", "call", day=DAY)
    assert fake.rows(key, "Log")[1][0] == DAY


def test_log_appends_one_row_under_the_existing_headers(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    backend = fake.backend(key)
    log_before = fake.rows(key, "Log")
    fake.server.clear_log()
    log_touch(backend, google_config(key), "dara@example.com", "call", day=DAY, today=TODAY)
    # An appended row needs no anchor and no values write: one read, one write.
    assert reads(fake) == READ and writes(fake) == [STRUCTURE]
    assert fake.rows(key, "Log") == [*log_before, [DAY, "Dara Nwosu", "call"]]


def test_log_for_an_unknown_person_sends_no_write(fake: FakeGoogle) -> None:
    key = fake.create(sample_tabs(TODAY))
    fake.server.clear_log()
    with pytest.raises(DataError):
        log_touch(fake.backend(key), google_config(key), "Nobody", "call", day=DAY)
    assert reads(fake) == READ and writes(fake) == []


def test_an_imported_date_filled_into_an_existing_row_is_a_date(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    """A date that fills an empty cell of a row already there shows as a date, like the
    dates of the rows the same import appends."""
    tabs = {"Contacts": [["Name", "Email", "Last contact"], ["Jane Doe", "jane.doe@example.com"]]}
    key = fake.create(tabs)
    summary = import_contacts(
        fake.backend(key),
        FIXTURES / "linkedin_connections.csv",
        google_config(key),
        fill_empty=True,
    )
    assert [f.field for f in summary.fills] == ["connected"]
    rows = fake.rows(key, "Contacts")
    assert rows[0] == ["Name", "Email", "Last contact", "Connected"]
    assert all(isinstance(r[3], dt.date) for r in rows[2:] if len(r) > 3)  # the appended
    assert rows[1][3] == dt.date(2024, 11, 12)
