"""Appending rows, creating tabs and rewriting tool-owned tabs, on every local backend."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sheets_keepup.backends import Backend
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook
from sheets_keepup.core.errors import SheetChangedError
from sheets_keepup.core.model import CellWrite, ChangeSet

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


def rows_of(backend: Backend, tab: str) -> list[list[Any]]:
    found = backend.read([tab]).tabs[tab]
    trimmed = []
    for row in found.rows:
        values = list(row)
        while values and values[-1] is None:
            values.pop()
        trimmed.append(values)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def test_append_goes_below_the_last_used_row(make: Factory) -> None:
    backend = make({"Log": [["Date", "Who"], ["2026-01-01", "Ada"], [None, None]]})
    backend.read(["Log"])
    backend.apply(ChangeSet(tab="Log", appends=[[dt.date(2026, 11, 20), "=Bob"]]))
    rows = rows_of(backend, "Log")
    assert rows[:2] == [["Date", "Who"], ["2026-01-01", "Ada"]]
    assert rows[2][1] == "=Bob"
    assert rows[2][0] in (dt.date(2026, 11, 20), dt.datetime(2026, 11, 20))
    assert len(rows) == 3


def test_missing_tab_is_created_only_when_asked(make: Factory) -> None:
    backend = make({"Contacts": [["Name"]]})
    backend.read(["Contacts"])
    with pytest.raises(SheetChangedError):
        backend.apply(ChangeSet(tab="Log", appends=[["Date", "Who"]]))
    backend.read(["Contacts"])
    backend.apply(ChangeSet(tab="Log", create_tab=True, appends=[["Date", "Who"], ["x", "y"]]))
    assert rows_of(backend, "Log") == [["Date", "Who"], ["x", "y"]]
    assert rows_of(backend, "Contacts") == [["Name"]]


def test_replace_rewrites_a_tool_owned_tab(make: Factory) -> None:
    backend = make({"This week": [["old"], ["stale", "rows"], ["more"]], "Contacts": [["Name"]]})
    backend.read(["This week"])
    backend.apply(
        ChangeSet(
            tab="This week", replace=True, cells=[CellWrite(0, 0, "new")], appends=[["a", "b"]]
        )
    )
    assert rows_of(backend, "This week") == [["new"], ["a", "b"]]
    assert rows_of(backend, "Contacts") == [["Name"]]


def test_empty_change_set_is_falsy() -> None:
    assert not ChangeSet(tab="x")
    assert ChangeSet(tab="x", appends=[["a"]])
    assert ChangeSet(tab="x", replace=True)
