"""Highlight modes: row, status and none; switching clears only the tool's own colours."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from core_helpers import HEADERS, TODAY, contacts, make_config, person
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook

Backend = MemoryBackend | XlsxBackend
RED, GREEN = "#F4C7C3", "#D9EAD3"  # overdue, ok
YELLOW, BLUE = "#FFFF00", "#CFE2F3"  # the user's
WIDTH = len(HEADERS) + 3  # user columns + Next action, Due, Status
OWNED = range(len(HEADERS), WIDTH)
NOTES = HEADERS.index("Notes")


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


ROWS = contacts(
    person("Ada", tier="close", last_contact=days_ago(100), last_in_person=days_ago(100)),
    person("Bo", tier="core", last_contact=days_ago(10), last_in_person=days_ago(10)),
)


@pytest.fixture(params=["memory", "xlsx"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "memory":
        return MemoryBackend.from_rows({"Contacts": ROWS})
    path = tmp_path / "book.xlsx"
    write_new_workbook(path, {"Contacts": ROWS})
    return XlsxBackend(path)


@pytest.fixture
def store(tmp_path: Path, backend: Backend) -> SnapshotStore:
    return SnapshotStore(tmp_path / "state", backend.describe())


def paint(backend: Backend, cells: dict[tuple[int, int], str]) -> None:
    """The user colours some cells by hand."""
    if isinstance(backend, MemoryBackend):
        for (row, col), colour in cells.items():
            backend.backgrounds[("Contacts", row, col)] = colour
        return
    book = load_workbook(backend.path)
    for (row, col), colour in cells.items():
        fill = PatternFill("solid", fgColor="FF" + colour.lstrip("#"))
        book["Contacts"].cell(row + 1, col + 1).fill = fill
    book.save(backend.path)


def colours(backend: Backend, row: int) -> list[str | None]:
    tab = backend.read(["Contacts"]).tabs["Contacts"]
    return [tab.background(row, col) for col in range(WIDTH)]


def run(backend: Backend, store: SnapshotStore | None, mode: str, **extra: Any) -> SyncResult:
    return sync(backend, make_config(highlight=mode, **extra), TODAY, snapshots=store)


def test_row_mode_colours_the_whole_row(backend: Backend, store: SnapshotStore) -> None:
    assert run(backend, store, "row").written
    assert colours(backend, 1) == [RED] * WIDTH
    assert colours(backend, 2) == [GREEN] * WIDTH
    assert not run(backend, store, "row").written


def test_status_mode_colours_only_the_owned_cells(backend: Backend, store: SnapshotStore) -> None:
    paint(backend, {(1, c): BLUE for c in range(len(HEADERS))})  # the user colours Ada's row
    assert run(backend, store, "status").written
    assert colours(backend, 1) == [BLUE] * len(HEADERS) + [RED] * 3
    assert colours(backend, 2) == [None] * len(HEADERS) + [GREEN] * 3
    assert not run(backend, store, "status").written


def test_none_mode_writes_no_colours(backend: Backend, store: SnapshotStore) -> None:
    result = run(backend, store, "none")
    assert result.written and not result.changes.fills
    assert colours(backend, 1) == [None] * WIDTH


def test_row_then_status_then_none_keeps_user_colours(
    backend: Backend, store: SnapshotStore
) -> None:
    run(backend, store, "row")
    # After the row-mode sync the user colours a few cells: one in their own colour and
    # one in a tool colour that is not the colour of that row's status.
    paint(backend, {(1, 1): YELLOW, (2, NOTES): RED})
    switched = run(backend, store, "status")
    assert switched.written
    assert not switched.changes.cells
    ada = colours(backend, 1)
    assert ada[1] == YELLOW
    assert [ada[c] for c in range(len(HEADERS)) if c != 1] == [None] * (len(HEADERS) - 1)
    assert [ada[c] for c in OWNED] == [RED] * 3
    bo = colours(backend, 2)
    assert bo[NOTES] == RED
    assert [bo[c] for c in OWNED] == [GREEN] * 3
    assert [bo[c] for c in range(len(HEADERS)) if c != NOTES] == [None] * (len(HEADERS) - 1)
    assert not run(backend, store, "status").written

    cleared = run(backend, store, "none")
    assert cleared.written and all(f.colour is None for f in cleared.changes.fills)
    assert colours(backend, 1) == [None, YELLOW] + [None] * (WIDTH - 2)
    assert colours(backend, 2) == [RED if c == NOTES else None for c in range(WIDTH)]
    assert not run(backend, store, "none").written


def test_row_then_none_clears_the_rows(backend: Backend, store: SnapshotStore) -> None:
    run(backend, store, "row")
    paint(backend, {(1, 0): YELLOW})
    assert run(backend, store, "none").written
    assert colours(backend, 1) == [YELLOW] + [None] * (WIDTH - 1)
    assert colours(backend, 2) == [None] * WIDTH


def test_status_or_none_then_row_repaints_whole_rows(
    backend: Backend, store: SnapshotStore
) -> None:
    run(backend, store, "status")
    assert run(backend, store, "row").written
    assert colours(backend, 1) == [RED] * WIDTH
    run(backend, store, "none")
    assert colours(backend, 1) == [None] * WIDTH
    assert run(backend, store, "row").written
    assert colours(backend, 2) == [GREEN] * WIDTH
    assert not run(backend, store, "row").written


def test_without_a_record_only_owned_cells_are_cleared(backend: Backend) -> None:
    run(backend, None, "row")
    result = run(backend, None, "none")
    assert result.written
    assert colours(backend, 1) == [RED] * len(HEADERS) + [None] * 3


def test_the_record_is_private_and_kept_per_sheet(backend: Backend, store: SnapshotStore) -> None:
    run(backend, store, "status")
    painted = store.read_painted()
    assert painted is not None and painted.mode == "status"
    assert painted.owned == tuple(OWNED)
    record = store.target_folder / "highlight.json"
    assert record.stat().st_mode & 0o777 == 0o600


def test_dry_run_records_nothing(backend: Backend, store: SnapshotStore) -> None:
    sync(backend, make_config(highlight="none"), TODAY, snapshots=store, dry_run=True)
    assert store.read_painted() is None


def test_switching_with_new_colours_clears_the_old_ones(
    backend: Backend, store: SnapshotStore
) -> None:
    run(backend, store, "row")
    result = run(backend, store, "status", colours={"overdue": "#FF0000", "ok": "#00FF00"})
    assert result.written
    assert colours(backend, 1) == [None] * len(HEADERS) + ["#FF0000"] * 3


def test_restore_puts_the_colour_record_back(backend: Backend, store: SnapshotStore) -> None:
    from sheets_keepup.app.restore import restore_snapshot

    run(backend, store, "row")
    switched = run(backend, store, "status")
    assert switched.snapshot is not None
    restore_snapshot(backend, store, switched.snapshot, dt.datetime(2026, 11, 23, 7))
    assert colours(backend, 1) == [RED] * WIDTH
    painted = store.read_painted()
    assert painted is not None and painted.mode == "row"
    assert run(backend, store, "status").written
    assert colours(backend, 1) == [None] * len(HEADERS) + [RED] * 3


USER_COLOURS = ("#FFFF00", "#CFE2F3", "#B6D7A8")  # none of them a status colour
USER_COLUMNS = st.integers(0, len(HEADERS) - 1)


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["row", "status", "none"]),
            st.lists(
                st.tuples(
                    st.integers(1, 2),
                    st.integers(0, len(HEADERS) - 1),
                    st.sampled_from(USER_COLOURS),
                ),
                max_size=4,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_modes_keeps_user_colours(
    steps: list[tuple[str, list[tuple[int, int, str]]]],
) -> None:
    import tempfile

    backend = MemoryBackend.from_rows({"Contacts": ROWS})
    with tempfile.TemporaryDirectory() as folder:
        store = SnapshotStore(Path(folder), backend.describe())
        wanted = {1: RED, 2: GREEN}
        user: dict[tuple[int, int], str] = {}
        for mode, painted in steps:
            run(backend, store, mode)
            for row, colour in wanted.items():
                line = colours(backend, row)
                for col in range(WIDTH):
                    mine = user.get((row, col))
                    if mode == "row":
                        # The whole row wears the status colour, except what the user
                        # painted since (a row is only repainted when it must be).
                        assert line[col] in (colour, mine)
                    elif mine is not None:
                        assert line[col] == mine
                    elif col in OWNED and mode == "status":
                        assert line[col] == colour
                    else:
                        assert line[col] is None
            if mode == "row":
                user = {k: v for k, v in user.items() if colours(backend, k[0])[k[1]] == v}
            paint(backend, {(r, c): colour for r, c, colour in painted})
            user.update({(r, c): colour for r, c, colour in painted})
