"""Highlight modes on workbooks and in memory: colours are conditional formats the tool owns.

`row`, `status` and `none` switch the tool's rules and nothing else: the user's own
fills, fonts and borders are never changed, after a sync, a switch or a `restore`.
Fills that an older version painted cell by cell are taken off once, as the colour
record in the state folder says, and only those.

What a cell shows is worked out from what is stored, not from what the backend
believes: the rules (read with openpyxl for a workbook) are evaluated by the Sheets
API fake's formula evaluator, the first matching rule over the cell's own fill.
"""

from __future__ import annotations

import datetime as dt
import functools
from copy import copy
from pathlib import Path
from typing import Any, TypeAlias

import pytest
from core_helpers import HEADERS, TODAY, contacts, make_config, person
from fake_google import colour_json
from fakesheets import FakeSheetsState
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils.cell import range_boundaries

from sheets_keepup.app.restore import restore_snapshot
from sheets_keepup.app.snapshots import PAINTED_FILE, SnapshotStore
from sheets_keepup.app.sync import SyncResult, sync
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.diff import tool_colours
from sheets_keepup.core.model import HIGHLIGHT_MARK, Area, Painted

Backend: TypeAlias = MemoryBackend | XlsxBackend
Cell: TypeAlias = tuple[int, int]
COLOURS = make_config().colours
RED, GREEN, GREY, PICK = COLOURS.overdue, COLOURS.ok, COLOURS.snoozed, COLOURS.pick
YELLOW, BLUE = "#FFFF00", "#CFE2F3"  # the user's
WIDTH = len(HEADERS) + 3  # user columns + Next action, Due, Status
USER = range(len(HEADERS))
OWNED = range(len(HEADERS), WIDTH)
STATUS = WIDTH - 1
NAME, NOTES = HEADERS.index("Name"), HEADERS.index("Notes")
XLSX_LAST_ROW = 1_048_576
NOW = dt.datetime(2026, 11, 23, 7)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


ROWS = contacts(
    person("Ada", tier="close", last_contact=days_ago(100), last_in_person=days_ago(100)),
    person("Bo", tier="core", last_contact=days_ago(10), last_in_person=days_ago(10)),
    person("Cy", tier="core", snooze_until=TODAY + dt.timedelta(days=9)),
)
STATUSES = ["overdue", "ok", "snoozed"]
# What each contact row shows: Ada is overdue and the week's pick, Bo ok, Cy snoozed.
ROW_COLOUR = {1: PICK, 2: GREEN, 3: GREY}


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


def run(backend: Backend, store: SnapshotStore | None, mode: str, **extra: Any) -> SyncResult:
    return sync(backend, make_config(highlight=mode, **extra), TODAY, snapshots=store)


# --- the sheet as stored -----------------------------------------------------------------


def paint(backend: Backend, cells: dict[Cell, str]) -> None:
    """The user (or, in the migration tests, an older version) fills some cells."""
    if isinstance(backend, MemoryBackend):
        for (row, col), colour in cells.items():
            backend.backgrounds[("Contacts", row, col)] = colour
        return
    book = load_workbook(backend.path)
    for (row, col), colour in cells.items():
        fill = PatternFill("solid", fgColor="FF" + colour.lstrip("#"))
        book["Contacts"].cell(row + 1, col + 1).fill = fill
    book.save(backend.path)


def own_fills(backend: Backend) -> dict[Cell, str]:
    """Every cell fill of the Contacts tab (the cells' own format, not what rules add)."""
    if isinstance(backend, MemoryBackend):
        return {(r, c): v for (t, r, c), v in backend.backgrounds.items() if t == "Contacts"}
    found = {}
    for line in load_workbook(backend.path)["Contacts"].iter_rows():
        for cell in line:
            if cell.fill is not None and cell.fill.fill_type == "solid":
                found[(cell.row - 1, cell.column - 1)] = "#" + str(cell.fill.fgColor.rgb)[-6:]
    return found


def values(backend: Backend) -> list[list[Any]]:
    rows = backend.read(["Contacts"]).tabs["Contacts"].rows
    return [[v.date() if isinstance(v, dt.datetime) else v for v in line] for line in rows]


def statuses(backend: Backend) -> list[Any]:
    return [line[STATUS] for line in values(backend)[1:]]


def tool_rules(backend: Backend) -> list[tuple[tuple[Area, ...], str, str | None]]:
    """The tool's conditional formats as stored, first match first: areas, formula, fill."""
    if isinstance(backend, MemoryBackend):
        held = backend.highlights.get("Contacts")
        rules = [] if held is None else [(held.areas, r.formula, r.colour) for r in held.rules]
    else:
        sheet = load_workbook(backend.path)["Contacts"]
        found = []
        for block in sheet.conditional_formatting:
            areas = tuple(_area(str(box)) for box in block.sqref.ranges)
            for rule in block.rules:
                fill = rule.dxf.fill if rule.dxf is not None else None
                colour = None if fill is None else "#" + str(fill.bgColor.rgb)[-6:]
                found.append((rule.priority, (areas, "=" + rule.formula[0], colour)))
        rules = [rule for _, rule in sorted(found, key=lambda item: item[0])]
    return [rule for rule in rules if rule[1].startswith("=" + HIGHLIGHT_MARK)]


def _area(box: str) -> Area:
    first_col, first_row, end_col, last_row = range_boundaries(box)
    end_row = None if last_row >= XLSX_LAST_ROW else last_row
    return Area(first_row - 1, first_col - 1, end_col, end_row)


@functools.cache
def _evaluator() -> FakeSheetsState:
    return FakeSheetsState()


def shown(backend: Backend) -> dict[Cell, str | None]:
    """The fill every cell of the contact rows shows: the first of the tool's rules whose
    formula holds for its row, else the cell's own fill."""
    rules = tool_rules(backend)
    state = _evaluator()
    key = state.create_spreadsheet({"Contacts": values(backend)}, locale="en_GB")
    state.apply(key, *(_as_google(index, rule) for index, rule in enumerate(rules)))
    fills = own_fills(backend)
    out: dict[Cell, str | None] = {}
    for row in range(1, len(ROWS)):
        for col in range(WIDTH):
            applied = state.shown_format(key, "Contacts", row + 1, col + 1, TODAY)["rule"]
            out[(row, col)] = fills.get((row, col)) if applied is None else rules[applied][2]
    return out


def _as_google(index: int, rule: tuple[tuple[Area, ...], str, str | None]) -> dict[str, Any]:
    """A rule as Google's addConditionalFormatRule: the shape the fake evaluates. The
    formulas are the same in Sheets and Excel, so a workbook's rules carry over as they are."""
    areas, formula, colour = rule
    ranges = []
    for area in areas:
        grid = {"sheetId": 0, "startRowIndex": area.first_row}
        grid |= {"startColumnIndex": area.first_col, "endColumnIndex": area.end_col}
        if area.end_row is not None:
            grid["endRowIndex"] = area.end_row
        ranges.append(grid)
    condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]}
    fmt = {"backgroundColor": colour_json(colour or "#FFFFFF")}
    boolean = {"condition": condition, "format": fmt}
    return {
        "addConditionalFormatRule": {
            "index": index,
            "rule": {"ranges": ranges, "booleanRule": boolean},
        }
    }


def expected(mode: str, fills: dict[Cell, str], row_colour: dict[int, str] = ROW_COLOUR) -> Any:
    """What each cell should show in `mode` over the cells' own `fills`."""
    coloured = range(WIDTH) if mode == "row" else OWNED if mode == "status" else range(0)
    return {
        (row, col): colour if col in coloured else fills.get((row, col))
        for row, colour in row_colour.items()
        for col in range(WIDTH)
    }


# --- the three modes ---------------------------------------------------------------------


def test_row_mode_colours_whole_rows_by_their_status_without_painting(
    backend: Backend, store: SnapshotStore
) -> None:
    result = run(backend, store, "row")
    assert result.written and not result.changes.fills
    assert statuses(backend) == STATUSES
    assert own_fills(backend) == {}
    assert shown(backend) == expected("row", {})
    assert not run(backend, store, "row").written


def test_status_mode_colours_only_the_owned_cells_over_the_users_fills(
    backend: Backend, store: SnapshotStore
) -> None:
    user = {(1, col): BLUE for col in USER}  # the user colours Ada's row
    paint(backend, user)
    result = run(backend, store, "status")
    assert result.written and not result.changes.fills
    assert own_fills(backend) == user
    assert shown(backend) == expected("status", user)
    assert not run(backend, store, "status").written


def test_none_mode_has_no_rule_and_paints_nothing(backend: Backend, store: SnapshotStore) -> None:
    user = {(2, NOTES): YELLOW}
    paint(backend, user)
    result = run(backend, store, "none")
    assert result.written and result.changes.cells and not result.changes.fills
    assert statuses(backend) == STATUSES
    assert tool_rules(backend) == []
    assert own_fills(backend) == user
    assert shown(backend) == expected("none", user)


def test_switching_modes_changes_only_the_rules(backend: Backend, store: SnapshotStore) -> None:
    run(backend, store, "row")
    # After the first sync the user fills a few cells: one in a tool colour that is not
    # the colour of its row, and one of the tool's own Status cells.
    user = {(1, 1): YELLOW, (2, NOTES): RED, (3, STATUS): BLUE}
    paint(backend, user)
    for mode in ("status", "none", "row", "none", "status", "row"):
        before = values(backend)
        switched = run(backend, store, mode)
        assert switched.written and switched.changes.highlight is not None, mode
        assert not switched.changes.cells and not switched.changes.fills, mode
        assert values(backend) == before, mode
        assert own_fills(backend) == user, mode
        assert shown(backend) == expected(mode, user), mode
        assert not run(backend, store, mode).written, mode


def test_new_colours_in_the_config_change_only_the_rules(
    backend: Backend, store: SnapshotStore
) -> None:
    run(backend, store, "row")
    new = {"pick": "#FF00FF", "ok": "#00FF00", "snoozed": "#0000FF"}
    result = run(backend, store, "row", colours=new)
    assert result.written and not result.changes.cells and not result.changes.fills
    assert own_fills(backend) == {}
    assert shown(backend) == expected("row", {}, {1: "#FF00FF", 2: "#00FF00", 3: "#0000FF"})


# --- sheets an older version painted -------------------------------------------------------


def painted_by_an_older_version(
    backend: Backend, store: SnapshotStore, old_mode: str
) -> dict[Cell, str]:
    """The sheet as a version that painted fills left it, with the user's own fills on
    top; returns the user's. The owned values are written by a sync without colours."""
    run(backend, store, "none")
    coloured = range(WIDTH) if old_mode == "row" else OWNED
    paint(backend, {(row, col): ROW_COLOUR[row] for row in ROW_COLOUR for col in coloured})
    user = {
        (1, NOTES): YELLOW,  # the user's own colour over a painted cell
        (2, NAME): RED,  # a tool colour, but not the colour of Bo's row
        (3, len(HEADERS)): BLUE,  # the user's colour on an owned cell
    }
    if old_mode == "status":
        user[(3, NAME)] = GREY  # the colour of Cy's row, outside what that version painted
    paint(backend, user)
    store.write_painted(
        Painted("Contacts", old_mode, WIDTH, tuple(OWNED), tool_colours(make_config()))
    )
    return user


@pytest.mark.parametrize("old_mode", ["row", "status"])
def test_an_older_painted_sheet_loses_only_the_recorded_tool_colours(
    backend: Backend, store: SnapshotStore, old_mode: str
) -> None:
    user = painted_by_an_older_version(backend, store, old_mode)
    painted = own_fills(backend)
    migrated = run(backend, store, "row")
    assert migrated.written and not migrated.changes.cells
    assert migrated.changes.fills and all(f.colour is None for f in migrated.changes.fills)
    assert own_fills(backend) == user
    assert shown(backend) == expected("row", user)
    record = store.read_painted()
    assert record is not None and record.mode == "none"
    assert not run(backend, store, "row").written

    # Undoing the migration puts the painted fills back, and the record with them,
    # so that the next sync takes them off again.
    assert migrated.snapshot is not None
    restore_snapshot(backend, store, migrated.snapshot, NOW)
    assert own_fills(backend) == painted
    record = store.read_painted()
    assert record is not None and record.mode == old_mode
    assert run(backend, store, "status").written
    assert own_fills(backend) == user
    assert shown(backend) == expected("status", user)


def test_without_a_record_no_fill_is_taken_off(backend: Backend, store: SnapshotStore) -> None:
    run(backend, store, "none")
    # Fills in the tool's colours that no record says the tool painted are the user's.
    user = {(row, col): ROW_COLOUR[row] for row in ROW_COLOUR for col in range(WIDTH)}
    paint(backend, user)
    for snapshots in (store, None):
        result = run(backend, snapshots, "row" if snapshots is None else "status")
        assert result.written and not result.changes.fills
        assert own_fills(backend) == user


def test_a_dry_run_takes_nothing_off_and_keeps_the_record(
    backend: Backend, store: SnapshotStore
) -> None:
    painted_by_an_older_version(backend, store, "row")
    before = own_fills(backend)
    result = sync(backend, make_config(), TODAY, snapshots=store, dry_run=True)
    assert result.changes.fills and not result.written
    assert own_fills(backend) == before
    record = store.read_painted()
    assert record is not None and record.mode == "row"


def test_the_colour_record_is_private_and_kept_per_sheet(tmp_path: Path) -> None:
    state = tmp_path / "state"
    sheets: dict[str, XlsxBackend] = {}
    for name in ("old.xlsx", "new.xlsx"):
        write_new_workbook(tmp_path / name, {"Contacts": ROWS})
        sheets[name] = XlsxBackend(tmp_path / name)
    old, new = sheets["old.xlsx"], sheets["new.xlsx"]
    old_store = SnapshotStore(state, old.describe())
    new_store = SnapshotStore(state, new.describe())
    user = painted_by_an_older_version(old, old_store, "row")
    painted = own_fills(old)
    # Both workbooks look alike, but only one has a record: the other's fills stay.
    paint(new, painted)
    assert new_store.read_painted() is None

    assert not run(new, new_store, "row").changes.fills
    assert own_fills(new) == painted
    assert own_fills(old) == painted
    old_record = old_store.read_painted()
    assert old_record is not None and old_record.mode == "row"

    assert run(old, old_store, "row").changes.fills
    assert own_fills(old) == user
    assert own_fills(new) == painted
    for folder in (old_store.target_folder, new_store.target_folder):
        assert (folder / PAINTED_FILE).stat().st_mode & 0o777 == 0o600
        assert folder.stat().st_mode & 0o777 == 0o700
    assert old_store.target_folder != new_store.target_folder


# --- the user's formats in a workbook ------------------------------------------------------

Formats: TypeAlias = dict[Cell, tuple[Any, Any, Any]]


def dress(path: Path, cells: list[Cell]) -> None:
    """The user formats cells their own way: fills, fonts and borders, cell by cell."""
    book = load_workbook(path)
    sheet = book["Contacts"]
    for number, (row, col) in enumerate(cells):
        cell = sheet.cell(row + 1, col + 1)
        shade = f"{(number * 37) % 256:02X}"
        if number % 3:
            cell.fill = PatternFill("solid", fgColor=f"FF{shade}CC{shade}")
        else:
            cell.fill = PatternFill("lightGrid", fgColor="FF3366FF", bgColor="FFFFCC00")
        cell.font = Font(
            name="Georgia" if number % 2 else "Courier New",
            bold=number % 2 == 0,
            italic=number % 3 == 0,
            underline="single" if number % 4 == 0 else None,
            color=f"FF{shade}0000",
            size=9 + number % 5,
        )
        side = Side(style="thin" if number % 2 else "double", color=f"FF0000{shade}")
        cell.border = Border(left=side, bottom=side, right=Side(style="dashed"))
    book.save(path)


def formats(path: Path) -> Formats:
    sheet = load_workbook(path)["Contacts"]
    found: Formats = {}
    for row in range(1, len(ROWS)):
        for col in range(WIDTH):
            cell = sheet.cell(row + 1, col + 1)
            found[(row, col)] = (copy(cell.fill), copy(cell.font), copy(cell.border))
    return found


def users_own_rules(path: Path) -> list[tuple[str, list[str]]]:
    sheet = load_workbook(path)["Contacts"]
    return [
        (str(block.sqref), list(rule.formula))
        for block in sheet.conditional_formatting
        for rule in block.rules
        if not rule.formula[0].startswith(HIGHLIGHT_MARK)
    ]


def test_a_workbooks_own_formats_survive_sync_switch_and_restore(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_new_workbook(path, {"Contacts": ROWS})
    dress(path, [(row, col) for row in range(1, len(ROWS)) for col in USER])
    book = load_workbook(path)
    book["Contacts"].conditional_formatting.add(
        "J2:J50", FormulaRule(formula=['ISNUMBER(SEARCH("vip",J2))'], font=Font(bold=True))
    )
    book.save(path)
    theirs = users_own_rules(path)
    before = formats(path)
    backend = XlsxBackend(path)
    store = SnapshotStore(tmp_path / "state", backend.describe())

    first = run(backend, store, "row")
    assert first.written and first.snapshot is not None
    after = formats(path)
    assert {k: v for k, v in after.items() if k[1] in USER} == {
        k: v for k, v in before.items() if k[1] in USER
    }
    # The user formats the tool's cells too: they are the user's formats all the same.
    dress(path, [(row, col) for row in range(1, len(ROWS)) for col in OWNED])
    before = formats(path)

    for mode in ("status", "none", "row"):
        assert run(backend, store, mode).written, mode
        assert formats(path) == before, mode
        assert users_own_rules(path) == theirs, mode

    restored = restore_snapshot(backend, store, first.snapshot, NOW)
    assert restored.changes.cells  # the owned cells the first sync filled are emptied
    assert [line[len(HEADERS) :] for line in values(backend)[1:]] == [[]] * (len(ROWS) - 1)
    assert formats(path) == before
    assert users_own_rules(path) == theirs


# --- any sequence ---------------------------------------------------------------------------

ANY_COLOUR = st.sampled_from([YELLOW, BLUE, RED, GREEN, GREY, PICK])


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["row", "status", "none"]),
            st.dictionaries(
                st.tuples(st.integers(1, len(ROWS) - 1), st.integers(0, WIDTH - 1)),
                ANY_COLOUR,
                max_size=4,
            ),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_modes_leaves_every_fill_to_the_user(
    steps: list[tuple[str, dict[Cell, str]]],
) -> None:
    backend = MemoryBackend.from_rows({"Contacts": ROWS})
    user: dict[Cell, str] = {}
    for mode, painted in steps:
        result = run(backend, None, mode)
        assert not result.changes.fills
        assert own_fills(backend) == user
        assert shown(backend) == expected(mode, user)
        paint(backend, painted)
        user.update(painted)
