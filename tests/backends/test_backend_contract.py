"""The backend contract, run against the memory, xlsx and Google (fake API) backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from contract import BackendContract, BackgroundOf, Backgrounds, Rows, normalised
from fake_google import FakeGoogle
from fakesheets import FakeSheetsServer
from openpyxl import load_workbook

from sheets_keepup.backends import Backend
from sheets_keepup.backends.google.backend import GoogleBackend
from sheets_keepup.backends.memory import MemoryBackend
from sheets_keepup.backends.xlsx import XlsxBackend, write_new_workbook

Fills = Backgrounds | None


class TestMemoryBackend(BackendContract):
    def make_backend(
        self, tabs: dict[str, Rows], backgrounds: Backgrounds | None = None
    ) -> Backend:
        backend = MemoryBackend.from_rows(tabs)
        backend.backgrounds.update(backgrounds or {})
        return backend

    def read_back(self, backend: Backend) -> tuple[dict[str, Rows], BackgroundOf]:
        assert isinstance(backend, MemoryBackend)
        colours = dict(backend.backgrounds)
        tabs = {t: normalised(rows) for t, rows in backend.tabs.items()}
        return tabs, lambda tab, row, col: colours.get((tab, row, col))


class TestXlsxBackend(BackendContract):
    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path: Path) -> None:
        self.path = tmp_path / "contacts.xlsx"

    def make_backend(
        self, tabs: dict[str, Rows], backgrounds: Backgrounds | None = None
    ) -> Backend:
        write_new_workbook(self.path, tabs, overwrite=True)
        if backgrounds:
            from openpyxl.styles import PatternFill

            book = load_workbook(self.path)
            for (tab, row, col), colour in backgrounds.items():
                fill = PatternFill("solid", fgColor="FF" + colour.lstrip("#"))
                book[tab].cell(row + 1, col + 1).fill = fill
            book.save(self.path)
        return XlsxBackend(self.path)

    def read_back(self, backend: Backend) -> tuple[dict[str, Rows], BackgroundOf]:
        book = load_workbook(self.path)
        tabs = {
            name: normalised([list(r) for r in book[name].iter_rows(values_only=True)])
            for name in book.sheetnames
        }
        for name in book.sheetnames:  # a formula would be stored as one: check the cell type
            for row in book[name].iter_rows():
                assert all(c.data_type != "f" for c in row), name

        def background(tab: str, row: int, col: int) -> str | None:
            fill = book[tab].cell(row + 1, col + 1).fill
            if fill is None or fill.fill_type != "solid":
                return None
            return "#" + str(fill.fgColor.rgb)[-6:].upper()

        return tabs, background


@pytest.fixture(scope="module")
def sheets_server() -> Iterator[FakeSheetsServer]:
    with FakeSheetsServer() as server:
        yield server


class TestGoogleBackend(BackendContract):
    @pytest.fixture(autouse=True)
    def _server(self, sheets_server: FakeSheetsServer) -> None:
        sheets_server.faults.clear()
        self.fake = FakeGoogle(sheets_server)

    def make_backend(
        self, tabs: dict[str, Rows], backgrounds: Backgrounds | None = None
    ) -> Backend:
        key = self.fake.create(tabs, backgrounds)
        return self.fake.backend(key)

    def read_back(self, backend: Backend) -> tuple[dict[str, Rows], BackgroundOf]:
        assert isinstance(backend, GoogleBackend)
        key = backend.key
        with self.fake.server.state.lock:
            titles = [s.title for s in self.fake.server.state.get(key).sheets]
            for sheet in self.fake.server.state.get(key).sheets:
                for cell in sheet.cells.values():
                    assert "formulaValue" not in (cell.get("userEnteredValue") or {})
        tabs: dict[str, Any] = {t: normalised(self.fake.rows(key, t)) for t in titles}

        def background(tab: str, row: int, col: int) -> str | None:
            return self.fake.background(key, tab, row, col)

        return tabs, background


def test_contract_dates_are_dates_in_every_backend() -> None:
    assert normalised([[dt.datetime(2026, 1, 2, 0, 0)]]) == [[dt.date(2026, 1, 2)]]
