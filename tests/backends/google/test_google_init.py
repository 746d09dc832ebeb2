"""`init` on a Google Sheet, checked by the offline fake: one read, then the structure in
one batchUpdate and the headers and sample rows in one values write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fake_google import FakeGoogle

from sheets_keepup.app.init import init_sheet
from sheets_keepup.app.sync import sync
from sheets_keepup.core.init_plan import log_kinds
from sheets_keepup.core.settings import Config, SourceConfig

TODAY = dt.date(2026, 11, 23)
HEADERS = [
    "Name",
    "Email",
    "Phone",
    "Company/Role",
    "How we met",
    "Tier",
    "Cadence",
    "Last contact",
    "Last in person",
    "Birthday",
    "Interests",
    "Notes",
    "Snooze until",
    "Next action",
    "Due",
    "Status",
    "Done",
]


def google_config(key: str) -> Config:
    return Config(source=SourceConfig(kind="google", spreadsheet=key))


def sheet_json(fake: FakeGoogle, key: str, title: str) -> Any:
    with fake.server.state.lock:
        sheet = fake.server.state.get(key).sheet_by_title(title)
        assert sheet is not None, title
        return sheet.clone()


def kinds(body: dict[str, Any]) -> list[str]:
    return [next(iter(r)) for r in body["requests"]]


def method(record: Any) -> str:
    return str(record.name).removeprefix("sheets.spreadsheets.")


def reads(fake: FakeGoogle) -> list[tuple[str, int]]:
    """The read requests (API method, status), sorted: a read's two go out together."""
    return sorted((method(r), r.status) for r in fake.server.find_requests(kind="read"))


def split_write(fake: FakeGoogle) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bodies of the structure write and the values write, the only two writes."""
    structure, values = fake.server.find_requests(kind="write")
    assert method(structure) == "batchUpdate"
    assert method(values) == "values.batchUpdateByDataFilter"
    return structure.body, values.body


def by_position(values: dict[str, Any]) -> bool:
    """Every range of a values write is a grid position: tabs the tool sets up have no
    row anchors, and header cells are placed where the header is."""
    return all(set(d["dataFilter"]) == {"gridRange"} for d in values["data"])


def test_blank_spreadsheet_is_set_up_in_one_structure_and_one_values_write(
    fake: FakeGoogle,
) -> None:
    key = fake.create({"Sheet1": []})
    backend = fake.backend(key)
    config = google_config(key)
    fake.server.clear_log()
    result = init_sheet(backend, config, TODAY, sample=True)
    assert result.written
    # Neither tab exists: the values read fails (400) and has nothing to read again.
    # With no contacts tab, the other tab is read too, in case the list is there.
    assert sorted(reads(fake)) == [
        ("get", 200),
        ("get", 200),
        ("values.batchGet", 200),
        ("values.batchGet", 400),
    ]
    body, value_write = split_write(fake)
    found = kinds(body)
    assert found.count("addSheet") == 2
    assert found.count("updateSheetProperties") == 2
    assert found.count("setDataValidation") == 3  # Tier and Kind dropdowns, Done boxes
    # Both new tabs and the four owned columns carry the tool's mark.
    assert found.count("createDeveloperMetadata") == 6
    assert {"repeatCell", "updateDimensionProperties"} <= set(found)
    assert set(found) <= {
        "addSheet",
        "createDeveloperMetadata",
        "repeatCell",
        "setDataValidation",
        "updateSheetProperties",
        "updateDimensionProperties",
    }
    assert by_position(value_write) and value_write["valueInputOption"] == "RAW"

    rows = fake.rows(key, "Contacts")
    assert rows[0] == HEADERS
    assert all(str(r[0]).startswith("Example:") for r in rows[1:])
    assert fake.rows(key, "Log")[0] == ["Date", "Who", "Kind", "Note"]
    assert fake.rows(key, "Sheet1") == []

    contacts = sheet_json(fake, key, "Contacts")
    assert contacts.properties["gridProperties"]["frozenRowCount"] == 1
    tier = HEADERS.index("Tier")
    last_row = contacts.row_count - 1
    for row in (1, last_row):  # the dropdown reaches the end of the grid
        rule = contacts.cells[(row, tier)]["dataValidation"]
        values = [v["userEnteredValue"] for v in rule["condition"]["values"]]
        assert rule["condition"]["type"] == "ONE_OF_LIST"
        assert values == ["close", "core", "network", "acquaintance"]
        assert rule["showCustomUi"] is True
    assert "dataValidation" not in contacts.cells.get((0, tier), {})
    for name in ("Last contact", "Last in person", "Snooze until", "Due"):
        fmt = contacts.cells[(last_row, HEADERS.index(name))]["userEnteredFormat"]
        assert fmt["numberFormat"] == {"type": "DATE", "pattern": "yyyy-mm-dd"}
    assert contacts.col_meta[HEADERS.index("Notes")]["pixelSize"] == 260

    log = sheet_json(fake, key, "Log")
    assert log.properties["gridProperties"]["frozenRowCount"] == 1
    rule = log.cells[(5, 2)]["dataValidation"]
    assert tuple(v["userEnteredValue"] for v in rule["condition"]["values"]) == log_kinds(config)

    synced = sync(backend, config, TODAY)
    assert synced.written and not synced.problems


def test_existing_contacts_get_only_what_is_missing(fake: FakeGoogle) -> None:
    rows: list[list[Any]] = [
        ["My contacts"],
        [],
        ["Name", "E-mail", "My column", "Tier"],
        ["Ada", "ada@example.com", "x", "close"],
        ["Grace", None, "y", "Core"],
    ]
    key = fake.create({"Contacts": rows}, cols=4, rows=50)
    backend = fake.backend(key)
    fake.server.clear_log()
    result = init_sheet(backend, google_config(key), TODAY)
    assert result.written
    # The missing Log fails the values read, which goes again for Contacts alone.
    assert reads(fake) == [("get", 200), ("values.batchGet", 200), ("values.batchGet", 400)]
    body, value_write = split_write(fake)
    assert kinds(body).count("addSheet") == 1  # the Log
    assert "addConditionalFormatRule" not in kinds(body)  # colours are the sync's
    # The three new headers of Contacts and the Log's header row, by position.
    assert by_position(value_write) and len(value_write["data"]) == 2
    after = fake.rows(key, "Contacts")
    assert after[2] == [*rows[2], "Next action", "Due", "Status", "Done"]
    assert after[3:] == [rows[3], ["Grace", None, "y", "Core"]]
    contacts = sheet_json(fake, key, "Contacts")
    assert contacts.col_count >= 7
    assert contacts.properties["gridProperties"].get("frozenRowCount", 0) == 0
    assert "dataValidation" in contacts.cells[(3, 3)]
    assert "dataValidation" in contacts.cells[(49, 3)]
    assert "dataValidation" not in contacts.cells.get((2, 3), {})
    due = contacts.cells[(10, 5)]["userEnteredFormat"]["numberFormat"]
    assert due["type"] == "DATE"
    assert fake.rows(key, "Log") == [["Date", "Who", "Kind", "Note"]]


def test_init_again_only_sets_the_dropdown_again(fake: FakeGoogle) -> None:
    key = fake.create({"Sheet1": []})
    backend = fake.backend(key)
    init_sheet(backend, google_config(key), TODAY)
    fake.server.clear_log()
    again = init_sheet(backend, google_config(key), TODAY)
    [body] = fake.writes()
    assert kinds(body) == ["setDataValidation"]
    assert not again.plan.changes.cells
