"""Sheet-level formatting (freeze, date formats, dropdowns, widths) and multi-tab writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, read_tab_setup, write_new_workbook
from sheets_keepup.core.errors import SheetChangedError
from sheets_keepup.core.model import CellWrite, ChangeSet, DropDown, Identity, TabSetup

Backend = MemoryBackend | XlsxBackend
Factory = Callable[[dict[str, list[list[Any]]]], Backend]


@pytest.fixture(params=["memory", "xlsx"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Factory:
    def memory(tabs: dict[str, list[list[Any]]]) -> Backend:
        return MemoryBackend.from_rows(tabs)

    def xlsx(tabs: dict[str, list[list[Any]]]) -> Backend:
        path = tmp_path / "book.xlsx"
        write_new_workbook(path, tabs, overwrite=True)
        return XlsxBackend(path)

    return memory if request.param == "memory" else xlsx


def setup_of(backend: Backend, tab: str) -> TabSetup:
    if isinstance(backend, MemoryBackend):
        return backend.tab_setup(tab)
    return read_tab_setup(backend.path, tab)


SETUP = TabSetup(
    frozen_rows=1,
    first_row=1,
    date_columns=(1,),
    dropdowns=(DropDown(2, ("close", "core", "network")),),
    widths={0: 180, 1: 110},
)


def test_setup_is_applied_and_read_back(make: Factory) -> None:
    backend = make({"Contacts": [["Name", "Last contact", "Tier"], ["Ada", None, "core"]]})
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Contacts", setup=SETUP))
    found = setup_of(backend, "Contacts")
    assert found.frozen_rows == 1
    assert found.first_row == 1
    assert list(found.date_columns) == [1]
    assert list(found.dropdowns) == [DropDown(2, ("close", "core", "network"), False)]
    assert {c: abs(w - SETUP.widths[c]) <= 4 for c, w in found.widths.items()} == {
        0: True,
        1: True,
    }
    rows = backend.read(["Contacts"]).tabs["Contacts"].rows
    assert rows[1][:3] == ["Ada", None, "core"]


def test_setting_up_twice_keeps_one_dropdown(make: Factory) -> None:
    backend = make({"Contacts": [["Name", "Last contact", "Tier"]]})
    for _ in range(2):
        backend.read(["Contacts"])
        backend.apply(ChangeSet(tab="Contacts", setup=SETUP))
    assert len(setup_of(backend, "Contacts").dropdowns) == 1


def test_a_setup_alone_is_a_change() -> None:
    assert ChangeSet(tab="Contacts", setup=SETUP)
    assert not ChangeSet(tab="Contacts", setup=TabSetup())
    assert ChangeSet(tab="Contacts", extra_tabs=[ChangeSet(tab="Log", setup=SETUP)])


def test_extra_tabs_are_written_in_the_same_write(make: Factory) -> None:
    backend = make({"Contacts": [["Name"], ["Ada"]]})
    backend.read(["Contacts"])
    log = ChangeSet(
        tab="Log",
        create_tab=True,
        cells=[CellWrite(0, c, h) for c, h in enumerate(["Date", "Who", "Kind", "Note"])],
        setup=TabSetup(frozen_rows=1, date_columns=(0,)),
    )
    backend.apply(ChangeSet(tab="Contacts", cells=[CellWrite(0, 1, "Status")], extra_tabs=[log]))
    data = backend.read(["Contacts", "Log"])
    assert list(data.tabs["Log"].rows[0]) == ["Date", "Who", "Kind", "Note"]
    assert list(data.tabs["Contacts"].rows[0]) == ["Name", "Status"]
    assert setup_of(backend, "Log").frozen_rows == 1
    if isinstance(backend, MemoryBackend):
        assert backend.writes == 1


def test_a_refused_extra_tab_writes_nothing(make: Factory) -> None:
    backend = make({"Contacts": [["Name"], ["Ada"]], "Log": [["Date", "Who"], [None, "Bo"]]})
    backend.read(["Contacts", "Log"])
    moved = ChangeSet(
        tab="Log",
        cells=[CellWrite(1, 2, "x")],
        identity=Identity(1, None, {1: ("Someone else", "")}),
    )
    with pytest.raises(SheetChangedError):
        backend.apply(
            ChangeSet(tab="Contacts", cells=[CellWrite(0, 1, "Status")], extra_tabs=[moved])
        )
    data = backend.read(["Contacts", "Log"])
    assert "Status" not in list(data.tabs["Contacts"].rows[0])


def test_date_columns_keep_existing_cells(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    write_new_workbook(path, {"Log": [["Date", "Who"], [dt.date(2026, 1, 2), "Ada"]]})
    backend = XlsxBackend(path)
    backend.read(["Log"])
    backend.apply(ChangeSet(tab="Log", setup=TabSetup(date_columns=(0,))))
    assert list(read_tab_setup(path, "Log").date_columns) == [0]
    rows = backend.read(["Log"]).tabs["Log"].rows
    # A date-formatted cell reads as a date (python-calamine), the value unchanged.
    assert [list(r) for r in rows] == [["Date", "Who"], [dt.date(2026, 1, 2), "Ada"]]
