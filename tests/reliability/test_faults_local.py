"""Faults on the local backends: the sheet moving between read and write, tabs renamed
or deleted, lock files, two syncs at once, and undoing any sync from its snapshot.

For each case: the outcome (re-planned and written, or a clear error with its exit
status), the sheet afterwards equal to the state before or to the correct result and
never a mix, and the snapshot restorable.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import (
    TODAY,
    MemoryTarget,
    Target,
    XlsxTarget,
    contacts,
    examples,
    person,
    target,
)
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from strategies import contact_sheets

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import MAX_ATTEMPTS, sync
from sheets_keepup.backends.base import BackendBase
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend
from sheets_keepup.core.errors import (
    AccessError,
    DataError,
    ExitStatus,
    SheetChangedError,
    UserError,
)
from sheets_keepup.core.model import ChangeSet

BACKENDS = ["memory", "xlsx"]


def people() -> dict[str, list[list[Any]]]:
    return {
        "Contacts": contacts(
            person("Ann", email="ann@example.com", tier="close", last_contact=dt.date(2026, 1, 5)),
            person("Bob", email="bob@example.com", tier="core", last_contact=dt.date(2025, 6, 1)),
            person("Cy", tier="network", last_contact=dt.date(2026, 11, 1)),
            person("Di", email="di@example.com", tier="vip"),
        ),
        "Log": [["Date", "Who", "Kind"], [dt.date(2026, 11, 21), "Cy", "coffee"]],
    }


# Edits someone makes to the contact rows (row 0 is the header).
def insert_row(rows: list[list[Any]]) -> None:
    rows.insert(2, ["Eve", "eve@example.com", None, "close"])


def delete_row(rows: list[list[Any]]) -> None:
    del rows[2]


def sort_rows(rows: list[list[Any]]) -> None:
    """Sort by name, descending (people() is ascending), or back again when repeated."""
    rows[1:] = rows[1:][::-1]


EDITS: dict[str, Callable[[list[list[Any]]], None]] = {
    "rows inserted": insert_row,
    "rows deleted": delete_row,
    "rows sorted": sort_rows,
}


def edit_sheet(t: Target, edit: Callable[[list[list[Any]]], None]) -> None:
    """Apply `edit` to the Contacts rows as another person or program would."""
    if isinstance(t, MemoryTarget):
        edit(t.sheet.tabs["Contacts"])
        return
    assert isinstance(t, XlsxTarget)
    book = load_workbook(t.path)
    sheet = book["Contacts"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    edit(rows)
    sheet.delete_rows(1, sheet.max_row)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            sheet.cell(r, c).value = value
    book.save(t.path)


def expected_after_clean_sync(t: Target) -> dict[Any, Any]:
    """What the sheet holds when a sync runs undisturbed on its current state."""
    if isinstance(t, MemoryTarget):
        twin = MemoryTarget({})
        twin.sheet = copy.deepcopy(t.sheet)
        twin.sheet.before_apply = []
        sync(twin.backend(), twin.config(), TODAY)
        return twin.cells()
    assert isinstance(t, XlsxTarget)
    twin_path = t.path.with_name("twin.xlsx")
    twin_path.write_bytes(t.path.read_bytes())
    sync(XlsxBackend(twin_path), t.config(), TODAY)
    twin = XlsxTarget.__new__(XlsxTarget)
    twin.path = twin_path
    return twin.cells()


class EditBeforeWrite(BackendBase):
    """Wrap a backend so that someone edits the sheet just before some of its writes."""

    def __init__(self, t: Target, edit: Callable[[list[list[Any]]], None], times: int) -> None:
        self.t, self.edit, self.times = t, edit, times
        self.inner = t.backend()
        self.applied = 0

    def describe(self) -> str:
        return self.inner.describe()

    def read(self, tabs: Any) -> Any:
        return self.inner.read(tabs)

    def apply(self, changes: ChangeSet) -> None:
        if self.times:
            self.times -= 1
            edit_sheet(self.t, self.edit)
        self.inner.apply(changes)
        self.applied += 1


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("edit", list(EDITS))
def test_sheet_moving_between_read_and_write_is_replanned(kind: str, edit: str) -> None:
    with target(kind, people()) as t:
        backend = EditBeforeWrite(t, EDITS[edit], times=1)
        result = sync(backend, t.config(), TODAY)  # type: ignore[arg-type]
        assert result.written and result.attempts == 2
        # The correct result: what an undisturbed sync of the edited sheet gives.
        after = t.cells()
        assert after == expected_after_clean_sync(t)
        names = {int(r): n for r, n in result.plan.rows["name"].items()}
        for row, name in names.items():
            assert after[("Contacts", row, 0)] in (name, (name, "s"))


@pytest.mark.slow
@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("edit", list(EDITS))
def test_sheet_that_keeps_moving_is_left_as_the_user_left_it(kind: str, edit: str) -> None:
    with target(kind, people()) as t:
        backend = EditBeforeWrite(t, EDITS[edit], times=MAX_ATTEMPTS)
        with pytest.raises(SheetChangedError) as raised:
            sync(backend, t.config(), TODAY)  # type: ignore[arg-type]
        assert raised.value.exit_status == ExitStatus.DATA
        assert backend.applied == 0
        # Not one owned cell was written: the sheet is the user's edits and nothing else.
        owned_header = ("Contacts", 0, 11)
        assert owned_header not in t.cells()


@pytest.mark.parametrize("kind", BACKENDS)
@pytest.mark.parametrize("fault", ["renamed", "deleted"])
def test_tab_renamed_or_deleted_between_read_and_write(kind: str, fault: str) -> None:
    with target(kind, people()) as t:
        backend = t.backend()
        data = backend.read(["Contacts", "Log"])
        from sheets_keepup.core.pipeline import plan_sheet

        changes = plan_sheet(data, t.config(), TODAY).changes
        if isinstance(t, MemoryTarget):
            rows = t.sheet.tabs.pop("Contacts")
            if fault == "renamed":
                t.sheet.tabs["People"] = rows
        else:
            assert isinstance(t, XlsxTarget)
            book = load_workbook(t.path)
            if fault == "renamed":
                book["Contacts"].title = "People"
            else:
                del book["Contacts"]
            book.save(t.path)
        before = t.cells()
        with pytest.raises(SheetChangedError):
            backend.apply(changes)
        assert t.cells() == before
        # A fresh sync then says clearly what is wrong, and writes nothing.
        with pytest.raises(DataError, match="No tab named 'Contacts'") as raised:
            sync(t.backend(), t.config(), TODAY)
        assert raised.value.exit_status == ExitStatus.DATA
        assert t.cells() == before


@pytest.mark.parametrize("kind", BACKENDS)
def test_tab_renamed_between_runs(kind: str) -> None:
    with target(kind, people()) as t:
        assert sync(t.backend(), t.config(), TODAY).written
        if isinstance(t, MemoryTarget):
            t.sheet.tabs["Friends"] = t.sheet.tabs.pop("Contacts")
            t.sheet.backgrounds = {
                ("Friends", r, c): v for (_tab, r, c), v in t.sheet.backgrounds.items()
            }
            # A renamed tab keeps its conditional formats and the tool's marks.
            t.sheet.highlights["Friends"] = t.sheet.highlights.pop("Contacts")
            t.sheet.owned_columns["Friends"] = t.sheet.owned_columns.pop("Contacts")
        else:
            assert isinstance(t, XlsxTarget)
            book = load_workbook(t.path)
            book["Contacts"].title = "Friends"
            book.save(t.path)
        before, stamp = t.cells(), t.write_stamp()
        with pytest.raises(DataError, match="No tab named 'Contacts'"):
            sync(t.backend(), t.config(), TODAY)
        assert (t.cells(), t.write_stamp()) == (before, stamp)
        # Pointing the config at the new name picks up where it left off: nothing to do.
        again = sync(t.backend(), t.config(tabs={"contacts": "Friends"}), TODAY)
        assert not again.changes


# --- Two syncs at once ----------------------------------------------------------------


@pytest.mark.parametrize("kind", BACKENDS)
def test_two_syncs_at_once_write_once_and_agree(kind: str) -> None:
    """The second sync's write lands between the first one's read and write."""
    with target(kind, people()) as t:
        expected = expected_after_clean_sync(t)
        other: list[Any] = []

        class Racing(BackendBase):
            def __init__(self) -> None:
                self.inner = t.backend()

            def describe(self) -> str:
                return self.inner.describe()

            def read(self, tabs: Any) -> Any:
                return self.inner.read(tabs)

            def apply(self, changes: ChangeSet) -> None:
                if not other:
                    other.append(sync(t.backend(), t.config(), TODAY))
                self.inner.apply(changes)

        first = sync(Racing(), t.config(), TODAY)  # type: ignore[arg-type]
        assert other[0].written
        assert t.cells() == expected
        if kind == "xlsx":
            # The file stamp caught the other write: planned again, nothing left to do.
            assert first.attempts == 2 and not first.written
        assert not sync(t.backend(), t.config(), TODAY).changes


def test_xlsx_write_after_another_program_saved_is_refused(tmp_path: Path) -> None:
    """Two backends read the same file; the one that writes second must not overwrite
    the first one's save with its stale workbook."""
    with target("xlsx", people()) as t:
        assert isinstance(t, XlsxTarget)
        a, b = t.backend(), t.backend()
        from sheets_keepup.core.pipeline import plan_sheet

        plans = [plan_sheet(x.read(["Contacts", "Log"]), t.config(), TODAY) for x in (a, b)]
        a.apply(plans[0].changes)
        saved = t.cells()
        with pytest.raises(SheetChangedError, match="saved by something else"):
            b.apply(plans[1].changes)
        assert t.cells() == saved


@pytest.mark.parametrize("lock", [".~lock.{}#", "~${}"])
@pytest.mark.parametrize("when", ["before the read", "between read and write"])
def test_xlsx_lock_file_stops_the_write(lock: str, when: str) -> None:
    with target("xlsx", people()) as t:
        assert isinstance(t, XlsxTarget)
        lock_path = t.path.with_name(lock.format(t.path.name))
        backend = t.backend()
        if when == "before the read":
            lock_path.write_text("someone,host")
        else:
            original = backend.apply

            def locked_then_apply(changes: ChangeSet) -> None:
                lock_path.write_text("someone,host")
                original(changes)

            backend.apply = locked_then_apply  # type: ignore[method-assign]
        stamp = t.write_stamp()
        with pytest.raises(AccessError, match="open in another program") as raised:
            sync(backend, t.config(), TODAY)
        assert raised.value.exit_status == ExitStatus.ACCESS
        assert t.write_stamp() == stamp
        lock_path.unlink()
        assert sync(t.backend(), t.config(), TODAY).written


def test_xlsx_replaced_by_something_else_between_runs() -> None:
    with target("xlsx", people()) as t:
        assert isinstance(t, XlsxTarget)
        t.path.write_text("name,email\nAnn,ann@example.com\n")
        with pytest.raises(DataError, match=r"not a readable \.xlsx") as raised:
            sync(t.backend(), t.config(), TODAY)
        assert raised.value.exit_status == ExitStatus.DATA
        assert t.path.read_text().startswith("name,email")


# --- Undo from the snapshot -----------------------------------------------------------


def restore(t: Target, store: SnapshotStore, snapshot: Path) -> None:
    changes = store.restore_changes(snapshot)
    backend = t.backend()
    backend.read([changes.tab])
    backend.apply(changes)


def check_restorable(t: Target, state: Path, day: dt.date = TODAY) -> None:
    before, colours = t.cells(), t.backgrounds()
    store = SnapshotStore(state, t.backend().describe())
    try:
        result = sync(t.backend(), t.config(), day, snapshots=store)
    except UserError:
        assert t.cells() == before
        return
    if not result.written:
        assert result.snapshot is None
        return
    assert result.snapshot is not None
    restore(t, store, result.snapshot)
    assert t.cells() == before
    assert t.backgrounds() == colours


@pytest.mark.parametrize("kind", BACKENDS)
def test_every_sync_can_be_undone_from_its_snapshot(kind: str, tmp_path: Path) -> None:
    tabs = people()
    with target(kind, tabs) as t:
        check_restorable(t, tmp_path / "state")
        # A later day's sync over our own earlier values undoes to those values too.
        check_restorable(t, tmp_path / "state", TODAY + dt.timedelta(days=60))


@pytest.mark.parametrize("kind", BACKENDS)
def test_undo_restores_whatever_the_owned_cells_held(kind: str, tmp_path: Path) -> None:
    """Owned columns that already held the user's numbers, booleans, dates and text."""
    header = ["Name", "Email", "Tier", "Last contact", "Next action", "Due", "Status"]
    rows = [
        header,
        ["Ann", "a@example.com", "close", dt.date(2026, 1, 1), 12, 46000, True],
        ["Bob", "b@example.com", "core", dt.date(2025, 1, 1), "call!", dt.date(2026, 2, 3), 3.5],
        ["Cy", "c@example.com", "network", None, None, "next week", "done"],
    ]
    with target(kind, {"Contacts": rows}) as t:
        check_restorable(t, tmp_path / "state")


@pytest.mark.parametrize("kind", BACKENDS)
def test_undo_refuses_once_the_rows_moved(kind: str, tmp_path: Path) -> None:
    with target(kind, people()) as t:
        store = SnapshotStore(tmp_path / "state", t.backend().describe())
        result = sync(t.backend(), t.config(), TODAY, snapshots=store)
        assert result.snapshot is not None
        edit_sheet(t, sort_rows)
        moved = t.cells()
        with pytest.raises(SheetChangedError):
            restore(t, store, result.snapshot)
        assert t.cells() == moved


@pytest.mark.slow
@settings(max_examples=examples(20))
@given(tabs=contact_sheets(), days=st.integers(0, 200))
# Found by this test: a date-time in an owned cell came back from the snapshot as a date.
@example(
    tabs={
        "Contacts": [
            ["Next action", "Email", "Phone", "Tier", "Cadence", "Name", "Name", "Name"],
            [dt.datetime(2000, 1, 1, 0, 0)],
        ]
    },
    days=0,
)
def test_any_sheet_any_day_undoes_exactly(tabs: dict[str, list[list[Any]]], days: int) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as state, target("memory", tabs) as t:
        check_restorable(t, Path(state))
        check_restorable(t, Path(state), TODAY + dt.timedelta(days=days))


def test_failed_write_leaves_no_snapshot_behind(tmp_path: Path) -> None:
    """A sync that never wrote must not leave a snapshot that 'undo' would offer."""
    sheet = MemoryBackend.from_rows(people())
    sheet.before_apply.append(lambda b: sort_rows(b.tabs["Contacts"]))
    store = SnapshotStore(tmp_path / "state", sheet.describe())
    with pytest.raises(SheetChangedError):
        sync(sheet, MemoryTarget({}).config(), TODAY, snapshots=store)
    assert store.list() == []
