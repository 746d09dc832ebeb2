"""Bugs the reliability suite found, each pinned by the smallest sheet that showed it."""

from __future__ import annotations

import copy
import datetime as dt
import math
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from harness import TODAY, contacts, make_config, person
from openpyxl import load_workbook

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.dates import as_date
from sheets_keepup.core.errors import DataError, NetworkError, SheetChangedError
from sheets_keepup.core.pipeline import plan_sheet


@pytest.mark.parametrize(
    "value",
    [
        dt.date(2263, 1, 1),
        dt.datetime(9999, 12, 31, 23, 59),
        2958465,
        200_000.5,
        dt.date(1850, 1, 1),
    ],
)
def test_dates_pandas_cannot_hold_are_reported_not_fatal(value: object) -> None:
    """A date after 2262 (or a serial for one) crashed the whole sync with
    OutOfBoundsDatetime; now the cell is reported and the other rows still sync."""
    sheet = MemoryBackend.from_rows(
        {
            "Contacts": contacts(
                person("Odd", last_contact=value),
                person("Fine", last_contact=dt.date(2026, 1, 1)),
            ),
            "Log": [["Date", "Who"], [value, "Fine"]],
        }
    )
    result = sync(sheet, make_config(), TODAY)
    statuses = dict(zip(result.plan.rows["name"], result.plan.rows["status"], strict=True))
    assert statuses["Odd"] == "check"
    assert statuses["Fine"] != "check"
    assert any(p.tab == "Log" and p.row == 1 for p in result.problems)


def test_a_huge_serial_in_the_due_column_reads_as_a_date() -> None:
    assert as_date(2958465) == dt.date(9999, 12, 31)


def test_every_unreadable_cell_is_its_own_problem_with_its_address() -> None:
    """Problems used to be one per row with no column, so `where` said 'row 2' and the
    cells were only named inside the message text."""
    sheet = MemoryBackend.from_rows(
        {
            "Contacts": contacts(
                person("Bad", tier="vip", last_contact="last spring", birthday="someday"),
                person("", email=""),
            )
        }
    )
    sheet.tabs["Contacts"][2][3] = "core"  # the nameless row has a readable tier
    sheet.tabs["Contacts"][2][8] = "likes tea"  # and something in it
    result = sync(sheet, make_config(), TODAY)
    where = {p.where: p.message for p in result.problems}
    assert where["'Contacts'!D2"].startswith("Tier 'vip' is not a tier")
    assert where["'Contacts'!F2"].startswith("Last contact 'last spring' is not a date")
    assert where["'Contacts'!H2"].startswith("Birthday 'someday' is not a birthday")
    assert where["'Contacts' row 3"] == "add a name or an email to this row"
    row = result.plan.rows.loc[1]
    assert row["next_action"].startswith("Check Tier (D2) 'vip' is not a tier")


def test_a_50000_character_name_still_fits_in_the_next_action_cell() -> None:
    """The name went into the Next action whole: a long pasted name made a cell over the
    Sheets limit (the whole write refused) or over xlsx's, which cuts it silently, so
    every later run saw a difference and wrote again."""
    sheet = MemoryBackend.from_rows({"Contacts": contacts(person("N" * 50_000, tier="close"))})
    result = sync(sheet, make_config(), TODAY)
    action = result.plan.rows.loc[1, "next_action"]
    assert ("N" * 77 + "...") in action
    assert len(action) < 300
    assert not sync(sheet, make_config(), TODAY).changes


def _with_stored_numbers(path: Path, numbers: dict[str, str]) -> None:
    """Rewrite the first sheet's XML so that placeholder values hold `numbers` exactly
    as another program (Excel, LibreOffice) would have stored them."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for placeholder, stored in numbers.items():
        assert f"<v>{placeholder}</v>" in xml
        xml = xml.replace(f"<v>{placeholder}</v>", f"<v>{stored}</v>")
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_saving_a_workbook_keeps_every_digit_of_user_numbers(tmp_path: Path) -> None:
    """openpyxl writes numbers with 16 significant digits: a sync changed the user's
    0.30000000000000004 to 0.3, a 17-digit id to 1.234567890123457e+16, and the largest
    float to inf (which the next save wrote as an empty cell)."""
    path = tmp_path / "numbers.xlsx"
    rows = [["Name", "Email", "Score", "Id", "Big"], ["Ann", "a@example.com", 11, 22, 33]]
    write_new_workbook(path, {"Contacts": rows})
    _with_stored_numbers(
        path,
        {"11": "0.30000000000000004", "22": "12345678901234567", "33": "1.7976931348623157e+308"},
    )
    assert sync(XlsxBackend(path), make_config(path), TODAY).written
    sheet = load_workbook(path)["Contacts"]
    assert sheet["C2"].value == 0.30000000000000004
    assert sheet["D2"].value == 12345678901234567
    assert sheet["E2"].value == 1.7976931348623157e308


def test_a_row_with_data_only_under_no_header_stays_ignored_after_the_first_run() -> None:
    """The first run adds the owned headers, which widened the header row; a row whose
    only cell was right of the old header then became a contact, so the second run
    wrote 'Check add a name' into it instead of changing nothing."""
    rows = [["Name", "Email", "Tier"], ["Ann", "a@example.com", "core"], [None, None, None, "x"]]
    sheet = MemoryBackend.from_rows({"Contacts": rows})
    assert sync(sheet, make_config(), TODAY).written
    second = sync(sheet, make_config(), TODAY)
    assert not second.changes
    assert sheet.tabs["Contacts"][2] == [None, None, None, "x"]


def test_a_file_that_is_not_a_zip_is_a_data_error(tmp_path: Path) -> None:
    """A CSV (or a half-downloaded file) saved under the workbook's name raised
    zipfile.BadZipFile, which the CLI showed as a crash instead of a message."""
    path = tmp_path / "contacts.xlsx"
    path.write_text("name,email\nAnn,ann@example.com\n")
    with pytest.raises(DataError, match=r"not a readable \.xlsx workbook"):
        sync(XlsxBackend(path), make_config(path), TODAY)


def test_undo_puts_numbers_and_booleans_back_as_they_were(tmp_path: Path) -> None:
    """Snapshots decoded every non-text value to text: undoing a sync wrote '46000'
    (a Due date as Sheets reads it, a serial number) and 'True' as text cells."""
    rows = [
        ["Name", "Email", "Tier", "Next action", "Due", "Status"],
        ["Ann", "a@example.com", "close", 12, 46000, True],
        ["Bob", "b@example.com", "core", "call", 46001.5, 3.5],
    ]
    sheet = MemoryBackend.from_rows({"Contacts": rows})
    sheet.owned_columns["Contacts"] = {3, 4, 5}  # an earlier sync created them
    before = copy.deepcopy(sheet.tabs)
    store = SnapshotStore(tmp_path, sheet.describe())
    result = sync(sheet, make_config(), TODAY, snapshots=store)
    assert result.snapshot is not None and sheet.tabs != before
    sheet.apply(store.restore_changes(result.snapshot))
    # The Done header the sync added is emptied again: the cell is there, blank.
    restored = {tab: [_trimmed(r) for r in rows] for tab, rows in sheet.tabs.items()}
    assert restored == before
    assert [type(v) for v in sheet.tabs["Contacts"][1][3:6]] == [int, int, bool]


def _trimmed(row: list[Any]) -> list[Any]:
    while row and row[-1] is None:
        row = row[:-1]
    return row


def test_xlsx_name_built_by_a_formula_does_not_block_every_sync(tmp_path: Path) -> None:
    """The identity check before the write compared a Name formula's text with the
    value read for it, so every sync of such a workbook failed with 'Row 2 changed
    while syncing' after three attempts."""
    path = tmp_path / "formulas.xlsx"
    rows = [["First name", "Last name", "Name", "Email", "Tier"], ["Ann", "Lee", None, "a@x.org"]]
    write_new_workbook(path, {"Contacts": rows})
    book = load_workbook(path)
    book["Contacts"]["C2"] = '=A2&" "&B2'
    book.save(path)
    result = sync(XlsxBackend(path), make_config(path), TODAY)
    assert result.written and result.attempts == 1
    assert load_workbook(path)["Contacts"]["C2"].value == '=A2&" "&B2'


def _stored_zip(path: Path, edit: tuple[bytes, bytes] | None = None) -> None:
    """Rewrite a workbook uncompressed, optionally replacing bytes by as many bytes:
    the file keeps its exact size, like a same-size save by another program."""
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for info, data in parts:
            if edit is not None:
                assert len(edit[0]) == len(edit[1])
                data = data.replace(*edit)
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, data)


def test_xlsx_same_size_save_with_the_old_time_is_not_overwritten(tmp_path: Path) -> None:
    """The stamp was modification time and size: another program's same-size save
    within the timestamp granularity (or one that restores the time) went unnoticed,
    and the sync saved its stale workbook over the user's edit."""
    path = tmp_path / "contacts.xlsx"
    write_new_workbook(path, {"Contacts": contacts(person("Annabel", tier="close"))})
    _stored_zip(path)
    backend = XlsxBackend(path)
    changes = plan_sheet(backend.read(["Contacts", "Log"]), make_config(path), TODAY).changes
    info = path.stat()
    _stored_zip(path, (b"Annabel", b"Annabet"))  # the user's edit, same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size
    with pytest.raises(SheetChangedError):
        backend.apply(changes)
    assert load_workbook(path)["Contacts"]["A2"].value == "Annabet"


@pytest.mark.parametrize("value", [dt.datetime(2025, 10, 23, 6, 18, 17), 123456789012345678])
def test_google_identity_check_accepts_what_the_read_made_of_a_number(value: object) -> None:
    """The pre-write identity check re-reads name and email as unformatted numbers; a
    date-time (the grid read gives a datetime, the check a serial) or a long number
    in those columns never matched, so every sync of the sheet failed."""
    from harness import GoogleTarget

    t = GoogleTarget({"Contacts": [["Name", "Email", "Tier"], ["Ann", value, "core"]]})
    result = sync(t.backend(), t.config(), TODAY)
    assert result.written and result.attempts == 1


def test_google_append_whose_answer_was_lost_is_not_sent_again() -> None:
    """A write is retried when its connection drops after the request was served, so an
    append (a Log entry, an imported contact) landed twice; and the error for a lost
    answer said 'Nothing was written' when the write had in fact been applied."""
    from harness import GoogleTarget, sheets_server

    from sheets_keepup.core.model import ChangeSet

    t = GoogleTarget({"Contacts": contacts(person("Ann")), "Log": [["Date", "Who", "Kind"]]})
    backend = t.backend()
    backend.read(["Log"])
    sheets_server().faults.drop_connection(1, method="POST")
    try:
        with pytest.raises(NetworkError, match="may or may not have applied it"):
            backend.apply(ChangeSet(tab="Log", appends=[["2026-11-22", "Ann", "email"]]))
    finally:
        sheets_server().faults.clear()
    assert t.fake.rows(t.key, "Log")[1:] == [["2026-11-22", "Ann", "email"]]


def test_owned_cells_left_on_a_row_without_a_contact_are_cleared() -> None:
    """A row blank in every user column is no contact, so the plan skipped it, and an
    action written there stayed forever: after rows moved between the identity check
    and the write, or after the user cleared a contact's cells."""
    rows = contacts(person("Ann", tier="close"), person("Bob", tier="core"))
    sheet = MemoryBackend.from_rows({"Contacts": rows})
    sync(sheet, make_config(), TODAY)
    sheet.tabs["Contacts"][2][:11] = [None] * 11  # Bob's cells cleared, ours remain
    result = sync(sheet, make_config(), TODAY)
    assert sheet.tabs["Contacts"][2:] == []  # nothing of ours is left on that row
    assert not any(key[1] == 2 for key in sheet.backgrounds)
    assert result.changes.identity is not None and result.changes.identity.rows[2] == ("", "")
    assert not sync(sheet, make_config(), TODAY).changes


@pytest.mark.parametrize("stored", [math.nan, True, "soon"])
def test_a_due_cell_that_is_not_a_date_is_rewritten(stored: object) -> None:
    """Due cells are compared once per distinct value; a NaN, a tick box or stray text
    in one must still read as 'not the planned date' (nor an empty cell), and so be
    written again: with the date, or cleared on a row that has no due date."""
    sheet = MemoryBackend.from_rows(
        {
            "Contacts": contacts(
                person("Ann", last_contact=dt.date(2026, 1, 5)),
                person("Bob", tier="vip"),  # a cell to check: no due date
            )
        }
    )
    config = make_config()
    first = plan_sheet(sheet.read(["Contacts"]), config, TODAY)
    sheet.apply(first.changes)
    due_col = first.changes.owned_columns["due"]
    planned = sheet.tabs["Contacts"][1][due_col]
    assert isinstance(planned, dt.date)
    assert sheet.tabs["Contacts"][2][due_col] is None

    sheet.tabs["Contacts"][1][due_col] = stored
    sheet.tabs["Contacts"][2][due_col] = stored
    again = plan_sheet(sheet.read(["Contacts"]), config, TODAY)
    written = [(c.row, c.col, c.value) for c in again.changes.cells]
    assert written == [(1, due_col, planned), (2, due_col, None)]


def test_a_due_cell_holding_the_planned_date_as_a_serial_is_left_alone() -> None:
    sheet = MemoryBackend.from_rows(
        {"Contacts": contacts(person("Ann", last_contact=dt.date(2026, 1, 5)))}
    )
    config = make_config()
    first = plan_sheet(sheet.read(["Contacts"]), config, TODAY)
    sheet.apply(first.changes)
    due_col = first.changes.owned_columns["due"]
    planned = sheet.tabs["Contacts"][1][due_col]
    sheet.tabs["Contacts"][1][due_col] = float((planned - dt.date(1899, 12, 30)).days)
    assert not plan_sheet(sheet.read(["Contacts"]), config, TODAY).changes.cells
