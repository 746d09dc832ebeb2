"""`import --undo`: the last import comes back out, and nothing the user touched since.

Real backends (memory and a real .xlsx workbook) and a real state folder; the CLI runs
as a user runs it, and a second process holds the lock where the lock is the point.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from helpers_contacts import FIXTURES, TODAY, Counting, make_config, rows_of
from openpyxl import load_workbook

from sheets_keepup.app.contacts import import_contacts, import_record_path, undo_import
from sheets_keepup.app.sync import sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.cli import main
from sheets_keepup.core.errors import DataError, ExitStatus
from sheets_keepup.core.importing import (
    ImportRecord,
    record_from_json,
    record_import,
    record_to_json,
)
from sheets_keepup.core.sample import sample_tabs

Tabs = dict[str, list[list[Any]]]
Factory = Callable[[Tabs], Counting]
NO_WAIT = {"SHEETS_KEEPUP_LOCK_WAIT": "0"}


@pytest.fixture(params=["memory", "xlsx"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    def build(tabs: Tabs) -> Counting:
        if request.param == "memory":
            return Counting(MemoryBackend.from_rows(tabs))
        path = tmp_path / "contacts.xlsx"
        write_new_workbook(path, tabs, overwrite=True)
        return Counting(XlsxBackend(path))

    return build


def set_cell(backend: Counting, row: int, col: int, value: Any) -> None:
    """Edit one cell as the user would (0-based), behind the tool's back."""
    inner = backend.inner
    if isinstance(inner, MemoryBackend):
        line = inner.tabs["Contacts"][row]
        line.extend([None] * (col + 1 - len(line)))
        line[col] = value
        return
    assert isinstance(inner, XlsxBackend)
    book = load_workbook(inner.path)
    book["Contacts"].cell(row + 1, col + 1).value = value
    book.save(inner.path)


def insert_row(backend: Counting, before: int, values: list[Any]) -> None:
    inner = backend.inner
    if isinstance(inner, MemoryBackend):
        inner.tabs["Contacts"].insert(before, values)
        return
    assert isinstance(inner, XlsxBackend)
    book = load_workbook(inner.path)
    sheet = book["Contacts"]
    sheet.insert_rows(before + 1)
    for col, value in enumerate(values, start=1):
        sheet.cell(before + 1, col).value = value
    book.save(inner.path)


def test_undo_takes_out_exactly_what_the_import_added(make: Factory, tmp_path: Path) -> None:
    backend = make(sample_tabs(TODAY))
    before = rows_of(backend, "Contacts")
    state = tmp_path / "state"
    summary = import_contacts(
        backend, FIXTURES / "linkedin_connections.csv", make_config(), state_dir=state
    )
    assert summary.written and summary.undoable and len(summary.new) == 5
    record = import_record_path(state, backend.describe())
    assert record.stat().st_mode & 0o777 == 0o600, "names and emails: owner only"
    writes = len(backend.writes)

    undo = undo_import(backend, make_config(), state)

    assert undo.written and undo.refused == [] and undo.header_cleared
    assert len(backend.writes) == writes + 1, "one write"
    assert [row + 1 for row, _ in undo.removed] == [n.row for n in summary.new]
    assert rows_of(backend, "Contacts") == before, "the Connected header went too"
    assert not import_record_path(state, backend.describe()).exists()
    with pytest.raises(DataError, match="Nothing to undo"):
        undo_import(backend, make_config(), state)


def test_rows_edited_since_are_left_and_named(make: Factory, tmp_path: Path) -> None:
    backend = make(sample_tabs(TODAY))
    state = tmp_path / "state"
    summary = import_contacts(
        backend, FIXTURES / "google_contacts.csv", make_config(), state_dir=state
    )
    sync(backend, make_config(), TODAY)  # the owned cells of the new rows get values
    first, second = summary.new[0].row - 1, summary.new[1].row - 1
    set_cell(backend, first, 11, "Call after the move")  # the user adds a note
    rows = rows_of(backend, "Contacts")
    assert any(rows[second][13:]), "sync wrote the owned cells of imported rows"

    undo = undo_import(backend, make_config(), state)

    assert undo.refused == [
        f"row {first + 1} ({summary.new[0].person.name}): changed since the import; left as it is"
    ]
    after = rows_of(backend, "Contacts")
    assert after[first][11] == "Call after the move"
    assert after[first][0] == summary.new[0].person.name
    cleared = [row for row, _ in undo.removed]
    assert second in cleared
    assert all(not any(after[r]) for r in cleared if r < len(after)), "owned cells cleared too"
    # The edited row stays in the record: a later undo still knows about it.
    again = undo_import(backend, make_config(), state, dry_run=True)
    assert again.removed == [] and len(again.refused) == 1


def test_rows_that_moved_are_found_by_what_they_hold(make: Factory, tmp_path: Path) -> None:
    tabs: Tabs = {"Contacts": [["Name", "Email", "Phone"], ["Ann Lee", "ann@example.com"]]}
    backend = make(tabs)
    state = tmp_path / "state"
    import_contacts(backend, FIXTURES / "contacts_v3.vcf", make_config(), state_dir=state)
    insert_row(backend, 1, ["Typed Later", "later@example.com"])
    undo = undo_import(backend, make_config(), state)
    assert undo.refused == [] and undo.written
    assert rows_of(backend, "Contacts") == [
        ["Name", "Email", "Phone"],
        ["Typed Later", "later@example.com"],
        ["Ann Lee", "ann@example.com"],
    ]


def test_filled_cells_are_cleared_unless_changed(tmp_path: Path) -> None:
    tabs: Tabs = {
        "Contacts": [
            ["Name", "Email", "Phone", "Notes"],
            ["Jane Doe", "jane.doe@example.com"],
        ]
    }
    backend = Counting(MemoryBackend.from_rows(tabs))
    state = tmp_path / "state"
    summary = import_contacts(
        backend, FIXTURES / "google_contacts.csv", make_config(), fill_empty=True, state_dir=state
    )
    assert {f.field for f in summary.fills} == {"phone", "notes"}
    set_cell(backend, 1, 3, "My own words")
    undo = undo_import(backend, make_config(), state)
    assert undo.refused == ["cell D2: changed since the import; left as it is"]
    jane = rows_of(backend, "Contacts")[1]
    assert jane == ["Jane Doe", "jane.doe@example.com", None, "My own words"]


def test_the_connected_header_stays_while_its_column_holds_user_values(tmp_path: Path) -> None:
    backend = Counting(MemoryBackend.from_rows({"Contacts": [["Name", "Email"], ["Ann Lee"]]}))
    state = tmp_path / "state"
    import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config(), state_dir=state)
    set_cell(backend, 1, 2, dt.date(2019, 5, 1))  # the user dates Ann's connection by hand
    undo = undo_import(backend, make_config(), state)
    assert not undo.header_cleared and undo.refused == []
    assert rows_of(backend, "Contacts") == [
        ["Name", "Email", "Connected"],
        ["Ann Lee", None, dt.date(2019, 5, 1)],
    ]


def test_a_dry_run_undo_writes_nothing_and_keeps_the_record(tmp_path: Path) -> None:
    backend = Counting(MemoryBackend.from_rows({"Contacts": [["Name", "Email"]]}))
    state = tmp_path / "state"
    import_contacts(backend, FIXTURES / "plain_contacts.csv", make_config(), state_dir=state)
    writes = len(backend.writes)
    undo = undo_import(backend, make_config(), state, dry_run=True)
    assert undo.dry_run and not undo.written and len(undo.removed) == 2
    assert len(backend.writes) == writes
    assert import_record_path(state, backend.describe()).exists()


def test_a_dry_run_import_records_nothing(tmp_path: Path) -> None:
    backend = Counting(MemoryBackend.from_rows({"Contacts": [["Name", "Email"]]}))
    state = tmp_path / "state"
    import_contacts(
        backend, FIXTURES / "plain_contacts.csv", make_config(), dry_run=True, state_dir=state
    )
    assert not import_record_path(state, backend.describe()).exists()


def test_the_record_round_trips_through_json() -> None:
    backend = MemoryBackend.from_rows({"Contacts": [["Name", "Email"]]})
    summary = import_contacts(backend, FIXTURES / "linkedin_connections.csv", make_config())
    record = record_import(summary, "Connections.csv", dt.datetime(2026, 11, 23, 9, 0))
    data = json.loads(json.dumps(record_to_json(record)))
    assert record_from_json(data) == record
    assert isinstance(record, ImportRecord) and record.header is not None
    with pytest.raises(DataError, match="damaged"):
        record_from_json({"tab": "Contacts"})


# The command line


def _workbook(tmp_path: Path) -> tuple[Path, Path]:
    book = tmp_path / "contacts.xlsx"
    write_new_workbook(book, sample_tabs(TODAY))
    config = tmp_path / "sheets-keepup.yaml"
    config.write_text(
        yaml.safe_dump(
            {"source": {"kind": "xlsx", "path": str(book)}, "state_dir": str(tmp_path / "state")}
        )
    )
    return book, config


def used(rows: list[list[Any]]) -> list[list[Any]]:
    return [r for r in rows if any(v is not None for v in r)]


def test_cli_import_then_undo(tmp_path: Path) -> None:
    book, config = _workbook(tmp_path)
    runner = CliRunner()
    before = [list(r) for r in load_workbook(book)["Contacts"].iter_rows(values_only=True)]
    imported = runner.invoke(
        main, ["import", str(FIXTURES / "outlook_contacts.csv"), "-c", str(config)]
    )
    assert imported.exit_code == 0, imported.output
    assert "Undo it with: sheets-keepup import --undo" in imported.output
    undone = runner.invoke(main, ["import", "--undo", "--json", "-c", str(config)])
    assert undone.exit_code == 0, undone.output
    report = json.loads(undone.output)
    assert report["written"] is True and report["refused"] == []
    assert report["file"] == "outlook_contacts.csv" and len(report["removed_rows"]) == 3
    after = [list(r) for r in load_workbook(book)["Contacts"].iter_rows(values_only=True)]
    assert used(after) == used(before)
    again = runner.invoke(main, ["import", "--undo", "-c", str(config)])
    assert again.exit_code == ExitStatus.DATA and "Nothing to undo" in again.output


def test_cli_undo_needs_no_file_and_a_file_needs_no_undo(tmp_path: Path) -> None:
    _book, config = _workbook(tmp_path)
    runner = CliRunner()
    both = runner.invoke(
        main, ["import", str(FIXTURES / "plain_contacts.csv"), "--undo", "-c", str(config)]
    )
    assert both.exit_code == ExitStatus.USAGE
    neither = runner.invoke(main, ["import", "-c", str(config)])
    assert neither.exit_code == ExitStatus.USAGE


def test_cli_undo_waits_for_the_lock_like_import(tmp_path: Path, spawn: Any) -> None:
    book, config = _workbook(tmp_path)
    runner = CliRunner()
    runner.invoke(main, ["import", str(FIXTURES / "plain_contacts.csv"), "-c", str(config)])
    before = book.read_bytes()
    holder = spawn("child_lock.py", str(tmp_path / "state"))
    holder.wait_for("got")
    refused = runner.invoke(main, ["import", "--undo", "-c", str(config)], env=NO_WAIT)
    assert refused.exit_code == ExitStatus.LOCKED, refused.output
    assert book.read_bytes() == before
    holder.close_stdin()
    holder.wait_for("released")
    done = runner.invoke(main, ["import", "--undo", "-c", str(config)], env=NO_WAIT)
    assert done.exit_code == 0, done.output
