"""The Done box end to end: a real workbook and the offline Sheets API.

A tick set in the sheet becomes one Log row and is cleared in the sync's write; the
same sync's plan counts the touch; a failed write leaves the tick for the next sync and
never adds a Log row twice. On Google, the requests a Done-box sync costs are counted.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from core_helpers import HEADERS, TODAY, contacts, make_config, person
from fake_google import FakeGoogle
from fakesheets import FakeSheetsServer

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.errors import AccessError, UserError
from sheets_keepup.core.model import CellWrite, ChangeSet
from sheets_keepup.core.settings import Config

WIDTH = len(HEADERS)
ACTION, STATUS, DONE = WIDTH, WIDTH + 2, WIDTH + 3


def people() -> dict[str, list[list[Any]]]:
    return {
        "Contacts": contacts(
            person("Ann", email="ann@example.com", tier="core", last_contact=dt.date(2026, 1, 5)),
            person("Cy", tier="network", last_contact=dt.date(2026, 11, 1)),
        ),
        "Log": [["Date", "Who", "Kind"], [dt.date(2026, 10, 1), "Cy", "call"]],
    }


# --- xlsx ---------------------------------------------------------------------------------


def xlsx_config(path: Path) -> Config:
    return make_config(source={"kind": "xlsx", "path": str(path)})


def xlsx_rows(path: Path, tab: str) -> list[list[Any]]:
    data = XlsxBackend(path).read([tab])
    return [list(r) for r in data.tabs[tab].rows]


def user_ticks(path: Path, row: int, value: Any = True) -> None:
    """The user ticks a Done cell (written as a workbook app would store it)."""
    backend = XlsxBackend(path)
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(row, DONE, value)]))


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, people(), overwrite=True)
    sync(XlsxBackend(path), xlsx_config(path), TODAY)
    return path


def test_xlsx_first_sync_adds_the_done_column_with_a_true_false_list(workbook: Path) -> None:
    assert xlsx_rows(workbook, "Contacts")[0][DONE] == "Done"
    with zipfile.ZipFile(workbook) as package:
        parts = [package.read(n).decode() for n in package.namelist() if "worksheets/sheet" in n]
    (sheet,) = [p for p in parts if "<dataValidation " in p]
    assert 'sqref="O2:O1048576"' in sheet
    assert '<formula1>"TRUE,FALSE"</formula1>' in sheet


@pytest.mark.parametrize(("tick", "cleared"), [(True, False), ("x", None)])
def test_xlsx_tick_becomes_a_log_row_and_is_cleared_in_one_write(
    workbook: Path, tick: Any, cleared: Any
) -> None:
    user_ticks(workbook, 1, tick)
    before = xlsx_rows(workbook, "Contacts")
    result = sync(XlsxBackend(workbook), xlsx_config(workbook), TODAY)
    assert result.written
    log = xlsx_rows(workbook, "Log")
    assert log[-1][:3] == [TODAY, "Ann", "email"]
    assert len(log) == 3
    after = xlsx_rows(workbook, "Contacts")
    assert (after[1] + [None] * 20)[DONE] == cleared
    # The same sync counted the touch: Ann is no longer overdue.
    assert before[1][STATUS] == "overdue"
    assert after[1][STATUS] == "ok"
    # Nothing the user typed changed.
    assert [r[:WIDTH] for r in after] == [r[:WIDTH] for r in before]
    # And a second sync has nothing left to do.
    assert not sync(XlsxBackend(workbook), xlsx_config(workbook), TODAY).written
    assert len(xlsx_rows(workbook, "Log")) == 3


def test_xlsx_failed_write_keeps_the_tick_and_adds_no_log_row(workbook: Path) -> None:
    user_ticks(workbook, 1)
    stamp = workbook.read_bytes()
    backend = XlsxBackend(workbook)
    lock = workbook.with_name(f".~lock.{workbook.name}#")
    original = backend.apply

    def opened_meanwhile(changes: ChangeSet) -> None:
        lock.write_text("someone,host")
        original(changes)

    backend.apply = opened_meanwhile  # type: ignore[method-assign]
    with pytest.raises(AccessError):
        sync(backend, xlsx_config(workbook), TODAY)
    assert workbook.read_bytes() == stamp
    assert xlsx_rows(workbook, "Contacts")[1][DONE] is True
    assert len(xlsx_rows(workbook, "Log")) == 2
    lock.unlink()
    sync(XlsxBackend(workbook), xlsx_config(workbook), TODAY)
    assert len(xlsx_rows(workbook, "Log")) == 3


# --- Google -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as running:
        yield running


@pytest.fixture
def fake(server: FakeSheetsServer) -> Iterator[FakeGoogle]:
    server.faults.clear()
    server.clear_log()
    yield FakeGoogle(server)
    server.faults.clear()


def google_config() -> Config:
    return make_config(source={"kind": "google", "spreadsheet": "unused"})


def synced_sheet(fake: FakeGoogle) -> str:
    key = fake.create(people())
    sync(fake.backend(key), google_config(), TODAY)
    return key


def google_tick(fake: FakeGoogle, key: str, row: int) -> None:
    """The user clicks the checkbox: the cell's value becomes TRUE, its rule stays."""
    with fake.server.state.edit(key) as book:
        sheet = book.sheet_by_title("Contacts")
        assert sheet is not None
        cell = sheet.cells.setdefault((row, DONE), {})
        cell["userEnteredValue"] = {"boolValue": True}


def done_cell(fake: FakeGoogle, key: str, row: int) -> dict[str, Any]:
    with fake.server.state.lock:
        sheet = fake.server.state.get(key).sheet_by_title("Contacts")
        assert sheet is not None
        return dict(sheet.cells.get((row, DONE)) or {})


def test_google_done_column_gets_real_checkboxes(fake: FakeGoogle) -> None:
    key = synced_sheet(fake)
    assert fake.rows(key, "Contacts")[0][DONE] == "Done"
    rule = done_cell(fake, key, 1)["dataValidation"]
    assert rule["condition"] == {"type": "BOOLEAN"}
    assert done_cell(fake, key, 2)["dataValidation"] == rule
    # The header has none.
    assert "dataValidation" not in done_cell(fake, key, 0)


def test_google_tick_logged_and_cleared_and_the_requests_it_costs(fake: FakeGoogle) -> None:
    key = synced_sheet(fake)
    # A normal night that changes owned cells, for comparison: Cy's row edited.
    with fake.server.state.edit(key) as book:
        sheet = book.sheet_by_title("Contacts")
        assert sheet is not None
        sheet.cells[(2, HEADERS.index("Tier"))] = {"userEnteredValue": {"stringValue": "close"}}
    fake.server.clear_log()
    assert sync(fake.backend(key), google_config(), TODAY).written
    normal = fake.server.request_count(path_contains=key)
    normal_writes = fake.server.request_count(path_contains=key, kind="write")

    google_tick(fake, key, 1)
    fake.server.clear_log()
    result = sync(fake.backend(key), google_config(), TODAY)
    assert result.written
    done_requests = fake.server.request_count(path_contains=key)
    done_writes = fake.server.request_count(path_contains=key, kind="write")
    log = fake.rows(key, "Log")
    assert log[-1][:3] == [dt.date(2026, 11, 23), "Ann", "email"]
    assert len(log) == 3
    assert done_cell(fake, key, 1)["userEnteredValue"] == {"boolValue": False}
    assert done_cell(fake, key, 1)["dataValidation"]["condition"]["type"] == "BOOLEAN"
    assert fake.rows(key, "Contacts")[1][STATUS] == "ok"
    # What a Done-box night costs beside a normal night that changes cells: the Log
    # row goes out as an appendCells in a structure batchUpdate, the tick with the values.
    assert (normal, normal_writes) == (3, 1)
    assert (done_requests, done_writes) == (4, 2)
    assert not sync(fake.backend(key), google_config(), TODAY).written


def test_google_structure_write_failing_keeps_the_tick_and_adds_no_log_row(
    fake: FakeGoogle,
) -> None:
    key = synced_sheet(fake)
    google_tick(fake, key, 1)
    fake.server.faults.queue_error(403, 1, method="POST", path_pattern=r":batchUpdate$")
    with pytest.raises(UserError):
        sync(fake.backend(key), google_config(), TODAY)
    assert done_cell(fake, key, 1)["userEnteredValue"] == {"boolValue": True}
    assert len(fake.rows(key, "Log")) == 2
    sync(fake.backend(key), google_config(), TODAY)
    assert len(fake.rows(key, "Log")) == 3


def test_google_values_write_failing_keeps_the_tick_and_never_logs_twice(
    fake: FakeGoogle,
) -> None:
    """The one case where the two requests part: the Log row landed, the tick did not
    clear. The tick stays; the next sync that day clears it and adds no second row."""
    key = synced_sheet(fake)
    google_tick(fake, key, 1)
    fake.server.faults.queue_error(
        403, 1, method="POST", path_pattern=r"values:batchUpdateByDataFilter$"
    )
    with pytest.raises(UserError) as raised:
        sync(fake.backend(key), google_config(), TODAY)
    assert raised.value.may_have_written
    assert done_cell(fake, key, 1)["userEnteredValue"] == {"boolValue": True}
    assert len(fake.rows(key, "Log")) == 3
    sync(fake.backend(key), google_config(), TODAY)
    assert len(fake.rows(key, "Log")) == 3
    assert done_cell(fake, key, 1)["userEnteredValue"] == {"boolValue": False}


def test_a_half_landed_tick_is_never_logged_twice_even_days_later(
    fake: FakeGoogle, tmp_path: Path
) -> None:
    """The Log row landed and the values write did not; the next sync runs two days
    later. The record kept beside the snapshots says the tick was logged on its day:
    the tick is cleared and no second row is added."""
    key = synced_sheet(fake)
    store = SnapshotStore(tmp_path, "Google Sheet " + key)
    google_tick(fake, key, 1)
    fake.server.faults.queue_error(
        403, 1, method="POST", path_pattern=r"values:batchUpdateByDataFilter$"
    )
    with pytest.raises(UserError):
        sync(fake.backend(key), google_config(), TODAY, snapshots=store)
    assert len(fake.rows(key, "Log")) == 3
    assert [t.day for t in store.read_pending_ticks(TODAY)] == [TODAY]

    later = TODAY + dt.timedelta(days=2)
    assert sync(fake.backend(key), google_config(), later, snapshots=store).written
    log = fake.rows(key, "Log")
    assert len(log) == 3 and log[-1][:3] == [TODAY, "Ann", "email"]
    assert done_cell(fake, key, 1)["userEnteredValue"] == {"boolValue": False}
    assert store.read_pending_ticks(later) == []  # the clear landed: nothing pending

    # Without the record (a sync with no state folder) the same retry would log again:
    # the record is what makes the difference.
    google_tick(fake, key, 1)
    fake.server.faults.queue_error(
        403, 1, method="POST", path_pattern=r"values:batchUpdateByDataFilter$"
    )
    with pytest.raises(UserError):
        sync(fake.backend(key), google_config(), later)
    sync(fake.backend(key), google_config(), later + dt.timedelta(days=1))
    assert len(fake.rows(key, "Log")) == 5


def test_google_quota_errors_are_retried_into_exactly_one_log_row(fake: FakeGoogle) -> None:
    """A 429 surely did not run, so even the write that appends rows is sent again (a 5xx
    on it is not retried: it may have landed; the next sync's check covers that)."""
    key = synced_sheet(fake)
    google_tick(fake, key, 1)
    fake.server.faults.queue_error(429, 2, method="POST")
    assert sync(fake.backend(key), google_config(), TODAY).written
    assert len(fake.rows(key, "Log")) == 3
    assert done_cell(fake, key, 1)["userEnteredValue"] == {"boolValue": False}
