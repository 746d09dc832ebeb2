"""The contract every backend keeps, written once and run against each of them.

A backend's test class subclasses `BackendContract` and says how to build a backend
holding some tabs (`make_backend`) and how to see what it really holds, bypassing the
backend (`read_back`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from core_helpers import TODAY, make_config

from sheets_keepup.app.init import init_sheet
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.backends import Backend
from sheets_keepup.backends.base import BackendBase
from sheets_keepup.core.dates import as_date
from sheets_keepup.core.errors import SheetChangedError
from sheets_keepup.core.highlight import same_colour
from sheets_keepup.core.model import CellWrite, ChangeSet, Identity, RowFill, SheetData

Rows = list[list[Any]]
Backgrounds = Mapping[tuple[str, int, int], str]
BackgroundOf = Callable[[str, int, int], "str | None"]

CONTACTS: Rows = [
    ["Name", "Email", "Tier", "Last contact", "Notes"],
    ["Ada Lovelace", "ada@example.com", "close", TODAY - dt.timedelta(days=90), "engines"],
    ['=HYPERLINK("https://example.com","Bob")', "bob@example.com", "core", None, "formula?"],
    ["Chen Wei", "chen@example.net", "network", TODAY - dt.timedelta(days=10), None],
]
LOG: Rows = [["Date", "Who", "Kind"], [TODAY - dt.timedelta(days=2), "Chen Wei", "coffee"]]


def normalised(rows: Sequence[Sequence[Any]]) -> Rows:
    """Rows as plain values: datetimes as dates, trailing empty cells and rows dropped."""
    out: Rows = []
    for row in rows:
        line = [v.date() if isinstance(v, dt.datetime) else (None if v == "" else v) for v in row]
        while line and line[-1] is None:
            line.pop()
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return out


def as_read(rows: Rows, like: Sequence[Sequence[Any]]) -> Rows:
    """`rows` as a backend read them, with each cell where `like` holds a date taken as
    the core takes it: Sheets reads dates as day numbers (SERIAL_NUMBER), xlsx as
    date-times, and the core reads either as the date."""
    out: Rows = []
    for r, row in enumerate(rows):
        wanted = like[r] if r < len(like) else []
        dated = [c < len(wanted) and isinstance(wanted[c], dt.date) for c in range(len(row))]
        out.append([as_date(v) if is_date else v for v, is_date in zip(row, dated, strict=True)])
    return out


class Recorder(BackendBase):
    """Wraps a backend and counts `apply` calls."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.applied: list[ChangeSet] = []

    def describe(self) -> str:
        return self.inner.describe()

    def read(self, tabs: Sequence[str]) -> SheetData:
        return self.inner.read(tabs)

    def apply(self, changes: ChangeSet) -> None:
        self.applied.append(changes)
        self.inner.apply(changes)


class BackendContract:
    """Tests every backend must pass. Subclasses implement the two hooks below."""

    def make_backend(
        self, tabs: dict[str, Rows], backgrounds: Backgrounds | None = None
    ) -> Backend:
        """A backend holding `tabs` (and cell fills by (tab, row, col))."""
        raise NotImplementedError

    def read_back(self, backend: Backend) -> tuple[dict[str, Rows], BackgroundOf]:
        """What the backend's storage holds now, read without the backend."""
        raise NotImplementedError

    # --- reading ---------------------------------------------------------------------------

    def test_read_returns_tabs_and_skips_missing(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS, "Other": [["x"]]})
        data = backend.read(["Contacts", "Log"])
        assert list(data.tabs) == ["Contacts"]
        assert as_read(normalised(data.tabs["Contacts"].rows), CONTACTS) == normalised(CONTACTS)

    def test_read_reports_backgrounds(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS}, {("Contacts", 1, 0): "#F4C7C3"})
        tab = backend.read(["Contacts"]).tabs["Contacts"]
        assert same_colour(tab.background(1, 0), "#F4C7C3")
        assert tab.background(2, 0) is None

    def test_declares_every_capability_of_the_protocol(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS, "Other": [["x"]]})
        assert isinstance(backend, Backend)
        assert backend.tab_titles() == ["Contacts", "Other"]
        assert isinstance(backend.credentials_note(), str)
        assert backend.file_to_create() is None
        before = backend.requests
        backend.read(["Contacts"])
        assert isinstance(before, int) and backend.requests >= before
        assert backend.last_write is None

    # --- writing ---------------------------------------------------------------------------

    def test_apply_writes_cells_and_fills(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS}, {("Contacts", 3, 1): "#D9EAD3"})
        backend.read(["Contacts"])
        backend.apply(
            ChangeSet(
                tab="Contacts",
                cells=[CellWrite(0, 5, "Status"), CellWrite(1, 5, "overdue")],
                fills=[RowFill(1, 0, 6, "#F4C7C3"), RowFill(3, 0, 6, None)],
            )
        )
        tabs, background = self.read_back(backend)
        assert tabs["Contacts"][0][5] == "Status" and tabs["Contacts"][1][5] == "overdue"
        assert all(same_colour(background("Contacts", 1, c), "#F4C7C3") for c in range(6))
        assert background("Contacts", 3, 1) is None
        assert background("Contacts", 2, 0) is None

    def test_a_write_lands_on_its_person_or_nowhere(self) -> None:
        """A change set planned for someone the row no longer holds (row 3 was planned
        as Someone's; Chen is there now) never reaches the person on that row. A backend
        that checks who the rows hold refuses the whole write; one that follows row
        anchors writes Ada's cells to Ada and Someone's nowhere."""
        backend = self.make_backend({"Contacts": CONTACTS})
        backend.read(["Contacts"])
        changes = ChangeSet(
            tab="Contacts",
            cells=[CellWrite(1, 5, "Email Ada"), CellWrite(3, 5, "Email Someone")],
            fills=[RowFill(1, 0, 6, "#F4C7C3")],
            identity=Identity(
                0, 1, {1: ("Ada Lovelace", "ada@example.com"), 3: ("Someone", "else@example.com")}
            ),
        )
        try:
            backend.apply(changes)
        except SheetChangedError:
            tabs, background = self.read_back(backend)
            assert tabs["Contacts"] == normalised(CONTACTS)
            assert background("Contacts", 1, 0) is None
            return
        tabs, _ = self.read_back(backend)
        assert tabs["Contacts"][1] == [*normalised(CONTACTS)[1], "Email Ada"]
        assert tabs["Contacts"][3] == normalised(CONTACTS)[3]

    def test_text_starting_with_equals_stays_text(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS})
        backend.read(["Contacts"])
        formula = '=IMPORTXML("https://evil.example","//a")'
        backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 5, formula)]))
        tabs, _ = self.read_back(backend)
        assert tabs["Contacts"][1][5] == formula
        assert tabs["Contacts"][2][0] == CONTACTS[2][0]
        assert backend.read(["Contacts"]).tabs["Contacts"].value(1, 5) == formula

    def test_dates_round_trip_as_dates(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS})
        backend.read(["Contacts"])
        day = dt.date(2027, 2, 28)
        backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 5, day)]))
        tabs, _ = self.read_back(backend)
        assert tabs["Contacts"][1][5] == day
        read = backend.read(["Contacts"]).tabs["Contacts"].value(1, 5)
        # a date, a date-time (xlsx) or a day number (Sheets): the core reads each as the day
        assert as_date(read) == day

    def test_none_clears_a_cell(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS})
        backend.read(["Contacts"])
        backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(1, 4, None)]))
        tabs, _ = self.read_back(backend)
        assert tabs["Contacts"][1] == CONTACTS[1][:4]

    # --- whole syncs -----------------------------------------------------------------------

    def test_full_sync_twice_second_changes_nothing_and_applies_nothing(self) -> None:
        backend = Recorder(self.make_backend({"Contacts": CONTACTS, "Log": LOG}))
        config = make_config()
        first = sync(backend, config, TODAY)
        assert first.written and len(backend.applied) == 1
        second = sync(backend, config, TODAY)
        assert not second.written and not second.changes
        assert len(backend.applied) == 1  # an empty change set is never sent

    def test_sync_leaves_user_cells_unchanged(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS, "Log": LOG})
        sync(backend, make_config(), TODAY)
        tabs, _background = self.read_back(backend)
        width = len(CONTACTS[0])
        assert normalised([r[:width] for r in tabs["Contacts"]]) == normalised(CONTACTS)
        assert tabs["Contacts"][0][width:] == ["Next action", "Due", "Status", "Done"]
        assert tabs["Log"] == normalised(LOG)
        for row in (1, 2, 3):
            assert tabs["Contacts"][row][width + 2] in ("overdue", "due soon", "ok", "check")

    # --- init and highlight modes ----------------------------------------------------------

    def test_init_sets_up_a_blank_sheet_in_one_write(self) -> None:
        backend = Recorder(self.make_backend({"Sheet1": []}))
        result = init_sheet(backend, make_config(), TODAY, sample=True)
        assert result.written and len(backend.applied) == 1
        tabs, _ = self.read_back(backend.inner)
        assert tabs["Contacts"][0][:2] == ["Name", "Email"]
        assert tabs["Contacts"][0][-4:] == ["Next action", "Due", "Status", "Done"]
        assert all(str(r[0]).startswith("Example:") for r in tabs["Contacts"][1:])
        assert tabs["Log"][0] == ["Date", "Who", "Kind", "Note"]
        assert tabs["Sheet1"] == []
        assert sync(backend, make_config(), TODAY).written

    def test_init_adds_only_what_is_missing(self) -> None:
        backend = Recorder(self.make_backend({"Contacts": CONTACTS}))
        init_sheet(backend, make_config(), TODAY, sample=True)
        assert len(backend.applied) == 1
        tabs, _ = self.read_back(backend.inner)
        assert tabs["Contacts"][0] == [*CONTACTS[0], "Next action", "Due", "Status", "Done"]
        assert tabs["Contacts"][1:] == normalised(CONTACTS)[1:]
        assert tabs["Log"] == [["Date", "Who", "Kind", "Note"]]

    def test_highlight_modes_keep_user_colours(self, tmp_path: Any) -> None:
        # Colours are the tool's conditional formats: a mode switch swaps the rules and
        # nothing else, so every cell keeps the fill the user gave it (or none).
        from sheets_keepup.core.model import HIGHLIGHT_MARK

        yellow, blue, red = "#FFFF00", "#CFE2F3", "#F4C7C3"
        # Red is a tool colour; column 5 becomes the tool's Next action column.
        user = {("Contacts", 1, 0): yellow, ("Contacts", 2, 4): blue, ("Contacts", 3, 5): red}
        backend = self.make_backend({"Contacts": CONTACTS, "Log": LOG}, user)
        store = SnapshotStore(tmp_path, backend.describe())
        width = len(CONTACTS[0]) + 4  # Next action, Due, Status, Done
        covered = {
            "row": set(range(width)),
            "status": set(range(len(CONTACTS[0]), width)),
            "none": set(),
        }

        def run(mode: str) -> ChangeSet:
            return sync(backend, make_config(highlight=mode), TODAY, snapshots=store).changes

        def check(mode: str) -> None:
            _, background = self.read_back(backend)
            for row in range(len(CONTACTS) + 1):
                for col in range(width + 1):
                    got, want = background("Contacts", row, col), user.get(("Contacts", row, col))
                    assert same_colour(got, want), (mode, row, col, got, want)
            rules = backend.read(["Contacts"]).tabs["Contacts"].highlight
            found = () if rules is None else rules.rules
            assert all(r.formula.startswith("=" + HIGHLIGHT_MARK) for r in found), mode
            assert bool(found) == (mode != "none"), mode
            areas = () if rules is None else rules.areas
            assert all(a.first_row == 1 and a.end_row is None for a in areas), mode
            cols = {c for a in areas for c in range(a.first_col, a.end_col)}
            assert cols == covered[mode], mode

        first = run("status")
        assert first.cells and not first.fills
        check("status")
        for mode in ("none", "row", "status", "row", "none"):
            changes = run(mode)
            assert changes.highlight is not None, mode
            assert not changes.cells and not changes.fills, mode
            check(mode)
            assert not sync(backend, make_config(highlight=mode), TODAY, snapshots=store).written
